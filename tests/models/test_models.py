"""The architectures: shapes, output ranges, initialisation, spectral normalisation, clear errors."""

import pytest
import torch

from gan_lab.models import (
    DCGANDiscriminator,
    DCGANGenerator,
    MLPDiscriminator,
    MLPGenerator,
    ResNetDiscriminator,
    ResNetGenerator,
)

CASES = [
    (MLPGenerator, MLPDiscriminator, (2,), {"width": 16}),
    (MLPGenerator, MLPDiscriminator, (1, 8, 8), {"width": 16}),
    (DCGANGenerator, DCGANDiscriminator, (1, 32, 32), {"width": 8}),
    (DCGANGenerator, DCGANDiscriminator, (3, 64, 64), {"width": 8}),
    (ResNetGenerator, ResNetDiscriminator, (3, 32, 32), {"width": 16}),
]


@pytest.mark.parametrize("make_g, make_d, shape, kw", CASES, ids=lambda c: getattr(c, "__name__", str(c)))
def test_generator_makes_samples_of_the_dataset_shape_and_discriminator_scores_each(make_g, make_d, shape, kw):
    g, d = make_g(shape, latent_dim=10, **kw), make_d(shape, **kw)
    samples = g(torch.randn(4, 10))
    assert samples.shape == (4, *shape)
    if len(shape) == 3:  # images end in tanh
        assert samples.min() >= -1 and samples.max() <= 1
    assert d(samples).shape == (4,)


@pytest.mark.parametrize("make", [DCGANGenerator, DCGANDiscriminator, ResNetGenerator, ResNetDiscriminator])
def test_convolutional_models_refuse_an_image_size_they_cannot_make(make):
    with pytest.raises(ValueError, match=r"dataset.image_size") as err:
        make((1, 28, 28))
    assert "[1, 28, 28]" in str(err.value)


def test_dcgan_weights_are_initialised_from_normal_0_002():
    g = DCGANGenerator((1, 64, 64), latent_dim=100, width=64)
    weights = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)])
    assert weights.mean().item() == pytest.approx(0.0, abs=1e-3)
    assert weights.std().item() == pytest.approx(0.02, rel=0.02)


def test_dcgan_generator_doubles_resolution_per_layer_from_4x4():
    g = DCGANGenerator((1, 64, 64), latent_dim=16, width=8)
    ups = [m for m in g.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert len(ups) == 5  # 1×1 → 4 → 8 → 16 → 32 → 64
    assert [m.out_channels for m in ups] == [64, 32, 16, 8, 1]


def test_resnet_discriminator_layers_have_unit_spectral_norm_after_power_iterations():
    d = ResNetDiscriminator((3, 32, 32), width=16, spectral_norm=True).train()
    x = torch.randn(2, 3, 32, 32)
    for _ in range(30):  # each training-mode forward runs one power iteration
        d(x)
    d.eval()
    convs = [m for m in d.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert len(convs) == 11  # 3 + 3 + 2 + 2 convolutions, 1 linear
    for m in convs:
        sigma = torch.linalg.matrix_norm(m.weight.detach().flatten(1), ord=2).item()
        assert sigma == pytest.approx(1.0, abs=0.05)


def test_resnet_discriminator_without_spectral_norm_keeps_plain_weights():
    d = ResNetDiscriminator((3, 32, 32), width=16, spectral_norm=False)
    assert not any(hasattr(m, "parametrizations") for m in d.modules())
