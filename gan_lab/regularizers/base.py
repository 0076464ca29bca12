"""The interface of a regularizer: terms on the losses, changes to the networks or to D's inputs."""

from __future__ import annotations

from torch import Tensor, nn


class Regularizer:
    """A robustness lever. Override what applies; every term and scalar returned is logged under
    its name (prefix it with the regularizer's name, e.g. `r1`, `weight_decay_d`).

    Called by `GANModule`, in this order:
    - `wrap(generator, discriminator)`: once, before the EMA copy of G and the optimizers are made
      (spectral normalisation, pruning; also the place to keep references to the networks).
    - `d_inputs(images)`: every batch D sees, real and generated, in D's and G's steps, after
      augmentation (instance noise).
    - `d_terms(discriminator, real, fake, real_logits, fake_logits)`: terms added to D's loss;
      `real`/`fake` are D's inputs (after augmentation and `d_inputs`), `fake` detached from G.
    - `g_terms(fake_logits)`: terms added to G's loss.
    - `before_optimizer_step(network, role)`: after backward, before the optimizer step of
      `role` ("generator" or "discriminator"); returns scalars to log (gradient clipping).
    - `on_generator_step(step, total_steps)`: after every G step (annealing schedules).
    - `scalars()`: anything else worth logging (sparsity, noise std).
    - `state_dict()` / `load_state_dict(state)`: state that is neither a network weight nor a
      function of the step (LeCam's anchors), saved in checkpoints and restored on resume.
    """

    name = "regularizer"

    def wrap(self, generator: nn.Module, discriminator: nn.Module) -> None:
        pass

    def d_inputs(self, images: Tensor) -> Tensor:
        return images

    def d_terms(
        self, discriminator: nn.Module, real: Tensor, fake: Tensor, real_logits: Tensor, fake_logits: Tensor
    ) -> dict[str, Tensor]:
        return {}

    def g_terms(self, fake_logits: Tensor) -> dict[str, Tensor]:
        return {}

    def before_optimizer_step(self, network: nn.Module, role: str) -> dict[str, Tensor]:
        return {}

    def on_generator_step(self, step: int, total_steps: int) -> None:
        pass

    def scalars(self) -> dict[str, float | Tensor]:
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass
