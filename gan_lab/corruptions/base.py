"""The interface of a corruption: the "uncertain environment" a robustness study puts images through."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class Corruption(nn.Module):
    """Corrupts a batch of images in [-1, 1] of shape (B, C, H, W) at a given `level`.

    Every corruption is differentiable with respect to the images, so that, as in AmbientGAN
    (Bora et al. 2018), it can be applied to generated images before D sees them. At level 0 the
    input is returned unchanged. Random draws come from `generator` when one is given (it must
    live on the images' device; the same seed gives the same output), else from torch's global RNG,
    and are made on the images' device.

    `ambient=True` (config `corruption.ambient`) asks the training loop to put generated images
    through the same corruption before D sees them (AmbientGAN), so G can learn the clean
    distribution from corrupted data.

    Subclasses set `name` (for logging) and `level_range` (inclusive bounds; an infinite upper
    bound means any finite level above the lower one) and implement `corrupt`.
    """

    name: str = "corruption"
    level_range: tuple[float, float] = (0.0, 1.0)

    def __init__(self, level: float, ambient: bool = False):
        super().__init__()
        if not isinstance(ambient, bool):
            raise ValueError(f"corruption.ambient must be true or false, got {ambient!r}")
        self.ambient = ambient
        lo, hi = self.level_range
        allowed = f"[{lo:g}, {hi:g}]" if math.isfinite(hi) else f"[{lo:g}, inf)"
        try:
            value = float(level)
        except (TypeError, ValueError):
            raise ValueError(f"corruption.level must be a number in {allowed} for {self.name}, got {level!r}") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ValueError(f"corruption.level must be in {allowed} for {self.name}, got {level}")
        self.level = value

    def forward(self, images: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if self.level == 0:
            return images
        return self.corrupt(images, generator)

    def corrupt(self, images: Tensor, generator: torch.Generator | None) -> Tensor:
        """The corruption at a non-zero level."""
        raise NotImplementedError

    def extra_repr(self) -> str:
        return f"level={self.level:g}, ambient={self.ambient}"


def uniform(shape: tuple[int, ...], images: Tensor, generator: torch.Generator | None) -> Tensor:
    """U[0, 1) draws of `shape` on the images' device (float32 for non-float images)."""
    dtype = images.dtype if images.is_floating_point() else torch.float32
    return torch.rand(shape, generator=generator, device=images.device, dtype=dtype)


def check_number(value, key: str, hi: float, allowed: str, open_above: bool = False) -> None:
    """Raise ValueError naming `key` unless `value` is a real number in [0, hi] ([0, hi) when `open_above`)."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (number and 0.0 <= value and (value < hi if open_above else value <= hi)):  # NaN fails the comparisons
        raise ValueError(f"{key} must be a number in {allowed}, got {value!r}")


def at_least_float32(images: Tensor) -> Tensor:
    """The images in float32, or float64 if they are float64 (half and bfloat16 are computed in float32)."""
    return images.to(torch.promote_types(images.dtype, torch.float32))
