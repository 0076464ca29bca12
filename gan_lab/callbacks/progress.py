"""A progress bar that counts generator steps."""

from __future__ import annotations

from pytorch_lightning.callbacks import TQDMProgressBar


class GeneratorStepProgressBar(TQDMProgressBar):
    """Lightning's tqdm bar, labelled in generator steps (one per batch: the whole run is one
    epoch of `train.steps` batches), with the losses and an ETA."""

    def on_train_epoch_start(self, trainer, *args) -> None:
        super().on_train_epoch_start(trainer, *args)
        self.train_progress_bar.set_description("G-steps")

    def get_metrics(self, trainer, pl_module) -> dict:
        metrics = super().get_metrics(trainer, pl_module)
        metrics.pop("v_num", None)
        return metrics
