"""Every corruption checked against an independent computation: the statistics of the noise it adds,
the pixels it changes, and the blur kernel written out with `math.exp`."""

import math

import pytest
import torch

from gan_lab.corruptions import (
    Corruption,
    GaussianBlur,
    GaussianNoise,
    IntensityChange,
    MissingPixels,
    NoCorruption,
    RandomAffine,
    SaltPepper,
)


def batch(shape=(4, 3, 16, 16), seed=0, low=-0.9, high=0.9):
    """Images strictly inside (-1, 1), so that every pixel set to ±1 is a changed pixel."""
    g = torch.Generator().manual_seed(seed)
    return low + (high - low) * torch.rand(shape, generator=g)


def seeded(seed):
    return torch.Generator().manual_seed(seed)


# One configured instance of every corruption at a non-zero level, and a factory at a given level.
FACTORIES = {
    "none": lambda level: NoCorruption(level),
    "gaussian": lambda level: GaussianNoise(level),
    "salt_pepper": lambda level: SaltPepper(level),
    "missing": lambda level: MissingPixels(level),
    "missing_block": lambda level: MissingPixels(level, block_size=5),
    "blur": lambda level: GaussianBlur(level),
    "affine": lambda level: RandomAffine(level),
    "intensity": lambda level: IntensityChange(level),
}
RANDOM = ["gaussian", "salt_pepper", "missing", "missing_block", "affine", "intensity"]


@pytest.mark.parametrize("kind", FACTORIES)
def test_level_zero_returns_the_input_unchanged(kind):
    images = batch()
    out = FACTORIES[kind](0.0)(images, generator=seeded(1))
    assert out.shape == images.shape and out.dtype == images.dtype
    assert torch.equal(out, images)


def test_every_corruption_is_a_named_corruption_module():
    names = set()
    for factory in FACTORIES.values():
        corruption = factory(0.5)
        assert isinstance(corruption, Corruption) and isinstance(corruption, torch.nn.Module)
        names.add(type(corruption).name)
    assert names == {"none", "gaussian", "salt_pepper", "missing", "blur", "affine", "intensity"}


def test_no_corruption_ignores_its_level():
    images = batch()
    assert torch.equal(NoCorruption(0.7)(images), images)
    assert NoCorruption().level == 0.0


@pytest.mark.parametrize("level", [0.05, 0.25])
def test_gaussian_noise_has_std_two_level_on_the_minus_one_one_scale_and_mean_zero(level):
    images = batch((64, 3, 32, 32))
    diff = (GaussianNoise(level)(images, generator=seeded(2)) - images).double().flatten().tolist()
    n = len(diff)
    mean = math.fsum(diff) / n
    std = math.sqrt(math.fsum((d - mean) ** 2 for d in diff) / (n - 1))
    assert abs(std - 2 * level) <= 0.02 * 2 * level
    assert abs(mean) <= 0.02 * 2 * level  # standard error is 2·level/sqrt(n) ≈ 0.002·2·level


def test_gaussian_noise_is_not_clamped():
    images = torch.full((8, 3, 16, 16), 0.9)
    out = GaussianNoise(0.5)(images, generator=seeded(3))
    assert out.max() > 1.0 and out.min() < -1.0


def test_salt_pepper_changes_a_fraction_level_of_pixel_locations_to_plus_or_minus_one_in_all_channels():
    level = 0.3
    images = batch((64, 3, 32, 32))
    out = SaltPepper(level)(images, generator=seeded(4))
    changed = (out != images).any(dim=1)  # (B, H, W)
    n = changed.numel()
    fraction = changed.sum().item() / n
    assert abs(fraction - level) <= 4 * math.sqrt(level * (1 - level) / n)
    # A changed location is changed in every channel, to the same value, exactly -1 or +1.
    assert torch.equal((out != images).all(dim=1), changed)
    values = out.permute(0, 2, 3, 1)[changed]  # (n_changed, C)
    assert ((values == 1.0) | (values == -1.0)).all()
    assert (values == values[:, :1]).all()
    salt = (values[:, 0] == 1.0).double().mean().item()
    assert abs(salt - 0.5) <= 4 * math.sqrt(0.25 / len(values))
    # Unchanged locations keep their exact values.
    assert torch.equal(out.permute(0, 2, 3, 1)[~changed], images.permute(0, 2, 3, 1)[~changed])


