"""Searching, not only sweeping: sweeper=optuna (Hydra's optuna sweeper) minimises the final FID over trials, a diverged
trial scores FAILED_TRIAL_OBJECTIVE and the search goes on, and the best trial is written down."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from gan_lab.objective import FAILED_TRIAL_OBJECTIVE, objective
from tests.conftest import FAST, REPO, run_cli


def test_a_search_survives_diverging_trials_and_writes_its_best_trial(tmp_path):
    search = ["-m", "experiment=search_lr", "hydra.sweeper.n_trials=3", "train.steps=20", "optimizer.lr_d=choice(0.0002,1e30)"]
    proc = run_cli([*search, *FAST, f"hydra.sweep.dir={tmp_path}"], cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = [json.loads(path.read_text()) for path in sorted(tmp_path.glob("*/results.json"))]
    assert len(trials) == 3 and {trial["status"] for trial in trials} == {"completed", "diverged"}  # seed 0 samples both
    best = yaml.safe_load((tmp_path / "optimization_results.yaml").read_text())
    completed = [trial for trial in trials if trial["status"] == "completed"]
    assert best["best_value"] == min(trial["metrics"]["fid"] for trial in completed)
    assert best["best_params"]["optimizer.lr_d"] == 0.0002
    assert "Best parameters" in proc.stdout + proc.stderr

    # the report ranks the trials by what each returned, best first and diverged last, under the
    # best parameters the sweeper wrote down, and maps them
    report = run_cli([str(tmp_path)], cwd=REPO, module="gan_lab.report")
    assert report.returncode == 0, report.stderr[-3000:]
    lines = (tmp_path / "report.md").read_text().splitlines()
    ranked = [line.split(" | ") for line in lines[lines.index("## Search") :] if line.startswith("| ") and line[2].isdigit()]
    by_fid = sorted(trials, key=lambda trial: trial["metrics"]["fid"] if trial["status"] == "completed" else float("inf"))
    assert [row[1] for row in ranked] == [Path(trial["run_dir"]).name for trial in by_fid]
    assert float(ranked[0][3]) == best["best_params"]["optimizer.lr_d"]
    assert ranked[-1][4] == "failed (scored 1e6)" and ranked[-1][-1] == "diverged |"
    assert (tmp_path / "search_trials.png").stat().st_size > 10_000


def test_the_objective_is_the_final_fid_and_a_run_without_one_scores_the_failed_value():
    assert objective({"status": "completed", "metrics": {"fid": 7.5, "fid_floor": 2.0}}) == 7.5
    assert objective({"status": "completed", "metrics": {"mode_kl": 0.3}}) == 0.3  # 2-D data
    assert objective({"status": "diverged", "metrics": {"fid": 7.5}}) == FAILED_TRIAL_OBJECTIVE
    assert objective({"status": "completed", "metrics": {"fid": "nan"}}) == FAILED_TRIAL_OBJECTIVE
    assert objective({"status": "failed"}) == FAILED_TRIAL_OBJECTIVE


def test_a_search_over_a_choice_ranks_its_trials_and_maps_only_the_numeric_parameter(tmp_path):
    # loss=choice(hinge,ns) next to a numeric lr: the report shows the choice by name, and the map
    # plots the one numeric parameter against the objective
    from gan_lab.report.build import build_report

    trials = {"0": ("hinge", 3e-4, 7.0), "1": ("ns", 1e-4, 5.5), "2": ("ns", 3e-3, 9.25)}
    for number, (loss, lr, fid) in trials.items():
        (tmp_path / number).mkdir()
        overrides = [f"loss={loss}", f"optimizer.lr_d={lr}"]
        results = {"status": "completed", "overrides": overrides, "metrics": {"fid": fid, "fid_floor": 2.0}}
        (tmp_path / number / "results.json").write_text(json.dumps(results))
    best = {"name": "optuna", "best_params": {"loss": "ns", "optimizer.lr_d": 1e-4}, "best_value": 5.5}
    (tmp_path / "optimization_results.yaml").write_text(yaml.safe_dump(best))
    contents = build_report([tmp_path])
    ranked = [(trial.number, trial.params["loss"]) for trial in contents.search.trials]
    assert ranked == [("1", "ns"), ("0", "hinge"), ("2", "ns")]
    assert "| 1 | 1 | ns | 0.0001 | 5.5 | 2.75 |" in (tmp_path / "report.md").read_text()
    assert contents.search_figure == tmp_path / "search_trials.png" and contents.search_figure.is_file()
