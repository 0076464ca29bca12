"""The two-sided gradient penalty of WGAN-GP (Gulrajani et al. 2017, Eq. 3): the function, and the
regularizer `gp` that adds it to any loss."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import check_non_negative
from gan_lab.step import DStep


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


class GradientPenalty(Regularizer):
    """`gp`: λ · E[(‖∇_x̂ D(x̂)‖₂ − 1)²] over x̂ = εx + (1−ε)G(z), ε ~ U[0, 1] per sample
    (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Eq. 3), added to D's loss
    whatever the loss; λ = 10 is the paper's value. Logged as `gp`.

    `loss=wgan_gp` is the Wasserstein loss with this regularizer (conf/loss/wgan_gp.yaml); adding
    `regularizer=[gp]` on top of it is refused rather than counted twice.
    x and G(z) are D's inputs, after augmentation and instance noise.
    """

    name = "gp"

    def __init__(self, weight: float = 10.0):
        self.weight = check_non_negative(weight, "regularizer.gp.weight")

    def d_terms(self, step: DStep) -> dict[str, Tensor]:
        return {"gp": self.weight * gradient_penalty(step.discriminator, step.real, step.fake)}
