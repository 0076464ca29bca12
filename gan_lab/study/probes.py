"""Probes of a study's trained members, after the fact.

`python -m gan_lab.evaluate study=outputs/studies/NAME 'probe=[latent_noise,d_attack]'` loads each
completed member's final checkpoint (`checkpoints/last.ckpt`: its EMA generator and D as training
left them) and runs the probes with the member's own evaluation settings (its `.hydra/config.yaml`:
backbone, sample count, cache), so the numbers are those the run would have recorded with the probe
on (up to float32 round-off: tests/probes/test_probes_in_runs.py). They are written into the
member's `results.json` (`probes`, `probe_time_s`, and `probes_from` naming the checkpoint), where
`gan_lab.report` reads them. A member runs only the named probes its results.json does not hold yet,
and keeps the ones it has, so adding a probe to a probed study costs that probe alone (`force=true`
runs every named probe again); members that did not complete are listed, not probed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hydra.utils import instantiate
from omegaconf import OmegaConf

from gan_lab.probes import Probe
from gan_lab.report.runs import hidden
from gan_lab.results import RESULTS_FILE, write_results

CHECKPOINT = Path("checkpoints") / "last.ckpt"
MEMBER_CONFIG = Path(".hydra") / "config.yaml"


@dataclass(frozen=True)
class MemberOutcome:
    """What happened to one member: `probed`, or why not (`skipped`)."""

    member: str
    probed: bool
    reason: str = ""
    probes: tuple[str, ...] = ()


def study_members(study: Path) -> list[Path]:
    """The run directories below `study` (each with a results.json); hidden folders (earlier attempts in
    .retried/) are left out, as the report leaves them out."""
    if not study.is_dir():
        raise FileNotFoundError(f"study={str(study)!r}: no such directory")
    members = sorted(path.parent for path in study.rglob(RESULTS_FILE) if not hidden(path.relative_to(study)))
    if not members:
        raise FileNotFoundError(f"study={str(study)!r}: no results.json below it, so no trained member to probe")
    return members


def probe_study(study: str | Path, probes: list[Probe], evaluate_checkpoint: Callable, device: str = "cpu",
                force: bool = False, progress: Callable[[MemberOutcome], None] = lambda outcome: None) -> list[MemberOutcome]:
    """Probe every completed member of `study` with `probes`; returns one outcome per member.
    `evaluate_checkpoint(ckpt, make_evaluator, device, probes)` is gan_lab.evaluate's."""
    if not probes:
        raise ValueError("study= probes a study's members: name the probes, e.g. 'probe=[latent_noise,d_attack]'")
    study = Path(study)
    outcomes = []
    for member in study_members(study):
        outcome = _probe_member(member, study, probes, evaluate_checkpoint, device, force)
        progress(outcome)
        outcomes.append(outcome)
    return outcomes


def _probe_member(member: Path, study: Path, probes, evaluate_checkpoint, device: str, force: bool) -> MemberOutcome:
    name = str(member.relative_to(study)) if member != study else member.name
    results = json.loads((member / RESULTS_FILE).read_text())
    if results.get("status") != "completed":
        return MemberOutcome(name, False, f"status {results.get('status')!r}, not completed")
    held = results.get("probes") or {}
    todo = list(probes) if force else [probe for probe in probes if probe.name not in held]
    if not todo:
        return MemberOutcome(name, False, "already has these probes (force=true probes it again)")
    for needed in (CHECKPOINT, MEMBER_CONFIG):
        if not (member / needed).is_file():
            return MemberOutcome(name, False, f"no {needed}")
    member_config = OmegaConf.load(member / MEMBER_CONFIG)
    make_evaluator = instantiate(member_config.eval.evaluator)
    started = time.perf_counter()
    metrics = evaluate_checkpoint(str(member / CHECKPOINT), make_evaluator, device, todo)
    elapsed = time.perf_counter() - started
    # probe_time_s: the seconds spent on the probes results.json now holds (kept earlier ones count)
    earlier = results.get("probe_time_s", 0.0) if set(held) - set(metrics["probes"]) else 0.0
    results |= {"probes": held | metrics["probes"], "probe_time_s": round(earlier + elapsed, 2), "probes_from": str(CHECKPOINT)}
    write_results(member, results)
    return MemberOutcome(name, True, probes=tuple(probe.name for probe in todo))
