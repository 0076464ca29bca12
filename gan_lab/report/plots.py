"""The report's PNG figures (matplotlib, Agg backend): metrics against the swept level, training
curves, the robustness ranking, and a search's trials. Runs that did not complete are marked, never silently dropped."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from gan_lab.objective import FAILED_TRIAL_OBJECTIVE  # noqa: E402
from gan_lab.report.catalog import higher_is_better  # noqa: E402
from gan_lab.report.curves import Curve  # noqa: E402
from gan_lab.report.probes import ProbeCurve  # noqa: E402
from gan_lab.report.robustness import Robustness  # noqa: E402
from gan_lab.report.search import Search  # noqa: E402
from gan_lab.report.stats import DDOF, Cell  # noqa: E402

COLORS = plt.get_cmap("tab10").colors
INCOMPLETE = dict(marker="X", markersize=9, markerfacecolor="white", markeredgewidth=1.5, linestyle="none")


def by_configuration(cells: list[Cell]) -> list[list[Cell]]:
    """Cells grouped by configuration, in report order."""
    groups: dict[int, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(id(cell.configuration), []).append(cell)
    return list(groups.values())


def save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def plot_metric_vs_level(cells: list[Cell], metric: str, level_key: str, path: Path) -> Path:
    """`metric` against the level, a line per configuration with a ± std band over seeds; for FID also
    its floor (dashed). Points where runs did not complete carry an open ✕ and a note ("diverged
    1/3"); a level without any completed run gets the ✕ on the x axis."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for index, group in enumerate(by_configuration(cells)):
        color = COLORS[index % len(COLORS)]
        group = [cell for cell in group if cell.level is not None]
        if not group:
            continue
        points = [(cell.level, cell.stat(metric)) for cell in group if cell.stat(metric).mean is not None]
        if points:
            xs = [x for x, _ in points]
            means = [s.mean for _, s in points]
            stds = [s.std or 0.0 for _, s in points]
            ax.plot(xs, means, "o-", color=color, label=group[0].configuration.label)
            ax.fill_between(
                xs,
                [m - s for m, s in zip(means, stds)],
                [m + s for m, s in zip(means, stds)],
                color=color,
                alpha=0.18,
                linewidth=0,
            )
        if metric == "fid":
            floor = [(cell.level, cell.stat("fid_floor").mean) for cell in group if cell.stat("fid_floor").mean is not None]
            if floor:
                ax.plot([x for x, _ in floor], [y for _, y in floor], "--", color=color, linewidth=1)
        mark_incomplete(ax, group, metric, color, label=None if points else group[0].configuration.label)
    if metric == "fid":
        ax.plot([], [], "--", color="gray", linewidth=1, label="fid_floor (real vs real)")
    if any(len(cell.completed) < len(cell.runs) for cell in cells):
        ax.plot([], [], color="gray", label="not every seed completed", **INCOMPLETE)
    ax.set_xlabel(level_key)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} vs {level_key}: mean ± std (ddof={DDOF}) over completed seeds", fontsize=10)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="best")
    return save(fig, path)


def mark_incomplete(ax, group: list[Cell], metric: str, color, label: str | None) -> None:
    for cell in group:
        if len(cell.completed) == len(cell.runs):
            continue
        mean = cell.stat(metric).mean
        if mean is None:  # nothing to average: mark the level on the x axis
            ax.plot(
                [cell.level], [0.0], color=color, transform=ax.get_xaxis_transform(), clip_on=False, label=label, **INCOMPLETE
            )
            ax.annotate(
                cell.not_completed(),
                (cell.level, 0.0),
                xycoords=ax.get_xaxis_transform(),
                xytext=(4, 6),
                textcoords="offset points",
                fontsize=7,
                color=color,
            )
            label = None
        else:
            ax.plot([cell.level], [mean], color=color, **INCOMPLETE)
            ax.annotate(
                cell.not_completed(), (cell.level, mean), xytext=(5, 5), textcoords="offset points", fontsize=7, color=color
            )


