"""Steps to quality in the report: the first evaluated step at which FID ≤ 3× its floor with every
class covered, its median over seeds (a seed that never got there counts as never), in report.md and
report.csv."""

from __future__ import annotations

import csv
import math

from gan_lab.report import build_report
from gan_lab.report.quality import steps_to_quality
from gan_lab.report.runs import read_run
from tests.test_report import write_run


def write_eval_curve(run_dir, rows: list[tuple[int, float, float, int]]) -> None:
    """(g_step, fid, fid_floor, classes_covered) per evaluation; 10 classes in the data. As the
    evaluator does, the floors are logged once, in a row of their own at step 0."""
    with open(run_dir / "csv" / "metrics.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["eval/classes_covered", "eval/classes_covered_floor", "eval/fid", "eval/fid_floor", "g_step", "step"])
        writer.writerow(["", 10, "", rows[0][2], 0, 0])
        for g_step, fid, _, classes in rows:
            writer.writerow([classes, "", fid, "", g_step, g_step])


def test_the_first_step_within_three_times_the_floor_with_every_class_is_the_steps_to_quality(tmp_path):
    study = tmp_path / "study"
    curves = {
        0: [(100, 10.0, 1.0, 10), (200, 5.0, 1.0, 10), (300, 2.9, 1.0, 10), (400, 3.5, 1.0, 10)],  # 300: the first
        1: [(100, 6.5, 2.0, 10), (200, 6.0, 2.0, 10), (300, 5.0, 2.0, 10), (400, 4.0, 2.0, 10)],   # 6.0 = 3 × 2.0 → 200
        2: [(100, 2.0, 1.0, 9), (200, 2.0, 1.0, 9), (300, 2.5, 1.0, 9), (400, 2.5, 1.0, 9)],  # a class missing: never
    }
    for seed, rows in curves.items():
        write_run(study / f"seed={seed}", [f"seed={seed}"], metrics={"fid": rows[-1][1], "fid_floor": rows[-1][2]})
        write_eval_curve(study / f"seed={seed}", rows)
    assert [steps_to_quality(read_run(study / f"seed={seed}")) for seed in range(3)] == [300, 200, math.inf]

    contents = build_report([study], out=tmp_path / "report")
    (cell,) = contents.cells
    assert (cell.steps_to_quality.median, cell.steps_to_quality.reached) == (300, 2)  # median of 200, 300, never
    assert "| 300 (2/3 seeds) |" in (tmp_path / "report" / "report.md").read_text()
    (row,) = csv.DictReader(open(tmp_path / "report" / "report.csv"))
    assert (row["steps_to_fid_3x_floor_median"], row["steps_to_fid_3x_floor_reached"]) == ("300.0", "2")


def test_a_row_whose_median_seed_never_gets_there_says_so(tmp_path):
    for seed in range(3):
        run_dir = tmp_path / f"seed={seed}"
        write_run(run_dir, [f"seed={seed}"], metrics={"fid": 9.0, "fid_floor": 1.0})
        write_eval_curve(run_dir, [(100, 9.0 if seed else 2.0, 1.0, 10)])
    build_report([tmp_path], out=tmp_path / "report")
    assert "| not reached (1/3 seeds) |" in (tmp_path / "report" / "report.md").read_text()
