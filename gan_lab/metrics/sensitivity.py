"""What the evaluation features see: real images corrupted or shifted, scored against the floor.

A yardstick for a robustness lab must rise with the corruptions it studies (noise, missing pixels,
blur, salt and pepper) and stay near the floor for changes that leave the content as it is (a
translation by a pixel or two). `sensitivity_table` gives FID / fid_floor for each;
`scripts/sensitivity.py` prints it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gan_lab.corruptions import GaussianBlur, GaussianNoise, MissingPixels, SaltPepper
from gan_lab.metrics.evaluator import Evaluator

CORRUPTIONS = {
    "gaussian": (GaussianNoise, (0.05, 0.1, 0.2, 0.4)),
    "missing": (MissingPixels, (0.1, 0.3, 0.5)),
    "blur": (GaussianBlur, (0.5, 1.0, 2.0)),
    "salt_pepper": (SaltPepper, (0.02, 0.05, 0.1)),
}
# (dx, dy) in pixels: right and down are positive
SHIFTS = {"shift 1 px down": (0, 1), "shift 1 px right": (1, 0), "shift 2 px down": (0, 2), "shift 2 px right": (2, 0)}


def shift_images(images: Tensor, dx: int, dy: int, fill: float = -1.0) -> Tensor:
    """Translate images by (dx, dy) whole pixels; what leaves the frame is cut, the space it leaves
    is background (`fill`, black in [-1, 1])."""
    height, width = images.shape[-2:]
    pad = max(abs(dx), abs(dy))
    padded = F.pad(images, [pad] * 4, value=fill)
    return padded[..., pad - dy : pad - dy + height, pad - dx : pad - dx + width]


def sensitivity_table(
    evaluator: Evaluator, clean: Tensor, seed: int = 4, floor: float | None = None
) -> list[tuple[str, float, float]]:
    """(name, level, FID / fid_floor) for another real sample (`clean`), each shift and each
    corruption at each level applied to `clean`. `floor`: the evaluator's FID floor, if known."""
    floor = evaluator.floor()["fid_floor"] if floor is None else floor

    def ratio(images: Tensor) -> float:
        return evaluator.evaluate(images)["fid"] / floor

    rows = [("none (another real sample)", 0.0, ratio(clean))]
    rows += [(name, float(max(abs(dx), abs(dy))), ratio(shift_images(clean, dx, dy))) for name, (dx, dy) in SHIFTS.items()]
    for name, (make, levels) in CORRUPTIONS.items():
        rows += [(name, level, ratio(make(level)(clean, torch.Generator().manual_seed(seed)))) for level in levels]
    return rows
