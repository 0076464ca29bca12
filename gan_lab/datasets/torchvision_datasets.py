"""MNIST, Fashion-MNIST and CIFAR-10 read through torchvision from their usual on-disk formats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torchvision.transforms.v2.functional as TF
from torchvision import datasets

from gan_lab.datasets.base import InMemoryDataModule, to_unit_range

DATASETS = {
    "mnist": datasets.MNIST,
    "fashion_mnist": datasets.FashionMNIST,
    "cifar10": datasets.CIFAR10,
}


class TorchvisionDataModule(InMemoryDataModule):
    """A torchvision data set held in memory, resized to `image_size`, in [-1, 1].

    Training uses the official training split; the official test split is the held-out set.
    Files are read from `root` (torchvision's layout, e.g. `root/MNIST/raw/…`,
    `root/cifar-10-batches-py/…`); `download=true` fetches them first, where a network exists.
    `split_seed` seeds only the part of the training split `train_size` keeps (the split itself is
    the official one).
    """

    def __init__(
        self, name: str, root: str = "data", download: bool = False, image_size: int = 32, split_seed: int = 0, **kwargs
    ):
        super().__init__(**kwargs)
        if name not in DATASETS:
            raise ValueError(f"dataset.name must be one of {sorted(DATASETS)}, got {name!r}")
        self.name, self.root, self.download, self.image_size = name, Path(root), download, image_size
        self.split_seed = split_seed
        channels = 3 if name == "cifar10" else 1
        self.sample_shape = (channels, image_size, image_size)

    def prepare_data(self) -> None:
        if self.download:
            for train in (True, False):
                DATASETS[self.name](str(self.root), train=train, download=True)

    def _read(self, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
        try:
            ds = DATASETS[self.name](str(self.root), train=train, download=False)
        except RuntimeError as err:  # torchvision: "Dataset not found or corrupted."
            raise FileNotFoundError(
                f"dataset={self.name}: no readable {self.name} files under dataset.root={str(self.root)!r} "
                f"({err}). Put the files there in torchvision's layout, or set dataset.download=true "
                "on a machine with a network."
            ) from err
        images = torch.as_tensor(np.asarray(ds.data))
        images = images.unsqueeze(1) if images.dim() == 3 else images.permute(0, 3, 1, 2)
        images = TF.resize(images.float().div(255.0), [self.image_size] * 2, antialias=True).clamp(0, 1)
        return to_unit_range(images), torch.as_tensor(np.asarray(ds.targets)).long()

    def load(self):
        train, train_labels = self._read(train=True)
        heldout, heldout_labels = self._read(train=False)
        return train, train_labels, heldout, heldout_labels
