"""Periodic evaluation of the EMA generator: metrics to every logger, the best checkpoint by the
monitored metric, and the final numbers (with the real-vs-real floor) for results.json."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback

from gan_lab.callbacks.checkpoint import atomic_save_checkpoint
from gan_lab.callbacks.schedule import due
from gan_lab.compat import logger_step
from gan_lab.divergence import TrainingDiverged
from gan_lab.metrics.evaluator import Evaluator, NonFiniteSamples


class Evaluation(Callback):
    """Every `every` generator steps (default: `num_evaluations` times per run) and at the end,
    generates `evaluator.num_samples` samples from a fixed latent batch with the EMA generator,
    scores them, logs `eval/<metric>` to every logger, and saves `best.ckpt` when the monitored
    metric (FID, or the mode KL on 2-D data) improves. At the start it logs the floor (the metrics
    of real training data) and the classifier's held-out accuracy. The evaluator runs on the
    module's device. Non-finite samples stop the run as diverged at that step."""

    def __init__(
        self,
        evaluator: Callable[..., Evaluator],
        every: int | None = None,
        num_evaluations: int = 5,
        checkpoint_dir: str | None = None,
        enabled: bool = True,
        seed: int = 0,
    ):
        if every is not None and every < 1:
            raise ValueError(f"eval.every must be >= 1 (or null), got {every}")
        self.make_evaluator, self.every, self.num_evaluations = evaluator, every, num_evaluations
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.enabled, self.seed = enabled, seed
        self.best = float("inf")
        self.last_step = -1
        self.seconds = 0.0
        self.final: dict[str, float] = {}

    def on_fit_start(self, trainer: pl.Trainer, pl_module) -> None:
        if not self.enabled:
            return
        started = time.perf_counter()
        self.evaluator = self.make_evaluator(datamodule=trainer.datamodule).to(pl_module.device)
        with torch.random.fork_rng(devices=[]):
            self.evaluator.setup()
            self.final = self.evaluator.floor() | self.evaluator.info
        rng = torch.Generator().manual_seed(self.seed)
        self.latents = torch.randn(self.evaluator.num_samples, pl_module.generator.latent_dim, generator=rng)
        self.seconds += time.perf_counter() - started
        self._log(trainer, pl_module, self.final)

    def on_train_start(self, trainer: pl.Trainer, pl_module) -> None:
        if self.every is None:  # the number of batches is known once the training data is set up
            self.every = max(1, int(trainer.num_training_batches) // self.num_evaluations)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        step = pl_module.generator_steps
        if not self.enabled or not due(trainer, step, self.every) or step == self.last_step:
            return
        started = time.perf_counter()
        with torch.random.fork_rng(devices=[]):  # evaluating never changes the training's random stream
            samples = torch.cat([pl_module.generate(chunk) for chunk in self.latents.split(500)])
            try:
                metrics = self.evaluator.evaluate(samples)
            except NonFiniteSamples as err:
                raise TrainingDiverged(step, f"the EMA generator's samples ({err})") from err
        self.last_step = step
        self.seconds += time.perf_counter() - started
        self.final |= metrics | {"eval_time_s": self.seconds}
        self._log(trainer, pl_module, metrics | {"eval_time_s": self.seconds})
        score = metrics[self.evaluator.monitor]
        if self.checkpoint_dir is not None and score < self.best:
            self.best = score
            atomic_save_checkpoint(trainer, self.checkpoint_dir / "best.ckpt")

    def _log(self, trainer: pl.Trainer, pl_module, metrics: dict[str, float]) -> None:
        named = {f"eval/{k}": float(v) for k, v in metrics.items()}
        for name, value in named.items():  # visible to results.json and the progress bar
            trainer.callback_metrics[name] = torch.tensor(value)
        if trainer.is_global_zero:
            step = logger_step(trainer)
            for logger in trainer.loggers:
                logger.log_metrics(named | {"g_step": float(pl_module.generator_steps)}, step=step)
