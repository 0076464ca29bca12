"""The EMA generator that samples and evaluation use."""

import pytest
import torch
from torch import nn

from gan_lab.ema import ExponentialMovingAverage


def test_ema_follows_the_warmed_up_recurrence():
    net = nn.Linear(1, 1, bias=False)
    ema = ExponentialMovingAverage(net, decay=0.9)
    expected = net.weight.item()
    for step, value in enumerate([1.0, 2.0, 3.0, 4.0, 5.0] + [6.0] * 40):
        with torch.no_grad():
            net.weight.fill_(value)
        ema.update(net, step)
        d = min(0.9, (1 + step) / (10 + step))
        expected = d * expected + (1 - d) * value
        assert ema.module.weight.item() == pytest.approx(expected, rel=1e-6)
    assert ema.decay_at(1000) == 0.9


def test_ema_averages_batchnorm_statistics_and_copies_counters():
    net = nn.BatchNorm1d(3)
    ema = ExponentialMovingAverage(net, decay=0.5)
    net.train()(torch.randn(8, 3) + 10)
    ema.update(net, step=100)
    torch.testing.assert_close(ema.module.running_mean, 0.5 * torch.zeros(3) + 0.5 * net.running_mean)
    assert ema.module.num_batches_tracked.item() == 1


def test_ema_copy_takes_no_gradients():
    ema = ExponentialMovingAverage(nn.Linear(2, 2), decay=0.99)
    assert not any(p.requires_grad for p in ema.parameters())
