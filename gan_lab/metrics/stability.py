"""Stability of one training run as numbers, from its scalar log (metrics.csv): how much the
evaluation metric wanders late in training, how much the losses oscillate, how often gradients
spike, and whether (and when) the generator collapsed.

Definitions (each computed from the logged values, i.e. every `log.every` G-steps, and from the
evaluations, every `eval.every` G-steps):

- `<metric>_cv`: coefficient of variation (sample std / mean) of the evaluation metric (FID, or the
  mode KL on 2-D data) over the evaluations in the second half of training (G-step > steps/2);
  needs 3 or more of them.
- `<metric>_oscillation`: the same evaluations' standard deviation around their least-squares line
  (n − 2 degrees of freedom) over their mean: what `<metric>_cv` measures without the trend, so a
  metric still falling steadily (a slow learner) does not count as unstable, and one that jumps
  about does; needs 3 or more evaluations.
- `d_loss_oscillation`, `g_loss_oscillation`: the standard deviation of the logged loss over the last
  20 % of G-steps around its least-squares line, so that a slow drift does not count as oscillation.
- `grad_spikes_d`, `grad_spikes_g`: logged gradient norms above 10 × the median of all the earlier
  logged norms of the same network (counted from the 10th logged value on).
- `collapsed`, `collapsed_at_step`, `collapse_reason`: diversity the generator had, lost. Raised at
  the first evaluation of the second half of training at which recall or coverage is below half of
  its real-vs-real floor *and* below half of the best value the run had reached before, or fewer
  classes (modes, on 2-D data) are covered than the real data covers *and* than the run had covered
  before — once the run had learned something: its best at least half of that bound (recall a
  quarter of its floor, half of the classes). A generator still converging (0 of 25 grid modes at
  the half-way evaluation, 23 by the end) has lost nothing and is not flagged; one whose recall rose
  to 0.55 and fell to 0 is; one that never learned (1 to 3 classes, recall 0 or 1/359 from start to
  end) has nothing to lose, and its counts' noise is not a collapse.
- `never_reached`, `never_reached_reason`: no evaluation of the run reached one of those bounds: a
  generator that never learned (recall 0 throughout), or one that never covered every class or
  mode (20 of the 25 grid modes from start to end: the missing modes of VEEGAN's and PacGAN's
  benchmarks). Its own state, so that "never learned" and "learned, then lost" are not one count.
"""

from __future__ import annotations

import math
import statistics

Curve = list[tuple[float, float]]  # (G-step, value), steps ascending

LATE_FRACTION = 0.2  # the losses' oscillation: over the last 20 % of G-steps
SPIKE_FACTOR = 10.0  # a gradient norm above 10 × the running median is a spike
SPIKE_WARMUP = 10  # logged values before spikes are counted
COLLAPSE_FRACTION = 0.5  # recall or coverage below half of its floor: collapse
LEARNED_FRACTION = 0.5  # a run has something to lose once its best reached half of the collapse bound
MIN_EVALUATIONS = 3  # for a coefficient of variation


# The scalar-log columns the stability numbers are computed from.
LOG_COLUMNS = ("d_loss", "g_loss", "grad_norm_d", "grad_norm_g") + tuple(
    f"eval/{metric}{suffix}"
    for metric in ("fid", "mode_kl", "recall", "coverage", "classes_covered", "modes_covered")
    for suffix in ("", "_floor")
)


def stability_summary(curves: dict[str, Curve], total_steps: int) -> dict[str, float | int | bool | str | None]:
    """The stability numbers (see the module's docstring) of a run of `total_steps` G-steps whose
    scalar log is `curves` ({column: [(G-step, value), ...]}, metrics.csv's columns: `d_loss`,
    `g_loss`, `grad_norm_d`, `grad_norm_g`, `eval/fid`, `eval/recall_floor`, …)."""
    summary: dict[str, float | int | bool | str | None] = {}
    half = total_steps / 2
    monitor = next((name for name in ("fid", "mode_kl") if f"eval/{name}" in curves), None)
    if monitor:
        late = [(step, value) for step, value in curves[f"eval/{monitor}"] if step > half]
        summary[f"{monitor}_cv"] = coefficient_of_variation([value for _, value in late])
        summary[f"{monitor}_oscillation"] = relative_detrended_std(late)
        summary["late_evaluations"] = len(late)
    for loss in ("d_loss", "g_loss"):
        if loss in curves:
            summary[f"{loss}_oscillation"] = detrended_std([p for p in curves[loss] if p[0] > (1 - LATE_FRACTION) * total_steps])
    for network in ("d", "g"):
        if f"grad_norm_{network}" in curves:
            summary[f"grad_spikes_{network}"] = count_spikes([value for _, value in curves[f"grad_norm_{network}"]])
    summary |= collapse(curves, half)
    return summary


