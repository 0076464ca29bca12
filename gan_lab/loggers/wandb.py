"""W&B logging that never waits for a network: offline unless an API key is configured."""

from __future__ import annotations

import netrc
import os
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from pytorch_lightning.loggers import WandbLogger


def wandb_api_key_configured() -> bool:
    """True when W&B could authenticate: WANDB_API_KEY, or an api.wandb.ai entry in ~/.netrc."""
    if os.environ.get("WANDB_API_KEY"):
        return True
    try:
        hosts = netrc.netrc(os.environ.get("NETRC")).hosts
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return False
    return any("wandb" in host for host in hosts)


def _hydra_defaults() -> tuple[str | None, list[str], str | None, str | None]:
    """(group, tags, name, job_type) for this run from Hydra: in a multirun the group is the study's
    name (`sweep_name`); the tags/name are the command-line overrides (the swept values); the job
    type is the preset (`experiment=noise_sweep`) that ran it, when one did."""
    if not HydraConfig.initialized():
        return None, [], None, None
    hydra = HydraConfig.get()
    overrides = list(hydra.overrides.task)
    group = sweep_name(hydra.sweep.dir) if hydra.mode == RunMode.MULTIRUN else None
    name = ",".join(overrides) or None
    return group, overrides, name, hydra.runtime.choices.get("experiment")


def sweep_name(sweep_dir: str) -> str:
    """A sweep's name from its directory: a study's, `outputs/studies/noise_sweep` → `noise_sweep`;
    an ad-hoc sweep's, `outputs/multirun/2026-11-22/10-00-00` → `2026-11-22_10-00-00`."""
    path = Path(sweep_dir)
    if path.parent.name in ("multirun", "studies") or not path.parent.name:
        return path.name
    return f"{path.parent.name}_{path.name}"


def run_outcome(results: dict) -> dict[str, Any]:
    """A run's results.json as a flat W&B summary: `status`, `steps`, `wall_time_s`, and where they
    apply `diverged_at_step`, `diverged_quantity`, `error`; every final metric under `final/<name>`
    (its floor beside it, and `final/fid/floor`); `probe/<name>/<level>/<metric>`; `stability/<name>`.
    A diverged or failed run thus shows as such in the dashboard, not as one that stopped logging."""
    outcome: dict[str, Any] = {key: results[key] for key in OUTCOME_KEYS if results.get(key) is not None}
    if results.get("status") == "completed" and (results.get("stability") or {}).get("collapsed"):
        outcome["status"] = "collapsed"  # completed, and the collapse flag was raised
    metrics = results.get("metrics") or {}
    outcome |= {f"final/{name}": value for name, value in metrics.items()}
    fid, floor = metrics.get("fid"), metrics.get("fid_floor")
    if isinstance(fid, float) and isinstance(floor, float) and floor > 0:
        outcome["final/fid/floor"] = fid / floor
    for probe, by_level in (results.get("probes") or {}).items():
        for level, values in by_level.items():
            outcome |= {f"probe/{probe}/{level}/{metric}": value for metric, value in values.items()}
    outcome |= {f"stability/{name}": value for name, value in (results.get("stability") or {}).items() if value is not None}
    return outcome


OUTCOME_KEYS = ("status", "steps", "wall_time_s", "resumed_at_step", "diverged_at_step", "diverged_quantity", "error")


def publish_outcome(loggers, results: dict) -> None:
    """Write `run_outcome(results)` into the summary of every W&B logger among `loggers`."""
    for logger in loggers:
        if isinstance(logger, WandbLogger):
            logger.experiment.summary.update(run_outcome(results))


# Plotted against the generator step in W&B, so that runs with different n_critic line up (W&B's own
# step is the loggers' step, which is the G-step too; `g_step` says so in every row).
G_STEP_AXIS = ("eval/*", "stability/*", "d_loss", "g_loss", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "lr_d", "lr_g")


def define_g_step_axis(loggers) -> None:
    """`wandb.define_metric`: the evaluation, stability and main training scalars against `g_step`."""
    for logger in loggers:
        if isinstance(logger, WandbLogger):
            logger.experiment.define_metric("g_step")
            for name in G_STEP_AXIS:
                logger.experiment.define_metric(name, step_metric="g_step")


def offline_by_default(offline: bool | None) -> bool:
    """`offline` as given; None: offline unless an API key is configured (`WANDB_MODE` decides when set)."""
    if offline is not None:
        return offline
    mode = os.environ.get("WANDB_MODE")
    return mode in ("offline", "dryrun") if mode else not wandb_api_key_configured()


def wandb_logger(
    save_dir: str,
    project: str = "gan_lab",
    offline: bool | None = None,
    group: str | None = None,
    tags: list[str] | None = None,
    name: str | None = None,
    job_type: str | None = None,
    **kwargs,
) -> WandbLogger:
    """Lightning's WandbLogger with gan_lab's defaults.

    `offline=None` (the default) logs online only when an API key is configured, so a machine
    without a network or a key never blocks; `WANDB_MODE` in the environment overrides this.
    Runs of one study share `group` (the study's name), carry the swept values as `tags`, and have
    the preset as `job_type`; each can be set in the config instead.
    """
    offline = offline_by_default(offline)
    hydra_group, hydra_tags, hydra_name, hydra_job_type = _hydra_defaults()
    Path(save_dir).mkdir(parents=True, exist_ok=True)
    return WandbLogger(
        save_dir=save_dir,
        project=project,
        offline=offline,
        group=group or hydra_group,
        tags=list(tags) if tags else hydra_tags,
        name=name or hydra_name,
        job_type=job_type or hydra_job_type,
        **kwargs,
    )
