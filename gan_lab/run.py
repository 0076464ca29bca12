"""`python -m gan_lab`'s run, once `gan_lab.cli` has composed the config: build data, GAN,
callbacks, loggers and trainer, train, and leave results.json in the run directory."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from pytorch_lightning.utilities.exceptions import SIGTERMException

from gan_lab.cli import CONF_DIR  # noqa: F401 - conf/, for gan_lab.evaluate, gan_lab.generate, tests and scripts
from gan_lab.compat import skip_moving_logged_metrics_already_on_device
from gan_lab.cuda_probe import skip_nvml_check_without_driver
from gan_lab.datasets import GANDataModule
from gan_lab.divergence import TrainingDiverged
from gan_lab.errors import exit_on_user_error, user_error_message
from gan_lab.loggers.wandb import define_g_step_axis, publish_outcome
from gan_lab.module import GANModule
from gan_lab.objective import FAILED_TRIAL_OBJECTIVE, objective
from gan_lab.results import scalar_metrics, write_results
from gan_lab.resume import CHECKPOINT, checkpoint_summary, read_scalar_log, restore_scalar_log
from gan_lab.settings import check_settings, cpu_threads

log = logging.getLogger(__name__)

DIVERGED_EXIT_CODE = 3  # a single run that diverged (its results.json says so) exits with this

TORCH_DEFAULT_THREADS = torch.get_num_threads()
skip_nvml_check_without_driver()  # after Lightning's import turned it on: 0.1 ms per optimizer step on a CPU machine
skip_moving_logged_metrics_already_on_device()  # Lightning's self.log deep-copies on every call: 0.5 ms each


def build_datamodule(cfg: DictConfig) -> GANDataModule:
    corruption = cfg.get("corruption")
    datamodule = instantiate(
        cfg.dataset,
        batch_size=cfg.train.batch_size * cfg.train.n_critic,  # n_critic D steps, each on fresh reals
        num_batches=cfg.train.steps,
        seed=cfg.seed,
        corruption=instantiate(corruption) if corruption else None,
    )
    datamodule.check_corruption(group_choice("dataset") or type(datamodule).__name__)
    return datamodule


def parallel_members() -> int:
    """How many sweep members the launcher runs at once in this machine's processes (joblib's n_jobs; 1 otherwise)."""
    if not in_multirun():
        return 1
    n_jobs = HydraConfig.get().launcher.get("n_jobs")
    if not isinstance(n_jobs, int) or n_jobs == 0:
        return 1
    return available_cores() if n_jobs < 0 else n_jobs  # joblib: -1 = one per core


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def slurm_cpus() -> int | None:
    """The CPUs SLURM gave this job (SLURM_CPUS_PER_TASK), when it runs as one: its torch threads,
    so that members sharing a node do not each take every core of it."""
    value = os.environ.get("SLURM_CPUS_PER_TASK", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def runtime_choices() -> dict[str, str | None]:
    """Hydra's record of the option chosen for each config group ({} when Hydra is not running)."""
    return dict(HydraConfig.get().runtime.choices) if HydraConfig.initialized() else {}


def group_choice(group: str) -> str | None:
    """The option chosen for a config group (`dataset=ring8` → "ring8"), when Hydra is running."""
    return runtime_choices().get(group)


LIST_GROUPS = ("regularizer", "probe")  # groups chosen as a list, `regularizer=[spectral_norm,r1]`


def group_choices(cfg: DictConfig) -> dict[str, Any]:
    """The option chosen for every config group (`loss: ns`, `regularizer: [spectral_norm, r1]`),
    when Hydra is running; Hydra's own groups (`hydra/...`) left out. Hydra records no choice for a
    list, so the list groups' are the names of their entries."""
    if not HydraConfig.initialized():
        return {}
    choices = {group: choice for group, choice in runtime_choices().items() if not group.startswith("hydra")}
    return choices | {group: list(cfg.get(group) or {}) for group in LIST_GROUPS}


def build_module(cfg: DictConfig, sample_shape) -> GANModule:
    def plain(node) -> Any:
        return OmegaConf.to_container(node, resolve=True) if node is not None else None

    return GANModule(
        sample_shape=list(sample_shape),
        generator=plain(cfg.model.generator),
        discriminator=plain(cfg.model.discriminator),
        loss=plain(cfg.loss),
        optimizer=plain(cfg.optimizer),
        scheduler=plain(cfg.get("scheduler")),
        augmentation=plain(cfg.get("augmentation")),
        regularizers=plain(cfg.get("regularizer")) or {},
        corruption=plain(cfg.get("corruption")),
        train=plain(cfg.train),
        dataset=plain(cfg.dataset),
    )


def build_logger(node: DictConfig, resumed: dict | None):
    """A logger from its config; a resumed run's W&B logger continues the same W&B run."""
    if resumed and resumed.get("wandb_run_id") and str(node.get("_target_", "")).endswith("wandb_logger"):
        return instantiate(node, id=resumed["wandb_run_id"], resume="allow")
    return instantiate(node)


def command_line_overrides() -> list[str]:
    return list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []


