"""The probes against closed forms: a linear generator G(z) = Az with identity features, and a linear
discriminator D(x) = w·x + b, where every probe's answer can be computed by hand."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from gan_lab.probes import (
    DiscriminatorAttack,
    DiscriminatorOverfitting,
    GeneratorAttack,
    LatentDropout,
    LatentNoise,
    LatentScale,
    PathLength,
    ProbeTarget,
    attack_discriminator,
    run_probes,
)

LATENT_DIM, OUT_DIM = 16, 12


def linear_generator(matrix: torch.Tensor) -> nn.Module:
    generator = nn.Linear(matrix.shape[1], matrix.shape[0], bias=False).double()
    with torch.no_grad():
        generator.weight.copy_(matrix)
    return generator


def linear_target(matrix: torch.Tensor, n: int = 8) -> ProbeTarget:
    """G(z) = Az, features = the identity, no D, no scoring."""
    return ProbeTarget(
        generator=linear_generator(matrix), discriminator=None, latent_dim=matrix.shape[1],
        heldout=torch.zeros(n, matrix.shape[0], dtype=torch.float64), features=lambda x: x.flatten(1),
        score=None, sample_range=None,
    )  # fmt: skip


def matrix_with_singular_values(values: list[float], rows: int, cols: int, seed: int = 0) -> torch.Tensor:
    rng = torch.Generator().manual_seed(seed)
    u, _ = torch.linalg.qr(torch.randn(rows, rows, generator=rng, dtype=torch.float64))
    v, _ = torch.linalg.qr(torch.randn(cols, cols, generator=rng, dtype=torch.float64))
    s = torch.zeros(rows, cols, dtype=torch.float64)
    s[range(len(values)), range(len(values))] = torch.tensor(values, dtype=torch.float64)
    return u @ s @ v.T


def expected_chi_norm(d: int) -> float:
    """E‖ε‖ for ε ~ N(0, I_d): √2 Γ((d+1)/2) / Γ(d/2)."""
    return math.sqrt(2) * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2))


def test_latent_noise_sensitivity_is_sigma_times_the_expected_norm_of_a_epsilon():
    # A = 2Q with Q orthogonal: ‖Aε‖ = 2‖ε‖, whose mean 2·E‖ε‖ is known exactly
    q, _ = torch.linalg.qr(torch.randn(LATENT_DIM, LATENT_DIM, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
    n = 4000
    target = linear_target(2 * q, n=n)
    results = LatentNoise(levels=[0.0, 0.1, 0.5, 1.0]).run(target)
    mean_norm = expected_chi_norm(LATENT_DIM)
    standard_error = 2 * math.sqrt(LATENT_DIM - mean_norm**2) / math.sqrt(n)  # of the mean of 2‖ε‖
    assert results[0.0]["feature_sensitivity"] == 0.0
    for sigma in (0.1, 0.5, 1.0):
        measured = results[sigma]["feature_sensitivity"]
        assert abs(measured - sigma * 2 * mean_norm) < 4 * sigma * standard_error  # 4 standard errors
        assert measured == pytest.approx(results[sigma]["pixel_sensitivity"])  # identity features: the same


def test_latent_noise_draws_one_noise_for_every_level():
    # common random numbers: the change at 2σ is exactly twice the change at σ for a linear G
    target = linear_target(matrix_with_singular_values([3.0, 2.0, 1.0], OUT_DIM, LATENT_DIM), n=50)
    results = LatentNoise(levels=[0.2, 0.4]).run(target)
    assert results[0.4]["feature_sensitivity"] == pytest.approx(2 * results[0.2]["feature_sensitivity"], rel=1e-12)


def test_latent_dropout_zeroes_a_fraction_of_coordinates_and_nests_the_masks():
    probe = LatentDropout(levels=[0.25, 0.5])
    latents = torch.randn(100, 16, dtype=torch.float64) + 10  # no coordinate is 0 by chance
    randomness = torch.randn(100, 16, dtype=torch.float64)
    quarter, half = probe.perturb(latents, 0.25, randomness), probe.perturb(latents, 0.5, randomness)
    assert ((quarter == 0).sum(1) == 4).all() and ((half == 0).sum(1) == 8).all()
    assert ((quarter == 0) <= (half == 0)).all()  # missing at p = 0.25 → missing at 0.5
    kept = half != 0
    assert torch.equal(half[kept], latents[kept])
    with pytest.raises(ValueError, match="fractions"):
        LatentDropout(levels=[1.5])


def test_latent_scale_changes_a_linear_g_by_the_scale_minus_one():
    target = linear_target(matrix_with_singular_values([3.0, 2.0, 1.0], OUT_DIM, LATENT_DIM), n=200)
    results = LatentScale(levels=[0.5, 1.0, 2.0]).run(target)
    assert results[1.0]["feature_sensitivity"] == 0.0
    # ‖A(sz) − Az‖ = |s − 1|·‖Az‖: the changes at s = 0.5 and s = 2 are in ratio 0.5 : 1
    assert results[2.0]["feature_sensitivity"] == pytest.approx(2 * results[0.5]["feature_sensitivity"], rel=1e-12)
    assert LatentScale.reference_level == 1.0


def test_path_length_with_lerp_is_the_squared_norm_of_a_times_the_latent_difference():
    matrix = matrix_with_singular_values([3.0, 2.0, 1.0, 0.5], OUT_DIM, LATENT_DIM)
    n = 4000
    target = linear_target(matrix, n=n)
    probe = PathLength(levels=[1e-4], interpolation="lerp", filter_percentiles=False)
    # per pair: ‖A(z₁ + (t+ε)(z₂−z₁)) − A(z₁ + t(z₂−z₁))‖² / ε² = ‖A(z₂ − z₁)‖², to rounding in float64
    start, end = torch.randn(50, LATENT_DIM, dtype=torch.float64), torch.randn(50, LATENT_DIM, dtype=torch.float64)
    t = torch.rand(50, 1, dtype=torch.float64)
    per_pair = probe.pair_values(target, start, end, t, 1e-4)
    torch.testing.assert_close(per_pair, ((end - start) @ matrix.T).pow(2).sum(1), rtol=1e-6, atol=0)
    # the mean over pairs: E‖A(z₂ − z₁)‖² = 2‖A‖²_F; z₂ − z₁ ~ N(0, 2I), so the variance of one
    # pair's value is 8·Σλᵢ² (λᵢ the eigenvalues of AᵀA) and the standard error that over √n
    eigenvalues = torch.linalg.svdvals(matrix).pow(2)
    expected = 2 * float(eigenvalues.sum())
    standard_error = math.sqrt(8 * float(eigenvalues.pow(2).sum()) / n)
    measured = probe.run(target)[1e-4]
    assert measured["pairs"] == n
    assert abs(measured["path_length"] - expected) < 4 * standard_error


def test_path_length_filters_the_first_and_last_percentile_as_the_paper_does():
    target = linear_target(matrix_with_singular_values([3.0, 1.0], OUT_DIM, LATENT_DIM), n=1000)
    unfiltered = PathLength(levels=[1e-4], filter_percentiles=False).run(target)[1e-4]
    filtered = PathLength(levels=[1e-4], filter_percentiles=True).run(target)[1e-4]
    assert 970 <= filtered["pairs"] <= 982  # ~2 % of 1000 pairs dropped
    assert filtered["path_length_median"] == unfiltered["path_length_median"]


def test_slerp_keeps_the_ends_and_moves_the_angle_evenly():
    from gan_lab.probes.path_length import slerp

    a, b = torch.tensor([[1.0, 0.0]], dtype=torch.float64), torch.tensor([[0.0, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(slerp(a, b, torch.tensor([[0.0]], dtype=torch.float64)), a)
    torch.testing.assert_close(slerp(a, b, torch.tensor([[1.0]], dtype=torch.float64)), b)
    middle = slerp(a, b, torch.tensor([[0.5]], dtype=torch.float64))
    torch.testing.assert_close(middle, torch.tensor([[math.sqrt(0.5), math.sqrt(0.5)]], dtype=torch.float64))


def test_g_attack_finds_the_largest_singular_value():
    sigma_max = 3.0
    matrix = matrix_with_singular_values([sigma_max, 1.5, 1.0, 0.5], OUT_DIM, LATENT_DIM)
    target = linear_target(matrix, n=64)
    results = GeneratorAttack(levels=[0.1, 0.5, 1.0]).run(target)
    for eps, metrics in results.items():
        assert metrics["worst_feature_change"] == pytest.approx(eps * sigma_max, rel=0.05)
        assert metrics["worst_feature_change"] <= eps * sigma_max * (1 + 1e-9)  # no δ in the ball does better
        assert metrics["worst_to_random"] > 1.5  # a random direction mostly misses the top singular vector


# ---------------------------------------------------------------------------------------------- D
class LinearCritic(nn.Module):
    """D(x) = w·x₀₁ + b on the [0, 1] image scale, x₀₁ = (x + 1)/2 for D's [-1, 1] inputs."""

    def __init__(self, weight: torch.Tensor, bias: float):
        super().__init__()
        self.weight, self.bias = nn.Parameter(weight), nn.Parameter(torch.tensor(bias, dtype=weight.dtype))

    def forward(self, x):
        return ((x.flatten(1) + 1) / 2) @ self.weight + self.bias


