"""Low-level image statistics: what a classifier learns to ignore (noise, blur, holes)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

# The 5-tap binomial filter of Burt & Adelson's pyramid (their "generating kernel" with a = 0.375).
BINOMIAL_5 = (1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16)


def pyramid_statistics(images: Tensor, levels: int = 3, eps: float = 1e-4) -> Tensor:
    """Per image: log mean energy of each band of an undecimated Laplacian pyramid, then the pixel
    mean and standard deviation. Returns (N, levels + 2).

    Band l is x_l − x_{l+1}, with x_0 the image and x_{l+1} = x_l blurred by the binomial filter
    dilated by 2^l (the "à trous" algorithm, Holschneider et al. 1989; Starck & Murtagh 1994): the
    Laplacian pyramid of Burt & Adelson (1983) without the 2× subsampling, so every band is
    computed at every pixel and a translated image has translated bands. Each band's energy is
    averaged under a separable Hann window (Harris 1978), which gives the frame's edge — where a
    translation cuts strokes off and brings background in — almost no weight. Together: a shift of
    a few pixels leaves the statistics nearly unchanged, while additive noise raises the fine bands,
    blur lowers them, and missing pixels raise them and lower the mean.

    (A decimated pyramid pools fixed 2×2 cells, so a 1-pixel shift moves energy between bands: the
    digits shifted by one pixel used to score 31 × the real-vs-real FID floor.)
    """
    x = images.float()
    height, width = x.shape[-2:]
    window = _hann(height, x)[:, None] * _hann(width, x)[None, :]
    window = window / window.sum()
    stats = []
    for level in range(levels):
        blurred = _binomial_blur(x, dilation=2**level)
        band_energy = (x - blurred).pow(2).mean(dim=1).mul(window).sum(dim=(1, 2))
        stats.append(band_energy.add(eps).log())
        x = blurred
    flat = images.float().flatten(1)
    stats += [flat.mean(1), flat.std(1)]
    return torch.stack(stats, dim=1)


def _hann(size: int, like: Tensor) -> Tensor:
    """A Hann window over `size` pixels that is positive at every pixel (its zeros fall just outside)."""
    return torch.hann_window(size + 2, periodic=False, dtype=like.dtype, device=like.device)[1:-1]


def _binomial_blur(x: Tensor, dilation: int) -> Tensor:
    """Separable 5-tap binomial blur with holes of `dilation` pixels, edges replicated; same size.
    Written as weighted sums of shifted views (five per axis), which is faster on a CPU than a
    grouped, dilated convolution."""
    pad = 2 * dilation
    height, width = x.shape[-2:]
    rows = F.pad(x, [0, 0, pad, pad], mode="replicate")
    x = sum(w * rows[..., k * dilation : k * dilation + height, :] for k, w in enumerate(BINOMIAL_5))
    cols = F.pad(x, [pad, pad, 0, 0], mode="replicate")
    return sum(w * cols[..., k * dilation : k * dilation + width] for k, w in enumerate(BINOMIAL_5))
