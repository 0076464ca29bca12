"""The two-sided gradient penalty of WGAN-GP (Gulrajani et al. 2017, Eq. 3)."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def gradient_penalty(discriminator: nn.Module, real: Tensor, fake: Tensor, target_norm: float = 1.0) -> Tensor:
    """E[(‖∇_x̂ D(x̂)‖₂ − target_norm)²] over x̂ = εx + (1−ε)x̃, ε ~ U[0, 1] per sample.

    The gradient is taken with `create_graph=True` so the penalty itself can be back-propagated into
    D; norms are computed in at least float32, so the penalty is safe under bf16 autocast.
    """
    eps = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1), device=real.device, dtype=real.dtype)
    interpolates = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = discriminator(interpolates)
    (grads,) = torch.autograd.grad(scores.sum(), interpolates, create_graph=True)
    norms = grads.to(torch.promote_types(grads.dtype, torch.float32)).flatten(1).norm(2, dim=1)
    return ((norms - target_norm) ** 2).mean()
