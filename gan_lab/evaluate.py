"""`python -m gan_lab.evaluate ckpt=PATH` or `samples=PATH dataset=NAME`: the evaluation table.

- `ckpt=`: a saved generator; the checkpoint records its dataset's config, and its EMA generator
  makes `eval.num_samples` samples from latents seeded with `eval.seed`.
- `samples=`: any generator's samples — a folder of PNG/JPEG images or a `.npy`/`.npz` array
  (N×C×H×W or N×H×W×C, in [0, 1] or uint8; see `gan_lab/sample_files.py`) — scored against
  `dataset=`'s held-out split. At most `eval.num_samples` of them are scored (the first ones), and
  the floor and the reference use the same count, so that value and floor compare.

Either way the metrics are those of training (the floor included), with `conf/eval/default.yaml`'s
settings (`eval.*` overrides apply), computed on `device=`. `out=FILE.json` also writes them.

With `ckpt=`, `'probe=[latent_noise,d_attack,...]'` also runs those probes of the trained G and D
(`conf/probe/`) and prints a table per probe (level × metric); `out=` then holds them under `probes`.

- `study=DIR 'probe=[...]'`: probes every completed member of a study or multirun on its final
  checkpoint, with the member's own evaluation settings, into its `results.json`
  (`gan_lab/study/probes.py`), so a study run without probes gets them without re-training.
"""

from __future__ import annotations

import json
from pathlib import Path

import hydra
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from gan_lab.errors import exit_on_user_error
from gan_lab.generate import load_module
from gan_lab.heap import freeze_imported_objects
from gan_lab.metrics.evaluator import Evaluator
from gan_lab.probes import Probe, build_probes, run_probes
from gan_lab.probes.target import probe_target
from gan_lab.results import json_safe
from gan_lab.run import CONF_DIR
from gan_lab.sample_files import read_samples
from gan_lab.study.probes import MemberOutcome, probe_study


class EvaluateUsageError(ValueError):
    """The command line does not say what to evaluate, or says it twice."""


def evaluate_checkpoint(ckpt: str, make_evaluator, device: str = "cpu", probes: list[Probe] = ()) -> dict:
    """Floor, classifier accuracy and metrics of the checkpoint's EMA generator; with `probes`, also
    their results under the key "probes"."""
    module = load_module(ckpt, device)
    dataset = module.hparams.get("dataset")
    if not dataset:
        raise ValueError(f"ckpt={ckpt!r} records no dataset config, so there is nothing to evaluate it against")
    evaluator = _set_up(make_evaluator(datamodule=_datamodule(dataset)), device)
    metrics = evaluator.floor() | evaluator.info
    rng = torch.Generator().manual_seed(evaluator.seed)
    latents = torch.randn(evaluator.num_samples, module.generator.latent_dim, generator=rng)
    samples = torch.cat([module.generate(chunk) for chunk in latents.split(500)])
    metrics |= evaluator.evaluate(samples)
    if probes:
        metrics["probes"] = run_probes(probes, probe_target(module, evaluator, probes))
    return metrics


def evaluate_samples(path: str, dataset: DictConfig | dict, make_evaluator, device: str = "cpu") -> dict[str, float]:
    """Floor, classifier accuracy and metrics of the samples stored at `path` (first `num_samples` of them)."""
    datamodule = _datamodule(dataset)
    samples = read_samples(path, tuple(datamodule.sample_shape))
    evaluator = make_evaluator(datamodule=datamodule)
    if len(samples) < evaluator.num_samples:  # score every sample, against a floor of the same count
        evaluator = make_evaluator(datamodule=datamodule, num_samples=len(samples))
    evaluator = _set_up(evaluator, device)
    metrics = evaluator.floor() | evaluator.info
    return metrics | evaluator.evaluate(samples[: evaluator.num_samples]) | {"num_samples": float(evaluator.num_samples)}


def _datamodule(dataset):
    datamodule = instantiate(dataset, batch_size=1, num_batches=1, seed=0)
    datamodule.setup("validate")
    return datamodule


def _set_up(evaluator: Evaluator, device: str) -> Evaluator:
    evaluator.to(device).setup()
    return evaluator


