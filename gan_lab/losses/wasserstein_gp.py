from torch import Tensor, nn

from gan_lab.losses.wasserstein import WassersteinLoss
from gan_lab.regularizers.gradient_penalty import gradient_penalty


class WassersteinGPLoss(WassersteinLoss):
    """WGAN-GP (Gulrajani et al. 2017, Eq. 3): the Wasserstein objective plus
    λ · E[(‖∇_x̂ D(x̂)‖₂ − 1)²] on random interpolates x̂ = εx + (1−ε)G(z), ε ~ U[0, 1].

    The paper uses λ = 10, n_critic = 5 and no batch normalisation in the critic.
    """

    def __init__(self, gp_weight: float = 10.0):
        super().__init__(clip_value=None)
        if gp_weight < 0:
            raise ValueError(f"loss.gp_weight must be >= 0, got {gp_weight}")
        self.gp_weight = gp_weight

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor) -> Tensor:
        return self.gp_weight * gradient_penalty(discriminator, real, fake)
