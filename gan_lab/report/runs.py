"""Runs as a report sees them: read from results.json, or known only as a member that left none."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gan_lab.report.errors import ReportError
from gan_lab.report.sweep import expected_members
from gan_lab.study.members import LEDGER_FILE, read_ledger, recorded_overrides

RESULTS_FILE = "results.json"  # gan_lab/results.py's name, not imported from there: a report needs no torch
MULTIRUN_FILE = "multirun.yaml"
HYDRA_DIR = ".hydra"

COMPLETED, DIVERGED, FAILED, MISSING, UNREADABLE = "completed", "diverged", "failed", "missing", "unreadable"


@dataclass
class Run:
    """One run (one seed of one configuration). `status` is results.json's ("completed", "diverged",
    "failed", "interrupted", "running"), or "missing" (no results.json: killed, or never started)
    or "unreadable" (a results.json that is not valid JSON of the expected shape); `note` says why."""

    path: Path
    status: str
    overrides: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    steps: int | None = None
    wall_time_s: float | None = None
    error: str | None = None
    diverged_at_step: int | None = None
    diverged_quantity: str | None = None
    note: str | None = None
    probes: dict[str, dict[float, dict[str, float]]] = field(default_factory=dict)  # probe → level → metric → value
    stability: dict[str, Any] = field(default_factory=dict)  # results.json's `stability`

    @property
    def collapsed_at_step(self) -> int | None:
        """The G-step at which the run's collapse flag was first raised (None: never)."""
        return self.stability.get("collapsed_at_step") if self.stability.get("collapsed") else None

    @property
    def never_reached(self) -> str | None:
        """Which diversity bound the run never reached at any evaluation, and its best (None: it reached them all)."""
        if not self.stability.get("never_reached"):
            return None
        return self.stability.get("never_reached_reason") or "a diversity bound never reached"

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED

    @property
    def seed(self) -> str:
        """The `seed=` override ("default" when the run kept the config's seed)."""
        for item in self.overrides:
            key, _, value = item.lstrip("+~").partition("=")
            if key == "seed":
                return value
        return "default"


def collect_runs(dirs: list[str | Path]) -> list[Run]:
    """Every run under `dirs`: each DIR is a run directory (with results.json), a multirun directory
    (members 0/, 1/, ... below it) or any folder holding such directories. Members of a multirun
    without results.json, and members its multirun.yaml planned but that never started, come back as
    "missing"; a DIR without any results.json below it is an error."""
    runs: dict[Path, Run] = {}
    for given in dirs:
        root = Path(given)
        if not root.exists():
            raise ReportError(f"{root}: no such directory")
        if not root.is_dir():
            raise ReportError(f"{root}: not a directory (give a run directory or a multirun directory)")
        found = collect_dir(root)
        if not any(run.status != MISSING for run in found):
            missing = f"; {len(found)} run directories in it have none" if found else ""
            raise ReportError(f"{root}: no {RESULTS_FILE} found in it or below it{missing} (is it a run or multirun directory?)")
        for run in found:
            runs.setdefault(run.path.resolve(), run)
    return sorted(runs.values(), key=lambda run: natural_key(run.path))


def collect_dir(root: Path) -> list[Run]:
    """The runs in and below one directory, missing members included."""
    # hidden folders (.hydra, .submitit, a study's .retried/ earlier attempts) hold no members
    folders = [root, *(path for path in root.rglob("*") if path.is_dir() and not hidden(path.relative_to(root)))]
    runs = {folder: read_run(folder) for folder in folders if (folder / RESULTS_FILE).is_file()}
    no_results = f"no {RESULTS_FILE} (killed, or still running?)"
    for folder in folders:
        if folder not in runs and (folder / HYDRA_DIR).is_dir():  # Hydra set this run up; it left no results
            runs[folder] = missing_run(folder, no_results)
    for study in folders:  # a study (gan_lab/study): every member any invocation planned, by name
        for name, overrides in read_ledger(study).members.items():
            member = study / name
            if member not in runs:
                runs[member] = Run(member, MISSING, overrides, note=f"never started ({LEDGER_FILE} plans it; no directory)")
    for multirun in folders:
        if (multirun / MULTIRUN_FILE).is_file() and not (multirun / LEDGER_FILE).is_file():  # a plain Hydra multirun
            for member in multirun.iterdir():
                if member.is_dir() and member.name.isdigit() and member not in runs:
                    runs[member] = missing_run(member, no_results)
            for number, overrides in expected_members(multirun / MULTIRUN_FILE).items():
                member = multirun / str(number)
                if member not in runs:
                    runs[member] = Run(member, MISSING, overrides, note="never started (multirun.yaml plans it; no directory)")
                elif not runs[member].overrides:
                    runs[member].overrides = overrides
    return list(runs.values())


def hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def read_run(run_dir: Path) -> Run:
    """The run whose results.json is in `run_dir`; an unreadable file gives an "unreadable" run
    whose note names the file and the problem."""
    path = run_dir / RESULTS_FILE
    try:
        results = json.loads(path.read_text())
        return run_from_results(run_dir, results)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError, TypeError) as err:
        run = missing_run(run_dir, f"{path}: {type(err).__name__}: {err}")
        run.status = UNREADABLE
        return run


def run_from_results(run_dir: Path, results: Any) -> Run:
    if not isinstance(results, dict):
        raise ValueError(f"expected a JSON object, got {type(results).__name__}")
    status = results.get("status")
    if not isinstance(status, str):
        raise ValueError("no 'status' string")
    overrides = results.get("overrides", [])
    if not isinstance(overrides, list) or not all(isinstance(item, str) for item in overrides):
        raise ValueError("'overrides' is not a list of strings")
    metrics = results.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise ValueError("'metrics' is not an object")
    error = results.get("error")
    if status == FAILED and isinstance(error, str) and "TrainingDiverged" in error:
        status = DIVERGED  # results.json of runs from before the "diverged" status existed
    return Run(
        path=run_dir,
        status=status,
        overrides=overrides,
        metrics={name: value for name, value in ((k, as_number(v)) for k, v in metrics.items()) if value is not None},
        steps=results.get("steps"),
        wall_time_s=as_number(results.get("wall_time_s")),
        error=error,
        diverged_at_step=results.get("diverged_at_step"),
        diverged_quantity=results.get("diverged_quantity"),
        probes=read_probes(results.get("probes")),
        stability=results.get("stability") if isinstance(results.get("stability"), dict) else {},
    )


def read_probes(probes: Any) -> dict[str, dict[float, dict[str, float]]]:
    """results.json's `probes` ({name: {level: {metric: value}}}) with levels and values as floats."""
    if probes is None:
        return {}
    if not isinstance(probes, dict) or not all(isinstance(v, dict) for v in probes.values()):
        raise ValueError("'probes' is not an object of probe name → level → metrics")
    out: dict[str, dict[float, dict[str, float]]] = {}
    for name, by_level in probes.items():
        levels = out.setdefault(name, {})
        for level, metrics in by_level.items():
            if not isinstance(metrics, dict):
                raise ValueError(f"'probes.{name}.{level}' is not an object of metrics")
            values = {metric: number for metric, number in ((m, as_number(v)) for m, v in metrics.items()) if number is not None}
            levels[float(level)] = values
    return out


def missing_run(run_dir: Path, note: str) -> Run:
    """A run without (readable) results; its overrides come from Hydra's .hydra/overrides.yaml."""
    return Run(run_dir, MISSING, hydra_overrides(run_dir), note=note)


def hydra_overrides(run_dir: Path) -> list[str]:
    return recorded_overrides(run_dir) or []


def as_number(value: Any) -> float | None:
    """A metric as a float: numbers, and the strings results.json uses for non-finite values ("nan",
    "inf"); anything else (lists, text) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def natural_key(path: Path) -> list:
    """Sort key: member 10/ after 9/, and level=0.25 after level=0.1 and before level=0.5 (numbers,
    decimals included, compare as numbers)."""
    parts = re.split(r"(\d+(?:\.\d+)?)", str(path))
    return [float(part) if index % 2 else part for index, part in enumerate(parts)]
