"""Mean ± standard deviation of every metric over the completed seeds of one configuration at one
level, and how many of its runs diverged, failed or are missing."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from gan_lab.report.catalog import FID_RATIO, WALL_TIME
from gan_lab.report.grouping import Configuration, Grouping
from gan_lab.report.quality import StepsToQuality
from gan_lab.report.runs import COMPLETED, DIVERGED, FAILED, MISSING, UNREADABLE, Run

DDOF = 1  # sample standard deviation over seeds (numpy's default is ddof=0)
STATUS_ORDER = (COMPLETED, DIVERGED, FAILED, "interrupted", "running", MISSING)


def status_counts(runs: list[Run]) -> Counter:
    """Runs by status, "missing" including unreadable results."""
    return Counter(MISSING if run.status == UNREADABLE else run.status for run in runs)


def ordered_counts(runs: list[Run]) -> list[tuple[str, int]]:
    """(status, count) in STATUS_ORDER, then any other status by name; zero counts included."""
    counts = status_counts(runs)
    extra = sorted((status, n) for status, n in counts.items() if status not in STATUS_ORDER)
    return [(status, counts[status]) for status in STATUS_ORDER] + extra


@dataclass
class Stat:
    """Mean and sample standard deviation (ddof=1) of `n` values; std is None for fewer than two,
    mean is None for none."""

    mean: float | None
    std: float | None
    n: int

    @classmethod
    def of(cls, values: list[float]) -> Stat:
        if not values:
            return cls(None, None, 0)
        array = np.asarray(values, dtype=float)
        std = float(np.std(array, ddof=DDOF)) if len(array) > DDOF else None
        return cls(float(np.mean(array)), std, len(array))


@dataclass
class Cell:
    """One row of the report: a configuration at one level (None: the level was not set)."""

    configuration: Configuration
    level: float | None
    runs: list[Run]
    stats: dict[str, Stat] = field(default_factory=dict)
    steps_to_quality: StepsToQuality | None = None  # first step at FID ≤ 3× floor (gan_lab/report/quality.py)

    @property
    def completed(self) -> list[Run]:
        return [run for run in self.runs if run.status == COMPLETED]

    @property
    def counts(self) -> Counter:
        return status_counts(self.runs)

    def stat(self, metric: str) -> Stat:
        return self.stats.get(metric, Stat(None, None, 0))

    def not_completed(self) -> str:
        """What kept runs out of the means: "diverged 1/3, missing 1/3", or "none"."""
        total = len(self.runs)
        parts = [f"{status} {count}/{total}" for status, count in ordered_counts(self.runs) if status != COMPLETED and count]
        return ", ".join(parts) or "none"


def summarise(grouping: Grouping, metrics: list[str]) -> list[Cell]:
    """A cell per configuration and level, with the stats of `metrics`, of FID over its floor and of
    the wall time, over completed runs only."""
    cells = []
    for configuration in grouping.configurations:
        levels = sorted(configuration.runs, key=lambda level: (level is not None, level or 0.0))
        for level in levels:
            cell = Cell(configuration, level, configuration.runs[level])
            done = cell.completed
            for metric in metrics:
                cell.stats[metric] = Stat.of([run.metrics[metric] for run in done if metric in run.metrics])
            ratios = [run.metrics["fid"] / run.metrics["fid_floor"] for run in done if has_fid_ratio(run)]
            cell.stats[FID_RATIO] = Stat.of(ratios)
            cell.stats[WALL_TIME] = Stat.of([run.wall_time_s for run in done if run.wall_time_s is not None])
            cell.steps_to_quality = StepsToQuality.of(done)
            cells.append(cell)
    return cells


def has_fid_ratio(run: Run) -> bool:
    floor = run.metrics.get("fid_floor")
    return "fid" in run.metrics and floor is not None and floor != 0 and math.isfinite(floor)
