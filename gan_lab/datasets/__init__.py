"""Data modules (config group `dataset`). Images come in [-1, 1] as (C, H, W); points as (d,).

Every module yields exactly `num_batches` training batches of `batch_size` samples (one
Lightning epoch is the whole run), and keeps a held-out set aside for evaluation.
"""

from gan_lab.datasets.base import GANDataModule, InMemoryDataModule
from gan_lab.datasets.digits import DigitsDataModule
from gan_lab.datasets.gaussian_mixture import GaussianMixtureDataModule
from gan_lab.datasets.image_folder import ImageFolderDataModule
from gan_lab.datasets.stacked_digits import StackedDigitsDataModule
from gan_lab.datasets.torchvision_datasets import TorchvisionDataModule

__all__ = [
    "DigitsDataModule",
    "GANDataModule",
    "GaussianMixtureDataModule",
    "ImageFolderDataModule",
    "InMemoryDataModule",
    "StackedDigitsDataModule",
    "TorchvisionDataModule",
]
