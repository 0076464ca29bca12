"""Stability of the run as numbers (gan_lab/metrics/stability.py), computed when training ends."""

from __future__ import annotations

from pathlib import Path

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback
from pytorch_lightning.loggers import CSVLogger

from gan_lab.compat import logger_step
from gan_lab.metrics.stability import LOG_COLUMNS, stability_summary
from gan_lab.report.curves import METRICS_CSV, read_curves


class StabilityMonitor(Callback):
    """When training ends, reads the run's scalar log (the CSV logger's metrics.csv, which a resumed
    run carries over from its earlier processes) and computes the stability numbers: the FID's
    coefficient of variation over the second half, the losses' oscillation, gradient-norm spikes and
    the collapse flag. They go to results.json (`stability`) and, as `stability/<name>`, to every
    logger. Without a CSV logger there is nothing to read, and results.json says so."""

    def __init__(self):
        self.summary: dict = {}

    def on_train_end(self, trainer: pl.Trainer, pl_module) -> None:
        if not trainer.is_global_zero:
            return
        csv_loggers = [logger for logger in trainer.loggers if isinstance(logger, CSVLogger)]
        if not csv_loggers:
            self.summary = {"error": "no CSV logger (conf/logger/csv.yaml): no scalar log to read"}
            return
        csv_loggers[0].save()  # flush what is buffered
        curves = read_curves(Path(csv_loggers[0].log_dir) / METRICS_CSV, LOG_COLUMNS)
        self.summary = stability_summary(curves, pl_module.generator_steps)
        numbers = {f"stability/{k}": float(v) for k, v in self.summary.items() if isinstance(v, (int, float))}
        numbers["g_step"] = float(pl_module.generator_steps)  # every row of the scalar log has its G-step
        step = logger_step(trainer)
        for logger in trainer.loggers:
            logger.log_metrics(numbers, step=step)

    def results_section(self) -> dict:
        return {"stability": self.summary} if self.summary else {}