@pytest.mark.parametrize("p", [0.1, 0.5, 1.0])
def test_missing_pixels_drop_a_fraction_p_of_white_pixel_locations_to_black_in_all_channels(p):
    images = torch.ones(64, 3, 32, 32)
    out = MissingPixels(p)(images, generator=seeded(5))
    assert ((out == 1.0) | (out == -1.0)).all()
    dropped = (out == -1.0).any(dim=1)
    assert torch.equal((out == -1.0).all(dim=1), dropped)  # channels are dropped together
    n = dropped.numel()
    fraction = dropped.sum().item() / n
    assert abs(fraction - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1e-12


def test_missing_block_masks_exactly_one_k_by_k_square_per_image():
    k, size = 5, 16
    images = torch.ones(32, 3, size, size)
    out = MissingPixels(1.0, block_size=k)(images, generator=seeded(6))
    corners = set()
    for image in out:
        dropped = image == -1.0
        assert torch.equal(dropped.all(dim=0), dropped.any(dim=0))
        rows, cols = torch.nonzero(dropped[0], as_tuple=True)
        top, left = rows.min().item(), cols.min().item()
        assert len(rows) == k * k
        assert rows.max().item() - top == k - 1 and cols.max().item() - left == k - 1
        assert 0 <= top <= size - k and 0 <= left <= size - k
        assert (image[:, top : top + k, left : left + k] == -1.0).all()
        corners.add((top, left))
    assert len(corners) > 1  # the square's position is random


def test_missing_block_level_is_the_probability_that_an_image_gets_a_block():
    level, n = 0.4, 2000
    out = MissingPixels(level, block_size=3)(torch.ones(n, 1, 8, 8), generator=seeded(7))
    per_image = (out == -1.0).flatten(1).sum(dim=1)
    assert set(per_image.unique().tolist()) == {0, 9}
    fraction = (per_image > 0).double().mean().item()
    assert abs(fraction - level) <= 4 * math.sqrt(level * (1 - level) / n)


def test_missing_block_larger_than_the_image_names_the_key():
    with pytest.raises(ValueError, match="corruption.block_size"):
        MissingPixels(0.5, block_size=9)(torch.ones(2, 3, 8, 8))
    with pytest.raises(ValueError, match="corruption.block_size"):
        MissingPixels(0.5, block_size=0)


@pytest.mark.parametrize(("sigma", "size"), [(0.5, 20), (1.0, 20), (3.0, 20), (5.0, 6)])
def test_blur_leaves_a_constant_image_constant(sigma, size):
    images = torch.full((2, 3, size, size), 0.37)  # size 6 < 2·ceil(3·5)+1: the kernel is capped to fit
    out = GaussianBlur(sigma)(images)
    assert torch.allclose(out, images, atol=1e-6)


@pytest.mark.parametrize("sigma", [0.7, 1.0, 1.5, 2.3])
def test_blur_of_a_delta_is_the_normalised_sampled_gaussian_of_radius_ceil_three_sigma(sigma):
    size, c = 41, 20
    images = torch.zeros(1, 1, size, size, dtype=torch.float64)
    images[0, 0, c, c] = 1.0
    out = GaussianBlur(sigma)(images)[0, 0]
    assert abs(out.sum().item() - 1.0) <= 1e-6
    r = math.ceil(3 * sigma)
    weights = [math.exp(-(i * i) / (2 * sigma * sigma)) for i in range(-r, r + 1)]
    total = math.fsum(weights)
    g = [x / total for x in weights]
    for i in range(2 * r + 1):
        for j in range(2 * r + 1):
            assert abs(out[c - r + i, c - r + j].item() - g[i] * g[j]) <= 1e-4
    # Nothing outside the (2r+1)×(2r+1) support: the kernel size is 2·ceil(3σ)+1.
    outside = out.clone()
    outside[c - r : c + r + 1, c - r : c + r + 1] = 0
    assert outside.abs().max().item() == 0.0


def test_more_blur_removes_more_high_frequency_energy():
    images = batch((4, 3, 32, 32), seed=8)
    energies = []
    for sigma in [0.0, 0.5, 1.0, 1.5, 2.0, 3.0]:
        spectrum = torch.fft.fft2(GaussianBlur(sigma)(images)).abs().pow(2)
        f = torch.fft.fftfreq(32).abs()
        high = (f[:, None] > 0.25) | (f[None, :] > 0.25)  # above half the Nyquist frequency on either axis
        energies.append(spectrum[..., high].sum().item())
    assert all(a > b for a, b in zip(energies, energies[1:])), energies


@pytest.mark.parametrize("kind", FACTORIES)
def test_gradients_flow_to_the_images(kind):
    images = batch().requires_grad_()
    FACTORIES[kind](0.3)(images, generator=seeded(9)).sum().backward()
    assert images.grad is not None
    assert torch.isfinite(images.grad).all() and images.grad.abs().sum() > 0


@pytest.mark.parametrize("block_size", [None, 5])
def test_missing_pixels_gradient_is_zero_exactly_at_the_dropped_pixels(block_size):
    images = torch.ones(8, 3, 16, 16).requires_grad_()
    out = MissingPixels(0.5 if block_size is None else 1.0, block_size=block_size)(images, generator=seeded(10))
    out.sum().backward()
    dropped = (out == -1.0).detach()
    assert dropped.any() and (~dropped).any()
    assert (images.grad[dropped] == 0).all()
    assert (images.grad[~dropped] == 1).all()


@pytest.mark.parametrize("kind", RANDOM)
def test_same_generator_seed_gives_the_same_output(kind):
    corruption, images = FACTORIES[kind](0.5), batch()
    first = corruption(images, generator=seeded(11))
    assert torch.equal(first, corruption(images, generator=seeded(11)))
    assert not torch.equal(first, corruption(images, generator=seeded(12)))


@pytest.mark.parametrize("kind", RANDOM)
def test_without_a_generator_the_global_rng_is_used(kind):
    corruption, images = FACTORIES[kind](0.5), batch()
    torch.manual_seed(13)
    first = corruption(images)
    torch.manual_seed(13)
    assert torch.equal(first, corruption(images))


@pytest.mark.parametrize(
    ("factory", "level", "allowed"),
    [
        (MissingPixels, 1.5, "[0, 1]"),
        (MissingPixels, -0.1, "[0, 1]"),
        (SaltPepper, 1.01, "[0, 1]"),
        (SaltPepper, float("nan"), "[0, 1]"),
        (GaussianNoise, -0.01, "[0, inf)"),
        (GaussianNoise, float("inf"), "[0, inf)"),
        (GaussianBlur, -1.0, "[0, inf)"),
        (GaussianBlur, "strong", "[0, inf)"),
        (RandomAffine, 1.5, "[0, 1]"),
        (IntensityChange, -0.1, "[0, 1]"),
    ],
)
def test_out_of_range_levels_name_the_key_and_the_allowed_range(factory, level, allowed):
    with pytest.raises(ValueError, match="corruption.level") as error:
        factory(level)
    assert allowed in str(error.value) and factory.name in str(error.value)


def test_the_message_reads_as_documented():
    with pytest.raises(ValueError) as error:
        MissingPixels(1.5)
    assert str(error.value) == "corruption.level must be in [0, 1] for missing, got 1.5"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kind", FACTORIES)
def test_random_draws_live_on_the_images_device(kind):
    images = batch().cuda()
    generator = torch.Generator(device="cuda").manual_seed(14)
    out = FACTORIES[kind](0.5)(images, generator=generator)
    assert out.device == images.device
    assert torch.equal(out, FACTORIES[kind](0.5)(images, generator=torch.Generator(device="cuda").manual_seed(14)))
