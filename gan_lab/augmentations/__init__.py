"""Augmentations (config group `augmentation`): batch → batch transforms applied before D."""

from gan_lab.augmentations.ada import AdaptiveAugmentation
from gan_lab.augmentations.base import Augmentation
from gan_lab.augmentations.classic import ClassicAugmentation
from gan_lab.augmentations.diffaug import DiffAugment
from gan_lab.augmentations.identity import NoAugmentation

__all__ = ["AdaptiveAugmentation", "Augmentation", "ClassicAugmentation", "DiffAugment", "NoAugmentation"]
