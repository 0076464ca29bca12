"""The probes of the trained models in a report: each probe metric against its level, a curve per
report row (configuration, and swept level if any) with mean ± std over completed seeds, and a
robustness ranking by the area under the curve relative to the probe's reference level."""

from __future__ import annotations

from dataclasses import dataclass, field

from gan_lab.report.catalog import PROBE_CHANGE_METRICS, PROBE_METRICS, PROBE_REFERENCE_LEVELS, higher_is_better
from gan_lab.report.robustness import trapezoid_auc
from gan_lab.report.stats import Cell, Stat


@dataclass
class ProbeCurve:
    """One report row's curve of one probe metric: its Stat at every probe level; `auc` = the trapezoid
    of mean(level) / mean(reference level) over the levels / the level range, or — for metrics that
    measure a change (`relative` False: sensitivities, attack success, 0 when unperturbed) — of
    mean(level) itself (None with `reason`)."""

    cell: Cell
    probe: str
    metric: str
    stats: dict[float, Stat] = field(default_factory=dict)
    auc: float | None = None
    reason: str | None = None
    relative: bool = True


def probes_present(cells: list[Cell]) -> list[str]:
    """The probe names the completed runs report, in the order they first appear."""
    return list(dict.fromkeys(name for cell in cells for run in cell.completed for name in run.probes))


def probe_metrics(cells: list[Cell], probe: str) -> list[str]:
    """The metrics of `probe` the report shows: PROBE_METRICS' (FID falling back to the mode KL on 2-D
    data) that some run has, else every metric the probe reported."""
    present = list(dict.fromkeys(
        metric for cell in cells for run in cell.completed
        for metrics in run.probes.get(probe, {}).values() for metric in metrics
    ))  # fmt: skip
    wanted = [("mode_kl" if m == "fid" and "fid" not in present else m) for m in PROBE_METRICS.get(probe, ())]
    chosen = [m for m in dict.fromkeys(wanted) if m in present]
    return chosen or present


def probe_curves(cells: list[Cell], probe: str, metric: str) -> list[ProbeCurve]:
    """A curve per cell whose completed runs ran `probe`, ranked best first (by AUC; no AUC last)."""
    curves = []
    for cell in cells:
        values: dict[float, list[float]] = {}
        for run in cell.completed:
            for level, metrics in run.probes.get(probe, {}).items():
                if metric in metrics:
                    values.setdefault(level, []).append(metrics[metric])
        if values:
            curve = ProbeCurve(cell, probe, metric, {level: Stat.of(v) for level, v in sorted(values.items())})
            add_auc(curve)
            curves.append(curve)
    sign = -1.0 if higher_is_better(metric) else 1.0
    return sorted((c for c in curves if c.auc is not None), key=lambda c: sign * c.auc) + [c for c in curves if c.auc is None]


def add_auc(curve: ProbeCurve) -> None:
    levels = sorted(curve.stats)
    if len(levels) < 2:
        curve.reason = "one level"
        return
    if curve.metric in PROBE_CHANGE_METRICS:
        curve.relative = False
        curve.auc = trapezoid_auc(levels, [curve.stats[level].mean for level in levels])
        return
    reference = PROBE_REFERENCE_LEVELS.get(curve.probe, levels[0])
    base = curve.stats.get(reference, Stat(None, None, 0)).mean
    if base is None or base == 0:
        curve.reason = f"no nonzero value at the reference level {reference:g}"
        return
    curve.auc = trapezoid_auc(levels, [curve.stats[level].mean / base for level in levels])
