"""Stacked digits: three independent digits as the R, G, B channels of one image, 1000 modes.

The Stacked-MNIST protocol of Metz et al. 2017 (Unrolled GANs), VEEGAN and PacGAN, built on
scikit-learn's digits so that it needs no download.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.datasets.base import FreshBatches, GANDataModule
from gan_lab.datasets.digits import DigitsDataModule

CODE_WEIGHTS = (100, 10, 1)  # label = 100·d_R + 10·d_G + d_B


def stack(digits: Tensor, labels: Tensor, index: Tensor) -> tuple[Tensor, Tensor]:
    """Stack the single-channel `digits` (N, 1, S, S) picked by `index` (n, 3) into (n, 3, S, S)
    images, channel c being `digits[index[:, c]]`, with their codes 100·d_R + 10·d_G + d_B."""
    images = digits[index].squeeze(2)
    weights = torch.tensor(CODE_WEIGHTS, dtype=labels.dtype, device=labels.device)
    codes = (labels[index] * weights).sum(dim=1)
    return images, codes


class StackedDigitsDataModule(GANDataModule):
    """Three digits drawn independently (with replacement) from the digits data set's split
    (`DigitsDataModule` with the same `image_size`, `heldout_fraction` and `split_seed`) and
    stacked as R, G, B: 1000 modes, labelled 100·d_R + 10·d_G + d_B. Training batches are stacked
    fresh from the training digits; the held-out set is a fixed draw of `heldout_size` stacks from
    the held-out digits (seeded with `split_seed`, the same for every run)."""

    supports_train_size = False  # fresh draws every batch: dataset.train_size is refused

    def __init__(
        self,
        image_size: int = 32,
        heldout_fraction: float = 0.2,
        heldout_size: int = 10000,
        split_seed: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if heldout_size < 1:
            raise ValueError(f"dataset.heldout_size must be >= 1, got {heldout_size}")
        self.digits = DigitsDataModule(image_size=image_size, heldout_fraction=heldout_fraction, split_seed=split_seed)
        self.image_size, self.heldout_fraction = image_size, heldout_fraction
        self.heldout_size, self.split_seed = heldout_size, split_seed
        self.sample_shape = (3, image_size, image_size)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """n training stacks, digit indices drawn with `generator` (on the training digits' device)."""
        pool = self.digit_pool_train
        index = torch.randint(len(pool), (n, 3), generator=generator, device=pool.device)
        return stack(pool, self.digit_labels_train, index)[0]

    def setup(self, stage: str | None = None) -> None:
        pool = getattr(self, "digit_pool_train", None)
        if pool is not None and pool.device == self.device:
            return
        train, train_labels, heldout, heldout_labels = self.digits.load()
        self.digit_pool_train = train.to(self.device, torch.float32).contiguous()
        self.digit_labels_train = train_labels.to(self.device)
        self.digit_pool_heldout = heldout.to(torch.float32).contiguous()
        self.digit_labels_heldout = heldout_labels
        heldout_rng = torch.Generator().manual_seed(self.split_seed)
        index = torch.randint(len(heldout), (self.heldout_size, 3), generator=heldout_rng)
        self.heldout_data, self.heldout_labels = stack(self.digit_pool_heldout, self.digit_labels_heldout, index)

    def train_dataloader(self) -> FreshBatches:
        generator = torch.Generator(device=self.digit_pool_train.device).manual_seed(self.stream_seed)
        return FreshBatches(self.sample, self.batch_size, self.num_batches, generator)
