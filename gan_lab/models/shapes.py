"""Checks that a model can produce the sample shape the dataset asks for."""

from __future__ import annotations

from collections.abc import Sequence


def require_square_image(model: str, shape: Sequence[int], sizes: Sequence[int]) -> tuple[int, int]:
    """Return (channels, size) of a (C, S, S) shape with S in `sizes`, or raise a clear error."""
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or shape[1] != shape[2] or shape[1] not in sizes:
        raise ValueError(
            f"model={model} makes square images of size {' or '.join(map(str, sizes))}, but the dataset "
            f"asks for samples of shape {list(shape)}. Pick another model (model=mlp works for any shape) "
            f"or set dataset.image_size to one of {list(sizes)}."
        )
    return shape[0], shape[1]
