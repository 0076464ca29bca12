"""Resuming: a run killed with SIGKILL continues from checkpoints/last.ckpt to exactly train.steps
generator steps, with a scalar log that has every step once; bad checkpoints are named."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_lab.resume import checkpoint_summary, latest_run_with_overrides
from gan_lab.run import build_module, train
from tests.conftest import FAST, run_cli

STEPS, EVERY = 120, 20


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


def start_until_second_checkpoint(args: list[str], cwd: Path, run_dirs: Path, pattern: str) -> subprocess.Popen:
    """Start `python -m gan_lab <args>` and return it, still running, once the run directory matching
    `pattern` below `run_dirs` has its second checkpoint."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gan_lab", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.time() + 300
    while second_checkpoint(run_dirs, pattern) is None and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert second_checkpoint(run_dirs, pattern) is not None, f"{pattern} never reached its second checkpoint"
    return proc


def start_and_kill_after_second_checkpoint(args: list[str], cwd: Path, run_dirs: Path, pattern: str) -> None:
    proc = start_until_second_checkpoint(args, cwd, run_dirs, pattern)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_a_run_killed_with_sigkill_resumes_to_exactly_its_steps_with_each_step_logged_once(tmp_path):
    # no evaluation: resuming is the same code with it (its state is the checkpoint's), and it would
    # be most of this test's time
    args = [*FAST, f"train.steps={STEPS}", f"log.checkpoint_every={EVERY}", "log.every=1", "eval.enabled=false"]
    # resume=auto: the newest run of the same command below ./outputs (which resume=RUN_DIR names)
    start_and_kill_after_second_checkpoint(args, tmp_path, tmp_path / "outputs", "*/*")
    (run_dir,) = (tmp_path / "outputs").glob("*/*")
    proc = run_cli([*args, "resume=auto"], cwd=tmp_path)
    assert list((tmp_path / "outputs").glob("*/*")) == [run_dir]  # continued there, no new run directory
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((run_dir / "results.json").read_text())
    assert (results["status"], results["steps"]) == ("completed", STEPS)
    killed_at = torch.load(run_dir / "checkpoints" / f"g_step={2 * EVERY:06d}.ckpt", map_location="cpu", weights_only=True)
    assert results["resumed_at_step"] >= 2 * EVERY
    assert results["wall_time_s"] > killed_at["wall_time_s"] > 0  # the killed process's time is counted too
    assert training_steps_logged(run_dir) == list(range(STEPS))
    last = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert last["generator_steps"] == STEPS


def test_resume_auto_picks_the_newest_run_of_the_same_command_that_has_a_checkpoint(tmp_path):
    def run(name: str, overrides: list[str], checkpoint: bool, age_s: float) -> Path:
        run_dir = tmp_path / "outputs" / "2026-12-01" / name
        (run_dir / ".hydra").mkdir(parents=True)
        (run_dir / ".hydra" / "overrides.yaml").write_text("".join(f"- {item}\n" for item in overrides))
        if checkpoint:
            (run_dir / "checkpoints").mkdir()
            (run_dir / "checkpoints" / "last.ckpt").write_bytes(b"")
            os.utime(run_dir / "checkpoints" / "last.ckpt", (time.time() - age_s,) * 2)
        return run_dir

    older = run("10-00-00", ["loss=hinge", "seed=1"], checkpoint=True, age_s=100)
    newer = run("11-00-00", ["seed=1", "loss=hinge", "resume=auto"], checkpoint=True, age_s=10)  # order and resume= do not matter
    run("12-00-00", ["loss=hinge", "seed=1"], checkpoint=False, age_s=0)  # nothing to resume from
    run("13-00-00", ["loss=hinge", "seed=2"], checkpoint=True, age_s=0)  # another command
    assert latest_run_with_overrides(["loss=hinge", "seed=1"], tmp_path / "outputs") == newer != older
    assert latest_run_with_overrides(["loss=ns"], tmp_path / "outputs") is None


