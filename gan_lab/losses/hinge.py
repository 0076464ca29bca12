import torch.nn.functional as F
from torch import Tensor

from gan_lab.losses.base import AdversarialLoss
from gan_lab.step import DStep, GStep


class HingeLoss(AdversarialLoss):
    """The hinge objective (Lim & Ye 2017; Miyato et al. 2018, Eq. 16-17).

    D minimises E[max(0, 1 - l_real)] + E[max(0, 1 + l_fake)]; G minimises -E[l_fake].
    """

    def d_loss(self, step: DStep) -> Tensor:
        return F.relu(1.0 - step.real_logits).mean() + F.relu(1.0 + step.fake_logits).mean()

    def g_loss(self, step: GStep) -> Tensor:
        return -step.fake_logits.mean()
