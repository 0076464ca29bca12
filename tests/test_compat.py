"""The private Lightning and Hydra APIs gan_lab relies on (gan_lab/compat.py), each checked against
the real library: an upgrade that breaks one fails here, by name."""

from __future__ import annotations

import pytorch_lightning as pl
import torch
from pytorch_lightning.trainer.connectors.logger_connector import result
from pytorch_lightning.trainer.connectors.logger_connector.result import _Metadata, _ResultMetric
from torch.utils.data import DataLoader

from gan_lab.compat import (
    BASIC_SWEEPER_TARGET,
    attached_trainer,
    expand_basic_sweep,
    logger_step,
    logging_now,
    set_logger_step_on_resume,
    skip_moving_logged_metrics_already_on_device,
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


class Logs(pl.LightningModule):
    """Logs a per-step value and an epoch mean of a value that changes every batch."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.layer = torch.nn.Linear(1, 1)

    def training_step(self, batch, batch_idx):
        loss = self.layer(batch).pow(2).mean()
        self.log_dict({"loss": loss, "weight": self.layer.weight.sum()}, on_step=True, on_epoch=False)
        self.log("loss_mean", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_self_log_skips_lightnings_move_of_a_value_already_on_its_device(monkeypatch):
    skip_moving_logged_metrics_already_on_device()
    metric = _ResultMetric(_Metadata(fx="training_step", name="loss", on_step=True, on_epoch=True), is_tensor=True)
    walks = []
    monkeypatch.setattr(result, "apply_to_collection", lambda *args, **kwargs: walks.append(args) or args[0])
    assert metric.to(torch.device("cpu")) is metric and walks == []  # what took 0.5 ms per self.log
    metric.to(torch.device("meta"))  # another device: Lightning's own move
    assert len(walks) == 1


def test_a_value_on_another_device_still_moves():
    skip_moving_logged_metrics_already_on_device()
    metric = _ResultMetric(_Metadata(fx="training_step", name="loss", on_step=True, on_epoch=True), is_tensor=True)
    metric.to(torch.device("meta"))
    assert metric.value.device.type == metric.cumulated_batch_size.device.type == "meta"
    assert all(default.device.type == "meta" for default in metric._defaults.values())


def test_the_logged_values_are_those_of_lightnings_own_move(tmp_path, monkeypatch):
    skip_moving_logged_metrics_already_on_device()
    fit(tmp_path / "fast", Logs())
    monkeypatch.setattr(_ResultMetric, "to", _ResultMetric.to.lightning_to)
    fit(tmp_path / "lightning", Logs())
    fast, lightning = (next((tmp_path / name).rglob("metrics.csv")).read_text() for name in ("fast", "lightning"))
    assert fast == lightning and "loss_mean" in fast and len(fast.splitlines()) == 5  # header, steps 2, 4, 6, the epoch
