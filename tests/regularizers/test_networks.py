"""Regularizers that change the networks (spectral normalisation, pruning) or their updates (gradient
clipping, instance noise), checked on small networks."""

import copy

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from gan_lab.ema import ExponentialMovingAverage
from gan_lab.models import ResNetDiscriminator
from gan_lab.regularizers import GradientClipping, InstanceNoise, MagnitudePruning, SpectralNormalization
from gan_lab.regularizers.common import pruning_masks, weight_layers


def small_discriminator():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(4, 8, 3, 2, 1), nn.Flatten(), nn.Linear(8 * 2 * 2, 1)
    )


def small_generator():
    torch.manual_seed(1)
    g = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Unflatten(1, (4, 4, 4)), nn.ConvTranspose2d(4, 1, 4, 2, 1), nn.Tanh())
    g.latent_dim = 3
    return g


def matrix(layer: nn.Module) -> torch.Tensor:
    """The weight as the matrix SN normalises: (out, in·k·k); ConvTranspose weights are (in, out, k, k)."""
    weight = layer.weight
    if isinstance(layer, nn.ConvTranspose2d):
        weight = weight.transpose(0, 1)
    return weight.reshape(weight.shape[0], -1)


def sigma_max(layer: nn.Module) -> float:
    return torch.linalg.matrix_norm(matrix(layer).detach(), ord=2).item()


def test_spectral_norm_makes_every_layer_of_d_have_largest_singular_value_one_and_leaves_g_alone():
    g, d = small_generator(), small_discriminator()
    assert all(sigma_max(layer) != pytest.approx(1.0, abs=0.05) for layer in weight_layers(d))
    SpectralNormalization().wrap(g, d)
    d.train()
    for _ in range(20):  # each training forward pass runs one power iteration
        d(torch.randn(2, 1, 8, 8))
    for layer in weight_layers(d):
        assert parametrize.is_parametrized(layer, "weight")
        assert sigma_max(layer) == pytest.approx(1.0, rel=1e-3)
    assert not any(parametrize.is_parametrized(layer) for layer in weight_layers(g))


def test_spectral_norm_with_generator_true_normalises_g_including_transposed_convolutions():
    g, d = small_generator(), small_discriminator()
    SpectralNormalization(generator=True, n_power_iterations=5).wrap(g, d)
    g.train()
    for _ in range(20):  # 5 power iterations each
        g(torch.randn(2, 3))
    for layer in weight_layers(g):
        assert sigma_max(layer) == pytest.approx(1.0, rel=1e-3)


def test_spectral_norm_skips_layers_already_normalised_like_the_resnet_discriminator():
    d = ResNetDiscriminator((3, 32, 32), width=8)
    SpectralNormalization().wrap(nn.Identity(), d)
    for layer in weight_layers(d):
        assert len(layer.parametrizations["weight"]) == 1  # one spectral norm, not two


def train_steps(g, d, steps=3):
    """A few plain non-saturating GAN steps."""
    opt_g, opt_d = torch.optim.Adam(g.parameters(), 1e-2), torch.optim.Adam(d.parameters(), 1e-2)
    for _ in range(steps):
        real, fake = torch.randn(4, 1, 8, 8), g(torch.randn(4, 3))
        d_loss = nn.functional.softplus(-d(real)).mean() + nn.functional.softplus(d(fake.detach())).mean()
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = nn.functional.softplus(-d(g(torch.randn(4, 3)))).mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()


def zero_fraction(network):
    weights = [layer.weight.detach() for layer in weight_layers(network)]
    return sum((w == 0).sum().item() for w in weights) / sum(w.numel() for w in weights)


@pytest.mark.parametrize("sparsity", [0.5, 0.25, 0.9])
def test_pruning_zeroes_exactly_the_requested_fraction_of_each_networks_weights_and_logs_it(sparsity):
    g, d = small_generator(), small_discriminator()
    n_d = sum(layer.weight.numel() for layer in weight_layers(d))  # 36 + 288 + 32 = 356
    pruning = MagnitudePruning(sparsity=sparsity)
    pruning.wrap(g, d)
    assert zero_fraction(d) == round(sparsity * n_d) / n_d
    scalars = pruning.scalars()
    assert scalars["pruning_sparsity_d"].item() == pytest.approx(zero_fraction(d))
    assert scalars["pruning_sparsity_g"].item() == pytest.approx(zero_fraction(g))
    assert abs(zero_fraction(g) - sparsity) < 1e-2


