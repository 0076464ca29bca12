"""Classic augmentation: real images only, each transform per sample with probability p, padding."""

from __future__ import annotations

import torch

from gan_lab.augmentations import ClassicAugmentation
from tests.augmentations.helpers import batch


def test_never_applies_to_fake_images():
    augmentation = ClassicAugmentation(p=1.0)
    assert augmentation.applies_to_fake is False
    fake = batch((4, 3, 16, 16)).requires_grad_(True)
    assert augmentation.fake(fake) is fake


def test_flip_alone_at_p_one_mirrors_every_image():
    augmentation = ClassicAugmentation(p=1.0, translate=0.0, degrees=0.0, scale=[1.0, 1.0])
    images = batch((6, 3, 16, 16))
    torch.manual_seed(0)
    out = augmentation(images)
    assert torch.allclose(out, images.flip(-1), atol=1e-5)


def test_flip_false_with_the_identity_affine_leaves_images_as_they_are():
    augmentation = ClassicAugmentation(p=1.0, flip=False, translate=0.0, degrees=0.0, scale=[1.0, 1.0])
    images = batch((4, 1, 16, 16))
    torch.manual_seed(0)
    assert torch.allclose(augmentation(images), images, atol=1e-5)


def test_each_transform_is_gated_per_sample_with_probability_p():
    # flip, translation, rotation and scaling each change a random image; an image is left as it is
    # only when none of the four was drawn: probability (1 - p)^4
    p, n = 0.5, 800
    images = batch((n, 1, 8, 8), seed=3)
    torch.manual_seed(0)
    out = ClassicAugmentation(p=p)(images)
    unchanged = (out - images).flatten(1).abs().amax(1) < 1e-6
    expected = n * (1 - p) ** 4  # 50; binomial sd ~ 6.8
    assert abs(int(unchanged.sum()) - expected) < 5 * (n * (1 - p) ** 4 * (1 - (1 - p) ** 4)) ** 0.5


def test_flip_alone_is_drawn_with_probability_p():
    n, p = 1000, 0.3
    images = batch((n, 1, 8, 8), seed=4)
    torch.manual_seed(1)
    out = ClassicAugmentation(p=p, translate=0.0, degrees=0.0, scale=[1.0, 1.0])(images)
    flipped = (out - images.flip(-1)).flatten(1).abs().amax(1) < 1e-5
    kept = (out - images).flatten(1).abs().amax(1) < 1e-5
    assert bool((flipped ^ kept).all())
    assert abs(float(flipped.float().mean()) - p) < 5 * (p * (1 - p) / n) ** 0.5


def test_reflection_padding_adds_no_frame_and_fill_pads_with_minus_one():
    constant = torch.full((64, 3, 16, 16), 0.5)
    torch.manual_seed(2)
    reflected = ClassicAugmentation(p=1.0, translate=0.125, degrees=10.0, padding="reflection")(constant)
    assert torch.allclose(reflected, constant, atol=1e-5)
    torch.manual_seed(2)
    filled = ClassicAugmentation(p=1.0, translate=0.125, degrees=10.0, padding="fill")(constant)
    assert filled.min() >= -1.0 - 1e-6 and filled.max() <= 0.5 + 1e-6
    assert (filled < -0.99).any()  # pixels that came from outside are the -1 background
    assert torch.allclose(filled[:, :, 6:10, 6:10], constant[:, :, 6:10, 6:10], atol=1e-5)  # the centre stays


def test_outputs_stay_in_minus_one_one():
    images = batch((32, 3, 32, 32), low=-1.0, high=1.0)
    for padding in ("reflection", "border", "fill"):
        torch.manual_seed(3)
        out = ClassicAugmentation(p=1.0, padding=padding)(images)
        assert out.min() >= -1.0 - 1e-5 and out.max() <= 1.0 + 1e-5


def test_draws_come_from_the_global_rng():
    images = batch((8, 3, 16, 16))
    augmentation = ClassicAugmentation(p=0.5)
    torch.manual_seed(7)
    first = augmentation(images)
    torch.manual_seed(7)
    assert torch.equal(augmentation(images), first)
    assert not torch.equal(augmentation(images), first)
