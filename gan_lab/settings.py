"""The training and logging settings (`train.*`, `log.*`): one typed place for each knob, its default,
its meaning and its allowed range.

The dataclasses are registered in Hydra's ConfigStore as the schema of the `train` and `log` nodes
(`conf/config.yaml` lists `schema/train@train` and `schema/log@log`), so a value of the wrong type
fails when the config is composed, and `python -m gan_lab --cfg job` shows every knob with its
value. Ranges are checked in `__post_init__`, once, by `check_settings` before anything is built;
`GANModule`, the data module, the EMA and the callbacks guard their Python API with the same
checks (`check_integer`, `check_ema_decay`), not copies. A new setting is one field here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

CHANNELS_LAST = ("auto", True, False)


@dataclass
class CompileSettings:
    """`train.compile`: torch.compile of G's and D's forward passes in the training step (the
    gradient penalties, which differentiate D's gradient, stay eager: AOTAutograd has no double backward)."""

    enabled: bool = False
    backend: str = "inductor"  # inductor | aot_eager | cudagraphs: any torch.compile backend
    mode: Optional[str] = None  # null | default | reduce-overhead | max-autotune


@dataclass
class TrainSettings:
    """`train.*`."""

    steps: int = 1500  # generator steps (one per batch); Lightning's global_step counts all optimizer steps
    batch_size: int = 64  # real samples per D step
    n_critic: int = 1  # D steps per G step, each on its own real batch (WGAN / WGAN-GP papers: 5)
    ema_decay: float = 0.999  # EMA of G's weights for samples and evaluation; 0 turns it off
    channels_last: Any = "auto"  # NHWC for convolutional G and D: auto (on CUDA and the CPU) | true | false
    compile: CompileSettings = field(default_factory=CompileSettings)
    # torch's CPU threads; null: torch's default, or the cores split evenly between the members a
    # parallel launcher runs at once (hydra/launcher=joblib hydra.launcher.n_jobs=N: cores / N each)
    num_threads: Optional[int] = None

    def __post_init__(self) -> None:
        check_integer(self.steps, "train.steps", 1)
        check_integer(self.num_threads, "train.num_threads", 1, nullable=True)
        check_integer(self.batch_size, "train.batch_size", 1)
        check_integer(self.n_critic, "train.n_critic", 1)
        check_ema_decay(self.ema_decay)
        if self.channels_last not in CHANNELS_LAST:
            raise ValueError(f"train.channels_last must be auto, true or false, got {self.channels_last!r}")
        if isinstance(self.compile, dict):
            self.compile = CompileSettings(**self.compile)

    @classmethod
    def from_dict(cls, values: dict[str, Any] | None) -> TrainSettings:
        """The settings from a plain dict (what a checkpoint's hyperparameters hold); unknown keys are refused by name."""
        values = dict(values or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"train.{unknown[0]} is not a training setting; the settings are {sorted(known)}")
        return cls(**values)


@dataclass
class LogSettings:
    """`log.*`."""

    every: int = 10  # scalars every N generator steps
    sample_every: int = 500  # sample grids every N generator steps (and at the end); 0: only at the end
    checkpoint_every: Optional[int] = None  # g_step=N.ckpt and last.ckpt every N G-steps and at the end;
    num_checkpoints: int = 10  # ...or, when null, this many evenly spaced per run (a kill loses at most a tenth)

    def __post_init__(self) -> None:
        check_integer(self.every, "log.every", 1)
        check_integer(self.sample_every, "log.sample_every", 0)
        check_integer(self.checkpoint_every, "log.checkpoint_every", 0, nullable=True)
        check_integer(self.num_checkpoints, "log.num_checkpoints", 1)


def register_schemas() -> None:
    """Put the schemas in Hydra's ConfigStore (before any config is composed)."""
    store = ConfigStore.instance()
    store.store(group="schema", name="train", node=TrainSettings)
    store.store(group="schema", name="log", node=LogSettings)


def check_settings(cfg: DictConfig) -> None:
    """Raise ValueError naming the first top-level setting whose value is out of range."""
    seed = cfg.get("seed")
    if not _is_integer(seed):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    for key, schema in (("train", TrainSettings), ("log", LogSettings)):
        node = cfg.get(key)
        if node is not None:
            schema(**OmegaConf.to_container(node, resolve=True))
    for key in ("lr_g", "lr_d"):
        value = cfg.optimizer.get(key)
        if value is not None and not (isinstance(value, Real) and not isinstance(value, bool) and value > 0):
            raise ValueError(f"optimizer.{key} must be a number > 0, got {value!r}")


def check_integer(value: Any, key: str, smallest: int, nullable: bool = False) -> None:
    """Raise ValueError unless `value` is an integer >= `smallest` (or None, when `nullable`)."""
    if value is None and nullable:
        return
    if not _is_integer(value) or value < smallest:
        allowed = f"an integer >= {smallest}" + (" or null" if nullable else "")
        raise ValueError(f"{key} must be {allowed}, got {value!r}")


def check_ema_decay(value: Any) -> None:
    if not (isinstance(value, Real) and not isinstance(value, bool) and 0.0 <= value < 1.0):
        raise ValueError(f"train.ema_decay must be a number in [0, 1) (0 turns the EMA off), got {value!r}")


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


register_schemas()


def cpu_threads(requested: int | None, parallel_members: int, cores: int) -> int | None:
    """torch's CPU threads for one run: `requested` (train.num_threads) when set; with `parallel_members`
    (> 1) running at once on `cores`, an even share of them (at least 1); else None (torch's default)."""
    if requested is not None:
        return requested
    if parallel_members > 1:
        return max(1, cores // parallel_members)
    return None
