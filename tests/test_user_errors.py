"""Every bad input the README lists ends in one line naming the key or path, and exit code 2;
HYDRA_FULL_ERROR=1 still shows the traceback, and a bug of ours keeps it."""

from __future__ import annotations

import json

import pytest

from gan_lab.errors import user_error_message
from tests.conftest import FAST, run_cli, start_cli

# Each case: the command line's overrides, and how its one line of stderr starts.
CASES = {
    "missing dataset root": (
        ["dataset=image_folder"],
        "gan_lab: dataset.root is required for dataset=image_folder: set dataset.root=...",
    ),
    "setting out of range": (["train.n_critic=0"], "gan_lab: train.n_critic must be an integer >= 1, got 0"),
    "impossible combination": (["dataset=ring8", "model=dcgan"], "gan_lab: model=dcgan makes square images"),
    "corruption of 2-D points": (["dataset=ring8", "corruption=blur"], "gan_lab: corruption=blur applies to images"),
    "negative level": (["corruption.level=-1"], "gan_lab: corruption.level must be in [0, inf) for none, got -1"),
    "level above one": (
        ["corruption=missing", "corruption.level=1.5"],
        "gan_lab: corruption.level must be in [0, 1] for missing, got 1.5",
    ),
    "penalty counted twice": (["loss=wgan_gp", "regularizer=[gp]"], "gan_lab: regularizer=[gp] repeats the gp regularizer"),
    "nothing to resume": (
        ["resume=/nonexistent/run"],
        "gan_lab: resume=/nonexistent/run: there is no checkpoints/last.ckpt in '/nonexistent/run' to resume from",
    ),
}
FULL_ERROR = "train.n_critic=0 with HYDRA_FULL_ERROR=1"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every case's command line, run at once (each is mostly Python's and Lightning's start-up):
    {case: (return code, stderr, run directory)}."""
    started = {}
    for case, (overrides, _) in CASES.items():
        run_dir = tmp_path_factory.mktemp("run")
        started[case] = (start_cli([*FAST, *overrides, f"hydra.run.dir={run_dir}"], cwd=run_dir), run_dir)
    run_dir = tmp_path_factory.mktemp("run")
    started[FULL_ERROR] = (
        start_cli([*FAST, "train.n_critic=0", f"hydra.run.dir={run_dir}"], cwd=run_dir, env={"HYDRA_FULL_ERROR": "1"}),
        run_dir,
    )
    finished = {case: (proc.communicate(timeout=300)[1], run_dir) for case, (proc, run_dir) in started.items()}
    return {case: (started[case][0].returncode, stderr, run_dir) for case, (stderr, run_dir) in finished.items()}


@pytest.mark.parametrize("case", CASES)
def test_a_users_mistake_is_one_line_naming_the_key_and_exit_code_2(case, outcomes):
    returncode, stderr, run_dir = outcomes[case]
    assert returncode == 2, stderr[-2000:]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(CASES[case][1]), stderr[-2000:]
    assert not (run_dir / "checkpoints").exists() and not (run_dir / "csv").exists()  # nothing was trained
    if (run_dir / "results.json").is_file():  # the run records its failure, and that it made no step
        results = json.loads((run_dir / "results.json").read_text())
        assert (results["status"], results["steps"]) == ("failed", 0) and lines[0].removeprefix("gan_lab: ") in results["error"]


def test_hydra_full_error_shows_the_traceback_of_a_users_mistake(outcomes):
    returncode, stderr, _ = outcomes[FULL_ERROR]
    assert returncode != 0
    assert "Traceback" in stderr and "train.n_critic must be an integer >= 1, got 0" in stderr


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
