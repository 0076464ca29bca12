"""FID and KID through torchmetrics, on features the backbone has already extracted."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torchmetrics.image.fid import FrechetInceptionDistance
from torchmetrics.image.kid import KernelInceptionDistance


class PrecomputedFeatures(nn.Module):
    """The `feature` module handed to torchmetrics: the inputs already are features.

    Every metric of an evaluation reads the same backbone features, so the backbone runs once per
    image set and torchmetrics does the Fréchet and kernel maths on its output."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, features: Tensor) -> Tensor:
        return features


class ReferenceDistances:
    """FID (Heusel et al. 2017, Eq. 6) and KID (Bińkowski et al. 2018, unbiased MMD² with the cubic
    polynomial kernel) of feature sets against one fixed reference set, whose statistics torchmetrics
    keeps across calls (`reset_real_features=False`).

    KID averages over `kid_subsets` random subsets; they are drawn from the CPU generator reseeded
    with `seed` for every call (and put back afterwards), so the same features give the same KID and
    scoring never moves the caller's random stream."""

    def __init__(self, reference: Tensor, kid_subset_size: int = 100, kid_subsets: int = 50, seed: int = 0):
        d = reference.shape[1]
        self.fid = FrechetInceptionDistance(feature=PrecomputedFeatures(d), reset_real_features=False).to(reference.device)
        self.fid.update(reference.double(), real=True)
        self.kid_subset_size, self.kid_subsets = kid_subset_size, kid_subsets
        self.kid = KernelInceptionDistance(
            feature=PrecomputedFeatures(d), subsets=kid_subsets, subset_size=kid_subset_size, reset_real_features=False
        ).to(reference.device)
        self.kid.update(reference.double(), real=True)
        self.reference_size = len(reference)
        self.seed = seed

    def to(self, device: torch.device | str) -> ReferenceDistances:
        self.fid.to(device)
        self.kid.to(device)
        return self

    @torch.no_grad()
    def __call__(self, features: Tensor) -> dict[str, float]:
        self.fid.reset()
        self.fid.update(features.double(), real=False)
        self.kid.reset()
        self.kid.subset_size = min(self.kid_subset_size, len(features), self.reference_size)
        self.kid.update(features.double(), real=False)
        with torch.random.fork_rng(devices=[]):  # torchmetrics draws the subsets with torch.randperm
            torch.default_generator.manual_seed(self.seed)
            kid_mean, _ = self.kid.compute()
        return {"fid": self.fid.compute().item(), "kid": kid_mean.item()}
