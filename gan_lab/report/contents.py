"""Everything one report says, gathered before any file is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gan_lab.report.grouping import Grouping
from gan_lab.report.probes import ProbeCurve
from gan_lab.report.robustness import Robustness
from gan_lab.report.runs import Run
from gan_lab.report.search import Search
from gan_lab.report.stability import StabilityRow
from gan_lab.report.stats import Cell


@dataclass
class Contents:
    out: Path  # where report.md, report.csv and the PNGs go
    sources: list[Path]
    runs: list[Run]
    grouping: Grouping
    cells: list[Cell]
    table_metrics: list[str]  # report.md's columns and the per-metric plots
    csv_metrics: list[str]  # every metric present: report.csv's columns
    robustness: dict[str, list[Robustness]] = field(default_factory=dict)  # metric → ranked, best first
    figures: dict[str, list[Path]] = field(default_factory=dict)  # section → PNGs (in the output folder)
    robustness_figures: dict[str, Path] = field(default_factory=dict)  # metric → its ranking's bar plot
    notes: list[str] = field(default_factory=list)  # what could not be drawn, and why
    probe_curves: dict[tuple[str, str], list[ProbeCurve]] = field(default_factory=dict)  # (probe, metric) → ranked curves
    probe_figures: dict[tuple[str, str], Path] = field(default_factory=dict)
    stability: list[StabilityRow] = field(default_factory=list)  # ranked, most stable first
    search: Search | None = None  # when a source is an Optuna search: its trials ranked
    search_figure: Path | None = None

    def row_label(self, cell: Cell) -> str:
        """A report row's name: its configuration, and the swept level when there is one."""
        level_key = self.grouping.level_key
        return cell.configuration.label + (f" @ {level_key}={cell.level:g}" if level_key and cell.level is not None else "")

    def all_figures(self) -> list[Path]:
        """Every PNG the report wrote."""
        return (
            [path for paths in self.figures.values() for path in paths]
            + list(self.robustness_figures.values())
            + list(self.probe_figures.values())
            + ([self.search_figure] if self.search_figure else [])
        )
