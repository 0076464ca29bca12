"""Adversarial objectives (config group `loss`): one class per file, all sharing `AdversarialLoss`."""

from gan_lab.losses.base import AdversarialLoss
from gan_lab.losses.hinge import HingeLoss
from gan_lab.losses.least_squares import LeastSquaresLoss
from gan_lab.losses.minimax import MinimaxLoss
from gan_lab.losses.non_saturating import NonSaturatingLoss
from gan_lab.losses.relativistic_average import RelativisticAverageLoss
from gan_lab.losses.wasserstein import WassersteinLoss

__all__ = [
    "AdversarialLoss",
    "HingeLoss",
    "LeastSquaresLoss",
    "MinimaxLoss",
    "NonSaturatingLoss",
    "RelativisticAverageLoss",
    "WassersteinLoss",
]
