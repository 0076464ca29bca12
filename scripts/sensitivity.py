"""How much the evaluation backbone sees the corruptions of a robustness study.

Corrupts real training digits with each corruption at several levels and prints FID / fid_floor
(the real-vs-real floor) for the default backbone (domain classifier + low-level statistics) and,
for contrast, for the classifier features alone (`eval.low_level_weight=0`). A markdown table.

    python scripts/sensitivity.py [--cache-dir .cache/gan_lab] [--weights 0 0.25]
"""

from __future__ import annotations

import argparse
import time

import torch

from gan_lab.corruptions import GaussianBlur, GaussianNoise, MissingPixels, SaltPepper
from gan_lab.datasets import DigitsDataModule
from gan_lab.metrics.evaluator import Evaluator

CORRUPTIONS = {
    "gaussian": (GaussianNoise, [0.05, 0.1, 0.2, 0.4]),
    "missing": (MissingPixels, [0.1, 0.3, 0.5]),
    "blur": (GaussianBlur, [0.5, 1.0, 2.0]),
    "salt_pepper": (SaltPepper, [0.02, 0.05, 0.1]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", default=".cache/gan_lab")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.25, 0.0], help="eval.low_level_weight values")
    args = parser.parse_args()
    started = time.time()
    dm = DigitsDataModule()
    dm.setup()
    evaluators = {w: Evaluator(dm, cache_dir=args.cache_dir, low_level_weight=w) for w in args.weights}
    floors = {w: ev.floor()["fid_floor"] for w, ev in evaluators.items()}
    n = next(iter(evaluators.values())).num_samples
    clean = dm.train_data[torch.randperm(len(dm.train_data), generator=torch.Generator().manual_seed(1))[:n]]
    header = " | ".join(f"FID / floor, weight {w}" for w in args.weights)
    print(f"| corruption | level | {header} |")
    print("| --- | --- |" + " --- |" * len(args.weights))
    clean_ratios = [evaluators[w].evaluate(clean)["fid"] / floors[w] for w in args.weights]
    print("| none (another real sample) | 0 | " + " | ".join(f"{r:.2f}" for r in clean_ratios) + " |")
    for name, (make, levels) in CORRUPTIONS.items():
        for level in levels:
            corrupted = make(level)(clean, torch.Generator().manual_seed(4))
            ratios = [evaluators[w].evaluate(corrupted)["fid"] / floors[w] for w in args.weights]
            print(f"| {name} | {level} | " + " | ".join(f"{r:.2f}" for r in ratios) + " |")
    floors_text = ", ".join(f"weight {w}: {f:.3f}" for w, f in floors.items())
    print(f"\nfid_floor ({n} training vs {n} held-out digits): {floors_text}; {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
