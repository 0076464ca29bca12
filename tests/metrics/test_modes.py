"""Mode coverage on Gaussian mixtures (VEEGAN / PacGAN protocol) and on classifier categories
(MNIST digits, Stacked-MNIST's 1000 modes), checked on samples whose answers are known by construction."""

import math

import pytest
import torch

from gan_lab.metrics.modes import category_coverage, mixture_mode_metrics

RING8_STD = 0.01
GRID25_STD = 0.05
# A 2-D isotropic Gaussian's distance to its centre is Rayleigh distributed: P(r <= 3σ) = 1 - exp(-9/2).
TRUE_HQ_FRACTION_3_SIGMAS = 1.0 - math.exp(-4.5)  # 0.98889


def ring8_centers():
    angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
    return torch.stack([angles.cos(), angles.sin()], dim=1)


def grid25_centers():
    values = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0], dtype=torch.float64)
    return torch.cartesian_prod(values, values)


def sample_mixture(centers, std, n, seed, modes=None):
    """n points of the uniform mixture of N(center, std² I), or of the listed modes only."""
    generator = torch.Generator().manual_seed(seed)
    choices = torch.arange(len(centers)) if modes is None else torch.tensor(modes)
    picked = choices[torch.randint(len(choices), (n,), generator=generator)]
    return centers[picked] + std * torch.randn(n, 2, generator=generator, dtype=torch.float64)


def at(center, *offsets):
    """Points at the given (dx, dy) offsets from a centre."""
    return center + torch.tensor(offsets, dtype=torch.float64)


def test_real_ring8_samples_cover_all_8_modes_with_the_true_high_quality_fraction():
    """2500 true samples: 8/8 modes, HQ fraction ≈ the Rayleigh value 0.9889 (±4 binomial SDs), KL ≈ 0."""
    samples = sample_mixture(ring8_centers(), RING8_STD, 2500, seed=0)
    result = mixture_mode_metrics(samples, ring8_centers(), std=RING8_STD)
    assert result["modes_covered"] == 8
    assert result["hq_fraction"] == pytest.approx(TRUE_HQ_FRACTION_3_SIGMAS, abs=0.009)
    assert result["mode_kl"] < 0.01
    assert sum(result["mode_counts"]) == round(result["hq_fraction"] * 2500)
    assert set(result) == {"modes_covered", "hq_fraction", "mode_kl", "mode_counts"}


def test_real_grid25_samples_cover_all_25_modes():
    samples = sample_mixture(grid25_centers(), GRID25_STD, 2500, seed=1)
    result = mixture_mode_metrics(samples, grid25_centers(), std=GRID25_STD)
    assert result["modes_covered"] == 25
    assert result["hq_fraction"] == pytest.approx(TRUE_HQ_FRACTION_3_SIGMAS, abs=0.009)
    assert result["mode_kl"] < 0.02


def test_samples_from_one_mode_cover_one_mode_with_kl_exactly_log_8():
    """q = (1, 0, ..., 0) against p = 1/8: KL = 1 · log(1 / (1/8)) = log 8."""
    samples = sample_mixture(ring8_centers(), RING8_STD, 2500, seed=2, modes=[3])
    result = mixture_mode_metrics(samples, ring8_centers(), std=RING8_STD)
    assert result["modes_covered"] == 1
    assert result["mode_kl"] == math.log(8)
    counts = result["mode_counts"]
    assert counts[3] == sum(counts) > 0 and counts[:3] + counts[4:] == [0] * 7


def test_samples_far_from_every_mode_are_never_high_quality():
    """No high-quality sample: nothing covered, HQ fraction 0, and an undefined histogram gives KL = inf."""
    samples = torch.tensor([[0.0, 0.0]]) + 0.01 * torch.randn(500, 2, generator=torch.Generator().manual_seed(3))
    result = mixture_mode_metrics(samples, ring8_centers(), std=RING8_STD)
    assert result == {"modes_covered": 0, "hq_fraction": 0.0, "mode_kl": float("inf"), "mode_counts": [0] * 8}


