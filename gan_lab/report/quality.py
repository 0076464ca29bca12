"""Steps to quality: the first generator step at which a run's FID is within 3× its floor with
every class covered — how fast a recipe gets to a good GAN, not only where it ends."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from gan_lab.report.curves import find_metrics_csv, read_curves
from gan_lab.report.runs import Run

QUALITY_RATIO = 3.0  # FID ≤ 3 × its floor (the FID of held-out real data against the reference)
COLUMNS = ("eval/fid", "eval/fid_floor", "eval/classes_covered", "eval/classes_covered_floor")


def steps_to_quality(run: Run, ratio: float = QUALITY_RATIO) -> float | None:
    """The first evaluated generator step at which FID ≤ `ratio` × its floor and the classes covered
    reach their floor (all of them, on labelled data; not checked where not logged). `math.inf`
    when the run's evaluations never got there; None when it logged no FID curve."""
    path = find_metrics_csv(run.path)
    curves = read_curves(path, COLUMNS) if path is not None else {}
    fid, classes = dict(curves.get("eval/fid", [])), dict(curves.get("eval/classes_covered", []))
    floor, classes_floor = curves.get("eval/fid_floor", []), curves.get("eval/classes_covered_floor", [])
    if not fid or not floor:
        return None
    for step in sorted(fid):
        if fid[step] > ratio * value_at(floor, step):
            continue
        if step in classes and classes_floor and classes[step] < value_at(classes_floor, step):
            continue
        return step
    return math.inf


def value_at(curve: list[tuple[float, float]], step: float) -> float:
    """A floor's value at `step`: the last one logged at or before it (the evaluator logs a floor
    once, when it first computes it), else the first."""
    earlier = [value for at, value in curve if at <= step]
    return earlier[-1] if earlier else curve[0][1]


@dataclass
class StepsToQuality:
    """Over a report row's completed seeds: the median first step at quality (a seed that never got
    there counts as never), and how many seeds got there."""

    median: float | None  # None: no seed has a FID curve; inf: the median seed never got there
    reached: int
    seeds: int

    @classmethod
    def of(cls, runs: list[Run]) -> StepsToQuality:
        steps = [value for value in (steps_to_quality(run) for run in runs) if value is not None]
        median = statistics.median(steps) if steps else None
        return cls(median, sum(1 for value in steps if math.isfinite(value)), len(steps))

    def text(self) -> str:
        """"1200 (3/3 seeds)", "not reached (1/3 seeds)", or "n/a" without FID curves."""
        if self.median is None:
            return "n/a"
        where = "not reached" if math.isinf(self.median) else f"{self.median:g}"
        return f"{where} ({self.reached}/{self.seeds} seeds)"
