"""When a periodic callback fires, in generator steps."""

from __future__ import annotations

import pytorch_lightning as pl


def due(trainer: pl.Trainer, generator_steps: int, every: int) -> bool:
    """True every `every` generator steps and at the last step of the run."""
    last = generator_steps >= trainer.num_training_batches
    return generator_steps > 0 and ((every > 0 and generator_steps % every == 0) or last)
