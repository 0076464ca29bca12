"""`python -m gan_lab.report DIR --wandb`: the report as a W&B run of its study's group."""

from __future__ import annotations

import csv
from pathlib import Path

from gan_lab.report.contents import Contents

TABLES = ("report.csv", "probes.csv", "stability.csv")


def upload_report(contents: Contents, project: str = "gan_lab", group: str | None = None, offline: bool | None = None) -> Path:
    """Log the report in `contents.out` as one W&B run with `job_type="report"` in `group` (default: the
    study's name, as its runs' W&B group: the first source's sweep directory name): report.csv,
    probes.csv and stability.csv as `wandb.Table`s, every figure as an image, report.md as a file.
    Offline when no API key is configured (`WANDB_MODE` overrides), like the runs' logger; the run's
    files land in `<out>/wandb/`. Returns that run's directory."""
    import wandb

    from gan_lab.loggers.wandb import offline_by_default, sweep_name

    group = group or sweep_name(str(contents.sources[0].resolve()))
    out = contents.out
    run = wandb.init(
        project=project, group=group, job_type="report", name=f"report: {group}", dir=str(out),
        mode="offline" if offline_by_default(offline) else "online",
        config={"sources": [str(source) for source in contents.sources], "runs": len(contents.runs)},
    )  # fmt: skip
    try:
        logged = {}
        for name in TABLES:
            path = out / name
            if path.is_file():
                with open(path, newline="") as f:
                    header, *rows = list(csv.reader(f))
                logged[f"report/{path.stem}"] = wandb.Table(columns=header, data=rows)
        for figure in contents.all_figures():
            logged[f"report/figures/{figure.stem}"] = wandb.Image(str(figure))
        run.log(logged)
        run.save(str(out / "report.md"), base_path=str(out), policy="now")
        return Path(run.dir).parent
    finally:
        run.finish()
