"""The loss terms, each checked against the paper's formula computed independently: on a linear D(x) = w·x
the input gradient is w at every point, so the gradient penalties have closed forms."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gan_lab.losses import MinimaxLoss, NonSaturatingLoss
from gan_lab.regularizers import (
    BalancedConsistency,
    DRAGANPenalty,
    GradientPenalty,
    LeCamRegularizer,
    OneSidedLabelSmoothing,
    R1Penalty,
    R2Penalty,
    WeightDecay,
)
from gan_lab.regularizers.consistency import flip_and_translate
from tests.steps import d_step, g_step

W = [0.5, -2.0, 1.0, 0.25, 3.0, -1.5]  # ‖w‖² = 16.5625


def linear_discriminator() -> nn.Module:
    """D(x) = w·x + 0.3 on flattened 1×2×3 images."""
    layer = nn.Linear(6, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([W]))
        layer.bias.fill_(0.3)
    return nn.Sequential(nn.Flatten(), layer, nn.Flatten(0))


def batch(n=5, seed=0):
    return torch.randn(n, 1, 2, 3, generator=torch.Generator().manual_seed(seed))


def d_terms(regularizer, discriminator, real, fake):
    return regularizer.d_terms(d_step(real=real, fake=fake, discriminator=discriminator))


NORM_W = math.sqrt(sum(w * w for w in W))


@pytest.mark.parametrize(
    "regularizer, name, expected",
    [
        (R1Penalty(weight=10.0), "r1", 10.0 / 2 * NORM_W**2),  # γ/2·‖w‖²
        (R1Penalty(weight=0.5), "r1", 0.5 / 2 * NORM_W**2),
        (R2Penalty(weight=10.0), "r2", 10.0 / 2 * NORM_W**2),
        (GradientPenalty(weight=10.0), "gp", 10.0 * (NORM_W - 1) ** 2),  # λ·(‖w‖ − 1)²
        (DRAGANPenalty(weight=10.0), "dragan", 10.0 * (NORM_W - 1) ** 2),
        (DRAGANPenalty(weight=3.0, scale=2.0), "dragan", 3.0 * (NORM_W - 1) ** 2),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_gradient_penalties_on_a_linear_discriminator_have_their_closed_form(regularizer, name, expected):
    terms = d_terms(regularizer, linear_discriminator(), batch(seed=1), batch(seed=2))
    assert set(terms) == {name}
    assert terms[name].item() == pytest.approx(expected, rel=1e-5)


def test_r1_matches_a_hand_computed_gradient_of_a_nonlinear_discriminator_and_r2_uses_the_fakes():
    """D(x) = Σ x_i³: ∇D = 3x², so R1 = γ/2·mean_n Σ_i 9 x_i⁴."""
    cube = lambda x: x.pow(3).flatten(1).sum(1)  # noqa: E731
    real, fake = batch(seed=3), batch(seed=4)
    expected = lambda x: 10.0 / 2 * (9 * x.pow(4)).flatten(1).sum(1).mean().item()  # noqa: E731
    assert d_terms(R1Penalty(), cube, real, fake)["r1"].item() == pytest.approx(expected(real), rel=1e-5)
    assert d_terms(R2Penalty(), cube, real, fake)["r2"].item() == pytest.approx(expected(fake), rel=1e-5)


def test_r1_back_propagates_into_the_discriminator():
    """∂/∂w of γ/2·‖w‖² is γ·w."""
    d = linear_discriminator()
    d_terms(R1Penalty(weight=10.0), d, batch(), batch())["r1"].backward()
    torch.testing.assert_close(d[1].weight.grad, 10.0 * torch.tensor([W]))


def test_dragan_perturbs_the_real_batch_by_c_std_uniform_noise(monkeypatch):
    """The gradient is taken at x + c·std(x)·u, u ~ U[0, 1]; with u fixed at ½: x + c·std(x)/2."""
    seen = {}

    def discriminator(x):
        seen["points"] = x.detach().clone()
        return x.flatten(1).sum(1)

    real = batch(seed=5)
    monkeypatch.setattr(torch, "rand_like", lambda x: torch.full_like(x, 0.5))
    d_terms(DRAGANPenalty(scale=0.5), discriminator, real, batch(seed=6))
    torch.testing.assert_close(seen["points"], real + 0.5 * real.std() * 0.5)


@pytest.mark.parametrize("loss", [NonSaturatingLoss(), MinimaxLoss()], ids=["ns", "minimax"])
@pytest.mark.parametrize("target", [0.9, 0.7, 1.0])
def test_label_smoothing_term_makes_the_logistic_d_loss_a_bce_with_real_target_t(loss, target):
    real_logits, fake_logits = torch.tensor([2.0, -1.0, 0.3, 5.0]), torch.tensor([-0.5, 1.5, -3.0, 0.0])
    term = OneSidedLabelSmoothing(target).d_terms(d_step(real_logits, fake_logits))["label_smoothing"]
    smoothed = F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, target))
    smoothed = smoothed + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    assert (loss.d_loss(d_step(real_logits, fake_logits)) + term).item() == pytest.approx(smoothed.item(), rel=1e-6)


def test_lecam_follows_eq_3_with_moving_averages_of_the_mean_outputs():
    lecam = LeCamRegularizer(weight=0.3, decay=0.9)
    steps = [([1.0, 3.0], [-1.0, 0.0]), ([2.0, 2.0], [-4.0, 2.0]), ([0.5, 1.5], [-2.0, -1.0])]
    alpha_r = alpha_f = None
    for real, fake in steps:
        mean_r, mean_f = sum(real) / 2, sum(fake) / 2
        alpha_r = mean_r if alpha_r is None else 0.9 * alpha_r + 0.1 * mean_r
        alpha_f = mean_f if alpha_f is None else 0.9 * alpha_f + 0.1 * mean_f
        expected = 0.3 * (sum((r - alpha_f) ** 2 for r in real) / 2 + sum((f - alpha_r) ** 2 for f in fake) / 2)
        term = lecam.d_terms(d_step(torch.tensor(real), torch.tensor(fake)))["lecam"]
        assert term.item() == pytest.approx(expected, rel=1e-6)
    scalars = lecam.scalars()
    assert scalars["lecam_anchor_real"].item() == pytest.approx(alpha_r, rel=1e-6)
    assert scalars["lecam_anchor_fake"].item() == pytest.approx(alpha_f, rel=1e-6)


def test_lecam_pulls_real_outputs_towards_the_fake_anchor_without_gradient_through_the_anchors():
    lecam = LeCamRegularizer(weight=1.0)
    real, fake = torch.tensor([1.0, 3.0], requires_grad=True), torch.tensor([-1.0, 0.0], requires_grad=True)
    lecam.d_terms(d_step(real, fake))["lecam"].backward()
    torch.testing.assert_close(real.grad, (real.detach() - (-0.5)))  # d/dr mean (r − α_F)² = (r − α_F)
    torch.testing.assert_close(fake.grad, (fake.detach() - 2.0))


def candidates(image, s):
    """Every flip × shift of one image, built independently of flip_and_translate (reflection padding, slices)."""
    out = []
    for flipped in (image, image.flip(-1)):
        padded = F.pad(flipped[None], [s, s, s, s], mode="reflect")[0]
        h, w = image.shape[-2:]
        for ty in range(-s, s + 1):
            for tx in range(-s, s + 1):
                out.append(padded[:, s - ty : s - ty + h, s - tx : s - tx + w])
    return out


def test_consistency_transform_is_a_flip_and_a_whole_pixel_shift_of_up_to_one_eighth_of_the_size():
    torch.manual_seed(0)
    images = torch.randn(64, 2, 16, 16)
    out = flip_and_translate(images, flip=True, translation=0.125)  # s = 2 pixels
    assert out.shape == images.shape
    for image, transformed in zip(images, out):
        assert any(torch.equal(transformed, c) for c in candidates(image, 2))
    assert not torch.equal(out, images)
    assert torch.equal(flip_and_translate(images, flip=False, translation=0.0), images)


def test_balanced_consistency_is_eq_3_on_d_outputs():
    d = linear_discriminator()
    real, fake = batch(seed=7), batch(seed=8)
    bcr = BalancedConsistency(real_weight=10.0, fake_weight=2.0)
    bcr.transform = lambda x: x.flip(-1)  # a fixed T, to compare with a hand computation
    terms = d_terms(bcr, d, real, fake)
    w = torch.tensor(W)
    score = lambda x: x.flatten(1) @ w  # noqa: E731  (the bias cancels)
    expected_real = 10.0 * ((score(real) - score(real.flip(-1))) ** 2).mean().item()
    expected_fake = 2.0 * ((score(fake) - score(fake.flip(-1))) ** 2).mean().item()
    assert terms["consistency_real"].item() == pytest.approx(expected_real, rel=1e-5)
    assert terms["consistency_fake"].item() == pytest.approx(expected_fake, rel=1e-5)


def test_consistency_with_zero_fake_weight_is_plain_cr_and_refuses_non_images():
    d = linear_discriminator()
    assert set(d_terms(BalancedConsistency(fake_weight=0.0), d, batch(), batch())) == {"consistency_real"}
    with pytest.raises(ValueError, match=r"regularizer.consistency .*\[2\]"):
        BalancedConsistency().wrap(type("G", (nn.Module,), {"shape": (2,)})(), d)


def test_weight_decay_is_half_the_squared_l2_norm_or_the_l1_norm_of_all_parameters_times_the_weight():
    torch.manual_seed(0)
    g, d = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)), nn.Linear(2, 1)
    l2 = lambda net: sum((p.detach() ** 2).sum().item() for p in net.parameters())  # noqa: E731
    l1 = lambda net: sum(p.detach().abs().sum().item() for p in net.parameters())  # noqa: E731

    decay = WeightDecay(weight=1e-2, norm=2)
    decay.wrap(g, d)
    assert decay.g_terms(g_step())["weight_decay_g"].item() == pytest.approx(1e-2 * l2(g) / 2, rel=1e-6)
    assert decay.d_terms(d_step())["weight_decay_d"].item() == pytest.approx(1e-2 * l2(d) / 2, rel=1e-6)

    decay = WeightDecay(weight=0.5, norm=1, on="generator")
    decay.wrap(g, d)
    assert decay.g_terms(g_step())["weight_decay_g"].item() == pytest.approx(0.5 * l1(g), rel=1e-6)
    assert decay.d_terms(d_step()) == {}


def test_l2_weight_decay_gradient_is_weight_times_theta():
    d = nn.Linear(3, 2)
    decay = WeightDecay(weight=0.1, on=["discriminator"])
    decay.wrap(nn.Identity(), d)
    decay.d_terms(d_step())["weight_decay_d"].backward()
    torch.testing.assert_close(d.weight.grad, 0.1 * d.weight.detach())
    torch.testing.assert_close(d.bias.grad, 0.1 * d.bias.detach())
