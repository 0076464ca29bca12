"""One figure per claim of the findings page: every seed of every configuration of its table as a dot,
mean ± std as a bar, the compared configurations coloured, the real-vs-real floor dashed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from gan_lab.report.stats import Stat  # noqa: E402

if TYPE_CHECKING:
    from gan_lab.report.findings import Claim

BASELINE, TREATMENT, OTHER = "#1f77b4", "#d62728", "#7f7f7f"


def row_color(claim: Claim, runs: list) -> str:
    ids = {id(run) for run in runs}
    if any(ids & {id(run) for run in comparison.treatment_runs} for comparison in claim.comparisons):
        return TREATMENT
    if any(ids & {id(run) for run in comparison.baseline_runs} for comparison in claim.comparisons):
        return BASELINE
    return OTHER


def plot_claim(claim: Claim, path: Path) -> Path:
    """The claim's table as a figure (PNG without a software stamp, so equal inputs give equal bytes)."""
    rows = claim.rows
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(rows) + 2.5), 4.2))
    for x, entry in enumerate(rows):
        color = row_color(claim, entry.runs)
        ax.plot([x] * len(entry.values), entry.values, "o", color=color, alpha=0.55, markersize=5)
        stat = Stat.of(entry.values)
        if stat.mean is not None:
            ax.errorbar([x], [stat.mean], yerr=[stat.std or 0.0], fmt="_", color=color, markersize=22, capsize=5, linewidth=2)
        if entry.floors:
            floor = Stat.of(entry.floors).mean
            ax.hlines(floor, x - 0.35, x + 0.35, colors="black", linestyles="dashed", linewidth=1)
        if len(entry.values) < len(entry.runs):
            ax.annotate(f"{len(entry.runs) - len(entry.values)} not completed", (x, 0), xycoords=("data", "axes fraction"),
                        ha="center", va="bottom", fontsize=7, color="black")
    if claim.metric == "fid/floor":
        ax.axhline(1.0, color="black", linestyle="dashed", linewidth=1)
    ax.set_xticks(range(len(rows)), [entry.label for entry in rows], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(claim.metric)
    ax.set_title(f"Claim {claim.number}: {claim.study} (blue: baseline, red: treatment; dashed: floor)", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path
