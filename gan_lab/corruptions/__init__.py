"""Corruptions (the robustness study's "uncertain environment"): differentiable, seeded batch → batch
transforms of images in [-1, 1], one class per file, all sharing `Corruption`."""

from gan_lab.corruptions.affine import RandomAffine
from gan_lab.corruptions.base import Corruption
from gan_lab.corruptions.blur import GaussianBlur
from gan_lab.corruptions.gaussian import GaussianNoise
from gan_lab.corruptions.intensity import IntensityChange
from gan_lab.corruptions.missing import MissingPixels
from gan_lab.corruptions.none import NoCorruption
from gan_lab.corruptions.salt_pepper import SaltPepper

__all__ = [
    "Corruption",
    "GaussianBlur",
    "GaussianNoise",
    "IntensityChange",
    "MissingPixels",
    "NoCorruption",
    "RandomAffine",
    "SaltPepper",
]
