"""`feature_matching`: G matches the statistics of D's features on real data."""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import check_non_negative
from gan_lab.step import GStep


class FeatureMatching(Regularizer):
    """λ · ‖E_x f(x) − E_z f(G(z))‖²₂ added to G's loss, f = D's penultimate features (Salimans et al.
    2016, "Improved Techniques for Training GANs", Sec. 3.1): G is asked to match the expected
    features of real data, which keeps it from over-training on the current D. The real features
    are D's view of the last real slice, without gradient. Logs `feature_matching`.
    """

    name = "feature_matching"

    def __init__(self, weight: float = 1.0):
        self.weight = check_non_negative(weight, "regularizer.feature_matching.weight")

    def g_terms(self, step: GStep) -> dict[str, Tensor]:
        with torch.no_grad():
            real_mean = step.features(step.real).float().mean(0)
        fake_mean = step.features(step.fake).float().mean(0)
        return {"feature_matching": self.weight * (real_mean - fake_mean).square().sum()}
