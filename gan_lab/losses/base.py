"""The interface every adversarial objective implements."""

from __future__ import annotations

import torch
from torch import Tensor, nn


class AdversarialLoss:
    """A GAN objective written on the discriminator's raw outputs (logits, or critic values).

    `d_loss` is minimised by D and `g_loss` by G. Objectives that need more than the logits use
    the two hooks: `penalty` (a term on D that sees D itself, e.g. WGAN-GP's gradient penalty) and
    `after_discriminator_step` (e.g. WGAN's weight clipping).
    """

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        raise NotImplementedError

    def g_loss(self, fake_logits: Tensor) -> Tensor:
        raise NotImplementedError

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor) -> Tensor | None:
        """An extra term added to D's loss, or None."""
        return None

    def after_discriminator_step(self, discriminator: nn.Module) -> None:
        """Called after every optimizer step of D."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


def mean_softplus(x: Tensor) -> Tensor:
    """E[log(1 + exp(x))], computed stably: -log σ(-x) = softplus(x)."""
    return torch.nn.functional.softplus(x).mean()
