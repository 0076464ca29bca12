"""Copy a finished study's small outputs into docs/studies/<name>/ and build its report there, so that the
findings page (python -m gan_lab.report --findings conf/findings.yaml) can be rebuilt without re-training.

    python scripts/publish_study.py outputs/studies/lr_sweep            # → docs/studies/lr_sweep/
    python scripts/publish_study.py docs/studies/lr_sweep               # rejudged in place by today's stability rules
    python scripts/publish_study.py docs/studies/lr_sweep --probes-from outputs/studies/lr_sweep

Copied: the study's ledger (study.yaml, multirun.yaml; a search's optimization_results.yaml, its best trial)
and, per member, results.json and csv/metrics.csv.
Never copied: checkpoints, sample grids, W&B files, logs, and earlier attempts kept in .retried/.

Every member's published `stability` is today's (gan_lab/metrics/stability.py), computed from its own
published metrics.csv by the same function the run's StabilityMonitor calls, so that the studies of a
findings page are judged by one rule: numbers the run predates are listed under
`stability_added_at_publish`, and numbers whose definition changed since the run keep the run's own
value under `stability_as_run` (the collapse flag, for instance, on 2026-12-03).

`--probes-from RERUN` gives a published study the probes of a rerun of it (its checkpoints are never
published, so probes added later need one): every published member must have a completed twin in
RERUN, same relative path, same steps and overrides (the study's own `retry=`, `resume=`, `study=`
aside), and every metric equal bit for bit (timings aside) — the runs are deterministic on a CPU,
so a rerun reproduces the published training exactly.
The twin's `probes` and `probe_time_s` are copied and `probes_from` names the twin; if any member
has no such twin, nothing is written and the first mismatch is named.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

from gan_lab.metrics.stability import LOG_COLUMNS, stability_summary
from gan_lab.report.curves import read_curves
from gan_lab.report.runs import MULTIRUN_FILE
from gan_lab.report.search import SEARCH_FILE
from gan_lab.results import write_results
from gan_lab.study.members import LEDGER_FILE, identity

STUDY_FILES = (LEDGER_FILE, MULTIRUN_FILE, SEARCH_FILE)
MEMBER_FILES = ("results.json", "csv/metrics.csv")


def publish(study: Path, destination: Path) -> list[Path]:
    """Copy the small files of `study` to `destination` (replacing an earlier copy); return what was copied.
    A study already at `destination` (docs/studies/NAME itself) is rejudged in place: nothing is copied
    or removed, and each member's stability numbers are recomputed."""
    if not any((study / name).is_file() for name in STUDY_FILES):  # Optuna's sweeper writes no multirun.yaml
        raise SystemExit(f"publish_study: {study} is not a study directory (no {', '.join(STUDY_FILES)})")
    if destination.resolve() == study.resolve():
        for member in members(study):
            refresh_stability(member)
        return []
    if destination.exists():
        shutil.rmtree(destination)
    copied = []
    for name in STUDY_FILES:
        if (study / name).is_file():
            copied.append(copy(study / name, destination / name))
    for member in members(study):
        relative = member.relative_to(study)
        for name in MEMBER_FILES:
            if (member / name).is_file():
                copied.append(copy(member / name, destination / relative / name))
        refresh_stability(destination / relative)
    return copied


def adopt_probes(study: Path, rerun: Path) -> int:
    """Copy into each member of `study` the probes of its bit-identical twin in `rerun`; return how many."""
    pairs = []
    for member in members(study):
        relative = member.relative_to(study)
        published = json.loads((member / "results.json").read_text())
        twin_path = rerun / relative / "results.json"
        if not twin_path.is_file():
            raise SystemExit(f"publish_study: {rerun / relative} has no results.json: the rerun lacks member {relative}")
        twin = json.loads(twin_path.read_text())
        mismatch = training_mismatch(published, twin)
        if mismatch:
            raise SystemExit(f"publish_study: {rerun / relative} is not a rerun of {member}: {mismatch}")
        if not twin.get("probes"):
            raise SystemExit(f"publish_study: {rerun / relative} has no probes: gan_lab.evaluate study={rerun} 'probe=[…]' first")
        pairs.append((member, published, rerun / relative, twin))
    for member, published, twin_dir, twin in pairs:
        published |= {"probes": twin["probes"], "probe_time_s": twin.get("probe_time_s")}
        checkpoint = twin_dir.resolve() / twin.get("probes_from", "checkpoints/last.ckpt")
        published["probes_from"] = f"{checkpoint} (a rerun, metrics equal)"
        write_results(member, published)
    return len(pairs)


