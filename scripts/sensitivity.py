"""How much the evaluation backbone sees the corruptions of a robustness study, and how little a
translation by a pixel or two.

Shifts and corrupts real training digits (`gan_lab/metrics/sensitivity.py`) and prints FID /
fid_floor (the real-vs-real floor) for the default backbone (domain classifier + low-level
statistics) and, for contrast, for the classifier features alone (`eval.low_level_weight=0`).
A markdown table.

    python scripts/sensitivity.py [--cache-dir .cache/gan_lab] [--weights 0.25 0]
"""

from __future__ import annotations

import argparse
import time

import torch

from gan_lab.datasets import DigitsDataModule
from gan_lab.metrics.evaluator import Evaluator
from gan_lab.metrics.sensitivity import sensitivity_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", default=".cache/gan_lab")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.25, 0.0], help="eval.low_level_weight values")
    args = parser.parse_args()
    started = time.time()
    dm = DigitsDataModule()
    dm.setup()
    evaluators = {w: Evaluator(dm, cache_dir=args.cache_dir, low_level_weight=w) for w in args.weights}
    for evaluator in evaluators.values():
        evaluator.setup()
    n = next(iter(evaluators.values())).num_samples
    clean = dm.train_data[torch.randperm(len(dm.train_data), generator=torch.Generator().manual_seed(1))[:n]]
    floors = {w: ev.floor()["fid_floor"] for w, ev in evaluators.items()}
    tables = {w: sensitivity_table(ev, clean, floor=floors[w]) for w, ev in evaluators.items()}
    header = " | ".join(f"FID / floor, weight {w}" for w in args.weights)
    print(f"| change | level | {header} |")
    print("| --- | --- |" + " --- |" * len(args.weights))
    for i, (name, level, _) in enumerate(next(iter(tables.values()))):
        print(f"| {name} | {level:g} | " + " | ".join(f"{tables[w][i][2]:.2f}" for w in args.weights) + " |")
    floors_text = ", ".join(f"weight {w}: {f:.3f}" for w, f in floors.items())
    print(f"\nfid_floor ({n} training vs {n} held-out digits): {floors_text}; {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
