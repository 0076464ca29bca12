"""Shared inputs and independent reference computations for the augmentation tests."""

from __future__ import annotations

import torch
from torch import Tensor


def batch(shape=(4, 3, 32, 32), seed=0, low=-0.9, high=0.9) -> Tensor:
    """Images strictly inside (-1, 1) and away from 0, from their own generator (not the global RNG)."""
    g = torch.Generator().manual_seed(seed)
    x = low + (high - low) * torch.rand(shape, generator=g)
    return torch.where(x.abs() < 0.05, torch.full_like(x, 0.5), x)


def shifted(image: Tensor, dy: int, dx: int, fill: float | None) -> Tensor:
    """`image` (C, H, W) moved down by dy and right by dx pixels, written with slicing: what enters is
    `fill`, or (fill=None) the mirror image about the border pixel edges (grid_sample's "reflection")."""
    c, h, w = image.shape
    if fill is not None:
        out = torch.full_like(image, fill)
        src_rows, dst_rows = slice(max(0, -dy), min(h, h - dy)), slice(max(0, dy), min(h, h + dy))
        src_cols, dst_cols = slice(max(0, -dx), min(w, w - dx)), slice(max(0, dx), min(w, w + dx))
        out[:, dst_rows, dst_cols] = image[:, src_rows, src_cols]
        return out

    def mirror(i: int, n: int) -> int:
        while not 0 <= i < n:
            i = -i - 1 if i < 0 else 2 * n - 1 - i
        return i

    rows = [mirror(i - dy, h) for i in range(h)]
    cols = [mirror(j - dx, w) for j in range(w)]
    return image[:, rows][:, :, cols]


def matching_shift(out: Tensor, image: Tensor, max_shift: int, fill: float | None, atol=1e-5):
    """The (dy, dx) with |dy|, |dx| <= max_shift such that `out` is `image` shifted by it, else None."""
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            if torch.allclose(out, shifted(image, dy, dx, fill), atol=atol):
                return dy, dx
    return None
