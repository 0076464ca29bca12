from torch import Tensor

from gan_lab.losses.base import AdversarialLoss
from gan_lab.step import DStep, GStep


class LeastSquaresLoss(AdversarialLoss):
    """Least-squares GAN (Mao et al. 2017, Eq. 2) with the 0-1 coding a=0, b=c=1.

    D minimises ½E[(l_real - 1)²] + ½E[l_fake²]; G minimises ½E[(l_fake - 1)²].
    """

    decision_threshold = None  # D regresses onto the codes 0 and 1; its outputs drift as a pair

    def d_loss(self, step: DStep) -> Tensor:
        return 0.5 * ((step.real_logits - 1.0) ** 2).mean() + 0.5 * (step.fake_logits**2).mean()

    def g_loss(self, step: GStep) -> Tensor:
        return 0.5 * ((step.fake_logits - 1.0) ** 2).mean()
