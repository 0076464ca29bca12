"""SNGAN-style residual G and D for 32×32 images (Miyato et al. 2018, Appendix B.4, Table 4;
the blocks of Gulrajani et al. 2017). The normalisation of either network and D's dropout are
choices (gan_lab/models/norm.py); by default G has batch norm and D none, as SNGAN."""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from gan_lab.models.norm import check_dropout, check_norm, norm_layer
from gan_lab.models.shapes import require_square_image

KEY_G_NORM, KEY_D_NORM = "model.generator.norm", "model.discriminator.norm"


class GeneratorBlock(nn.Module):
    """norm → ReLU → 2× nearest upsampling → conv3×3 → norm → ReLU → conv3×3, plus an upsampled 1×1
    shortcut. The norms are `bn1` and `bn2` whatever their kind (the names of SNGAN's batch norms,
    which checkpoints hold); the convolutions keep their biases, as in SNGAN."""

    def __init__(self, in_ch: int, out_ch: int, norm: str = "batch"):
        super().__init__()
        self.bn1, self.conv1 = norm_layer(norm, in_ch, KEY_G_NORM), nn.Conv2d(in_ch, out_ch, 3, 1, 1)
        self.bn2, self.conv2 = norm_layer(norm, out_ch, KEY_G_NORM), nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1)

    def forward(self, x: Tensor) -> Tensor:
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        return h + self.shortcut(F.interpolate(x, scale_factor=2))


class DiscriminatorBlock(nn.Module):
    """(norm → ReLU →) conv3×3 → norm → ReLU → conv3×3 (→ 2× average pooling), plus a 1×1 shortcut.

    The first block (`first=True`) skips the leading norm and ReLU and pools before its shortcut, as
    in SNGAN's "optimized" block. With `norm="none"` (SNGAN's D) the norms are absent, so the
    block's parameters are SNGAN's; the others put them where the residual critic of WGAN-GP's
    64×64 code has its layer norms (Gulrajani et al. 2017).
    """

    def __init__(self, in_ch: int, out_ch: int, downsample: bool, first: bool = False, norm: str = "none"):
        super().__init__()
        self.first, self.downsample = first, downsample
        self.norm1 = nn.Identity() if first else norm_layer(norm, in_ch, KEY_D_NORM)
        self.conv1, self.conv2 = nn.Conv2d(in_ch, out_ch, 3, 1, 1), nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.norm2 = norm_layer(norm, out_ch, KEY_D_NORM)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1) if (downsample or in_ch != out_ch) else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else F.relu(self.norm1(x))
        h = self.conv2(F.relu(self.norm2(self.conv1(h))))
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
    """z → linear to 4×4×width → three up-sampling residual blocks → norm, ReLU, conv3×3, tanh;
    `norm` (batch, instance, layer, none) in the blocks and before the output convolution."""

    def __init__(self, shape: Sequence[int], latent_dim: int = 128, width: int = 256, norm: str = "batch"):
        super().__init__()
        channels, size = require_square_image("resnet", shape, (32,))
        norm = check_norm(norm, KEY_G_NORM)
        self.shape = (channels, size, size)
        self.latent_dim, self.width = latent_dim, width
        self.linear = nn.Linear(latent_dim, 4 * 4 * width)
        self.blocks = nn.Sequential(*(GeneratorBlock(width, width, norm) for _ in range(3)))
        self.out = nn.Sequential(norm_layer(norm, width, KEY_G_NORM), nn.ReLU(), nn.Conv2d(width, channels, 3, 1, 1), nn.Tanh())

    def forward(self, z: Tensor) -> Tensor:
        return self.out(self.blocks(self.linear(z).view(-1, self.width, 4, 4)))


class ResNetDiscriminator(nn.Module):
    """image → two down-sampling and two plain residual blocks → ReLU → global sum pooling → linear.

    With `spectral_norm` (SNGAN's setting) every convolution and the linear layer are spectrally
    normalised (Miyato et al. 2018, Eq. 8), through torch.nn.utils.parametrizations.spectral_norm.
    `norm` (none by default, as SNGAN; batch, instance, layer) normalises inside the blocks; with
    `dropout` > 0 each block's output goes through nn.Dropout(dropout).
    """

    def __init__(
        self, shape: Sequence[int], width: int = 128, spectral_norm: bool = True, norm: str = "none", dropout: float = 0.0
    ):
        super().__init__()
        channels, _ = require_square_image("resnet", shape, (32,))
        norm = check_norm(norm, KEY_D_NORM)
        p = check_dropout(dropout, "model.discriminator.dropout")
        self.blocks = nn.Sequential(
            DiscriminatorBlock(channels, width, downsample=True, first=True, norm=norm),
            DiscriminatorBlock(width, width, downsample=True, norm=norm),
            DiscriminatorBlock(width, width, downsample=False, norm=norm),
            DiscriminatorBlock(width, width, downsample=False, norm=norm),
        )
        # after each block, outside self.blocks: the blocks keep their names (checkpoint keys) with or without it
        self.dropout = nn.Dropout(p) if p > 0 else None
        self.linear = nn.Linear(width, 1)
        if spectral_norm:
            for module in list(self.modules()):
                if isinstance(module, (nn.Conv2d, nn.Linear)):
                    _spectral_norm(module)

    def features(self, x: Tensor) -> Tensor:
        """The pooled activations the last linear layer reads, (N, width)."""
        h = x
        for block in self.blocks:
            h = block(h)
            if self.dropout is not None:
                h = self.dropout(h)
        return F.relu(h).sum(dim=(2, 3))

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(self.features(x)).flatten()
