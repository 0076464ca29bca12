from __future__ import annotations

import math

import torch
from torch import Tensor

from gan_lab.corruptions.base import Corruption


class GaussianNoise(Corruption):
    """Additive Gaussian noise, y = x + n with n ~ N(0, σ²) i.i.d. per pixel and channel
    (AmbientGAN's Gaussian-noise measurement, Bora et al. 2018; ImageNet-C, Hendrycks & Dietterich 2019).

    σ = `level` is given on the [0, 1] intensity scale, so on the [-1, 1] images the added noise
    has std 2·level. The output is deliberately not clamped to [-1, 1]: this is a measurement
    model, and clamping would bias the noise (its mean would no longer be 0 near the ends of the
    range) and zero the gradient of saturated pixels.
    """

    name = "gaussian"
    level_range = (0.0, math.inf)

    def corrupt(self, images: Tensor, generator: torch.Generator | None) -> Tensor:
        dtype = images.dtype if images.is_floating_point() else torch.float32
        noise = torch.randn(images.shape, generator=generator, device=images.device, dtype=dtype)
        return images + (2.0 * self.level) * noise
