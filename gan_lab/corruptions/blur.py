from __future__ import annotations

import math

import torch
from kornia.filters import gaussian_blur2d
from torch import Tensor

from gan_lab.corruptions.base import Corruption


class GaussianBlur(Corruption):
    """Gaussian blur with standard deviation σ = `level` pixels (ImageNet-C's "Gaussian blur",
    Hendrycks & Dietterich 2019; a blur measurement as in AmbientGAN, Bora et al. 2018).

    The kernel is the normalised sampled Gaussian of size 2·ceil(3σ)+1, with reflect padding at
    the borders (`kornia.filters.gaussian_blur2d`). On an image too small for that reflect padding
    the kernel's radius is capped at H-1 (W-1) along each axis, and renormalised. Deterministic:
    the generator is not used. Level 0 is the identity.
    """

    name = "blur"
    level_range = (0.0, math.inf)

    def corrupt(self, images: Tensor, generator: torch.Generator | None) -> Tensor:
        _, _, h, w = images.shape
        radius = math.ceil(3 * self.level)
        kernel_size = (2 * min(radius, h - 1) + 1, 2 * min(radius, w - 1) + 1)
        return gaussian_blur2d(images, kernel_size, (self.level, self.level), border_type="reflect")
