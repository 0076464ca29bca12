from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.probes.base import Metrics, Probe, ProbeTarget
from gan_lab.probes.latent_perturbation import mean_distance


class GeneratorAttack(Probe):
    """Worst-case latent perturbation: for each sample, maximise ‖φ(G(z + δ)) − φ(G(z))‖ over
    ‖δ‖₂ ≤ ε by projected gradient ascent (Madry et al. 2018's PGD in the L2 ball: `steps` steps of
    length `step_size` × ε along the normalised gradient, each projected back onto the ball, from a
    random point on its surface), for ε in `levels`. Reported: the worst-case change
    (`worst_feature_change`, the mean over samples of the best δ found), the change for a random δ of
    the same norm (`random_feature_change`), and their ratio (`worst_to_random`: how much worse than
    noise an adversary can do; 1 = G is equally sensitive in every direction). For a linear
    G(z) = Az with identity features the worst case is ε·σ_max(A)."""

    name = "g_attack"

    def __init__(self, levels=(0.1, 0.25, 0.5, 1.0), steps: int = 20, step_size: float = 0.5, **kwargs):
        super().__init__(levels, **kwargs)
        if steps < 1:
            raise ValueError(f"probe.{self.name}.steps must be >= 1, got {steps}")
        if any(eps < 0 for eps in self.levels):
            raise ValueError(f"probe.{self.name}.levels are radii ε >= 0, got {self.levels}")
        self.steps, self.step_size = steps, step_size

    def run(self, target: ProbeTarget) -> dict[float, Metrics]:
        self.require_differentiable_features(target)
        latents = self.latents(target, self.count(target))
        random_direction = unit_rows(self.latents(target, len(latents), offset=1))
        start_direction = unit_rows(self.latents(target, len(latents), offset=2))
        clean = self.features(target, self.generate(target, latents))
        results = {}
        for eps in self.levels:
            if eps == 0:
                results[eps] = {"worst_feature_change": 0.0, "random_feature_change": 0.0, "worst_to_random": 1.0}
                continue
            random = self.features(target, self.generate(target, latents + eps * random_direction))
            worst = self.attack(target, latents, clean, eps, start_direction)
            worst_change, random_change = float(worst.mean()), mean_distance(random, clean)
            results[eps] = {
                "worst_feature_change": worst_change,
                "random_feature_change": random_change,
                "worst_to_random": worst_change / random_change if random_change > 0 else float("nan"),
            }
        return results

    def attack(self, target: ProbeTarget, latents: Tensor, clean: Tensor, eps: float, start: Tensor) -> Tensor:
        """Per sample, the largest ‖φ(G(z + δ)) − φ(G(z))‖ met on the ascent (‖δ‖ ≤ ε)."""
        best = []
        for z, reference, direction in zip(
            latents.split(self.batch_size), clean.split(self.batch_size), start.split(self.batch_size)
        ):
            delta = (eps * direction).requires_grad_(True)
            best_here = torch.zeros(len(z), dtype=torch.float64, device=z.device)
            for step in range(self.steps + 1):
                change = (target.features(target.generator(z + delta)).double() - reference).flatten(1).norm(dim=1)
                best_here = torch.maximum(best_here, change.detach())
                if step == self.steps:
                    break
                (gradient,) = torch.autograd.grad(change.sum(), delta)
                with torch.no_grad():
                    delta += self.step_size * eps * unit_rows(gradient)
                    delta *= (eps / delta.norm(dim=1, keepdim=True).clamp_min(1e-12)).clamp(max=1.0)
            best.append(best_here)
        return torch.cat(best)


def unit_rows(x: Tensor) -> Tensor:
    return x / x.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, *([1] * (x.dim() - 1)))
