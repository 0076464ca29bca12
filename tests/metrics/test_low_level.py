"""The low-level statistics beside the classifier features: what they see, and what they ignore."""

import math

import pytest
import torch

from gan_lab.corruptions import GaussianBlur, GaussianNoise
from gan_lab.datasets import DigitsDataModule
from gan_lab.metrics.low_level import BINOMIAL_5, pyramid_statistics
from gan_lab.metrics.sensitivity import shift_images


def test_the_finest_band_of_white_noise_has_the_variance_of_the_filter_identity_minus_blur():
    """For white noise of variance s², band 0 = x − K∗x has variance s² Σ(δ − K)² = s²(1 − 2K₀₀ + ΣK²),
    with K the separable 5-tap binomial kernel (Burt & Adelson 1983): 0.79351 s²."""
    k = torch.tensor(BINOMIAL_5, dtype=torch.float64)
    kernel_2d = torch.outer(k, k)
    expected = 1 - 2 * kernel_2d[2, 2].item() + kernel_2d.pow(2).sum().item()
    assert expected == pytest.approx(0.79351, abs=1e-5)
    s = 0.5
    noise = s * torch.randn(64, 1, 96, 96, generator=torch.Generator().manual_seed(0))
    energy = pyramid_statistics(noise, eps=0.0)[:, 0].exp().mean().item()
    assert energy == pytest.approx(expected * s**2, rel=0.01)


def test_a_constant_image_has_no_band_energy_and_its_own_mean_and_zero_spread():
    stats = pyramid_statistics(torch.full((2, 3, 16, 16), 0.25), levels=3, eps=1e-4)
    torch.testing.assert_close(stats[:, :3], torch.full((2, 3), math.log(1e-4)))
    torch.testing.assert_close(stats[:, 3], torch.full((2,), 0.25))
    torch.testing.assert_close(stats[:, 4], torch.zeros(2))


def standardised_shift(statistics, reference):
    """How far each statistic's mean moved, in standard deviations of the reference population."""
    return (statistics.mean(0) - reference.mean(0)) / reference.std(0)


def test_on_real_digits_a_shift_barely_moves_the_statistics_while_noise_and_blur_move_the_fine_band():
    digits = DigitsDataModule()
    digits.setup()
    real = digits.train_data
    reference = pyramid_statistics(real)
    for dx, dy, bound in [(1, 0, 0.5), (0, 1, 0.5), (2, 0, 1.0), (0, 2, 1.0)]:
        moved = standardised_shift(pyramid_statistics(shift_images(real, dx, dy)), reference)
        assert moved.abs().max() < bound, (dx, dy, moved)
    noisy = GaussianNoise(0.05)(real, torch.Generator().manual_seed(0))
    assert standardised_shift(pyramid_statistics(noisy), reference)[0] > 2  # finest band up
    blurred = GaussianBlur(1.0)(real, torch.Generator().manual_seed(0))
    assert standardised_shift(pyramid_statistics(blurred), reference)[0] < -1  # finest band down


def test_images_as_small_as_eight_pixels_and_three_channels_give_finite_statistics():
    stats = pyramid_statistics(torch.rand(4, 3, 8, 8) * 2 - 1)
    assert stats.shape == (4, 5) and torch.isfinite(stats).all()
