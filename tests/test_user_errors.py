"""Every bad input the README lists ends in one line naming the key or path, and exit code 2;
HYDRA_FULL_ERROR=1 still shows the traceback, and a bug of ours keeps it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gan_lab.errors import user_error_message
from tests.conftest import CACHE_DIR, FAST, start_cli

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


def nan_samples(folder: Path) -> Path:
    """Four grey 32×32 samples, one with a NaN pixel."""
    samples = np.full((4, 1, 32, 32), 0.5, np.float32)
    samples[2, 0, 3, 3] = np.nan
    np.save(folder / "nan.npy", samples)
    return folder / "nan.npy"


# The other programs' mistakes: (module, its arguments in a fresh folder, its exact one line there).
OTHER_PROGRAMS = {
    "generate: a missing checkpoint": (
        "gan_lab.generate",
        lambda d: [f"ckpt={d / 'none.ckpt'}", f"out={d / 'out'}"],
        lambda d: f"gan_lab.generate: ckpt={str(d / 'none.ckpt')!r}: no such checkpoint file",
    ),
    "evaluate: samples holding NaN": (
        "gan_lab.evaluate",
        lambda d: [f"samples={nan_samples(d)}", "dataset=digits", f"paths.cache_dir={CACHE_DIR}", "eval.classifier_steps=50"],
        lambda d: f"gan_lab.evaluate: samples={str(d / 'nan.npy')!r}: 1 of 4 samples contain NaN or infinite values",
    ),
    "evaluate: samples without a dataset": (
        "gan_lab.evaluate",
        lambda d: [f"samples={d / 'nan.npy'}"],
        lambda d: f"gan_lab.evaluate: samples={d / 'nan.npy'} needs the dataset to score against: "
        "add dataset=NAME (e.g. dataset=digits)",
    ),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every case's command line, run at once (each is mostly Python's and Lightning's start-up):
    {case: (return code, stderr, run directory)}."""
    started = {}
    for case, (overrides, _) in CASES.items():
        run_dir = tmp_path_factory.mktemp("run")
        started[case] = (start_cli([*FAST, *overrides, f"hydra.run.dir={run_dir}"], cwd=run_dir), run_dir)
    for case, (module, arguments, _) in OTHER_PROGRAMS.items():
        folder = tmp_path_factory.mktemp("other")
        started[case] = (start_cli(arguments(folder), cwd=folder, module=module), folder)
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


@pytest.mark.parametrize("case", OTHER_PROGRAMS)
def test_generate_and_evaluate_refuse_a_mistake_in_one_line_with_exit_code_2(case, outcomes):
    returncode, stderr, folder = outcomes[case]
    assert returncode == 2, stderr[-2000:]
    assert stderr.strip().splitlines() == [OTHER_PROGRAMS[case][2](folder)]


def test_hydra_full_error_shows_the_traceback_of_a_users_mistake(outcomes):
    returncode, stderr, _ = outcomes[FULL_ERROR]
    assert returncode != 0
    assert "Traceback" in stderr and "train.n_critic must be an integer >= 1, got 0" in stderr


def test_a_bug_is_not_mistaken_for_a_users_mistake():
    assert user_error_message(TypeError("unsupported operand")) is None
    assert user_error_message(RuntimeError("CUDA error")) is None
    assert user_error_message(ValueError("train.steps must be >= 1\ndetails")) == "train.steps must be >= 1"