def format_table(metrics: dict[str, float]) -> str:
    """One row per metric: value, and its real-vs-real floor where there is one."""
    rows = [f"{'metric':<20} {'value':>12} {'floor':>12}"]
    for name, value in metrics.items():
        if name.endswith("_floor") or not isinstance(value, (int, float)):
            continue
        floor = metrics.get(f"{name}_floor")
        rows.append(f"{name:<20} {value:>12.4f} {'' if floor is None else f'{floor:>12.4f}'}")
    return "\n".join(rows)


def format_probe_tables(probes: dict[str, dict[str, dict[str, float]]]) -> str:
    """Per probe, one row per metric and one column per level."""
    tables = []
    for name, by_level in probes.items():
        metrics = list(dict.fromkeys(metric for values in by_level.values() for metric in values))
        rows = [f"probe {name}", f"{'level':<22}" + "".join(f"{float(level):>12.4g}" for level in by_level)]
        for metric in metrics:
            cells = "".join(f"{values[metric]:>12.4g}" if metric in values else " " * 12 for values in by_level.values())
            rows.append(f"{metric:<22}{cells}")
        tables.append("\n".join(rows))
    return "\n\n".join(tables)


def configured_probes(cfg: DictConfig) -> list[Probe]:
    """The probes `probe=[...]` names, built (none without it)."""
    return build_probes(OmegaConf.to_container(cfg.probe, resolve=True) if cfg.get("probe") else None)


def run(cfg: DictConfig) -> dict:
    ckpt, samples, dataset = cfg.get("ckpt"), cfg.get("samples"), cfg.get("dataset")
    make_evaluator = instantiate(cfg.eval.evaluator)
    probes = configured_probes(cfg)
    if sum(bool(source) for source in (ckpt, samples, cfg.get("study"))) > 1:
        raise EvaluateUsageError("give one of ckpt=PATH, samples=PATH or study=DIR")
    if ckpt:
        if dataset:
            raise EvaluateUsageError("ckpt= evaluates against the dataset its checkpoint records; leave out dataset=")
        return evaluate_checkpoint(ckpt, make_evaluator, cfg.device, probes)
    if probes:
        raise EvaluateUsageError("probe= tests a trained G and D: give ckpt=PATH (sample files have neither)")
    if samples:
        if not dataset:
            raise EvaluateUsageError(
                f"samples={samples} needs the dataset to score against: add dataset=NAME (e.g. dataset=digits)"
            )
        return evaluate_samples(samples, dataset, make_evaluator, cfg.device)
    raise EvaluateUsageError(
        "nothing to evaluate: give ckpt=PATH (a checkpoint) or samples=PATH dataset=NAME (images or an array)"
    )


def run_study(cfg: DictConfig) -> None:
    """study=DIR: probe its completed members into their results.json, one line per member."""
    if cfg.get("dataset") or cfg.get("out"):
        raise EvaluateUsageError("study= writes each member's results.json with its own dataset: leave out dataset= and out=")
    probes = configured_probes(cfg)

    def report(outcome: MemberOutcome) -> None:
        detail = f" ({', '.join(outcome.probes)})" if outcome.probed else f": {outcome.reason}"
        print(f"{'probed' if outcome.probed else 'skipped'}  {outcome.member}{detail}", flush=True)

    outcomes = probe_study(cfg.study, probes, evaluate_checkpoint, cfg.device, bool(cfg.get("force")), report)
    probed = sum(outcome.probed for outcome in outcomes)
    print(f"{probed} of {len(outcomes)} members probed ({', '.join(probe.name for probe in probes)}) in {cfg.study}")


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="evaluate")
def main(cfg: DictConfig) -> None:
    try:
        if cfg.get("study") and not (cfg.get("ckpt") or cfg.get("samples")):
            run_study(cfg)
            return
        metrics = run(cfg)
    except Exception as err:
        exit_on_user_error("gan_lab.evaluate", err)  # a bad path, sample file or setting: one line, exit 2
        raise
    probes = metrics.pop("probes", None)
    print(format_table(metrics))
    if probes:
        print("\n" + format_probe_tables(probes))
    if cfg.get("out"):
        out = Path(cfg.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        source = {"ckpt": cfg.ckpt} if cfg.get("ckpt") else {"samples": cfg.samples}
        dataset = OmegaConf.to_container(cfg.dataset, resolve=True) if cfg.get("dataset") else None
        written = source | {"dataset": dataset, "metrics": metrics} | ({"probes": probes} if probes else {})
        out.write_text(json.dumps(json_safe(written), indent=2, allow_nan=False) + "\n")


if __name__ == "__main__":
    freeze_imported_objects()
    main()
