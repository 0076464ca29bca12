"""The normalisation of G and D (`model.generator.norm`, `model.discriminator.norm`: batch, instance,
layer, none) and D's dropout (`model.discriminator.dropout`): every choice builds the layers it names
and trains; bad values are refused naming the key; the defaults are the networks of before."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_lab.errors import user_error_message
from gan_lab.generate import load_module
from gan_lab.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    ResNetDiscriminator,
    ResNetGenerator,
)
from gan_lab.run import train

NORM_TYPES = {"batch": nn.BatchNorm2d, "instance": nn.InstanceNorm2d, "layer": nn.GroupNorm}
ALL_NORM_TYPES = tuple(NORM_TYPES.values())

# (network, image shape, how many feature maps it normalises): DCGAN's G normalises every hidden
# up-convolution (log2(size/4) of them), its D every convolution but the first and the last; the
# ResNet G both norms of its three blocks and the one before the output convolution, its D both
# norms of its four blocks but the first block's leading one (the image itself).
NETWORKS = [
    (DCGANGenerator, (1, 32, 32), 3),
    (DCGANGenerator, (3, 64, 64), 4),
    (DCGANDiscriminator, (1, 32, 32), 2),
    (DCGANDiscriminator, (3, 64, 64), 3),
    (ResNetGenerator, (3, 32, 32), 7),
    (ResNetDiscriminator, (3, 32, 32), 7),
]


def build(make, shape, **kw):
    if make in (DCGANGenerator, ResNetGenerator):
        return make(shape, latent_dim=10, width=8, **kw)
    return make(shape, width=8, **kw)


def run(network, shape, batch: int = 4) -> torch.Tensor:
    x = torch.randn(batch, network.latent_dim) if hasattr(network, "latent_dim") else torch.randn(batch, *shape)
    return network(x)


@pytest.mark.parametrize("norm", ["batch", "instance", "layer", "none"])
@pytest.mark.parametrize("make, shape, count", NETWORKS, ids=lambda c: getattr(c, "__name__", str(c)))
def test_every_norm_choice_builds_its_layers_and_keeps_the_output_shape(make, shape, count, norm):
    network = build(make, shape, norm=norm).train()
    norms = [m for m in network.modules() if isinstance(m, ALL_NORM_TYPES)]
    if norm == "none":
        assert norms == []
    else:
        assert len(norms) == count
        assert all(type(m) is NORM_TYPES[norm] for m in norms)
        # instance norm learns a scale and shift per channel; layer norm is one group over (C, H, W)
        assert all(m.weight is not None and m.bias is not None for m in norms)
        assert all(m.num_groups == 1 for m in norms if isinstance(m, nn.GroupNorm))
    out = run(network, shape)
    is_generator = make in (DCGANGenerator, ResNetGenerator)
    assert out.shape == ((4, *shape) if is_generator else (4,))
    assert torch.isfinite(out).all()
    out.float().sum().backward()


@pytest.mark.parametrize("make, shape", [(DCGANGenerator, (1, 32, 32)), (DCGANDiscriminator, (1, 32, 32))])
def test_dcgan_convolutions_have_a_bias_only_without_a_norm_to_shift_them(make, shape):
    for norm in ("batch", "instance", "layer", "none"):
        layers = list(build(make, shape, norm=norm).net)
        before_a_norm = [layers[i - 1] for i, m in enumerate(layers) if isinstance(m, (*ALL_NORM_TYPES, nn.Identity))]
        assert before_a_norm and all(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)) for m in before_a_norm)
        assert all((m.bias is not None) == (norm == "none") for m in before_a_norm), norm


@pytest.mark.parametrize("norm", ["instance", "layer"])
def test_dcgan_initialises_instance_and_layer_norm_scales_from_normal_1_002_and_shifts_at_0(norm):
    g = DCGANGenerator((1, 64, 64), latent_dim=100, width=64, norm=norm)
    norms = [m for m in g.modules() if isinstance(m, NORM_TYPES[norm])]
    scales = torch.cat([m.weight.detach() for m in norms])
    assert scales.mean().item() == pytest.approx(1.0, abs=3e-3)
    assert scales.std().item() == pytest.approx(0.02, rel=0.1)
    assert all((m.bias == 0).all() for m in norms)


# The state_dict keys of the default networks, recorded before the norm and dropout choices existed:
# checkpoints written then must still load.
BN = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
DCGAN_G_KEYS = [
    "net.0.weight", *(f"net.1.{n}" for n in BN),
    "net.3.weight", *(f"net.4.{n}" for n in BN),
    "net.6.weight", *(f"net.7.{n}" for n in BN),
    "net.9.weight", "net.9.bias",
]  # fmt: skip
DCGAN_D_KEYS = [
    "net.0.weight", "net.0.bias",
    "net.2.weight", *(f"net.3.{n}" for n in BN),
    "net.5.weight", *(f"net.6.{n}" for n in BN),
    "net.8.weight", "net.8.bias",
]  # fmt: skip
RESNET_G_KEYS = [
    "linear.weight", "linear.bias",
    *(key for b in range(3) for key in (
        *(f"blocks.{b}.bn1.{n}" for n in BN), f"blocks.{b}.conv1.weight", f"blocks.{b}.conv1.bias",
        *(f"blocks.{b}.bn2.{n}" for n in BN), f"blocks.{b}.conv2.weight", f"blocks.{b}.conv2.bias",
        f"blocks.{b}.shortcut.weight", f"blocks.{b}.shortcut.bias",
    )),
    *(f"out.0.{n}" for n in BN), "out.2.weight", "out.2.bias",
]  # fmt: skip
SN = ["bias", "parametrizations.weight.original", "parametrizations.weight.0._u", "parametrizations.weight.0._v"]
RESNET_D_KEYS = [
    *(f"blocks.{b}.{layer}.{n}" for b in (0, 1) for layer in ("conv1", "conv2", "shortcut") for n in SN),
    *(f"blocks.{b}.{layer}.{n}" for b in (2, 3) for layer in ("conv1", "conv2") for n in SN),
    *(f"linear.{n}" for n in SN),
]


def test_default_networks_keep_the_parameter_names_of_before():
    assert list(DCGANGenerator((1, 32, 32), width=8).state_dict()) == DCGAN_G_KEYS
    assert list(DCGANDiscriminator((1, 32, 32), width=8).state_dict()) == DCGAN_D_KEYS
    assert list(ResNetGenerator((3, 32, 32), width=8).state_dict()) == RESNET_G_KEYS
    assert list(ResNetDiscriminator((3, 32, 32), width=8).state_dict()) == RESNET_D_KEYS
    assert (len(DCGAN_G_KEYS), len(DCGAN_D_KEYS), len(RESNET_G_KEYS), len(RESNET_D_KEYS)) == (20, 16, 57, 44)


DISCRIMINATORS = [
    (DCGANDiscriminator, (1, 32, 32), {"norm": "none"}, 3),  # after each of its three LeakyReLUs
    (ResNetDiscriminator, (3, 32, 32), {"spectral_norm": False}, 1),  # one module, after each of the 4 blocks
    (MLPDiscriminator, (2,), {"depth": 3}, 3),  # after each hidden LeakyReLU
]


@pytest.mark.parametrize("make, shape, kw, dropouts", DISCRIMINATORS, ids=lambda c: getattr(c, "__name__", None))
def test_dropout_in_d_makes_training_outputs_random_and_leaves_evaluation_deterministic(make, shape, kw, dropouts):
    # batch norm and spectral norm's power iteration are off, so that dropout is the only difference
    torch.manual_seed(0)
    x = torch.randn(8, *shape)
    plain = make(shape, width=16, **kw)
    assert not any(isinstance(m, nn.Dropout) for m in plain.modules())  # p = 0 adds no layer
    torch.testing.assert_close(plain.train()(x), plain.eval()(x))

    dropped = make(shape, width=16, dropout=0.5, **kw)
    layers = [m for m in dropped.modules() if isinstance(m, nn.Dropout)]
    assert len(layers) == dropouts and all(m.p == 0.5 for m in layers)
    assert list(dropped.state_dict()) == list(plain.state_dict())  # no parameter, no renamed parameter
    dropped.load_state_dict(plain.state_dict())
    evaluated = dropped.eval()(x)
    torch.testing.assert_close(evaluated, plain.eval()(x))  # evaluation: no dropout
    torch.testing.assert_close(dropped(x), evaluated)
    trained = [dropped.train()(x) for _ in range(2)]
    assert not torch.allclose(trained[0], evaluated) and not torch.allclose(trained[0], trained[1])


@pytest.mark.parametrize("make", [DCGANGenerator, DCGANDiscriminator, ResNetGenerator, ResNetDiscriminator])
def test_an_unknown_norm_is_refused_naming_the_key_and_the_choices(make):
    key = "model.generator.norm" if make in (DCGANGenerator, ResNetGenerator) else "model.discriminator.norm"
    with pytest.raises(ValueError) as err:
        build(make, (3, 32, 32), norm="group")
    assert str(err.value) == f"{key} must be one of batch, instance, layer, none; got 'group'"


@pytest.mark.parametrize("make", [DCGANDiscriminator, ResNetDiscriminator, MLPDiscriminator])
@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan"), "half", True])
def test_a_dropout_probability_outside_0_1_is_refused_naming_the_key(make, p):
    shape = (2,) if make is MLPDiscriminator else (3, 32, 32)
    with pytest.raises(ValueError, match=r"^model\.discriminator\.dropout must be a probability in \[0, 1\), got "):
        make(shape, width=8, dropout=p)


def test_a_bad_norm_on_the_command_line_fails_in_one_line_naming_the_key(compose_cfg):
    with pytest.raises(Exception) as err:
        train(compose_cfg("model.discriminator.norm=spectral", "eval.enabled=false"))
    assert user_error_message(err.value) == "model.discriminator.norm must be one of batch, instance, layer, none; got 'spectral'"


@pytest.mark.parametrize(
    "overrides, g_norm, d_norm",
    [
        (["model.generator.norm=instance", "model.discriminator.norm=layer", "model.discriminator.dropout=0.2"],
         nn.InstanceNorm2d, nn.GroupNorm),
        (["model.generator.norm=none", "model.discriminator.norm=none"], None, None),
        (["model=resnet", "model.generator.norm=instance", "model.discriminator.norm=layer",
          "model.discriminator.dropout=0.2"], nn.InstanceNorm2d, nn.GroupNorm),
    ],
    ids=["dcgan G instance, D layer + dropout", "dcgan G none, D none", "resnet G instance, D layer + dropout"],
)  # fmt: skip
def test_a_short_run_trains_with_the_chosen_norms_and_its_checkpoint_rebuilds_them(
    compose_cfg, tmp_path, overrides, g_norm, d_norm
):
    results = train(compose_cfg(*overrides, "train.steps=2", "log.checkpoint_every=2", "eval.enabled=false"))
    assert results["status"] == "completed" and results["steps"] == 2
    module = load_module(tmp_path / "run" / "checkpoints" / "last.ckpt")
    for network, kind in ((module.generator, g_norm), (module.discriminator, d_norm)):
        norms = {type(m) for m in network.modules() if isinstance(m, ALL_NORM_TYPES)}
        assert norms == ({kind} if kind else set())
    assert any(isinstance(m, nn.Dropout) for m in module.discriminator.modules()) == ("dropout=0.2" in " ".join(overrides))
    samples = module.generate(torch.randn(3, module.generator.latent_dim))
    assert samples.shape == (3, 1, 32, 32) and torch.isfinite(samples).all()  # digits
