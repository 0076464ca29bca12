"""The per-layer choices the convolutional architectures share: the normalisation of a hidden
layer (`model.generator.norm`, `model.discriminator.norm`) and D's dropout
(`model.discriminator.dropout`). Each check names the config key in its error."""

from __future__ import annotations

import math

from torch import nn

NORMS = ("batch", "instance", "layer", "none")


def check_norm(kind: str, key: str) -> str:
    """`kind` if it is one of NORMS, else a ValueError naming the config key."""
    if kind not in NORMS:
        raise ValueError(f"{key} must be one of {', '.join(NORMS)}; got {kind!r}")
    return kind


def norm_layer(kind: str, channels: int, key: str) -> nn.Module:
    """The normalisation of `channels` feature maps: `batch` (BatchNorm2d), `instance`
    (InstanceNorm2d with a learnt scale and shift), `layer` (GroupNorm with one group: LayerNorm over
    (C, H, W), the critic normalisation of WGAN-GP, Gulrajani et al. 2017, Sec. 4) or `none`
    (Identity, no parameters). All but `none` end in a learnt shift, so a convolution before them
    needs no bias (`conv_bias`)."""
    kind = check_norm(kind, key)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    return nn.Identity()


def conv_bias(kind: str) -> bool:
    """Whether a convolution followed by the normalisation `kind` needs its own bias."""
    return kind == "none"


def check_dropout(p: float, key: str) -> float:
    """`p` as a float in [0, 1), else a ValueError naming the config key."""
    try:
        value = float(p)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a probability in [0, 1), got {p!r}") from None
    if isinstance(p, bool) or not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise ValueError(f"{key} must be a probability in [0, 1), got {p!r}")
    return value


def with_dropout(activation: nn.Module, p: float) -> nn.Module:
    """`activation`, followed by nn.Dropout(p) when p > 0. The pair takes the activation's place,
    so dropout adds no module at p = 0 and never changes a parameter's name (checkpoints of the same
    network with and without dropout have the same keys)."""
    return nn.Sequential(activation, nn.Dropout(p)) if p > 0 else activation
