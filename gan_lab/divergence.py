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
            if not all_finite([p.detach() for p in network.parameters()]):
                raise TrainingDiverged(step, f"{name} weights")


def all_finite(tensors: list[Tensor]) -> bool:
    """Whether every element of every tensor is finite, read from the device once. A tensor's
    smallest and largest elements (`torch.aminmax`, one pass, no copy) are both finite exactly when
    all its elements are: NaN propagates to both, +inf is the largest, -inf the smallest. 5-14 times
    faster than `isfinite(t).all()` per tensor on a 2-core CPU (docs/benchmarks.md)."""
    ends = [end for tensor in tensors if tensor.numel() for end in torch.aminmax(tensor)]
    return not ends or bool(torch.isfinite(torch.stack(ends)).all())
