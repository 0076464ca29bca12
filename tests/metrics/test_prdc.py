"""Precision/recall (Kynkäänniemi et al. 2019) and density/coverage (Naeem et al. 2020), checked against
a brute-force reference written with plain Python loops over pairs of points."""

import math

import pytest
import torch

import gan_lab.metrics.prdc as prdc_module
from gan_lab.metrics.prdc import MAX_CHUNK_ELEMENTS, _rows_per_chunk, density_coverage, precision_recall


def gaussian(n, dim, seed, mean=0.0, std=1.0):
    generator = torch.Generator().manual_seed(seed)
    return mean + std * torch.randn(n, dim, generator=generator, dtype=torch.float64)


def knn_radius(points, i, k):
    """Distance from points[i] to its k-th nearest neighbour among the *other* points."""
    return sorted(math.dist(points[i], q) for j, q in enumerate(points) if j != i)[k - 1]


def brute_force_prdc(real, fake, k):
    """The four metrics straight from the papers' equations, with closed balls (distance <= radius)."""
    real = [tuple(p) for p in real.tolist()]
    fake = [tuple(p) for p in fake.tolist()]
    real_radii = [knn_radius(real, i, k) for i in range(len(real))]
    fake_radii = [knn_radius(fake, j, k) for j in range(len(fake))]

    def in_ball(point, center, radius):
        return math.dist(point, center) <= radius

    fakes_on_real_manifold = 0
    for y in fake:
        if any(in_ball(y, x, r) for x, r in zip(real, real_radii)):
            fakes_on_real_manifold += 1
    reals_on_fake_manifold = 0
    for x in real:
        if any(in_ball(x, y, r) for y, r in zip(fake, fake_radii)):
            reals_on_fake_manifold += 1
    fake_in_real_ball_pairs = 0
    for y in fake:
        for x, r in zip(real, real_radii):
            if in_ball(y, x, r):
                fake_in_real_ball_pairs += 1
    covered_reals = 0
    for x, r in zip(real, real_radii):
        if any(in_ball(y, x, r) for y in fake):
            covered_reals += 1
    return {
        "precision": fakes_on_real_manifold / len(fake),
        "recall": reals_on_fake_manifold / len(real),
        "density": fake_in_real_ball_pairs / (k * len(fake)),
        "coverage": covered_reals / len(real),
    }


def prdc(real, fake, k, chunk_size=None):
    return {
        **precision_recall(real, fake, k=k, chunk_size=chunk_size),
        **density_coverage(real, fake, k=k, chunk_size=chunk_size),
    }


@pytest.mark.parametrize("k", [1, 3, 5])
def test_identical_sets_score_perfect_precision_recall_coverage_and_density_k_plus_one_over_k(k):
    """With fake == real every sample lies in its own ball, so P = R = C = 1; each real ball holds its
    centre plus its k nearest neighbours (closed balls), so density = N(k + 1) / (kN) = (k + 1) / k exactly."""
    real = gaussian(50, 8, seed=0)
    scores = prdc(real, real.clone(), k)
    assert scores == {"precision": 1.0, "recall": 1.0, "density": (k + 1) / k, "coverage": 1.0}


def test_far_apart_clouds_score_zero_on_every_metric():
    """No fake lies in any real ball and vice versa."""
    real = gaussian(40, 3, seed=1)
    fake = gaussian(40, 3, seed=2, mean=100.0)
    assert prdc(real, fake, k=3) == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_hand_worked_1d_example_with_fakes_on_and_just_beyond_ball_boundaries():
    """k = 1. Real 0, 1, 3, 7 have NN distances 1, 1, 2, 4: balls [-1, 1], [0, 2], [1, 5], [3, 11].
    Fake 2 lies in [0, 2] (on the boundary) and [1, 5]; fake 5 in [1, 5] (boundary) and [3, 11];
    fake 11.0002 just beyond [3, 11] and fake -1.5 in none: precision 2/4, density 4/(1·4) = 1, and
    reals 1, 3, 7 have a fake in their ball: coverage 3/4. Fake NN distances 3.5, 3, 3, 6.0002 give
    balls [-5, 2], [-1, 5], [2, 8], [5, 17.0004], which hold every real: recall 1."""
    real = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
    fake = torch.tensor([[2.0], [5.0], [11.0002], [-1.5]], dtype=torch.float64)
    assert prdc(real, fake, k=1) == {"precision": 0.5, "recall": 1.0, "density": 1.0, "coverage": 0.75}


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_matches_brute_force_on_small_random_sets(dim, k):
    """30 real and 20 shifted, wider fake points: every metric equals the pair-by-pair reference."""
    real = gaussian(30, dim, seed=10 + dim)
    fake = gaussian(20, dim, seed=20 + dim, mean=0.7, std=1.5)
    expected = brute_force_prdc(real, fake, k)
    assert 0.0 < expected["precision"] < 1.0 and 0.0 < expected["coverage"] < 1.0  # a non-trivial case
    assert prdc(real, fake, k) == pytest.approx(expected, abs=1e-12)


def test_fakes_on_half_the_real_data_keep_precision_but_lose_half_the_recall():
    """Real data: two far-apart clusters of 20; fakes: 30 points from the left cluster only. The right
    half of the real data lies on no fake ball, so recall and coverage are at most 0.5."""
    left = gaussian(20, 2, seed=30, mean=torch.tensor([-10.0, 0.0], dtype=torch.float64))
    right = gaussian(20, 2, seed=31, mean=torch.tensor([10.0, 0.0], dtype=torch.float64))
    real = torch.cat([left, right])
    fake = gaussian(30, 2, seed=32, mean=torch.tensor([-10.0, 0.0], dtype=torch.float64))

    scores = prdc(real, fake, k=3)

    assert scores == pytest.approx(brute_force_prdc(real, fake, k=3), abs=1e-12)
    assert scores["precision"] >= 0.8
    assert 0.3 <= scores["recall"] <= 0.5
    assert 0.3 <= scores["coverage"] <= 0.5


