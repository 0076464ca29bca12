from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.probes.base import Metrics, Probe, ProbeTarget

INTERPOLATIONS = ("slerp", "lerp")


class PathLength(Probe):
    """Perceptual path length (Karras et al. 2019, StyleGAN, Sec. 3.2, Eq. 2):
    E[‖φ(G(interp(z₁, z₂; t))) − φ(G(interp(z₁, z₂; t + ε)))‖² / ε²], t ~ U(0, 1), over `num_samples`
    pairs, for each finite-difference step ε in `levels` (the paper: 1e-4). Lower = a smoother G.

    Differences from the paper: φ is the evaluation backbone's features, not VGG-LPIPS (its weights
    are not available offline), so values compare between gan_lab runs on one backbone, not with
    published PPL; `slerp` is the spherical interpolation of White (2016) on z itself — the angle
    and the norm both move smoothly — not StyleGAN's interpolation on the unit sphere (our
    generators have no input normalisation, so the norm of z matters). `filter_percentiles`: the
    paper drops values below the 1st and above the 99th percentile before the mean; false keeps all.
    Also reported: the median and the number of pairs kept."""

    name = "path_length"

    def __init__(self, levels=(1e-4,), interpolation: str = "slerp", filter_percentiles: bool = True, **kwargs):
        super().__init__(levels, **kwargs)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"probe.{self.name}.interpolation must be one of {list(INTERPOLATIONS)}, got {interpolation!r}")
        if any(eps <= 0 for eps in self.levels):
            raise ValueError(f"probe.{self.name}.levels are finite-difference steps ε > 0, got {self.levels}")
        self.interpolation, self.filter_percentiles = interpolation, filter_percentiles

    def run(self, target: ProbeTarget) -> dict[float, Metrics]:
        self.require_differentiable_features(target)
        n = self.count(target)
        start, end = self.latents(target, n), self.latents(target, n, offset=1)
        t = torch.rand(n, 1, generator=self.rng(2)).to(target.device)
        results = {}
        for eps in self.levels:
            values = self.pair_values(target, start, end, t, eps)
            kept = values
            if self.filter_percentiles:
                low, high = torch.quantile(values, torch.tensor([0.01, 0.99], dtype=values.dtype))
                kept = values[(values >= low) & (values <= high)]
            results[eps] = {
                "path_length": float(kept.mean()),
                "path_length_median": float(values.median()),
                "pairs": float(len(kept)),
            }
        return results

    def pair_values(self, target: ProbeTarget, start: Tensor, end: Tensor, t: Tensor, eps: float) -> Tensor:
        """‖φ(G(interp(t))) − φ(G(interp(t + ε)))‖² / ε² for each pair, on the CPU in float64."""
        interp = slerp if self.interpolation == "slerp" else lerp
        a = self.features(target, self.generate(target, interp(start, end, t)))
        b = self.features(target, self.generate(target, interp(start, end, t + eps)))
        return ((a.double() - b.double()).flatten(1).pow(2).sum(1) / eps**2).cpu()


def lerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    return a + t * (b - a)


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation (White 2016, "Sampling Generative Networks", Sec. 2.2):
    sin((1−t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b, Ω the angle between a and b (lerp when they are parallel)."""
    cos = torch.nn.functional.cosine_similarity(a, b, dim=1, eps=1e-12).clamp(-1, 1).unsqueeze(1)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    parallel = sin.abs() < 1e-6
    safe = torch.where(parallel, torch.ones_like(sin), sin)
    spherical = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / safe
    return torch.where(parallel, lerp(a, b, t), spherical)
