"""Changed inputs (`corruption=affine`, `corruption=intensity`), checked against independent computations:
pixel moves written out by hand or with torch.roll, the intensity formula in plain Python floats, the
parameter ranges from the documented maxima, and AmbientGAN training through them.

(Level 0, same-seed reproducibility, the global RNG, gradients and bad levels are covered for every
corruption in test_corruptions.py.)"""

from __future__ import annotations

import json
import math

import pytest
import torch

from gan_lab.corruptions import IntensityChange, RandomAffine
from gan_lab.run import build_module
from tests.conftest import FAST, REPO, run_cli


def batch(shape=(4, 3, 16, 16), seed=0, low=-0.9, high=0.9, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return (low + (high - low) * torch.rand(shape, generator=g, dtype=torch.float64)).to(dtype)


def seeded(seed):
    return torch.Generator().manual_seed(seed)


def no_change(n):
    """Affine parameters of the identity for n images: angle 0, shift (0, 0), scale 1."""
    return torch.zeros(n), torch.zeros(n, 2), torch.ones(n)


# ------------------------------------------------------------------------------ affine


@pytest.mark.parametrize("Corr", [RandomAffine, IntensityChange])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_change_keeps_shape_dtype_and_the_range_and_changes_every_image(Corr, dtype):
    images = batch((16, 3, 16, 16), low=-1.0, high=1.0, dtype=dtype)
    out = Corr(1.0)(images, generator=seeded(1))
    assert out.shape == images.shape and out.dtype == dtype
    assert out.min() >= -1.0 and out.max() <= 1.0
    assert ((out - images).flatten(1).abs().amax(dim=1) > 1e-3).all()
    assert torch.equal(out, Corr(1.0)(images, generator=seeded(1)))


def test_affine_identity_parameters_leave_images_unchanged():
    images = batch()
    assert torch.allclose(RandomAffine(0.5).warp(images, *no_change(4)), images, atol=1e-5)  # float32 warp round-off


@pytest.mark.parametrize(("dx", "dy"), [(2, 0), (0, -3), (3, 1), (-1, -2)])
def test_affine_integer_translation_is_torch_roll_inside_and_black_where_the_frame_was_left(dx, dy):
    size = 12
    images = batch((2, 3, size, size))
    angle, shift, scale = no_change(2)
    shift[:] = torch.tensor([float(dx), float(dy)])  # (x, y): right and down
    out = RandomAffine(0.5).warp(images, angle, shift, scale)
    rolled = torch.roll(images, shifts=(dy, dx), dims=(2, 3))
    rows = slice(max(dy, 0), size + min(dy, 0))
    cols = slice(max(dx, 0), size + min(dx, 0))
    assert torch.allclose(out[..., rows, cols], rolled[..., rows, cols], atol=1e-5)
    entered = torch.ones(size, size, dtype=torch.bool)
    entered[rows, cols] = False
    assert entered.any() and torch.allclose(out[..., entered], torch.tensor(-1.0), atol=1e-6)


def test_affine_padding_border_repeats_the_edge_pixel():
    images = batch((1, 1, 8, 8))
    angle, shift, scale = no_change(1)
    shift[0, 0] = 2.0
    out = RandomAffine(0.5, padding="border").warp(images, angle, shift, scale)
    for col in range(3):  # columns 0 and 1 came from outside the frame: column 0 of the input
        assert torch.allclose(out[0, 0, :, col], images[0, 0, :, 0], atol=1e-5)


def test_affine_90_degrees_turns_a_3x3_image_clockwise_as_displayed():
    a, b, c, d, e, f, g, h, i = [x / 10 for x in range(-4, 5)]
    image = torch.tensor([[a, b, c], [d, e, f], [g, h, i]]).view(1, 1, 3, 3)
    expected = torch.tensor([[g, d, a], [h, e, b], [i, f, c]])  # written out by hand
    angle, shift, scale = no_change(1)
    angle[0] = 90.0
    out = RandomAffine(0.5).warp(image, angle, shift, scale)
    assert torch.allclose(out[0, 0], expected, atol=1e-5)
    angle[0] = 180.0
    assert torch.allclose(RandomAffine(0.5).warp(image, angle, shift, scale)[0, 0], image[0, 0].flip(0, 1), atol=1e-5)


def test_affine_scaling_is_about_the_centre():
    """On a linear ramp L(x, y) = αx + βy (which bilinear sampling reproduces exactly), scaling by s
    about the centre c gives L(c + (p - c)/s) wherever that source point is inside the frame."""
    size, alpha, beta, s = 9, 0.1, -0.07, 1.2
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64), indexing="ij")
    ramp = (alpha * (xs - 4) + beta * (ys - 4)).view(1, 1, size, size)
    angle, shift, scale = no_change(1)
    scale[0] = s
    out = RandomAffine(0.5).warp(ramp, angle, shift, scale)[0, 0]
    c = (size - 1) / 2
    for y in range(size):
        for x in range(size):
            expected = alpha * (c + (x - c) / s - 4) + beta * (c + (y - c) / s - 4)
            assert abs(out[y, x].item() - expected) <= 1e-5