def test_precision_of_fake_against_real_is_recall_of_real_against_fake():
    """Eq. 2 and 3 are the same test with the two sets' roles swapped."""
    real = gaussian(25, 4, seed=40)
    fake = gaussian(35, 4, seed=41, mean=0.5)
    forward = precision_recall(real, fake, k=3)
    backward = precision_recall(fake, real, k=3)
    assert forward["precision"] == backward["recall"]
    assert forward["recall"] == backward["precision"]


def test_density_only_uses_real_balls_so_an_outlying_fake_adds_nothing():
    """Adding one far-away fake lowers density and precision by exactly its share and leaves coverage alone."""
    real = gaussian(40, 2, seed=50)
    fake = gaussian(20, 2, seed=51)
    with_outlier = torch.cat([fake, torch.full((1, 2), 50.0, dtype=torch.float64)])
    before, after = prdc(real, fake, k=5), prdc(real, with_outlier, k=5)
    assert after["density"] == pytest.approx(before["density"] * 20 / 21, abs=1e-12)
    assert after["precision"] == pytest.approx(before["precision"] * 20 / 21, abs=1e-12)
    assert after["coverage"] == before["coverage"]


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 10_000])
def test_chunked_distances_give_the_same_scores_as_one_block(chunk_size):
    """Processing the distance matrix a few rows at a time changes memory use, not the result."""
    real = gaussian(60, 5, seed=60)
    fake = gaussian(45, 5, seed=61, mean=0.3)
    assert prdc(real, fake, k=3, chunk_size=chunk_size) == prdc(real, fake, k=3, chunk_size=10**9)
    assert prdc(real, real.clone(), k=3, chunk_size=chunk_size) == prdc(real, real.clone(), k=3, chunk_size=10**9)


def test_column_blocks_used_for_high_dimensional_features_give_the_same_scores(monkeypatch):
    """With a tiny budget the distance rows are also assembled from blocks of columns (what happens
    for 2048-d Inception features); the scores stay the same, including on identical sets."""
    real = gaussian(60, 5, seed=62)
    fake = gaussian(45, 5, seed=63, mean=0.3)
    expected = prdc(real, fake, k=3), prdc(real, real.clone(), k=3)
    monkeypatch.setattr(prdc_module, "MAX_CHUNK_ELEMENTS", 64)  # 9 columns of 5 + 2 features per cdist call
    assert (prdc(real, fake, k=3), prdc(real, real.clone(), k=3)) == expected
    assert expected[1]["density"] == 4 / 3


def test_default_chunk_keeps_a_10000_by_10000_distance_block_far_below_200_mb():
    rows = _rows_per_chunk(10_000, None)
    assert 1 <= rows < 10_000
    assert rows * 10_000 * 8 <= MAX_CHUNK_ELEMENTS * 8 <= 200e6
    assert _rows_per_chunk(10**9, None) == 1  # never zero rows


def test_any_float_dtype_is_accepted_and_computed_in_float64():
    """float32 features give the same scores as their exact float64 values; float16 works too."""
    real32 = gaussian(30, 6, seed=70).float()
    fake32 = gaussian(30, 6, seed=71, mean=0.4).float()
    assert prdc(real32, fake32, k=3) == prdc(real32.double(), fake32.double(), k=3)
    assert prdc(real32.half(), fake32.half(), k=3) == prdc(real32.half().double(), fake32.half().double(), k=3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_features_give_the_cpu_scores():
    real = gaussian(80, 16, seed=80)
    fake = gaussian(60, 16, seed=81, mean=0.3)
    assert prdc(real.cuda(), fake.cuda(), k=3) == pytest.approx(prdc(real, fake, k=3), abs=1e-12)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, 10, 11])
def test_precision_recall_rejects_k_that_is_not_a_positive_integer_below_both_set_sizes(k):
    real, fake = gaussian(12, 2, seed=90), gaussian(10, 2, seed=91)
    with pytest.raises(ValueError, match="k"):
        precision_recall(real, fake, k=k)


def test_density_coverage_needs_k_below_the_real_set_size_only():
    """Only real samples get k-NN balls, so a fake set smaller than k is fine."""
    real, fake = gaussian(12, 2, seed=92), gaussian(3, 2, seed=93)
    assert set(density_coverage(real, fake, k=5)) == {"density", "coverage"}
    with pytest.raises(ValueError, match="k=12"):
        density_coverage(real, fake, k=12)
    with pytest.raises(ValueError, match="k"):
        density_coverage(real, fake, k=0)


@pytest.mark.parametrize(
    "real, fake, message",
    [
        (torch.zeros(10), torch.zeros(10, 2), "2-D"),
        (torch.zeros(10, 2, 1), torch.zeros(10, 2), "2-D"),
        (torch.randn(10, 2), torch.randn(10, 3), "same dimension"),
        (torch.randn(10, 2), torch.zeros(0, 2), "empty"),
        (torch.randn(10, 2), torch.full((10, 2), float("nan")), "NaN"),
    ],
)
def test_malformed_features_raise_value_error(real, fake, message):
    for metric in (precision_recall, density_coverage):
        with pytest.raises(ValueError, match=message):
            metric(real, fake, k=3)


@pytest.mark.parametrize("chunk_size", [0, -3, 1.5])
def test_chunk_size_must_be_a_positive_integer(chunk_size):
    with pytest.raises(ValueError, match="chunk_size"):
        precision_recall(gaussian(10, 2, seed=95), gaussian(10, 2, seed=96), k=3, chunk_size=chunk_size)