def test_fgsm_on_a_linear_d_keeps_exactly_the_samples_with_margin_above_eps_times_l1_norm():
    rng = torch.Generator().manual_seed(0)
    dim, n, levels = 20, 400, [0.0, 1 / 255, 2 / 255, 4 / 255, 8 / 255]
    weight = torch.randn(dim, generator=rng, dtype=torch.float64)
    critic = LinearCritic(weight, 0.1)
    top = max(levels)
    # inputs inside [ε, 1 − ε] on the [0, 1] scale: clipping to the image range never binds
    real01 = top + (1 - 2 * top) * torch.rand(n, dim, generator=rng, dtype=torch.float64)
    fake01 = top + (1 - 2 * top) * torch.rand(n, dim, generator=rng, dtype=torch.float64)
    real, fake = 2 * real01 - 1, 2 * fake01 - 1
    results = attack_discriminator(critic, real, fake, levels, threshold=0.0, generator=torch.Generator().manual_seed(1))
    real_out, fake_out = real01 @ weight + 0.1, fake01 @ weight + 0.1
    for eps in levels:
        budget = eps * weight.abs().sum()
        expected_real = float(((real_out > 0) & (real_out.abs() > budget)).double().mean())
        expected_fake = float(((fake_out < 0) & (fake_out.abs() > budget)).double().mean())
        assert results[eps]["fgsm_accuracy_real"] == expected_real
        assert results[eps]["fgsm_accuracy_fake"] == expected_fake
        assert results[eps]["fgsm_accuracy"] == pytest.approx((expected_real + expected_fake) / 2, rel=1e-15)