def plot_metric_bars(cells: list[Cell], metric: str, path: Path) -> Path:
    """`metric` per configuration (no swept level): mean with ± std error bars; bars of cells where
    runs did not complete say so."""
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.45 * len(cells)))
    labels = [cell.configuration.label + ("" if cell.level is None else f" @ {cell.level:g}") for cell in cells]
    for y, cell in enumerate(cells):
        stat = cell.stat(metric)
        color = COLORS[y % len(COLORS)]
        if stat.mean is not None:
            ax.barh(y, stat.mean, xerr=stat.std or 0.0, color=color, alpha=0.8, capsize=3)
        if len(cell.completed) < len(cell.runs):
            ax.annotate(cell.not_completed(), (stat.mean or 0.0, y), xytext=(6, -3), textcoords="offset points", fontsize=7)
    ax.set_yticks(range(len(cells)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"{metric}: mean ± std (ddof={DDOF}) over completed seeds")
    ax.grid(axis="x", alpha=0.3)
    return save(fig, path)


def plot_training_curves(title: str, panels: dict[str, dict[str, Curve]], path: Path) -> Path:
    """One panel per scalar (`panels[name][line label]` = mean curve over seeds) against the G step."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.8), squeeze=False)
    for ax, (name, lines) in zip(axes[0], panels.items()):
        for index, (label, curve) in enumerate(lines.items()):
            ax.plot(
                [x for x, _ in curve],
                [y for _, y in curve],
                color=plt.get_cmap("viridis")(index / max(1, len(lines) - 1)),
                label=label,
                linewidth=1.2,
            )
        ax.set_xlabel("generator step")
        ax.set_title(f"{name} (mean over seeds)", fontsize=9)
        ax.grid(alpha=0.3)
        if not lines:
            ax.text(0.5, 0.5, "not logged", ha="center", va="center", transform=ax.transAxes)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    if handles:  # below the panels; bbox_inches="tight" keeps it in the PNG
        fig.legend(handles, labels, fontsize=7, loc="upper center", ncol=min(4, len(labels)), bbox_to_anchor=(0.5, 0.0))
    return save(fig, path)


def plot_robustness(results: list[Robustness], level_key: str, path: Path) -> Path:
    """Left: each configuration's metric relative to level 0 against the level; right: the ranked
    area under that curve (normalised by the level range), configurations without one marked why."""
    metric = results[0].metric
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 0.8 + max(3.6, 0.42 * len(results))), gridspec_kw={"width_ratios": [1, 1.1]}
    )
    for index, result in enumerate(results):
        points = [(level, value) for level, value in sorted(result.relative.items()) if value is not None]
        if points:
            left.plot(
                [x for x, _ in points],
                [y for _, y in points],
                "o-",
                color=COLORS[index % len(COLORS)],
                label=result.configuration.label,
            )
    left.axhline(1.0, color="gray", linestyle="--", linewidth=1)
    left.set_xlabel(level_key)
    left.set_ylabel(f"{metric}(level) / {metric}(0)")
    left.set_title("degradation relative to level 0", fontsize=10)
    left.grid(alpha=0.3)
    if left.get_legend_handles_labels()[0]:
        left.legend(fontsize=7)
    ys = range(len(results))
    right.barh(
        ys,
        [r.auc or 0.0 for r in results],
        color=[COLORS[i % len(COLORS)] if r.auc is not None else "white" for i, r in enumerate(results)],
        edgecolor="black",
        linewidth=0.5,
    )
    for y, result in zip(ys, results):
        text = f"{result.auc:.3f}" if result.auc is not None else f"n/a: {result.reason}"
        right.annotate(text, (result.auc or 0.0, y), xytext=(4, -3), textcoords="offset points", fontsize=7)
    right.axvline(1.0, color="gray", linestyle="--", linewidth=1)
    right.set_yticks(list(ys), [f"{i + 1}. {r.configuration.label}" for i, r in enumerate(results)], fontsize=8)
    right.invert_yaxis()
    better = "higher" if higher_is_better(metric) else "lower"
    right.set_title(f"area under the curve / level range ({better} is better; 1 = unaffected)", fontsize=10)
    fig.tight_layout()
    return save(fig, path)


def plot_probe_curves(curves: list[ProbeCurve], label_of, path: Path) -> Path:
    """A probe metric against the probe's level: a line per report row with mean ± std error bars over
    completed seeds; the legend lists the rows in ranking order. A probe measured at one level only
    (d_overfit, path_length) has no curve: its rows are drawn one under another instead."""
    return save(probe_figure(curves, label_of), path)


def probe_figure(curves: list[ProbeCurve], label_of):
    """The figure plot_probe_curves saves: curves against the level, or at a single level one row per curve."""
    probe, metric = curves[0].probe, curves[0].metric
    title = f"probe {probe}: {metric}, mean ± std (ddof={DDOF}) over completed seeds"
    levels = sorted({level for curve in curves for level in curve.stats})
    if len(levels) == 1:
        fig, ax = plt.subplots(figsize=(7.5, 0.8 + max(2.4, 0.36 * len(curves))))
        for row, curve in enumerate(curves):
            stat = curve.stats[levels[0]]
            if stat.mean is not None:
                ax.errorbar(stat.mean, row, xerr=stat.std or 0.0, fmt="o", capsize=3, color=COLORS[row % len(COLORS)])
        ax.set_yticks(range(len(curves)), [label_of(curve.cell) for curve in curves], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(metric)
        ax.set_title(f"{title}, at {probe} level {levels[0]:g}", fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        return fig
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for index, curve in enumerate(curves):
        levels = sorted(curve.stats)
        means = [curve.stats[level].mean for level in levels]
        stds = [curve.stats[level].std or 0.0 for level in levels]
        ax.errorbar(levels, means, yerr=stds, fmt="o-", capsize=3, color=COLORS[index % len(COLORS)], label=label_of(curve.cell))
    ax.set_xlabel(f"{probe} level")
    ax.set_ylabel(metric)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return fig


def plot_search(search: Search, path: Path) -> Path | None:
    """The trials of a search over its first two numeric parameters (or one against the objective),
    each coloured by its objective and labelled with its trial number; failed trials as ✕ on the
    parameter plane (left out of a plot against the objective), the best trial starred. An axis whose
    values are positive and span a factor of 10 or more is logarithmic. None when there is nothing to place."""
    from matplotlib.colors import LogNorm, Normalize

    keys = search.numeric_parameters[:2]
    if not keys:
        return None
    scored = [trial for trial in search.trials if trial.objective != FAILED_TRIAL_OBJECTIVE]
    failed = [trial for trial in search.trials if trial.objective == FAILED_TRIAL_OBJECTIVE and len(keys) > 1]
    trials = scored + failed
    if not trials:
        return None

    def position(trial) -> tuple[float, float]:
        return (trial.params[keys[0]], trial.params[keys[1]] if len(keys) > 1 else trial.objective)

    def logarithmic(values: list[float]) -> bool:
        return bool(values) and min(values) > 0 and max(values) >= 10 * min(values)

    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    values = [trial.objective for trial in scored]
    norm = (LogNorm if logarithmic(values) else Normalize)(min(values), max(values)) if values else None
    if scored:
        xs, ys = zip(*map(position, scored))
        points = ax.scatter(xs, ys, c=values, cmap="viridis", norm=norm, s=60, edgecolors="black", linewidths=0.5)
        fig.colorbar(points, ax=ax, label="objective (lower is better)")
    if failed:
        xs, ys = zip(*map(position, failed))
        ax.scatter(xs, ys, marker="x", color="black", s=60, label="failed (scored 1e6)")
    for trial in trials:
        ax.annotate(trial.number, position(trial), textcoords="offset points", xytext=(5, 4), fontsize=7)
    best = next(iter(scored), None)
    if best is not None:
        ax.scatter(
            *position(best),
            marker="*",
            s=320,
            facecolors="none",
            edgecolors="red",
            linewidths=1.5,
            label=f"best: trial {best.number}",
        )
    xs_all = [position(trial)[0] for trial in trials]
    ys_all = [position(trial)[1] for trial in trials]
    ax.set_xscale("log" if logarithmic(xs_all) else "linear")
    ax.set_yscale("log" if logarithmic(ys_all) else "linear")
    ax.set_xlabel(keys[0])
    ax.set_ylabel(keys[1] if len(keys) > 1 else "objective")
    ax.set_title(
        f"{len(trials)} trials of the search"
        + (f" (over {len(keys)} of {len(search.parameters)} parameters)" if len(keys) < len(search.parameters) else "")
    )
    ax.legend(loc="best", fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return save(fig, path)
