"""The interface every adversarial objective implements."""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.step import DStep, GStep


class AdversarialLoss:
    """A GAN objective: `d_loss` is minimised by D and `g_loss` by G, each from its step's context
    (`gan_lab/step.py`: logits, D's inputs, latents, networks, step). Everything else that acts on D
    — penalties, weight clipping — is a regularizer; a loss YAML may bring regularizers with it
    under `regularizers:` (as `loss=wgan_gp` brings `gp`).

    `decision_threshold`: where D's output splits "real" from "fake" (0 for a logit or a hinge
    margin), or None for a critic without a natural threshold (the D-attack probe then uses the
    midpoint of D's mean outputs on real and generated images).
    """

    decision_threshold: float | None = 0.0

    def d_loss(self, step: DStep) -> Tensor:
        raise NotImplementedError

    def g_loss(self, step: GStep) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


def mean_softplus(x: Tensor) -> Tensor:
    """E[log(1 + exp(x))], computed stably: -log σ(-x) = softplus(x)."""
    return torch.nn.functional.softplus(x).mean()
