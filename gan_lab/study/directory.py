"""Where a multirun lives: `hydra.sweep.dir` is `${gan_lab_sweep_dir:...}` (conf/config.yaml).

- `study=NAME`: `outputs/studies/NAME/`, no timestamp, so that a resumed or extended study lands in
  one place (and its W&B group is NAME);
- a preset (`experiment=noise_sweep`): the study named after it, `outputs/studies/noise_sweep/`;
- `resume=SWEEP_DIR`: that directory; `resume=auto` on an ad-hoc sweep: the newest sweep below
  `outputs/multirun/` of the same command (none: a new one);
- otherwise Hydra's timestamped `outputs/multirun/DATE/TIME/`.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from omegaconf import OmegaConf

from gan_lab.resume import command_line_overrides

STUDIES_DIR = "studies"
MULTIRUN_FILE = "multirun.yaml"
NOT_GIVEN = (None, "", "None", "null")


def sweep_dir_for(study: str | None, resume: str | None, preset: str | None, new_sweep_dir: str) -> str:
    """The multirun's directory (OmegaConf resolver `gan_lab_sweep_dir`); `new_sweep_dir` is
    Hydra's timestamped default, `outputs/multirun/DATE/TIME`."""
    outputs = Path(new_sweep_dir).parent.parent.parent
    named = study if study not in NOT_GIVEN else None
    if named is not None:
        name = str(named)
        if not name.strip() or "/" in name or name.startswith("."):
            raise ValueError(f"study={name!r}: a study's name is one folder name (no '/', not starting with '.')")
    if resume not in NOT_GIVEN and resume != "auto":
        resume_dir = Path(str(resume))
        if not (resume_dir / MULTIRUN_FILE).is_file():
            raise FileNotFoundError(
                f"resume={resume}: there is no {MULTIRUN_FILE} in {str(resume)!r}: not a sweep directory to resume"
            )
        if named is not None and resume_dir.resolve() != (outputs / STUDIES_DIR / str(named)).resolve():
            raise ValueError(f"resume={resume} and study={named} name two different sweeps: give one of them")
        return str(resume_dir)
    if named is None and preset not in NOT_GIVEN:
        named = preset
    if named is not None:
        return str(outputs / STUDIES_DIR / str(named))
    if resume == "auto":
        previous = latest_sweep_with_overrides(command_line_overrides(), outputs / "multirun")
        if previous is not None:
            return str(previous)
    return new_sweep_dir


def latest_sweep_with_overrides(overrides: list[str], multirun_root: Path) -> Path | None:
    """The newest sweep directory below `multirun_root` whose multirun.yaml records the command-line
    overrides `overrides` (`resume=` aside)."""
    wanted = sorted(o for o in overrides if not o.startswith("resume="))
    candidates = []
    for recorded in multirun_root.glob(f"*/*/{MULTIRUN_FILE}"):
        try:
            task = ((yaml.safe_load(recorded.read_text()) or {}).get("hydra") or {}).get("overrides", {}).get("task") or []
        except (OSError, yaml.YAMLError, AttributeError):
            continue
        if sorted(str(o) for o in task if not str(o).startswith("resume=")) == wanted:
            candidates.append(recorded.parent)
    return max(candidates, key=lambda d: (d / MULTIRUN_FILE).stat().st_mtime, default=None)


if not OmegaConf.has_resolver("gan_lab_sweep_dir"):
    # cached, as Hydra's `now` is: every member of the sweep, in any process, gets the same answer
    OmegaConf.register_new_resolver("gan_lab_sweep_dir", sweep_dir_for, use_cache=True)
