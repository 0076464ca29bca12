"""The interface of an augmentation applied to the batches D sees."""

from __future__ import annotations

import math

from torch import Tensor, nn


class Augmentation(nn.Module):
    """Transforms a batch before D sees it: real batches always, fake batches too when
    `applies_to_fake` (DiffAugment, ADA: then the transform must be differentiable).

    `observe(real_logits)` is fed D's outputs on real data after every D step, for augmentations
    that adapt their strength (ADA's p). `scalars()` returns what should be logged.
    """

    applies_to_fake: bool = True

    def forward(self, images: Tensor) -> Tensor:
        raise NotImplementedError

    def observe(self, real_logits: Tensor) -> None:
        pass

    def scalars(self) -> dict[str, float]:
        return {}

    def fake(self, images: Tensor) -> Tensor:
        """The transform for generated batches: the same as for real ones, or none."""
        return self(images) if self.applies_to_fake else images


def check_probability(value: float, key: str = "augmentation.p") -> float:
    """`value` as a float in [0, 1], else a ValueError naming the config key."""
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number in [0, 1], got {value!r}") from None
    if not (math.isfinite(p) and 0.0 <= p <= 1.0):
        raise ValueError(f"{key} must be in [0, 1], got {value}")
    return p
