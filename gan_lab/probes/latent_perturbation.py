"""What the three latent-input probes share: perturb G's latents, score the samples, measure the change."""

from __future__ import annotations

from torch import Tensor

from gan_lab.probes.base import Metrics, Probe, ProbeTarget


class LatentPerturbationProbe(Probe):
    """G on perturbed latents: for each level, the evaluation's metrics of G(perturb(z, level)) (when
    the target has a `score`) and the output sensitivity — the mean change of each sample against
    the unperturbed G(z), E‖φ(G(z')) − φ(G(z))‖ in backbone features (`feature_sensitivity`) and
    E‖G(z') − G(z)‖ in pixels (`pixel_sensitivity`, L2 over all values on the [-1, 1] scale).
    One latent batch and one draw of the perturbation's randomness serve every level (common random
    numbers: the curve over levels is not blurred by fresh noise at each point)."""

    def perturb(self, latents: Tensor, level: float, randomness: Tensor) -> Tensor:
        """The latents at `level`; `randomness` is a standard normal tensor shaped like `latents`."""
        raise NotImplementedError

    def run(self, target: ProbeTarget) -> dict[float, Metrics]:
        latents = self.latents(target, self.count(target))
        randomness = self.latents(target, len(latents), offset=1)
        clean = self.generate(target, latents)
        clean_features = self.features(target, clean)
        results = {}
        for level in self.levels:
            samples = self.generate(target, self.perturb(latents, level, randomness))
            metrics = dict(target.score(samples)) if target.score is not None else {}
            metrics["feature_sensitivity"] = mean_distance(self.features(target, samples), clean_features)
            metrics["pixel_sensitivity"] = mean_distance(samples, clean)
            results[level] = metrics
        return results


def mean_distance(a: Tensor, b: Tensor) -> float:
    """Mean over rows of the Euclidean distance between matching rows of `a` and `b` (flattened)."""
    return float((a.flatten(1).double() - b.flatten(1).double()).norm(dim=1).mean())
