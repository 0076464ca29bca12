"""What one D step and one G step hand to the losses and regularizers.

A loss is `d_loss(DStep)` / `g_loss(GStep)`; a regularizer adds terms from the same contexts
(`d_terms`, `g_terms`). Everything a GAN objective of the literature reads is here — real and
generated batches as D sees them, their logits, the latents, both networks, the step — so a new
lever needs no change to the training loop. What costs an extra forward pass (D's output on real
data in G's step, for relativistic losses; D's features, for feature matching) is computed only
when asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from torch import Tensor, nn


@dataclass
class DStep:
    """One discriminator step. `real` and `fake` are D's inputs (after augmentation, the AmbientGAN
    measurement and the regularizers' input transforms); `fake` carries no graph to G."""

    real: Tensor
    fake: Tensor
    real_logits: Tensor
    fake_logits: Tensor
    latents: Tensor
    generator: nn.Module
    discriminator: nn.Module
    g_step: int  # generator steps done before this batch
    d_step: int  # discriminator steps done before this one (n_critic per G step)

    def features(self, images: Tensor) -> Tensor:
        """D's penultimate features of `images` (see `discriminator_features`)."""
        return discriminator_features(self.discriminator, images)


@dataclass
class GStep:
    """One generator step. `fake` is D's input of G(latents), with its graph to G; `fake_logits`
    D's output on it. `real_logits` is D's output on a real batch (the last D step's slice, seen by
    D afresh), computed on first use."""

    fake: Tensor
    fake_logits: Tensor
    latents: Tensor
    generator: nn.Module
    discriminator: nn.Module
    g_step: int
    real_view: Callable[[], Tensor] = field(repr=False)  # D's input of the real slice, made on first use
    run_discriminator: Callable[[Tensor], Tensor] = field(repr=False)

    @cached_property
    def real(self) -> Tensor:
        return self.real_view()

    @cached_property
    def real_logits(self) -> Tensor:
        return self.run_discriminator(self.real)

    def features(self, images: Tensor) -> Tensor:
        return discriminator_features(self.discriminator, images)


def discriminator_features(discriminator: nn.Module, images: Tensor) -> Tensor:
    """D's penultimate activations, (N, features): what its last linear layer reads. Every model of
    `gan_lab/models/` has a `features` method; another D needs one for levers that read features."""
    features = getattr(discriminator, "features", None)
    if features is None:
        raise ValueError(
            f"{type(discriminator).__name__} has no features() method, which this regularizer needs "
            "(D's penultimate activations); use model=dcgan, resnet or mlp, or add one"
        )
    return features(images)
