from torch import Tensor

from gan_lab.losses.base import AdversarialLoss, mean_softplus
from gan_lab.step import DStep, GStep


class RelativisticAverageLoss(AdversarialLoss):
    """Relativistic average standard GAN, RaSGAN (Jolicoeur-Martineau 2019, Sec. 4.2, Eq. for RaSGAN):
    D judges whether a real sample is more realistic than the average fake, and vice versa.

    With C the critic's raw output, C̄_r = E[C(x_r)], C̄_f = E[C(x_f)], σ the logistic function:
        L_D = −E[log σ(C(x_r) − C̄_f)] − E[log(1 − σ(C(x_f) − C̄_r))]
        L_G = −E[log σ(C(x_f) − C̄_r)] − E[log(1 − σ(C(x_r) − C̄_f))]
    (−log σ(a) = softplus(−a), −log(1 − σ(a)) = softplus(a).) G's loss reads D's output on real
    data too, so G's step asks its context for `real_logits`.
    """

    decision_threshold = None  # D judges a sample relative to the mean of the other kind

    def d_loss(self, step: DStep) -> Tensor:
        real, fake = step.real_logits, step.fake_logits
        return mean_softplus(-(real - fake.mean())) + mean_softplus(fake - real.mean())

    def g_loss(self, step: GStep) -> Tensor:
        real, fake = step.real_logits.detach(), step.fake_logits
        return mean_softplus(-(fake - real.mean())) + mean_softplus(real - fake.mean())
