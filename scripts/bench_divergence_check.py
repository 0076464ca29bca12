"""Cost of the divergence check's weight scan, against the per-tensor `isfinite(t).all()` it replaced.

    python scripts/bench_divergence_check.py          # mlp, dcgan, resnet: G and D as the configs build them

`DivergenceMonitor.check` runs at every logging step (`log.every` G-steps), before every checkpoint
and at the end of training; besides the loss flags it scans every weight of G and D for NaN or ±inf.
Each row times that scan of one model's G and D (median of `--repeats` blocks), both ways:
per tensor `bool(torch.isfinite(t).all())` (gan_lab before 2026-12-07), and `all_finite`
(`torch.aminmax` of each tensor, one read of the device).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_lab.divergence import all_finite  # noqa: E402
from gan_lab.run import CONF_DIR, build_module  # noqa: E402

MODELS = {"mlp": (["dataset=ring8"], (2,)), "dcgan": (["model=dcgan"], (1, 32, 32)), "resnet": (["model=resnet"], (1, 32, 32))}


def per_tensor_isfinite(tensors: list[torch.Tensor]) -> bool:
    return all(bool(torch.isfinite(tensor).all()) for tensor in tensors)


def median_ms(scan, networks, calls: int, repeats: int) -> float:
    weights = [[p.detach() for p in network.parameters()] for network in networks]
    for _ in range(3):
        [scan(w) for w in weights]
    blocks = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            [scan(w) for w in weights]
        blocks.append((time.perf_counter() - start) / calls * 1e3)
    return statistics.median(blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"{date.today()}, {machine}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    print("| model | weight tensors | weights | isfinite(t).all() per tensor, ms | all_finite (aminmax), ms | ratio |")
    print("| --- | --- | --- | --- | --- | --- |")
    for model, (overrides, shape) in MODELS.items():
        if model not in args.models:
            continue
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            module = build_module(compose("config", overrides=overrides), shape)
        networks = (module.generator, module.discriminator)
        tensors = sum(len(list(network.parameters())) for network in networks)
        count = sum(p.numel() for network in networks for p in network.parameters())
        calls = 200 if count < 2_000_000 else 10
        before = median_ms(per_tensor_isfinite, networks, calls, args.repeats)
        after = median_ms(all_finite, networks, calls, args.repeats)
        print(f"| {model} | {tensors} | {count:,} | {before:.3f} | {after:.3f} | {before / after:.1f} |")


if __name__ == "__main__":
    main()
