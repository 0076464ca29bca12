"""report.csv (one row per configuration and level, a mean and a std column per metric) and
report.md (the same rows readable, runs that did not complete, robustness ranking, figures)."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

from gan_lab.report.catalog import FID_RATIO, STABILITY_METRICS, WALL_TIME, higher_is_better
from gan_lab.report.contents import Contents
from gan_lab.report.runs import COMPLETED, MISSING, UNREADABLE, Run
from gan_lab.report.search import search_section
from gan_lab.report.stats import DDOF, Cell, Stat, ordered_counts

COUNT_COLUMNS = ("completed", "diverged", "failed", "interrupted", "running", "missing")
# steps to quality (gan_lab/report/quality.py): median over completed seeds, never-reached seeds counted as never
STEPS_TO_QUALITY_HEADER = "first step FID ≤ 3× floor, all classes (median)"


def csv_value(value: float | None) -> str:
    """Empty for an undefined number (no completed seed; std of a single seed), else repr-exact."""
    return "" if value is None else repr(float(value))


def write_csv(contents: Contents, path: Path) -> Path:
    """report.csv: configuration, overrides, level, run counts by status, then `<metric>_mean`,
    `<metric>_std` (std with ddof=1, over completed seeds) for every metric, fid/floor and wall time,
    and the steps to quality (median first step at FID ≤ 3× floor, `inf` if the median seed never got
    there; how many seeds got there)."""
    metrics = contents.csv_metrics + [FID_RATIO, WALL_TIME]
    header = ["configuration", "overrides", "level_key", "level", "n_runs", *(f"n_{name}" for name in COUNT_COLUMNS)]
    header += [f"{name.replace('/', '_over_')}_{part}" for name in metrics for part in ("mean", "std")]
    header += ["steps_to_fid_3x_floor_median", "steps_to_fid_3x_floor_reached"]  # gan_lab/report/quality.py
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for cell in contents.cells:
            counts = cell.counts
            row = [
                cell.configuration.label,
                " ".join(cell.configuration.key),
                contents.grouping.level_key or "",
                csv_value(cell.level),
                len(cell.runs),
                *(counts[name] for name in COUNT_COLUMNS),
            ]
            for name in metrics:
                stat = cell.stat(name)
                row += [csv_value(stat.mean), csv_value(stat.std)]
            quality = cell.steps_to_quality
            row += [csv_value(quality.median) if quality else "", quality.reached if quality else ""]
            writer.writerow(row)
    return path


def write_probes_csv(contents: Contents, path: Path) -> Path:
    """probes.csv: a row per report row, probe, metric and probe level: mean, std (ddof=1) and the
    number of completed seeds, and the row's robustness AUC for that probe metric."""
    header = ["configuration", "level_key", "level", "probe", "metric", "probe_level", "mean", "std", "n", "auc"]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for (probe, metric), curves in contents.probe_curves.items():
            for curve in curves:
                cell = curve.cell
                for level, stat in curve.stats.items():
                    writer.writerow([
                        cell.configuration.label, contents.grouping.level_key or "", csv_value(cell.level),
                        probe, metric, repr(level), csv_value(stat.mean), csv_value(stat.std), stat.n, csv_value(curve.auc),
                    ])  # fmt: skip
    return path


def write_stability_csv(contents: Contents, path: Path) -> Path:
    """stability.csv: a row per report row (most stable first): each stability number's mean and std
    over completed seeds, the final FID's coefficient of variation over seeds, the collapsed count and
    steps, and how many seeds never reached a diversity bound."""
    header = ["rank", "configuration", "level_key", "level"]
    header += [f"{m}_{part}" for m in STABILITY_METRICS for part in ("mean", "std")] + [
        "seed_cv_fid",
        "n_collapsed",
        "collapsed_at_steps",
        "n_never_reached",
    ]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for index, row in enumerate(contents.stability, start=1):
            cell = row.cell
            values = [csv_value(getattr(row.stats.get(m), part, None)) for m in STABILITY_METRICS for part in ("mean", "std")]
            steps = " ".join(str(run.collapsed_at_step) for run in row.collapsed)
            writer.writerow([
                index if row.rank_key is not None else "", cell.configuration.label, contents.grouping.level_key or "",
                csv_value(cell.level), *values, csv_value(row.seed_cv), len(row.collapsed), steps, len(row.never_reached),
            ])  # fmt: skip
    return path


