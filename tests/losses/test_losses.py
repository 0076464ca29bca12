"""Every objective's value, checked against its paper's formula computed by hand with `math`."""

import math

import pytest
import torch
from torch import nn

from gan_lab.losses import (
    HingeLoss,
    LeastSquaresLoss,
    MinimaxLoss,
    NonSaturatingLoss,
    RelativisticAverageLoss,
    WassersteinLoss,
)
from gan_lab.regularizers import GradientPenalty, WeightClipping
from gan_lab.regularizers.gradient_penalty import gradient_penalty
from tests.steps import d_step, g_step

REAL = [0.0, 2.0, -0.5]
FAKE = [-1.0, 1.0, 0.25]


def mean(values):
    return sum(values) / len(values)


def log_sigmoid(x):
    return -math.log1p(math.exp(-x))


def log_one_minus_sigmoid(x):
    return -math.log1p(math.exp(x))


# (loss, expected D loss, expected G loss), each written from the paper's equation.
CASES = {
    "minimax": (
        MinimaxLoss(),
        -mean([log_sigmoid(r) for r in REAL]) - mean([log_one_minus_sigmoid(f) for f in FAKE]),
        mean([log_one_minus_sigmoid(f) for f in FAKE]),
    ),
    "ns": (
        NonSaturatingLoss(),
        -mean([log_sigmoid(r) for r in REAL]) - mean([log_one_minus_sigmoid(f) for f in FAKE]),
        -mean([log_sigmoid(f) for f in FAKE]),
    ),
    "wgan": (WassersteinLoss(), mean(FAKE) - mean(REAL), -mean(FAKE)),
    # RaSGAN (Jolicoeur-Martineau 2019): D: −E log σ(C(x_r) − C̄_f) − E log(1 − σ(C(x_f) − C̄_r)); G: roles swapped
    "ragan": (
        RelativisticAverageLoss(),
        -mean([log_sigmoid(r - mean(FAKE)) for r in REAL]) - mean([log_one_minus_sigmoid(f - mean(REAL)) for f in FAKE]),
        -mean([log_sigmoid(f - mean(REAL)) for f in FAKE]) - mean([log_one_minus_sigmoid(r - mean(FAKE)) for r in REAL]),
    ),
    "hinge": (
        HingeLoss(),
        mean([max(0.0, 1 - r) for r in REAL]) + mean([max(0.0, 1 + f) for f in FAKE]),
        -mean(FAKE),
    ),
    "lsgan": (
        LeastSquaresLoss(),
        0.5 * mean([(r - 1) ** 2 for r in REAL]) + 0.5 * mean([f**2 for f in FAKE]),
        0.5 * mean([(f - 1) ** 2 for f in FAKE]),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_discriminator_and_generator_losses_match_the_papers_formulas(name):
    loss, expected_d, expected_g = CASES[name]
    real, fake = torch.tensor(REAL, dtype=torch.float64), torch.tensor(FAKE, dtype=torch.float64)
    assert loss.d_loss(d_step(real, fake)).item() == pytest.approx(expected_d, rel=1e-12)
    assert loss.g_loss(g_step(fake, real_logits=real)).item() == pytest.approx(expected_g, rel=1e-12)


def test_only_the_relativistic_loss_asks_d_for_its_output_on_real_data_in_gs_step():
    asked = []

    def counting_discriminator(images):
        asked.append(len(images))
        return images.flatten(1).sum(1)

    real = torch.tensor(REAL, dtype=torch.float64).view(3, 1)
    for loss in (NonSaturatingLoss(), RelativisticAverageLoss()):
        step = g_step(torch.tensor(FAKE, dtype=torch.float64), real=real, discriminator=counting_discriminator)
        loss.g_loss(step)
    assert asked == [3]  # once, for RaGAN


def test_minimax_generator_gradient_saturates_where_non_saturating_does_not():
    """Goodfellow et al.'s motivation for the NS loss: when D confidently rejects a fake
    (logit -10), the minimax G gradient vanishes (σ(-10) ≈ 4.5e-5) while the NS one is ≈ -1."""
    grads = {}
    for name, loss in {"minimax": MinimaxLoss(), "ns": NonSaturatingLoss()}.items():
        logit = torch.tensor([-10.0], requires_grad=True)
        loss.g_loss(g_step(logit)).backward()
        grads[name] = logit.grad.item()
    assert abs(grads["minimax"]) == pytest.approx(1 / (1 + math.exp(10)), rel=1e-4)
    assert grads["ns"] == pytest.approx(-1 / (1 + math.exp(-10)), rel=1e-4)


def test_losses_are_stable_for_extreme_logits():
    real, fake = torch.tensor([200.0, -200.0]), torch.tensor([-200.0, 200.0])
    for loss in (MinimaxLoss(), NonSaturatingLoss()):
        assert torch.isfinite(loss.d_loss(d_step(real, fake))) and torch.isfinite(loss.g_loss(g_step(fake)))
    assert NonSaturatingLoss().d_loss(d_step(real, fake)).item() == pytest.approx(200.0, rel=1e-6)


def test_weight_clipping_clamps_every_critic_weight_into_the_box_after_ds_step_only():
    critic = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 1))
    with torch.no_grad():
        for p in critic.parameters():
            p.uniform_(-1, 1)
    before = critic[0].weight.detach().clone()
    WeightClipping(clip_value=0.01).after_optimizer_step(critic, "generator")
    assert torch.equal(critic[0].weight, before)  # G's step leaves the weights alone
    inside = before.clamp(-0.01, 0.01)
    WeightClipping(clip_value=0.01).after_optimizer_step(critic, "discriminator")
    for p in critic.parameters():
        assert p.abs().max().item() <= 0.01 + 1e-9
    assert torch.equal(critic[0].weight, inside)  # clamping, not rescaling