def small_nonlinear_critic(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(3 * 8 * 8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)
    ).double()


def test_pgd_succeeds_at_least_as_often_as_fgsm_and_accuracy_never_rises_with_eps():
    critic = small_nonlinear_critic()
    rng = torch.Generator().manual_seed(2)
    real = torch.rand(300, 3, 8, 8, generator=rng, dtype=torch.float64) * 2 - 1
    fake = torch.rand(300, 3, 8, 8, generator=rng, dtype=torch.float64) * 2 - 1
    levels = [0.0, 2 / 255, 8 / 255, 32 / 255, 64 / 255]
    results = attack_discriminator(critic, real, fake, levels, threshold=None, generator=torch.Generator().manual_seed(3))
    for eps in levels[1:]:
        assert results[eps]["pgd_success"] >= results[eps]["fgsm_success"]
    accuracies = [results[eps]["accuracy"] for eps in levels]
    assert all(later <= earlier for earlier, later in zip(accuracies, accuracies[1:]))
    assert accuracies[-1] < accuracies[0]  # the attacks do flip decisions
    assert results[0.0]["success"] == 0.0


def test_a_critic_without_natural_threshold_is_split_at_the_midpoint_of_its_mean_outputs():
    critic = LinearCritic(torch.ones(4, dtype=torch.float64), 5.0)  # every output is positive
    real = torch.full((10, 4), 0.5, dtype=torch.float64)  # D = 4·0.75 + 5 = 8
    fake = torch.full((10, 4), -0.5, dtype=torch.float64)  # D = 4·0.25 + 5 = 6
    natural = attack_discriminator(critic, real, fake, [0.0], threshold=0.0)[0.0]
    midpoint = attack_discriminator(critic, real, fake, [0.0], threshold=None)[0.0]
    assert natural["accuracy_fake"] == 0.0  # at τ = 0 every fake looks real
    assert midpoint["threshold"] == 7.0 and midpoint["accuracy"] == 1.0


def test_probing_leaves_the_random_stream_and_the_networks_modes_untouched():
    matrix = matrix_with_singular_values([2.0, 1.0], OUT_DIM, LATENT_DIM)
    target = linear_target(matrix, n=20)
    target.generator.train()
    state = torch.get_rng_state()
    first = run_probes([LatentNoise(levels=[0.1]), GeneratorAttack(levels=[0.5], steps=3)], target)
    assert torch.equal(torch.get_rng_state(), state)
    assert target.generator.training
    again = run_probes([LatentNoise(levels=[0.1]), GeneratorAttack(levels=[0.5], steps=3)], target)
    assert first == again  # a probe's numbers depend on its seed only
    assert set(first) == {"latent_noise", "g_attack"} and set(first["latent_noise"]) == {"0.1"}


