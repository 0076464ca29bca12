"""DiffAugment checked against the paper's definitions, written out independently: whole-pixel shifts,
half-size cut-out squares, the colour ops' ranges, gradients to generated images."""

from __future__ import annotations

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from gan_lab.augmentations import DiffAugment
from gan_lab.run import CONF_DIR
from tests.augmentations.helpers import batch, matching_shift, shifted


def test_defaults_are_the_paper_and_the_yaml_list_is_read():
    augmentation = instantiate(OmegaConf.load(CONF_DIR / "augmentation" / "diffaug.yaml"))
    assert augmentation.policy == ["color", "translation", "cutout"] and augmentation.p == 1.0
    assert augmentation.applies_to_fake is True
    assert DiffAugment(policy="color,translation,cutout").policy == ["color", "translation", "cutout"]


@pytest.mark.parametrize("policy", [["color"], ["translation"], ["cutout"], ["color", "translation", "cutout"]])
def test_gradients_flow_to_fake_images(policy):
    fake = batch((4, 3, 16, 16)).requires_grad_(True)
    torch.manual_seed(0)
    out = DiffAugment(policy=policy).fake(fake)
    (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum().backward()
    assert fake.grad is not None and torch.isfinite(fake.grad).all() and fake.grad.abs().sum() > 0


def test_cutout_gradient_is_one_outside_the_square_and_zero_inside():
    fake = batch((8, 1, 16, 16)).requires_grad_(True)
    torch.manual_seed(1)
    out = DiffAugment(policy=["cutout"]).fake(fake)
    out.sum().backward()
    cut = out.detach() == 0
    assert torch.equal(fake.grad, (~cut).float())


def test_fake_gets_the_same_transform_as_real():
    images = batch((4, 3, 16, 16))
    augmentation = DiffAugment()
    torch.manual_seed(2)
    real = augmentation(images)
    torch.manual_seed(2)
    assert torch.equal(augmentation.fake(images), real)


@pytest.mark.parametrize("size", [8, 32, 64])
def test_translation_moves_a_bright_pixel_by_whole_pixels_up_to_an_eighth(size):
    n, max_shift = 200, size // 8
    images = torch.full((n, 1, size, size), -1.0)
    images[:, :, size // 2, size // 2] = 1.0
    torch.manual_seed(3)
    out = DiffAugment(policy=["translation"], fill=-1.0)(images)
    assert torch.all((out == 1.0).flatten(1).sum(1) == 1)  # the pixel is still there, once, unblurred
    assert torch.all((out == -1.0) | (out == 1.0))
    where = (out == 1.0).flatten(1).float().argmax(1)
    dy, dx = where // size - size // 2, where % size - size // 2
    every_shift = set(range(-max_shift, max_shift + 1))
    assert set(dy.tolist()) == every_shift and set(dx.tolist()) == every_shift  # the full range, on both axes
    assert (dy != dx).any()  # drawn independently per axis


def test_translation_is_a_shift_of_the_whole_image_padded_with_fill():
    images = batch((12, 3, 16, 16))
    for fill in (0.0, -1.0):
        torch.manual_seed(4)
        out = DiffAugment(policy=["translation"], fill=fill)(images)
        for image, moved in zip(images, out):
            assert matching_shift(moved, image, max_shift=2, fill=fill, atol=0) is not None


@pytest.mark.parametrize("size", [8, 32])
def test_cutout_zeros_a_half_size_square_clipped_to_the_image(size):
    n, side = 300, size // 2
    images = batch((n, 3, size, size))  # no pixel is 0
    torch.manual_seed(5)
    out = DiffAugment(policy=["cutout"])(images)
    zero = out == 0
    assert torch.equal(zero[:, :1].expand_as(zero), zero)  # the same pixels in every channel
    assert torch.equal(out[~zero], images[~zero])  # the rest is untouched
    full = 0
    for mask in zero[:, 0]:
        rows, cols = mask.any(1).nonzero().flatten(), mask.any(0).nonzero().flatten()
        top, bottom, left, right = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        assert mask.sum() == (bottom - top) * (right - left)  # one axis-aligned rectangle ...
        assert mask[top:bottom, left:right].all()
        # ... that is the side × side square, or that square clipped by the image's border
        assert bottom - top == side or (bottom - top < side and (top == 0 or bottom == size))
        assert right - left == side or (right - left < side and (left == 0 or right == size))
        full += int(mask.sum()) == side * side
    assert full > n / 6  # the centre is uniform: the whole square lies inside about a quarter of the time


def test_cutout_fill_minus_one():
    images = batch((20, 1, 16, 16))
    torch.manual_seed(6)
    out = DiffAugment(policy=["cutout"], fill=-1.0)(images)
    assert torch.all(((out == -1.0).flatten(1).sum(1) >= 16) & ((out == -1.0).flatten(1).sum(1) <= 64))


def test_colour_on_a_flat_grey_image_is_a_brightness_shift_in_minus_half_half():
    n = 400
    base = torch.linspace(-0.5, 0.5, n).view(n, 1, 1, 1).expand(n, 3, 8, 8).contiguous()
    torch.manual_seed(7)
    shift = DiffAugment(policy=["color"])(base) - base  # saturation and contrast act around means: no-ops here
    per_sample = shift.flatten(1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample), atol=1e-6)
    assert per_sample.min() >= -0.5 - 1e-6 and per_sample.max() <= 0.5 + 1e-6
    assert per_sample.min() < -0.45 and per_sample.max() > 0.45 and abs(float(per_sample[:, 0].mean())) < 0.05


def test_colour_scales_contrast_about_the_image_mean_by_half_to_one_and_a_half():
    images = batch((400, 1, 8, 8))  # one channel: saturation is a no-op
    torch.manual_seed(8)
    out = DiffAugment(policy=["color"])(images)
    centred_in = images - images.mean(dim=(1, 2, 3), keepdim=True)
    centred_out = out - out.mean(dim=(1, 2, 3), keepdim=True)
    ratio = (centred_out.flatten(1) * centred_in.flatten(1)).sum(1) / centred_in.flatten(1).pow(2).sum(1)
    assert torch.allclose(centred_out, ratio.view(-1, 1, 1, 1) * centred_in, atol=1e-5)
    assert ratio.min() >= 0.5 - 1e-5 and ratio.max() <= 1.5 + 1e-5 and ratio.min() < 0.55 and ratio.max() > 1.45


@pytest.mark.parametrize("p", [0.25, 0.75])
def test_each_op_is_applied_per_sample_with_probability_p(p):
    n = 1000
    images = batch((n, 1, 8, 8))
    torch.manual_seed(9)
    out = DiffAugment(policy=["cutout"], p=p)(images)
    applied = (out == 0).flatten(1).any(1).float().mean()
    assert abs(float(applied) - p) < 5 * (p * (1 - p) / n) ** 0.5


def test_translation_by_hand_example():
    image = torch.arange(16.0).view(1, 4, 4)
    assert torch.equal(shifted(image, 1, 0, fill=-1.0)[0, 0], torch.full((4,), -1.0))
    assert torch.equal(shifted(image, 0, -1, fill=None)[0, 0], torch.tensor([1.0, 2.0, 3.0, 3.0]))
