"""The interface of a regularizer: terms on the losses, changes to the networks or to D's inputs."""

from __future__ import annotations

from typing import Any

from hydra.utils import instantiate
from torch import Tensor, nn

from gan_lab.step import DStep, GStep


class Regularizer:
    """A robustness lever. Override what applies; every term and scalar returned is logged under
    its name (prefix it with the regularizer's name, e.g. `r1`, `weight_decay_d`).

    Called by `GANModule`, in this order:
    - `wrap(generator, discriminator)`: once, before the EMA copy of G and the optimizers are made
      (spectral normalisation, pruning; also the place to keep references to the networks).
    - `d_inputs(images)`: every batch D sees, real and generated, in D's and G's steps, after
      augmentation (instance noise).
    - `d_terms(step: DStep)`: terms added to D's loss (`gan_lab/step.py`: D's inputs, logits, latents,
      networks, step; `step.fake` carries no graph to G).
    - `g_terms(step: GStep)`: terms added to G's loss.
    - `before_optimizer_step(network, role)`: after backward, before the optimizer step of `role`
      ("generator" or "discriminator"); returns scalars to log (gradient clipping).
    - `after_optimizer_step(network, role)`: right after that optimizer step (weight clipping).
    - `on_generator_step(step)`: after every G step (annealing schedules).
    - `scalars()`: anything else worth logging (sparsity, noise std).
    - `state_dict()` / `load_state_dict(state)`: state that is neither a network weight nor a
      function of the step (LeCam's anchors), saved in checkpoints and restored on resume.

    Lazy regularization (Karras et al. 2020, StyleGAN2, Sec. 3.1): with `every: k` in its YAML the
    regularizer's terms are computed only on every k-th D step (`d_terms`) or G step (`g_terms`),
    multiplied by k, so that their average weight is unchanged. Hooks run every step regardless.
    """

    name = "regularizer"
    every = 1

    def wrap(self, generator: nn.Module, discriminator: nn.Module) -> None:
        pass

    def d_inputs(self, images: Tensor) -> Tensor:
        return images

    def d_terms(self, step: DStep) -> dict[str, Tensor]:
        return {}

    def g_terms(self, step: GStep) -> dict[str, Tensor]:
        return {}

    def before_optimizer_step(self, network: nn.Module, role: str) -> dict[str, Tensor]:
        return {}

    def after_optimizer_step(self, network: nn.Module, role: str) -> None:
        pass

    def on_generator_step(self, step: int) -> None:
        pass

    def scalars(self) -> dict[str, float | Tensor]:
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def build_regularizer(config: dict[str, Any], key: str) -> Regularizer:
    """A regularizer from its config (`_target_` and arguments), with the common `every` key (lazy
    regularization, default 1) taken out before the class is built. `key` names it in errors."""
    config = dict(config)
    every = config.pop("every", 1)
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"{key}.every must be an integer >= 1 (apply the terms every k steps), got {every!r}")
    regularizer = instantiate(config)
    regularizer.every = every
    return regularizer


def lazy_terms(regularizer: Regularizer, terms: dict[str, Tensor]) -> dict[str, Tensor]:
    """`terms` scaled by the regularizer's `every` (StyleGAN2's lazy regularization)."""
    k = regularizer.every
    return terms if k == 1 else {name: k * value for name, value in terms.items()}
