"""The `probe` group's tests of the trained model, run once at the end of training."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.loggers import WandbLogger

from gan_lab.callbacks.evaluation import Evaluation
from gan_lab.compat import logger_step
from gan_lab.metrics.evaluator import Evaluator
from gan_lab.probes import Probe, build_probes, run_probes
from gan_lab.probes.target import probe_target

log = logging.getLogger(__name__)


class ModelProbes(Callback):
    """When training ends, runs the configured probes (`probe=[latent_noise,d_attack]`) on the EMA
    generator and D, with the evaluation's backbone and held-out split (the evaluation callback's
    evaluator when there is one, else its own from `evaluator`). The results go to results.json
    (`probes.<name>.<level>.<metric>`, and `probe_time_s`) and to every logger: one row per level
    with `probe/<name>/level`, `probe/<name>/<metric>` and the final `g_step`, at logger steps after
    the last training step (W&B plots them against the level)."""

    def __init__(self, probes: dict[str, dict] | None, evaluator: Callable[..., Evaluator]):
        self.probes: list[Probe] = build_probes(probes)
        self.make_evaluator = evaluator
        self.results: dict[str, dict] = {}
        self.seconds = 0.0

    def on_fit_start(self, trainer: pl.Trainer, pl_module) -> None:
        """Refuse, before the first step, a probe that could not run on this data when training ends."""
        for probe in self.probes:
            probe.check_data(trainer.datamodule)

    def on_train_end(self, trainer: pl.Trainer, pl_module) -> None:
        if not self.probes or not trainer.is_global_zero:
            return
        started = time.perf_counter()
        target = probe_target(pl_module, self._evaluator(trainer, pl_module), self.probes)
        self.results = run_probes(self.probes, target)
        self.seconds = time.perf_counter() - started
        log.info("probes %s: %.1f s", ", ".join(self.results), self.seconds)
        self._log(trainer, pl_module.generator_steps)

    def _evaluator(self, trainer: pl.Trainer, pl_module) -> Evaluator:
        for callback in trainer.callbacks:
            if isinstance(callback, Evaluation) and getattr(callback, "evaluator", None) is not None:
                return callback.evaluator
        return self.make_evaluator(datamodule=trainer.datamodule).to(pl_module.device)

    def _log(self, trainer: pl.Trainer, generator_steps: int) -> None:
        first = logger_step(trainer) + 1
        for logger in trainer.loggers:
            if isinstance(logger, WandbLogger):
                for name in self.results:
                    logger.experiment.define_metric(f"probe/{name}/*", step_metric=f"probe/{name}/level")
        for name, by_level in self.results.items():
            for index, (level, metrics) in enumerate(by_level.items()):
                row = {f"probe/{name}/{metric}": value for metric, value in metrics.items()}
                for logger in trainer.loggers:
                    level_row = row | {f"probe/{name}/level": float(level), "g_step": float(generator_steps)}
                    logger.log_metrics(level_row, step=first + index)

    def results_section(self) -> dict:
        """What results.json gets from this callback."""
        return {"probes": self.results, "probe_time_s": round(self.seconds, 2)} if self.results else {}
