"""Instance noise: annealed Gaussian noise on everything D sees (Sønderby et al. 2017; Arjovsky & Bottou 2017)."""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import check_non_negative


class InstanceNoise(Regularizer):
    """`instance_noise`: D sees x + σ_t·ε and G(z) + σ_t·ε, ε ~ N(0, I) drawn afresh for every input, in
    D's steps and in G's (Sønderby et al. 2017, "Amortised MAP Inference for Image Super-resolution",
    instance noise; Arjovsky & Bottou 2017, "Towards Principled Methods for Training Generative
    Adversarial Networks": noise makes the real and generated distributions overlap, so that D cannot
    separate them perfectly and G's gradients stay informative).

    σ_t = `std` · max(0, 1 − t / `anneal_steps`) after t generator steps: linear annealing from `std`
    (0.1, in the data's units: images lie in [−1, 1]) to 0 at `anneal_steps` (the config's default is
    train.steps); `anneal_steps: null` keeps σ = `std` throughout. The noise is added after augmentation,
    so penalties that look at D's inputs (gp, r1, ...) see noisy inputs. Logs `instance_noise_std` (σ_t).
    """

    name = "instance_noise"

    def __init__(self, std: float = 0.1, anneal_steps: int | None = None):
        self.std = check_non_negative(std, "regularizer.instance_noise.std")
        if anneal_steps is not None and (isinstance(anneal_steps, bool) or not anneal_steps >= 1):
            raise ValueError(f"regularizer.instance_noise.anneal_steps must be >= 1 or null (no annealing), got {anneal_steps}")
        self.anneal_steps = anneal_steps
        self.current_std = self.std

    def d_inputs(self, images: Tensor) -> Tensor:
        if self.current_std == 0.0:
            return images
        return images + self.current_std * torch.randn_like(images)

    def on_generator_step(self, step: int) -> None:
        if self.anneal_steps is not None:
            self.current_std = self.std * max(0.0, 1.0 - step / self.anneal_steps)

    def scalars(self) -> dict[str, float]:
        return {"instance_noise_std": self.current_std}
