from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.corruptions.base import Corruption


class NoCorruption(Corruption):
    """The clean environment: images pass through unchanged.

    `level` is accepted (so a sweep can set it for every corruption alike) and ignored: the
    effective level, the one logged, is always 0.
    """

    name = "none"

    def __init__(self, level: float = 0.0, ambient: bool = False):
        super().__init__(0.0, ambient)

    def forward(self, images: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return images