def coefficient_of_variation(values: list[float]) -> float | None:
    if len(values) < MIN_EVALUATIONS:
        return None
    mean = statistics.fmean(values)
    return statistics.stdev(values) / abs(mean) if mean != 0 else None


def detrended_std(points: Curve) -> float | None:
    """Standard deviation of the residuals of `points` around their least-squares line (n − 2 dof)."""
    if len(points) < 3:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 0 else 0.0
    residuals = [y - (my + slope * (x - mx)) for x, y in zip(xs, ys)]
    return math.sqrt(sum(r * r for r in residuals) / (len(points) - 2))


def relative_detrended_std(points: Curve) -> float | None:
    """`detrended_std` of `points` over the mean of their values (None below MIN_EVALUATIONS points)."""
    if len(points) < MIN_EVALUATIONS:
        return None
    mean = statistics.fmean(value for _, value in points)
    return detrended_std(points) / abs(mean) if mean != 0 else None


def count_spikes(values: list[float]) -> int:
    """How many values exceed SPIKE_FACTOR × the median of all values before them (from the
    SPIKE_WARMUP-th value on)."""
    return sum(
        1 for index in range(SPIKE_WARMUP, len(values)) if values[index] > SPIKE_FACTOR * statistics.median(values[:index])
    )


def collapse(curves: dict[str, Curve], half: float) -> dict[str, bool | int | str | None]:
    """The collapse flag, the G-step it was first raised at and why, and whether a bound was never
    reached (see the module's docstring)."""
    checks = []  # (column, the bound a run must not fall below, how much of its own best it must keep, how to say it)
    for metric in ("recall", "coverage"):
        floor = first_value(curves.get(f"eval/{metric}_floor"))
        if f"eval/{metric}" in curves and floor is not None:
            said = f"{COLLAPSE_FRACTION:g} × its floor {floor:.3f}"
            checks.append((metric, COLLAPSE_FRACTION * floor, COLLAPSE_FRACTION, said))
    for metric in ("classes_covered", "modes_covered"):
        floor = first_value(curves.get(f"eval/{metric}_floor"))
        if f"eval/{metric}" in curves and floor is not None:
            checks.append((metric, floor, 1.0, f"the real data's {floor:g}"))
    if not checks:
        return {}
    summary = {"collapsed": False, "collapsed_at_step": None, "collapse_reason": None}
    lost = []  # (step, check order, reason)
    for order, (metric, bound, kept, said) in enumerate(checks):
        best = -math.inf
        for step, value in curves[f"eval/{metric}"]:  # steps ascending
            if step > half and value < bound and value < kept * best and best >= LEARNED_FRACTION * bound:
                had = f"{kept:g} × its best {best:.3g} before" if kept != 1 else f"the {best:g} it had covered"
                lost.append((step, order, f"{metric} {value:.3g} below {said} and below {had}"))
                break
            best = max(best, value)
    if lost:
        step, _, reason = min(lost)
        summary |= {"collapsed": True, "collapsed_at_step": int(step), "collapse_reason": reason}
    never = [
        f"{metric} never reached {said} (at most {max(value for _, value in curves[f'eval/{metric}']):.3g})"
        for metric, bound, _, said in checks
        if curves[f"eval/{metric}"] and all(value < bound for _, value in curves[f"eval/{metric}"])
    ]
    return summary | {"never_reached": bool(never), "never_reached_reason": "; ".join(never) or None}


def first_value(curve: Curve | None) -> float | None:
    return curve[0][1] if curve else None
