"""Augmentations (config group `augmentation`): batch → batch transforms applied before D."""

from gan_lab.augmentations.base import Augmentation
from gan_lab.augmentations.identity import NoAugmentation

__all__ = ["Augmentation", "NoAugmentation"]
