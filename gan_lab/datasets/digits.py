"""scikit-learn's handwritten digits: real data that ships inside the package, no download."""

from __future__ import annotations

import torch
import torchvision.transforms.v2.functional as TF
from sklearn.datasets import load_digits

from gan_lab.datasets.base import InMemoryDataModule, seeded_split, to_unit_range


class DigitsDataModule(InMemoryDataModule):
    """The 1797 8×8 grayscale UCI digits (scikit-learn's `load_digits`, 16 grey levels), resized to
    `image_size` with antialiased bilinear interpolation, in [-1, 1], with a fixed held-out split
    (`heldout_fraction`, drawn with `split_seed`, the same for every run)."""

    def __init__(self, image_size: int = 32, heldout_fraction: float = 0.2, split_seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if image_size < 8:
            raise ValueError(f"dataset.image_size must be >= 8, got {image_size}")
        self.image_size, self.heldout_fraction, self.split_seed = image_size, heldout_fraction, split_seed
        self.sample_shape = (1, image_size, image_size)

    def load(self):
        digits = load_digits()
        images = torch.from_numpy(digits.images).float().div(16.0).unsqueeze(1)
        images = TF.resize(images, [self.image_size, self.image_size], antialias=True).clamp(0, 1)
        labels = torch.from_numpy(digits.target).long()
        train, heldout = seeded_split(len(images), self.heldout_fraction, self.split_seed)
        images = to_unit_range(images)
        return images[train], labels[train], images[heldout], labels[heldout]
