"""A run's whole outcome in W&B, read back from the offline run files with W&B's own reader
(`wandb leet inspect --summary --json`): a completed and a diverged run, and the config as composed
(each group's option by name comes from Hydra's runtime: tests/test_cli.py checks it through the CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gan_lab.loggers.wandb import run_outcome
from gan_lab.run import train


def leet_inspect(run_dir: Path, *options: str) -> str:
    (offline_run,) = (run_dir / "wandb").glob("offline-run-*")
    wandb_cli = Path(sys.executable).parent / "wandb"
    proc = subprocess.run([str(wandb_cli), "leet", "inspect", *options, "--json", str(offline_run)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def inspect_offline_run(run_dir: Path) -> dict:
    """The run's state, summary and config, as W&B's reader gives them."""
    return json.loads(leet_inspect(run_dir, "--summary"))


def records(run_dir: Path, kind: str) -> list[dict]:
    """The run's transaction-log records of one kind ("history", "metric", …)."""
    return [r[kind] for r in map(json.loads, leet_inspect(run_dir).splitlines()) if r.get("type") == kind]


@pytest.fixture
def offline_wandb(monkeypatch, tmp_path):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("HOME", str(tmp_path))


def test_a_completed_run_carries_its_status_final_metrics_and_stability_into_the_summary(offline_wandb, compose_cfg, tmp_path):
    results = train(compose_cfg("logger=wandb", "train.steps=6"))
    read = inspect_offline_run(tmp_path / "run")
    summary = read["summary"]
    assert summary["status"] in ("completed", "collapsed") and summary["steps"] == 6
    assert summary["final/fid"] == pytest.approx(results["metrics"]["fid"])
    assert summary["final/fid_floor"] == pytest.approx(results["metrics"]["fid_floor"])
    assert summary["final/fid/floor"] == pytest.approx(results["metrics"]["fid"] / results["metrics"]["fid_floor"])
    assert summary["stability/grad_spikes_d"] == results["stability"]["grad_spikes_d"]
    config = read["config"]
    assert config["train"]["steps"] == 6 and config["loss"]["_target_"] == "gan_lab.losses.NonSaturatingLoss"
    assert "sample_shape" not in config and "generator" not in config  # the module's hparams stay in checkpoints
    # eval/* is plotted against the generator step, and every evaluation row carries it
    axes = {m.get("glob_name") or m.get("name"): m.get("step_metric") for m in records(tmp_path / "run", "metric")}
    assert axes["eval/*"] == "g_step" and axes["d_loss"] == "g_step"
    rows = [row["item"] for row in records(tmp_path / "run", "history") if "eval/fid" in row["item"]]
    assert [row["g_step"] for row in rows] == [1, 2, 3, 4, 5, 6]


def test_a_diverged_run_shows_as_diverged_with_its_step(offline_wandb, compose_cfg, tmp_path):
    cfg = compose_cfg("logger=wandb", "loss._target_=tests.nan_injection.NaNAfterLoss", "+loss.after=3", "train.steps=6")
    assert train(cfg)["status"] == "diverged"
    summary = inspect_offline_run(tmp_path / "run")["summary"]
    assert summary["status"] == "diverged" and summary["diverged_at_step"] == 4 and summary["diverged_quantity"] == "d_loss"
    assert "lower learning rate" in summary["error"]


def test_a_collapsed_run_is_named_so_and_probes_are_flattened_by_level():
    outcome = run_outcome({
        "status": "completed", "steps": 10, "metrics": {"fid": 6.0, "fid_floor": 2.0},
        "stability": {"collapsed": True, "collapsed_at_step": 8, "fid_cv": None},
        "probes": {"d_attack": {"0.0": {"accuracy": 0.7}, "0.5": {"accuracy": 0.1}}},
    })  # fmt: skip
    assert outcome["status"] == "collapsed" and outcome["stability/collapsed_at_step"] == 8
    assert "stability/fid_cv" not in outcome and outcome["final/fid/floor"] == 3.0
    assert outcome["probe/d_attack/0.5/accuracy"] == 0.1


def test_the_report_goes_to_the_studys_group_as_a_report_run_with_its_tables_and_plots(offline_wandb, tmp_path):
    from gan_lab.report import build_report
    from gan_lab.report.wandb_upload import upload_report
    from tests.test_report import write_run

    study = tmp_path / "studies" / "noise_sweep"  # where the preset puts it
    for seed in (0, 1):
        write_run(study / str(seed), ["corruption.level=0.1", f"seed={seed}"], metrics={"fid": 5.0 + seed, "fid_floor": 2.0})
    contents = build_report([study], out=tmp_path / "report")
    run_dir = upload_report(contents, offline=True)
    assert run_dir.parent == tmp_path / "report" / "wandb"
    (run,) = records(tmp_path / "report", "run")
    assert (run["run_group"], run["job_type"]) == ("noise_sweep", "report")  # the runs' group
    summary = inspect_offline_run(tmp_path / "report")["summary"]
    assert summary["report/report"]["_type"] == "table-file" and summary["report/report"]["nrows"] == 1
    figures = [key for key in summary if key.startswith("report/figures/")]
    assert len(figures) == len(contents.all_figures()) > 0
    assert (run_dir / "files" / "report.md").read_text() == (tmp_path / "report" / "report.md").read_text()


def test_a_study_members_group_is_the_studys_name_and_its_job_type_the_preset():
    from hydra import compose, initialize_config_dir
    from hydra.core.hydra_config import HydraConfig

    from gan_lab.loggers.wandb import _hydra_defaults
    from gan_lab.run import CONF_DIR

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["experiment=noise_sweep", "seed=1", "hydra.mode=MULTIRUN"], return_hydra_config=True)
        HydraConfig.instance().set_config(cfg)  # as Hydra sets it for a member of the study
        try:
            group, tags, name, job_type = _hydra_defaults()
        finally:
            HydraConfig.instance().cfg = None
    assert (group, job_type) == ("noise_sweep", "noise_sweep") and tags == ["experiment=noise_sweep", "seed=1"]
