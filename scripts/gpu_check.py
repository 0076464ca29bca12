"""Every GPU check and benchmark in one command, sized for a short loan of a GPU machine.

    python scripts/gpu_check.py --out gpu_check                      # a CUDA machine: about 5 minutes
    python scripts/gpu_check.py --wheels wheels --out gpu_check      # an offline node: packages from wheels
    python scripts/gpu_check.py --device cpu --quick --out /tmp/gc   # a dry run of the same stages

Each stage is a subprocess with its own time limit; together they stop by `--budget-s` (a stage
that would start with less than its minimum left is skipped, and says so). The stages, in the
order in which a loan cut short should bring them back:

1. environment: the GPU, the driver, torch and CUDA, and the versions of the packages gan_lab uses;
2. tests: the tests that skip without a GPU (evaluation on CUDA gives the CPU's numbers, PRDC on
   CUDA features, corruptions draw on the images' device, `trainer=gpu` trains, the compiled bf16
   channels-last path);
3. bench: `scripts/bench.py`, dcgan and resnet × ns and wgan_gp × batch 64 and 256 with
   `trainer=gpu` (bf16, channels-last, data on the device), against the DataLoader loop (a) and the
   plain loop (b);
4. eval: `scripts/bench_eval.py`, one evaluation of 10,000 samples with each backbone on the GPU;
5. train: the README's default job with `trainer=gpu` (digits, DCGAN, 1,500 G-steps, 20 evaluations);
6. bench_compiled: the rows of 3 with torch.compile of G and D (compilation is the slowest and least
   predictable stage, so it runs last).

`--out` receives only small files, at most eight: summary.json (each stage's command, status,
seconds and exit code, rewritten after every stage, so a run killed half-way still says what it
did; the benches write their rows as they go), environment.json, gpu_check.log (every stage's
output), bench.json, eval.json, train_results.json and bench_compiled.json. Runs, checkpoints and
caches go to `--work`. A stage stopped at its time limit is killed with every process it started.
At the end the figures are printed against their goals (and added to summary.json): each bench
row's speed over the DataLoader loop (goal ≥ 2×), each evaluation's time, the default job's.

`--wheels DIR` installs the wheels in DIR (`scripts/offline_wheels.sh` downloads them, for the
Python of the GPU machine) into `--work`/site first, for a machine that has torch, Lightning and
torchmetrics but cannot reach a package index; the stages then find them on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The tests that skip without a CUDA device (pytest node ids, relative to the repository).
GPU_TESTS = [
    "tests/test_gpu_path.py",
    "tests/metrics/test_prdc.py::test_cuda_features_give_the_cpu_scores",
    "tests/metrics/test_evaluator.py::test_evaluation_on_the_gpu_gives_the_cpu_numbers",
    "tests/corruptions/test_corruptions.py::test_random_draws_live_on_the_images_device",
    "tests/test_config_groups.py::test_option_composes_and_trains_a_few_steps[trainer=gpu]",
]
# A dry run on a machine without a GPU runs tests that do not skip there.
CPU_TESTS = [
    "tests/test_gpu_path.py::test_compiled_forward_passes_compute_what_the_eager_networks_compute",
    "tests/test_config_groups.py::test_option_composes_and_trains_a_few_steps[trainer=cpu]",
]
PACKAGES = ["torch", "torchvision", "pytorch_lightning", "torchmetrics", "hydra", "omegaconf", "kornia", "torch_fidelity",
            "sklearn", "matplotlib", "numpy"]


@dataclass
class Stage:
    name: str
    command: list[str]
    limit_s: float  # the most this stage may take
    min_s: float  # skipped when less than this is left of the budget
    results: dict[str, str] = field(default_factory=dict)  # file the stage writes (in --work) → name in --out


def stages(args, work: Path) -> list[Stage]:
    python, cuda = sys.executable, args.device == "cuda"
    bench = [python, "scripts/bench.py", "--device", args.device]
    if args.quick:  # the dry run: every stage's code path, a few steps each
        bench_rows = ["--models", "dcgan", "--losses", "ns", "--batches", "8", "--rounds", "1", "--warmup", "1",
                      "--steps", "1", "--repeats", "2"]
        evaluation = ["--samples", "200", "--inception-samples", "4", "--backbones", "classifier", "inception"]
        train = ["train.steps=20", "eval.num_evaluations=1", "eval.classifier_steps=20", "log.sample_every=0",
                 f"paths.cache_dir={work / 'cache'}"]
    else:
        bench_rows = ["--models", "dcgan", "resnet", "--losses", "ns", "wgan_gp", "--batches", "64", "256",
                      "--rounds", "1", "--warmup", "3", "--steps", "10", "--repeats", "5"]
        evaluation = ["--samples", "10000", "--inception-samples", "10000"]
        train = []
    trainer = "trainer=gpu" if cuda else "trainer=cpu"
    return [
        Stage("environment", [python, __file__, "--write-environment", str(work / "environment.json"), "--device", args.device],
              60, 5, {"environment.json": "environment.json"}),
        Stage("tests", [python, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *(GPU_TESTS if cuda else CPU_TESTS)],
              150, 30),
        Stage("bench", [*bench, *bench_rows, "--json", str(work / "bench.json")], 150, 30, {"bench.json": "bench.json"}),
        Stage("eval", [python, "scripts/bench_eval.py", "--device", args.device, *evaluation, "--json", str(work / "eval.json")],
              90, 20, {"eval.json": "eval.json"}),
        Stage("train", [python, "-m", "gan_lab", trainer, *train, f"hydra.run.dir={work / 'train'}"], 150, 40,
              {"train/results.json": "train_results.json"}),
        Stage("bench_compiled", [*bench, *bench_rows, "--compile", "--json", str(work / "bench_compiled.json")], 240, 60,
              {"bench_compiled.json": "bench_compiled.json"}),
    ]


def environment(device: str) -> dict:
    """What the numbers were measured on: the machine, the GPU and driver, torch/CUDA, package versions."""
    import importlib

    import torch

    info = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "python": platform.python_version(),
            "machine": platform.machine(), "processor": platform.processor(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "cuda": torch.version.cuda,
            "cuda_available": torch.cuda.is_available(), "device": device, "packages": {}}
    for name in PACKAGES:
        try:
            info["packages"][name] = getattr(importlib.import_module(name), "__version__", "?")
        except ImportError as error:
            info["packages"][name] = f"missing: {error}"
    if torch.cuda.is_available():
        properties = torch.cuda.get_device_properties(0)
        info |= {"gpu": properties.name, "gpu_memory_gib": round(properties.total_memory / 2**30, 1),
                 "multiprocessors": properties.multi_processor_count, "capability": list(torch.cuda.get_device_capability(0))}
    if shutil.which("nvidia-smi"):
        query = ["nvidia-smi", "--query-gpu=name,driver_version,memory.total,clocks.max.sm", "--format=csv,noheader"]
        info["nvidia_smi"] = subprocess.run(query, capture_output=True, text=True).stdout.strip()
    return info


def install_wheels(wheels: Path, site: Path) -> None:
    """The wheels in `wheels` into `site` (no index, no dependencies: they are all in the folder)."""
    found = sorted(wheels.glob("*.whl"))
    if not found:
        raise SystemExit(f"--wheels {wheels}: no .whl files there (scripts/offline_wheels.sh downloads them)")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-cache-dir", "--upgrade",
                    "--target", str(site), *map(str, found)], check=True)


def run_stage(stage: Stage, timeout_s: float, env: dict, log) -> tuple[str, int | None]:
    """Runs `stage` in its own process group, its output appended to `log`; (status, exit code)."""
    log.write(f"\n===== {stage.name}: {' '.join(stage.command)}\n")
    log.flush()
    process = subprocess.Popen(stage.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        code = process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return "timeout", None
    return ("passed" if code == 0 else "failed"), code


def figures(out: Path) -> list[str]:
    """The GPU goals read off the result files in `out`: each bench row's speed over the DataLoader
    loop (a) (goal: at least 2×) and its ratio to the plain loop (b), each backbone's evaluation of
    the samples, and the default job's wall time and FID against its floor."""
    lines = []
    for name in ("bench.json", "bench_compiled.json"):
        for row in json.loads((out / name).read_text()) if (out / name).is_file() else []:
            lines.append(f"{row['model']} {row['loss']} batch {row['batch']}{', compiled' if row['compile'] else ''}: "
                         f"{row['ms_per_step']['gan_lab']:.2f} ms a step, {1 / row['ratio_vs_dataloader']:.2f}× loop (a) "
                         f"(goal ≥ 2×), ÷ loop (b) {row['ratio_vs_plain']:.3f}, {row['fraction_of_peak']:.1%} of the peak")
    for row in json.loads((out / "eval.json").read_text()) if (out / "eval.json").is_file() else []:
        lines.append(f"evaluation of {row['samples']:,} samples with {row['backbone']}: {row['evaluation_s']} s "
                     f"({row['extracted']:,} extracted at {row['extract_images_per_s']:,.0f} images/s)")
    if (out / "train_results.json").is_file():
        results = json.loads((out / "train_results.json").read_text())
        metrics = results["metrics"]
        lines.append(f"default job ({results['steps']:,} G-steps): {results['status']} in {results['wall_time_s']:.1f} s, "
                     f"FID {metrics['fid'] / metrics['fid_floor']:.2f}× its floor, {metrics['classes_covered']:.0f} of the "
                     f"{metrics['classes_covered_floor']:.0f} classes the real data cover")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="where the small result files go (at most eight)")
    parser.add_argument("--work", type=Path, default=None, help="runs, caches, installed wheels (default: OUT_work beside --out)")
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--budget-s", type=float, default=300, help="every stage ends by then (default 5 minutes)")
    parser.add_argument("--quick", action="store_true", help="a few steps of each stage: check the script itself")
    parser.add_argument("--wheels", type=Path, help="install these wheels first (an offline machine)")
    parser.add_argument("--only", nargs="+", help="run only these stages")
    parser.add_argument("--write-environment", type=Path, help=argparse.SUPPRESS)  # the environment stage
    args = parser.parse_args()
    if args.write_environment:
        info = environment(args.device)
        args.write_environment.write_text(json.dumps(info, indent=2) + "\n")
        print(json.dumps(info, indent=2))
        return
    if args.out is None:
        parser.error("--out is required")
    deadline = time.monotonic() + args.budget_s
    out = args.out.resolve()
    work = (args.work or out.parent / f"{out.name}_work").resolve()
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    if args.wheels:
        install_wheels(args.wheels, work / "site")
    paths = ([str(work / "site")] if args.wheels else []) + [str(ROOT), os.environ.get("PYTHONPATH")]
    env = os.environ | {"PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    chosen = stages(args, work)
    unknown = set(args.only or []) - {stage.name for stage in chosen}
    if unknown:
        parser.error(f"--only: no stage named {', '.join(sorted(unknown))}; the stages: {', '.join(s.name for s in chosen)}")
    summary = {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "device": args.device,
               "quick": args.quick, "budget_s": args.budget_s, "stages": []}
    with open(out / "gpu_check.log", "a") as log:
        for stage in chosen:
            if args.only and stage.name not in args.only:
                continue
            left = deadline - time.monotonic()
            record = {"name": stage.name, "command": " ".join(stage.command)}
            if left < stage.min_s:
                reason = f"{max(left, 0):.0f} s of the budget left, the stage needs {stage.min_s:.0f}"
                record |= {"status": "skipped", "reason": reason}
            else:
                start = time.monotonic()
                status, code = run_stage(stage, min(stage.limit_s, left), env, log)
                record |= {"status": status, "exit_code": code, "seconds": round(time.monotonic() - start, 1)}
                for produced, name in stage.results.items():
                    if (work / produced).is_file():
                        shutil.copyfile(work / produced, out / name)
            summary["stages"].append(record)
            (out / "summary.json").write_text(json.dumps(summary, indent=2))
            print(f"{stage.name:15} {record['status']:8} {record.get('seconds', 0):7.1f} s", flush=True)
    summary["figures"] = figures(out)
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    print("\n".join(summary["figures"]))
    failed = [s["name"] for s in summary["stages"] if s["status"] not in ("passed", "skipped")]
    if failed:
        raise SystemExit(f"gpu_check: {', '.join(failed)} did not pass; see {out / 'gpu_check.log'}")


if __name__ == "__main__":
    main()
