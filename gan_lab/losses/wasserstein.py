import torch
from torch import Tensor, nn

from gan_lab.losses.base import AdversarialLoss


class WassersteinLoss(AdversarialLoss):
    """WGAN with weight clipping (Arjovsky et al. 2017, Algorithm 1).

    The critic minimises E[f(G(z))] - E[f(x)], G minimises -E[f(G(z))]; after every critic step
    each weight is clamped to [-clip_value, clip_value] to keep f (roughly) Lipschitz.
    `clip_value=None` gives the bare Wasserstein objective, for subclasses that constrain f otherwise.
    """

    def __init__(self, clip_value: float | None = 0.01):
        if clip_value is not None and clip_value <= 0:
            raise ValueError(f"loss.clip_value must be > 0 (or null), got {clip_value}")
        self.clip_value = clip_value

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        return fake_logits.mean() - real_logits.mean()

    def g_loss(self, fake_logits: Tensor) -> Tensor:
        return -fake_logits.mean()

    @torch.no_grad()
    def after_discriminator_step(self, discriminator: nn.Module) -> None:
        if self.clip_value is None:
            return
        params = list(discriminator.parameters())
        torch._foreach_clamp_min_(params, -self.clip_value)
        torch._foreach_clamp_max_(params, self.clip_value)
