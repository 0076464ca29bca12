"""Train the domain classifiers that ship with the package, or check the shipped ones against a fresh training.

    python scripts/bundle_classifiers.py --check     # retrain each in a temporary directory, compare with the bundle
    python scripts/bundle_classifiers.py --write     # (re)write gan_lab/metrics/classifiers/ from a fresh training

The default yardstick of the embedded datasets (`dataset=digits` and `dataset=stacked_digits` at their
default settings, `eval.classifier_steps`, `eval.seed`) is a small CNN that `gan_lab.metrics.classifier`
trains on the dataset's training split: 800 steps on one thread, about 15-30 s on a 2-core CPU, once
per cache directory. The training is deterministic for a machine, but float32 kernels round
differently with another torch release or CPU kernel set (ATen's AVX2 and AVX-512 builds, oneDNN's),
and training amplifies it. So the package ships, per torch release and ATen CPU capability, the
network such a machine trains (`classifier-<cache key>-torch<release>-<capability>.pt`): a first run
there loads it instead of training the same network, and a machine of another kind trains its own,
as without a bundle. A change to the data, the network or its training changes the cache key: the
shipped file is then simply not found, the classifier is trained as before, and `--check` reports
the bundle as stale.

`--check` compares the network trained here with every bundled one of the same key: this machine's
kind (bit-identical where nothing changed) and the others (weights, held-out accuracy, agreement).
`--write` adds or replaces this machine's kind's files and keeps the other kinds'.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from datetime import date
from pathlib import Path

import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_lab.metrics.classifier import (  # noqa: E402
    BUNDLED_DIR,
    DomainClassifier,
    bundled_name,
    classify,
    data_digest,
    kernel_kind,
    load_classifier,
    train_classifier,
)
from gan_lab.run import CONF_DIR, build_datamodule  # noqa: E402

DATASETS = ["digits", "stacked_digits"]
MANIFEST = BUNDLED_DIR / "manifest.json"  # per file: its datasets, data digest, settings, accuracy, where trained


def classifier_inputs(dataset: str) -> tuple[tuple[torch.Tensor, ...], dict]:
    """The four tensors and the settings the evaluator of `dataset=<dataset>` trains its classifier with."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"dataset={dataset}"])
    datamodule = build_datamodule(cfg)
    datamodule.setup("fit")
    evaluator = instantiate(cfg.eval.evaluator)(datamodule)
    return evaluator.classifier_data(), {"seed": cfg.eval.seed, "steps": cfg.eval.classifier_steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--check", action="store_true", help="retrain and compare with the bundle; exit 1 if one is missing")
    action.add_argument("--write", action="store_true", help="retrain and write the bundle and its manifest")
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    args = parser.parse_args()
    trained_with = f"torch {torch.__version__}, {platform.machine()} {torch.backends.cpu.get_cpu_capability()}, {date.today()}"
    print(trained_with)
    manifest = json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else {}
    missing, written = [], set()
    with tempfile.TemporaryDirectory() as scratch:  # one training per key: stacked digits' classifier is the digits'
        for dataset in args.datasets:
            data, settings = classifier_inputs(dataset)
            fresh = train_classifier(*data, cache_dir=scratch, bundled=False, **settings)
            shipped = BUNDLED_DIR / bundled_name(fresh.path.name)
            if args.write:
                BUNDLED_DIR.mkdir(exist_ok=True)
                torch.save(torch.load(fresh.path, weights_only=True), shipped)  # archive named after the file: same bytes
                entry = manifest.setdefault(shipped.name, {"datasets": []})
                entry |= {"data_sha1": data_digest(*data), **settings, "heldout_accuracy": round(fresh.heldout_accuracy, 6),
                          "trained_with": trained_with}
                entry["datasets"] = sorted({*entry["datasets"], dataset})
                written.add(shipped.name)
                print(f"dataset={dataset}: wrote {shipped} (held-out accuracy {fresh.heldout_accuracy:.4f})")
                continue
            bundled = sorted(BUNDLED_DIR.glob(f"{fresh.path.stem}-*.pt"))  # this machine's and other machines' networks
            if not bundled:
                missing.append(dataset)
                print(f"dataset={dataset}: nothing in the bundle for {fresh.path.name}: stale or never written "
                      "(run this script with --write)")
            for path in bundled:
                mine = " (this machine's kind)" if path == shipped else ""
                print(f"dataset={dataset}: {path.name}{mine}: {comparison(fresh, path, data)}")
    if args.write:
        mine = BUNDLED_DIR.glob(f"classifier-*-{kernel_kind()}.pt")  # this machine's kind: the other kinds' are kept
        for stale in sorted({path.name for path in mine} - written):
            (BUNDLED_DIR / stale).unlink()
            manifest.pop(stale, None)
            print(f"removed {stale}: no dataset's default classifier now")
        MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    sys.exit(1 if missing else 0)


def comparison(fresh, bundled_path: Path, data) -> str:
    """How far the classifier trained here is from a bundled one: weights, held-out accuracy, predictions."""
    bundled = load_classifier(bundled_path, DomainClassifier(data[0].shape[1], fresh.network.head.out_features))
    ours, theirs = fresh.network.state_dict(), bundled.network.state_dict()
    largest = max((ours[name] - theirs[name]).abs().max().item() for name in ours)
    agreement = classify(fresh.network, data[2]).eq(classify(bundled.network, data[2])).float().mean().item()
    same = "bit-identical" if largest == 0 else f"largest weight difference {largest:.3g}"
    return (f"{same}; held-out accuracy {fresh.heldout_accuracy:.4f} trained here, {bundled.heldout_accuracy:.4f} bundled; "
            f"the two agree on {agreement:.2%} of the held-out images")


if __name__ == "__main__":
    main()