def train(cfg: DictConfig) -> dict[str, Any]:
    """Train one GAN as `cfg` says; returns (and writes) the run's results."""
    run_dir = Path(cfg.paths.output_dir)
    started = time.time()
    results: dict[str, Any] = {"status": "running", "steps": 0, "overrides": command_line_overrides()}
    module: GANModule | None = None
    trainer: pl.Trainer | None = None
    try:
        check_settings(cfg)
        threads = cpu_threads(cfg.train.get("num_threads"), parallel_members(), available_cores()) or slurm_cpus()
        torch.set_num_threads(threads or TORCH_DEFAULT_THREADS)  # per run: an earlier sweep member's choice does not stay
        results["torch_threads"] = torch.get_num_threads()
        pl.seed_everything(cfg.seed, workers=True, verbose=False)
        datamodule = build_datamodule(cfg)
        module = build_module(cfg, datamodule.sample_shape)
        # a study member with a checkpoint was stopped half-way: it continues (its directory is its identity)
        may_resume = bool(cfg.get("resume")) or in_multirun()
        checkpoint = run_dir / CHECKPOINT if may_resume and (run_dir / CHECKPOINT).is_file() else None
        resumed = checkpoint_summary(checkpoint) if checkpoint else None
        callbacks = [instantiate(node) for node in (cfg.get("callbacks") or {}).values()]
        loggers = [build_logger(node, resumed) for node in (cfg.get("logger") or {}).values()]
        trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers, default_root_dir=str(run_dir))
        header, rows = read_scalar_log(run_dir, resumed["generator_steps"]) if resumed else ([], [])
        define_g_step_axis(trainer.loggers)
        for logger in trainer.loggers:  # the composed config, nested as typed, and each group's option by name
            logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True) | {"choices": group_choices(cfg)})
        if resumed:
            results["resumed_at_step"] = resumed["generator_steps"]
            log.info("resuming %s from generator step %d", checkpoint, resumed["generator_steps"])
            restore_scalar_log(trainer.loggers, header, rows)
        trainer.fit(module, datamodule=datamodule, ckpt_path=str(checkpoint) if checkpoint else None)
        results["status"] = "interrupted" if trainer.interrupted else "completed"
    except TrainingDiverged as err:
        # Not an error of the program: the run ends cleanly, its last good checkpoint kept, and a
        # multirun goes on with its next member.
        results |= {"status": "diverged", "error": str(err), "diverged_at_step": err.step, "diverged_quantity": err.quantity}
        log.error("%s", err)
    except BaseException as err:
        if stopped_by_signal(err, trainer):
            # Ctrl-C, or SIGTERM from `scancel`/a pre-empting scheduler: the run continues with resume=
            results |= {"status": "interrupted", "error": f"stopped by {type(err).__name__} at generator step "
                        f"{module.generator_steps if module is not None else 0}"}
            # the shell's convention, 128 + the signal: Lightning's exceptions would exit with 0 or 1
            raise SystemExit(128 + (signal.SIGTERM if isinstance(err, SIGTERMException) else signal.SIGINT)) from err
        results["status"] = "failed"
        # a user's mistake is recorded in the words the command line prints; a bug with its type
        message = user_error_message(err, runtime_choices())
        results["error"] = message or f"{type(err).__name__}: {err}"
        raise
    finally:
        results["steps"] = module.generator_steps if module is not None else 0
        # a resumed run counts the training time its earlier processes spent up to the checkpoint
        previous = module.resumed_wall_time_s if module is not None else 0.0
        results["wall_time_s"] = round(time.time() - started + previous, 2)
        results["metrics"] = scalar_metrics(trainer.callback_metrics) if trainer is not None else {}
        for callback in trainer.callbacks if trainer is not None else []:
            if hasattr(callback, "results_section"):  # probes, stability: their own sections
                results |= callback.results_section()
        results["run_dir"] = str(run_dir)
        if trainer is None or trainer.is_global_zero:
            write_results(run_dir, results)
            if trainer is not None:
                publish_outcome(trainer.loggers, results)
        _finish_wandb()
    return results


def in_multirun() -> bool:
    return HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN


def stopped_by_signal(err: BaseException, trainer: pl.Trainer | None) -> bool:
    """True when the run was stopped from outside (SIGINT, SIGTERM), not by an error of its own:
    Lightning turns those into KeyboardInterrupt / SIGTERMException, or into SystemExit after
    marking the trainer interrupted."""
    if isinstance(err, (KeyboardInterrupt, SIGTERMException)):
        return True
    return isinstance(err, SystemExit) and trainer is not None and trainer.interrupted


def _finish_wandb() -> None:
    """Close the W&B run, so that the next member of a multirun starts its own."""
    if "wandb" in sys.modules:
        import wandb

        if wandb.run is not None:
            wandb.finish()


def task(cfg: DictConfig) -> float:
    """Hydra's task function (`gan_lab.cli.main` calls it): train; returns the run's `objective`
    (what sweeper=optuna minimises)."""
    in_sweep = in_multirun()
    try:
        results = train(cfg)
    except Exception as err:
        if not in_sweep:
            exit_on_user_error("gan_lab", err, runtime_choices())
            raise
        # A sweep carries on: the failure and its error are in this member's results.json.
        log.exception("this sweep member failed; the sweep goes on with the next")
        return FAILED_TRIAL_OBJECTIVE
    if results["status"] == "diverged" and not in_sweep:
        print(f"gan_lab: {results['error']} (results.json: {results['run_dir']})", file=sys.stderr)
        sys.exit(DIVERGED_EXIT_CODE)
    return objective(results)
