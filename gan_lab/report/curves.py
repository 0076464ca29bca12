"""Training curves from the scalars Lightning's CSVLogger wrote (`metrics.csv`, sparse rows), and
their mean over seeds."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

from gan_lab.report.catalog import CURVE_STEP_COLUMNS

METRICS_CSV = "metrics.csv"

Curve = list[tuple[float, float]]  # (generator step, value), steps ascending


def find_metrics_csv(run_dir: Path) -> Path | None:
    """`run_dir/csv/metrics.csv` (conf/logger/csv.yaml), else the newest metrics.csv below `run_dir`."""
    default = run_dir / "csv" / METRICS_CSV
    if default.is_file():
        return default
    found = [path for path in run_dir.rglob(METRICS_CSV) if path.is_file()]
    return max(found, key=lambda path: path.stat().st_mtime) if found else None


def read_curves(path: Path, columns: tuple[str, ...]) -> dict[str, Curve]:
    """{column: [(step, value), ...]} for the `columns` present in the CSV at `path`, against its
    `g_step` column (else `step`); empty and non-finite cells are skipped, and of repeated steps (a
    resumed run) the last value is kept."""
    try:
        with open(path, newline="") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            step_column = next((name for name in CURVE_STEP_COLUMNS if name in header), None)
            if step_column is None:
                return {}
            points: dict[str, dict[float, float]] = {name: {} for name in columns if name in header}
            for row in reader:
                step = number(row.get(step_column))
                if step is None:
                    continue
                for name, curve in points.items():
                    value = number(row.get(name))
                    if value is not None:
                        curve[step] = value
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}
    return {name: sorted(curve.items()) for name, curve in points.items() if curve}


def number(cell: str | None) -> float | None:
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def mean_curve(curves: list[Curve]) -> Curve:
    """At every step any curve has, the mean of the curves that have it (a diverged seed's curve ends
    early; the mean goes on over the others)."""
    at_step: dict[float, list[float]] = defaultdict(list)
    for curve in curves:
        for step, value in curve:
            at_step[step].append(value)
    return [(step, sum(values) / len(values)) for step, values in sorted(at_step.items())]
