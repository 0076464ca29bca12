"""The interface of a regularizer: terms on the losses, or a change to the networks."""

from __future__ import annotations

from torch import Tensor, nn


class Regularizer:
    """A robustness lever. Override what applies; every term returned is logged under its name.

    - `wrap(generator, discriminator)`: change the networks once, before the optimizers are built
      (spectral normalisation, pruning).
    - `d_terms(discriminator, real, fake, real_logits, fake_logits)`: terms added to D's loss.
    - `g_terms(fake_logits)`: terms added to G's loss.
    """

    name = "regularizer"

    def wrap(self, generator: nn.Module, discriminator: nn.Module) -> None:
        pass

    def d_terms(
        self, discriminator: nn.Module, real: Tensor, fake: Tensor, real_logits: Tensor, fake_logits: Tensor
    ) -> dict[str, Tensor]:
        return {}

    def g_terms(self, fake_logits: Tensor) -> dict[str, Tensor]:
        return {}