def test_resume_and_generate_refuse_a_truncated_checkpoint_by_name(tmp_path):
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"
    last.parent.mkdir(parents=True)
    torch.save({"generator_steps": 3, "state_dict": {"w": torch.zeros(1000)}}, last)
    last.write_bytes(last.read_bytes()[:300])
    proc = run_cli([*FAST, f"resume={tmp_path / 'run'}"], cwd=tmp_path)
    assert proc.returncode != 0
    assert f"gan_lab: resume={tmp_path / 'run'}: {last} is not a readable gan_lab checkpoint" in proc.stderr
    proc = run_cli([f"ckpt={last}", "n=2", f"out={tmp_path / 'samples'}"], cwd=tmp_path, module="gan_lab.generate")
    assert proc.returncode != 0
    assert f"{last} is not a readable gan_lab checkpoint" in proc.stderr
    assert not (tmp_path / "samples").exists()


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


class ArbitraryObject:
    """Stands for pickled code a foreign checkpoint could carry."""


def test_a_checkpoint_that_would_run_pickled_code_is_refused_unread(tmp_path):
    path = tmp_path / "last.ckpt"
    torch.save({"generator_steps": 3, "payload": ArbitraryObject()}, path)
    with pytest.raises(ValueError, match=f"{path} is not a readable gan_lab checkpoint"):
        checkpoint_summary(path)  # weights_only=True: torch refuses to unpickle the object


def test_lecam_anchors_and_the_instance_noise_schedule_come_back_from_a_checkpoint(compose_cfg):
    cfg = compose_cfg("regularizer=[lecam,instance_noise]", "regularizer.instance_noise.anneal_steps=100")
    module = build_module(cfg, (1, 32, 32))
    lecam = next(r for r in module.regularizers if r.name == "lecam")
    lecam.anchor_real, lecam.anchor_fake = torch.tensor(0.7), torch.tensor(-1.2)
    module.generator_steps = 40
    checkpoint = {"state_dict": module.state_dict()}
    module.on_save_checkpoint(checkpoint)
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    buffer.seek(0)

    resumed = build_module(cfg, (1, 32, 32))
    resumed.on_load_checkpoint(torch.load(buffer, weights_only=True))
    lecam, noise = (next(r for r in resumed.regularizers if r.name == name) for name in ("lecam", "instance_noise"))
    assert (lecam.anchor_real.item(), lecam.anchor_fake.item()) == pytest.approx((0.7, -1.2))
    assert noise.current_std == pytest.approx(0.1 * (1 - 40 / 100))  # σ_t at t = 40, not σ_0


def test_by_default_a_run_is_checkpointed_num_checkpoints_times_evenly(compose_cfg, tmp_path):
    cfg = compose_cfg("log.checkpoint_every=null", "log.num_checkpoints=3", "train.steps=7", "eval.enabled=false")
    assert train(cfg)["status"] == "completed"
    saved = sorted(p.name for p in (tmp_path / "run" / "checkpoints").glob("g_step=*.ckpt"))
    assert saved == ["g_step=000002.ckpt", "g_step=000004.ckpt", "g_step=000006.ckpt", "g_step=000007.ckpt"]
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"
    assert last.read_bytes() == (tmp_path / "run" / "checkpoints" / "g_step=000007.ckpt").read_bytes()


class KilledBetweenWrites(Exception):
    """Stands in for a SIGKILL that lands after a checkpoint's first file is written."""


def test_a_kill_between_a_checkpoints_two_writes_never_leaves_last_ckpt_behind_a_g_step_file(compose_cfg, tmp_path, monkeypatch):
    # resume reads last.ckpt: were it older than the newest g_step file, a resumed run would repeat
    # steps it had already saved (the race the SIGKILL tests above once lost)
    import gan_lab.callbacks.checkpoint as checkpoint

    copies = []

    def copy_then_die_on_the_second_save(source: Path, target: Path) -> None:
        copies.append(target.name)
        if len(copies) == 2:
            raise KilledBetweenWrites
        shutil.copyfile(source, target)

    monkeypatch.setattr(checkpoint, "atomic_copy", copy_then_die_on_the_second_save)
    cfg = compose_cfg("log.checkpoint_every=2", "train.steps=8", "eval.enabled=false")
    with pytest.raises(KilledBetweenWrites):
        train(cfg)
    checkpoints = tmp_path / "run" / "checkpoints"
    last = torch.load(checkpoints / "last.ckpt", map_location="cpu", weights_only=True)
    saved_steps = [int(p.stem.split("=")[1]) for p in checkpoints.glob("g_step=*.ckpt")]
    assert last["generator_steps"] == 4  # the interrupted save's state
    assert saved_steps == [2] and max(saved_steps) <= last["generator_steps"]
