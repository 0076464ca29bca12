"""build_report: collect runs, group them, summarise, and write report.md, report.csv and the PNGs."""

from __future__ import annotations

import re
from pathlib import Path

from gan_lab.report.catalog import CURVE_COLUMNS, CURVE_EVAL_COLUMNS, default_table_metrics, ordered_metrics
from gan_lab.report.contents import Contents
from gan_lab.report.curves import find_metrics_csv, mean_curve, read_curves
from gan_lab.report.errors import ReportError
from gan_lab.report.grouping import NO_LEVEL, group_runs
from gan_lab.report.plots import (
    plot_metric_bars,
    plot_metric_vs_level,
    plot_probe_curves,
    plot_robustness,
    plot_search,
    plot_training_curves,
)
from gan_lab.report.probes import probe_curves, probe_metrics, probes_present
from gan_lab.report.robustness import robustness_table
from gan_lab.report.runs import MULTIRUN_FILE, Run, collect_runs
from gan_lab.report.search import SEARCH_FILE, find_search
from gan_lab.report.stability import stability_rows
from gan_lab.report.stats import summarise
from gan_lab.report.tables import write_csv, write_markdown, write_probes_csv, write_stability_csv
from gan_lab.study.members import LEDGER_FILE

REPORT_MD, REPORT_CSV, PROBES_CSV, STABILITY_CSV = "report.md", "report.csv", "probes.csv", "stability.csv"


def default_out(dirs: list[str | Path]) -> Path:
    """The first DIR when it is a multirun, study or search directory (the report lands beside its
    members; a study's small outputs copied elsewhere keep their study.yaml), else ./report."""
    first = Path(dirs[0])
    return first if any((first / name).is_file() for name in (MULTIRUN_FILE, LEDGER_FILE, SEARCH_FILE)) else Path("report")


