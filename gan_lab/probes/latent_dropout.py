from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.probes.latent_perturbation import LatentPerturbationProbe


class LatentDropout(LatentPerturbationProbe):
    """Missing input: round(p·d) of the d latent coordinates of each sample set to 0, p in `levels`
    (in [0, 1]). The dropped coordinates are those with the smallest ranks of one random ordering per
    sample, so a coordinate missing at p is missing at every larger p."""

    name = "latent_dropout"

    def __init__(self, levels, **kwargs):
        super().__init__(levels, **kwargs)
        bad = [p for p in self.levels if not 0 <= p <= 1]
        if bad:
            raise ValueError(f"probe.{self.name}.levels are fractions of the latent coordinates, in [0, 1]; got {bad}")

    def perturb(self, latents: Tensor, level: float, randomness: Tensor) -> Tensor:
        dropped = round(level * latents.shape[1])
        ranks = randomness.argsort(dim=1).argsort(dim=1)  # a random permutation of 0..d-1 per sample
        return torch.where(ranks < dropped, torch.zeros_like(latents), latents)