def fmt_number(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}g}" if math.isfinite(value) else str(value)


def fmt_stat(stat: Stat, cell: Cell) -> str:
    """Mean ± std ("12.3 ± 0.45"), "12.3 (1 seed)", "no completed run" or "not logged" (by the completed runs)."""
    if stat.mean is None:
        return "not logged" if cell.completed else "no completed run"
    if stat.std is None:
        return f"{fmt_number(stat.mean)} (1 seed)"
    return f"{fmt_number(stat.mean)} ± {fmt_number(stat.std, digits=2)}"


def md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(md_escape(str(cell)) for cell in row) + " |" for row in rows]


def level_text(level: float | None) -> str:
    return "not set" if level is None else f"{level:g}"


def results_table(contents: Contents) -> list[str]:
    level_key = contents.grouping.level_key
    header = ["configuration"] + ([level_key] if level_key else []) + ["seeds completed", "not completed"]
    columns: list[str] = []
    for name in contents.table_metrics:
        if name == "fid" and any(cell.stat(FID_RATIO).n for cell in contents.cells):
            columns += ["fid", "fid_floor", FID_RATIO]  # the floor beside FID
        elif name not in columns:
            columns.append(name)
    quality = any(cell.steps_to_quality and cell.steps_to_quality.median is not None for cell in contents.cells)
    header += columns + ([STEPS_TO_QUALITY_HEADER] if quality else []) + ["wall time (s)"]
    rows = []
    for cell in contents.cells:
        row = [cell.configuration.label] + ([level_text(cell.level)] if level_key else [])
        row += [f"{len(cell.completed)}/{len(cell.runs)}", not_completed_or_collapsed(cell)]
        row += [fmt_stat(cell.stat(name), cell) for name in columns]
        row += [cell.steps_to_quality.text() if cell.steps_to_quality else "n/a"] if quality else []
        row += [fmt_stat(cell.stat(WALL_TIME), cell)]
        rows.append(row)
    return md_table(header, rows)


def not_completed_or_collapsed(cell: Cell) -> str:
    """The results table's flag column: runs out of the means, and completed runs that collapsed or
    never reached a diversity bound."""
    collapsed = [run for run in cell.completed if run.collapsed_at_step is not None]
    never = [run for run in cell.completed if run.never_reached]
    flags = [] if cell.not_completed() == "none" else [cell.not_completed()]
    if collapsed:
        steps = ", ".join(str(run.collapsed_at_step) for run in collapsed)
        flags.append(f"collapsed {len(collapsed)}/{len(cell.runs)} (step {steps})")
    if never:
        flags.append(f"never reached {len(never)}/{len(cell.runs)}")
    return ", ".join(flags) or "none"


def run_where(contents: Contents, run: Run) -> str:
    """Where a run belongs: "<configuration> @ corruption.level=0.2, seed 1"."""
    for cell in contents.cells:
        if any(member is run for member in cell.runs):
            level = f" @ {contents.grouping.level_key}={level_text(cell.level)}" if contents.grouping.level_key else ""
            return f"{cell.configuration.label}{level}, seed {run.seed}"
    return "configuration unknown"


