"""The interface every probe of a trained GAN implements, and what it is given to examine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

Metrics = dict[str, float]


@dataclass
class ProbeTarget:
    """A trained GAN as the probes see it.

    `generator`: the sampling (EMA) generator; `discriminator`: D (None when only G is probed);
    `heldout`: held-out real samples (images in [-1, 1], or 2-D points); `features`: the evaluation
    backbone as a differentiable map samples → (N, F) features (the identity on 2-D points);
    `score`: the evaluation's metrics of a set of samples (FID, precision, recall, density,
    coverage, … against the held-out split), or None to skip them; `decision_threshold`: D's natural
    threshold between "real" and "fake" (0 for the logistic and hinge losses), None for a critic
    without one; `sample_range`: the valid range of a sample's values ((-1, 1) for images), None for
    unbounded samples; `differentiable_features`: False when `features` has no useful gradient or
    finite difference (Inception quantises its input to 8 bits); `data_corruption`: the corruption
    the training data went through (None: clean data) and `measurement`: AmbientGAN's measurement of
    G's samples before D (None: D saw them raw), each called as (samples, generator), so a probe can
    show D what it saw in training; `train`: real training samples D was trained on (the part of the
    training split `train_size` kept, clean, in the split's order), None for data drawn afresh every
    batch. Both networks are used in eval mode and are never changed.
    """

    generator: nn.Module
    discriminator: nn.Module | None
    latent_dim: int
    heldout: Tensor
    features: Callable[[Tensor], Tensor]
    score: Callable[[Tensor], Metrics] | None = None
    decision_threshold: float | None = 0.0
    sample_range: tuple[float, float] | None = (-1.0, 1.0)
    differentiable_features: bool = True
    device: torch.device = torch.device("cpu")
    data_corruption: Callable[[Tensor, torch.Generator], Tensor] | None = None
    measurement: Callable[[Tensor, torch.Generator], Tensor] | None = None
    train: Tensor | None = None


class Probe:
    """A test of a trained model at a list of `levels` (noise σ, dropout fraction, attack radius, …).

    `run(target)` returns {level: {metric: value}}. Every random draw comes from the probe's own
    generator seeded with `seed`, so probing never changes the training's random stream, and the
    same probe on the same model gives the same numbers. `num_samples` (None: as many as the
    held-out split) is the number of latents or images a level is measured on. `reference_level` is
    the level the report divides by for the robustness AUC (the unperturbed model)."""

    name: str = "probe"  # its key in the `probe` group (each class names its YAML's; `build_probes` sets it)
    reference_level: float = 0.0
    uses_training_images: bool = False  # True: `ProbeTarget.train` is filled in for it (read only when needed)

    def __init__(self, levels: Sequence[float], num_samples: int | None = None, seed: int = 0, batch_size: int = 500):
        levels = [float(level) for level in levels]
        if not levels:
            raise ValueError(f"probe.{self.name}.levels is empty: give at least one level")
        if num_samples is not None and num_samples < 2:
            raise ValueError(f"probe.{self.name}.num_samples must be >= 2 (or null), got {num_samples}")
        self.levels, self.num_samples, self.seed, self.batch_size = levels, num_samples, seed, batch_size

    def run(self, target: ProbeTarget) -> dict[float, Metrics]:
        raise NotImplementedError

    def check_data(self, datamodule) -> None:
        """Raise ValueError, before any training, when this probe cannot run on `datamodule`'s data."""

    # ---------------------------------------------------------------- helpers for subclasses
    def rng(self, offset: int = 0, device: torch.device | str = "cpu") -> torch.Generator:
        """A generator (on the CPU unless `device` says otherwise) seeded with `seed` + `offset`: one
        stream per use, independent of the others."""
        return torch.Generator(device=device).manual_seed(self.seed + offset)

    def require_differentiable_features(self, target: ProbeTarget) -> None:
        if not target.differentiable_features:
            raise ValueError(
                f"probe={self.name} needs a feature backbone that changes smoothly with the image, and "
                "eval.backbone=inception quantises images to 8 bits: use eval.backbone=classifier for this probe"
            )

    def count(self, target: ProbeTarget) -> int:
        return self.num_samples or len(target.heldout)

    def latents(self, target: ProbeTarget, n: int, offset: int = 0) -> Tensor:
        """`n` standard normal latents from the probe's own stream, in G's precision, on its device."""
        dtype = next(target.generator.parameters(), torch.empty(0)).dtype
        return torch.randn(n, target.latent_dim, generator=self.rng(offset), dtype=torch.float64).to(target.device, dtype)

    def generate(self, target: ProbeTarget, latents: Tensor) -> Tensor:
        """G's samples, in G's own precision (a float64 G keeps float64: finite differences need it)."""
        with torch.no_grad():
            return torch.cat([target.generator(chunk) for chunk in latents.split(self.batch_size)])

    def features(self, target: ProbeTarget, samples: Tensor) -> Tensor:
        with torch.no_grad():
            return torch.cat([target.features(chunk) for chunk in samples.split(self.batch_size)])


def discriminator_outputs(discriminator: nn.Module, images: Tensor, batch_size: int = 500) -> Tensor:
    """D's outputs on `images` (one float64 number per image), in batches, without gradients."""
    with torch.no_grad():
        return torch.cat([discriminator(chunk).reshape(len(chunk)).double() for chunk in images.split(batch_size)])


def midpoint_threshold(real_outputs: Tensor, fake_outputs: Tensor) -> float:
    """The "real"/"fake" threshold of a critic without a natural one (WGAN, LSGAN, RaGAN): the midpoint
    of its mean outputs on real and on generated samples."""
    return 0.5 * (float(real_outputs.mean()) + float(fake_outputs.mean()))


def level_key(level: float) -> str:
    """A level as results.json's key: the float's shortest exact text (`0.1`, `0.00392156862745098`)."""
    return repr(float(level))


def run_probes(probes: Sequence[Probe], target: ProbeTarget) -> dict[str, dict[str, Metrics]]:
    """{probe name: {level key: metrics}} for every probe, in order, with both networks in eval mode
    (their modes are restored after) and the global random state untouched."""
    networks = [net for net in (target.generator, target.discriminator) if net is not None]
    modes = [net.training for net in networks]
    results: dict[str, dict[str, Metrics]] = {}
    try:
        for net in networks:
            net.eval()
        with torch.random.fork_rng(devices=[target.device] if target.device.type == "cuda" else []):
            for probe in probes:
                results[probe.name] = {level_key(level): metrics for level, metrics in probe.run(target).items()}
    finally:
        for net, mode in zip(networks, modes):
            net.train(mode)
    return results


def build_probes(configs: dict | None) -> list[Probe]:
    """The probes of the `probe` group's config ({name: {_target_: ..., levels: ...}}, or the probes
    Hydra already built from it), named by their keys."""
    from hydra.utils import instantiate

    probes = []
    for name, config in (configs or {}).items():
        probe = config if isinstance(config, Probe) else instantiate(config)
        probe.name = name
        probes.append(probe)
    return probes
