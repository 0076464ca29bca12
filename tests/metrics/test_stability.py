"""Stability numbers of a run from hand-made scalar logs whose answers are known."""

from __future__ import annotations

import math
import statistics

import pytest

from gan_lab.metrics.stability import stability_summary


def evaluations(values: list[float], steps: int) -> list[tuple[float, float]]:
    """`values` at evenly spaced evaluations, the last at `steps`."""
    return [(steps * (i + 1) / len(values), v) for i, v in enumerate(values)]


def test_fid_coefficient_of_variation_uses_only_the_second_half():
    fids = [90.0, 60.0, 40.0, 30.0, 10.0, 12.0, 8.0, 10.0]  # the first four are at steps ≤ 400 of 800
    summary = stability_summary({"eval/fid": evaluations(fids, 800)}, total_steps=800)
    late = [10.0, 12.0, 8.0, 10.0]
    assert summary["fid_cv"] == pytest.approx(statistics.stdev(late) / statistics.fmean(late))
    assert summary["late_evaluations"] == 4


def test_too_few_late_evaluations_give_no_coefficient_of_variation():
    summary = stability_summary({"eval/fid": evaluations([50.0, 20.0, 10.0, 9.0], 400)}, total_steps=400)
    assert summary["fid_cv"] is None  # only steps 300 and 400 are in the second half


def test_fid_oscillation_ignores_a_steady_fall_that_the_coefficient_of_variation_counts():
    steps = 1000
    falling = [40.0, 30.0, 20.0, 16.0, 14.0, 12.0, 10.0, 8.0, 6.0, 4.0]  # late: a straight line 14 → 4
    summary = stability_summary({"eval/fid": evaluations(falling, steps)}, total_steps=steps)
    late = falling[5:]
    assert summary["fid_cv"] == pytest.approx(statistics.stdev(late) / statistics.fmean(late))  # ≈ 0.40
    assert summary["fid_oscillation"] == pytest.approx(0.0, abs=1e-12)
    jumping = [40.0, 30.0, 20.0, 16.0, 14.0, 6.0, 10.0, 6.0, 10.0, 6.0]
    summary = stability_summary({"eval/fid": evaluations(jumping, steps)}, total_steps=steps)
    # the late evaluations (steps 600–1000) zigzag 6, 10, 6, 10, 6 around a flat line at their mean 7.6
    xs, ys = [600.0, 700.0, 800.0, 900.0, 1000.0], [6.0, 10.0, 6.0, 10.0, 6.0]
    slope = sum((x - 800) * (y - 7.6) for x, y in zip(xs, ys)) / sum((x - 800) ** 2 for x in xs)  # 0: symmetric
    residuals = [y - (7.6 + slope * (x - 800)) for x, y in zip(xs, ys)]
    expected = math.sqrt(sum(r * r for r in residuals) / 3) / 7.6
    assert slope == 0 and summary["fid_oscillation"] == pytest.approx(expected)  # ≈ 0.288


