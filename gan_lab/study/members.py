"""A study's members: their directory names, their state on disk and the study's ledger.

A member is identified by its overrides (the sweep's values and the command line), so that its
directory is the same whichever invocation of the study runs it — Hydra's default, the job number,
changes as soon as a seed is added. No torch here: the report reads the ledger too.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LEDGER_FILE = "study.yaml"     # every member any invocation of the study planned: {name: overrides}
RESULTS_FILE = "results.json"  # a run's outcome (gan_lab/results.py)
RETIRED_DIR = ".retried"       # where retry=failed moves a failed member's earlier attempt

# Settings of the study run, not of a member: left out of a member's name and identity.
STUDY_KEYS = ("study", "resume", "retry")
# Left out of the member's directory name only: the same for every member of a preset's study.
NAME_EXCLUDED_KEYS = (*STUDY_KEYS, "experiment")
MAX_NAME_LENGTH = 200  # file systems allow 255 bytes per name
SAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9._=,+\-]")

KEPT_STATUSES = ("completed",)                 # never run again
RETRIED_STATUSES = ("failed", "diverged")      # kept, unless retry=failed asks to run them again


def override_key(override: str) -> str:
    """`+corruption.level=0.1` → `corruption.level`."""
    return override.lstrip("+~").partition("=")[0]


def identity(overrides: list[str]) -> list[str]:
    """What makes a member the member it is: its overrides, less the study's own settings, sorted."""
    return sorted(o for o in overrides if override_key(o) not in STUDY_KEYS)


def member_name(overrides: list[str], name_keys: set[str] | None = None) -> str:
    """The member's directory name: its values of the swept keys `name_keys`, as Hydra's
    `override_dirname` writes them (`key=value` sorted, joined by `,`): `corruption.level=0.1,seed=0`.
    Without `name_keys`, every override but the preset and the study's settings. Characters a path
    or a Hydra override cannot hold become `_`; a name too long for a file system is cut and made
    unique by a hash."""
    kept = sorted(
        o.lstrip("+~") for o in overrides
        if override_key(o) not in NAME_EXCLUDED_KEYS and (name_keys is None or override_key(o) in name_keys)
    )  # fmt: skip
    name = SAFE_CHARACTERS.sub("_", ",".join(kept)) or "default"
    if len(name) > MAX_NAME_LENGTH:
        digest = hashlib.sha1(",".join(kept).encode()).hexdigest()[:12]
        name = f"{name[: MAX_NAME_LENGTH - 13]}-{digest}"
    return name


def member_status(member_dir: Path) -> str | None:
    """The status its results.json records (completed, diverged, failed, interrupted, running), or
    None when the member never wrote one (never started, or killed)."""
    try:
        status = json.loads((member_dir / RESULTS_FILE).read_text()).get("status")
    except (OSError, ValueError, AttributeError):
        return None
    return status if isinstance(status, str) else None


