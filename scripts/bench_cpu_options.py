"""CPU options side by side: the default job's training with each option against eager, start-up
and compile time included, each a whole `python -m gan_lab` process as a user runs it.

    python scripts/bench_cpu_options.py                       # 1,000 G-steps each, no evaluation
    python scripts/bench_cpu_options.py --steps 3000 --json options.json

The options: torch.compile of G and D (inductor), channels-last memory format, Adam's foreach and
fused kernels, one torch thread instead of the machine's. The default lays G and D out as NHWC on
the CPU (`train.channels_last=auto`): the NCHW variant measures that choice. Evaluation is off (the
options change the training step, not the evaluation); each variant runs once, in turn, so run it
on a quiet machine.
A variant's `÷ eager` is its wall time over eager's (< 1: faster), the process start included.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

VARIANTS = {
    "eager (the default)": [],
    "torch.compile (inductor)": ["train.compile.enabled=true"],
    "channels-last": ["train.channels_last=true"],
    "channels-first (NCHW)": ["train.channels_last=false"],
    "Adam foreach": ["+optimizer.generator.foreach=true", "+optimizer.discriminator.foreach=true"],
    "Adam fused": ["+optimizer.generator.fused=true", "+optimizer.discriminator.fused=true"],
    "1 torch thread": ["train.num_threads=1"],
}


def run_variant(overrides: list[str], steps: int) -> dict:
    with tempfile.TemporaryDirectory() as run_dir:
        command = [sys.executable, "-m", "gan_lab", *overrides, f"train.steps={steps}", "eval.enabled=false",
                   "callbacks.progress_bar.refresh_rate=0", f"hydra.run.dir={run_dir}"]
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(overrides) or 'eager'} failed:\n{proc.stderr[-3000:]}")
        results = json.loads((Path(run_dir) / "results.json").read_text())
    return {"process_wall_s": round(wall, 2), "training_wall_s": results["wall_time_s"], "steps": results["steps"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="G-steps per run (the default job: 3000)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), metavar="VARIANT")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print(f"# {date.today()} · {platform.processor() or platform.machine()} · default job (digits, DCGAN, ns), "
          f"{args.steps} G-steps, no evaluation")
    print(f"{'variant':26} {'process s':>9} {'training s':>10} {'÷ eager':>8}")
    rows, eager = [], None
    for name in args.variants:
        row = {"variant": name, "overrides": VARIANTS[name], **run_variant(VARIANTS[name], args.steps)}
        eager = eager or (row["process_wall_s"] if name == "eager (the default)" else None)
        row["ratio_vs_eager"] = round(row["process_wall_s"] / eager, 3) if eager else None
        rows.append(row)
        ratio = f"{row['ratio_vs_eager']:.3f}" if eager else "–"
        print(f"{name:26} {row['process_wall_s']:>9.1f} {row['training_wall_s']:>10.1f} {ratio:>8}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
