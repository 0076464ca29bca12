"""Cost of one evaluation: generating samples, extracting their features with each backbone, and
the statistics (FID, KID, precision/recall, density/coverage, class metrics).

    python scripts/bench_eval.py                              # CPU: 10,000 samples; Inception on 200 (img/s)
    python scripts/bench_eval.py --device cuda --inception-samples 10000 --json eval_gpu.json
    python scripts/bench_eval.py --run-dir outputs/2026-11-23/12-00-00   # a run's evaluation share

What is timed, per backbone, for `--samples` generated 32×32 images (the evaluation callback's
path: the EMA generator in chunks of 500, features in batches of 500, statistics on `--device` in
float64 against a reference of as many samples):

- generate: DCGAN's generator (the default model) producing the samples;
- extract: the backbone's features — `classifier`, the domain classifier + low-level statistics of
  the default job, and `inception`, the FID Inception-v3 at 299×299 (`--inception-samples` of them;
  the real weights are not needed for timing, so an untrained network in the same file format is
  used: speed does not depend on the weights' values);
- statistics: every metric an evaluation computes, on `--samples` feature vectors (random vectors
  of the backbone's dimension where fewer were extracted).

Weights and data content do not change speed, so nothing is trained and the images are random.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_lab.metrics.backbone import ClassifierBackbone  # noqa: E402
from gan_lab.metrics.classifier import DomainClassifier  # noqa: E402
from gan_lab.metrics.evaluator import class_metrics, feature_metrics  # noqa: E402
from gan_lab.metrics.frechet import ReferenceDistances  # noqa: E402
from gan_lab.metrics.inception import InceptionBackbone, write_untrained_inception_weights  # noqa: E402
from gan_lab.models import DCGANGenerator  # noqa: E402

CHUNK = 500  # the evaluation callback's generation and feature batch size


def timed(function, device: torch.device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    value = function()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return value, time.perf_counter() - start


@torch.no_grad()
def generate(n: int, channels: int, device: torch.device, seed: int) -> tuple[torch.Tensor, float]:
    generator = DCGANGenerator(latent_dim=100, shape=(channels, 32, 32), width=32).to(device).eval()
    latents = torch.randn(n, 100, generator=torch.Generator().manual_seed(seed))
    generator(latents[:CHUNK].to(device))  # warm-up (cuDNN autotuning, allocator)
    return timed(lambda: torch.cat([generator(chunk.to(device)).float().cpu() for chunk in latents.split(CHUNK)]), device)


def evaluation_statistics(
    reference: torch.Tensor, features: torch.Tensor, probabilities: torch.Tensor | None, semantic_features: int
) -> dict:
    """What `Evaluator` computes once the features are there, on their device: the reference
    statistics (once per run), then `Evaluator.evaluate`'s metrics."""
    metrics = feature_metrics(ReferenceDistances(reference), reference, features, semantic_features=semantic_features)
    if probabilities is not None:
        metrics |= class_metrics(probabilities, probabilities.shape[1])
    return metrics


def bench_backbone(name: str, n: int, samples: torch.Tensor, reference_images: torch.Tensor, device, weights_dir: Path):
    if name == "classifier":
        classifier = DomainClassifier(in_channels=samples.shape[1], num_classes=10)
        backbone = ClassifierBackbone(classifier, reference_images[:2000], low_level_weight=0.25)
    else:
        backbone = InceptionBackbone(str(write_untrained_inception_weights(weights_dir / "inception.pth")))
    backbone = backbone.to(device).eval()
    backbone.extract(samples[:8])  # warm-up
    features, extract_s = timed(lambda: backbone.extract(samples[:n], batch_size=CHUNK), device)
    probabilities = None
    if name == "classifier":
        probabilities = torch.cat([backbone.class_probabilities(c.to(device)).cpu() for c in samples[:n].split(CHUNK)])
    total = len(samples)
    reference = backbone.extract(reference_images[:total], batch_size=CHUNK) if n == total else None
    if n < total:  # fewer extracted (Inception on a CPU): the statistics' cost does not depend on the values
        rng = torch.Generator().manual_seed(0)
        features, reference = (
            torch.randn(total, features.shape[1], generator=rng, dtype=torch.float64).to(device) for _ in range(2)
        )
    semantic = backbone.semantic_features
    _, stats_s = timed(lambda: evaluation_statistics(reference, features, probabilities, semantic), device)
    return {"backbone": name, "features": reference.shape[1], "extracted": n, "extract_s": round(extract_s, 3),
            "extract_images_per_s": round(n / extract_s, 1), "statistics_samples": total, "statistics_s": round(stats_s, 2)}


def evaluation_share(run_dir: Path) -> None:
    results = json.loads((run_dir / "results.json").read_text())
    eval_s, wall_s = results["metrics"].get("eval_time_s"), results["wall_time_s"]
    if eval_s is None:
        raise SystemExit(f"{run_dir}/results.json has no metrics.eval_time_s: was evaluation enabled?")
    print(f"{run_dir}: evaluation {eval_s:.1f} s of {wall_s:.1f} s wall time = {100 * eval_s / wall_s:.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--samples", type=int, default=10000, help="generated samples per evaluation")
    parser.add_argument("--channels", type=int, default=1, help="1: digits/MNIST-like, 3: CIFAR-like")
    parser.add_argument("--backbones", nargs="+", default=["classifier", "inception"], choices=["classifier", "inception"])
    parser.add_argument("--inception-samples", type=int, default=None,
                        help="images the Inception backbone extracts (default: all on a GPU, 200 on the CPU)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--run-dir", type=Path, help="only print the evaluation share of this run's wall time")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*will save all extracted features in buffer")  # KID's, known
    if args.run_dir:
        return evaluation_share(args.run_dir)
    device = torch.device(args.device)
    gpu = f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else ""
    print(f"# {date.today()} · {platform.processor() or platform.machine()} · {torch.get_num_threads()} threads · "
          f"torch {torch.__version__} · device {device}{gpu} · {args.samples} samples of {args.channels}×32×32")
    samples, generate_s = generate(args.samples, args.channels, device, seed=0)
    reference_images, _ = generate(args.samples, args.channels, device, seed=1)
    print(f"generate: {generate_s:.2f} s = {args.samples / generate_s:.0f} images/s")
    print(f"{'backbone':10} {'features':>8} {'extracted':>9} {'extract s':>9} {'img/s':>8} "
          f"{'stats s':>8} {'eval s (extrapolated)':>22}")
    rows = []
    with tempfile.TemporaryDirectory() as weights_dir:
        for name in args.backbones:
            n = args.samples
            if name == "inception":
                n = min(args.samples, args.inception_samples or (args.samples if device.type == "cuda" else 200))
            runs = [bench_backbone(name, n, samples, reference_images, device, Path(weights_dir)) for _ in range(args.repeats)]
            timings = ("extract_s", "extract_images_per_s", "statistics_s")
            row = runs[0] | {key: statistics.median(r[key] for r in runs) for key in timings}
            row |= {"device": str(device), "samples": args.samples, "generate_s": round(generate_s, 2)}
            row["evaluation_s"] = round(generate_s + args.samples / row["extract_images_per_s"] + row["statistics_s"], 1)
            rows.append(row)
            print(f"{name:10} {row['features']:>8} {row['extracted']:>9} {row['extract_s']:>9.2f} "
                  f"{row['extract_images_per_s']:>8.1f} {row['statistics_s']:>8.2f} {row['evaluation_s']:>22.1f}", flush=True)
            if args.json:  # after every backbone: a run stopped at its time limit keeps the rows it measured
                args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
