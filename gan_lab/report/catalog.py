"""Which metrics a report shows, in which order, and which way each one is better."""

from __future__ import annotations

# The evaluation metrics of gan_lab/metrics/evaluator.py, in the order the tables show them
# (image data first, then the 2-D mixtures' mode metrics).
EVALUATION_METRICS = (
    "fid",
    "fid_floor",
    "kid",
    "precision",
    "recall",
    "density",
    "coverage",
    "classifier_score",
    "inception_score",
    "classes_covered",
    "class_kl",
    "modes_covered",
    "hq_fraction",
    "mode_kl",
)

HIGHER_IS_BETTER = frozenset(
    {
        "precision",
        "recall",
        "density",
        "coverage",
        "classifier_score",
        "classes_covered",
        "modes_covered",
        "hq_fraction",
        "classifier_accuracy",
        "inception_score",
        "accuracy",  # D's accuracy under attack (the d_attack probe)
    }
)

# The probes' metrics the report tables and plots, per probe (others: every metric they report).
# The distribution metric of the latent probes is FID, or the mode KL on 2-D data.
PROBE_METRICS = {
    "latent_noise": ("fid", "feature_sensitivity"),
    "latent_dropout": ("fid", "feature_sensitivity"),
    "latent_scale": ("fid", "precision", "recall"),
    "path_length": ("path_length",),
    "d_attack": ("accuracy", "success"),
    "d_attack_as_trained": ("accuracy", "success"),
    "d_overfit": ("membership_auc", "r_v"),
    "g_attack": ("worst_feature_change", "worst_to_random"),
}
# The level a probe's robustness ratio divides by (default: its smallest level, the unperturbed model).
PROBE_REFERENCE_LEVELS = {"latent_scale": 1.0}
# Probe metrics that measure a change (0 for the unperturbed model): their AUC is of the values
# themselves, not of a ratio to the reference level.
PROBE_CHANGE_METRICS = frozenset(
    {"feature_sensitivity", "pixel_sensitivity", "success", "worst_feature_change", "random_feature_change", "worst_to_random"}
)

# results.json's `stability` numbers the report shows (gan_lab/metrics/stability.py), all lower-is-better.
STABILITY_METRICS = (
    "fid_cv", "mode_kl_cv", "fid_oscillation", "mode_kl_oscillation",
    "d_loss_oscillation", "g_loss_oscillation", "grad_spikes_d", "grad_spikes_g",
)  # fmt: skip

# Training curves: these scalars of Lightning's metrics.csv, against the generator step.
CURVE_COLUMNS = ("d_loss", "g_loss")
CURVE_EVAL_COLUMNS = ("eval/fid", "eval/mode_kl")  # the first one a run logged is plotted
CURVE_STEP_COLUMNS = ("g_step", "step")  # x axis: the first column present

# A run's FID relative to its real-vs-real floor, a column of its own.
FID_RATIO = "fid/floor"
WALL_TIME = "wall_time_s"


def higher_is_better(metric: str) -> bool:
    """Whether a larger value of `metric` is better; the floors go the way of their metric, a probe's
    metric at a level (`probe/d_attack/success@0.0039…`) the way of the probe's metric. Metrics not
    listed (losses, FID, KID, KLs) count as lower-is-better."""
    probed = probe_metric(metric)
    if probed is not None:
        return probed[1] in HIGHER_IS_BETTER
    return metric.removesuffix("_floor") in HIGHER_IS_BETTER


def probe_metric(metric: str) -> tuple[str, str, float] | None:
    """(probe, metric, level) of a probe's metric at one level written `probe/<probe>/<metric>@<level>`
    (the loggers' `probe/<probe>/<metric>` key at results.json's level), else None."""
    if not metric.startswith("probe/") or metric.count("/") != 2 or "@" not in metric:
        return None
    _, probe, rest = metric.split("/")
    name, _, level = rest.partition("@")
    try:
        return probe, name, float(level)
    except ValueError:
        return None


def default_table_metrics(present: set[str]) -> list[str]:
    """The evaluation metrics present in the runs, in table order."""
    return [name for name in EVALUATION_METRICS if name in present]


def ordered_metrics(present: set[str]) -> list[str]:
    """Every metric present: evaluation metrics in table order, their floors, then the rest by name."""
    first = default_table_metrics(present)
    floors = [f"{name}_floor" for name in EVALUATION_METRICS if f"{name}_floor" in present and f"{name}_floor" not in first]
    rest = sorted(present - set(first) - set(floors))
    return first + floors + rest
