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


def skip_moving_logged_metrics_already_on_device() -> None:
    """Make `self.log` skip moving a logged value's accumulator to the device it is already on.

    `_ResultCollection.log` calls `_ResultMetric.to(value.device)` on every `self.log`, and `to`
    rebuilds the accumulator's `__dict__` with `apply_to_collection`, which deep-copies its
    metadata dataclasses: about 0.5 ms a call on a 2-core CPU, 70 % of what `self.log` costs
    (Lightning issue #20388; no public switch). gan_lab logs 9 scalars every `log.every` G-steps,
    so this was 0.45 ms per G-step of a 2-D MLP's ~16 ms. When every tensor the accumulator holds
    is already on that device, `to` would return it unchanged, and now returns it at once; any
    other call (another device, a torchmetrics `Metric` logged as a value) still goes through
    Lightning's `to`. Idempotent; process-wide, like the method it wraps."""
    import torch
    from pytorch_lightning.trainer.connectors.logger_connector.result import _ResultMetric

    move = _ResultMetric.to
    if hasattr(move, "lightning_to"):  # installed already
        return

    def to(self, *args: Any, **kwargs: Any) -> _ResultMetric:
        if len(args) == 1 and not kwargs and self.is_tensor and _tensors_all_on(self, torch.device(args[0])):
            return self
        return move(self, *args, **kwargs)

    to.lightning_to = move  # type: ignore[attr-defined]
    _ResultMetric.to = to


def _tensors_all_on(result_metric, device) -> bool:
    """Whether every tensor in the accumulator's attributes (and in its dicts of state defaults) is
    on `device`; False for anything that could hold tensors deeper, which `to` must then walk."""
    import torch
    from torchmetrics import Metric

    for value in vars(result_metric).values():
        for item in value.values() if isinstance(value, dict) else (value,):
            if isinstance(item, torch.Tensor) and item.device != device:
                return False
            if isinstance(item, (Metric, list, tuple)):
                return False
    return True


def inception_pool_and_logits(network, images_uint8):
    """The 2048-d pool features and the 1008-way logits of torchmetrics' FID Inception-v3 from one
    forward pass. `NoTrainInceptionV3.forward` returns only the first entry of its `features_list`;
    its private `_torch_fidelity_forward` returns them all (built with `["2048", "logits_unbiased"]`)."""
    pool, logits = network._torch_fidelity_forward(images_uint8)
    return pool.reshape(len(images_uint8), -1), logits.reshape(len(images_uint8), -1)
