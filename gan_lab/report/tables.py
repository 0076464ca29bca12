"""report.csv (one row per configuration and level, a mean and a std column per metric) and
report.md (the same rows readable, runs that did not complete, robustness ranking, figures)."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

from gan_lab.report.catalog import FID_RATIO, WALL_TIME, higher_is_better
from gan_lab.report.contents import Contents
from gan_lab.report.runs import COMPLETED, MISSING, UNREADABLE, Run
from gan_lab.report.stats import DDOF, Cell, Stat, ordered_counts

COUNT_COLUMNS = ("completed", "diverged", "failed", "interrupted", "running", "missing")


def csv_value(value: float | None) -> str:
    """Empty for an undefined number (no completed seed; std of a single seed), else repr-exact."""
    return "" if value is None else repr(float(value))


def write_csv(contents: Contents, path: Path) -> Path:
    """report.csv: configuration, overrides, level, run counts by status, then `<metric>_mean`,
    `<metric>_std` (std with ddof=1, over completed seeds) for every metric, fid/floor and wall time."""
    metrics = contents.csv_metrics + [FID_RATIO, WALL_TIME]
    header = ["configuration", "overrides", "level_key", "level", "n_runs", *(f"n_{name}" for name in COUNT_COLUMNS)]
    header += [f"{name.replace('/', '_over_')}_{part}" for name in metrics for part in ("mean", "std")]
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
            writer.writerow(row)
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
    header += columns + ["wall time (s)"]
    rows = []
    for cell in contents.cells:
        row = [cell.configuration.label] + ([level_text(cell.level)] if level_key else [])
        row += [f"{len(cell.completed)}/{len(cell.runs)}", cell.not_completed()]
        row += [fmt_stat(cell.stat(name), cell) for name in columns] + [fmt_stat(cell.stat(WALL_TIME), cell)]
        rows.append(row)
    return md_table(header, rows)


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
    """A bullet per run that is not in the means: diverged, failed, interrupted, running, missing."""
    lines = []
    for run in contents.runs:
        if run.status == COMPLETED:
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
    else:
        lines.append("No swept level: no numeric override takes two or more values (or `--level none`).")
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
    lines += ["", "## Runs that did not complete", ""] + (problems or ["None: every run completed."])
    if contents.robustness:
        lines += ["", "## Robustness", ""]
        for metric in contents.robustness:
            figure = contents.robustness_figures.get(metric)
            lines += robustness_section(contents, metric) + [""] + (figure_lines([figure], out) + [""] if figure else [])
    for section, paths in contents.figures.items():
        if paths:
            lines += ["", f"## {section}", ""] + figure_lines(paths, out)
    if contents.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in contents.notes]
    path.write_text("\n".join(lines) + "\n")
    return path