def test_a_mode_with_19_high_quality_samples_is_lost_and_one_with_20_is_covered():
    """PacGAN: a mode is lost if fewer than 20 high-quality samples are registered to it. Low-quality
    samples near a third mode are not registered at all."""
    centers = ring8_centers()
    samples = torch.cat(
        [
            centers[0].repeat(20, 1),
            centers[1].repeat(19, 1),
            at(centers[2], (4 * RING8_STD, 0.0)).repeat(50, 1),  # 4σ away: not high quality
        ]
    )
    result = mixture_mode_metrics(samples, centers, std=RING8_STD)
    assert result["mode_counts"] == [20, 19] + [0] * 6
    assert result["modes_covered"] == 1
    assert result["hq_fraction"] == 39 / 89
    assert mixture_mode_metrics(samples, centers, std=RING8_STD, min_samples_per_mode=19)["modes_covered"] == 2


def test_high_quality_is_a_euclidean_ball_of_quality_sigmas_times_std():
    """(2.5σ, 2.5σ) is within 3σ on each coordinate but 3.54σ away, so it is not high quality."""
    centers = ring8_centers()
    s = RING8_STD
    samples = at(centers[0], (2.9 * s, 0.0), (0.0, -2.9 * s), (2.5 * s, 2.5 * s), (3.1 * s, 0.0))
    result = mixture_mode_metrics(samples, centers, std=s, min_samples_per_mode=1)
    assert result["hq_fraction"] == 2 / 4
    assert mixture_mode_metrics(samples, centers, std=s, quality_sigmas=4.0)["hq_fraction"] == 1.0
    assert mixture_mode_metrics(samples, centers, std=s, quality_sigmas=2.0)["hq_fraction"] == 0.0


def test_samples_register_to_their_nearest_mode():
    centers = torch.tensor([[0.0, 0.0], [1.0, 0.0]], dtype=torch.float64)
    samples = torch.tensor([[0.4, 0.0], [0.6, 0.0], [0.7, 0.0], [0.45, 0.1]], dtype=torch.float64)
    result = mixture_mode_metrics(samples, centers, std=0.2, min_samples_per_mode=1)
    assert result["mode_counts"] == [2, 2]


def test_mode_kl_matches_a_hand_computation():
    """30 and 10 HQ samples on 2 of 4 modes: q = (3/4, 1/4, 0, 0), p = 1/4,
    KL = 3/4 log(3) + 1/4 log(1) = 3/4 log 3."""
    centers = grid25_centers()[:4]
    samples = torch.cat([centers[0].repeat(30, 1), centers[1].repeat(10, 1)])
    result = mixture_mode_metrics(samples, centers, std=GRID25_STD)
    assert result["mode_counts"] == [30, 10, 0, 0]
    assert result["mode_kl"] == pytest.approx(0.75 * math.log(3), rel=1e-12)


def test_non_finite_samples_are_low_quality_rather_than_an_error():
    centers = ring8_centers()
    samples = torch.cat([centers[:2], torch.tensor([[float("nan"), 0.0], [float("inf"), 1.0]], dtype=torch.float64)])
    result = mixture_mode_metrics(samples, centers, std=RING8_STD, min_samples_per_mode=1)
    assert result["hq_fraction"] == 0.5
    assert result["mode_counts"] == [1, 1] + [0] * 6


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"std": 0.0}, "std"),
        ({"std": -1.0}, "std"),
        ({"std": 0.1, "quality_sigmas": 0.0}, "quality_sigmas"),
        ({"std": 0.1, "min_samples_per_mode": 0}, "min_samples_per_mode"),
        ({"std": 0.1, "centers": torch.zeros(8, 3)}, "same dimension"),
        ({"std": 0.1, "samples": torch.zeros(0, 2)}, "non-empty"),
    ],
)
def test_mixture_mode_metrics_rejects_invalid_arguments(kwargs, message):
    arguments = {"samples": torch.zeros(10, 2), "centers": ring8_centers(), **kwargs}
    with pytest.raises(ValueError, match=message):
        mixture_mode_metrics(**arguments)