@pytest.mark.parametrize("level", [0.25, 1.0])
def test_affine_draws_fill_the_documented_ranges(level):
    n, h, w = 4000, 16, 24
    angle, shift, scale = RandomAffine(level).draw(torch.zeros(n, 1, h, w), seeded(2))
    ranges = [(angle, 30.0 * level), (shift[:, 0], 0.125 * level * w), (shift[:, 1], 0.125 * level * h), (scale - 1, 0.2 * level)]
    for values, bound in ranges:
        assert values.abs().max().item() <= bound * (1 + 1e-6)
        # uniform on [-bound, bound]: both ends approached, mean 0, std bound/sqrt(3)
        assert values.max().item() > 0.99 * bound and values.min().item() < -0.99 * bound
        assert abs(values.mean().item()) <= 4 * bound / math.sqrt(3 * n)
        assert values.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert torch.corrcoef(torch.stack([angle, shift[:, 0], shift[:, 1], scale]))[0, 1:].abs().max() < 0.1


def test_affine_maxima_can_be_set_and_a_zero_maximum_turns_that_part_off():
    corruption = RandomAffine(1.0, max_rotation=10, max_translation=0, max_scale=0)
    angle, shift, scale = corruption.draw(torch.zeros(500, 1, 8, 8), seeded(3))
    assert angle.abs().max() <= 10 and angle.abs().max() > 9.9
    assert torch.equal(shift, torch.zeros_like(shift)) and torch.equal(scale, torch.ones_like(scale))


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"max_rotation": -1}, "corruption.max_rotation"),
        ({"max_translation": 1.5}, "corruption.max_translation"),
        ({"max_scale": 1.0}, "corruption.max_scale"),
        ({"max_scale": "big"}, "corruption.max_scale"),
        ({"padding": "zeros"}, "corruption.padding"),
    ],
)
def test_affine_bad_knobs_name_the_key(kwargs, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        RandomAffine(0.5, **kwargs)


def test_affine_gradient_is_the_transpose_of_the_pixel_move():
    """For an integer shift the warp copies pixels, so d(sum of kept outputs)/d(input) is 1 at the
    pixels that stay in frame and 0 at those shifted out."""
    images = batch((1, 1, 8, 8)).requires_grad_()
    angle, shift, scale = no_change(1)
    shift[0] = torch.tensor([2.0, 0.0])
    RandomAffine(0.5).warp(images, angle, shift, scale).sum().backward()
    assert torch.allclose(images.grad[0, 0, :, :6], torch.ones(8, 6), atol=1e-6)
    assert torch.allclose(images.grad[0, 0, :, 6:], torch.zeros(8, 2), atol=1e-6)


# ------------------------------------------------------------------------------ intensity


def by_hand(pixels, c, b, gamma):
    """The documented formula in Python floats: u = (x+1)/2, m = mean u, v = clamp(m + c(u-m) + b, 0, 1), 2v^γ - 1."""
    u = [(x + 1) / 2 for x in pixels]
    m = math.fsum(u) / len(u)
    v = [min(1.0, max(0.0, m + c * (ui - m) + b)) for ui in u]
    return [2 * vi**gamma - 1 for vi in v]


PIXELS = [-1.0, -0.5, 0.0, 0.25, 0.5, 1.0]


@pytest.mark.parametrize(
    ("c", "b", "gamma"),
    [(1.5, 0.0, 1.0), (0.5, 0.0, 1.0), (1.0, 0.2, 1.0), (1.0, -0.2, 1.0), (1.0, 0.0, 0.6), (1.0, 0.0, 1.65), (1.3, -0.1, 0.8)],
)
def test_intensity_formula_against_a_hand_computation(c, b, gamma):
    image = torch.tensor(PIXELS, dtype=torch.float64).view(1, 1, 2, 3)
    out = IntensityChange.adjust(image, torch.tensor([c]), torch.tensor([b]), torch.tensor([gamma]))
    assert out.flatten().tolist() == pytest.approx(by_hand(PIXELS, c, b, gamma), abs=1e-6)


def test_intensity_worked_example():
    """Contrast alone on u = (0, 0.5, 1) (m = 0.5): c = 1.5 gives (0, 0.5, 1) clamped -> 2u - 1 = (-1, 0, 1);
    brightness +0.2 alone gives u = (0.2, 0.7, 1) -> (-0.6, 0.4, 1); gamma 2 alone gives (0, 0.25, 1) -> (-1, -0.5, 1)."""
    image = torch.tensor([-1.0, 0.0, 1.0]).view(1, 1, 1, 3)
    adjust = IntensityChange.adjust
    one, zero = torch.ones(1), torch.zeros(1)
    assert adjust(image, torch.tensor([1.5]), zero, one).flatten().tolist() == pytest.approx([-1.0, 0.0, 1.0], abs=1e-6)
    assert adjust(image, one, torch.tensor([0.2]), one).flatten().tolist() == pytest.approx([-0.6, 0.4, 1.0], abs=1e-6)
    assert adjust(image, one, zero, torch.tensor([2.0])).flatten().tolist() == pytest.approx([-1.0, -0.5, 1.0], abs=1e-6)


def test_intensity_parameters_are_per_image_and_the_same_over_its_pixels_and_channels():
    images = batch((3, 3, 4, 4), dtype=torch.float64)
    corruption = IntensityChange(1.0)
    c, b, g = corruption.draw(images, seeded(4))
    out = corruption(images, generator=seeded(4))
    for k in range(3):
        expected = by_hand(images[k].flatten().tolist(), c[k].item(), b[k].item(), g[k].item())
        assert out[k].flatten().tolist() == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("level", [0.3, 1.0])
def test_intensity_draws_fill_the_documented_ranges(level):
    n = 4000
    c, b, g = IntensityChange(level).draw(torch.zeros(n, 1, 2, 2), seeded(5))
    for values, bound in [(c - 1, 0.5 * level), (b, 0.2 * level), (g.log(), 0.5 * level)]:
        assert values.abs().max().item() <= bound * (1 + 1e-5)
        assert values.max().item() > 0.99 * bound and values.min().item() < -0.99 * bound
        assert values.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    assert g.min().item() >= math.exp(-0.5 * level) * (1 - 1e-5) and g.max().item() <= math.exp(0.5 * level) * (1 + 1e-5)


def test_intensity_gradient_matches_finite_differences_away_from_the_clamp():
    images = batch((2, 1, 3, 3), low=-0.5, high=0.5, dtype=torch.float64).requires_grad_()
    params = (torch.tensor([1.2, 0.8]), torch.tensor([0.05, -0.05]), torch.tensor([0.7, 1.4]))
    assert torch.autograd.gradcheck(lambda x: IntensityChange.adjust(x, *params), (images,))


def test_intensity_gradient_is_finite_at_black_pixels_with_gamma_below_one():
    images = torch.full((2, 1, 4, 4), -1.0).requires_grad_()  # v = 0 exactly where c = 1, b = 0
    out = IntensityChange.adjust(images, torch.ones(2), torch.zeros(2), torch.tensor([0.6, 0.6]))
    out.sum().backward()
    assert torch.equal(out.detach(), images.detach()) and torch.isfinite(images.grad).all()


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"max_contrast": 1.5}, "corruption.max_contrast"),
        ({"max_brightness": -0.1}, "corruption.max_brightness"),
        ({"max_log_gamma": float("nan")}, "corruption.max_log_gamma"),
    ],
)
def test_intensity_bad_knobs_name_the_key(kwargs, key):
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        IntensityChange(0.5, **kwargs)


# ------------------------------------------------------------------------------ AmbientGAN


@pytest.mark.parametrize(("kind", "Corr"), [("affine", RandomAffine), ("intensity", IntensityChange)])
def test_ambient_measures_generated_images_differentiably(kind, Corr, compose_cfg):
    module = build_module(compose_cfg(f"corruption={kind}", "corruption.level=0.5", "corruption.ambient=true"), (1, 32, 32))
    assert isinstance(module.measure, Corr)
    fake = batch((8, 1, 32, 32)).requires_grad_()
    measured = module.d_view_of_fake(fake)
    assert not torch.allclose(measured, fake)
    measured.square().sum().backward()
    assert torch.isfinite(fake.grad).all() and fake.grad.abs().sum() > 0


def test_cli_trains_with_ambient_affine(tmp_path):
    args = [*FAST, "corruption=affine", "corruption.ambient=true", "eval.enabled=false", f"hydra.run.dir={tmp_path}"]
    proc = run_cli(args, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["status"] == "completed" and results["steps"] == 4