def test_d_attack_as_trained_shows_d_the_corrupted_held_out_images_and_the_measured_samples():
    """D(x) = mean(x₀₁) − 0.75 on 8×8 images; held-out and generated images all white (x₀₁ = 1).
    Clean, D calls both real. As trained, 20 % of the held-out pixels go missing (black) and AmbientGAN's
    measurement drops 50 % of G's: D calls an image real iff more than 48 of its 64 pixels are kept,
    so its accuracy on each side is a binomial tail."""
    from gan_lab.corruptions.missing import MissingPixels

    n, pixels = 2000, 64
    critic = LinearCritic(torch.full((pixels,), 1 / pixels, dtype=torch.float64), -0.75)
    white = nn.Sequential(nn.Linear(LATENT_DIM, pixels), nn.Unflatten(1, (1, 8, 8))).double()
    with torch.no_grad():
        white[0].weight.zero_(), white[0].bias.fill_(1.0)
    target = ProbeTarget(
        generator=white, discriminator=critic, latent_dim=LATENT_DIM, heldout=torch.ones(n, 1, 8, 8, dtype=torch.float64),
        features=lambda x: x.flatten(1), data_corruption=MissingPixels(0.2), measurement=MissingPixels(0.5, ambient=True),
    )  # fmt: skip

    def kept_more_than_48(keep: float) -> float:  # P(Binomial(64, keep) ≥ 49)
        return sum(math.comb(pixels, k) * keep**k * (1 - keep) ** (pixels - k) for k in range(49, pixels + 1))

    clean = DiscriminatorAttack(levels=[0.0]).run(target)[0.0]
    as_trained = DiscriminatorAttack(levels=[0.0], inputs="as_trained").run(target)[0.0]
    assert clean["accuracy_real"] == 1.0 and clean["accuracy_fake"] == 0.0
    for side, expected in (("real", kept_more_than_48(0.8)), ("fake", 1 - kept_more_than_48(0.5))):
        standard_error = math.sqrt(expected * (1 - expected) / n) or 1 / n
        assert as_trained[f"accuracy_{side}"] == pytest.approx(expected, abs=4 * standard_error)
    assert 0.7 < as_trained["accuracy_real"] < 0.9  # the tail is not trivially 0 or 1
    assert DiscriminatorAttack(levels=[0.0], inputs="as_trained").run(target) == {0.0: as_trained}  # seeded


def test_an_input_outside_the_image_range_is_perturbed_by_eps_never_clipped_into_the_range():
    """D(x) = mean(x₀₁) − 1.1 on images whose every pixel is at x₀₁ = 1.25, above white: the unclamped
    Gaussian noise of a noisy training set puts pixels there. D calls them real; an L∞ attack of
    radius ε lowers D by exactly ε, so it flips them only once ε > 0.15. Clipping them to white
    (D = −0.1) would flip every one at any ε > 0."""
    pixels = 16
    critic = LinearCritic(torch.full((pixels,), 1 / pixels, dtype=torch.float64), -1.1)
    real = torch.full((50, pixels), 2 * 1.25 - 1, dtype=torch.float64)
    fake = torch.full((50, pixels), -1.0, dtype=torch.float64)  # black: D = −1.1, "fake" at every ε here
    levels = [0.0, 1 / 255, 8 / 255, 0.14, 0.16]
    results = attack_discriminator(critic, real, fake, levels, threshold=0.0, generator=torch.Generator().manual_seed(0))
    for eps in levels:
        expected_real = 1.0 if eps < 0.15 else 0.0  # mean(x₀₁) = 1.25 − ε against the threshold 1.1
        for attack in ("fgsm", "pgd"):
            assert results[eps][f"{attack}_accuracy_real"] == expected_real, (eps, attack)
        assert results[eps]["accuracy_fake"] == 1.0


def test_d_attack_inputs_other_than_clean_or_as_trained_are_refused_by_name():
    with pytest.raises(ValueError, match=r"probe\.d_attack\.inputs must be one of clean, as_trained, got 'noisy'"):
        DiscriminatorAttack(inputs="noisy")


def test_d_attack_probe_needs_a_discriminator():
    target = linear_target(matrix_with_singular_values([1.0], OUT_DIM, LATENT_DIM))
    with pytest.raises(ValueError, match="needs the discriminator"):
        DiscriminatorAttack().run(target)


def pairwise_auc(higher: torch.Tensor, lower: torch.Tensor) -> float:
    """P(X > Y) + ½ P(X = Y) counted over every pair: the definition, not the rank formula."""
    greater = (higher[:, None] > lower[None, :]).double().mean()
    ties = (higher[:, None] == lower[None, :]).double().mean()
    return float(greater + 0.5 * ties)


