from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.corruptions.base import Corruption, uniform


class MissingPixels(Corruption):
    """Missing pixels, set to -1 (black, 0 on the [0, 1] scale) in all channels together.

    With `block_size=None`: each pixel location is dropped independently with probability
    p = `level` (AmbientGAN's "block-pixels" measurement, Bora et al. 2018).
    With `block_size=k`: each image independently, with probability `level`, gets one k×k square
    dropped, placed uniformly at random among the positions that lie wholly inside the image
    (AmbientGAN's "block" occlusion); the other images are left as they are, so level 1 occludes
    every image. k must not exceed the image's height or width.

    The drop is a `torch.where` mask, so gradients flow to the kept pixels and are exactly 0 at
    the dropped ones.
    """

    name = "missing"

    def __init__(self, level: float, block_size: int | None = None, ambient: bool = False):
        super().__init__(level, ambient)
        if block_size is not None and (isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1):
            raise ValueError(f"corruption.block_size must be a positive integer (or null), got {block_size!r}")
        self.block_size = block_size

    def corrupt(self, images: Tensor, generator: torch.Generator | None) -> Tensor:
        dropped = self.mask(images, generator)
        return torch.where(dropped, torch.tensor(-1.0, dtype=images.dtype, device=images.device), images)

    def mask(self, images: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """A (B, 1, H, W) boolean mask, True at the dropped pixel locations."""
        b, _, h, w = images.shape
        if self.block_size is None:
            return uniform((b, 1, h, w), images, generator) < self.level
        k = self.block_size
        if k > h or k > w:
            raise ValueError(f"corruption.block_size must be at most the image size {h}x{w}, got {k}")
        has_block = uniform((b,), images, generator) < self.level
        top = torch.randint(0, h - k + 1, (b, 1), generator=generator, device=images.device)
        left = torch.randint(0, w - k + 1, (b, 1), generator=generator, device=images.device)
        rows, cols = torch.arange(h, device=images.device), torch.arange(w, device=images.device)
        in_rows = (rows >= top) & (rows < top + k)  # (B, H)
        in_cols = (cols >= left) & (cols < left + k)  # (B, W)
        block = in_rows[:, :, None] & in_cols[:, None, :] & has_block[:, None, None]
        return block[:, None]

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, block_size={self.block_size}"
