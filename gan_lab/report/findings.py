"""The findings page: claims from the GAN-robustness literature, each tested by a study's runs, with a
table over seeds, an effect with its 95 % interval, a verdict by gan_lab/report/verdict.py's rule, and
a plot. Built from a YAML spec (conf/findings.yaml) and the study directories it names, by
`python -m gan_lab.report --findings conf/findings.yaml`; the same inputs give the same bytes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gan_lab.report.catalog import FID_RATIO, higher_is_better, probe_metric
from gan_lab.report.errors import ReportError
from gan_lab.report.grouping import as_level, group_runs, relevant_overrides
from gan_lab.report.runs import COMPLETED, Run, collect_runs
from gan_lab.report.verdict import INCONCLUSIVE, Effect, claim_verdict, effect_of, verdict

DEFAULT_LAUNCH = "hydra/launcher=joblib hydra.launcher.n_jobs=2"
CLAIM_KEYS = {"number", "claim", "study", "metric", "also", "expect", "comparisons", "show", "discussion"}
COMPARISON_KEYS = {"label", "study", "baseline", "treatment", "expect"}
CAVEAT = (
    "Where this contradicts the literature, remember the setting: 8×8 digits upsampled to 32×32, "
    "3 seeds, and CPU-length runs (1,200–1,500 G-steps), far shorter than the papers' trainings."
)


@dataclass
class Comparison:
    label: str
    baseline: dict[str, str]
    treatment: dict[str, str]
    study: str = ""  # the study whose runs both sides come from (the claim's first study unless named)
    expect_better: bool = True  # what this comparison predicts of the treatment: its own `expect`, else the claim's
    found: bool = False
    baseline_runs: list[Run] = field(default_factory=list)
    treatment_runs: list[Run] = field(default_factory=list)
    effect: Effect | None = None
    verdict: str = INCONCLUSIVE


@dataclass
class Row:
    """One configuration of a claim's table."""

    label: str
    runs: list[Run]
    values: list[float]
    floors: list[float]
    also: dict[str, list[float]] = field(default_factory=dict)  # the claim's `also` metrics, shown without a verdict


@dataclass
class Claim:
    number: str  # the spec's `number` (5a, 5b: parts of one claim of the literature), else its position
    text: str
    studies: list[str]
    metric: str
    expect_better: bool
    also: list[str] = field(default_factory=list)
    discussion: str = ""
    comparisons: list[Comparison] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    show: list[dict[str, str]] = field(default_factory=list)  # the table's rows (default: every configuration)
    missing: list[str] = field(default_factory=list)  # studies without a directory yet
    fixed: dict[str, dict[str, str]] = field(default_factory=dict)  # per study: swept values all shown rows share

    @property
    def study(self) -> str:
        return ", ".join(self.studies)

    @property
    def found(self) -> bool:
        return any(comparison.found for comparison in self.comparisons)

    def claimed_lower(self, comparison: Comparison) -> bool:
        """Whether the claim predicts that the comparison's treatment lowers the metric."""
        return higher_is_better(self.metric) != comparison.expect_better

    @property
    def verdict(self) -> str:
        if not self.found:
            return "not run yet"
        return claim_verdict([comparison.verdict for comparison in self.comparisons if comparison.found])


def run_value(run: Run, metric: str) -> float | None:
    """A completed run's value of `metric`: an evaluation metric, `fid/floor`, a stability number of
    results.json (`fid_cv`, …, `collapsed` as 0/1), `wall_time_s`, or a probe's metric at one level
    (`probe/d_attack/success@0.00392156862745098`)."""
    if metric == FID_RATIO:
        fid, floor = run.metrics.get("fid"), run.metrics.get("fid_floor")
        return fid / floor if fid is not None and floor else None
    probed = probe_metric(metric)
    if probed is not None:
        probe, name, level = probed
        at = [values for at, values in run.probes.get(probe, {}).items() if math.isclose(at, level, rel_tol=1e-9, abs_tol=1e-12)]
        value = at[0].get(name) if at else None
        return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None
    if metric in run.metrics:
        return run.metrics[metric]
    if metric == "wall_time_s":
        return run.wall_time_s
    value = run.stability.get(metric)
    if isinstance(value, bool):
        return float(value)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def matches(run: Run, selection: dict[str, str]) -> bool:
    """Whether the run's overrides set every key of `selection` to its value (numbers compared as
    numbers, booleans as Hydra reads them: `False` on a command line is `false`)."""
    pairs = relevant_overrides(run, ())
    for key, wanted in selection.items():
        if key not in pairs:
            return False
        have = pairs[key]
        a, b = as_level(have), as_level(wanted)
        if not (a == b if a is not None and b is not None else as_boolean(have) == as_boolean(wanted)):
            return False
    return True