def overfit_target(critic: nn.Module, train: torch.Tensor, heldout: torch.Tensor, generated_value: float) -> ProbeTarget:
    """D = `critic`; G gives every latent the same image, all pixels `generated_value`."""
    pixels = train[0].numel()
    constant = nn.Sequential(nn.Linear(LATENT_DIM, pixels), nn.Unflatten(1, tuple(train.shape[1:]))).double()
    with torch.no_grad():
        constant[0].weight.zero_(), constant[0].bias.fill_(generated_value)
    return ProbeTarget(
        generator=constant, discriminator=critic, latent_dim=LATENT_DIM, heldout=heldout,
        features=lambda x: x.flatten(1), train=train,
    )  # fmt: skip


def test_d_overfit_measures_membership_auc_r_v_and_the_real_fractions_by_their_definitions():
    """A linear D on 2×2 images whose pixels take 5 grey levels, so D's outputs tie often; the
    training images are brighter on average than the held-out ones."""
    rng = torch.Generator().manual_seed(0)
    train = torch.randint(1, 5, (30, 1, 2, 2), generator=rng).double() / 2 - 1  # grey levels -0.5 … 1
    heldout = torch.randint(0, 4, (50, 1, 2, 2), generator=rng).double() / 2 - 1  # -1 … 0.5
    critic = LinearCritic(torch.ones(4, dtype=torch.float64), -2.0)  # D = Σ x₀₁ − 2: τ = 0 splits at 2 of 4 "on"
    metrics = DiscriminatorOverfitting().run(overfit_target(critic, train, heldout, generated_value=-1.0))[0.0]

    d_train, d_heldout = critic(train).detach(), critic(heldout).detach()
    d_generated = -2.0  # black images: Σ x₀₁ = 0
    assert metrics["membership_auc"] == pytest.approx(pairwise_auc(d_train, d_heldout), abs=1e-12)
    assert (d_train[:, None] == d_heldout[None, :]).any()  # ties were counted
    expected_r_v = (d_train.mean() - d_heldout.mean()) / (d_train.mean() - d_generated)
    assert metrics["r_v"] == pytest.approx(float(expected_r_v), abs=1e-12)
    assert metrics["real_train"] == pytest.approx(float((d_train > 0).double().mean()))
    assert metrics["real_heldout"] == pytest.approx(float((d_heldout > 0).double().mean()))
    assert metrics["real_generated"] == 0.0 and metrics["mean_generated"] == d_generated
    # held-out is capped at its own 50 images, training images at as many as there are
    assert (metrics["num_train"], metrics["num_heldout"]) == (30.0, 50.0)


def test_d_overfit_tells_a_memorising_d_from_one_that_generalises():
    """D(x) = −distance to the nearest training image remembers every training image (AUC 1, r_v > 0);
    a linear D that sees only brightness treats training and held-out images from one distribution
    alike: its AUC is 0.5 within 4 standard errors of the Mann–Whitney statistic under no difference."""
    rng = torch.Generator().manual_seed(1)
    n = 400
    train, heldout = (torch.rand(n, 1, 4, 4, generator=rng, dtype=torch.float64) * 2 - 1 for _ in range(2))

    class NearestTrainingImage(nn.Module):
        def forward(self, x):
            return -torch.cdist(x.flatten(1), train.flatten(1)).min(dim=1).values

    memorising = DiscriminatorOverfitting().run(overfit_target(NearestTrainingImage(), train, heldout, -1.0))[0.0]
    assert memorising["membership_auc"] == 1.0 and memorising["mean_train"] == pytest.approx(0.0, abs=1e-6)
    assert 0 < memorising["r_v"] < 1  # unseen digits sit between the training set and G's black images

    brightness = LinearCritic(torch.ones(16, dtype=torch.float64), -8.0)
    generalising = DiscriminatorOverfitting().run(overfit_target(brightness, train, heldout, -1.0))[0.0]
    standard_error = math.sqrt((n + n + 1) / (12 * n * n))
    assert generalising["membership_auc"] == pytest.approx(0.5, abs=4 * standard_error)


def test_d_overfit_refuses_data_without_a_training_set_by_name():
    critic = LinearCritic(torch.ones(4, dtype=torch.float64), 0.0)
    images = torch.zeros(3, 1, 2, 2, dtype=torch.float64)
    target = overfit_target(critic, images, images, 0.0)
    target.train = None
    with pytest.raises(ValueError, match=r"probe=d_overfit .* draws fresh training samples every batch"):
        DiscriminatorOverfitting().run(target)