class LinearCritic(nn.Module):
    """D(x) = <w, x>: its input gradient is w everywhere, so ‖∇D‖ = ‖w‖ is known exactly."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w, dtype=torch.float64))

    def forward(self, x):
        return x.flatten(1) @ self.w


def test_gradient_penalty_equals_lambda_times_squared_distance_of_the_known_norm_from_one():
    critic = LinearCritic([3.0, 4.0, 0.0, 0.0])  # ‖w‖ = 5
    real = torch.randn(6, 1, 2, 2, dtype=torch.float64)
    fake = torch.randn(6, 1, 2, 2, dtype=torch.float64)
    penalty = GradientPenalty(weight=10.0).d_terms(d_step(real=real, fake=fake, discriminator=critic))["gp"]
    assert penalty.item() == pytest.approx(10.0 * (5.0 - 1.0) ** 2, rel=1e-12)
    # It back-propagates into D: d/dw (‖w‖ - 1)² = 2(‖w‖ - 1) w / ‖w‖.
    penalty.backward()
    expected = 10.0 * 2 * (5.0 - 1.0) * torch.tensor([3.0, 4.0, 0.0, 0.0], dtype=torch.float64) / 5.0
    torch.testing.assert_close(critic.w.grad, expected)


def test_gradient_penalty_is_taken_at_the_interpolates():
    """D(x) = ½‖x‖² has ∇D(x) = x. With real = fake = x every interpolate is x itself, so the
    penalty is E[(‖x_i‖ - 1)²] over the batch."""

    class HalfSquaredNorm(nn.Module):
        def forward(self, x):
            return 0.5 * (x.flatten(1) ** 2).sum(1)

    x = torch.tensor([[3.0, 4.0], [0.0, 0.5], [1.0, 0.0]], dtype=torch.float64)
    expected = mean([(5.0 - 1) ** 2, (0.5 - 1) ** 2, 0.0])
    assert gradient_penalty(HalfSquaredNorm(), x, x.clone()).item() == pytest.approx(expected, rel=1e-12)


def test_invalid_loss_settings_name_the_key():
    with pytest.raises(ValueError, match="regularizer.weight_clip.clip_value"):
        WeightClipping(clip_value=-1.0)
    with pytest.raises(ValueError, match="regularizer.gp.weight"):
        GradientPenalty(weight=-1.0)