def test_exactly_uniform_labels_cover_every_class_with_zero_kl():
    labels = torch.arange(10).repeat(7)
    result = category_coverage(labels, num_categories=10)
    assert result["covered"] == 10
    assert result["kl"] == pytest.approx(0.0, abs=1e-12)
    assert result["counts"] == [7] * 10


def test_labels_of_a_single_class_cover_one_class_with_kl_log_10():
    result = category_coverage(torch.full((300,), 4), num_categories=10)
    assert result["covered"] == 1
    assert result["kl"] == pytest.approx(math.log(10), rel=1e-12)


def test_kl_against_a_non_uniform_reference_matches_a_hand_computation():
    """q = (1/4, 1/4, 1/2), p = (1/2, 1/4, 1/4): KL = 1/4 log(1/2) + 1/4 log(1) + 1/2 log(2) = log(2) / 4.
    Unnormalised reference weights mean the same distribution."""
    labels = torch.tensor([0, 1, 2, 2])
    for reference in (torch.tensor([0.5, 0.25, 0.25]), torch.tensor([2.0, 1.0, 1.0])):
        result = category_coverage(labels, num_categories=3, reference=reference)
        assert result["covered"] == 3
        assert result["kl"] == pytest.approx(math.log(2) / 4, rel=1e-8)


def test_a_zero_probability_reference_category_gives_a_large_finite_kl():
    """p = (1, 0) is smoothed to ((1 + 1e-10), 1e-10) / (1 + 2e-10); with q = (1/2, 1/2) the KL is finite."""
    result = category_coverage(torch.tensor([0, 1]), num_categories=2, reference=torch.tensor([1.0, 0.0]))
    z = 1 + 2e-10
    expected = 0.5 * math.log(0.5 / ((1 + 1e-10) / z)) + 0.5 * math.log(0.5 / (1e-10 / z))
    assert result["kl"] == pytest.approx(expected, rel=1e-9)
    assert 10 < result["kl"] < 12


def test_min_count_sets_how_many_samples_a_category_needs():
    labels = torch.tensor([0] * 5 + [1] * 2)
    assert category_coverage(labels, num_categories=3)["covered"] == 2
    assert category_coverage(labels, num_categories=3, min_count=3)["covered"] == 1


def test_stacked_mnist_generator_hitting_half_of_1000_modes_has_kl_log_2():
    """Uniform over 500 of the 1000 modes: q = 1/500 on those, p = 1/1000, KL = log 2."""
    labels = torch.arange(0, 1000, 2).repeat(3)
    result = category_coverage(labels, num_categories=1000)
    assert result["covered"] == 500
    assert result["kl"] == pytest.approx(math.log(2), rel=1e-12)


@pytest.mark.parametrize(
    "labels, kwargs, message",
    [
        (torch.tensor([0, 10]), {}, r"\[0, 10\)"),
        (torch.tensor([-1, 3]), {}, r"\[0, 10\)"),
        (torch.tensor([0.0, 1.0]), {}, "integer"),
        (torch.zeros(2, 2, dtype=torch.long), {}, "1-D"),
        (torch.zeros(0, dtype=torch.long), {}, "non-empty"),
        (torch.tensor([0, 1]), {"reference": torch.ones(9)}, "shape"),
        (torch.tensor([0, 1]), {"reference": -torch.ones(10)}, "non-negative"),
        (torch.tensor([0, 1]), {"min_count": 0}, "min_count"),
    ],
)
def test_category_coverage_rejects_invalid_arguments(labels, kwargs, message):
    with pytest.raises(ValueError, match=message):
        category_coverage(labels, num_categories=10, **kwargs)
