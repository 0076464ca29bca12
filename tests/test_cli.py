"""The command line as a user runs it: `python -m gan_lab ...` in a subprocess."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import CACHE_DIR, FAST, REPO, run_cli
from tests.test_wandb_outcome import inspect_offline_run


def test_default_run_leaves_config_samples_checkpoints_scalars_and_results(digits_run):
    assert (digits_run / ".hydra" / "config.yaml").is_file()
    assert (digits_run / ".hydra" / "overrides.yaml").is_file()
    samples = sorted(p.name for p in (digits_run / "samples").glob("*.png"))
    assert samples == ["step_000002.png", "step_000004.png", "step_000006.png"]
    grid = Image.open(digits_run / "samples" / "step_000006.png")
    assert grid.size == (8 * 32 + 9 * 2, 8 * 32 + 9 * 2)  # an 8×8 grid of 32×32 digits, 2-pixel padding
    checkpoints = sorted(p.name for p in (digits_run / "checkpoints").glob("g_step=*.ckpt"))
    assert checkpoints == ["g_step=000002.ckpt", "g_step=000004.ckpt", "g_step=000006.ckpt"]
    assert (digits_run / "checkpoints" / "last.ckpt").is_file()

    results = json.loads((digits_run / "results.json").read_text())
    assert results["status"] == "completed"
    assert results["steps"] == 6
    assert results["wall_time_s"] > 0
    assert "train.steps=6" in results["overrides"]
    assert {"d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "lr_g", "lr_d"} <= set(results["metrics"])
    evaluation = {"fid", "kid", "precision", "recall", "density", "coverage", "classes_covered", "class_kl", "classifier_score"}
    assert evaluation <= set(results["metrics"])
    assert {f"{name}_floor" for name in evaluation} <= set(results["metrics"])
    assert 0 < results["metrics"]["classifier_accuracy"] <= 1
    assert (digits_run / "checkpoints" / "best.ckpt").is_file()

    with open(digits_run / "csv" / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    training_rows = [r for r in rows if r["d_loss"]]
    assert [float(r["g_step"]) for r in training_rows] == [1, 2, 3, 4, 5, 6]  # log.every=1: one row per G step
    assert [float(r["g_step"]) for r in rows if r["eval/fid"]] == [1, 2, 3, 4, 5, 6]  # eval.every = 6 // 5
    assert float(training_rows[-1]["lr_d"]) == pytest.approx(1e-4)  # conf/optimizer/adam.yaml


def test_training_length_counts_generator_steps_whatever_n_critic(tmp_path):
    """Lightning's global_step counts every optimizer step; train.steps counts G steps."""
    proc = run_cli([*FAST, "train.steps=5", "train.n_critic=3", "loss=wgan_gp", f"hydra.run.dir={tmp_path}"], cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((tmp_path / "results.json").read_text())["steps"] == 5
    with open(tmp_path / "csv" / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert max(float(r["g_step"]) for r in rows) == 5
    assert any(r["gp"] for r in rows)


def test_generate_writes_png_images_from_a_checkpoint_without_the_dataset(digits_run, tmp_path):
    out = tmp_path / "generated"
    ckpt = digits_run / "checkpoints" / "last.ckpt"
    proc = run_cli([f"ckpt={ckpt}", "n=5", f"out={out}"], cwd=tmp_path, module="gan_lab.generate")
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(out.glob("*.png"))
    assert [f.name for f in files] == [f"{i:06d}.png" for i in range(5)]
    assert Image.open(files[0]).size == (32, 32)
    assert not list(tmp_path.glob("outputs"))  # generation leaves no Hydra run directory behind


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_two_dimensional_run_and_generation_of_points(tmp_path):
    run_dir = tmp_path / "ring"
    proc = run_cli([*FAST, "dataset=ring8", f"hydra.run.dir={run_dir}"], cwd=REPO)  # the MLP comes with the dataset
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((run_dir / "results.json").read_text())
    assert results["status"] == "completed"
    assert {"modes_covered", "hq_fraction", "mode_kl", "modes_covered_floor"} <= set(results["metrics"])
    assert results["metrics"]["modes_covered_floor"] == 8
    assert (run_dir / "samples" / "step_000004.png").is_file()  # scatter of generated over real points
    out = tmp_path / "points"
    ckpt = run_dir / "checkpoints" / "last.ckpt"
    proc = run_cli([f"ckpt={ckpt}", "n=7", f"out={out}"], cwd=tmp_path, module="gan_lab.generate")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert np.load(out / "samples.npy").shape == (7, 2)


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_multirun_with_two_losses_leaves_two_run_directories_each_with_results(tmp_path):
    proc = run_cli(["-m", "loss=ns,hinge", *FAST, f"hydra.sweep.dir={tmp_path}"], cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = {p.parent.name: json.loads(p.read_text()) for p in tmp_path.glob("*/results.json")}
    assert [r["status"] for r in results.values()] == ["completed", "completed"]
    assert {r["overrides"][0] for r in results.values()} == {"loss=ns", "loss=hinge"}
    # each member's directory is named by its swept value, so that a re-run finds it again
    assert all(name == result["overrides"][0] for name, result in results.items())  # loss=ns/, loss=hinge/


def test_unknown_option_lists_the_valid_ones(tmp_path):
    proc = run_cli(["loss=nonexistent", f"hydra.run.dir={tmp_path}"], cwd=REPO)
    assert proc.returncode != 0
    assert "Could not find 'loss/nonexistent'" in proc.stderr
    for option in ["hinge", "lsgan", "minimax", "ns", "wgan", "wgan_gp"]:
        assert option in proc.stderr


def imported_modules(stderr: str) -> set[str]:
    """The modules a process imported, from the lines PYTHONPROFILEIMPORTTIME=1 writes to stderr."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("args", [["--cfg", "job"], ["--help"], ["loss=nonexistent"]], ids=" ".join)
def test_the_config_is_composed_and_a_mistake_refused_before_torch_is_imported(args, tmp_path):
    """Printing the config, the help and refusing a mistyped option are Hydra's work alone: torch,
    Lightning and torchmetrics (6–9 s of a 2-core CPU's start-up) are imported once a run starts."""
    proc = run_cli([*args, f"hydra.run.dir={tmp_path}"], cwd=REPO, env={"PYTHONPROFILEIMPORTTIME": "1"})
    modules = imported_modules(proc.stderr)
    assert "hydra" in modules and "gan_lab.cli" in modules  # the lines were there to read
    assert not modules & {"torch", "pytorch_lightning", "torchmetrics", "torchvision"}
    assert (proc.returncode == 0) == (args != ["loss=nonexistent"]), proc.stderr[-2000:]
    if args == ["--cfg", "job"]:
        assert "batch_size: 64" in proc.stdout


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_wandb_without_network_or_key_logs_offline_with_scalars_and_sample_images(tmp_path):
    run_dir = tmp_path / "run"
    env = {"HOME": str(tmp_path), "WANDB_API_KEY": "", "WANDB_MODE": "", "NETRC": str(tmp_path / "no-netrc")}
    probe = ["probe=[latent_noise]", "probe.latent_noise.levels=[0,0.5]", "probe.latent_noise.num_samples=20"]
    proc = run_cli([*FAST, "logger=wandb", *probe, f"hydra.run.dir={run_dir}"], cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (offline_run,) = (run_dir / "wandb").glob("offline-run-*")
    (records,) = offline_run.glob("run-*.wandb")  # the run's protobuf records, what `wandb sync` uploads
    sync = subprocess.run(
        [str(Path(sys.executable).parent / "wandb"), "sync", "--dry-run", str(offline_run)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )
    assert "Would sync 1 run(s)" in sync.stdout + sync.stderr
    logged = records.read_bytes()
    probe_and_stability = [b"probe/latent_noise/level", b"probe/latent_noise/feature_sensitivity", b"stability/grad_spikes_d"]
    for key in [b"d_loss", b"g_loss", b"d_real", b"d_fake", b"grad_norm_d", b"G-step 2", b"G-step 4", *probe_and_stability]:
        assert key in logged, key
    assert len(list((offline_run / "files" / "media" / "images").glob("samples_*.png"))) == 2  # G-steps 2 and 4
    assert (run_dir / "csv" / "metrics.csv").is_file()  # CSV stays on alongside W&B
    read = inspect_offline_run(run_dir)  # W&B's own reader: the config by group option, the outcome
    assert read["config"]["choices"]["loss"] == "ns" and read["config"]["choices"]["probe"] == ["latent_noise"]
    assert read["summary"]["steps"] == 4 and "final/fid" in read["summary"]


def test_evaluate_prints_the_metrics_table_of_a_checkpoint_with_its_floor(digits_run, tmp_path):
    ckpt = digits_run / "checkpoints" / "last.ckpt"
    args = [f"ckpt={ckpt}", f"paths.cache_dir={CACHE_DIR}", "eval.classifier_steps=50"]  # as the run was evaluated
    proc = run_cli(args, cwd=tmp_path, module="gan_lab.evaluate")
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = {line.split()[0]: line.split()[1:] for line in proc.stdout.strip().splitlines()[1:]}
    assert {"fid", "kid", "precision", "recall", "classes_covered", "classifier_accuracy"} <= set(table)
    assert len(table["fid"]) == 2  # value and floor
    results = json.loads((digits_run / "results.json").read_text())["metrics"]
    assert float(table["fid"][1]) == pytest.approx(results["fid_floor"], rel=1e-3)  # the same floor as in training
