"""FID and KID as computed through torchmetrics on precomputed features."""

import numpy as np
import pytest
import scipy.linalg
import torch

from gan_lab.metrics.frechet import ReferenceDistances


def scipy_frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """‖μ_a − μ_b‖² + tr(Σ_a + Σ_b − 2(Σ_a Σ_b)^½) in float64 (Heusel et al. 2017, Eq. 6)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def test_fid_matches_a_float64_scipy_frechet_distance_on_gaussian_features():
    rng = np.random.default_rng(0)
    d = 16
    a = rng.normal(size=(800, d))
    mixing = rng.normal(size=(d, d)) / np.sqrt(d)
    b = rng.normal(size=(600, d)) @ mixing + 0.5
    fid = ReferenceDistances(torch.from_numpy(a))(torch.from_numpy(b))["fid"]
    expected = scipy_frechet_distance(a, b)
    assert fid == pytest.approx(expected, rel=1e-4)


def test_fid_of_a_set_against_itself_is_zero_and_kid_is_zero_within_its_subset_noise():
    gen = torch.Generator().manual_seed(1)
    features = torch.randn(500, 12, generator=gen, dtype=torch.float64)
    distances = ReferenceDistances(features, kid_subset_size=100)
    scores = distances(features.clone())
    assert scores["fid"] == pytest.approx(0.0, abs=1e-6)
    shifted = distances(torch.randn(500, 12, generator=gen, dtype=torch.float64) + 1.0)["kid"]
    assert abs(scores["kid"]) < 0.05 * shifted  # KID's subsets of the two copies differ: unbiased, not exact


def test_kid_grows_with_the_shift_between_feature_sets():
    gen = torch.Generator().manual_seed(2)
    reference = torch.randn(400, 8, generator=gen, dtype=torch.float64)
    distances = ReferenceDistances(reference, kid_subset_size=100)
    kids = [distances(torch.randn(400, 8, generator=gen, dtype=torch.float64) + shift)["kid"] for shift in (0.0, 0.5, 1.0)]
    assert kids[0] < kids[1] < kids[2]


def test_kid_is_the_same_for_the_same_features_and_leaves_the_global_random_stream_alone():
    gen = torch.Generator().manual_seed(3)
    reference = torch.randn(400, 8, generator=gen, dtype=torch.float64)
    fake = torch.randn(300, 8, generator=gen, dtype=torch.float64) + 0.3
    distances = ReferenceDistances(reference, kid_subset_size=50, seed=7)
    torch.manual_seed(123)
    first = distances(fake)["kid"]
    after_first = torch.rand(1)
    torch.manual_seed(123)
    torch.rand(1)  # the global stream moved on before the second call: KID must not care
    second = distances(fake)["kid"]
    assert first == second
    torch.manual_seed(123)
    assert torch.rand(1) == after_first  # scoring drew nothing from the caller's stream
    other_seed = ReferenceDistances(reference, kid_subset_size=50, seed=8)(fake)["kid"]
    assert other_seed != first  # the subsets do come from the seed


def test_kid_over_all_subsets_matches_an_independent_unbiased_mmd_with_the_cubic_kernel():
    """With one subset as large as both sets, KID is the unbiased MMD² (Bińkowski et al. 2018, Eq. 3)
    with k(x, y) = (x·y / d + 1)³, whatever the seed."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(60, 5)), rng.normal(size=(60, 5)) + 0.4
    d, m = x.shape[1], len(x)

    def kernel(a, b):
        return (a @ b.T / d + 1) ** 3

    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    expected = (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * kxy.mean()
    distances = ReferenceDistances(torch.from_numpy(x), kid_subset_size=m, kid_subsets=1)
    assert distances(torch.from_numpy(y))["kid"] == pytest.approx(expected, rel=1e-9)
