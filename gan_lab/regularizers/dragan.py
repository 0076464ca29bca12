"""DRAGAN's gradient penalty around the real data (Kodali et al. 2017)."""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import check_non_negative, input_gradients
from gan_lab.step import DStep


class DRAGANPenalty(Regularizer):
    """`dragan`: λ · E[(‖∇_x D(x + δ)‖₂ − 1)²] over real samples x (Kodali et al. 2017, "On Convergence
    and Stability of GANs", the DRAGAN penalty), added to D's loss. Logged as `dragan`.

    Where WGAN-GP penalises D on lines between real and fake samples, DRAGAN penalises it only in a
    neighbourhood of the data, where the sharp gradients that come with mode collapse live. The
    perturbation is the one of the authors' code: δ = c · std(x) · u, u ~ U[0, 1] elementwise, std(x)
    the standard deviation of the whole real batch (the paper writes δ ~ N(0, cI)); c = `scale`
    (0.5), λ = `weight` (10). (The authors' code further takes the gradient at x + α·δ with
    α ~ U[0, 1] per sample; here it is taken at x + δ, as the penalty is written.)
    x is D's real input, after augmentation and instance noise.
    """

    name = "dragan"

    def __init__(self, weight: float = 10.0, scale: float = 0.5):
        self.weight = check_non_negative(weight, "regularizer.dragan.weight")
        self.scale = check_non_negative(scale, "regularizer.dragan.scale")

    def d_terms(self, step: DStep) -> dict[str, Tensor]:
        real = step.real.detach()
        perturbed = real + self.scale * real.std() * torch.rand_like(real)
        norms = input_gradients(step.discriminator, perturbed).norm(2, dim=1)
        return {"dragan": self.weight * ((norms - 1.0) ** 2).mean()}
