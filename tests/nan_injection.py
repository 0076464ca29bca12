"""A loss that turns NaN after a set number of D steps: the injected fault of the divergence tests,
used as `loss._target_=tests.nan_injection.NaNAfterLoss loss.after=K`."""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.losses import NonSaturatingLoss


class NaNAfterLoss(NonSaturatingLoss):
    """The non-saturating loss, except that D's loss is NaN from its `after`-th call on."""

    def __init__(self, after: int = 3):
        super().__init__()
        self.after, self.calls = after, 0

    def d_loss(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        self.calls += 1
        loss = super().d_loss(real_logits, fake_logits)
        return loss * torch.nan if self.calls > self.after else loss
