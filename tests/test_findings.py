"""The findings page (python -m gan_lab.report --findings SPEC): the verdict rule applied mechanically to
synthetic studies, its interval checked against scipy's Welch test, and the page rebuilt byte for byte."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from gan_lab.report.errors import ReportError
from gan_lab.report.findings import build_findings
from gan_lab.report.verdict import CONTRADICTED, INCONCLUSIVE, SUPPORTED, effect_of, verdict, welch_interval
from tests.conftest import REPO

FLOOR = 2.0


def write_study(root: Path, name: str, fids: dict[str, list[float]], key: str = "lever") -> Path:
    """A study directory: one member per value of `key` and seed, each with results.json (FID, its floor,
    and fid_cv = FID / 100 as a stability number)."""
    study = root / name
    for value, per_seed in fids.items():
        for seed, fid in enumerate(per_seed):
            member = study / f"{key}={value},seed={seed}"
            member.mkdir(parents=True)
            results = {
                "status": "completed",
                "overrides": [f"{key}={value}", f"seed={seed}"],
                "metrics": {"fid": fid, "fid_floor": FLOOR},
                "stability": {"fid_cv": fid / 100, "d_loss_oscillation": fid / 10, "collapsed": False},
            }
            (member / "results.json").write_text(json.dumps(results))
    return study


def write_spec(path: Path, claims: list[dict]) -> Path:
    path.write_text(yaml.safe_dump({"studies_dir": str(path.parent / "studies"), "claims": claims}))
    return path


def claim(study: str, metric: str = "fid/floor", expect: str = "better") -> dict:
    return {
        "claim": f"The lever helps in {study}.",
        "study": study,
        "metric": metric,
        "expect": expect,
        "comparisons": [{"label": "lever vs none", "baseline": {"lever": "none"}, "treatment": {"lever": "on"}}],
    }


def verdict_line(page: str, number: int) -> str:
    return next(line for line in page.splitlines() if line.startswith(f"| {number} |"))


def test_welch_interval_is_scipys_welch_confidence_interval():
    baseline, treatment = [4.1, 5.0, 4.6], [3.0, 3.9, 3.2, 3.5]
    difference, low, high = welch_interval(baseline, treatment)
    reference = stats.ttest_ind(treatment, baseline, equal_var=False).confidence_interval(0.95)
    assert difference == pytest.approx(np.mean(treatment) - np.mean(baseline))
    assert (low, high) == pytest.approx((reference.low, reference.high))


def test_the_effect_is_signed_so_that_the_claimed_direction_is_positive():
    lower_claimed = effect_of([5.0, 5.2, 5.1], [3.0, 3.1, 2.9], claimed_lower=True)
    assert lower_claimed.effect == pytest.approx(2.1)
    assert 0 < lower_claimed.low < 2.1 < lower_claimed.high
    assert lower_claimed.relative == pytest.approx(2.1 / 5.1)
    assert verdict(lower_claimed) == SUPPORTED
    higher_claimed = effect_of([5.0, 5.2, 5.1], [3.0, 3.1, 2.9], claimed_lower=False)
    assert higher_claimed.effect == pytest.approx(-2.1)
    assert verdict(higher_claimed) == CONTRADICTED
    assert effect_of([5.0], [3.0, 3.1], claimed_lower=True) is None  # one seed: no interval
    assert verdict(None) == INCONCLUSIVE


def test_the_page_gives_each_synthetic_study_its_verdict(tmp_path):
    studies = tmp_path / "studies"
    write_study(studies, "clear", {"none": [6.0, 6.2, 6.1], "on": [4.0, 4.1, 3.9]})  # FID lower with the lever
    write_study(studies, "reversed", {"none": [4.0, 4.1, 3.9], "on": [6.0, 6.2, 6.1]})
    write_study(studies, "overlapping", {"none": [4.0, 6.0, 5.0], "on": [4.5, 5.5, 5.2]})
    write_study(studies, "one_seed", {"none": [6.0], "on": [4.0, 4.1, 3.9]})
    spec = write_spec(
        tmp_path / "findings.yaml",
        [claim("clear"), claim("reversed"), claim("overlapping"), claim("one_seed"), claim("clear", expect="worse"),
         claim("not_run")],
    )
    page = build_findings(spec, out=tmp_path / "findings.md").read_text()
    assert verdict_line(page, 1).endswith("| supported |")
    assert verdict_line(page, 2).endswith("| contradicted |")
    assert verdict_line(page, 3).endswith("| inconclusive at 3 seeds |")
    assert verdict_line(page, 4).endswith("| inconclusive (fewer than 2 completed seeds a side) |")
    assert verdict_line(page, 5).endswith("| contradicted |")  # the claim predicted a worse FID
    assert verdict_line(page, 6).endswith("| not run yet |")
    # the clear study's table: mean ± std of FID/floor over seeds, the floor, and the effect with its interval
    assert "| lever=none | 3/3 | 3.05 ± 0.05 | 2 ± 0 | none |" in page
    assert "| lever=on | 3/3 | 2 ± 0.05 | 2 ± 0 | none |" in page
    difference, low, high = welch_interval([3.0, 3.1, 3.05], [2.0, 2.05, 1.95])
    effect = f"{-difference:+.4g} | [{-high:+.4g}, {-low:+.4g}] | {100 * -difference / 3.05:+.1f} %"
    assert f"| lever vs none | {effect} | supported |" in page
    assert (tmp_path / "findings" / "claim_01.png").stat().st_size > 0
    assert not (tmp_path / "findings" / "claim_06.png").exists()  # nothing to plot for a study not run


def test_a_comparison_can_predict_the_other_direction_than_its_claim(tmp_path):
    """A claim that less data hurts and a lever helps: one comparison expects worse, the other better."""
    studies = tmp_path / "studies"
    write_study(studies, "mixed", {"none": [4.0, 4.1, 3.9], "less_data": [6.0, 6.2, 6.1], "on": [3.0, 3.1, 2.9]})
    comparisons = [
        {"label": "less data vs none", "expect": "worse", "baseline": {"lever": "none"}, "treatment": {"lever": "less_data"}},
        {"label": "lever vs none", "baseline": {"lever": "none"}, "treatment": {"lever": "on"}},
    ]
    spec = write_spec(tmp_path / "findings.yaml", [{**claim("mixed"), "comparisons": comparisons}])
    page = build_findings(spec, out=tmp_path / "findings.md").read_text()
    difference, low, high = welch_interval([2.0, 2.05, 1.95], [3.0, 3.1, 3.05])  # FID/floor, treatment − baseline
    assert f"| less data vs none (the claim predicts worse) | {difference:+.4g} | [{low:+.4g}, {high:+.4g}] |" in page
    assert verdict_line(page, 1).endswith("| supported |")  # both comparisons went the predicted way


def test_a_stability_metric_is_read_from_results_stability(tmp_path):
    write_study(tmp_path / "studies", "stable", {"none": [6.0, 6.2, 6.1], "on": [4.0, 4.1, 3.9]})
    collapsed = tmp_path / "studies" / "stable" / "lever=on,seed=1" / "results.json"
    results = json.loads(collapsed.read_text())
    results["stability"]["collapsed"] = True
    collapsed.write_text(json.dumps(results))
    stable = {**claim("stable", metric="fid_cv"), "also": ["d_loss_oscillation", "collapsed"]}
    spec = write_spec(tmp_path / "findings.yaml", [stable])
    page = build_findings(spec, out=tmp_path / "findings.md").read_text()
    # fid_cv has no floor column; the `also` metrics are shown beside it (collapsed: how many seeds raised it)
    assert "| configuration | seeds completed | fid_cv (mean ± std) | d_loss_oscillation | collapsed | not completed |" in page
    assert "| lever=on | 3/3 | 0.04 ± 0.001 | 0.4 ± 0.01 | 1/3 | none |" in page
    assert "| lever=none | 3/3 | 0.061 ± 0.001 | 0.61 ± 0.01 | 0/3 | none |" in page
    assert verdict_line(page, 1).endswith("| supported |")


def test_a_probe_metric_at_one_level_is_read_from_results_probes_and_judged_in_its_own_direction(tmp_path):
    one_grey_level = "0.00392156862745098"
    write_study(tmp_path / "studies", "attacked", {"none": [6.0, 6.2, 6.1], "on": [6.0, 6.2, 6.1]})
    for member in (tmp_path / "studies" / "attacked").iterdir():
        results = json.loads((member / "results.json").read_text())
        seed = int(member.name[-1])
        success = (0.8 if "none" in member.name else 0.2) + 0.02 * seed  # the lever: attacks flip fewer decisions
        results["probes"] = {"d_attack": {"0.0": {"accuracy": 0.8, "success": 0.0},
                                          one_grey_level: {"accuracy": 0.8 * (1 - success), "success": success}}}  # fmt: skip
        (member / "results.json").write_text(json.dumps(results))
    spec = write_spec(tmp_path / "findings.yaml", [
        claim("attacked", metric=f"probe/d_attack/success@{one_grey_level}"),  # lower is better: success is the attack's
        claim("attacked", metric=f"probe/d_attack/accuracy@{one_grey_level}"),  # higher is better
        claim("attacked", metric="probe/d_attack/success@0.5"),  # a level no run probed
    ])  # fmt: skip
    page = build_findings(spec, out=tmp_path / "findings.md").read_text()
    assert verdict_line(page, 1).endswith("| supported |") and verdict_line(page, 2).endswith("| supported |")
    assert "| lever=on | 3/3 | 0.22 ± 0.02 |" in page and "| lever=none | 3/3 | 0.82 ± 0.02 |" in page
    difference, low, high = welch_interval([0.8, 0.82, 0.84], [0.2, 0.22, 0.24])
    assert f"| lever vs none | {-difference:+.4g} | [{-high:+.4g}, {-low:+.4g}] |" in page
    # runs that completed without that probe level are not "fewer than 2 seeds": the metric was not measured
    assert verdict_line(page, 3).endswith("| not measured: 0 of 3 completed seeds a side record `probe/d_attack/success@0.5` |")


def test_the_command_rebuilds_the_page_byte_for_byte(tmp_path):
    write_study(tmp_path / "studies", "clear", {"none": [6.0, 6.2, 6.1], "on": [4.0, 4.1, 3.9]})
    spec = write_spec(tmp_path / "findings.yaml", [claim("clear")])
    out = tmp_path / "findings.md"
    command = [sys.executable, "-m", "gan_lab.report", "--findings", str(spec), "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    first = out.read_bytes(), (tmp_path / "findings" / "claim_01.png").read_bytes()
    subprocess.run(command, check=True, capture_output=True)
    assert (out.read_bytes(), (tmp_path / "findings" / "claim_01.png").read_bytes()) == first


@pytest.mark.parametrize(
    "change, message",
    [
        ({"colour": "red"}, "claims[0]: unknown keys ['colour']"),
        ({"expect": "faster"}, "claims[0].expect: better or worse"),
        (
            {"comparisons": [{"baseline": {"lever": "none"}, "treatment": {"lever": "on"}, "expected": "worse"}]},
            "claims[0].comparisons[0]: unknown keys ['expected']",
        ),
        (
            {"comparisons": [{"baseline": {"lever": "none"}, "treatment": {"lever": "on"}, "expect": "lower"}]},
            "claims[0].comparisons[0].expect: better or worse",
        ),
        ({"comparisons": []}, "claims[0].comparisons: required"),
        (
            {"comparisons": [{"baseline": {"lever": "none"}, "treatment": {"lever": "off"}}]},
            "no run matches the treatment lever=off",
        ),
    ],
)
def test_a_wrong_spec_is_refused_with_the_key_named(tmp_path, change, message):
    write_study(tmp_path / "studies", "clear", {"none": [6.0, 6.2, 6.1], "on": [4.0, 4.1, 3.9]})
    spec = write_spec(tmp_path / "findings.yaml", [{**claim("clear"), **change}])
    with pytest.raises(ReportError, match=message.replace("[", r"\[").replace("]", r"\]")):
        build_findings(spec, out=tmp_path / "findings.md")
    assert not (tmp_path / "findings.md").exists()


def test_the_repository_spec_names_every_claim_and_an_existing_preset():
    spec = yaml.safe_load(Path("conf/findings.yaml").read_text())
    numbers = [str(item["number"]) for item in spec["claims"]]
    claimed = sorted({int(number.rstrip("ab")) for number in numbers})
    assert claimed[:13] == list(range(1, 14))  # the 13 claims, in order
    assert claimed == list(range(1, len(claimed) + 1))  # and the lab's own after them, numbered on
    for item in spec["claims"]:
        for study in [item["study"]] if isinstance(item["study"], str) else item["study"]:
            assert Path(f"conf/experiment/{study}.yaml").is_file(), study


def publish_study(study: Path, destination: Path) -> None:
    """`python scripts/publish_study.py STUDY --to DESTINATION`, as a user runs it."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "publish_study.py"), str(study), "--to", str(destination)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_publishing_a_study_copies_its_results_and_never_its_checkpoints(tmp_path):
    study = write_study(tmp_path / "outputs", "tiny_sweep", {"none": [6.0, 6.2], "on": [4.0, 4.1]})
    (study / "study.yaml").write_text("name_keys: [lever, seed]\nmembers: {}\n")
    member = study / "lever=on,seed=0"
    for name in ("checkpoints/last.ckpt", "samples/step_000100.png", "run.log"):
        (member / name).parent.mkdir(parents=True, exist_ok=True)
        (member / name).write_bytes(b"large")
    (member / "csv").mkdir()
    (member / "csv" / "metrics.csv").write_text("g_step,d_loss,g_loss\n10,0.5,1.5\n20,0.4,1.6\n")
    retried = study / ".retried" / "lever=on,seed=1.1"
    retried.mkdir(parents=True)
    (retried / "results.json").write_text('{"status": "failed"}')
    publish_study(study, tmp_path / "docs")
    published = tmp_path / "docs" / "tiny_sweep"
    files = {str(path.relative_to(published)) for path in published.rglob("*") if path.is_file()}
    members = {f"lever={lever},seed={seed}/results.json" for lever in ("none", "on") for seed in (0, 1)}
    assert members | {"study.yaml", "lever=on,seed=0/csv/metrics.csv"} <= files
    assert not any("ckpt" in name or "samples" in name or "run.log" in name or ".retried" in name for name in files)
    assert {"report.md", "report.csv"} <= files  # the study's report, built where it was published


