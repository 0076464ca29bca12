"""ADA: the p controller (Karras et al. 2020, Sec. 3.2) against the update written out by hand, its state
in checkpoints, and the pipeline's parts in isolation."""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn

from gan_lab.augmentations import AdaptiveAugmentation
from gan_lab.run import build_module
from tests.augmentations.helpers import batch, matching_shift


def feed(ada: AdaptiveAugmentation, logits: torch.Tensor, times: int) -> None:
    for _ in range(times):
        ada.observe(logits)


def test_p_rises_by_batch_times_interval_over_speed_when_d_is_overconfident_on_reals():
    ada = AdaptiveAugmentation(p=0.0, target=0.6, interval=4, speed_images=1000)
    feed(ada, torch.ones(8), 3)
    assert float(ada.p) == 0.0  # no update before the interval is complete
    feed(ada, torch.full((8, 1), 2.5), 1)
    assert float(ada.p) == pytest.approx(8 * 4 / 1000)
    assert ada.scalars() == pytest.approx({"ada_p": 0.032, "ada_rt": 1.0})
    feed(ada, torch.ones(8), 4)
    assert float(ada.p) == pytest.approx(0.064)


@pytest.mark.parametrize("logits, rt", [(-torch.ones(16), -1.0), (torch.tensor([1.0, 1.0, 1.0, -1.0] * 4) * 3, 0.5)])
def test_p_falls_when_rt_is_below_target(logits, rt):
    ada = AdaptiveAugmentation(p=0.5, target=0.6, interval=2, speed_images=3200)
    feed(ada, logits, 2)
    assert float(ada.p) == pytest.approx(0.5 - 16 * 2 / 3200)
    assert ada.scalars()["ada_rt"] == pytest.approx(rt)


def test_p_holds_when_rt_equals_target_and_rt_counts_zero_logits_as_zero():
    ada = AdaptiveAugmentation(p=0.3, target=0.5, interval=1, speed_images=100)
    ada.observe(torch.tensor([1.0, 1.0, 1.0, -1.0]))
    assert float(ada.p) == pytest.approx(0.3) and ada.scalars()["ada_rt"] == pytest.approx(0.5)
    ada.observe(torch.tensor([1.0, 0.0, 0.0, 0.0]))
    assert ada.scalars()["ada_rt"] == pytest.approx(0.25) and float(ada.p) == pytest.approx(0.26)


def test_rt_is_averaged_over_all_steps_of_the_interval():
    ada = AdaptiveAugmentation(p=0.5, target=0.6, interval=2, speed_images=1000)
    ada.observe(torch.ones(10))
    ada.observe(-torch.ones(10))
    assert ada.scalars()["ada_rt"] == pytest.approx(0.0) and float(ada.p) == pytest.approx(0.48)


def test_p_stays_in_zero_one():
    ada = AdaptiveAugmentation(p=0.99, target=0.6, interval=1, speed_images=100)
    feed(ada, torch.ones(8), 5)
    assert float(ada.p) == 1.0
    feed(ada, -torch.ones(8), 20)
    assert float(ada.p) == 0.0
    torch.manual_seed(0)
    for _ in range(50):
        ada.observe(torch.randn(8) + 0.5)
        assert 0.0 <= float(ada.p) <= 1.0


def test_p_survives_a_state_dict_round_trip_through_a_checkpoint_file():
    holder = nn.Module()
    holder.augment = AdaptiveAugmentation(p=0.0, interval=1, speed_images=100)
    feed(holder.augment, torch.ones(10), 3)
    assert float(holder.augment.p) == pytest.approx(0.3)
    assert {"augment.p", "augment.rt"} <= set(holder.state_dict())
    buffer = io.BytesIO()
    torch.save(holder.state_dict(), buffer)
    buffer.seek(0)

    restored = nn.Module()
    restored.augment = AdaptiveAugmentation(p=0.0, interval=1, speed_images=100)
    restored.load_state_dict(torch.load(buffer))
    assert float(restored.augment.p) == pytest.approx(0.3)
    assert restored.augment.scalars() == pytest.approx({"ada_p": 0.3, "ada_rt": 1.0})
    images = batch((4, 3, 16, 16))
    torch.manual_seed(0)
    assert not torch.equal(restored.augment(images), images)  # the restored p is the one used
    feed(restored.augment, torch.ones(10), 1)
    assert float(restored.augment.p) == pytest.approx(0.4)


