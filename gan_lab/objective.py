"""What a search (sweeper=optuna) minimises: a run's final FID, or the mode KL on 2-D data.

Kept apart from gan_lab/run.py so that a report can rank a search's trials without importing torch."""

from __future__ import annotations

import math
from typing import Any

# What a search is told of a trial that diverged, failed or left no final FID: far worse than any
# FID, so the search moves away from it and goes on.
FAILED_TRIAL_OBJECTIVE = 1.0e6
OBJECTIVE_METRICS = ("fid", "mode_kl")  # the first one a run has is its objective


def objective(results: dict[str, Any]) -> float:
    """A run's value for a search, lower is better: its final FID (the mode KL on 2-D data), or
    FAILED_TRIAL_OBJECTIVE when it did not complete or has no finite one."""
    metrics = results.get("metrics") or {}
    value = next((metrics[name] for name in OBJECTIVE_METRICS if name in metrics), None)
    if results.get("status") != "completed" or not isinstance(value, float) or not math.isfinite(value):
        return FAILED_TRIAL_OBJECTIVE
    return value
