"""A loss that turns NaN after a set number of D steps: the injected fault of the divergence tests,
used as `loss._target_=tests.nan_injection.NaNAfterLoss loss.after=K`."""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.losses import NonSaturatingLoss
from gan_lab.step import DStep


class NaNAfterLoss(NonSaturatingLoss):
    """The non-saturating loss, except that D's loss is NaN from its `after`-th call on."""

    def __init__(self, after: int = 3):
        super().__init__()
        self.after, self.calls = after, 0

    def d_loss(self, step: DStep) -> Tensor:
        self.calls += 1
        loss = super().d_loss(step)
        return loss * torch.nan if self.calls > self.after else loss


class NaNWhenSampledGenerator(torch.nn.Module):
    """DCGAN's generator, except that in eval mode (how the evaluation samples, through the EMA
    copy) every output is NaN: training stays finite, the evaluated samples do not. Used as
    `model.generator._target_=tests.nan_injection.NaNWhenSampledGenerator`."""

    def __init__(self, **kwargs):
        super().__init__()
        from gan_lab.models import DCGANGenerator

        self.network = DCGANGenerator(**kwargs)
        self.latent_dim = self.network.latent_dim

    def forward(self, latents: Tensor) -> Tensor:
        images = self.network(latents)
        return images if self.training else images * torch.nan
