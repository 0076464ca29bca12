"""Copy a finished study's small outputs into docs/studies/<name>/ and build its report there, so that the
findings page (python -m gan_lab.report --findings conf/findings.yaml) can be rebuilt without re-training.

    python scripts/publish_study.py outputs/studies/lr_sweep            # → docs/studies/lr_sweep/

Copied: the study's ledger (study.yaml, multirun.yaml) and, per member, results.json and csv/metrics.csv.
Never copied: checkpoints, sample grids, W&B files, logs, and earlier attempts kept in .retried/.

A member that ran before one of today's stability numbers existed (gan_lab/metrics/stability.py)
gets it in the published results.json, computed from its own published metrics.csv by the same
function the run's StabilityMonitor calls; the keys added are listed under `stability_added_at_publish`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from gan_lab.metrics.stability import LOG_COLUMNS, stability_summary
from gan_lab.report.curves import read_curves
from gan_lab.results import write_results

STUDY_FILES = ("study.yaml", "multirun.yaml")
MEMBER_FILES = ("results.json", "csv/metrics.csv")


def publish(study: Path, destination: Path) -> list[Path]:
    """Copy the small files of `study` to `destination` (replacing an earlier copy); return what was copied."""
    if not (study / "study.yaml").is_file() and not (study / "multirun.yaml").is_file():
        raise SystemExit(f"publish_study: {study} is not a study directory (no study.yaml or multirun.yaml)")
    if destination.exists():
        shutil.rmtree(destination)
    copied = []
    for name in STUDY_FILES:
        if (study / name).is_file():
            copied.append(copy(study / name, destination / name))
    for results in sorted(study.rglob("results.json")):
        member = results.parent
        relative = member.relative_to(study)
        if any(part.startswith(".") for part in relative.parts):  # .retried/, .hydra/, .submitit/
            continue
        for name in MEMBER_FILES:
            if (member / name).is_file():
                copied.append(copy(member / name, destination / relative / name))
        add_missing_stability(destination / relative)
    return copied


def add_missing_stability(member: Path) -> list[str]:
    """Add to `member`'s results.json the stability numbers it lacks, from its csv/metrics.csv; return their names."""
    results_path, log = member / "results.json", member / "csv" / "metrics.csv"
    results = json.loads(results_path.read_text())
    stability = results.get("stability")
    if not isinstance(stability, dict) or not log.is_file() or "steps" not in results:
        return []
    recomputed = stability_summary(read_curves(log, LOG_COLUMNS), results["steps"])
    added = [key for key in recomputed if key not in stability]
    if added:
        results["stability"] = stability | {key: recomputed[key] for key in added}
        results["stability_added_at_publish"] = added
        write_results(member, results)
    return added


def copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/publish_study.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("study", type=Path, help="the study directory, e.g. outputs/studies/lr_sweep")
    parser.add_argument("--to", type=Path, default=Path("docs/studies"), help="where studies go (default: docs/studies)")
    args = parser.parse_args(argv)
    destination = args.to / args.study.resolve().name
    copied = publish(args.study, destination)
    from gan_lab.report.build import build_report

    contents = build_report([destination], out=destination)
    print(f"published {len(copied)} files of {len(contents.runs)} runs to {destination}, with its report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
