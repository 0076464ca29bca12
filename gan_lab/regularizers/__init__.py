"""Regularizers (config group `regularizer`): terms added to D's and/or G's loss, wrappers of a
network, transforms of D's inputs or gradient hooks. Each is built from its YAML by
`hydra.utils.instantiate` and plugs into `GANModule` through the `Regularizer` interface; several
compose as a list, `regularizer=[spectral_norm,r1]`."""

from gan_lab.regularizers.base import Regularizer, build_regularizer
from gan_lab.regularizers.consistency import BalancedConsistency
from gan_lab.regularizers.dragan import DRAGANPenalty
from gan_lab.regularizers.feature_matching import FeatureMatching
from gan_lab.regularizers.grad_clip import GradientClipping
from gan_lab.regularizers.gradient_penalty import GradientPenalty
from gan_lab.regularizers.instance_noise import InstanceNoise
from gan_lab.regularizers.label_smoothing import OneSidedLabelSmoothing
from gan_lab.regularizers.lecam import LeCamRegularizer
from gan_lab.regularizers.pruning import MagnitudePruning
from gan_lab.regularizers.r1 import R1Penalty
from gan_lab.regularizers.r2 import R2Penalty
from gan_lab.regularizers.spectral_norm import SpectralNormalization
from gan_lab.regularizers.weight_clip import WeightClipping
from gan_lab.regularizers.weight_decay import WeightDecay

__all__ = [
    "Regularizer",
    "build_regularizer",
    "BalancedConsistency",
    "DRAGANPenalty",
    "FeatureMatching",
    "GradientClipping",
    "GradientPenalty",
    "InstanceNoise",
    "LeCamRegularizer",
    "MagnitudePruning",
    "OneSidedLabelSmoothing",
    "R1Penalty",
    "R2Penalty",
    "SpectralNormalization",
    "WeightClipping",
    "WeightDecay",
]
