"""The private Lightning and Hydra APIs gan_lab relies on (gan_lab/compat.py), each checked against
the real library: an upgrade that breaks one fails here, by name."""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader

from gan_lab.compat import (
    BASIC_SWEEPER_TARGET,
    attached_trainer,
    expand_basic_sweep,
    logger_step,
    logging_now,
    set_logger_step_on_resume,
)


class Probe(pl.LightningModule):
    """Records, at every batch, the logging flag and the loggers' step as gan_lab reads them."""

    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(1, 1)
        self.flags, self.steps = [], []

    def training_step(self, batch, batch_idx):
        self.flags.append(logging_now(attached_trainer(self)))
        self.steps.append(logger_step(attached_trainer(self)))
        return self.layer(batch).sum()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def fit(tmp_path, module, batches=6, **kwargs):
    trainer = pl.Trainer(
        max_epochs=1, log_every_n_steps=2, enable_progress_bar=False, enable_model_summary=False,
        logger=pl.loggers.CSVLogger(tmp_path), default_root_dir=tmp_path, accelerator="cpu", **kwargs,
    )  # fmt: skip
    trainer.fit(module, train_dataloaders=DataLoader([torch.ones(2, 1)] * batches, batch_size=None))
    return trainer


def test_the_logging_flag_follows_log_every_n_steps_and_the_logger_step_counts_batches(tmp_path):
    probe = Probe()
    fit(tmp_path, probe)
    assert probe.flags == [False, True, False, True, False, True]  # batches 2, 4, 6 log
    assert probe.steps == [0, 1, 2, 3, 4, 5]


def test_outside_a_fit_there_is_no_trainer_and_every_step_would_log():
    probe = Probe()
    assert attached_trainer(probe) is None and logging_now(None)


def test_a_lightning_checkpoint_keeps_the_logger_step_where_resume_rewrites_it(tmp_path):
    trainer = fit(tmp_path, Probe(), batches=4)
    trainer.save_checkpoint(tmp_path / "last.ckpt")
    checkpoint = torch.load(tmp_path / "last.ckpt", weights_only=False)
    state = checkpoint["loops"]["fit_loop"]["epoch_loop.state_dict"]
    assert state["_batches_that_stepped"] == 4
    set_logger_step_on_resume(checkpoint, generator_steps=4)
    assert state["_batches_that_stepped"] == 3


def test_hydras_basic_sweeper_expands_a_sweep_in_its_own_order():
    import hydra._internal.core_plugins.basic_sweeper as module

    assert f"{module.__name__}.{module.BasicSweeper.__name__}" == BASIC_SWEEPER_TARGET
    assert expand_basic_sweep(["loss=ns,hinge", "seed=0,1"]) == [
        ["loss=ns", "seed=0"], ["loss=ns", "seed=1"], ["loss=hinge", "seed=0"], ["loss=hinge", "seed=1"],
    ]  # fmt: skip
