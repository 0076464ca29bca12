"""An exponential moving average of a network's weights, for sampling and evaluation."""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from gan_lab.settings import check_ema_decay


class ExponentialMovingAverage(nn.Module):
    """θ_ema ← d·θ_ema + (1 − d)·θ after every generator step, with the warm-up
    d_t = min(decay, (1 + t) / (10 + t)) of TensorFlow's ExponentialMovingAverage, so that early
    samples are not dominated by the random initialisation (cf. Yazıcı et al. 2019, "The unusual
    effectiveness of averaging in GAN training"; Karras et al. 2018 average G the same way).

    Floating-point buffers (BatchNorm running statistics) are averaged too; integer buffers are
    copied. Unlike torch.optim.swa_utils.AveragedModel, the step count is a Python int passed in by
    the caller, so an update never synchronises with the GPU.
    """

    def __init__(self, network: nn.Module, decay: float = 0.999):
        super().__init__()
        check_ema_decay(decay)
        if decay == 0:
            raise ValueError("train.ema_decay=0 turns the EMA off: build no ExponentialMovingAverage")
        self.decay = decay
        self.module = copy.deepcopy(network).requires_grad_(False)
        self._pairs: tuple[list[Tensor], list[Tensor], list[Tensor], list[Tensor]] | None = None
        self._pairs_key: tuple[int, int] | None = None

    def decay_at(self, step: int) -> float:
        return min(self.decay, (1.0 + step) / (10.0 + step))

    @torch.no_grad()
    def update(self, network: nn.Module, step: int) -> None:
        ema_floats, floats, ema_others, others = self.tensor_pairs(network)
        torch._foreach_lerp_(ema_floats, floats, 1.0 - self.decay_at(step))
        for ema_value, value in zip(ema_others, others):
            ema_value.copy_(value)

    def tensor_pairs(self, network: nn.Module) -> tuple[list[Tensor], list[Tensor], list[Tensor], list[Tensor]]:
        """(EMA floats, network floats, EMA others, network others): views of both state dicts,
        built once and rebuilt only when the networks' tensors were replaced (a move to another
        device), so that the per-step update does not walk the module tree."""
        key = (next(network.parameters()).data_ptr(), next(self.module.parameters()).data_ptr())
        if self._pairs is None or self._pairs_key != key:
            ema_state, state = self.module.state_dict(), network.state_dict()
            floats = [name for name, value in ema_state.items() if value.is_floating_point()]
            others = [name for name, value in ema_state.items() if not value.is_floating_point()]
            self._pairs = ([ema_state[n] for n in floats], [state[n] for n in floats],
                           [ema_state[n] for n in others], [state[n] for n in others])
            self._pairs_key = key
        return self._pairs

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)
