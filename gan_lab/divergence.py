"""Divergence detection: a non-finite loss or weight stops a run cleanly, saying what and when."""

from __future__ import annotations

import torch
from torch import Tensor, nn

ADVICE = (
    "try a lower learning rate (optimizer.lr_g / optimizer.lr_d), gradient clipping "
    "(regularizer=grad_clip), a gradient penalty (regularizer=r1 or loss=wgan_gp) "
    "or spectral normalisation (regularizer=spectral_norm)"
)


class TrainingDiverged(RuntimeError):
    """Raised when training produced a non-finite value; `step` is the generator step at which it
    was seen and `quantity` what was non-finite ("d_loss", "g_loss", "generator weights", ...)."""

    def __init__(self, step: int, quantity: str):
        super().__init__(f"training diverged: {quantity} became non-finite by generator step {step}; {ADVICE}")
        self.step, self.quantity = step, quantity


class DivergenceMonitor:
    """Watches D's and G's total losses every step without synchronising with the device: a
    non-finite value only sets a flag on the device; `check()` (at logging steps, before every
    checkpoint and at the end of training) reads the flag and also inspects the weights, and raises
    `TrainingDiverged`. A gradient that is non-finite shows up in the weights after the step."""

    def __init__(self) -> None:
        self.nonfinite: Tensor | None = None  # [d_loss, g_loss] flags, on the losses' device

    def observe(self, d_loss: Tensor, g_loss: Tensor) -> None:
        flags = ~torch.isfinite(torch.stack([d_loss.detach().float(), g_loss.detach().float()]))
        self.nonfinite = flags if self.nonfinite is None else self.nonfinite | flags

    def check(self, step: int, generator: nn.Module, discriminator: nn.Module) -> None:
        if self.nonfinite is not None:
            d_bad, g_bad = self.nonfinite.tolist()
            if d_bad:
                raise TrainingDiverged(step, "d_loss")
            if g_bad:
                raise TrainingDiverged(step, "g_loss")
        for name, network in (("discriminator", discriminator), ("generator", generator)):
            params = [p.detach() for p in network.parameters()]
            if params and not all(torch.isfinite(p).all() for p in params):
                raise TrainingDiverged(step, f"{name} weights")
