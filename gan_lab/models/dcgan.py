"""DCGAN (Radford et al. 2016): transposed-conv G with BatchNorm/ReLU, strided-conv D with
LeakyReLU, 4×4 kernels, N(0, 0.02) initialisation. 32×32 and 64×64 outputs. The normalisation of
either network and D's dropout are choices (gan_lab/models/norm.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from gan_lab.models.norm import check_dropout, check_norm, conv_bias, norm_layer, with_dropout
from gan_lab.models.shapes import require_square_image

SIZES = (32, 64)
KEY_G_NORM, KEY_D_NORM = "model.generator.norm", "model.discriminator.norm"


def dcgan_init(module: nn.Module) -> None:
    """Weights ~ N(0, 0.02), norm scales ~ N(1, 0.02), biases 0 (Radford et al. 2016, Sec. 4)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class DCGANGenerator(nn.Module):
    """z → 4×4 × (width·2^(n-1)) → n-1 stride-2 up-convolutions halving the channels → image;
    `norm` (batch, instance, layer, none) and ReLU after every hidden up-convolution."""

    def __init__(self, shape: Sequence[int], latent_dim: int = 100, width: int = 64, norm: str = "batch"):
        super().__init__()
        channels, size = require_square_image("dcgan", shape, SIZES)
        norm = check_norm(norm, KEY_G_NORM)
        self.shape = (channels, size, size)
        self.latent_dim = latent_dim
        n_up = int(math.log2(size // 4))
        ch = width * 2 ** (n_up - 1)
        bias = conv_bias(norm)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, ch, 4, 1, 0, bias=bias),
            norm_layer(norm, ch, KEY_G_NORM),
            nn.ReLU(True),
        ]
        for _ in range(n_up - 1):
            layers += [nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=bias), norm_layer(norm, ch // 2, KEY_G_NORM), nn.ReLU(True)]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


class DCGANDiscriminator(nn.Module):
    """image → stride-2 convolutions doubling the channels (LeakyReLU 0.2, `norm` after all but the
    first, then dropout with probability `dropout` when it is > 0) down to 4×4 → a 4×4 convolution
    to one logit."""

    def __init__(self, shape: Sequence[int], width: int = 64, norm: str = "batch", dropout: float = 0.0):
        super().__init__()
        channels, size = require_square_image("dcgan", shape, SIZES)
        norm = check_norm(norm, KEY_D_NORM)
        p = check_dropout(dropout, "model.discriminator.dropout")
        n_down = int(math.log2(size // 4))
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 4, 2, 1), with_dropout(nn.LeakyReLU(0.2, True), p)]
        ch = width
        for _ in range(n_down - 1):
            layers += [
                nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=conv_bias(norm)),
                norm_layer(norm, ch * 2, KEY_D_NORM),
                with_dropout(nn.LeakyReLU(0.2, True), p),
            ]
            ch *= 2
        layers += [nn.Conv2d(ch, 1, 4, 1, 0)]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def features(self, x: Tensor) -> Tensor:
        """The 4×4 feature maps the last convolution reads, flattened, (N, channels · 16)."""
        return self.net[:-1](x).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).flatten()
