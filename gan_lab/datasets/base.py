"""Shared behaviour of gan_lab's data modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytorch_lightning as pl
import torch
from torch import Tensor, nn

from gan_lab.settings import check_integer

RESUME_SEED_STRIDE = 7919  # a resumed run's data streams use seed + stride × (times resumed)
RANK_SEED_STRIDE = 104729  # and DDP rank r's use seed + stride × r


class GANDataModule(pl.LightningDataModule):
    """A data module that yields `num_batches` training batches of `batch_size` samples.

    `batch_size`, `num_batches`, `seed` and `corruption` are filled in by the runner (from
    `train.batch_size` × `train.n_critic`, `train.steps`, `seed` and the `corruption` group);
    `sample_shape` says what one sample looks like so that the models can be built to match.

    The corruption (the robustness study's uncertain environment) is applied to training batches
    only, on the training device, with fresh draws for every batch from a generator seeded by
    `seed`: the data stream is noisy, every image is seen under many draws. Held-out data, the
    reference of every metric, is never corrupted.
    """

    sample_shape: tuple[int, ...]

    def __init__(self, batch_size: int = 64, num_batches: int = 1, seed: int = 0, corruption: nn.Module | None = None):
        super().__init__()
        check_integer(batch_size, "train.batch_size", 1)
        check_integer(num_batches, "train.steps", 1)
        self.batch_size, self.num_batches, self.seed = batch_size, num_batches, seed
        self.corruption = corruption if corruption is not None and getattr(corruption, "level", 0) > 0 else None
        self.corruption_rng: torch.Generator | None = None

    def state_dict(self) -> dict:
        """Saved in checkpoints: how often this run was resumed, so that a resumed run draws a new
        data stream rather than replaying its first batches."""
        return {"resumes": getattr(self, "resumes", 0)}

    def load_state_dict(self, state: dict) -> None:
        self.resumes = int(state.get("resumes", 0)) + 1
        self.seed = self.seed + RESUME_SEED_STRIDE * self.resumes
        self.corruption_rng = None

    def check_corruption(self, dataset_name: str) -> None:
        """A clear error when a corruption is asked of data that are not images."""
        if self.corruption is not None and not self.is_image:
            raise ValueError(
                f"corruption={self.corruption.name} applies to images, but dataset={dataset_name} yields samples of "
                f"shape {tuple(self.sample_shape)}; use corruption=none with this dataset"
            )

    def on_after_batch_transfer(self, batch: Tensor, dataloader_idx: int) -> Tensor:
        if self.corruption is None:
            return batch
        if self.corruption_rng is None or self.corruption_rng.device != batch.device:
            self.corruption_rng = torch.Generator(device=batch.device).manual_seed(self.stream_seed + 1)
        with torch.no_grad():
            return self.corruption(batch, self.corruption_rng)

    @property
    def stream_seed(self) -> int:
        """The seed of this process's training stream: `seed`, moved on for each resume and for
        each DDP rank, so that processes do not draw the same batches."""
        rank = self.trainer.global_rank if self.trainer is not None else 0
        return self.seed + RANK_SEED_STRIDE * rank

    @property
    def is_image(self) -> bool:
        return len(self.sample_shape) == 3

    @property
    def device(self) -> torch.device:
        """Where training runs (the trainer's device once attached, else the CPU)."""
        trainer = self.trainer
        return trainer.strategy.root_device if trainer is not None else torch.device("cpu")


class RandomBatches:
    """`num_batches` batches drawn by indexing one tensor: a fresh random permutation per pass
    over the data, no worker processes, everything on the tensor's device."""

    def __init__(self, data: Tensor, batch_size: int, num_batches: int, seed: int):
        self.data, self.batch_size, self.num_batches = data, batch_size, num_batches
        self.generator = torch.Generator(device=data.device).manual_seed(seed)

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self) -> Iterator[Tensor]:
        n = self.data.shape[0]
        order = torch.empty(0, dtype=torch.long, device=self.data.device)
        for _ in range(self.num_batches):
            while order.numel() < self.batch_size:
                perm = torch.randperm(n, generator=self.generator, device=self.data.device)
                order = torch.cat([order, perm])
            index, order = order[: self.batch_size], order[self.batch_size :]
            yield self.data[index]


class FreshBatches:
    """`num_batches` batches, each drawn anew by `sample(batch_size, generator)` (for data that is
    generated rather than stored: Gaussian mixtures, stacked digits)."""

    def __init__(self, sample, batch_size: int, num_batches: int, generator: torch.Generator):
        self.sample, self.batch_size, self.num_batches, self.generator = sample, batch_size, num_batches, generator

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self) -> Iterator[Tensor]:
        for _ in range(self.num_batches):
            yield self.sample(self.batch_size, self.generator)


class InMemoryDataModule(GANDataModule):
    """A data set that fits in memory: one tensor of training samples on the training device, one
    of held-out samples, and labels where the data has them. Subclasses implement `load()`."""

    train_data: Tensor
    heldout_data: Tensor
    train_labels: Tensor | None = None
    heldout_labels: Tensor | None = None

    def load(self) -> tuple[Tensor, Tensor | None, Tensor, Tensor | None]:
        """Return (train, train_labels, heldout, heldout_labels) on the CPU."""
        raise NotImplementedError

    def setup(self, stage: str | None = None) -> None:
        if getattr(self, "train_data", None) is not None and self.train_data.device == self.device:
            return
        train, train_labels, heldout, heldout_labels = self.load()
        self.train_data = train.to(self.device, torch.float32).contiguous()
        self.heldout_data = heldout.to(torch.float32)
        self.train_labels, self.heldout_labels = train_labels, heldout_labels

    def train_dataloader(self) -> RandomBatches:
        return RandomBatches(self.train_data, self.batch_size, self.num_batches, self.stream_seed)


def to_unit_range(images: Tensor) -> Tensor:
    """Map images in [0, 1] to [-1, 1]."""
    return images * 2.0 - 1.0


def seeded_split(n: int, heldout_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    """Indices (train, heldout) of a fixed random split of n items."""
    if not 0.0 < heldout_fraction < 1.0:
        raise ValueError(f"dataset.heldout_fraction must be in (0, 1), got {heldout_fraction}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_heldout = max(1, round(n * heldout_fraction))
    return perm[n_heldout:], perm[:n_heldout]