def test_loss_oscillation_ignores_a_linear_drift_and_sees_alternation():
    steps = 1000
    drift = [(s, 0.001 * s) for s in range(0, steps + 1, 10)]
    alternating = [(s, 1.0 + (0.5 if (s // 10) % 2 else -0.5)) for s in range(0, steps + 1, 10)]
    summary = stability_summary({"d_loss": drift, "g_loss": alternating}, total_steps=steps)
    assert summary["d_loss_oscillation"] == pytest.approx(0.0, abs=1e-12)
    late = [v for s, v in alternating if s > 800]  # 20 values of ±0.5 around 1: residual std ≈ 0.5
    n = len(late)
    assert summary["g_loss_oscillation"] == pytest.approx(math.sqrt(sum(0.25 for _ in late) / (n - 2)), rel=0.01)


def test_gradient_spikes_are_values_ten_times_the_running_median():
    norms = [1.0] * 20 + [11.0] + [1.0] * 5 + [9.0] + [50.0]
    summary = stability_summary({"grad_norm_d": [(i, v) for i, v in enumerate(norms)]}, total_steps=len(norms))
    assert summary["grad_spikes_d"] == 2  # 11 and 50; 9 is under 10 × the median 1
    early = [5.0, 60.0] + [1.0] * 10  # a spike inside the first ten values is not counted
    assert stability_summary({"grad_norm_g": list(enumerate(early))}, total_steps=12)["grad_spikes_g"] == 0


def test_collapse_is_raised_at_the_first_late_evaluation_below_half_the_floor_and_half_the_best_before():
    steps = 1000
    curves = {
        "eval/recall_floor": [(0, 0.8)],
        # bound 0.4; best before step 600 is 0.7, so 0.35 is not yet below half of it; 0.3 at step 700 is
        "eval/recall": evaluations([0.1, 0.2, 0.6, 0.7, 0.6, 0.35, 0.3, 0.5, 0.6, 0.7], steps),
        "eval/coverage_floor": [(0, 0.9)],
        "eval/coverage": evaluations([0.1] + [0.8] * 9, steps),
    }
    summary = stability_summary(curves, total_steps=steps)
    assert summary["collapsed"] is True
    assert summary["collapsed_at_step"] == 700  # the low values at steps 100-200 are before the second half
    assert summary["collapse_reason"] == "recall 0.3 below 0.5 × its floor 0.800 and below 0.5 × its best 0.7 before"
    assert summary["never_reached"] is False and summary["never_reached_reason"] is None


def test_a_lost_class_is_a_collapse_and_a_healthy_run_is_not_flagged():
    steps = 100
    lost = {"eval/classes_covered_floor": [(0, 10.0)], "eval/classes_covered": evaluations([10, 10, 10, 9], steps)}
    flagged = stability_summary(lost, total_steps=steps)
    assert flagged["collapsed"] is True and flagged["collapsed_at_step"] == 100
    assert flagged["collapse_reason"] == "classes_covered 9 below the real data's 10 and below the 10 it had covered"
    healthy = {"eval/classes_covered_floor": [(0, 10.0)], "eval/classes_covered": evaluations([6, 10, 10, 10], steps)}
    assert stability_summary(healthy, total_steps=steps) == {
        "collapsed": False,
        "collapsed_at_step": None,
        "collapse_reason": None,
        "never_reached": False,
        "never_reached_reason": None,
    }


def test_a_generator_still_converging_at_the_half_way_point_has_not_collapsed():
    """loss_sweep_2d's hinge run on grid25 (seed 0): no mode until step 3,000 of 5,000, then 23 of 25."""
    steps = 5000
    modes = [0] * 12 + [1, 2, 7, 10, 18, 18, 23, 23]
    curves = {"eval/modes_covered_floor": [(0, 25.0)], "eval/modes_covered": evaluations(modes, steps)}
    summary = stability_summary(curves, total_steps=steps)
    assert summary["collapsed"] is False
    assert summary["never_reached"] is True
    assert summary["never_reached_reason"] == "modes_covered never reached the real data's 25 (at most 23)"
    later_all = [0] * 12 + [8, 17, 22, 24] + [25] * 4
    all_modes = {"eval/modes_covered_floor": [(0, 25.0)], "eval/modes_covered": evaluations(later_all, steps)}
    assert stability_summary(all_modes, total_steps=steps)["never_reached"] is False


def test_a_generator_that_never_learned_is_never_reached_and_its_noise_is_not_a_collapse():
    """penalty_sweep's LeCam runs: recall 0 throughout, coverage 0 or 1/359, one to three classes."""
    steps = 1200
    curves = {
        "eval/recall_floor": [(0, 0.911)],
        "eval/recall": evaluations([0.0] * 20, steps),
        "eval/coverage_floor": [(0, 0.967)],
        "eval/coverage": evaluations([0.0] * 10 + [1 / 359, 0.0] * 5, steps),
        "eval/classes_covered_floor": [(0, 10.0)],
        "eval/classes_covered": evaluations([1] * 9 + [2, 2, 1, 1, 3, 2, 2, 1, 2, 2, 1], steps),  # best 3 < half of 10
    }
    summary = stability_summary(curves, total_steps=steps)
    assert summary["collapsed"] is False
    assert summary["never_reached_reason"] == (
        "recall never reached 0.5 × its floor 0.911 (at most 0); "
        "coverage never reached 0.5 × its floor 0.967 (at most 0.00279); "
        "classes_covered never reached the real data's 10 (at most 3)"
    )


def test_a_run_that_rose_short_of_the_bound_and_fell_back_collapsed():
    """regularizer_sweep, pruning 80 % under noise 0.2 (seed 0): 9 classes at best, then 5; recall 0.43, then 0."""
    steps = 1200
    curves = {
        "eval/recall_floor": [(0, 0.911)],
        "eval/recall": evaluations([0.0] * 8 + [0.14, 0.38, 0.43, 0.35, 0.35, 0.11, 0.09, 0.01, 0, 0, 0, 0], steps),
        "eval/classes_covered_floor": [(0, 10.0)],
        "eval/classes_covered": evaluations([1] * 7 + [2, 6, 9, 9, 9, 7, 8, 6, 5, 5, 5, 5, 5], steps),
    }
    summary = stability_summary(curves, total_steps=steps)
    # recall: bound 0.4555, best 0.43 (≥ half the bound); 0.11 at the 14th evaluation (step 840) is below 0.215.
    # classes: 7 at the 13th evaluation (step 780) is below the 9 it had covered: the earlier one.
    assert (summary["collapsed"], summary["collapsed_at_step"]) == (True, 780)
    assert summary["collapse_reason"].startswith("classes_covered 7 below the real data's 10")
    assert summary["never_reached"] is True  # and it never had every class, nor half its recall floor
