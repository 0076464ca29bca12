"""Studies survive a kill and grow in place: a multirun re-run (resume=auto, more seeds) keeps its
completed members untouched, resumes the one that was training and runs only the rest; failed
members wait for retry=failed; each study is one W&B group; the report sees every member once."""

from __future__ import annotations

import hashlib
import json
import signal
from pathlib import Path

import pytest

from gan_lab.report import build_report
from gan_lab.study.members import LEDGER_FILE, StudyMismatch, member_name, plan_study, read_ledger, write_ledger
from tests.conftest import FAST, REPO, run_cli
from tests.test_resume import (
    EVERY,
    STEPS,
    start_and_kill_after_second_checkpoint,
    start_until_second_checkpoint,
    training_steps_logged,
)
from tests.test_wandb_outcome import inspect_offline_run, records


def snapshot(directory: Path) -> dict[str, tuple[int, str]]:
    """{relative path: (modification time in ns, sha256)} of every file below `directory`."""
    return {
        str(path.relative_to(directory)): (path.stat().st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(directory.rglob("*")) if path.is_file()
    }  # fmt: skip


def members(study: Path) -> dict[str, dict]:
    """{member directory name: its results.json} of a study."""
    return {path.parent.name: json.loads(path.read_text()) for path in study.glob("*/results.json")}


def test_a_study_killed_during_its_second_member_resumes_keeping_the_first_untouched(tmp_path):
    # no evaluation: resuming is the same code with it, and it would be most of this test's time
    study_args = ["-m", *FAST, f"train.steps={STEPS}", f"log.checkpoint_every={EVERY}", "eval.enabled=false",
                  "study=killed", "seed=0,1,2,3"]  # fmt: skip
    study = tmp_path / "outputs" / "studies" / "killed"
    name = {seed: f"seed={seed}" for seed in range(4)}  # members are named by the swept keys' values
    start_and_kill_after_second_checkpoint(study_args, tmp_path, study, name[1])
    assert members(study) == {name[0]: members(study)[name[0]]}  # one member finished, the second was training
    first = snapshot(study / name[0])

    proc = run_cli([*study_args, "resume=auto"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"study {Path('outputs/studies/killed')}: 4 members; kept: 1 completed; to run: 2 new, 1 resumed" in proc.stdout
    done = members(study)
    assert sorted(done) == sorted(name.values()) and {r["status"] for r in done.values()} == {"completed"}
    assert snapshot(study / name[0]) == first  # not retrained, not even its .hydra files rewritten
    second = done[name[1]]
    assert second["resumed_at_step"] >= 2 * EVERY and second["steps"] == STEPS
    assert training_steps_logged(study / name[1]) == list(range(STEPS))  # every step logged once
    for seed in (2, 3):
        assert "resumed_at_step" not in done[name[seed]] and training_steps_logged(study / name[seed]) == list(range(STEPS))
    assert len(build_report([study], out=tmp_path / "report").runs) == 4


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_more_seeds_run_only_the_new_member_in_the_same_study_with_any_launcher(tmp_path):
    args = ["-m", *FAST, "eval.enabled=false", "study=grow"]
    assert run_cli([*args, "seed=0,1"], cwd=tmp_path).returncode == 0
    study = tmp_path / "outputs" / "studies" / "grow"
    before = {name: snapshot(study / name) for name in members(study)}
    proc = run_cli([*args, "seed=0,1,2", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], cwd=tmp_path)  # any launcher
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "3 members; kept: 2 completed; to run: 1 new, 0 resumed, 0 retried" in proc.stdout
    assert "is launching 1 jobs" in proc.stdout
    after = members(study)
    assert len(after) == 3 and {name: snapshot(study / name) for name in before} == before
    (new,) = set(after) - set(before)
    assert "seed=2" in after[new]["overrides"]
    assert sorted(read_ledger(study).members) == sorted(after) == ["seed=0", "seed=1", "seed=2"]  # every member, any invocation


def test_failed_members_are_kept_until_retry_failed_runs_them_again_and_keeps_the_attempt(tmp_path):
    args = ["-m", *FAST, "eval.enabled=false", "study=flaky", "optimizer.lr_d=-1,0.0002"]
    assert run_cli(args, cwd=tmp_path).returncode == 0
    study = tmp_path / "outputs" / "studies" / "flaky"
    failed = next(name for name, r in members(study).items() if r["status"] == "failed")
    proc = run_cli(args, cwd=tmp_path)
    assert "kept: 1 completed, 1 failed; to run: 0 new" in proc.stdout and "retry=failed runs the failed" in proc.stdout
    proc = run_cli([*args, "retry=failed"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "to run: 0 new, 0 resumed, 1 retried" in proc.stdout
    assert (study / ".retried" / f"{failed}.1" / "results.json").is_file()  # the earlier attempt, moved, not deleted
    assert members(study)[failed]["status"] == "failed"  # ran again (lr_d=-1 fails again)
    assert len(build_report([study], out=tmp_path / "report").runs) == 2  # .retried/ is not a member


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_resume_auto_continues_the_newest_ad_hoc_sweep_of_the_same_command(tmp_path):
    args = ["-m", *FAST, "eval.enabled=false", "seed=0,1"]
    assert run_cli(args, cwd=tmp_path).returncode == 0
    (sweep,) = (tmp_path / "outputs" / "multirun").glob("*/*")
    assert len(members(sweep)) == 2
    proc = run_cli([*args, "resume=auto"], cwd=tmp_path)
    assert proc.returncode == 0 and "kept: 2 completed; to run: 0 new" in proc.stdout
    assert list((tmp_path / "outputs" / "multirun").glob("*/*")) == [sweep]
    proc = run_cli([*args, f"resume={sweep}"], cwd=tmp_path)
    assert proc.returncode == 0 and "kept: 2 completed; to run: 0 new" in proc.stdout
    proc = run_cli(["-m", *FAST, f"resume={tmp_path}"], cwd=tmp_path)
    assert proc.returncode == 2 and f"resume={tmp_path}: there is no multirun.yaml in" in proc.stderr


def test_each_member_of_a_study_is_in_the_studys_wandb_group_with_its_outcome(tmp_path):
    env = {"WANDB_MODE": "offline", "HOME": str(tmp_path), "PYTHONPATH": str(REPO)}  # tests.nan_injection from a study dir
    nan_after = ["loss._target_=tests.nan_injection.NaNAfterLoss", "+loss.after=3,1000"]
    proc = run_cli(["-m", *FAST, "train.steps=6", "logger=wandb", "study=wb_study", *nan_after], cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    study = tmp_path / "outputs" / "studies" / "wb_study"
    by_status = {r["status"]: study / name for name, r in members(study).items()}
    assert sorted(by_status) == ["completed", "diverged"]
    for run_dir in by_status.values():
        (run,) = records(run_dir, "run")
        assert run["run_group"] == "wb_study"
    completed = inspect_offline_run(by_status["completed"])["summary"]
    assert completed["status"] in ("completed", "collapsed") and completed["final/fid"] > completed["final/fid_floor"] > 0
    rows = [row["item"] for row in records(by_status["completed"], "history") if "eval/fid" in row["item"]]
    assert [row["g_step"] for row in rows] == [1, 2, 3, 4, 5, 6]
    diverged = inspect_offline_run(by_status["diverged"])["summary"]
    assert diverged["status"] == "diverged" and diverged["diverged_at_step"] == 4


def test_a_member_is_named_by_its_swept_values_and_keeps_its_name_when_the_study_grows(tmp_path):
    job = ["experiment=noise_sweep", "seed=0", "corruption.level=0.1", "train.steps=500", "resume=auto", "study=x"]
    assert member_name(job, {"seed", "corruption.level"}) == "corruption.level=0.1,seed=0"
    assert member_name(job) == "corruption.level=0.1,seed=0,train.steps=500"  # nothing swept: every override but the study's
    assert member_name(["+loss.after=3", "dataset.root=/data/my digits"]) == "dataset.root=_data_my_digits,loss.after=3"
    long = member_name([f"key{i}=value{i}" for i in range(40)])
    assert len(long) == 200 and long != member_name([f"key{i}=value{i}" for i in range(41)])
    # a study first swept over seeds, then over a level too: the earlier members keep their names
    plan, ledger = plan_study(tmp_path, [["seed=0"], ["seed=1"]], {"seed"}, retry_failed=False)
    write_ledger(tmp_path, ledger)
    jobs = [["seed=0"], ["seed=1", "corruption.level=0.2"]]
    plan, ledger = plan_study(tmp_path, jobs, {"seed", "corruption.level"}, retry_failed=False)
    assert list(plan.members) == ["seed=0", "corruption.level=0.2,seed=1"]


def test_a_member_directory_holding_another_run_is_refused_by_name(tmp_path):
    job = ["experiment=noise_sweep", "seed=0", "train.steps=500"]
    member = tmp_path / member_name(job)  # the same name: the preset is left out of it
    (member / ".hydra").mkdir(parents=True)
    (member / ".hydra" / "overrides.yaml").write_text("- seed=0\n- train.steps=500\n- experiment=missing_sweep\n")
    with pytest.raises(StudyMismatch, match=f"{member} holds a run of .*experiment=missing_sweep.*start another study"):
        plan_study(tmp_path, [job], set(), retry_failed=False)
    # the same member, asked for again with the study's own settings: it is that member
    again = ["experiment=missing_sweep", "seed=0", "train.steps=500", "resume=auto"]
    plan, _ = plan_study(tmp_path, [again], set(), retry_failed=False)
    assert plan.to_run == [member.name]


def test_the_report_lists_a_planned_member_that_never_started(tmp_path):
    from tests.test_report import write_run

    study = tmp_path / "studies" / "half"
    write_run(study / "seed=0", ["seed=0"], metrics={"fid": 5.0, "fid_floor": 2.0})
    (study / LEDGER_FILE).write_text("members:\n  seed=0: [seed=0]\n  seed=1: [seed=1]\n")
    runs = {run.path.name: run for run in build_report([study], out=tmp_path / "report").runs}
    assert runs["seed=0"].status == "completed" and runs["seed=1"].status == "missing"
    assert "never started" in runs["seed=1"].note and runs["seed=1"].overrides == ["seed=1"]


def test_a_member_stopped_by_sigterm_is_recorded_as_interrupted_and_the_study_resumes_it(tmp_path):
    # SIGTERM is what `scancel` and a pre-empting scheduler send: the member says so in results.json
    study_args = ["-m", *FAST, f"train.steps={STEPS}", f"log.checkpoint_every={EVERY}", "eval.enabled=false",
                  "study=stopped", "seed=0,1"]  # fmt: skip
    study = tmp_path / "outputs" / "studies" / "stopped"
    proc = start_until_second_checkpoint(study_args, tmp_path, study, "seed=0")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=120) != 0
    stopped = members(study)["seed=0"]
    assert stopped["status"] == "interrupted" and "SIGTERM" in stopped["error"] and 0 < stopped["steps"] < STEPS
    proc = run_cli(study_args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "2 members; to run: 1 new, 1 resumed, 0 retried" in proc.stdout
    done = members(study)
    assert done["seed=0"]["status"] == "completed" and done["seed=0"]["resumed_at_step"] > 0
    assert training_steps_logged(study / "seed=0") == list(range(STEPS))
