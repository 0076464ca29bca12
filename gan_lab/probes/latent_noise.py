from __future__ import annotations

from torch import Tensor

from gan_lab.probes.latent_perturbation import LatentPerturbationProbe


class LatentNoise(LatentPerturbationProbe):
    """Noisy input: G(z + σ·ε), ε ~ N(0, I), for σ in `levels`. A smooth G moves its samples little
    (small sensitivities) and keeps its FID at small σ."""

    name = "latent_noise"

    def perturb(self, latents: Tensor, level: float, randomness: Tensor) -> Tensor:
        return latents + level * randomness
