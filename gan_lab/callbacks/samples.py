"""Samples of a fixed latent batch, written to disk and to the loggers as training goes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytorch_lightning as pl  # noqa: E402
import torch  # noqa: E402
from pytorch_lightning.callbacks import Callback  # noqa: E402
from pytorch_lightning.loggers import TensorBoardLogger, WandbLogger  # noqa: E402
from torchvision.utils import make_grid, save_image  # noqa: E402

from gan_lab.callbacks.schedule import due  # noqa: E402


class SampleWriter(Callback):
    """Every `every` generator steps (and at the end), feeds the same `num_samples` latents
    (drawn once with `seed`) to the sampling (EMA) generator and writes `dirpath/step_NNNNNN.png`:
    an image grid, or for 2-D data a scatter of `num_points` generated points over held-out real ones.
    The picture also goes to W&B (as an image) and TensorBoard when those loggers are on."""

    def __init__(self, dirpath: str, every: int = 250, num_samples: int = 64, num_points: int = 1000, seed: int = 0):
        self.dirpath, self.every, self.seed = Path(dirpath), every, seed
        self.num_samples, self.num_points = num_samples, num_points
        self.last_written_step = -1

    def on_fit_start(self, trainer: pl.Trainer, pl_module) -> None:
        rng = torch.Generator().manual_seed(self.seed)
        n = self.num_samples if len(pl_module.sample_shape) == 3 else self.num_points
        self.latents = torch.randn(n, pl_module.generator.latent_dim, generator=rng)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        step = pl_module.generator_steps
        if due(trainer, step, self.every) and step != self.last_written_step:
            self.write(trainer, pl_module, step)

    def write(self, trainer: pl.Trainer, pl_module, step: int) -> Path | None:
        samples = pl_module.generate(self.latents).cpu()
        self.last_written_step = step
        if not trainer.is_global_zero:
            return None
        self.dirpath.mkdir(parents=True, exist_ok=True)
        path = self.dirpath / f"step_{step:06d}.png"
        if samples.dim() == 4:
            grid = make_grid(samples, nrow=8, normalize=True, value_range=(-1, 1), pad_value=1.0)
            save_image(grid, path)
        else:
            grid = None
            self._scatter(samples, trainer.datamodule, step, path)
        for logger in trainer.loggers:
            if isinstance(logger, WandbLogger):
                logger.log_image(key="samples", images=[str(path)], caption=[f"G-step {step}"])
            elif isinstance(logger, TensorBoardLogger) and grid is not None:
                logger.experiment.add_image("samples", grid, global_step=step)
        return path

    def _scatter(self, points: torch.Tensor, datamodule, step: int, path: Path) -> None:
        fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
        real = getattr(datamodule, "heldout_data", None)
        if real is not None:
            ax.scatter(real[:, 0], real[:, 1], s=2, c="0.6", label="real")
        ax.scatter(points[:, 0], points[:, 1], s=4, c="tab:blue", label="generated")
        ax.set_title(f"G-step {step}")
        ax.set_aspect("equal")
        ax.legend(loc="upper right", fontsize=7)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
