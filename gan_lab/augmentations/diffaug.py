"""DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training")."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lab.augmentations.base import Augmentation, check_probability

OPS = ("color", "translation", "cutout")


class DiffAugment(Augmentation):
    """Differentiable augmentation T applied to real AND generated images, in D's and in G's step
    (Zhao et al. 2020, Eqs. 3–4: D sees T(x) and T(G(z)), G is trained through T(G(z))).

    Written with tensor ops, as the authors' reference code (`DiffAugment_pytorch.py`), whose
    definitions these follow; kornia's colour ops clamp to [0, 1] (and its saturation goes through HSV),
    and its random translation is fractional, so they do not match. The ops of `policy`, in order, each
    applied to a sample with probability `p` (1 = the paper, every op on every sample):

    - color: brightness x + U(−0.5, 0.5); saturation (x − x̄_c)·U(0, 2) + x̄_c around the per-pixel
      channel mean (a no-op for 1 channel); contrast (x − x̄)·U(0.5, 1.5) + x̄ around the image mean.
      The reference applies these to images on the [−1, 1] scale (its StyleGAN2 and BigGAN code bases
      train on [−1, 1]), so the brightness shift is U(−0.5, 0.5) on OUR scale, as in the paper's runs
      (±0.25 on a [0, 1] scale); saturation and contrast act around a mean and do not depend on the scale.
    - translation: a shift by whole pixels, t ~ U{−s, …, s} per axis with s = round(`translation_ratio`·size)
      (1/8: 4 pixels at 32×32); what enters from outside is `fill`.
    - cutout: a square of round(`cutout_ratio`·size) pixels (half the size: 16×16 at 32×32) set to `fill`;
      as in the reference, its centre is uniform over the image, so near an edge the square is clipped.

    `fill` is 0 as in the reference (the zero padding and the zeroing mask of its code): mid-grey on our
    [−1, 1] scale; −1 would match the black background of the digit datasets. Since T is applied to both
    real and fake images, the choice does not leak into G. Every op is differentiable w.r.t. the images
    (additions, products, an index gather and a select). Outputs can leave [−1, 1] (colour), as in the paper.
    """

    applies_to_fake = True

    def __init__(
        self,
        policy: Sequence[str] | str = OPS,
        p: float = 1.0,
        translation_ratio: float = 0.125,
        cutout_ratio: float = 0.5,
        fill: float = 0.0,
    ):
        super().__init__()
        names = policy.split(",") if isinstance(policy, str) else list(policy)
        self.policy = [str(name).strip() for name in names if str(name).strip()]
        unknown = [name for name in self.policy if name not in OPS]
        if unknown:
            raise ValueError(f"augmentation.policy must list ops among {', '.join(OPS)}, got {unknown}")
        self.p = check_probability(p)
        if not 0.0 <= float(translation_ratio) < 0.5:
            raise ValueError(f"augmentation.translation_ratio must be in [0, 0.5), got {translation_ratio}")
        if not 0.0 < float(cutout_ratio) <= 1.0:
            raise ValueError(f"augmentation.cutout_ratio must be in (0, 1], got {cutout_ratio}")
        if not -1.0 <= float(fill) <= 1.0:
            raise ValueError(f"augmentation.fill must be in [-1, 1], got {fill}")
        self.translation_ratio, self.cutout_ratio, self.fill = float(translation_ratio), float(cutout_ratio), float(fill)

    def forward(self, images: Tensor) -> Tensor:
        if self.p == 0.0:
            return images
        for name in self.policy:
            augmented = getattr(self, name)(images)
            if self.p < 1.0:
                keep = torch.rand(images.shape[0], 1, 1, 1, device=images.device) >= self.p
                augmented = torch.where(keep, images, augmented)
            images = augmented
        return images

    @staticmethod
    def color(x: Tensor) -> Tensor:
        """Random brightness, saturation and contrast (the reference's `rand_brightness`, `rand_saturation`,
        `rand_contrast`)."""
        n = x.shape[0]
        x = x + (torch.rand(n, 1, 1, 1, dtype=x.dtype, device=x.device) - 0.5)
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (torch.rand(n, 1, 1, 1, dtype=x.dtype, device=x.device) * 2) + mean
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        return (x - mean) * (torch.rand(n, 1, 1, 1, dtype=x.dtype, device=x.device) + 0.5) + mean

    def translation(self, x: Tensor) -> Tensor:
        """Shift every sample by its own whole number of pixels; output[i, j] = x[i − ty, j − tx]."""
        n, _, h, w = x.shape
        sh, sw = int(h * self.translation_ratio + 0.5), int(w * self.translation_ratio + 0.5)
        if sh == 0 and sw == 0:
            return x
        ty = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device)
        tx = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device)
        padded = F.pad(x, [sw, sw, sh, sh], value=self.fill).permute(0, 2, 3, 1)  # (N, H + 2sh, W + 2sw, C)
        rows = torch.arange(h, device=x.device).view(1, h, 1) + sh - ty  # (N, H, 1)
        cols = torch.arange(w, device=x.device).view(1, 1, w) + sw - tx  # (N, 1, W)
        batch = torch.arange(n, device=x.device).view(n, 1, 1)
        return padded[batch, rows, cols].permute(0, 3, 1, 2)

    def cutout(self, x: Tensor) -> Tensor:
        """Set a square of `cutout_ratio`·size pixels around a uniform random centre to `fill`."""
        n, _, h, w = x.shape
        size_h, size_w = int(h * self.cutout_ratio + 0.5), int(w * self.cutout_ratio + 0.5)
        # the reference's offsets: uniform over 0..h − 1 (0..h for an even square), the square spans centre ± size/2
        top = torch.randint(0, h + (1 - size_h % 2), (n, 1, 1), device=x.device) - size_h // 2
        left = torch.randint(0, w + (1 - size_w % 2), (n, 1, 1), device=x.device) - size_w // 2
        rows = torch.arange(h, device=x.device).view(1, h, 1)
        cols = torch.arange(w, device=x.device).view(1, 1, w)
        inside = (rows >= top) & (rows < top + size_h) & (cols >= left) & (cols < left + size_w)
        return torch.where(inside.unsqueeze(1), torch.as_tensor(self.fill, dtype=x.dtype, device=x.device), x)

    def extra_repr(self) -> str:
        return (
            f"policy={','.join(self.policy)}, p={self.p:g}, translation_ratio={self.translation_ratio:g}, "
            f"cutout_ratio={self.cutout_ratio:g}, fill={self.fill:g}"
        )
