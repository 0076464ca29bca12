"""Step contexts built by hand, for testing losses and regularizers on inputs whose answer is known."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lab.step import DStep, GStep


def d_step(
    real_logits=None, fake_logits=None, real=None, fake=None, discriminator: nn.Module | None = None, d_step: int = 0
) -> DStep:
    """A D step; logits default to the discriminator's outputs on `real`/`fake` when it is given."""
    if discriminator is not None:
        real_logits = discriminator(real) if real_logits is None and real is not None else real_logits
        fake_logits = discriminator(fake) if fake_logits is None and fake is not None else fake_logits
    return DStep(
        real=real, fake=fake, real_logits=_tensor(real_logits), fake_logits=_tensor(fake_logits), latents=None,
        generator=None, discriminator=discriminator, g_step=0, d_step=d_step,
    )  # fmt: skip


def g_step(fake_logits=None, real_logits=None, fake=None, real=None, discriminator: nn.Module | None = None) -> GStep:
    """A G step; `real_logits` (given, or D's output on `real`) is what its context computes on demand."""
    if discriminator is not None and fake_logits is None and fake is not None:
        fake_logits = discriminator(fake)

    def run_discriminator(images: Tensor) -> Tensor:
        return _tensor(real_logits) if real_logits is not None else discriminator(images)

    return GStep(
        fake=fake, fake_logits=_tensor(fake_logits), latents=None, generator=None, discriminator=discriminator, g_step=0,
        real_view=lambda: real, run_discriminator=run_discriminator,
    )  # fmt: skip


def _tensor(values):
    if values is None or isinstance(values, Tensor):
        return values
    return torch.tensor(values, dtype=torch.float64)
