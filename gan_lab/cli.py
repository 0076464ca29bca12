"""`python -m gan_lab`'s Hydra entry point: the config is composed before torch is imported.

Hydra composes a config in about half a second; importing torch, Lightning and torchmetrics takes
6–9 s of a 2-core CPU. So this module imports only what composition needs (the typed train/log
schema, the study sweeper, the run- and sweep-directory resolvers) and leaves the rest to the task
function: a mistyped group or key, `--help` and `--cfg job` answer at once, and a run pays for the
import once its config is known. The run itself is `gan_lab.run.task`.
"""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig

import gan_lab.plugins  # noqa: F401 - puts gan_lab's Hydra plugins (the study sweeper) where Hydra looks
import gan_lab.resume  # noqa: F401 - the resolver of hydra.run.dir
import gan_lab.settings  # noqa: F401 - the typed train/log schema (ConfigStore: schema/train, schema/log)
import gan_lab.study.directory  # noqa: F401 - the resolver of hydra.sweep.dir
from gan_lab.heap import freeze_imported_objects

# conf/ at the repository root. An absolute path: Hydra resolves a relative config_path against
# the Python package when the app runs as `python -m gan_lab`, not against this file.
CONF_DIR = Path(__file__).resolve().parent.parent / "conf"


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def main(cfg: DictConfig) -> float:
    """Train; returns the run's `objective` (what sweeper=optuna minimises)."""
    from gan_lab.run import task  # torch, Lightning, torchmetrics: once, when the first run starts

    freeze_imported_objects()
    return task(cfg)
