"""Bad top-level settings fail before anything is built, naming the key and the allowed values."""

from __future__ import annotations

import pytest

from gan_lab.settings import check_settings
from tests.conftest import FAST, run_cli


@pytest.mark.parametrize(
    "override, message",
    [
        ("train.n_critic=0", "train.n_critic must be an integer >= 1, got 0"),
        ("train.batch_size=0", "train.batch_size must be an integer >= 1, got 0"),
        ("train.batch_size=-8", "train.batch_size must be an integer >= 1, got -8"),
        ("train.steps=0", "train.steps must be an integer >= 1, got 0"),
        ("train.steps=2.5", "train.steps must be an integer >= 1, got 2.5"),
        ("train.ema_decay=1", "train.ema_decay must be a number in [0, 1) (0 turns the EMA off), got 1"),
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


def test_the_defaults_and_the_fast_test_settings_pass(compose_cfg):
    check_settings(compose_cfg(fast=False))
    check_settings(compose_cfg())


def test_n_critic_zero_on_the_command_line_fails_before_training_naming_n_critic(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli([*FAST, "train.n_critic=0", f"hydra.run.dir={run_dir}"], cwd=tmp_path)
    assert proc.returncode != 0
    assert "train.n_critic must be an integer >= 1, got 0" in proc.stderr
    assert "train.batch_size must" not in proc.stderr  # not a misleading message about batch × n_critic
    assert not (run_dir / "checkpoints").exists() and not (run_dir / "csv").exists()  # nothing was trained
