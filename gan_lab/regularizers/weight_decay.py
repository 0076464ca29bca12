"""An L2 or L1 penalty on the networks' parameters, as terms of their losses."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import ROLES, check_non_negative, networks_for, parse_roles
from gan_lab.step import DStep, GStep


class WeightDecay(Regularizer):
    """`weight_decay`: a penalty on the size of the parameters θ of G and/or D (`on`), added to each
    network's own loss and logged as `weight_decay_g` (in G's terms) and `weight_decay_d` (in D's):

    - `norm: 2` (default): weight · ½ · Σ_θ θ², whose gradient weight · θ is the classic weight decay
      (Krogh & Hertz 1992; what torch.optim's `weight_decay=weight` adds to the gradient);
    - `norm: 1`: weight · Σ_θ |θ|, gradient weight · sign(θ) (the lasso penalty, Tibshirani 1996).

    The sum runs over every parameter of the network (weights, biases, normalisation scales; under
    spectral normalisation or pruning, the unnormalised / unmasked weight that the optimizer updates).
    With Adam this is the L2 penalty coupled to the adaptive step, not AdamW's decoupled decay
    (Loshchilov & Hutter 2019): the penalty's gradient is rescaled per coordinate like the loss's.
    """

    name = "weight_decay"

    def __init__(self, weight: float = 1e-4, norm: int = 2, on: str | Sequence[str] = ROLES):
        self.weight = check_non_negative(weight, "regularizer.weight_decay.weight")
        if norm not in (1, 2):
            raise ValueError(f"regularizer.weight_decay.norm must be 1 or 2, got {norm}")
        self.norm = int(norm)
        self.roles = parse_roles(on, "regularizer.weight_decay.on")
        self.networks: dict[str, nn.Module] = {}

    def wrap(self, generator: nn.Module, discriminator: nn.Module) -> None:
        self.networks = networks_for(self.roles, generator, discriminator)

    def penalty(self, network: nn.Module) -> Tensor:
        params = list(network.parameters())
        if self.norm == 2:
            total = torch.stack([p.square().sum() for p in params]).sum() / 2
        else:
            total = torch.stack([p.abs().sum() for p in params]).sum()
        return self.weight * total

    def d_terms(self, step: DStep) -> dict[str, Tensor]:
        if "discriminator" not in self.networks:
            return {}
        return {"weight_decay_d": self.penalty(self.networks["discriminator"])}

    def g_terms(self, step: GStep) -> dict[str, Tensor]:
        if "generator" not in self.networks:
            return {}
        return {"weight_decay_g": self.penalty(self.networks["generator"])}
