"""Gradient norm clipping of G's and/or D's updates (Pascanu et al. 2013)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import ROLES, SUFFIX, parse_roles


class GradientClipping(Regularizer):
    """`grad_clip`: before each optimizer step of G and/or D (`on`), if the norm ‖g‖ of the network's
    whole gradient (all parameters as one vector; `norm_type`, 2 by default) exceeds `max_norm` (1.0),
    the gradient is rescaled to g · max_norm / ‖g‖ (Pascanu, Mikolov & Bengio 2013, "On the difficulty
    of training recurrent neural networks", Algorithm 1), through torch.nn.utils.clip_grad_norm_.

    Logs the norm BEFORE clipping as `grad_clip_norm_g` / `grad_clip_norm_d` (how often and how much it
    bites). Adds no term to the losses. Replaces the former `train.grad_clip_norm` key.
    """

    name = "grad_clip"

    def __init__(self, max_norm: float = 1.0, norm_type: float = 2.0, on: str | Sequence[str] = ROLES):
        if not float(max_norm) > 0:
            raise ValueError(f"regularizer.grad_clip.max_norm must be > 0, got {max_norm}")
        if not float(norm_type) > 0:
            raise ValueError(f"regularizer.grad_clip.norm_type must be > 0 (or inf), got {norm_type}")
        self.max_norm, self.norm_type = float(max_norm), float(norm_type)
        self.roles = parse_roles(on, "regularizer.grad_clip.on")

    def before_optimizer_step(self, network: nn.Module, role: str) -> dict[str, Tensor]:
        if role not in self.roles:
            return {}
        norm = torch.nn.utils.clip_grad_norm_(network.parameters(), self.max_norm, norm_type=self.norm_type)
        return {f"grad_clip_norm_{SUFFIX[role]}": norm}

    def __repr__(self) -> str:
        norm = "inf" if math.isinf(self.norm_type) else f"{self.norm_type:g}"
        return f"GradientClipping(max_norm={self.max_norm:g}, norm_type={norm}, on={list(self.roles)})"
