"""The findings page as Markdown: the rule, a verdict per claim, and per claim its table over seeds,
its comparisons with their intervals, its plot and discussion (gan_lab/report/findings.py computes them)."""

from __future__ import annotations

from pathlib import Path

from gan_lab.report.catalog import higher_is_better
from gan_lab.report.findings import CAVEAT, DEFAULT_LAUNCH, Claim, Comparison, floor_metric, values_of
from gan_lab.report.runs import COMPLETED, Run
from gan_lab.report.stats import Stat, ordered_counts
from gan_lab.report.verdict import CONTRADICTED, INCONCLUSIVE, MIN_SEEDS, RULE


def number(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def mean_std(values: list[float]) -> str:
    stat = Stat.of(values)
    if stat.mean is None:
        return "–"
    return number(stat.mean) if stat.std is None else f"{number(stat.mean)} ± {number(stat.std)}"


FLAGS = ("collapsed", "never_reached")  # 0/1 per run: shown as how many seeds raised it, not as a mean ± std


def also_cell(metric: str, values: list[float]) -> str:
    if metric in FLAGS and values:
        return f"{sum(value > 0 for value in values):g}/{len(values)}"
    return mean_std(values)


def not_completed(runs: list[Run]) -> str:
    parts = [f"{status} {n}/{len(runs)}" for status, n in ordered_counts(runs) if status != COMPLETED and n]
    return ", ".join(parts) or "none"


def verdict_text(claim: Claim, comparison: Comparison | None = None) -> str:
    """A verdict with the seed count for "inconclusive" (the fewest completed seeds of a side)."""
    if comparison is None:
        text = claim.verdict
        unmeasured = [unmeasured_text(claim.metric, c) for c in claim.comparisons if c.found]
        if text == INCONCLUSIVE and unmeasured and all(unmeasured):
            text = unmeasured[0]
        elif text == INCONCLUSIVE:
            effects = [c.effect for c in claim.comparisons if c.found and c.effect is not None]
            seeds = min((min(e.n_baseline, e.n_treatment) for e in effects), default=None)
            text = f"inconclusive at {seeds} seeds" if seeds else f"inconclusive (fewer than {MIN_SEEDS} completed seeds a side)"
        run = sum(c.found for c in claim.comparisons)
        return text if not run or run == len(claim.comparisons) else f"{text} ({run} of {len(claim.comparisons)} comparisons run)"
    if comparison.verdict != INCONCLUSIVE:
        return comparison.verdict
    effect = comparison.effect
    if effect is None:
        return unmeasured_text(claim.metric, comparison) or f"inconclusive (fewer than {MIN_SEEDS} completed seeds a side)"
    return f"inconclusive at {min(effect.n_baseline, effect.n_treatment)} seeds"


def unmeasured_text(metric: str, comparison: Comparison) -> str | None:
    """Why a comparison whose seeds completed has no effect: too few of them record the metric (a probe
    the study's runs did not run, say); None when they do."""
    sides = (comparison.baseline_runs, comparison.treatment_runs)
    completed = [sum(run.status == COMPLETED for run in runs) for runs in sides]
    recorded = [len(values_of(runs, metric)) for runs in sides]
    if min(completed) >= MIN_SEEDS and min(recorded) < MIN_SEEDS:
        return f"not measured: {min(recorded)} of {min(completed)} completed seeds a side record `{metric}`"
    return None


def command(study: str) -> str:
    return f"python -m gan_lab -m experiment={study} {DEFAULT_LAUNCH}"


def claim_section(claim: Claim, figure: str | None) -> list[str]:
    direction = "lower" if not higher_is_better(claim.metric) else "higher"
    studies = ", ".join(f"`{name}`" for name in claim.studies)
    lines = [f"## {claim.number}. {claim.text}", ""]
    lines.append(f"**Verdict: {verdict_text(claim)}** · {'studies' if len(claim.studies) > 1 else 'study'} {studies} · "
                 f"metric `{claim.metric}` ({direction} is better)")
    lines += [""] + ["    " + command(name) for name in claim.studies] + [""]
    if claim.missing:
        missing = ", ".join(f"`{name}`" for name in claim.missing)
        lines += [f"Not run yet: {missing} (no directory of that name in the studies folder).", ""]
    if not claim.found:
        return lines
    floor = floor_metric(claim.metric)
    header = ["configuration", "seeds completed", f"{claim.metric} (mean ± std)"] + ([floor] if floor else []) + claim.also
    header.append("not completed")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for entry in claim.rows:
        completed = sum(run.status == COMPLETED for run in entry.runs)
        cells = [entry.label, f"{completed}/{len(entry.runs)}", mean_std(entry.values)]
        cells += [mean_std(entry.floors)] if floor else []
        cells += [also_cell(metric, entry.also.get(metric, [])) for metric in claim.also]
        lines.append("| " + " | ".join(cells + [not_completed(entry.runs)]) + " |")
    for study, values in claim.fixed.items():
        if values:
            shared = ", ".join(f"`{key}={value}`" for key, value in values.items())
            lines += ["", f"Every row of `{study}` above has {shared}."]
    lines += ["", "| comparison | effect (claimed direction > 0) | 95 % CI | relative to baseline | verdict |"]
    lines += ["|---|---|---|---|---|"]
    for comparison in claim.comparisons:
        effect = comparison.effect
        if not comparison.found:
            cells, text = ["–", "–", "–"], f"not run yet (`{comparison.study}`)"
        elif effect is None:
            cells, text = ["–", "–", "–"], verdict_text(claim, comparison)
        else:
            relative = "–" if effect.relative is None else f"{100 * effect.relative:+.1f} %"
            cells = [f"{effect.effect:+.4g}", f"[{effect.low:+.4g}, {effect.high:+.4g}]", relative]
            text = verdict_text(claim, comparison)
        predicted = ""
        if comparison.expect_better != claim.expect_better:
            predicted = f" (the claim predicts {'better' if comparison.expect_better else 'worse'})"
        lines.append(f"| {comparison.label}{predicted} | " + " | ".join(cells) + f" | {text} |")
    lines.append("")
    if figure:
        lines += [f"![claim {claim.number}]({figure})", ""]
    if claim.also:
        also = ", ".join(f"`{metric}`" for metric in claim.also)
        lines += [f"The verdict is on `{claim.metric}`; {also} are shown beside it, without a verdict.", ""]
    if claim.discussion:
        lines += [claim.discussion, ""]
    if any(comparison.verdict == CONTRADICTED for comparison in claim.comparisons if comparison.found):
        lines += [CAVEAT, ""]
    return lines


def render(claims: list[Claim], spec_path: Path, figures: dict[str, str]) -> str:
    lines = [
        "# Findings: which levers make GAN training robust, and by how much",
        "",
        f"Generated by `python -m gan_lab.report --findings {spec_path.as_posix()}` from the study directories it names "
        "(each study's `results.json` files); do not edit by hand. Every run: the digits (scikit-learn's 1,797 8×8 "
        "handwritten digits at 32×32, 20 % held out as FID's reference), DCGAN unless the study varies the model, "
        "3 seeds, on a 2-core CPU.",
        "",
        "**The rule.** " + RULE,
        "",
        "**Quality** is FID over its real-vs-real floor (`fid/floor`: 1 is as close as two samples of real digits). "
        "**Stability** is `fid_oscillation` (gan_lab/metrics/stability.py): the standard deviation of FID around "
        "its least-squares line over the evaluations of the second half of training, over their mean, so a FID "
        "that wobbles counts and one still falling steadily does not. The stability claims were judged on "
        "`fid_cv` (the same spread without removing the trend) until 2026-12-03, when `fid_oscillation` was "
        "chosen, before its values were computed, because `fid_cv` counts a slow learner as unstable; `fid_cv` "
        "stays in the tables, with the losses' oscillation around their trend and how many seeds collapsed "
        "(k/n, of the completed seeds). A generator stuck far from the data can be stable by every one of these "
        "numbers: read them with its FID. **Collapsed** is diversity a generator had and lost in the second half "
        "of training (recall or coverage below half its floor and half its own best before, or a class it had "
        "covered gone); **never reached** is a generator that at no evaluation had half its recall or coverage "
        "floor, or every class: one that never learned, or never covered every mode. Until 2026-12-03 both "
        "were one flag, which also fired for runs still converging at the half-way evaluation.",
        "",
        "| # | claim | study | verdict |",
        "|---|---|---|---|",
    ]
    lines += [f"| {c.number} | {c.text} | {', '.join(f'`{name}`' for name in c.studies)} | {verdict_text(c)} |" for c in claims]
    lines.append("")
    for claim in claims:
        lines += claim_section(claim, figures.get(claim.number))
    return "\n".join(lines).rstrip("\n") + "\n"


