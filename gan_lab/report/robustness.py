"""Robustness of each configuration: a metric at every level relative to level 0, and the area under
that degradation curve (trapezoid over the levels, divided by the level range), ranked."""

from __future__ import annotations

from dataclasses import dataclass, field

from gan_lab.report.catalog import higher_is_better
from gan_lab.report.grouping import Configuration
from gan_lab.report.stats import Cell


@dataclass
class Robustness:
    """`relative[level]` = mean metric at `level` / mean metric at level 0 (over completed seeds);
    `auc` = trapezoid of `relative` over the levels / (last level - first level): 1 for a
    configuration the level does not affect; for FID, larger is worse. `reason` says why there is no
    AUC (then `auc` is None)."""

    configuration: Configuration
    metric: str
    relative: dict[float, float | None] = field(default_factory=dict)
    auc: float | None = None
    reason: str | None = None


def trapezoid_auc(levels: list[float], values: list[float]) -> float:
    """∫ values d(level) by the trapezoid rule, divided by the level range (`levels` ascending)."""
    if len(levels) < 2 or levels[-1] == levels[0]:
        raise ValueError("need two or more distinct levels")
    area = sum((x1 - x0) * (y0 + y1) / 2 for x0, x1, y0, y1 in zip(levels, levels[1:], values, values[1:]))
    return area / (levels[-1] - levels[0])


def robustness(configuration: Configuration, cells: list[Cell], metric: str) -> Robustness:
    """The degradation curve and its AUC for one configuration (`cells`: its cells, any order)."""
    result = Robustness(configuration, metric)
    by_level = {cell.level: cell for cell in cells if cell.level is not None}
    levels = sorted(by_level)
    if 0.0 not in by_level:
        result.reason = "no level 0 to compare with"
        return result
    base = by_level[0.0].stat(metric).mean
    if base is None:
        result.reason = no_value(by_level[0.0], metric)
        return result
    if base == 0:
        result.reason = f"{metric} is 0 at level 0: no ratio"
        return result
    gaps = []
    for level in levels:
        mean = by_level[level].stat(metric).mean
        result.relative[level] = None if mean is None else mean / base
        if mean is None:
            gaps.append(no_value(by_level[level], metric))
    if gaps:
        result.reason = "; ".join(gaps)
    elif len(levels) < 2:
        result.reason = "only one level"
    else:
        result.auc = trapezoid_auc(levels, [result.relative[level] for level in levels])
    return result


def no_value(cell: Cell, metric: str) -> str:
    """Why a cell has no mean: "no completed run at level 0.4 (diverged 3/3)" or "no fid logged at level 0.4"."""
    if not cell.completed:
        return f"no completed run at level {cell.level:g} ({cell.not_completed()})"
    return f"no {metric} logged at level {cell.level:g}"


def rank(results: list[Robustness]) -> list[Robustness]:
    """Best first: smallest AUC for lower-is-better metrics (FID), largest for higher-is-better ones
    (precision, coverage, ...); configurations without an AUC last."""
    sign = -1.0 if results and higher_is_better(results[0].metric) else 1.0
    with_auc = sorted((r for r in results if r.auc is not None), key=lambda r: sign * r.auc)
    return with_auc + [r for r in results if r.auc is None]


def robustness_table(cells: list[Cell], metric: str) -> list[Robustness]:
    """Ranked robustness of every configuration that has levels."""
    configurations: dict[int, tuple[Configuration, list[Cell]]] = {}
    for cell in cells:
        configurations.setdefault(id(cell.configuration), (cell.configuration, []))[1].append(cell)
    return rank([robustness(configuration, own, metric) for configuration, own in configurations.values()])