def first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def problem_lines(contents: Contents) -> list[str]:
    """A bullet per run that is not in the means (diverged, failed, interrupted, running, missing), and
    per completed run that collapsed or never reached a diversity bound (it is in the means, and flagged)."""
    lines = []
    for run in contents.runs:
        if run.status == COMPLETED:
            if run.collapsed_at_step is not None:
                reason = run.stability.get("collapse_reason") or "collapse flag raised"
                lines.append(
                    f"- **collapsed** at generator step {run.collapsed_at_step} ({run_where(contents, run)}): "
                    f"{reason} — `{run.path}`"
                )
            if run.never_reached:
                lines.append(f"- **never reached** ({run_where(contents, run)}): {run.never_reached} — `{run.path}`")
            continue
        where = run_where(contents, run)
        if run.status in (MISSING, UNREADABLE):
            lines.append(f"- **{run.status}**: `{run.path}` ({where}): {run.note}")
            continue
        step = run.diverged_at_step if run.diverged_at_step is not None else run.steps
        what = f", {run.diverged_quantity} non-finite" if run.diverged_quantity else ""
        error = f": {first_line(run.error)}" if run.error else ""
        lines.append(f"- **{run.status}** at generator step {step}{what} ({where}){error} — `{run.path}`")
    return lines


def robustness_section(contents: Contents, metric: str) -> list[str]:
    results = contents.robustness[metric]
    levels = sorted({level for result in results for level in result.relative})
    better = "higher" if higher_is_better(metric) else "lower"
    lines = [
        f"### {metric}",
        "",
        f"{metric}(level) / {metric}(0), on means over completed seeds; AUC = trapezoid of that ratio over the "
        f"levels / (last level − first level): 1 = unaffected by the level, {better} is better. Best first.",
        "",
    ]
    header = ["rank", "configuration"] + [f"{level:g}" for level in levels] + ["AUC"]
    rows = []
    for index, result in enumerate(results, start=1):
        values = [
            fmt_number(v)
            if (v := result.relative.get(level)) is not None
            else ("no value" if level in result.relative else "not run")
            for level in levels
        ]
        auc = fmt_number(result.auc) if result.auc is not None else f"n/a: {result.reason}"
        rows.append([str(index) if result.auc is not None else "–", result.configuration.label, *values, auc])
    level_sets = {tuple(sorted(result.relative)) for result in results if result.auc is not None}
    lines += md_table(header, rows)
    if len(level_sets) > 1:
        lines += ["", "Note: configurations were run at different levels; their AUCs cover different ranges."]
    return lines


def probe_section(contents: Contents, probe: str, metric: str) -> list[str]:
    curves = contents.probe_curves[(probe, metric)]
    levels = sorted({level for curve in curves for level in curve.stats})
    better = "higher" if higher_is_better(metric) else "lower"
    lines = [f"### {probe}: {metric}", "", f"Mean ± std over completed seeds at each probe level; {better} is better."]
    if any(curve.auc is not None and curve.relative for curve in curves):
        lines.append(
            f"AUC = trapezoid of {metric}(level) / {metric}(reference level) over the levels / the level range "
            "(the reference: the unperturbed model); rows ranked by it, best first."
        )
    elif any(curve.auc is not None for curve in curves):
        lines.append(
            f"AUC = trapezoid of {metric}(level) over the levels / the level range ({metric} measures a change, "
            "0 for the unperturbed model): the mean over the range; rows ranked by it, best first."
        )
    header = ["rank", "row"] + [f"{level:g}" for level in levels] + ["AUC"]
    rows = []
    for index, curve in enumerate(curves, start=1):
        cells = [fmt_stat(curve.stats[level], curve.cell) if level in curve.stats else "not run" for level in levels]
        auc = fmt_number(curve.auc) if curve.auc is not None else f"n/a: {curve.reason}"
        rows.append([str(index) if curve.auc is not None else "–", contents.row_label(curve.cell), *cells, auc])
    lines += [""] + md_table(header, rows)
    figure = contents.probe_figures.get((probe, metric))
    return lines + ([""] + figure_lines([figure], contents.out) if figure else [])


