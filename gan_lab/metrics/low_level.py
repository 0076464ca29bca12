"""Low-level image statistics: what a classifier learns to ignore (noise, blur, holes)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def pyramid_statistics(images: Tensor, levels: int = 3, eps: float = 1e-4) -> Tensor:
    """Per image: log mean energy of each Laplacian-pyramid band (Burt & Adelson 1983; the
    pyramid of Karras et al. 2018's sliced Wasserstein distance), then the pixel mean and standard
    deviation. Returns (N, levels + 2).

    Band l is x_l − up(down(x_l)) with x_{l+1} = down(x_l), 2×2 average pooling and nearest
    up-sampling. Additive noise raises the fine bands, blur lowers them, missing pixels raise them
    and lower the mean: each shows as a large shift of a few standardised coordinates.
    """
    x = images.float()
    stats = []
    for _ in range(levels):
        if min(x.shape[-2:]) < 2:
            break
        down = F.avg_pool2d(x, 2)
        band = x - F.interpolate(down, size=x.shape[-2:], mode="nearest")
        stats.append(band.pow(2).mean(dim=(1, 2, 3)).add(eps).log())
        x = down
    flat = images.float().flatten(1)
    stats += [flat.mean(1), flat.std(1)]
    return torch.stack(stats, dim=1)
