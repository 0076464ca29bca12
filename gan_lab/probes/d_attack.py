from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from gan_lab.probes.base import Metrics, Probe, ProbeTarget, discriminator_outputs, midpoint_threshold


class DiscriminatorAttack(Probe):
    """Adversarial inputs to D: FGSM (Goodfellow et al. 2015) and PGD (Madry et al. 2018, Eq. 2.1:
    `steps` signed-gradient steps of `step_size` × ε — by default 2.5/steps, the rule of the
    `robustness` library of Madry's group (Engstrom et al. 2019) — from a uniform random start in the
    L∞ ball, each projected back onto it and onto the image range, widened to take in an input pixel
    that lies outside it) against D, for radii ε in
    `levels`, measured on the [0, 1] image scale (8/255 = eight grey levels; on D's [-1, 1] inputs
    the ball is twice as wide; on 2-D points, in the data's own units). Held-out real images are
    pushed toward "fake", generated images toward "real".

    D's decision: "real" when D(x) > τ. τ = 0 for the logistic losses (ns, minimax) and hinge, whose
    D outputs a logit or a margin centred on 0; for critics without a natural threshold (WGAN,
    LSGAN, RaGAN) τ is the midpoint of D's mean outputs on the clean held-out real and generated
    images, fixed before any attack. Reported per ε, over real and generated images together and per
    side (`_real`, `_fake`): `fgsm_accuracy`, `pgd_accuracy`, their success rates (the fraction of
    clean-correct images the attack flips), and `accuracy` / `success`, the worst case: an image
    counts as broken at ε when any attack at any radius ≤ ε flipped it (a perturbation inside a
    smaller ball is inside the larger one), so `accuracy` never rises with ε.

    `inputs`: `clean` shows D the held-out images and G's raw samples; `as_trained` shows it what it
    saw in training — the held-out images through the run's data corruption, G's samples through
    AmbientGAN's measurement when the run used one (augmentations are not applied) — so a D trained
    on corrupted data is attacked on its own input distribution, not on clean digits it never saw.
    With clean training data and no measurement the two are the same."""

    name = "d_attack"
    INPUTS = ("clean", "as_trained")

    def __init__(
        self,
        levels=(0.0, 1 / 255, 2 / 255, 4 / 255, 8 / 255),
        steps: int = 10,
        step_size: float | None = None,
        inputs: str = "clean",
        **kwargs,
    ):
        super().__init__(levels, **kwargs)
        if inputs not in self.INPUTS:
            raise ValueError(f"probe.{self.name}.inputs must be one of {', '.join(self.INPUTS)}, got {inputs!r}")
        if steps < 1:
            raise ValueError(f"probe.{self.name}.steps must be >= 1, got {steps}")
        if any(eps < 0 for eps in self.levels):
            raise ValueError(f"probe.{self.name}.levels are L∞ radii ε >= 0 on the [0, 1] scale, got {self.levels}")
        self.steps = steps
        self.step_size = step_size if step_size is not None else 2.5 / steps
        self.inputs = inputs

    def run(self, target: ProbeTarget) -> dict[float, Metrics]:
        if target.discriminator is None:
            raise ValueError(f"probe={self.name} needs the discriminator, and this model has none")
        n = self.count(target)
        real = target.heldout[:n].to(target.device)
        fake = self.generate(target, self.latents(target, n))
        if self.inputs == "as_trained":
            real, fake = self.as_trained(target, real, fake)
        return attack_discriminator(
            target.discriminator, real, fake, self.levels, target.decision_threshold,
            sample_range=target.sample_range, steps=self.steps, step_size=self.step_size,
            batch_size=self.batch_size, generator=self.rng(1),
        )  # fmt: skip

    def as_trained(self, target: ProbeTarget, real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        """The held-out images through the training data's corruption and G's samples through the
        AmbientGAN measurement, each where the run had one, from the probe's own seeded streams."""
        with torch.no_grad():
            if target.data_corruption is not None:
                real = target.data_corruption(real, self.rng(2, real.device))
            if target.measurement is not None:
                fake = target.measurement(fake, self.rng(3, fake.device))
        return real, fake


@dataclass
class Side:
    """One set of images and the decision D should make on it: real (+1) or fake (−1)."""

    name: str
    images: Tensor
    sign: float


def attack_discriminator(
    discriminator: nn.Module,
    real: Tensor,
    fake: Tensor,
    levels: list[float],
    threshold: float | None = 0.0,
    sample_range: tuple[float, float] | None = (-1.0, 1.0),
    steps: int = 10,
    step_size: float = 0.25,
    batch_size: int = 500,
    generator: torch.Generator | None = None,
) -> dict[float, Metrics]:
    """FGSM and PGD against D on `real` and `fake` at each L∞ radius in `levels` (ascending order is
    not required); see `DiscriminatorAttack`. Radii are on the [0, 1] scale: with `sample_range`
    (lo, hi) the perturbation on D's inputs is ε·(hi − lo) and images are clipped to the range."""
    scale = (sample_range[1] - sample_range[0]) if sample_range is not None else 1.0
    sides = [Side("real", real, 1.0), Side("fake", fake, -1.0)]

    def outputs(images: Tensor) -> Tensor:
        return discriminator_outputs(discriminator, images, batch_size)

    if threshold is None:
        threshold = midpoint_threshold(outputs(real), outputs(fake))
    clean = {side.name: side.sign * (outputs(side.images) - threshold) > 0 for side in sides}
    broken = {side.name: torch.zeros_like(clean[side.name]) for side in sides}
    results: dict[float, Metrics] = {}
    for eps in sorted(levels):
        metrics: Metrics = {"threshold": threshold}
        correct: dict[str, dict[str, Tensor]] = {"fgsm": {}, "pgd": {}}
        for side in sides:
            radius = eps * scale
            for attack in ("fgsm", "pgd"):
                if eps == 0:
                    adversarial = side.images
                elif attack == "fgsm":
                    adversarial = _fgsm(discriminator, side, radius, threshold, sample_range, batch_size)
                else:
                    adversarial = _pgd(
                        discriminator, side, radius, threshold, sample_range, steps, step_size, batch_size, generator
                    )
                still = side.sign * (outputs(adversarial) - threshold) > 0
                correct[attack][side.name] = still
                broken[side.name] |= clean[side.name] & ~still
        for attack, by_side in correct.items():
            _add_rates(metrics, attack, by_side, clean)
        worst = {name: clean[name] & ~broken[name] for name in clean}
        _add_rates(metrics, None, worst, clean)
        results[eps] = metrics
    return {eps: results[eps] for eps in levels}


def _add_rates(metrics: Metrics, attack: str | None, still_correct: dict[str, Tensor], clean: dict[str, Tensor]) -> None:
    prefix = f"{attack}_" if attack else ""
    for name in (*still_correct, None):
        suffix = f"_{name}" if name else ""
        kept = still_correct[name] if name else torch.cat(list(still_correct.values()))
        was = clean[name] if name else torch.cat(list(clean.values()))
        metrics[f"{prefix}accuracy{suffix}"] = float(kept.double().mean())
        flipped = (was & ~kept).sum()
        metrics[f"{prefix}success{suffix}"] = float(flipped / was.sum()) if was.any() else float("nan")


def _margin_gradient(discriminator: nn.Module, images: Tensor, sign: float, threshold: float) -> Tensor:
    """∇ₓ of the attack's objective, the signed margin sign·(D(x) − τ), which the attack lowers."""
    images = images.detach().requires_grad_(True)
    margin = sign * (discriminator(images).reshape(len(images)) - threshold)
    (gradient,) = torch.autograd.grad(margin.sum(), images)
    return gradient


def _clip(images: Tensor, sample_range: tuple[float, float] | None, unperturbed: Tensor) -> Tensor:
    """Onto the image range, widened per pixel to take in the unperturbed image: a pixel outside the
    range (Gaussian noise, which training leaves unclamped) may move up to ε back toward it but
    no further out, and is never clipped into the range, a change far larger than ε. For images
    inside the range this is the plain clamp."""
    if sample_range is None:
        return images
    low, high = sample_range
    return torch.maximum(torch.minimum(images, unperturbed.clamp(min=high)), unperturbed.clamp(max=low))


def _fgsm(discriminator, side: Side, radius: float, threshold: float, sample_range, batch_size: int) -> Tensor:
    out = []
    for chunk in side.images.split(batch_size):
        gradient = _margin_gradient(discriminator, chunk, side.sign, threshold)
        out.append(_clip(chunk - radius * gradient.sign(), sample_range, chunk).detach())
    return torch.cat(out)


def _pgd(
    discriminator,
    side: Side,
    radius: float,
    threshold: float,
    sample_range,
    steps: int,
    step_size: float,
    batch_size: int,
    generator,
) -> Tensor:
    out = []
    for chunk in side.images.split(batch_size):
        noise = torch.rand(chunk.shape, generator=generator, dtype=torch.float64).to(chunk.device, chunk.dtype)
        adversarial = _clip(chunk + radius * (2 * noise - 1), sample_range, chunk)
        for _ in range(steps):
            gradient = _margin_gradient(discriminator, adversarial, side.sign, threshold)
            adversarial = adversarial - step_size * radius * gradient.sign()
            adversarial = _clip(chunk + (adversarial - chunk).clamp(-radius, radius), sample_range, chunk).detach()
        out.append(adversarial)
    return torch.cat(out)
