"""Classic data augmentation of the real images only (flip, translation, rotation, scaling)."""

from __future__ import annotations

from collections.abc import Sequence

import kornia.augmentation as K
import torch
from torch import Tensor

from gan_lab.augmentations.base import Augmentation, check_probability

PADDINGS = ("reflection", "border", "fill")


class ClassicAugmentation(Augmentation):
    """The classic augmentation of the training set: D sees transformed real images, generated ones as
    they are (`applies_to_fake = False`). This is the "augment reals only" baseline that Zhao et al. 2020
    (DiffAugment, Sec. 3.1) and Karras et al. 2020 (ADA, Sec. 2) show leaks into G: G learns to
    generate the augmented distribution (flipped digits, shifted frames).

    Per sample, independently, each with probability `p`: a horizontal flip
    (`kornia.augmentation.RandomHorizontalFlip`); a translation by up to `translate`·(W, H) pixels;
    a rotation by U(−`degrees`, `degrees`); an isotropic scaling by U(`scale`). The three geometric
    parts are gated one by one but composed into one `kornia.augmentation.RandomAffine` warp
    (bilinear), so an image is resampled at most once.

    Padding (`padding`): pixels that come from outside the image are filled by reflection by default,
    which on the digit datasets is the −1 background (their borders are background) and on natural
    images (CIFAR-10) continues the scene instead of drawing a constant frame that D could use to tell
    augmented reals apart; "fill" pads with −1 (black, the background of the digits), "border" repeats
    the edge pixels. Zero padding is not offered: 0 is mid-grey on the [−1, 1] scale. Outputs stay in
    [−1, 1] (bilinear interpolation and all paddings are convex combinations of input values or −1).
    """

    applies_to_fake = False

    def __init__(
        self,
        p: float = 0.5,
        flip: bool = True,
        translate: float = 0.125,
        degrees: float = 10.0,
        scale: Sequence[float] = (0.9, 1.1),
        padding: str = "reflection",
    ):
        super().__init__()
        self.p = check_probability(p)
        if not 0.0 <= float(translate) < 1.0:
            raise ValueError(f"augmentation.translate must be in [0, 1), got {translate}")
        if not 0.0 <= float(degrees) <= 180.0:
            raise ValueError(f"augmentation.degrees must be in [0, 180], got {degrees}")
        scale = tuple(float(s) for s in scale)
        if len(scale) != 2 or not 0.0 < scale[0] <= scale[1]:
            raise ValueError(f"augmentation.scale must be a range [low, high] with 0 < low <= high, got {list(scale)}")
        if padding not in PADDINGS:
            raise ValueError(f"augmentation.padding must be one of {', '.join(PADDINGS)}, got {padding!r}")
        self.translate, self.degrees, self.scale, self.padding = float(translate), float(degrees), scale, padding
        self.flip = K.RandomHorizontalFlip(p=self.p) if flip else None
        # RandomAffine's own gate is replaced by the per-part gates below (its `p` only has to be < 1 so
        # that kornia reads the gate from the parameters, and 1 when every sample is transformed).
        self.affine = K.RandomAffine(
            degrees=self.degrees,
            translate=(self.translate, self.translate),
            scale=self.scale,
            padding_mode=padding,
            fill_value=torch.tensor(-1.0) if padding == "fill" else None,
            p=self.p,
        )

    def forward(self, images: Tensor) -> Tensor:
        if self.p == 0.0:
            return images
        with torch.autocast(images.device.type, enabled=False):  # float32 matrices and warps, also under bf16
            x = images.float()
            if self.flip is not None:
                x = self.flip(x)
            x = self.affine(x, params=self.affine_parameters(x))
        return x.to(images.dtype)

    def affine_parameters(self, images: Tensor) -> dict[str, Tensor]:
        """RandomAffine's parameters with each part (translation, rotation, scaling) kept with
        probability p per sample and reset to the identity otherwise."""
        params = self.affine.forward_parameters(images.shape)
        n, device = images.shape[0], params["angle"].device
        translate, rotate, rescale = (torch.rand(3, n, device=device) < self.p).unbind(0)
        params["translations"] = torch.where(translate[:, None], params["translations"], 0.0)
        params["angle"] = torch.where(rotate, params["angle"], 0.0)
        params["scale"] = torch.where(rescale[:, None], params["scale"], 1.0)
        params["batch_prob"] = (translate | rotate | rescale).to(params["angle"].dtype)
        return params

    def extra_repr(self) -> str:
        return (
            f"p={self.p:g}, translate={self.translate:g}, degrees={self.degrees:g}, scale={self.scale}, padding={self.padding!r}"
        )