def recorded_overrides(member_dir: Path) -> list[str] | None:
    """The overrides Hydra recorded for the member (.hydra/overrides.yaml), None if it has none."""
    try:
        overrides = yaml.safe_load((member_dir / ".hydra" / "overrides.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return None
    return [str(o) for o in overrides] if isinstance(overrides, list) else None


@dataclass
class Ledger:
    """study.yaml: every member any invocation of the study planned, and the keys that name them."""

    members: dict[str, list[str]] = field(default_factory=dict)  # name → overrides
    name_keys: set[str] = field(default_factory=set)              # the swept keys, over all invocations

    def name_of(self, overrides: list[str]) -> str | None:
        """The name an earlier invocation gave the member with these overrides."""
        wanted = identity(overrides)
        return next((name for name, planned in self.members.items() if identity(planned) == wanted), None)


def read_ledger(study_dir: Path) -> Ledger:
    """The study's ledger (empty for a new study)."""
    try:
        data = yaml.safe_load((study_dir / LEDGER_FILE).read_text()) or {}
        members = data.get("members") or {}
        return Ledger(
            {str(name): [str(o) for o in overrides] for name, overrides in members.items()},
            {str(key) for key in data.get("name_keys") or []},
        )
    except (OSError, yaml.YAMLError, AttributeError, TypeError):
        return Ledger()


def write_ledger(study_dir: Path, ledger: Ledger) -> None:
    path = study_dir / LEDGER_FILE
    temporary = path.with_suffix(".yaml.tmp")
    temporary.write_text(yaml.safe_dump({"name_keys": sorted(ledger.name_keys), "members": ledger.members}, sort_keys=True))
    temporary.replace(path)  # a kill leaves the old ledger or the new, never half of one


@dataclass
class StudyPlan:
    """What one invocation of a study does with each of its members."""

    study_dir: Path
    members: dict[str, list[str]] = field(default_factory=dict)  # name → overrides, every member of this invocation
    kept: dict[str, str] = field(default_factory=dict)            # name → status: not run again
    to_run: list[str] = field(default_factory=list)               # names, in sweep order
    resumed: list[str] = field(default_factory=list)              # of to_run: continue from their checkpoint
    retried: list[str] = field(default_factory=list)              # of to_run: an earlier failed attempt moves to .retried/

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for status in self.kept.values():
            counts[status] = counts.get(status, 0) + 1
        kept = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        fresh = len(self.to_run) - len(self.resumed) - len(self.retried)
        parts = [f"{len(self.members)} members"]
        if kept:
            parts.append(f"kept: {kept}")
        parts.append(f"to run: {fresh} new, {len(self.resumed)} resumed, {len(self.retried)} retried")
        hint = ""
        if any(status in RETRIED_STATUSES for status in self.kept.values()):
            hint = " (retry=failed runs the failed and diverged ones again)"
        return f"study {self.study_dir}: " + "; ".join(parts) + hint


class StudyMismatch(ValueError):
    """A member directory of the study holds a run of other overrides than the one planned there."""


def plan_study(
    study_dir: Path, jobs: list[list[str]], swept_keys: set[str], retry_failed: bool
) -> tuple[StudyPlan, Ledger]:
    """Decide, from what is on disk, which of `jobs` (each a member's overrides) to run: completed
    members are kept; failed and diverged ones kept unless `retry_failed`; the rest run (a member
    with a checkpoint resumes from it). A member keeps the name an earlier invocation gave it; a
    new one is named by the keys swept in any invocation. Returns the plan and the updated ledger."""
    ledger = read_ledger(study_dir)
    ledger.name_keys |= {key for key in swept_keys if key not in NAME_EXCLUDED_KEYS}
    plan = StudyPlan(study_dir)
    for overrides in jobs:
        name = ledger.name_of(overrides) or member_name(overrides, ledger.name_keys or None)
        if name in plan.members and identity(plan.members[name]) != identity(overrides):
            raise StudyMismatch(f"two members of this sweep share the directory name {name!r}: {plan.members[name]}, {overrides}")
        plan.members[name] = overrides
        member_dir = study_dir / name
        recorded = recorded_overrides(member_dir)
        if recorded is not None and identity(recorded) != identity(overrides):
            raise StudyMismatch(
                f"{member_dir} holds a run of {identity(recorded)}, not of {identity(overrides)}: "
                "start another study for it (study=NAME)"
            )
        status = member_status(member_dir)
        if status in KEPT_STATUSES or (status in RETRIED_STATUSES and not retry_failed):
            plan.kept[name] = status
            continue
        plan.to_run.append(name)
        if status in RETRIED_STATUSES:
            plan.retried.append(name)
        elif (member_dir / "checkpoints" / "last.ckpt").is_file():
            plan.resumed.append(name)
    ledger.members |= plan.members
    return plan, ledger


def retire(study_dir: Path, name: str) -> Path:
    """Move a failed member's directory to `.retried/NAME.N` (nothing is deleted), so that it runs
    again from scratch in its own place; returns where it went."""
    retired = study_dir / RETIRED_DIR
    retired.mkdir(exist_ok=True)
    attempt = 1
    while (retired / f"{name}.{attempt}").exists():
        attempt += 1
    destination = retired / f"{name}.{attempt}"
    (study_dir / name).rename(destination)
    return destination
