"""Checks of the top-level settings (`seed`, `train.*`, `log.*`, `optimizer.lr_*`), run before
anything is built: a bad value fails within seconds with the key and the allowed values."""

from __future__ import annotations

from numbers import Real

from omegaconf import DictConfig

# key → (smallest allowed value, whether null is allowed)
INTEGER_SETTINGS = {
    "train.steps": (1, False),
    "train.batch_size": (1, False),
    "train.n_critic": (1, False),
    "log.every": (1, False),
    "log.sample_every": (0, False),
    "log.checkpoint_every": (0, True),
    "log.num_checkpoints": (1, False),
}


def check_settings(cfg: DictConfig) -> None:
    """Raise ValueError naming the first key whose value is out of range."""
    seed = cfg.get("seed")
    if not _is_integer(seed):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    for key, (smallest, nullable) in INTEGER_SETTINGS.items():
        group, name = key.split(".")
        node = cfg.get(group)
        if node is None or name not in node:
            continue
        value = node[name]
        if value is None and nullable:
            continue
        if not _is_integer(value) or value < smallest:
            allowed = f"an integer >= {smallest}" + (" or null" if nullable else "")
            raise ValueError(f"{key} must be {allowed}, got {value!r}")
    ema_decay = cfg.train.get("ema_decay", 0.0)
    if not (isinstance(ema_decay, Real) and 0.0 <= ema_decay < 1.0):
        raise ValueError(f"train.ema_decay must be a number in [0, 1) (0 turns the EMA off), got {ema_decay!r}")
    for key in ("lr_g", "lr_d"):
        value = cfg.optimizer.get(key)
        if value is not None and not (isinstance(value, Real) and not isinstance(value, bool) and value > 0):
            raise ValueError(f"optimizer.{key} must be a number > 0, got {value!r}")


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
