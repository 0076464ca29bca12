"""SNGAN-style residual G and D for 32×32 images (Miyato et al. 2018, Appendix B.4, Table 4;
the blocks of Gulrajani et al. 2017)."""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from gan_lab.models.shapes import require_square_image


class GeneratorBlock(nn.Module):
    """BN → ReLU → 2× nearest upsampling → conv3×3 → BN → ReLU → conv3×3, plus an upsampled 1×1 shortcut."""

    def __init__(self, in_ch: int, out_ch: int):
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(in_ch), nn.Conv2d(in_ch, out_ch, 3, 1, 1)
        self.bn2, self.conv2 = nn.BatchNorm2d(out_ch), nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        return h + self.shortcut(F.interpolate(x, scale_factor=2))


class DiscriminatorBlock(nn.Module):
    """(ReLU →) conv3×3 → ReLU → conv3×3 (→ 2× average pooling), plus a 1×1 shortcut.

    The first block (`first=True`) skips the leading ReLU and pools before its shortcut, as in
    SNGAN's "optimized" block.
    """

    def __init__(self, in_ch: int, out_ch: int, downsample: bool, first: bool = False):
        super().__init__()
        self.first, self.downsample = first, downsample
        self.conv1, self.conv2 = nn.Conv2d(in_ch, out_ch, 3, 1, 1), nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1) if (downsample or in_ch != out_ch) else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        if self.downsample:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.first:
            s = self.shortcut(F.avg_pool2d(s, 2))
        else:
            s = self.shortcut(s)
            if self.downsample:
                s = F.avg_pool2d(s, 2)
        return h + s


class ResNetGenerator(nn.Module):
    """z → linear to 4×4×width → three up-sampling residual blocks → BN, ReLU, conv3×3, tanh."""

    def __init__(self, shape: Sequence[int], latent_dim: int = 128, width: int = 256):
        super().__init__()
        channels, size = require_square_image("resnet", shape, (32,))
        self.shape = (channels, size, size)
        self.latent_dim, self.width = latent_dim, width
        self.linear = nn.Linear(latent_dim, 4 * 4 * width)
        self.blocks = nn.Sequential(*(GeneratorBlock(width, width) for _ in range(3)))
        self.out = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, channels, 3, 1, 1), nn.Tanh())

    def forward(self, z: Tensor) -> Tensor:
        return self.out(self.blocks(self.linear(z).view(-1, self.width, 4, 4)))


class ResNetDiscriminator(nn.Module):
    """image → two down-sampling and two plain residual blocks → ReLU → global sum pooling → linear.

    With `spectral_norm` (SNGAN's setting) every convolution and the linear layer are spectrally
    normalised (Miyato et al. 2018, Eq. 8), through torch.nn.utils.parametrizations.spectral_norm.
    """

    def __init__(self, shape: Sequence[int], width: int = 128, spectral_norm: bool = True):
        super().__init__()
        channels, _ = require_square_image("resnet", shape, (32,))
        self.blocks = nn.Sequential(
            DiscriminatorBlock(channels, width, downsample=True, first=True),
            DiscriminatorBlock(width, width, downsample=True),
            DiscriminatorBlock(width, width, downsample=False),
            DiscriminatorBlock(width, width, downsample=False),
        )
        self.linear = nn.Linear(width, 1)
        if spectral_norm:
            for module in list(self.modules()):
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    _spectral_norm(module)

    def features(self, x: Tensor) -> Tensor:
        """The pooled activations the last linear layer reads, (N, width)."""
        return F.relu(self.blocks(x)).sum(dim=(2, 3))

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(self.features(x)).flatten()
