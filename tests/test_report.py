"""`python -m gan_lab.report`: tables and plots of synthetic runs and multiruns with known numbers."""

from __future__ import annotations

import csv
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from gan_lab.report import ReportError, build_report
from gan_lab.report.grouping import group_runs
from gan_lab.report.robustness import trapezoid_auc
from gan_lab.report.runs import Run
from tests.conftest import REPO

AMBIENT = ("false", "true")
LEVELS = ("0", "0.2", "0.4")
SEEDS = (0, 1, 2)
DIVERGED_MEMBER = 4  # ambient=false, level 0.2, seed 1
MISSING_MEMBER = 17  # ambient=true, level 0.4, seed 2: killed before it wrote results.json
SWEEP = ["corruption=gaussian", "corruption.ambient=false,true", "corruption.level=0,0.2,0.4", "seed=0,1,2", "train.steps=100"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------- synthetic runs
def write_multirun_yaml(sweep_dir: Path, task: list[str]) -> None:
    """The part of Hydra's multirun.yaml the report reads."""
    sweeper = {"_target_": "hydra._internal.core_plugins.basic_sweeper.BasicSweeper", "max_batch_size": None, "params": None}
    config = {"hydra": {"mode": "MULTIRUN", "sweeper": sweeper, "overrides": {"hydra": ["hydra.mode=MULTIRUN"], "task": task}}}
    sweep_dir.mkdir(parents=True, exist_ok=True)
    (sweep_dir / "multirun.yaml").write_text(yaml.safe_dump(config))


def write_run(
    run_dir: Path,
    overrides: list[str],
    status: str = "completed",
    metrics: dict | None = None,
    wall_time_s: float = 10.0,
    steps: int = 100,
    curve_steps: int = 100,
    **extra,
) -> None:
    """A run directory as gan_lab/run.py leaves it: .hydra/overrides.yaml, csv/metrics.csv, results.json."""
    (run_dir / ".hydra").mkdir(parents=True, exist_ok=True)
    (run_dir / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (run_dir / "csv").mkdir(exist_ok=True)
    with open(run_dir / "csv" / "metrics.csv", "w", newline="") as f:  # sparse rows, as Lightning's CSVLogger writes
        writer = csv.DictWriter(f, fieldnames=["d_loss", "eval/fid", "g_loss", "g_step", "step"])
        writer.writeheader()
        for g_step in range(10, curve_steps + 1, 10):
            writer.writerow({"d_loss": 1.0 + 1 / g_step, "g_loss": 2.0 - 1 / g_step, "g_step": g_step, "step": 2 * g_step})
            if g_step % 50 == 0:
                writer.writerow({"eval/fid": 100 / g_step, "g_step": g_step, "step": 2 * g_step})
    results = {
        "status": status,
        "steps": steps,
        "overrides": overrides,
        "wall_time_s": wall_time_s,
        "metrics": metrics or {},
        "run_dir": str(run_dir),
        **extra,
    }
    (run_dir / "results.json").write_text(json.dumps(results, indent=2))


def metrics_for(ambient: str, level: str, seed: int) -> dict[str, float]:
    """Known, seed-dependent numbers: FID grows with the level, less so with the ambient fix."""
    rng = np.random.default_rng(100 * AMBIENT.index(ambient) + 10 * LEVELS.index(level) + seed)
    slope = 40.0 if ambient == "false" else 15.0
    fid = 5.0 + slope * float(level) + float(rng.normal(0, 1))
    return {
        "fid": fid,
        "fid_floor": 1.5 + 0.1 * seed,
        "kid": fid / 1000,
        "precision": 0.8 - 0.5 * float(level) + float(rng.normal(0, 0.02)),
        "recall": 0.7 - 0.3 * float(level) + float(rng.normal(0, 0.02)),
        "density": 0.9 + float(rng.normal(0, 0.05)),
        "coverage": 0.75 + float(rng.normal(0, 0.05)),
        "classes_covered": float(10 - seed % 2),
        "class_kl": 0.02 + float(level) / 10,
        "d_loss": 1.2,
        "g_loss": 0.9,
    }


@pytest.fixture
def sweep(tmp_path) -> tuple[Path, dict]:
    """A 2 configurations × 3 levels × 3 seeds multirun: member 4 diverged, member 17 left no results.json.
    Returns the sweep directory and {(ambient, level, seed): metrics} of the completed members."""
    sweep_dir = tmp_path / "multirun" / "2025-01-01" / "12-00-00"
    write_multirun_yaml(sweep_dir, SWEEP)
    known = {}
    for number, (ambient, level, seed) in enumerate(itertools.product(AMBIENT, LEVELS, SEEDS)):
        member = sweep_dir / str(number)
        overrides = [
            "corruption=gaussian",
            f"corruption.ambient={ambient}",
            f"corruption.level={level}",
            f"seed={seed}",
            "train.steps=100",
        ]
        if number == MISSING_MEMBER:
            (member / ".hydra").mkdir(parents=True)
            (member / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
        elif number == DIVERGED_MEMBER:
            error = "training diverged: d_loss became non-finite by generator step 40; try a lower learning rate"
            write_run(
                member,
                overrides,
                status="diverged",
                metrics={"fid_floor": 1.6, "d_loss": "nan"},
                steps=40,
                curve_steps=40,
                error=error,
                diverged_at_step=40,
                diverged_quantity="d_loss",
            )
        else:
            known[(ambient, level, seed)] = metrics_for(ambient, level, seed)
            write_run(member, overrides, metrics=known[(ambient, level, seed)], wall_time_s=10.0 + number)
    return sweep_dir, known


def read_rows(path: Path) -> dict[tuple[str, float], dict[str, str]]:
    with open(path, newline="") as f:
        return {(row["configuration"], float(row["level"])): row for row in csv.DictReader(f)}


def completed_values(known: dict, ambient: str, level: str, metric: str) -> list[float]:
    return [known[(ambient, level, seed)][metric] for seed in SEEDS if (ambient, level, seed) in known]


# ---------------------------------------------------------------------------------------- tables
def test_csv_mean_and_sample_std_over_completed_seeds_match_numpy(sweep, tmp_path):
    sweep_dir, known = sweep
    contents = build_report([sweep_dir], out=tmp_path / "out")
    assert contents.grouping.level_key == "corruption.level"
    rows = read_rows(tmp_path / "out" / "report.csv")
    assert len(rows) == 6
    for ambient, level in itertools.product(AMBIENT, LEVELS):
        row = rows[(f"corruption.ambient={ambient}", float(level))]
        for metric in ("fid", "fid_floor", "kid", "precision", "recall", "density", "coverage", "classes_covered", "class_kl"):
            values = completed_values(known, ambient, level, metric)
            assert float(row[f"{metric}_mean"]) == pytest.approx(np.mean(values), rel=1e-12)
            assert float(row[f"{metric}_std"]) == pytest.approx(np.std(values, ddof=1), rel=1e-12, abs=1e-15)
        fid = completed_values(known, ambient, level, "fid")
        ratios = np.array(fid) / np.array(completed_values(known, ambient, level, "fid_floor"))
        assert float(row["fid_over_floor_mean"]) == pytest.approx(ratios.mean(), rel=1e-12)
        assert row["overrides"] == f"corruption=gaussian corruption.ambient={ambient} train.steps=100"
    # ddof=1 (sample std over seeds), not numpy's default ddof=0
    fid = completed_values(known, "true", "0", "fid")
    assert float(rows[("corruption.ambient=true", 0.0)]["fid_std"]) != pytest.approx(np.std(fid), rel=1e-6)


def test_diverged_and_missing_members_are_counted_and_listed(sweep, tmp_path):
    sweep_dir, known = sweep
    build_report([sweep_dir], out=tmp_path / "out")
    rows = read_rows(tmp_path / "out" / "report.csv")
    diverged = rows[("corruption.ambient=false", 0.2)]
    assert (diverged["n_runs"], diverged["n_completed"], diverged["n_diverged"], diverged["n_missing"]) == ("3", "2", "1", "0")
    missing = rows[("corruption.ambient=true", 0.4)]
    assert (missing["n_runs"], missing["n_completed"], missing["n_diverged"], missing["n_missing"]) == ("3", "2", "0", "1")
    assert rows[("corruption.ambient=true", 0.0)]["n_completed"] == "3"

    report = (tmp_path / "out" / "report.md").read_text()
    assert "diverged 1/3" in report and "missing 1/3" in report
    assert str(sweep_dir / str(MISSING_MEMBER)) in report  # the member without results.json, by path
    assert str(sweep_dir / str(DIVERGED_MEMBER)) in report
    assert "**diverged** at generator step 40, d_loss non-finite" in report
    assert "seed 1" in report and "training diverged" in report
    assert "ddof=1" in report


def test_robustness_auc_is_the_trapezoid_of_fid_relative_to_level_0(sweep, tmp_path):
    sweep_dir, known = sweep
    contents = build_report([sweep_dir], out=tmp_path / "out")
    results = contents.robustness["fid"]
    assert [r.configuration.label for r in results] == ["corruption.ambient=true", "corruption.ambient=false"]  # best first
    for result in results:
        ambient = result.configuration.label.split("=")[1]
        means = [np.mean(completed_values(known, ambient, level, "fid")) for level in LEVELS]
        relative = [m / means[0] for m in means]
        by_hand = (0.2 * (relative[0] + relative[1]) / 2 + 0.2 * (relative[1] + relative[2]) / 2) / 0.4
        assert result.auc == pytest.approx(by_hand, rel=1e-12)
        assert result.relative[0.4] == pytest.approx(relative[2], rel=1e-12)
        assert f"{by_hand:.4g}" in (tmp_path / "out" / "report.md").read_text()


def test_trapezoid_auc_with_uneven_levels():
    assert trapezoid_auc([0.0, 0.1, 0.5], [1.0, 2.0, 4.0]) == pytest.approx((0.1 * 1.5 + 0.4 * 3.0) / 0.5)
    assert trapezoid_auc([0.0, 1.0], [1.0, 1.0]) == pytest.approx(1.0)  # unaffected by the level
    with pytest.raises(ValueError):
        trapezoid_auc([0.0], [1.0])


# ---------------------------------------------------------------------------------------- plots
def test_plots_are_written_and_not_empty(sweep, tmp_path):
    sweep_dir, _ = sweep
    contents = build_report([sweep_dir], out=tmp_path / "out")
    names = {path.name for path in contents.all_figures()}
    assert {"fid_vs_corruption.level.png", "precision_vs_corruption.level.png", "robustness_fid.png"} <= names
    assert "fid_floor_vs_corruption.level.png" not in names  # the floor is the dashed line of the FID plot
    assert len([name for name in names if name.startswith("curves_")]) == 2  # one per configuration
    for path in contents.all_figures():
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 1000, path
    report = (tmp_path / "out" / "report.md").read_text()
    assert "![robustness_fid](robustness_fid.png)" in report


# ---------------------------------------------------------------------------------------- command line
def run_report(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gan_lab.report", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def test_cli_writes_the_report_into_the_multirun_dir_by_default(sweep, tmp_path):
    sweep_dir, known = sweep
    proc = run_report([str(sweep_dir)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (sweep_dir / "report.md").is_file() and (sweep_dir / "report.csv").is_file()
    row = read_rows(sweep_dir / "report.csv")[("corruption.ambient=false", 0.2)]
    assert float(row["fid_mean"]) == pytest.approx(np.mean(completed_values(known, "false", "0.2", "fid")), rel=1e-12)
    assert row["n_diverged"] == "1"
    # a second report of the same directory reads the same runs (its own files are not runs)
    assert run_report([str(sweep_dir), "--out", str(tmp_path / "again")], cwd=tmp_path).returncode == 0
    assert read_rows(tmp_path / "again" / "report.csv") == read_rows(sweep_dir / "report.csv")


def test_cli_fails_clearly_on_a_dir_without_results(tmp_path):
    empty = tmp_path / "not_a_run"
    (empty / "something").mkdir(parents=True)
    proc = run_report([str(empty)], cwd=tmp_path)
    assert proc.returncode != 0
    assert str(empty) in proc.stderr and "results.json" in proc.stderr
    assert "Traceback" not in proc.stderr

    proc = run_report([str(tmp_path / "no_such_dir")], cwd=tmp_path)
    assert proc.returncode != 0 and str(tmp_path / "no_such_dir") in proc.stderr


def test_cli_default_out_is_report_for_single_runs(tmp_path):
    write_run(tmp_path / "runs" / "a", ["loss=ns"], metrics={"fid": 3.0, "fid_floor": 1.0})
    write_run(tmp_path / "runs" / "b", ["loss=hinge"], metrics={"fid": 4.0, "fid_floor": 1.0})
    proc = run_report([str(tmp_path / "runs"), "--metric", "fid"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(open(tmp_path / "report" / "report.csv")))
    assert [(row["configuration"], row["fid_mean"], row["fid_std"]) for row in rows] == [
        ("loss=ns", "3.0", ""),
        ("loss=hinge", "4.0", ""),
    ]
    assert (tmp_path / "report" / "fid_by_configuration.png").stat().st_size > 0
    report = (tmp_path / "report" / "report.md").read_text()
    assert "3 (1 seed)" in report and "No swept level" in report


# ---------------------------------------------------------------------------------------- edge cases
def test_members_the_sweep_planned_but_never_started_are_missing(tmp_path):
    sweep_dir = tmp_path / "sweep"
    write_multirun_yaml(sweep_dir, ["augmentation.p=0,0.5", "seed=0,1"])
    write_run(sweep_dir / "0", ["augmentation.p=0", "seed=0"], metrics={"fid": 2.0})
    write_run(sweep_dir / "1", ["augmentation.p=0", "seed=1"], metrics={"fid": 4.0})
    contents = build_report([sweep_dir], out=tmp_path / "out")
    assert contents.grouping.level_key == "augmentation.p"
    rows = read_rows(tmp_path / "out" / "report.csv")
    assert rows[("all runs", 0.0)]["fid_mean"] == "3.0"
    assert rows[("all runs", 0.0)]["fid_std"] == repr(float(np.std([2.0, 4.0], ddof=1)))
    assert (rows[("all runs", 0.5)]["n_missing"], rows[("all runs", 0.5)]["fid_mean"]) == ("2", "")
    report = (tmp_path / "out" / "report.md").read_text()
    assert f"`{sweep_dir / '2'}`" in report and f"`{sweep_dir / '3'}`" in report and "never started" in report
    assert "no completed run" in report  # level 0.5: said, not a blank cell
    assert "n/a: no completed run at level 0.5" in report  # robustness: no AUC, and why


def test_unreadable_results_json_is_named_and_the_rest_reported(tmp_path):
    write_run(tmp_path / "runs" / "good", ["seed=0"], metrics={"fid": 3.0})
    broken = tmp_path / "runs" / "broken"
    write_run(broken, ["seed=1"], metrics={"fid": 5.0})
    (broken / "results.json").write_text('{"status": "completed", "metrics": {')
    build_report([tmp_path / "runs"], out=tmp_path / "out")
    report = (tmp_path / "out" / "report.md").read_text()
    assert "**unreadable**" in report and str(broken / "results.json") in report and "JSONDecodeError" in report
    row = next(csv.DictReader(open(tmp_path / "out" / "report.csv")))
    assert (row["n_runs"], row["n_completed"], row["n_missing"], row["fid_mean"]) == ("2", "1", "1", "3.0")


def test_grouping_drops_seed_and_noise_and_prefers_a_level_key():
    overrides = "corruption=blur corruption.level={} optimizer.lr_g={} seed={} hydra.run.dir=/a paths.cache_dir=/b logger=wandb"
    runs = [
        Run(Path(f"/runs/{level}/{lr}/{seed}"), "completed", overrides.format(level, lr, seed).split())
        for level in (0, 1)
        for lr in (1e-4, 2e-4, 4e-4)
        for seed in (0, 1)
    ]
    grouping = group_runs(runs)
    assert grouping.level_key == "corruption.level"  # preferred over optimizer.lr_g, which has more values
    assert [c.label for c in grouping.configurations] == [
        "optimizer.lr_g=0.0001",
        "optimizer.lr_g=0.0002",
        "optimizer.lr_g=0.0004",
    ]
    assert grouping.common == ["corruption=blur"]
    assert all(len(c.runs[level]) == 2 for c in grouping.configurations for level in (0.0, 1.0))
    assert group_runs(runs, level="optimizer.lr_g").level_key == "optimizer.lr_g"
    assert group_runs(runs, level="none").level_key is None
    with pytest.raises(ReportError, match="--level corruption"):
        group_runs(runs, level="corruption")


def test_unknown_metric_and_missing_dir_raise_errors_naming_them(sweep, tmp_path):
    sweep_dir, _ = sweep
    with pytest.raises(ReportError, match="--metric fdi"):
        build_report([sweep_dir], out=tmp_path / "out", metrics=["fdi"])
    with pytest.raises(ReportError, match=str(tmp_path / "nowhere")):
        build_report([tmp_path / "nowhere"], out=tmp_path / "out")


def test_the_report_needs_neither_torch_nor_lightning():
    # `python -m gan_lab.report` starts in a second, and runs where only the results were copied
    code = "import sys, gan_lab.report; print(sorted(m for m in ('torch', 'pytorch_lightning') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