def training_mismatch(published: dict, twin: dict) -> str | None:
    """What differs between a published run and its rerun, timings aside; None when they are the same run."""
    if twin.get("status") != "completed":
        return f"its status is {twin.get('status')!r}"
    if published.get("steps") != twin.get("steps"):
        return f"steps {twin.get('steps')!r} where the published run has {published.get('steps')!r}"
    if identity(published.get("overrides", [])) != identity(twin.get("overrides", [])):  # retry=failed aside
        return f"overrides {twin.get('overrides')!r} where the published run has {published.get('overrides')!r}"
    ours, theirs = published.get("metrics", {}), twin.get("metrics", {})
    for key in sorted(set(ours) | set(theirs)):
        if not key.endswith("_time_s") and ours.get(key) != theirs.get(key):
            return f"metrics.{key} = {theirs.get(key)!r} where the published run has {ours.get(key)!r}"
    return None


def members(study: Path) -> list[Path]:
    """The study's member directories (those with a results.json), leaving out .retried/, .hydra/, .submitit/."""
    found = (results.parent for results in sorted(study.rglob("results.json")))
    return [member for member in found if not any(part.startswith(".") for part in member.relative_to(study).parts)]


def refresh_stability(member: Path) -> list[str]:
    """Recompute `member`'s stability numbers from its csv/metrics.csv into its results.json; return the
    names of those added or changed."""
    results_path, log = member / "results.json", member / "csv" / "metrics.csv"
    results = json.loads(results_path.read_text())
    stability = results.get("stability")
    if not isinstance(stability, dict) or not log.is_file() or "steps" not in results:
        return []
    recomputed = stability_summary(read_curves(log, LOG_COLUMNS), results["steps"])
    added_before = results.get("stability_added_at_publish", [])  # by an earlier publication: not the run's own
    added = [key for key in recomputed if key not in stability]
    as_run = {
        key: stability[key]
        for key in recomputed
        if key in stability and key not in added_before and not same(stability[key], recomputed[key])
    }
    if added or as_run:
        results["stability"] = stability | recomputed
        if added:
            results["stability_added_at_publish"] = added_before + added
        if as_run:
            results["stability_as_run"] = as_run | results.get("stability_as_run", {})  # the run's own value wins
        write_results(member, results)
    return added + list(as_run)


def same(recorded, recomputed) -> bool:
    """Equal, floats to within rounding (the run's value and today's come from one function and one log)."""
    if isinstance(recorded, float) and isinstance(recomputed, float):
        return math.isclose(recorded, recomputed, rel_tol=1e-9, abs_tol=1e-12)
    return recorded == recomputed


def copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/publish_study.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("study", type=Path, help="the study directory, e.g. outputs/studies/lr_sweep")
    parser.add_argument("--to", type=Path, default=Path("docs/studies"), help="where studies go (default: docs/studies)")
    parser.add_argument("--probes-from", type=Path, help="a bit-identical rerun of the study whose probes to add")
    args = parser.parse_args(argv)
    destination = args.to / args.study.resolve().name
    copied = publish(args.study, destination)
    if args.probes_from:
        print(f"added the probes of {adopt_probes(destination, args.probes_from)} rerun members")
    from gan_lab.report.build import build_report

    contents = build_report([destination], out=destination)
    done = f"published {len(copied)} files of" if copied else "rejudged the stability of"
    print(f"{done} {len(contents.runs)} runs in {destination}, with its report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
