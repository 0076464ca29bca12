"""`python -m gan_lab.evaluate ckpt=PATH`: the evaluation table of a saved generator.

The checkpoint records its dataset's config; the same metrics as during training (the floor
included) are computed with the settings of `conf/eval/default.yaml` (`eval.*` overrides apply).
"""

from __future__ import annotations

import hydra
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig

from gan_lab.generate import load_module
from gan_lab.run import CONF_DIR


def evaluate_checkpoint(ckpt: str, make_evaluator, device: str = "cpu") -> dict[str, float]:
    """Floor, classifier accuracy and metrics of the checkpoint's EMA generator."""
    module = load_module(ckpt, device)
    dataset = module.hparams.get("dataset")
    if not dataset:
        raise ValueError(f"ckpt={ckpt!r} records no dataset config, so there is nothing to evaluate it against")
    datamodule = instantiate(dataset, batch_size=1, num_batches=1, seed=0)
    datamodule.setup("validate")
    evaluator = make_evaluator(datamodule=datamodule)
    evaluator.setup()
    metrics = evaluator.floor() | evaluator.info
    rng = torch.Generator().manual_seed(evaluator.seed)
    latents = torch.randn(evaluator.num_samples, module.generator.latent_dim, generator=rng)
    samples = torch.cat([module.generate(chunk).cpu() for chunk in latents.split(500)])
    return metrics | evaluator.evaluate(samples)


def format_table(metrics: dict[str, float]) -> str:
    """One row per metric: value, and its real-vs-real floor where there is one."""
    rows = [f"{'metric':<20} {'value':>12} {'floor':>12}"]
    for name, value in metrics.items():
        if name.endswith("_floor"):
            continue
        floor = metrics.get(f"{name}_floor")
        rows.append(f"{name:<20} {value:>12.4f} {'' if floor is None else f'{floor:>12.4f}'}")
    return "\n".join(rows)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="evaluate")
def main(cfg: DictConfig) -> None:
    print(format_table(evaluate_checkpoint(cfg.ckpt, instantiate(cfg.eval.evaluator), cfg.device)))


if __name__ == "__main__":
    main()
