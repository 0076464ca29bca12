from __future__ import annotations

from torch import Tensor

from gan_lab.probes.latent_perturbation import LatentPerturbationProbe


class LatentScale(LatentPerturbationProbe):
    """Changed input: G(s·z) for s in `levels`. s < 1 is the truncation trick (Brock et al. 2019,
    BigGAN Sec. 3.1, here in its simplest form: shrink z toward the mode), trading diversity (recall,
    coverage) for fidelity (precision, density); s > 1 feeds latents from outside the training
    distribution. The report compares with s = 1, the training distribution."""

    name = "latent_scale"

    reference_level = 1.0

    def perturb(self, latents: Tensor, level: float, randomness: Tensor) -> Tensor:
        return level * latents