def as_boolean(value: str) -> str:
    """Hydra's override grammar reads true/false in any case as a boolean: one spelling for comparing."""
    return value.lower() if value.lower() in ("true", "false") else value


def selection_label(selection: dict[str, str]) -> str:
    return " ".join(f"{key}={value}" for key, value in selection.items()) or "all runs"


def values_of(runs: list[Run], metric: str) -> list[float]:
    return [value for value in (run_value(run, metric) for run in runs if run.status == COMPLETED) if value is not None]


def floor_metric(metric: str) -> str | None:
    """The real-vs-real floor shown beside a metric (FID's floor for FID and FID/floor)."""
    if metric in ("fid", FID_RATIO):
        return "fid_floor"
    return f"{metric}_floor" if metric in ("kid", "precision", "recall", "density", "coverage") else None


# ---------------------------------------------------------------------------------------------- the spec


def as_selection(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise ReportError(f"{where}: expected a mapping of override key → value, got {value!r}")
    return {key: yaml_scalar(item) for key, item in value.items()}


def yaml_scalar(value: Any) -> str:
    """An override value as Hydra writes it on the command line (YAML's true → "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def load_spec(path: Path) -> tuple[dict[str, Any], list[Claim]]:
    """The spec's settings and its claims, checked: every mistake names the file and the key."""
    try:
        spec = yaml.safe_load(path.read_text())
    except OSError as err:
        raise ReportError(f"{path}: cannot read the findings spec ({err.strerror})") from None
    except yaml.YAMLError as err:
        raise ReportError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("claims"), list) or not spec["claims"]:
        raise ReportError(f"{path}: expected a mapping with a non-empty list `claims`")
    claims = []
    for number, item in enumerate(spec["claims"], start=1):
        where = f"{path}: claims[{number - 1}]"
        if not isinstance(item, dict):
            raise ReportError(f"{where}: expected a mapping, got {item!r}")
        unknown = sorted(set(item) - CLAIM_KEYS)
        if unknown:
            raise ReportError(f"{where}: unknown keys {unknown} (allowed: {sorted(CLAIM_KEYS)})")
        for key in ("claim", "metric"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ReportError(f"{where}.{key}: required, a non-empty string")
        studies = [item.get("study")] if isinstance(item.get("study"), str) else item.get("study")
        if not isinstance(studies, list) or not studies or not all(isinstance(name, str) and name for name in studies):
            raise ReportError(f"{where}.study: required, a study's name or a list of them")
        also = item.get("also") or []
        if not isinstance(also, list) or not all(isinstance(name, str) for name in also):
            raise ReportError(f"{where}.also: a list of metric names (shown beside the metric, without a verdict)")
        expect = expectation(item.get("expect", "better"), f"{where}.expect")
        comparisons = item.get("comparisons")
        if not isinstance(comparisons, list) or not comparisons:
            raise ReportError(f"{where}.comparisons: required, a non-empty list of {{label, baseline, treatment}}")
        claim = Claim(
            number=str(item.get("number", number)),
            text=item["claim"].strip(),
            studies=studies,
            metric=item["metric"],
            expect_better=expect,
            also=list(item.get("also") or []),
            discussion=(item.get("discussion") or "").strip(),
        )
        for index, entry in enumerate(comparisons):
            at = f"{where}.comparisons[{index}]"
            if not isinstance(entry, dict) or "baseline" not in entry or "treatment" not in entry:
                raise ReportError(f"{at}: expected a mapping with `baseline` and `treatment` selections")
            unknown = sorted(set(entry) - COMPARISON_KEYS)
            if unknown:
                raise ReportError(f"{at}: unknown keys {unknown} (allowed: {sorted(COMPARISON_KEYS)})")
            baseline = as_selection(entry["baseline"], f"{at}.baseline")
            treatment = as_selection(entry["treatment"], f"{at}.treatment")
            study = entry.get("study", studies[0])
            if study not in studies:
                raise ReportError(f"{at}.study: {study!r} is not one of the claim's studies {studies}")
            label = entry.get("label") or f"{selection_label(treatment)} vs {selection_label(baseline)}"
            expect_better = expectation(entry["expect"], f"{at}.expect") if "expect" in entry else expect
            claim.comparisons.append(Comparison(str(label), baseline, treatment, study, expect_better))
        show = item.get("show")
        if show is not None and not isinstance(show, list):
            raise ReportError(f"{where}.show: a list of selections (default: every configuration of the study)")
        claim.show = [as_selection(selection, f"{where}.show") for selection in show or []]
        if any(other.number == claim.number for other in claims):
            raise ReportError(f"{where}.number: {claim.number!r} is already another claim's number")
        claims.append(claim)
    return spec, claims


def expectation(value: Any, where: str) -> bool:
    """`expect` as a bool, True for "better": what a claim, or one of its comparisons, predicts of the treatment."""
    if value not in ("better", "worse"):
        raise ReportError(f"{where}: better or worse (what the claim predicts of the treatment), got {value!r}")
    return value == "better"


# -------------------------------------------------------------------------------------------- the numbers


def evaluate_claims(claims: list[Claim], studies_dir: Path) -> None:
    """Fill each claim's rows and comparisons from its studies' runs; a study without a directory
    leaves its comparisons "not run yet"."""
    cache: dict[str, list[Run]] = {}

    def study_runs(name: str) -> list[Run] | None:
        if name not in cache:
            directory = studies_dir / name
            cache[name] = collect_runs([directory]) if directory.is_dir() else []
        return cache[name] or None

    for claim in claims:
        floor = floor_metric(claim.metric)
        claim.missing = [name for name in claim.studies if study_runs(name) is None]
        present = [name for name in claim.studies if name not in claim.missing]
        prefix = len(claim.studies) > 1
        claim.rows = []
        for name in present:
            runs = study_runs(name) or []
            if claim.show:  # the runs that match any of the selections
                runs = [run for run in runs if any(matches(run, selection) for selection in claim.show)]
            if not runs:
                continue
            claim.fixed[name] = shared_swept_values(study_runs(name) or [], runs)
            for configuration in group_runs(runs, level="none").configurations:
                chosen = [run for level_runs in configuration.runs.values() for run in level_runs]
                entry = row(labelled(name, configuration.label, prefix), chosen, claim.metric, floor)
                entry.also = {metric: values_of(chosen, metric) for metric in claim.also}
                claim.rows.append(entry)
        for comparison in claim.comparisons:
            runs = study_runs(comparison.study)
            comparison.found = runs is not None
            if runs is None:
                continue
            comparison.baseline_runs = [run for run in runs if matches(run, comparison.baseline)]
            comparison.treatment_runs = [run for run in runs if matches(run, comparison.treatment)]
            for side, chosen in (("baseline", comparison.baseline_runs), ("treatment", comparison.treatment_runs)):
                if not chosen:
                    selection = getattr(comparison, side)
                    raise ReportError(
                        f"claim {claim.number} ({comparison.study}): no run matches the {side} {selection_label(selection)} "
                        f"of comparison {comparison.label!r}"
                    )
            comparison.effect = effect_of(
                values_of(comparison.baseline_runs, claim.metric),
                values_of(comparison.treatment_runs, claim.metric),
                claim.claimed_lower(comparison),
            )
            comparison.verdict = verdict(comparison.effect)


def shared_swept_values(study: list[Run], shown: list[Run]) -> dict[str, str]:
    """The overrides that vary over the study's runs but take one value in every shown run: the
    table's labels leave them out (they do not tell its rows apart), so the page states them."""
    overrides = [relevant_overrides(run, ()) for run in study]
    keys = dict.fromkeys(key for pairs in overrides for key in pairs)
    swept = [key for key in keys if len({pairs.get(key) for pairs in overrides}) > 1]
    shown_overrides = [relevant_overrides(run, ()) for run in shown]
    values = {key: {pairs.get(key) for pairs in shown_overrides} for key in swept}
    return {key: next(iter(found)) for key, found in values.items() if len(found) == 1 and None not in found}


def labelled(study: str, label: str, prefix: bool) -> str:
    return f"{study}: {label}" if prefix else label


def row(label: str, runs: list[Run], metric: str, floor: str | None) -> Row:
    return Row(label, runs, values_of(runs, metric), values_of(runs, floor) if floor else [])


def build_findings(spec_path: str | Path, studies_dir: str | Path | None = None, out: str | Path | None = None) -> Path:
    """Write the findings page (and one PNG per tested claim beside it, in `<page stem>/`); return its path."""
    from gan_lab.report.findings_page import render
    from gan_lab.report.findings_plot import plot_claim

    spec_path = Path(spec_path)
    spec, claims = load_spec(spec_path)
    studies = Path(studies_dir or spec.get("studies_dir") or "docs/studies")
    page = Path(out or spec.get("out") or "docs/findings.md")
    evaluate_claims(claims, studies)
    figure_dir = page.parent / page.stem
    figure_dir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, str] = {}
    for claim in claims:
        if claim.found:
            name = f"claim_{claim.number.zfill(2)}.png"
            plot_claim(claim, figure_dir / name)
            figures[claim.number] = f"{page.stem}/{name}"
    page.write_text(render(claims, spec_path, figures))
    return page
