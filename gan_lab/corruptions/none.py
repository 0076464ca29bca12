from __future__ import annotations

import math

import torch
from torch import Tensor

from gan_lab.corruptions.base import Corruption


class NoCorruption(Corruption):
    """The clean environment: images pass through unchanged.

    `level` is accepted (so a sweep can set it for every corruption alike) and ignored: the
    effective level, the one logged, is always 0. A negative level is still an error.
    """

    name = "none"
    level_range = (0.0, math.inf)

    def __init__(self, level: float = 0.0, ambient: bool = False):
        super().__init__(level, ambient)  # validates it
        self.level = 0.0

    def forward(self, images: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return images
