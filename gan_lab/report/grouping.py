"""Runs grouped into configurations: the overrides that are not the seed, not noise (paths, Hydra's
own settings, loggers) and not the swept level."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from gan_lab.report.errors import ReportError
from gan_lab.report.runs import MISSING, UNREADABLE, Run
from gan_lab.study.members import STUDY_KEYS

# Overrides that say where and how a run logged, not what it trained: left out of configurations.
NOISE = (
    "seed",
    "hydra",
    "paths",
    "logger",
    *STUDY_KEYS,  # study=, resume=, retry=: how an invocation of a study ran, not what a member trained
    "callbacks.progress_bar",
    "trainer.enable_progress_bar",
    "trainer.enable_model_summary",
)
NO_LEVEL = "none"


def split_override(item: str) -> tuple[str, str]:
    """`+key=value` / `++key=value` / `key=value` → (key, value); `~key` → (key, "~")."""
    if item.startswith("~"):
        return item[1:].partition("=")[0], "~"
    key, _, value = item.lstrip("+").partition("=")
    return key, value


def is_noise(key: str, extra: tuple[str, ...] = ()) -> bool:
    return any(key == prefix or key.startswith(prefix + ".") for prefix in NOISE + extra)


def as_level(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass
class Configuration:
    """One configuration: its overrides (`key`), a short label (the overrides that differ between
    the report's configurations) and its runs by level (None: the run did not set the level)."""

    key: tuple[str, ...]
    label: str = ""
    runs: dict[float | None, list[Run]] = field(default_factory=dict)

    @property
    def levels(self) -> list[float]:
        return sorted(level for level in self.runs if level is not None)


@dataclass
class Grouping:
    level_key: str | None
    configurations: list[Configuration]
    common: list[str]  # overrides every run shares (left out of the labels)
    unattributed: list[Run] = field(default_factory=list)  # missing runs whose overrides are unknown


def relevant_overrides(run: Run, ignore: tuple[str, ...]) -> dict[str, str]:
    """{key: value} of a run's overrides without seed and noise, in the order given."""
    pairs = (split_override(item) for item in run.overrides)
    return {key: value for key, value in pairs if key and not is_noise(key, ignore)}


def find_level_key(per_run: list[dict[str, str]], requested: str | None) -> str | None:
    """The swept level: `requested` (`--level`), else an override whose value is a number in every run
    that sets it and takes two or more values; keys ending in `.level` first, then the one with most
    values. None when there is none (or `--level none`)."""
    if requested is not None:
        if requested == NO_LEVEL:
            return None
        values = [pairs[requested] for pairs in per_run if requested in pairs]
        if not values:
            raise ReportError(f"--level {requested}: no run sets this override")
        if any(as_level(value) is None for value in values):
            raise ReportError(f"--level {requested}: not a number in every run ({sorted(set(values))})")
        return requested
    keys = dict.fromkeys(key for pairs in per_run for key in pairs)
    candidates = []
    for key in keys:
        values = [as_level(pairs[key]) for pairs in per_run if key in pairs]
        if all(value is not None for value in values) and len(set(values)) >= 2:
            candidates.append((not key.endswith(".level"), -len(set(values)), key))
    return min(candidates)[2] if candidates else None


def group_runs(runs: list[Run], level: str | None = None, ignore: tuple[str, ...] = ()) -> Grouping:
    """Group `runs` into configurations (in the order their first run comes) and levels. Runs that
    left no results and whose overrides are unknown cannot be placed: they are `unattributed`."""

    def placeable(run: Run) -> bool:
        return bool(run.overrides) or run.status not in (MISSING, UNREADABLE)

    unattributed = [run for run in runs if not placeable(run)]
    runs = [run for run in runs if placeable(run)]
    per_run = [relevant_overrides(run, ignore) for run in runs]
    level_key = find_level_key(per_run, level)
    configurations: dict[tuple[str, ...], Configuration] = {}
    for run, pairs in zip(runs, per_run):
        run_level = as_level(pairs[level_key]) if level_key in pairs else None
        key = tuple(f"{k}={v}" for k, v in pairs.items() if k != level_key)
        configuration = configurations.setdefault(tuple(sorted(key)), Configuration(key))
        configuration.runs.setdefault(run_level, []).append(run)
    keyed = [set(configuration.key) for configuration in configurations.values()]
    common_set = set.intersection(*keyed) if keyed else set()
    common = [item for item in dict.fromkeys(i for c in configurations.values() for i in c.key) if item in common_set]
    for configuration in configurations.values():
        own = [item for item in configuration.key if item not in common_set]
        configuration.label = " ".join(own) or ("all runs" if len(configurations) == 1 else "(no other overrides)")
    return Grouping(level_key, list(configurations.values()), common, unattributed)
