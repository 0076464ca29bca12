"""What every augmentation option shares: its YAML, the identity at p = 0, shapes, config errors."""

from __future__ import annotations

import inspect

import pytest
import torch
from hydra.utils import instantiate
from omegaconf import OmegaConf

from gan_lab.augmentations import AdaptiveAugmentation, Augmentation, ClassicAugmentation, DiffAugment, NoAugmentation
from gan_lab.run import CONF_DIR
from tests.augmentations.helpers import batch

OPTIONS = {
    "none": NoAugmentation,
    "classic": ClassicAugmentation,
    "diffaug": DiffAugment,
    "ada": AdaptiveAugmentation,
}


def from_yaml(option: str, **overrides):
    cfg = OmegaConf.load(CONF_DIR / "augmentation" / f"{option}.yaml")
    return instantiate(OmegaConf.merge(cfg, overrides))


def variants() -> dict[str, dict]:
    """YAMLs that are another option with some knobs changed (their defaults list names it)."""
    loaded = {path.stem: OmegaConf.load(path) for path in (CONF_DIR / "augmentation").glob("*.yaml")}
    return {stem: cfg for stem, cfg in loaded.items() if "defaults" in cfg}


def test_every_yaml_is_an_option_here():
    stems = {path.stem for path in (CONF_DIR / "augmentation").glob("*.yaml")}
    assert stems - set(variants()) == set(OPTIONS)


def test_classic_noflip_is_classic_without_flips(compose_cfg):
    assert list(variants()) == ["classic_noflip"]
    noflip, classic = compose_cfg("augmentation=classic_noflip").augmentation, compose_cfg("augmentation=classic").augmentation
    assert classic.flip is True and noflip.flip is False
    assert {**noflip, "flip": True} == {**classic}  # every other knob as in classic.yaml
    augmentation = instantiate(noflip)
    assert type(augmentation) is ClassicAugmentation and augmentation.flip is None  # no flip module at all


@pytest.mark.parametrize("option", OPTIONS)
def test_yaml_builds_its_class_and_sets_every_knob(option):
    cfg = OmegaConf.load(CONF_DIR / "augmentation" / f"{option}.yaml")
    parameters = inspect.signature(OPTIONS[option].__init__).parameters.values()
    knobs = {p.name for p in parameters if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    assert set(cfg) - {"_target_"} == knobs
    augmentation = instantiate(cfg)
    assert type(augmentation) is OPTIONS[option]
    assert isinstance(augmentation, Augmentation) and isinstance(augmentation, torch.nn.Module)


@pytest.mark.parametrize("option", ["classic", "diffaug", "ada"])
@pytest.mark.parametrize("shape", [(3, 1, 8, 8), (2, 3, 32, 32), (2, 3, 64, 64)])
def test_p_zero_is_the_identity_on_real_and_fake(option, shape):
    augmentation = from_yaml(option, p=0.0)
    images = batch(shape)
    torch.manual_seed(0)
    assert torch.equal(augmentation(images), images)
    assert torch.equal(augmentation.fake(images), images)


@pytest.mark.parametrize("option", ["classic", "diffaug", "ada"])
@pytest.mark.parametrize("shape", [(3, 1, 8, 8), (2, 3, 32, 32), (2, 1, 64, 64)])
def test_full_strength_keeps_shape_and_dtype_and_stays_finite_and_bounded(option, shape):
    augmentation = from_yaml(option, p=1.0)
    images = batch(shape)
    torch.manual_seed(1)
    out = augmentation(images)
    assert out.shape == images.shape and out.dtype == images.dtype
    assert torch.isfinite(out).all()
    # colour changes may leave [-1, 1] (as in the papers); classic has no colour change
    assert out.abs().max() <= {"classic": 1.0 + 1e-5, "diffaug": 6.0, "ada": 20.0}[option]


@pytest.mark.parametrize(
    "option, key, value",
    [
        ("classic", "p", 2),
        ("diffaug", "p", -0.1),
        ("ada", "p", 1.5),
        ("classic", "translate", 1.0),
        ("classic", "scale", [1.1, 0.9]),
        ("classic", "padding", "zeros"),
        ("diffaug", "policy", ["color", "flip"]),
        ("diffaug", "cutout_ratio", 0.0),
        ("ada", "target", 2.0),
        ("ada", "interval", 0),
        ("ada", "speed_images", 0),
    ],
)
def test_bad_knobs_raise_value_errors_that_name_the_config_key(option, key, value):
    with pytest.raises(ValueError, match=rf"augmentation\.{key}"):
        OPTIONS[option](**{key: value})


def test_the_p_error_message_reads_as_documented():
    with pytest.raises(ValueError, match=r"^augmentation\.p must be in \[0, 1\], got 2$"):
        ClassicAugmentation(p=2)
