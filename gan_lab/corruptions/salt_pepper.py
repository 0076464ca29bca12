from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.corruptions.base import Corruption, uniform


class SaltPepper(Corruption):
    """Salt-and-pepper (impulse) noise (ImageNet-C's "impulse noise", Hendrycks & Dietterich 2019).

    Each pixel location is hit independently with probability `level`, so a fraction `level` of
    the pixels is hit on average; a hit pixel is set, in all channels together, to -1 (pepper) or
    +1 (salt) with equal probability. Implemented with `torch.where`, so gradients flow to the
    pixels that were not hit (and are 0 at those that were).
    """

    name = "salt_pepper"

    def corrupt(self, images: Tensor, generator: torch.Generator | None) -> Tensor:
        b, _, h, w = images.shape
        hit = uniform((b, 1, h, w), images, generator) < self.level
        salt = uniform((b, 1, h, w), images, generator) < 0.5
        values = torch.where(salt, 1.0, -1.0).to(images.dtype)
        return torch.where(hit, values, images)
