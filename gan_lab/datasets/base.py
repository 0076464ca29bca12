"""Shared behaviour of gan_lab's data modules."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral, Real

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

    `train_size` (config `dataset.train_size`) trains on part of a fixed training split: a fraction
    in (0, 1] (a float) or a count of samples (an integer >= 1); None, the default, is all of it.
    The part is the first k items of a permutation of the training split seeded with `split_seed`
    (k = max(1, round(fraction × n)) for a fraction), kept in the split's order, so it is the same
    for every run, and smaller parts are subsets of larger ones (10 % ⊂ 25 % ⊂ 50 %). Only the
    training batches come from it: the held-out split, and the training split the evaluation's
    yardstick is built from (domain classifier, feature statistics, floor), stay whole, so runs of
    different sizes are scored alike. Modules that sample fresh data every batch set
    `supports_train_size = False` and refuse it.
    """

    sample_shape: tuple[int, ...]
    supports_train_size: bool = True
    split_seed: int = 0

    def __init__(
        self,
        batch_size: int = 64,
        num_batches: int = 1,
        seed: int = 0,
        corruption: nn.Module | None = None,
        train_size: float | int | None = None,
    ):
        super().__init__()
        check_integer(batch_size, "train.batch_size", 1)
        check_integer(num_batches, "train.steps", 1)
        self.batch_size, self.num_batches, self.seed = batch_size, num_batches, seed
        self.corruption = corruption if corruption is not None and getattr(corruption, "level", 0) > 0 else None
        self.corruption_rng: torch.Generator | None = None
        check_train_size(train_size)
        if train_size is not None and not self.supports_train_size:
            raise ValueError(
                f"dataset.train_size applies to data sets with a fixed training split; {type(self).__name__} draws "
                f"fresh training samples every batch: leave dataset.train_size null, got {train_size!r}"
            )
        self.train_size = train_size

    def train_subset_index(self, n: int) -> Tensor | None:
        """The indices (ascending) into a training split of `n` items that `train_size` keeps, or
        None when it keeps them all by default (`train_size` null)."""
        if self.train_size is None:
            return None
        return train_subset_index(n, self.train_size, self.split_seed)

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
    of held-out samples, and labels where the data has them. Subclasses implement `load()`.

    `train_data` is the whole training split (the evaluation's yardstick is built from it);
    training batches are drawn from `train_subset`, the part `train_size` keeps (`train_data`
    itself by default), whose indices into `train_data` are `train_index` (None by default)."""

    train_data: Tensor
    heldout_data: Tensor
    train_labels: Tensor | None = None
    heldout_labels: Tensor | None = None
    train_index: Tensor | None = None

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
        self.train_index = self.train_subset_index(len(train))

    def store_in_memory_format(self, memory_format: torch.memory_format) -> None:
        """Hold the training data in `memory_format` (the model's: channels-last for convolutions on
        the CPU and CUDA), so that the batches indexed from it need no conversion in every step."""
        if getattr(self, "train_data", None) is not None and self.train_data.dim() == 4:
            self.train_data = self.train_data.contiguous(memory_format=memory_format)

    @property
    def train_subset(self) -> Tensor:
        """The training samples batches are drawn from: all of `train_data` unless `train_size` says less."""
        if self.train_index is None:
            return self.train_data
        return self.train_data[self.train_index.to(self.train_data.device)]

    def train_dataloader(self) -> RandomBatches:
        return RandomBatches(self.train_subset, self.batch_size, self.num_batches, self.stream_seed)


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


TRAIN_SIZE_ALLOWED = "a fraction in (0, 1] (e.g. 0.25), a count of training samples (an integer >= 1), or null for all"


def check_train_size(train_size) -> None:
    """Raise ValueError naming `dataset.train_size` unless it is None, a float in (0, 1] or an int >= 1."""
    if train_size is None:
        return
    if isinstance(train_size, bool) or not isinstance(train_size, Real):
        raise ValueError(f"dataset.train_size must be {TRAIN_SIZE_ALLOWED}, got {train_size!r}")
    if isinstance(train_size, Integral):
        if train_size < 1:
            raise ValueError(f"dataset.train_size must be {TRAIN_SIZE_ALLOWED}, got {train_size!r}")
        return
    if not 0.0 < float(train_size) <= 1.0:  # NaN fails this too
        raise ValueError(f"dataset.train_size must be {TRAIN_SIZE_ALLOWED}, got {train_size!r}")


def train_subset_index(n: int, train_size: float | int, split_seed: int) -> Tensor:
    """The ascending indices of the first k items of a permutation of range(n) seeded with
    `split_seed`: k = `train_size` for an integer, max(1, round(train_size × n)) for a fraction.
    The same seed gives nested subsets for growing k."""
    check_train_size(train_size)
    if isinstance(train_size, Integral):
        k = int(train_size)
        if k > n:
            raise ValueError(
                f"dataset.train_size={k} is larger than the training split ({n} samples); use at most {n}, "
                "a fraction in (0, 1], or null for all"
            )
    else:
        k = max(1, round(float(train_size) * n))
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(split_seed))
    return perm[:k].sort().values
