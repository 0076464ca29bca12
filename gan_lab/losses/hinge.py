import torch.nn.functional as F
from torch import Tensor

from gan_lab.losses.base import AdversarialLoss


class HingeLoss(AdversarialLoss):
    """The hinge objective (Lim & Ye 2017; Miyato et al. 2018, Eq. 16-17).

    D minimises E[max(0, 1 - l_real)] + E[max(0, 1 + l_fake)]; G minimises -E[l_fake].
    """

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()

    def g_loss(self, fake_logits: Tensor) -> Tensor:
        return -fake_logits.mean()
