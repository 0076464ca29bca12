"""Adaptive discriminator augmentation (Karras et al. 2020, "Training Generative Adversarial Networks with
Limited Data", Sec. 3)."""

from __future__ import annotations

import math

import torch
from kornia.geometry.transform import get_affine_matrix2d, warp_affine
from torch import Tensor

from gan_lab.augmentations.base import Augmentation, check_probability


class AdaptiveAugmentation(Augmentation):
    """ADA: a pipeline of augmentations applied to every image D sees, real and generated (also in G's
    step, differentiably), each with the same probability p, which a controller adjusts from the
    overfitting heuristic r_t = E[sign(D_train)] (Karras et al. 2020, Eq. 1 and Sec. 3.2).

    The pipeline is a subset of the paper's "bgc" (blit + geometric + colour, its App. B defaults), each
    part applied to a sample with probability p, in this order:
    - x-flip (a fair coin when applied), integer translation by round(U(−0.125, 0.125)·size) pixels,
      isotropic scaling by 2^N(0, 0.2²) and rotation by U(−180°, 180°), composed into one affine matrix
      (`kornia.geometry.transform.get_affine_matrix2d`) and applied with one bilinear `warp_affine`
      with reflection padding (the paper pads by reflection; it resamples with a wavelet filter, which
      is left out here). Left out too: rotate-90, anisotropic scaling, the second rotation, fractional
      translation.
    - colour, as the paper's linear colour transforms on the [−1, 1] scale (tensor ops: kornia.enhance
      clamps to [0, 1]): brightness x + N(0, 0.2²); contrast x·2^N(0, 0.5²) (about 0, as the paper);
      saturation: the deviation from the per-pixel channel mean × 2^N(0, 1²) (3 channels only).
      Left out: luma flip, hue rotation, the filtering and corruption groups.
    At p = 0 the images are returned as they are. Outputs can leave [−1, 1] (colour), as in the paper.

    The controller (Sec. 3.2): `observe` adds sign(D(real)) up on the device after every D step; every
    `interval` D steps, r_t = mean sign over those steps and
        p ← clip(p + sign(r_t − target) · N / speed_images, 0, 1),
    N the number of real images observed in the interval (batch · interval). The paper lets p move 0 → 1
    in 500k images; here `speed_images` defaults to 20k, since our runs see a few hundred thousand images
    at most. That update is the only place the device is read (one sync per interval). r_t reads the
    sign of D's raw output, so the heuristic assumes D's real/fake boundary is at 0 (ns, minimax, hinge);
    with lsgan (targets 0/1) or wgan (the critic has no fixed offset) it is not meaningful.

    `p` and the last r_t (`rt`) are buffers, so checkpoints restore them. Logged: "ada_p", "ada_rt".
    """

    applies_to_fake = True
    translate_max = 0.125  # integer translation: U(−0.125, 0.125) of the image size
    scale_std = 0.2  # isotropic scaling: 2^N(0, scale_std²)
    rotate_max = 180.0  # rotation: U(−rotate_max, rotate_max) degrees
    brightness_std = 0.2  # brightness: + N(0, brightness_std²)
    contrast_std = 0.5  # contrast: × 2^N(0, contrast_std²)
    saturation_std = 1.0  # saturation: × 2^N(0, saturation_std²)

    def __init__(self, p: float = 0.0, target: float = 0.6, interval: int = 4, speed_images: int = 20_000):
        super().__init__()
        p = check_probability(p)
        if not -1.0 <= float(target) <= 1.0:
            raise ValueError(f"augmentation.target must be in [-1, 1], got {target}")
        if int(interval) != interval or interval < 1:
            raise ValueError(f"augmentation.interval must be an integer >= 1, got {interval}")
        if not (math.isfinite(float(speed_images)) and float(speed_images) > 0):
            raise ValueError(f"augmentation.speed_images must be > 0, got {speed_images}")
        self.target, self.interval, self.speed_images = float(target), int(interval), float(speed_images)
        self.register_buffer("p", torch.tensor(p))
        self.register_buffer("rt", torch.tensor(0.0))
        self.register_buffer("_sign_sum", torch.tensor(0.0), persistent=False)
        self._steps = self._images = self._logits = 0  # observed in the current interval
        self._host: tuple[float, float] | None = (p, 0.0)  # (p, rt) as read at the last update

    # ------------------------------------------------------------------ the controller
    def observe(self, real_logits: Tensor) -> None:
        self._sign_sum += real_logits.detach().sign().sum().float()
        self._images += real_logits.shape[0]
        self._logits += real_logits.numel()
        self._steps += 1
        if self._steps >= self.interval:
            self.update()

    @torch.no_grad()
    def update(self) -> None:
        """p ← clip(p + sign(r_t − target)·N/speed_images, 0, 1) over the interval just observed."""
        if self._logits == 0:
            return
        rt = self._sign_sum / self._logits
        step = self._images / self.speed_images
        self.p.copy_((self.p + torch.sign(rt - self.target) * step).clamp(0.0, 1.0))
        self.rt.copy_(rt)
        self._sign_sum.zero_()
        self._steps = self._images = self._logits = 0
        self._host = None

    def _p_and_rt(self) -> tuple[float, float]:
        if self._host is None:  # after an update or a state_dict load: one read of the device
            p, rt = torch.stack([self.p, self.rt]).tolist()
            self._host = (p, rt)
        return self._host

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._host = None

    def scalars(self) -> dict[str, float]:
        p, rt = self._p_and_rt()
        return {"ada_p": p, "ada_rt": rt}

    # ------------------------------------------------------------------ the pipeline
    def forward(self, images: Tensor) -> Tensor:
        p, _ = self._p_and_rt()
        if p == 0.0:
            return images
        with torch.autocast(images.device.type, enabled=False):  # float32 matrices and warps, also under bf16
            x = self.colour(self.geometric(images.float(), p), p)
        return x.to(images.dtype)

    def _gates(self, count: int, n: int, p: float, device) -> list[Tensor]:
        return list((torch.rand(count, n, device=device) < p).unbind(0))

    def geometric(self, x: Tensor, p: float) -> Tensor:
        n, _, h, w = x.shape
        flip_on, translate_on, scale_on, rotate_on = self._gates(4, n, p, x.device)
        flip = flip_on & (torch.rand(n, device=x.device) < 0.5)
        shift = torch.round((torch.rand(n, 2, device=x.device) * 2 - 1) * self.translate_max * x.new_tensor([w, h]))
        shift = torch.where(translate_on[:, None], shift, 0.0)
        scale = torch.where(scale_on, torch.exp2(torch.randn(n, device=x.device) * self.scale_std), 1.0)
        angle = torch.where(rotate_on, (torch.rand(n, device=x.device) * 2 - 1) * self.rotate_max, 0.0)
        center = x.new_tensor([(w - 1) / 2, (h - 1) / 2]).expand(n, 2)
        matrix = get_affine_matrix2d(shift, center, scale[:, None].expand(n, 2), angle)
        mirror = torch.eye(3, device=x.device, dtype=x.dtype).repeat(n, 1, 1)  # x → (w − 1) − x where flipped
        mirror[:, 0, 0] = torch.where(flip, -1.0, 1.0)
        mirror[:, 0, 2] = torch.where(flip, float(w - 1), 0.0)
        matrix = matrix @ mirror
        warped = warp_affine(x, matrix[:, :2], (h, w), mode="bilinear", padding_mode="reflection", align_corners=False)
        moved = (flip | translate_on | scale_on | rotate_on).view(n, 1, 1, 1)
        return torch.where(moved, warped, x)

    def colour(self, x: Tensor, p: float) -> Tensor:
        n = x.shape[0]
        brightness_on, contrast_on, saturation_on = (g.view(n, 1, 1, 1) for g in self._gates(3, n, p, x.device))
        brightness = torch.randn(n, 1, 1, 1, device=x.device) * self.brightness_std
        x = x + torch.where(brightness_on, brightness, 0.0)
        contrast = torch.exp2(torch.randn(n, 1, 1, 1, device=x.device) * self.contrast_std)
        x = x * torch.where(contrast_on, contrast, 1.0)
        if x.shape[1] > 1:
            saturation = torch.exp2(torch.randn(n, 1, 1, 1, device=x.device) * self.saturation_std)
            mean = x.mean(dim=1, keepdim=True)
            x = mean + (x - mean) * torch.where(saturation_on, saturation, 1.0)
        return x

    def extra_repr(self) -> str:
        return f"p={self._p_and_rt()[0]:g}, target={self.target:g}, interval={self.interval}, speed_images={self.speed_images:g}"
