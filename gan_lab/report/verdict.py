"""The findings page's rule: an effect over seeds, its 95 % confidence interval (Welch's t), and the
verdict it gives a claim. The rule is stated once (RULE) and applied here, never by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive"
CONFIDENCE = 0.95
MIN_SEEDS = 2  # per side: a standard deviation needs two values

RULE = (
    "For each comparison, the **effect** is the difference of the metric's mean over seeds, treatment − baseline, "
    "signed so that a positive effect is what the claim predicts (a lower FID, a higher recall, a smaller FID "
    "coefficient of variation, …). Its 95 % confidence interval is Welch's t interval (unequal variances, "
    "Welch–Satterthwaite degrees of freedom; Welch 1947) over the completed seeds of each side. "
    "**Supported**: the whole interval is above 0. **Contradicted**: the whole interval is below 0. "
    "**Inconclusive at N seeds**: the interval contains 0, or a side has fewer than 2 completed seeds. "
    "Runs that diverged or failed have no final metrics: they are not in the means, and their counts are in "
    "every table. A claim tested by several comparisons is supported (contradicted) when every comparison is; "
    "otherwise its verdict counts each kind."
)


@dataclass(frozen=True)
class Effect:
    """treatment − baseline, signed so that positive is the claimed direction, with its interval."""

    effect: float
    low: float
    high: float
    baseline_mean: float
    treatment_mean: float
    n_baseline: int
    n_treatment: int

    @property
    def relative(self) -> float | None:
        """The effect as a fraction of the baseline's mean (None when that mean is 0)."""
        return self.effect / abs(self.baseline_mean) if self.baseline_mean else None


def welch_interval(baseline: list[float], treatment: list[float], confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(mean(treatment) − mean(baseline), low, high): Welch's t interval for the difference of means.

    Standard error √(s_t²/n_t + s_b²/n_b) with sample variances (ddof=1), Welch–Satterthwaite degrees of
    freedom. When both samples have zero variance the interval is the difference itself."""
    b, t = np.asarray(baseline, dtype=float), np.asarray(treatment, dtype=float)
    if len(b) < MIN_SEEDS or len(t) < MIN_SEEDS:
        raise ValueError(f"Welch's interval needs {MIN_SEEDS} values a side, got {len(b)} and {len(t)}")
    difference = float(t.mean() - b.mean())
    vb, vt = b.var(ddof=1) / len(b), t.var(ddof=1) / len(t)
    se = math.sqrt(vb + vt)
    if se == 0:
        return difference, difference, difference
    df = (vb + vt) ** 2 / (vb**2 / (len(b) - 1) + vt**2 / (len(t) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return difference, difference - half, difference + half


def effect_of(baseline: list[float], treatment: list[float], claimed_lower: bool) -> Effect | None:
    """The signed effect and interval (None: a side has fewer than MIN_SEEDS values). `claimed_lower`:
    the claim predicts the treatment lowers the metric."""
    if len(baseline) < MIN_SEEDS or len(treatment) < MIN_SEEDS:
        return None
    difference, low, high = welch_interval(baseline, treatment)
    sign = -1.0 if claimed_lower else 1.0
    low, high = sorted((sign * low, sign * high))
    means = float(np.mean(baseline)), float(np.mean(treatment))
    return Effect(sign * difference, low, high, *means, len(baseline), len(treatment))


def verdict(effect: Effect | None) -> str:
    """RULE applied to one comparison."""
    if effect is None:
        return INCONCLUSIVE
    if effect.low > 0:
        return SUPPORTED
    if effect.high < 0:
        return CONTRADICTED
    return INCONCLUSIVE


def claim_verdict(verdicts: list[str]) -> str:
    """RULE applied to a claim's comparisons: unanimous, or a count of each kind."""
    if verdicts and all(v == verdicts[0] for v in verdicts):
        return verdicts[0]
    counts = {kind: verdicts.count(kind) for kind in (SUPPORTED, CONTRADICTED, INCONCLUSIVE) if kind in verdicts}
    return "mixed: " + ", ".join(f"{kind} {n}/{len(verdicts)}" for kind, n in counts.items())
