"""A search's answer (Hydra's Optuna sweeper, `sweeper=optuna`): the trials ranked by the objective
each run returned (gan_lab/objective.py), the best one as the sweeper wrote it to
optimization_results.yaml, and a map of the trials over the searched parameters.

A trial is one seed: its FID is an optimistic estimate of its configuration's (the best of N noisy
draws), so the report says so and suggests rerunning the best parameters with more seeds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from gan_lab.objective import FAILED_TRIAL_OBJECTIVE, objective
from gan_lab.report.errors import ReportError
from gan_lab.report.grouping import split_override
from gan_lab.report.runs import Run

SEARCH_FILE = "optimization_results.yaml"  # hydra-optuna-sweeper's record of the best trial


@dataclass
class Trial:
    number: str  # the trial's directory name: Hydra's job number
    params: dict[str, float | str]  # the searched parameters' values in this trial (str: a choice)
    objective: float
    run: Run


@dataclass
class Search:
    source: Path
    best_params: dict[str, float | str]
    best_value: float
    trials: list[Trial]  # best first

    @property
    def parameters(self) -> list[str]:
        return list(self.best_params)

    @property
    def numeric_parameters(self) -> list[str]:
        """The parameters every trial gave a number (interval() or a choice of numbers): the map's axes."""
        return [key for key in self.parameters if all(isinstance(trial.params.get(key), float) for trial in self.trials)]


def parameter_value(text: object) -> float | str:
    """A searched parameter's value: a number, or the name of a choice (`loss=choice(hinge,ns)`)."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return str(text)


def find_search(sources: list[Path], runs: list[Run]) -> Search | None:
    """The search among `sources` (a directory holding optimization_results.yaml), its trials ranked;
    None when no source is a search. Raises ReportError naming a result file that cannot be read."""
    found = [source for source in sources if (source / SEARCH_FILE).is_file()]
    if not found:
        return None
    if len(found) > 1:
        raise ReportError(f"one search per report: {', '.join(str(path) for path in found)} are each a search")
    source = found[0]
    try:
        result = yaml.safe_load((source / SEARCH_FILE).read_text())
        best_params = {str(key): parameter_value(value) for key, value in result["best_params"].items()}
        best_value = float(result["best_value"])
    except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as err:
        raise ReportError(f"{source / SEARCH_FILE}: not an Optuna sweeper result (best_params, best_value): {err}") from err
    trials = []
    for run in runs:
        if not run.path.resolve().is_relative_to(source.resolve()):
            continue
        given = dict(map(split_override, run.overrides))
        params = {key: parameter_value(given[key]) for key in best_params if key in given}
        value = objective({"status": run.status, "metrics": run.metrics})
        trials.append(Trial(run.path.name, params, value, run))
    trials.sort(key=lambda trial: (trial.objective, trial_order(trial.number)))
    return Search(source, best_params, best_value, trials)


def trial_order(number: str) -> tuple[bool, int, str]:
    """Ties in the objective go in trial order: numbered directories by number, then any others by name."""
    return (not number.isdigit(), int(number) if number.isdigit() else 0, number)


def search_section(search: Search, figure: str | None) -> list[str]:
    """report.md's lines on the search: the best trial, the ranked trials, the map."""
    name = "the final FID" if any("fid" in trial.run.metrics for trial in search.trials) else "the final mode KL"
    best = ", ".join(f"`{key}={shown(value)}`" for key, value in search.best_params.items())
    lines = [
        f"A search over {', '.join(f'`{key}`' for key in search.parameters)}: {len(search.trials)} trials, "
        f"each minimising {name} of one seed. Best ({SEARCH_FILE}): {best}, objective {search.best_value:.4g}.",
        "",
        "The best trial's value is the best of several noisy draws, so it overestimates how good its "
        "parameters are; rerun them with more seeds before comparing them with a swept grid.",
        "",
        "| rank | trial | " + " | ".join(search.parameters) + " | objective | fid/floor | classes covered | status |",
        "|---" * (len(search.parameters) + 6) + "|",
    ]
    for rank, trial in enumerate(search.trials, start=1):
        values = [shown(trial.params[key]) if key in trial.params else "–" for key in search.parameters]
        metrics = trial.run.metrics
        score = "failed (scored 1e6)" if trial.objective == FAILED_TRIAL_OBJECTIVE else f"{trial.objective:.4g}"
        ratio = f"{metrics['fid'] / metrics['fid_floor']:.2f}" if metrics.get("fid_floor") and "fid" in metrics else "–"
        classes = f"{metrics['classes_covered']:g}" if "classes_covered" in metrics else "–"
        status = trial.run.status + (", collapsed" if trial.run.stability.get("collapsed") else "")
        lines.append(f"| {rank} | {trial.number} | " + " | ".join(values) + f" | {score} | {ratio} | {classes} | {status} |")
    if figure:
        lines += ["", figure]
    return lines


def shown(value: float | str) -> str:
    """A parameter's value for report.md: three significant digits, or a choice's name."""
    return f"{value:.3g}" if isinstance(value, float) else value
