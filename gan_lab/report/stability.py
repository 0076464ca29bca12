"""Stability per report row: the mean ± std over completed seeds of each run's stability numbers
(results.json `stability`), the spread of the final FID over seeds, how many seeds collapsed and
when, how many never reached a diversity bound, and a ranking (most stable first)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gan_lab.report.catalog import STABILITY_METRICS
from gan_lab.report.runs import Run
from gan_lab.report.stats import Cell, Stat

SEED_CV = "seed_cv_fid"  # the final FID's coefficient of variation over seeds


@dataclass
class StabilityRow:
    """One report row's stability. `rank_key`: what the ranking sorts by (the mean FID oscillation
    around its trend over the second half of training — or the mode KL's on 2-D data; runs that predate
    it: the FID CV — then the seed spread); None: unranked."""

    cell: Cell
    stats: dict[str, Stat] = field(default_factory=dict)
    seed_cv: float | None = None
    collapsed: list[Run] = field(default_factory=list)
    never_reached: list[Run] = field(default_factory=list)

    @property
    def rank_key(self) -> tuple[float, float] | None:
        by = ("fid_oscillation", "mode_kl_oscillation", "fid_cv", "mode_kl_cv")
        within = next((self.stats[m].mean for m in by if m in self.stats and self.stats[m].mean is not None), None)
        if within is None:
            return None
        return (within, self.seed_cv if self.seed_cv is not None else float("inf"))

    def collapse_text(self) -> str:
        """ "none", or "2/3 (steps 1800, 2400)"."""
        if not self.collapsed:
            return "none"
        steps = ", ".join(str(run.collapsed_at_step) for run in self.collapsed)
        return f"{len(self.collapsed)}/{len(self.cell.completed)} (step{'s' if len(self.collapsed) > 1 else ''} {steps})"

    def never_reached_text(self) -> str:
        """ "none", or "2/3": seeds that never reached a diversity bound (never learned, or never covered every class)."""
        return f"{len(self.never_reached)}/{len(self.cell.completed)}" if self.never_reached else "none"


def stability_rows(cells: list[Cell]) -> list[StabilityRow]:
    """A row per cell with completed runs that report stability, ranked most stable first (unranked last)."""
    rows = []
    for cell in cells:
        done = [run for run in cell.completed if run.stability]
        if not done:
            continue
        row = StabilityRow(cell)
        for metric in STABILITY_METRICS:
            values = [float(run.stability[metric]) for run in done if isinstance(run.stability.get(metric), (int, float))]
            if values:
                row.stats[metric] = Stat.of(values)
        fid = cell.stat("fid")
        if fid.mean and fid.std is not None:
            row.seed_cv = fid.std / fid.mean
        row.collapsed = [run for run in done if run.collapsed_at_step is not None]
        row.never_reached = [run for run in done if run.never_reached]
        rows.append(row)
    ranked = sorted((r for r in rows if r.rank_key is not None), key=lambda r: r.rank_key)
    return ranked + [r for r in rows if r.rank_key is None]
