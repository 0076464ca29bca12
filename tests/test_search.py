"""Searching, not only sweeping: sweeper=optuna (Hydra's optuna sweeper) minimises the final FID over trials, a diverged
trial scores FAILED_TRIAL_OBJECTIVE and the search goes on, and the best trial is written down."""

from __future__ import annotations

import json

import yaml

from gan_lab.run import FAILED_TRIAL_OBJECTIVE, objective
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


def test_the_objective_is_the_final_fid_and_a_run_without_one_scores_the_failed_value():
    assert objective({"status": "completed", "metrics": {"fid": 7.5, "fid_floor": 2.0}}) == 7.5
    assert objective({"status": "completed", "metrics": {"mode_kl": 0.3}}) == 0.3  # 2-D data
    assert objective({"status": "diverged", "metrics": {"fid": 7.5}}) == FAILED_TRIAL_OBJECTIVE
    assert objective({"status": "completed", "metrics": {"fid": "nan"}}) == FAILED_TRIAL_OBJECTIVE
    assert objective({"status": "failed"}) == FAILED_TRIAL_OBJECTIVE
