"""Checkpoints counted in generator steps."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback

from gan_lab.callbacks.schedule import due
from gan_lab.settings import check_integer


class GeneratorStepCheckpoint(Callback):
    """Writes `g_step=NNNNNN.ckpt` every `every` generator steps (default: `num_checkpoints` evenly
    spaced per run) and at the end of training, and keeps `last.ckpt` pointing at the newest state.

    The files are Lightning checkpoints (`trainer.save_checkpoint`: networks, EMA, optimizers,
    loop state). Lightning's ModelCheckpoint counts optimizer steps, of which a GAN makes
    `n_critic + 1` per batch, hence this callback. Each file is written under a temporary name
    and renamed into place, so a kill during saving never leaves a truncated checkpoint, and
    `last.ckpt` is written before the `g_step` file, so it is never older than the newest of them.
    """

    def __init__(self, dirpath: str, every: int | None = None, num_checkpoints: int = 10):
        check_integer(every, "log.checkpoint_every", 0, nullable=True)
        check_integer(num_checkpoints, "log.num_checkpoints", 1)
        self.dirpath, self.every = Path(dirpath), every
        self.num_checkpoints = num_checkpoints
        self.last_saved_step = -1

    def on_train_start(self, trainer: pl.Trainer, pl_module) -> None:
        if self.every is None:  # the number of batches (G steps) is known once the data is set up
            self.every = max(1, int(trainer.num_training_batches) // self.num_checkpoints)

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module, batch, batch_idx: int) -> None:
        # Periodic checkpoints are taken as the next batch starts: by then Lightning has logged the
        # previous batch's scalars, so the log on disk reaches exactly the checkpoint's step.
        step = pl_module.generator_steps
        if step < trainer.num_training_batches and due(trainer, step, self.every):
            self.save_checked(trainer, pl_module, step)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        step = pl_module.generator_steps
        if step >= trainer.num_training_batches:  # the last one, as soon as training is done
            self.save_checked(trainer, pl_module, step)

    def save_checked(self, trainer: pl.Trainer, pl_module, step: int) -> None:
        if step == self.last_saved_step:
            return
        # Never overwrite the last good checkpoint with diverged weights.
        pl_module.divergence.check(step, pl_module.generator, pl_module.discriminator)
        self.save(trainer, step)

    def save(self, trainer: pl.Trainer, step: int) -> None:
        for logger in trainer.loggers:  # scalars up to this step reach the disk before the checkpoint does,
            logger.save()  # so a resumed run's log has no gap
        # last.ckpt first, then its copy under the step's name: a kill between the two writes leaves
        # last.ckpt newer than every g_step file, never older, so resume never repeats saved steps.
        last = self.dirpath / "last.ckpt"
        atomic_save_checkpoint(trainer, last)  # serialised once
        if trainer.is_global_zero:
            atomic_copy(last, self.dirpath / f"g_step={step:06d}.ckpt")
        trainer.strategy.barrier("gan_lab_last_checkpoint")
        self.last_saved_step = step


def atomic_save_checkpoint(trainer: pl.Trainer, path: Path) -> None:
    """`trainer.save_checkpoint` under a temporary name, then a rename: never a truncated file."""
    tmp = path.with_name(f".{path.name}.tmp")
    trainer.save_checkpoint(tmp, weights_only=False)  # full state (optimizers too); every rank calls it, rank 0 writes
    if trainer.is_global_zero:
        os.replace(tmp, path)
    trainer.strategy.barrier("gan_lab_checkpoint")


def atomic_copy(source: Path, target: Path) -> None:
    """Copy under a temporary name, then rename."""
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
