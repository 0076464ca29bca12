"""Bad top-level settings fail before anything is built, naming the key and the allowed values."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from gan_lab.settings import check_settings


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.n_critic=0", "train.n_critic must be an integer >= 1, got 0"),
        ("train.batch_size=0", "train.batch_size must be an integer >= 1, got 0"),
        ("train.batch_size=-8", "train.batch_size must be an integer >= 1, got -8"),
        ("train.steps=0", "train.steps must be an integer >= 1, got 0"),
        ("train.ema_decay=1", "train.ema_decay must be a number in [0, 1) (0 turns the EMA off), got 1.0"),
        ("optimizer.lr_d=0", "optimizer.lr_d must be a number > 0, got 0"),
        ("optimizer.lr_g=-1e-4", "optimizer.lr_g must be a number > 0, got -0.0001"),
        ("log.every=0", "log.every must be an integer >= 1, got 0"),
        ("log.checkpoint_every=-1", "log.checkpoint_every must be an integer >= 0 or null, got -1"),
        ("log.num_checkpoints=0", "log.num_checkpoints must be an integer >= 1, got 0"),
        ("seed=abc", "seed must be an integer, got 'abc'"),
    ],
)
def test_an_out_of_range_setting_is_named_with_its_allowed_values(override, message, compose_cfg):
    with pytest.raises(ValueError) as info:
        check_settings(compose_cfg(override))
    assert str(info.value) == message


def test_the_defaults_are_the_settings_dataclasses_and_pass_the_checks(compose_cfg):
    from gan_lab.settings import LogSettings, TrainSettings

    defaults = compose_cfg(fast=False)
    check_settings(defaults)  # raises on a bad value
    assert OmegaConf.to_object(defaults.train) == TrainSettings()  # one place for a default: the dataclass
    assert OmegaConf.to_object(defaults.log) == LogSettings()
    fast = compose_cfg()
    check_settings(fast)
    assert (fast.train.steps, fast.train.batch_size) == (4, 8)


def test_a_value_of_the_wrong_type_fails_when_the_config_is_composed_naming_the_key(compose_cfg):
    """train.* and log.* are typed (gan_lab/settings.py, registered in Hydra's ConfigStore)."""
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException) as info:
        compose_cfg("train.steps=2.5")
    assert "train.steps" in str(info.value) + str(info.value.__cause__)


def test_every_training_setting_reaches_the_module_without_a_hand_mapping(compose_cfg):
    from gan_lab.run import build_module

    cfg = compose_cfg("train.n_critic=3", "train.ema_decay=0", "train.channels_last=true", "train.compile.mode=max-autotune")
    module = build_module(cfg, (1, 32, 32))
    assert (module.settings.n_critic, module.settings.ema_decay, module.ema) == (3, 0.0, None)
    assert module.settings.channels_last is True and module.settings.compile.mode == "max-autotune"
    assert module.hparams.train == OmegaConf.to_container(cfg.train)  # what a checkpoint records


def test_the_module_refuses_an_unknown_or_out_of_range_training_setting_with_the_same_checks():
    from gan_lab.settings import TrainSettings

    with pytest.raises(ValueError, match=r"train.n_critic must be an integer >= 1, got 0"):
        TrainSettings.from_dict({"n_critic": 0})
    with pytest.raises(ValueError, match=r"train.ncritic is not a training setting"):
        TrainSettings.from_dict({"ncritic": 5})


def test_parallel_members_share_the_cores_and_an_explicit_thread_count_wins(compose_cfg):
    from gan_lab.settings import cpu_threads

    assert cpu_threads(None, parallel_members=1, cores=16) is None  # one run at a time: torch's default
    assert cpu_threads(None, parallel_members=4, cores=16) == 4
    assert cpu_threads(None, parallel_members=3, cores=2) == 1  # never 0
    assert cpu_threads(6, parallel_members=4, cores=16) == 6
    with pytest.raises(ValueError, match=r"train\.num_threads must be an integer >= 1 or null, got 0"):
        check_settings(compose_cfg("train.num_threads=0"))
