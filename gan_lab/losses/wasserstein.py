from torch import Tensor

from gan_lab.losses.base import AdversarialLoss
from gan_lab.step import DStep, GStep


class WassersteinLoss(AdversarialLoss):
    """The Wasserstein objective (Arjovsky et al. 2017, Eq. 3 and Algorithm 1).

    The critic f minimises E[f(G(z))] − E[f(x)], G minimises −E[f(G(z))]. The objective needs f
    (roughly) 1-Lipschitz, which is a regularizer's job: `loss=wgan` composes it with weight
    clipping (`regularizer=weight_clip`, the paper), `loss=wgan_gp` with the gradient penalty
    (`regularizer=gp`, Gulrajani et al. 2017); see conf/loss/wgan*.yaml.
    """

    decision_threshold = None  # a critic: only differences of its outputs mean anything

    def d_loss(self, step: DStep) -> Tensor:
        return step.fake_logits.mean() - step.real_logits.mean()

    def g_loss(self, step: GStep) -> Tensor:
        return -step.fake_logits.mean()
