"""`weight_clip`: WGAN's weight clipping, the original way to keep the critic Lipschitz."""

from __future__ import annotations

import torch
from torch import nn

from gan_lab.regularizers.base import Regularizer


class WeightClipping(Regularizer):
    """After every optimizer step of D, clamp each of its weights to [−c, c] (Arjovsky et al. 2017,
    Algorithm 1, c = 0.01), keeping the critic in a compact set of (roughly) Lipschitz functions.
    `loss=wgan` is the Wasserstein loss with this regularizer (conf/loss/wgan.yaml)."""

    name = "weight_clip"

    def __init__(self, clip_value: float = 0.01):
        if not float(clip_value) > 0:
            raise ValueError(f"regularizer.weight_clip.clip_value must be > 0, got {clip_value}")
        self.clip_value = float(clip_value)

    @torch.no_grad()
    def after_optimizer_step(self, network: nn.Module, role: str) -> None:
        if role != "discriminator":
            return
        params = list(network.parameters())
        torch._foreach_clamp_min_(params, -self.clip_value)
        torch._foreach_clamp_max_(params, self.clip_value)
