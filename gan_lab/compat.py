"""Every use of a private Lightning or Hydra API, in one place, each with why there is no public one.

A Lightning or Hydra upgrade that renames one of these breaks here, and `tests/test_compat.py`
says which, instead of a run breaking somewhere in the middle of the tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the report imports this module, and needs neither torch nor Lightning
    import pytorch_lightning as pl

# Hydra's default sweeper, as multirun.yaml names it.
BASIC_SWEEPER_TARGET = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"

# Where a Lightning checkpoint keeps the counter of batches that stepped the optimizers.
_EPOCH_LOOP_STATE = ("loops", "fit_loop", "epoch_loop.state_dict")
_BATCHES_THAT_STEPPED = "_batches_that_stepped"


def logging_now(trainer: pl.Trainer | None) -> bool:
    """Whether this batch's scalars reach the loggers (`log_every_n_steps`). Lightning's own
    callbacks read this flag; it has no public accessor, and with manual optimization gan_lab must
    know it before the step to skip the logging-only work (gradient norms, syncs)."""
    return trainer is None or trainer._logger_connector.should_update_logs


def logger_step(trainer: pl.Trainer) -> int:
    """The step the loggers are at: what `self.log` uses. Lightning exposes `global_step`, which
    counts optimizer steps (n_critic + 1 per batch), not this per-batch counter."""
    return trainer.fit_loop.epoch_loop._batches_that_stepped


def set_logger_step_on_resume(checkpoint: dict[str, Any], generator_steps: int) -> None:
    """Make the loggers' step continue at the next generator step when a fit resumes mid-epoch
    (Lightning adds 1 to its saved counter when it restarts); a no-op for checkpoints without it."""
    state = checkpoint
    for key in _EPOCH_LOOP_STATE:
        state = state.get(key, {})
    if _BATCHES_THAT_STEPPED in state:
        state[_BATCHES_THAT_STEPPED] = generator_steps - 1


def expand_basic_sweep(arguments: list[str]) -> list[list[str]]:
    """The jobs (lists of overrides) Hydra's basic sweeper makes of `arguments`, in its order. Hydra
    has no public API that expands a sweep without running it; the report needs it to list members
    that never started."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    overrides = OverridesParser.create().parse_overrides([str(argument) for argument in arguments])
    return [job for batch in BasicSweeper.split_arguments(overrides, None) for job in batch]


def attached_trainer(module: pl.LightningModule) -> pl.Trainer | None:
    """The module's Trainer, or None outside a fit. The public `module.trainer` raises when the
    module is not attached, and GANModule is also used without one (tests, evaluation)."""
    return module._trainer


def inception_pool_and_logits(network, images_uint8):
    """The 2048-d pool features and the 1008-way logits of torchmetrics' FID Inception-v3 from one
    forward pass. `NoTrainInceptionV3.forward` returns only the first entry of its `features_list`;
    its private `_torch_fidelity_forward` returns them all (built with `["2048", "logits_unbiased"]`)."""
    pool, logits = network._torch_fidelity_forward(images_uint8)
    return pool.reshape(len(images_uint8), -1), logits.reshape(len(images_uint8), -1)