def test_publishing_a_search_keeps_its_best_trial(tmp_path):
    # an Optuna search (sweeper=optuna) is a multirun whose members are numbered trials; the sweeper
    # writes the best one to optimization_results.yaml, which the published copy must keep
    # (and no multirun.yaml, unlike Hydra's basic sweeper)
    search = write_study(tmp_path / "outputs", "search_lr", {"a": [6.0], "b": [4.0]})
    best = "name: optuna\nbest_params:\n  optimizer.lr_g: 0.0009\nbest_value: 4.0\n"
    (search / "optimization_results.yaml").write_text(best)
    publish_study(search, tmp_path / "docs")
    assert (tmp_path / "docs" / "search_lr" / "optimization_results.yaml").read_text() == best


def test_a_published_study_takes_the_probes_of_a_bit_identical_rerun_and_refuses_any_other(tmp_path):
    fids = {"none": [6.0, 6.2], "on": [4.0, 4.1]}
    published = write_study(tmp_path / "docs", "tiny_sweep", fids)
    (published / "study.yaml").write_text("name_keys: [lever, seed]\nmembers: {}\n")
    rerun = write_study(tmp_path / "outputs", "tiny_sweep", fids)
    probes = {"d_attack": {"0.0": {"accuracy": 0.75}, "0.00392156862745098": {"accuracy": 0.25}}}
    for member in rerun.iterdir():
        results = json.loads((member / "results.json").read_text())
        results["metrics"]["eval_time_s"] = 9.9  # timings differ from run to run; they are not compared
        results |= {"probes": probes, "probe_time_s": 20.5, "probes_from": "checkpoints/last.ckpt"}
        (member / "results.json").write_text(json.dumps(results))
    retried = published / "lever=none,seed=1" / "results.json"  # the study ran this member a second time
    retried.write_text(retried.read_text().replace('"seed=1"]', '"seed=1", "retry=failed"]'))
    changed = rerun / "lever=on,seed=1" / "results.json"
    original = changed.read_text()
    changed.write_text(original.replace("4.1", "4.2"))  # this member's training did not reproduce

    def publish_with_probes():
        return subprocess.run(
            [sys.executable, str(REPO / "scripts" / "publish_study.py"), str(published), "--to", str(published.parent),
             "--probes-from", str(rerun)], cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    before = {path: path.read_text() for path in published.rglob("results.json")}
    refused = publish_with_probes()
    assert refused.returncode != 0
    assert "lever=on,seed=1 is not a rerun of" in refused.stderr and "metrics.fid = 4.2" in refused.stderr
    assert {path: path.read_text() for path in published.rglob("results.json")} == before  # nothing written

    changed.write_text(original.replace('"seed=1"]', '"seed=1", "model.width=8"]'))  # trained something else
    refused = publish_with_probes()
    assert refused.returncode != 0 and "lever=on,seed=1 is not a rerun of" in refused.stderr
    assert "model.width=8" in refused.stderr

    changed.write_text(original)
    proc = publish_with_probes()  # retry=failed says how the study ran, not what the member trained
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "added the probes of 4 rerun members" in proc.stdout
    for member in published.glob("lever=*"):
        results = json.loads((member / "results.json").read_text())
        assert results["probes"] == probes and results["probe_time_s"] == 20.5
        assert results["probes_from"].endswith("last.ckpt (a rerun, metrics equal)") and str(rerun) in results["probes_from"]
        assert "eval_time_s" not in results["metrics"]  # the published training record is kept as it was
    assert "d_attack" in (published / "report.md").read_text()


def test_publishing_adds_a_stability_number_the_run_predates_from_its_own_scalar_log(tmp_path):
    study = tmp_path / "outputs" / "old_sweep"
    member = study / "seed=0"
    (member / "csv").mkdir(parents=True)
    (study / "study.yaml").write_text("name_keys: [seed]\nmembers: {}\n")
    steps = [100 * (i + 1) for i in range(10)]
    fids = [60.0, 40.0, 25.0, 18.0, 15.0, 9.0, 12.0, 7.0, 9.5, 6.0]
    rows = ["g_step,eval/fid"] + [f"{step},{fid}" for step, fid in zip(steps, fids)]
    (member / "csv" / "metrics.csv").write_text("\n".join(rows) + "\n")
    late = np.array(fids[5:])
    fid_cv = float(late.std(ddof=1) / late.mean())
    results = {"status": "completed", "steps": 1000, "overrides": ["seed=0"], "metrics": {"fid": 6.0, "fid_floor": 2.0},
               "stability": {"fid_cv": fid_cv, "late_evaluations": 5}}  # fmt: skip
    (member / "results.json").write_text(json.dumps(results))
    publish_study(study, tmp_path / "docs")
    published = json.loads((tmp_path / "docs" / "old_sweep" / "seed=0" / "results.json").read_text())
    # independently: numpy's least-squares line through the second half's evaluations, residual std (n − 2) / mean
    x = np.array(steps[5:], dtype=float)
    residuals = late - np.polyval(np.polyfit(x, late, 1), x)
    expected = float(np.sqrt((residuals**2).sum() / (len(late) - 2)) / late.mean())
    assert published["stability"]["fid_oscillation"] == pytest.approx(expected, rel=1e-9)
    assert published["stability"]["fid_cv"] == fid_cv  # what the run recorded stays as it was
    assert "fid_oscillation" in published["stability_added_at_publish"]
    assert "fid_cv" not in published["stability_added_at_publish"]
    assert json.loads((member / "results.json").read_text()) == results  # the study itself is not touched


def test_publishing_judges_an_old_run_by_todays_collapse_rule_and_keeps_the_runs_own_flag(tmp_path):
    """A 2-D run still converging at the half-way evaluation (0 of 25 modes at step 600 of 1,000, 23 at the
    end) was flagged as collapsed by the rule before 2026-12-03; published today, it has not collapsed, it
    never reached all 25 modes, and the run's own flag is kept under `stability_as_run`."""
    study = tmp_path / "outputs" / "grid_sweep"
    member = study / "seed=0"
    (member / "csv").mkdir(parents=True)
    (study / "study.yaml").write_text("name_keys: [seed]\nmembers: {}\n")
    modes = [0, 0, 0, 0, 0, 0, 7, 18, 23, 23]
    rows = ["g_step,eval/modes_covered,eval/modes_covered_floor"]
    rows += [f"{100 * (i + 1)},{m},{25 if i == 0 else ''}" for i, m in enumerate(modes)]
    (member / "csv" / "metrics.csv").write_text("\n".join(rows) + "\n")
    old = {"collapsed": True, "collapsed_at_step": 600, "collapse_reason": "modes_covered 0 fewer than the real data's 25"}
    results = {"status": "completed", "steps": 1000, "overrides": ["seed=0"], "metrics": {"mode_kl": 0.1}, "stability": old}
    (member / "results.json").write_text(json.dumps(results))
    publish_study(study, tmp_path / "docs")
    published = json.loads((tmp_path / "docs" / "grid_sweep" / "seed=0" / "results.json").read_text())
    assert published["stability"] == {
        "collapsed": False, "collapsed_at_step": None, "collapse_reason": None,
        "never_reached": True, "never_reached_reason": "modes_covered never reached the real data's 25 (at most 23)",
    }  # fmt: skip
    assert published["stability_as_run"] == old
    assert published["stability_added_at_publish"] == ["never_reached", "never_reached_reason"]
    # rejudged again where it was published: nothing removed, the run's own flag still the one kept
    publish_study(tmp_path / "docs" / "grid_sweep", tmp_path / "docs")
    again = tmp_path / "docs" / "grid_sweep" / "seed=0"
    assert json.loads((again / "results.json").read_text()) == published and (again / "csv" / "metrics.csv").is_file()


def test_a_swept_value_every_shown_row_shares_is_stated_under_the_table(tmp_path):
    study = tmp_path / "studies" / "noisy"
    for level in ("0", "0.2"):
        for lever, fids in (("none", [6.0, 6.2, 6.1]), ("on", [4.0, 4.1, 3.9])):
            for seed, fid in enumerate(fids):
                member = study / f"corruption.level={level},lever={lever},seed={seed}"
                member.mkdir(parents=True)
                overrides = [f"corruption.level={level}", f"lever={lever}", f"seed={seed}"]
                (member / "results.json").write_text(json.dumps(
                    {"status": "completed", "overrides": overrides, "metrics": {"fid": fid, "fid_floor": FLOOR}}))
    spec = claim("noisy")
    spec["show"] = [{"lever": "none", "corruption.level": "0.2"}, {"lever": "on", "corruption.level": "0.2"}]
    page = build_findings(write_spec(tmp_path / "findings.yaml", [spec]), out=tmp_path / "findings.md").read_text()
    assert "| lever=on | 3/3 |" in page  # the label names what tells the rows apart …
    assert "Every row of `noisy` above has `corruption.level=0.2`." in page  # … and the page what they share


def test_rows_follow_the_numeric_order_of_their_values(tmp_path):
    sizes = {"1.0": [4.0, 4.1, 3.9], "0.5": [4.5, 4.6, 4.4], "0.25": [5.0, 5.1, 4.9], "0.1": [6.0, 6.2, 6.1]}
    write_study(tmp_path / "studies", "sizes", sizes, key="dataset.train_size")
    spec = claim("sizes")
    spec["comparisons"] = [{"label": "all vs a tenth", "baseline": {"dataset.train_size": 0.1},
                            "treatment": {"dataset.train_size": 1.0}}]  # fmt: skip
    page = build_findings(write_spec(tmp_path / "findings.yaml", [spec]), out=tmp_path / "findings.md").read_text()
    rows = [line.split(" | ")[0] for line in page.splitlines() if line.startswith("| dataset.train_size=")]
    assert rows == [f"| dataset.train_size={size}" for size in ("0.1", "0.25", "0.5", "1.0")]  # 0.25 before 0.5


def test_a_boolean_in_the_spec_matches_hydras_spelling_of_it_in_the_overrides(tmp_path):
    # the study sweeper writes Python's spelling (corruption.ambient=False); the spec says false
    write_study(tmp_path / "studies", "ambient", {"False": [6.0, 6.2, 6.1], "True": [4.0, 4.1, 3.9]}, key="corruption.ambient")
    spec = claim("ambient")
    spec["comparisons"] = [{"label": "ambient vs plain", "baseline": {"corruption.ambient": False},
                            "treatment": {"corruption.ambient": True}}]  # fmt: skip
    page = build_findings(write_spec(tmp_path / "findings.yaml", [spec]), out=tmp_path / "findings.md").read_text()
    assert verdict_line(page, 1).endswith("| supported |")


def test_a_claim_with_a_study_not_run_yet_says_how_many_comparisons_its_verdict_rests_on(tmp_path):
    write_study(tmp_path / "studies", "clear", {"none": [6.0, 6.2, 6.1], "on": [4.0, 4.1, 3.9]})
    spec = claim("clear")
    spec["study"] = ["clear", "later"]
    spec["comparisons"][0]["study"] = "clear"
    spec["comparisons"].append({"label": "later vs none", "study": "later", "baseline": {"lever": "none"},
                                "treatment": {"lever": "on"}})  # fmt: skip
    page = build_findings(write_spec(tmp_path / "findings.yaml", [spec]), out=tmp_path / "findings.md").read_text()
    assert verdict_line(page, 1).endswith("| supported (1 of 2 comparisons run) |")
