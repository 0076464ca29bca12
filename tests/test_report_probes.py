"""The report's probe curves, probe robustness ranking, stability table and collapse marks, from
hand-made results.json files whose summaries are computed here independently."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from gan_lab.report import build_report
from gan_lab.report.plots import probe_figure
from tests.test_report import write_run

# (configuration, seed) → d_attack accuracy at ε = 0, 4/255, 8/255; path length; FID CV; collapse step
RUNS = {
    ("regularizer=none", 0): ([0.9, 0.5, 0.2], 40.0, 0.10, None),
    ("regularizer=none", 1): ([0.8, 0.4, 0.1], 50.0, 0.20, 900),
    ("regularizer=spectral_norm", 0): ([0.9, 0.8, 0.7], 20.0, 0.05, None),
    ("regularizer=spectral_norm", 1): ([0.7, 0.6, 0.5], 30.0, 0.07, None),
}
LEVELS = ["0.0", "0.01568627450980392", "0.03137254901960784"]


@pytest.fixture
def report(tmp_path):
    for index, ((override, seed), (accuracy, path_length, fid_cv, collapsed_at)) in enumerate(RUNS.items()):
        write_run(
            tmp_path / "sweep" / str(index), [override, f"seed={seed}"], metrics={"fid": 10.0 + index, "fid_floor": 2.0},
            probes={
                "d_attack": {level: {"accuracy": a, "success": 1 - a / accuracy[0]} for level, a in zip(LEVELS, accuracy)},
                "path_length": {"0.0001": {"path_length": path_length}},
            },
            stability={
                "fid_cv": fid_cv, "d_loss_oscillation": 0.1, "g_loss_oscillation": 0.2,
                "grad_spikes_d": index, "grad_spikes_g": 0,
                "collapsed": collapsed_at is not None, "collapsed_at_step": collapsed_at,
                "collapse_reason": "recall 0.1 below 0.5 × its floor 0.800" if collapsed_at else None,
            },
        )  # fmt: skip
    return build_report([tmp_path / "sweep"], out=tmp_path / "report")


def test_probe_curves_are_means_and_stds_over_seeds_ranked_by_their_auc(report):
    curves = report.probe_curves[("d_attack", "accuracy")]
    assert [curve.cell.configuration.label for curve in curves] == ["regularizer=spectral_norm", "regularizer=none"]
    none = {float(level): np.array([0.9, 0.8]) for level in LEVELS}
    none[float(LEVELS[1])], none[float(LEVELS[2])] = np.array([0.5, 0.4]), np.array([0.2, 0.1])
    curve = curves[1]
    for level, values in none.items():
        assert curve.stats[level].mean == pytest.approx(values.mean()) and curve.stats[level].std == pytest.approx(
            values.std(ddof=1)
        )
    levels = [float(level) for level in LEVELS]
    relative = [none[level].mean() / none[0.0].mean() for level in levels]
    assert curve.auc == pytest.approx(np.trapezoid(relative, levels) / (levels[-1] - levels[0]))
    assert report.probe_curves[("path_length", "path_length")][0].auc is None  # one level: a value, no curve
    # attack success is a change (0 unperturbed): its AUC is the area under the values themselves
    success = {curve.cell.configuration.label: curve for curve in report.probe_curves[("d_attack", "success")]}
    values = [1 - a / 0.9 for a in (0.9, 0.8, 0.7)]  # spectral_norm, seed 0
    values = [(v + (1 - a / 0.7)) / 2 for v, a in zip(values, (0.7, 0.6, 0.5))]  # and seed 1
    assert not success["regularizer=spectral_norm"].relative
    assert success["regularizer=spectral_norm"].auc == pytest.approx(np.trapezoid(values, levels) / (levels[-1] - levels[0]))


def test_a_probe_measured_at_one_level_is_drawn_row_under_row_not_stacked_at_one_x(report):
    curves = report.probe_curves[("path_length", "path_length")]
    fig = probe_figure(curves, lambda cell: cell.configuration.label)
    ax = fig.axes[0]
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels == [curve.cell.configuration.label for curve in curves]
    by_label = {"regularizer=none": [40.0, 50.0], "regularizer=spectral_norm": [20.0, 30.0]}
    for row, (label, container) in enumerate(zip(labels, ax.containers)):
        x, y = container.lines[0].get_data()
        assert (float(x[0]), float(y[0])) == (pytest.approx(np.mean(by_label[label])), row)
    assert ax.get_xlabel() == "path_length" and "level 0.0001" in ax.get_title()
    assert (report.out / "probe_path_length_path_length.png").is_file()


def test_stability_is_ranked_and_collapsed_runs_are_flagged_with_their_step(report):
    rows = report.stability
    assert [row.cell.configuration.label for row in rows] == ["regularizer=spectral_norm", "regularizer=none"]
    assert rows[1].stats["fid_cv"].mean == pytest.approx(0.15)
    assert rows[1].seed_cv == pytest.approx(np.std([10.0, 11.0], ddof=1) / 10.5)
    assert rows[1].collapse_text() == "1/2 (step 900)"
    text = (report.out / "report.md").read_text()
    assert "collapsed 1/2 (step 900)" in text  # in the results table, like a diverged run
    assert "**collapsed** at generator step 900" in text and "recall 0.1 below 0.5 × its floor" in text
    assert "## Stability" in text and "## Probes of the trained models" in text and "### d_attack: accuracy" in text
    with open(report.out / "stability.csv", newline="") as f:
        written = list(csv.DictReader(f))
    assert [row["rank"] for row in written] == ["1", "2"] and written[1]["n_collapsed"] == "1"
    with open(report.out / "probes.csv", newline="") as f:
        probe_rows = [row for row in csv.DictReader(f) if row["probe"] == "d_attack" and row["metric"] == "accuracy"]
    assert len(probe_rows) == 6 and all((report.out / path.name).is_file() for path in report.probe_figures.values())


def test_the_stability_ranking_prefers_fids_oscillation_around_its_trend_to_its_cv(tmp_path):
    # a slow learner (large fid_cv, tiny wobble) ranks above a run that wobbles with a smaller fid_cv
    for index, (override, fid_cv, oscillation) in enumerate([("lever=slow", 0.30, 0.01), ("lever=wobbly", 0.10, 0.08)]):
        write_run(tmp_path / "sweep" / str(index), [override, "seed=0"], metrics={"fid": 10.0, "fid_floor": 2.0},
                  stability={"fid_cv": fid_cv, "fid_oscillation": oscillation})  # fmt: skip
    rows = build_report([tmp_path / "sweep"], out=tmp_path / "report").stability
    assert [row.cell.configuration.label for row in rows] == ["lever=slow", "lever=wobbly"]
    assert rows[0].rank_key[0] == pytest.approx(0.01)


def test_a_run_that_never_reached_its_diversity_bound_is_counted_apart_from_collapsed_ones(tmp_path):
    reason = "recall never reached 0.5 × its floor 0.911 (at most 0)"
    for seed, never in enumerate([True, False, True]):
        write_run(tmp_path / "sweep" / str(seed), ["regularizer=lecam", f"seed={seed}"], metrics={"fid": 90.0, "fid_floor": 2.0},
                  stability={"fid_cv": 0.1, "collapsed": False, "collapsed_at_step": None, "collapse_reason": None,
                             "never_reached": never, "never_reached_reason": reason if never else None})  # fmt: skip
    report = build_report([tmp_path / "sweep"], out=tmp_path / "report")
    (row,) = report.stability
    assert (row.collapse_text(), row.never_reached_text()) == ("none", "2/3")
    text = (report.out / "report.md").read_text()
    assert "| never reached 2/3 |" in text  # the results table's flag column
    assert text.count("- **never reached** (") == 2 and reason in text
    with open(report.out / "stability.csv", newline="") as f:
        (written,) = csv.DictReader(f)
    assert (written["n_collapsed"], written["n_never_reached"]) == ("0", "2")
