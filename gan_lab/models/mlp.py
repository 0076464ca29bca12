"""Fully connected G and D, for 2-D points and for flattened images."""

from __future__ import annotations

import math
from collections.abc import Sequence

from torch import Tensor, nn

from gan_lab.models.norm import check_dropout, with_dropout


def _stack(sizes: Sequence[int], activation: type[nn.Module], dropout: float = 0.0, **kwargs) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), with_dropout(activation(**kwargs), dropout)]
    return layers


class MLPGenerator(nn.Module):
    """z → `depth` hidden ReLU layers of `width` units → a sample of `shape`.

    Images (3-D shapes) end in tanh so that pixels lie in [-1, 1]; points are left unbounded.
    """

    def __init__(self, shape: Sequence[int], latent_dim: int = 64, width: int = 256, depth: int = 3):
        super().__init__()
        self.shape = tuple(int(s) for s in shape)
        self.latent_dim = latent_dim
        out = nn.Tanh() if len(self.shape) == 3 else nn.Identity()
        self.net = nn.Sequential(
            *_stack([latent_dim] + [width] * depth, nn.ReLU), nn.Linear(width, math.prod(self.shape)), out
        )

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(-1, *self.shape)


class MLPDiscriminator(nn.Module):
    """A flattened sample → `depth` hidden LeakyReLU(0.2) layers of `width` units (each followed by
    dropout with probability `dropout` when it is > 0) → one logit."""

    def __init__(self, shape: Sequence[int], width: int = 256, depth: int = 3, dropout: float = 0.0):
        super().__init__()
        p = check_dropout(dropout, "model.discriminator.dropout")
        self.net = nn.Sequential(
            nn.Flatten(),
            *_stack([math.prod(shape)] + [width] * depth, nn.LeakyReLU, p, negative_slope=0.2),
            nn.Linear(width, 1),
        )

    def features(self, x: Tensor) -> Tensor:
        """The last hidden layer's activations, (N, width)."""
        return self.net[:-1](x)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).flatten()
