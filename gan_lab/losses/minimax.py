from torch import Tensor

from gan_lab.losses.base import AdversarialLoss, mean_softplus
from gan_lab.step import DStep, GStep


class MinimaxLoss(AdversarialLoss):
    """The original, saturating GAN objective (Goodfellow et al. 2014, Eq. 1).

    D maximises E[log D(x)] + E[log(1 - D(G(z)))] with D = σ(logit), i.e. minimises
    softplus(-l_real) + softplus(l_fake); G minimises E[log(1 - D(G(z)))] = -E[softplus(l_fake)].
    """

    def d_loss(self, step: DStep) -> Tensor:
        return mean_softplus(-step.real_logits) + mean_softplus(step.fake_logits)

    def g_loss(self, step: GStep) -> Tensor:
        return -mean_softplus(step.fake_logits)