def stability_section(contents: Contents) -> list[str]:
    shown = [m for m in STABILITY_METRICS if any(m in row.stats for row in contents.stability)]
    lines = [
        "Per run (gan_lab/metrics/stability.py): `fid_cv` = coefficient of variation of FID over the evaluations "
        "of the second half of training; `fid_oscillation` = the same evaluations' std around their least-squares "
        "line over their mean (a FID still falling steadily is not counted); `*_loss_oscillation` = std of the loss "
        "around its trend over the last 20 % "
        "of steps; `grad_spikes_*` = gradient norms above 10 × their running median; collapsed = in the second half, "
        "recall or coverage below half its floor and half its best before, or a class (mode) lost that the run had "
        "covered, once it had learned half of that; never reached = no evaluation reached half the recall or "
        "coverage floor, or every class (mode). Here: mean ± std over completed seeds; "
        "`seed CV of FID` = std / mean of the final FID over seeds. Ranked most stable first (by `fid_oscillation`, "
        "or `fid_cv` for runs that predate it, then the seed CV).",
        "",
    ]
    header = ["rank", "row", *shown, "seed CV of FID", "collapsed", "never reached"]
    rows = []
    for index, row in enumerate(contents.stability, start=1):
        values = [fmt_stat(row.stats[m], row.cell) if m in row.stats else "not logged" for m in shown]
        seed_cv = fmt_number(row.seed_cv) if row.seed_cv is not None else "n/a"
        rank = str(index) if row.rank_key is not None else "–"
        rows.append([rank, contents.row_label(row.cell), *values, seed_cv, row.collapse_text(), row.never_reached_text()])
    return lines + md_table(header, rows)


def figure_lines(paths: list[Path], out: Path) -> list[str]:
    return [f"![{path.stem}]({Path(os.path.relpath(path, out)).as_posix()})" for path in paths]


def write_markdown(contents: Contents, path: Path) -> Path:
    """report.md: summary, results table, runs that did not complete, robustness, figures."""
    out = path.parent
    runs = contents.runs
    counts = ordered_counts(runs)
    grouping = contents.grouping
    lines = [
        "# gan_lab report",
        "",
        "Sources: " + ", ".join(f"`{source}`" for source in contents.sources),
        "",
        f"Runs: {len(runs)} (" + ", ".join(f"{status} {n}" for status, n in counts if n) + ").",
    ]
    if grouping.common:
        lines.append("Overrides every run shares (left out of the labels): `" + " ".join(grouping.common) + "`.")
    if grouping.level_key:
        levels = sorted({level for c in grouping.configurations for level in c.levels})
        lines.append(f"Swept level: `{grouping.level_key}` ({', '.join(f'{level:g}' for level in levels)}).")
    elif contents.search is not None:
        lines.append("No swept level: the trials of a search are points in the space of its parameters (below).")
    else:
        lines.append("No swept level: no numeric override takes two or more values (or `--level none`).")
    if contents.search is not None:
        figure = figure_lines([contents.search_figure], out)[0] if contents.search_figure else None
        lines += ["", "## Search", ""] + search_section(contents.search, figure)
    lines += [
        "",
        f"Means and standard deviations (sample std, ddof={DDOF}) are over the **completed** seeds of each "
        "row; diverged, failed, interrupted and missing runs are counted in *not completed* and listed below.",
        "",
        "## Results",
        "",
    ]
    lines += results_table(contents)
    problems = problem_lines(contents)
    lines += ["", "## Runs that did not complete, collapsed or never reached", ""] + (
        problems or ["None: every run completed, none collapsed, every one reached its diversity bounds."]
    )
    if contents.robustness:
        lines += ["", "## Robustness", ""]
        for metric in contents.robustness:
            figure = contents.robustness_figures.get(metric)
            lines += robustness_section(contents, metric) + [""] + (figure_lines([figure], out) + [""] if figure else [])
    if contents.stability:
        lines += ["", "## Stability", ""] + stability_section(contents)
    if contents.probe_curves:
        lines += ["", "## Probes of the trained models", ""]
        for probe, metric in contents.probe_curves:
            lines += probe_section(contents, probe, metric) + [""]
    for section, paths in contents.figures.items():
        if paths:
            lines += ["", f"## {section}", ""] + figure_lines(paths, out)
    if contents.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in contents.notes]
    path.write_text("\n".join(lines) + "\n")
    return path
