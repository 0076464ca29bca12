"""Resuming: a run killed with SIGKILL continues from checkpoints/last.ckpt to exactly train.steps
generator steps, with a scalar log that has every step once; bad checkpoints are named."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_lab.resume import checkpoint_summary
from tests.conftest import FAST, run_cli

STEPS, EVERY = 300, 20


def training_steps_logged(run_dir: Path) -> list[int]:
    with (run_dir / "csv" / "metrics.csv").open(newline="") as file:
        return [int(float(row["step"])) for row in csv.DictReader(file) if row.get("d_loss")]


def second_checkpoint(run_dirs: Path, pattern: str) -> Path | None:
    """`g_step=<2·EVERY>.ckpt` of the run directory matching `pattern` below `run_dirs`, once written."""
    for run_dir in run_dirs.glob(pattern):
        path = run_dir / "checkpoints" / f"g_step={2 * EVERY:06d}.ckpt"
        if path.exists():
            return path
    return None


def start_and_kill_after_second_checkpoint(args: list[str], cwd: Path, run_dirs: Path, pattern: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "gan_lab", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.time() + 240
    while second_checkpoint(run_dirs, pattern) is None and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert second_checkpoint(run_dirs, pattern) is not None, "the run never reached its second checkpoint"


@pytest.mark.parametrize("how", ["run_dir", "auto"])
def test_a_run_killed_with_sigkill_resumes_to_exactly_its_steps_with_each_step_logged_once(how, tmp_path):
    args = [*FAST, f"train.steps={STEPS}", f"log.checkpoint_every={EVERY}", "log.every=1"]
    if how == "run_dir":
        run_dir = tmp_path / "run"
        start_and_kill_after_second_checkpoint([*args, f"hydra.run.dir={run_dir}"], tmp_path, tmp_path, "run")
        proc = run_cli([*args, f"resume={run_dir}"], cwd=tmp_path)
    else:  # the newest run of the same command below ./outputs
        start_and_kill_after_second_checkpoint(args, tmp_path, tmp_path / "outputs", "*/*")
        (run_dir,) = (tmp_path / "outputs").glob("*/*")
        proc = run_cli([*args, "resume=auto"], cwd=tmp_path)
        assert list((tmp_path / "outputs").glob("*/*")) == [run_dir]  # continued there, no new run directory
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((run_dir / "results.json").read_text())
    assert (results["status"], results["steps"]) == ("completed", STEPS)
    assert training_steps_logged(run_dir) == list(range(STEPS))
    last = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert last["generator_steps"] == STEPS


def test_resume_names_a_run_dir_without_checkpoint(tmp_path):
    proc = run_cli([*FAST, f"resume={tmp_path / 'nowhere'}"], cwd=tmp_path)
    assert proc.returncode != 0
    assert f"resume={tmp_path / 'nowhere'}: there is no checkpoints/last.ckpt" in proc.stderr


@pytest.mark.parametrize("content", [b"", b"not a checkpoint", "truncated"])
def test_a_truncated_or_foreign_checkpoint_is_refused_by_name(content, tmp_path):
    path = tmp_path / "last.ckpt"
    if content == "truncated":
        torch.save({"generator_steps": 3, "state_dict": {"w": torch.zeros(1000)}}, path)
        path.write_bytes(path.read_bytes()[:200])
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{path} is not a readable gan_lab checkpoint"):
        checkpoint_summary(path)


def test_a_checkpoint_of_something_else_is_refused(tmp_path):
    path = tmp_path / "model.ckpt"
    torch.save({"state_dict": {}}, path)
    with pytest.raises(ValueError, match="is not a gan_lab checkpoint: it has no 'generator_steps'"):
        checkpoint_summary(path)
