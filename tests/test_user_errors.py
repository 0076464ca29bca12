"""Every bad input the README lists ends in one line naming the key or path, and exit code 2;
HYDRA_FULL_ERROR=1 still shows the traceback, and a bug of ours keeps it."""

from __future__ import annotations

import pytest

from gan_lab.errors import user_error_message
from tests.conftest import FAST, run_cli

CASES = {
    "missing dataset root": (
        ["dataset=image_folder"],
        "gan_lab: dataset.root is required for dataset=image_folder: set dataset.root=...",
    ),
    "setting out of range": (["train.n_critic=0"], "gan_lab: train.n_critic must be an integer >= 1, got 0"),
    "impossible combination": (["dataset=ring8", "model=dcgan"], "gan_lab: model=dcgan makes square images"),
    "penalty counted twice": (["loss=wgan_gp", "regularizer=[gp]"], "gan_lab: regularizer=[gp] repeats the gp regularizer"),
    "nothing to resume": (["resume=/nonexistent/run"], "gan_lab: resume=/nonexistent/run: there is no checkpoints/last.ckpt"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_users_mistake_is_one_line_naming_the_key_and_exit_code_2(case, tmp_path):
    overrides, expected = CASES[case]
    proc = run_cli([*FAST, *overrides, f"hydra.run.dir={tmp_path / 'run'}"], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(expected), proc.stderr[-2000:]


def test_hydra_full_error_shows_the_traceback_of_a_users_mistake(tmp_path):
    proc = run_cli([*FAST, "train.n_critic=0", f"hydra.run.dir={tmp_path}"], cwd=tmp_path, env={"HYDRA_FULL_ERROR": "1"})
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "train.n_critic must be an integer >= 1, got 0" in proc.stderr


def test_a_bug_is_not_mistaken_for_a_users_mistake():
    assert user_error_message(TypeError("unsupported operand")) is None
    assert user_error_message(RuntimeError("CUDA error")) is None
    assert user_error_message(ValueError("train.steps must be >= 1\ndetails")) == "train.steps must be >= 1"


def test_generate_refuses_a_missing_checkpoint_in_one_line(tmp_path):
    proc = run_cli([f"ckpt={tmp_path / 'none.ckpt'}", f"out={tmp_path / 'out'}"], cwd=tmp_path, module="gan_lab.generate")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"gan_lab.generate: ckpt={str(tmp_path / 'none.ckpt')!r}: no such checkpoint file"
    ]
