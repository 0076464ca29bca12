"""The members a Hydra multirun planned, from its multirun.yaml: so that members that never started
(a sweep killed half-way) are reported, not silently absent."""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from gan_lab.compat import BASIC_SWEEPER_TARGET, expand_basic_sweep

log = logging.getLogger(__name__)


def expected_members(multirun_yaml: Path) -> dict[int, list[str]]:
    """{job number: its task overrides} as Hydra's basic sweeper expands the sweep saved in
    `multirun_yaml` (`hydra.sweeper.params`, then the command line's `hydra.overrides.task`).
    Empty when the file cannot be read or another sweeper (Optuna, ...) ran the sweep: the report
    then knows only the member directories that exist."""
    try:
        hydra_cfg = (yaml.safe_load(multirun_yaml.read_text()) or {}).get("hydra") or {}
        sweeper = hydra_cfg.get("sweeper") or {}
        if sweeper.get("_target_", BASIC_SWEEPER_TARGET) != BASIC_SWEEPER_TARGET:
            return {}
        params = [f"{key}={value}" for key, value in (sweeper.get("params") or {}).items()]
        arguments = params + list((hydra_cfg.get("overrides") or {}).get("task") or [])
        jobs = expand_basic_sweep(arguments)
    except Exception as err:  # noqa: BLE001 - a sweep the report cannot expand is reported by its directories
        log.warning(
            "%s: cannot expand the sweep (%s: %s); members that never started are not listed",
            multirun_yaml,
            type(err).__name__,
            err,
        )
        return {}
    return {number: list(job) for number, job in enumerate(jobs)}
