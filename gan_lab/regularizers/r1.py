"""R1: the zero-centred gradient penalty on real data (Mescheder et al. 2018, Eq. 9)."""

from __future__ import annotations

from torch import Tensor

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import check_non_negative, input_gradients
from gan_lab.step import DStep


class R1Penalty(Regularizer):
    """`r1`: γ/2 · E_x~P_real[‖∇_x D(x)‖²] (Mescheder, Geiger & Nowozin 2018, "Which Training Methods
    for GANs do actually Converge?", Eq. 9), added to D's loss. Logged as `r1`; γ = `weight` (10).

    Penalising D's gradient on the data (rather than pulling its norm to 1, as WGAN-GP does) makes the
    equilibrium, where D is flat on the data, locally convergent. The gradient is taken at D's real
    inputs (after augmentation and instance noise) with a second forward pass of D, so a BatchNorm D
    updates its running statistics once more per step.
    """

    name = "r1"
    on_fake = False  # R2 (r2.py) takes the same penalty on generated samples

    def __init__(self, weight: float = 10.0):
        self.weight = check_non_negative(weight, f"regularizer.{self.name}.weight")

    def d_terms(self, step: DStep) -> dict[str, Tensor]:
        grads = input_gradients(step.discriminator, step.fake if self.on_fake else step.real)
        return {self.name: 0.5 * self.weight * grads.square().sum(dim=1).mean()}