def test_pruning_removes_the_smallest_magnitudes_of_the_whole_network():
    d = small_discriminator()
    weights = torch.cat([layer.weight.detach().flatten().abs() for layer in weight_layers(d)])
    threshold = weights.sort().values[len(weights) // 2 - 1]
    MagnitudePruning(sparsity=0.5, on="discriminator").wrap(nn.Identity(), d)
    for layer, mask in zip(weight_layers(d), pruning_masks(d)):
        original = layer.weight_orig.detach().abs()
        assert torch.equal(mask == 0, original <= threshold)


def test_pruned_weights_stay_zero_through_training_and_in_the_ema_copy_of_g():
    g, d = small_generator(), small_discriminator()
    MagnitudePruning(sparsity=0.5).wrap(g, d)
    masks_before = [m.clone() for m in pruning_masks(g) + pruning_masks(d)]
    ema = ExponentialMovingAverage(g, decay=0.9)  # deep-copies the pruned G, as GANModule does
    train_steps(g, d)
    ema.update(g, step=100)
    copy.deepcopy(g)  # still copyable after training forward passes
    assert all(torch.equal(a, b) for a, b in zip(masks_before, pruning_masks(g) + pruning_masks(d)))
    g(torch.randn(1, 3))  # recompute the masked weights after the last optimizer step
    assert zero_fraction(g) == pytest.approx(0.5, abs=1e-2)
    ema.module(torch.randn(1, 3))
    for layer, mask in zip(weight_layers(ema.module), pruning_masks(ema.module)):
        assert torch.equal(layer.weight == 0, mask == 0)


@pytest.mark.parametrize("order", ["spectral_norm first", "pruning first"])
def test_spectral_norm_and_pruning_compose_in_either_order_to_a_pruned_weight_of_norm_one(order):
    g, d = small_generator(), small_discriminator()
    regularizers = [SpectralNormalization(generator=True), MagnitudePruning(sparsity=0.5)]
    for regularizer in regularizers if order == "spectral_norm first" else regularizers[::-1]:
        regularizer.wrap(g, d)
    ExponentialMovingAverage(g, decay=0.9)
    train_steps(g, d, steps=2)
    d.train()
    for _ in range(20):
        d(torch.randn(2, 1, 8, 8))
    assert regularizers[1].scalars()["pruning_sparsity_d"].item() == pytest.approx(0.5, abs=1e-2)
    for layer in weight_layers(d):
        assert (layer.weight == 0).float().mean().item() > 0.1
        assert sigma_max(layer) == pytest.approx(1.0, rel=1e-3)


def test_grad_clip_rescales_the_gradient_to_max_norm_and_returns_the_norm_before_clipping():
    net = nn.Linear(3, 2)
    for p in net.parameters():
        p.grad = torch.full_like(p, 2.0)  # 8 entries of 2: norm √32
    clip = GradientClipping(max_norm=1.0)
    scalars = clip.before_optimizer_step(net, "discriminator")
    assert scalars["grad_clip_norm_d"].item() == pytest.approx(32**0.5)
    total = torch.cat([p.grad.flatten() for p in net.parameters()]).norm().item()
    assert total == pytest.approx(1.0, rel=1e-5)
    torch.testing.assert_close(net.weight.grad, torch.full((2, 3), 2.0 / 32**0.5))

    small = [torch.full_like(p, 0.1) for p in net.parameters()]
    for p, grad in zip(net.parameters(), small):
        p.grad = grad.clone()
    clip.before_optimizer_step(net, "generator")  # under max_norm: unchanged
    assert all(torch.equal(p.grad, grad) for p, grad in zip(net.parameters(), small))


def test_grad_clip_only_touches_the_networks_it_is_on():
    net = nn.Linear(3, 2)
    for p in net.parameters():
        p.grad = torch.full_like(p, 2.0)
    assert GradientClipping(max_norm=1.0, on="generator").before_optimizer_step(net, "discriminator") == {}
    assert all(torch.equal(p.grad, torch.full_like(p, 2.0)) for p in net.parameters())


def test_instance_noise_adds_gaussian_noise_of_the_annealed_std_reaching_zero_at_anneal_steps():
    noise = InstanceNoise(std=0.2, anneal_steps=4)
    images = torch.zeros(20000, 1, 2, 2)
    assert noise.d_inputs(images).std().item() == pytest.approx(0.2, rel=0.02)
    expected = {1: 0.15, 2: 0.1, 3: 0.05, 4: 0.0, 5: 0.0}
    for step, std in expected.items():
        noise.on_generator_step(step)
        assert noise.scalars()["instance_noise_std"] == pytest.approx(std)
        if step == 2:
            assert noise.d_inputs(images).std().item() == pytest.approx(0.1, rel=0.02)
    assert torch.equal(noise.d_inputs(images), images)


def test_instance_noise_without_annealing_keeps_its_std():
    noise = InstanceNoise(std=0.3, anneal_steps=None)
    noise.on_generator_step(1000)
    assert noise.scalars()["instance_noise_std"] == 0.3
