"""Resuming a run: `python -m gan_lab ... resume=RUN_DIR` or `resume=auto`.

The run continues in its own directory from `checkpoints/last.ckpt`, which holds everything that
defines the state (G, D, the EMA of G, both optimizers and schedulers, augmentation state such as
ADA's p, the torch RNG, the generator-step counter, Lightning's loop state and the W&B run id).
Scalars the killed run logged after that checkpoint are dropped from `csv/metrics.csv`, so the
resumed log has every step once.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import yaml
from omegaconf import OmegaConf

CHECKPOINT = Path("checkpoints") / "last.ckpt"
SCALAR_LOG = Path("csv") / "metrics.csv"


def run_dir_for(resume: str | None, new_run_dir: str) -> str:
    """The run directory (OmegaConf resolver `gan_lab_run_dir`, used by `hydra.run.dir`): the new
    one, or the one to resume: `resume=RUN_DIR` names it, `resume=auto` picks the newest run below
    `outputs/` made by the same command-line overrides that has a checkpoint (none: a fresh run)."""
    if resume in (None, "", "None", "null"):
        return new_run_dir
    if resume != "auto":
        if not (Path(resume) / CHECKPOINT).is_file():
            raise FileNotFoundError(f"resume={resume}: there is no {CHECKPOINT} in {resume!r} to resume from")
        return str(resume)
    previous = latest_run_with_overrides(command_line_overrides(), Path(new_run_dir).parent.parent)
    return str(previous) if previous is not None else new_run_dir


def resume_argument_error(argv: list[str]) -> str | None:
    """What is wrong with a `resume=RUN_DIR` on the command line (no checkpoint there, or one that
    is truncated or not gan_lab's; with -m, a SWEEP_DIR without multirun.yaml), checked before Hydra
    starts, so that the message is the whole output; None when there is nothing to say."""
    multirun = any(arg in ("-m", "--multirun") for arg in argv)
    for arg in argv:
        if not arg.startswith("resume="):
            continue
        resume = arg.removeprefix("resume=")
        if resume in ("", "auto", "None", "null") or "," in resume:  # a sweep over values: checked per member
            return None
        if multirun:
            if not (Path(resume) / "multirun.yaml").is_file():
                return f"resume={resume}: there is no multirun.yaml in {resume!r}: not a sweep directory to resume"
            return None
        try:
            checkpoint_summary(Path(run_dir_for(resume, new_run_dir="")) / CHECKPOINT)
        except FileNotFoundError as err:
            return str(err)
        except ValueError as err:
            return f"resume={resume}: {err}"
    return None


def command_line_overrides() -> list[str]:
    """This process's Hydra overrides, as given on the command line, without `resume=...`."""
    return [arg for arg in sys.argv[1:] if "=" in arg and not arg.startswith(("-", "resume=", "hydra."))]


def latest_run_with_overrides(overrides: list[str], outputs: Path) -> Path | None:
    """The newest run directory below `outputs` whose recorded overrides (minus `resume=`) are
    `overrides` and which has a checkpoint to resume from."""
    candidates = []
    for recorded in outputs.glob("*/*/.hydra/overrides.yaml"):
        run_dir = recorded.parent.parent
        previous = [o for o in (yaml.safe_load(recorded.read_text()) or []) if not o.startswith("resume=")]
        if sorted(previous) == sorted(overrides) and (run_dir / CHECKPOINT).is_file():
            candidates.append(run_dir)
    return max(candidates, key=lambda d: (d / CHECKPOINT).stat().st_mtime, default=None)


def checkpoint_summary(path: Path) -> dict:
    """The generator step and W&B run id of a checkpoint, read without running pickled code; a
    truncated file or one that is not a gan_lab checkpoint gets an error naming it."""
    import torch  # here, not at the top: the command line's resolvers import this module before torch is needed

    try:
        # mmap: only the two small fields are read; Lightning loads the tensors once, in fit
        checkpoint = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as err:
        raise ValueError(f"{path} is not a readable gan_lab checkpoint (truncated or foreign?): {err}") from None
    if not isinstance(checkpoint, dict) or "generator_steps" not in checkpoint:
        raise ValueError(f"{path} is not a gan_lab checkpoint: it has no 'generator_steps'")
    return {"generator_steps": int(checkpoint["generator_steps"]), "wandb_run_id": checkpoint.get("wandb_run_id")}


def read_scalar_log(run_dir: Path, before_step: int) -> tuple[list[str], list[dict]]:
    """(header, rows) of the run's CSV scalar log, keeping the rows logged before `before_step`
    (Lightning's logger step: one per batch, i.e. per generator step)."""
    path = run_dir / SCALAR_LOG
    if not path.is_file():
        return [], []
    with path.open(newline="") as file:
        reader = csv.DictReader(file)
        rows = [row for row in reader if row.get("step") not in (None, "") and int(float(row["step"])) < before_step]
        return list(reader.fieldnames or []), rows


def restore_scalar_log(loggers, header: list[str], rows: list[dict]) -> None:
    """Put the kept rows back after Lightning's CSVLogger has started afresh (it deletes an existing
    metrics.csv), and tell its writer the columns so that later rows append under the same header."""
    for logger in loggers:
        if type(logger).__name__ != "CSVLogger" or not header:
            continue
        writer = logger.experiment
        with open(writer.metrics_file_path, "w", newline="") as file:
            out = csv.DictWriter(file, fieldnames=header)
            out.writeheader()
            out.writerows(rows)
        writer.metrics_keys = list(header)


if not OmegaConf.has_resolver("gan_lab_run_dir"):
    OmegaConf.register_new_resolver("gan_lab_run_dir", run_dir_for)