def test_p_is_part_of_the_gan_modules_state(compose_cfg):
    cfg = compose_cfg("augmentation=ada", "augmentation.interval=1", "augmentation.speed_images=80")
    module = build_module(cfg, (1, 32, 32))
    module.augment.observe(torch.ones(8))
    assert module.state_dict()["augment.p"] == pytest.approx(0.1)
    restored = build_module(cfg, (1, 32, 32))
    restored.load_state_dict(module.state_dict())
    assert restored.augment.scalars()["ada_p"] == pytest.approx(0.1)


def test_p_one_is_differentiable_for_fake_images():
    ada = AdaptiveAugmentation(p=1.0)
    assert ada.applies_to_fake is True
    fake = batch((4, 3, 16, 16)).requires_grad_(True)
    torch.manual_seed(1)
    out = ada.fake(fake)
    (out * torch.linspace(-1, 1, out.numel()).view_as(out)).sum().backward()
    assert torch.isfinite(fake.grad).all() and fake.grad.abs().sum() > 0


class BlitOnly(AdaptiveAugmentation):
    """Flip and integer translation only (no scaling, rotation or colour change)."""

    scale_std = rotate_max = brightness_std = contrast_std = saturation_std = 0.0


def test_flip_and_integer_translation_move_whole_pixels_with_reflection_padding():
    images = batch((24, 1, 16, 16))
    torch.manual_seed(2)
    out = BlitOnly(p=1.0)(images)
    flipped = 0
    for image, moved in zip(images, out):
        plain = matching_shift(moved, image, max_shift=2, fill=None)
        mirrored = matching_shift(moved, image.flip(-1), max_shift=2, fill=None)
        assert plain is not None or mirrored is not None
        flipped += plain is None
    assert 0 < flipped < len(images)  # a fair coin when the flip is drawn


class BrightnessAndContrastOnly(AdaptiveAugmentation):
    scale_std = rotate_max = translate_max = saturation_std = 0.0


def test_colour_adds_brightness_with_std_0_2_and_scales_contrast_about_zero_by_2_to_the_n_0_0_5():
    n = 2000
    torch.manual_seed(3)
    flat = torch.zeros(n, 1, 4, 4)
    shift = BrightnessAndContrastOnly(p=1.0)(flat)  # a flip does nothing here: (0 + b)·c, b ~ N(0, 0.2²)
    assert torch.allclose(shift, shift[:, :1, :1, :1].expand_as(shift))
    shift = shift[:, 0, 0, 0]
    assert abs(float(shift.mean())) < 0.02 and 0.15 < float(shift.std()) < 0.3

    class ContrastOnly(BrightnessAndContrastOnly):
        brightness_std = 0.0

    ada = ContrastOnly(p=1.0)
    ada.geometric = lambda x, p: x  # no flip
    images = batch((n, 1, 4, 4))
    ratio = ada(images) / images
    assert torch.allclose(ratio, ratio[:, :1, :1, :1].expand_as(ratio), rtol=1e-5)  # about 0, per sample
    log2 = ratio[:, 0, 0, 0].log2()
    assert abs(float(log2.mean())) < 0.05 and abs(float(log2.std()) - 0.5) < 0.05


def test_each_part_is_applied_with_probability_p():
    n, p = 2000, 0.4
    ada = BlitOnly(p=p)
    ada.translate_max = 0.0  # flips only: applied with p, then a fair coin
    images = batch((n, 1, 4, 4))
    torch.manual_seed(4)
    out = ada(images)
    flipped = (out - images.flip(-1)).flatten(1).abs().amax(1) < 1e-5
    assert abs(float(flipped.float().mean()) - p / 2) < 5 * (p / 2 * (1 - p / 2) / n) ** 0.5
