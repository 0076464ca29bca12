from torch import Tensor

from gan_lab.losses.base import AdversarialLoss, mean_softplus
from gan_lab.step import DStep, GStep


class NonSaturatingLoss(AdversarialLoss):
    """The non-saturating GAN objective (Goodfellow et al. 2014, Sec. 3).

    D as in the minimax game; G maximises E[log D(G(z))] instead, i.e. minimises
    E[softplus(-l_fake)], which keeps G's gradient alive while D wins.
    """

    def d_loss(self, step: DStep) -> Tensor:
        return mean_softplus(-step.real_logits) + mean_softplus(step.fake_logits)

    def g_loss(self, step: GStep) -> Tensor:
        return mean_softplus(-step.fake_logits)