def build_report(
    dirs: list[str | Path],
    out: str | Path | None = None,
    metrics: list[str] | None = None,
    level: str | None = None,
    ignore: tuple[str, ...] = (),
) -> Contents:
    """Report on the runs under `dirs` into `out` (default: `default_out`). `metrics`: report.md's
    columns, the plots and the robustness ranking (default: the evaluation metrics present; ranking by
    FID, or the mode KL on 2-D data); `level`: the swept override (default: found; "none" for none);
    `ignore`: override keys (and their sub-keys) left out of configurations besides the seed and noise.
    Returns what was reported; raises ReportError naming the directory, file or option at fault."""
    if not dirs:
        raise ReportError("give at least one run or multirun directory")
    runs = collect_runs(dirs)
    out = Path(out) if out is not None else default_out(dirs)
    if out.exists() and not out.is_dir():
        raise ReportError(f"--out {out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)

    search = find_search([Path(d) for d in dirs], runs)
    if search is not None and level is None:
        level = NO_LEVEL  # a search's trials are points in a plane, not levels of one override
    grouping = group_runs(runs, level=level, ignore=tuple(ignore))
    present = metrics_present(runs)
    table_metrics = choose_metrics(metrics, present)
    csv_metrics = ordered_metrics(present)
    cells = summarise(grouping, csv_metrics)
    contents = Contents(out, [Path(d) for d in dirs], runs, grouping, cells, table_metrics, csv_metrics, search=search)

    if grouping.level_key:
        for metric in metrics or [primary_metric(present)]:
            if metric:
                contents.robustness[metric] = robustness_table(cells, metric)
    for probe in probes_present(cells):
        for metric in probe_metrics(cells, probe):
            contents.probe_curves[(probe, metric)] = probe_curves(cells, probe, metric)
    contents.stability = stability_rows(cells)
    draw_figures(contents, out)
    write_csv(contents, out / REPORT_CSV)
    if contents.probe_curves:
        write_probes_csv(contents, out / PROBES_CSV)
    if contents.stability:
        write_stability_csv(contents, out / STABILITY_CSV)
    write_markdown(contents, out / REPORT_MD)
    return contents


def metrics_present(runs: list[Run]) -> set[str]:
    """Metric names of the completed runs (of every run when none completed)."""
    completed = [run for run in runs if run.completed]
    return {name for run in completed or runs for name in run.metrics}


def choose_metrics(requested: list[str] | None, present: set[str]) -> list[str]:
    if not requested:
        return default_table_metrics(present)
    unknown = [name for name in requested if name not in present]
    if unknown:
        raise ReportError(
            f"--metric {' '.join(unknown)}: not in any run's results.json metrics "
            f"(available: {', '.join(ordered_metrics(present))})"
        )
    return list(dict.fromkeys(requested))


def primary_metric(present: set[str]) -> str | None:
    """What the robustness ranking uses by default: FID, else the mode KL (2-D data)."""
    return next((name for name in ("fid", "mode_kl") if name in present), None)


def slug(text: str) -> str:
    """A file-name-safe version of a label: `corruption.ambient=true` → `corruption.ambient-true`."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text.replace("=", "-")).strip("_")[:80] or "runs"


def draw_figures(contents: Contents, out: Path) -> None:
    """The PNGs, listed by section in `contents.figures`."""
    level_key = contents.grouping.level_key
    plotted = [m for m in contents.table_metrics if not (m == "fid_floor" and "fid" in contents.table_metrics)]
    if level_key:
        with_level = [cell for cell in contents.cells if cell.level is not None]
        contents.figures["Metrics vs level"] = [
            plot_metric_vs_level(with_level, metric, level_key, out / f"{slug(metric)}_vs_{slug(level_key)}.png")
            for metric in plotted
        ]
        if len(with_level) < len(contents.cells):
            contents.notes.append(f"rows without `{level_key}` are in the tables but not in the level plots")
    else:
        contents.figures["Metrics by configuration"] = [
            plot_metric_bars(contents.cells, metric, out / f"{slug(metric)}_by_configuration.png") for metric in plotted
        ]
    for metric, results in contents.robustness.items():
        if results:
            contents.robustness_figures[metric] = plot_robustness(results, level_key, out / f"robustness_{slug(metric)}.png")
    contents.figures["Training curves"] = training_curve_figures(contents, out)
    if contents.search is not None:
        contents.search_figure = plot_search(contents.search, out / "search_trials.png")
        if contents.search_figure is None:
            contents.notes.append("no map of the search: no searched parameter is a number in every trial, or no trial scored")
    for (probe, metric), curves in contents.probe_curves.items():
        if curves:
            path = out / f"probe_{slug(probe)}_{slug(metric)}.png"
            contents.probe_figures[(probe, metric)] = plot_probe_curves(curves, contents.row_label, path)


def training_curve_figures(contents: Contents, out: Path) -> list[Path]:
    """One figure per configuration: d_loss, g_loss and the evaluation metric against the G step, a
    line per level, each the mean over that level's seeds (diverged seeds until they diverged)."""
    columns = CURVE_COLUMNS + CURVE_EVAL_COLUMNS
    logs = {}
    for run in contents.runs:
        path = find_metrics_csv(run.path) if run.path.is_dir() else None
        if path is not None:
            logs[id(run)] = read_curves(path, columns)
    if not logs:
        contents.notes.append("no training curves: no run has a metrics.csv (conf/logger/csv.yaml)")
        return []
    eval_column = next((c for c in CURVE_EVAL_COLUMNS if any(c in curves for curves in logs.values())), CURVE_EVAL_COLUMNS[0])
    level_key = contents.grouping.level_key
    paths = []
    for index, configuration in enumerate(contents.grouping.configurations):
        panels: dict[str, dict] = {name: {} for name in (*CURVE_COLUMNS, eval_column)}
        for cell in [c for c in contents.cells if c.configuration is configuration]:
            logged = [logs[id(run)] for run in cell.runs if id(run) in logs]
            label = "all seeds" if cell.level is None or not level_key else f"{level_key}={cell.level:g}"
            if len(cell.completed) < len(cell.runs):
                label += f" ({cell.not_completed()})"
            for name in panels:
                curves = [curves[name] for curves in logged if name in curves]
                if curves:
                    panels[name][label] = mean_curve(curves)
        path = out / f"curves_{index + 1:02d}_{slug(configuration.label)}.png"
        paths.append(plot_training_curves(configuration.label, panels, path))
    return paths
