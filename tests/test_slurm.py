"""A study on a real SLURM cluster: `hydra/launcher=slurm` (Hydra's submitit launcher) submits the
members as SLURM jobs, `sacct` accounts for them, and a member cancelled with `scancel` is recorded
as interrupted and completed by re-running the study.

Needs a cluster: `scripts/slurm-local start` makes one on this machine (CI does, and sets
GAN_LAB_SLURM=required so that these tests fail rather than skip when it is not up)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import FAST, run_cli
from tests.test_resume import EVERY, STEPS, start_until_second_checkpoint, training_steps_logged
from tests.test_studies import members


def cluster_is_up() -> bool:
    if shutil.which("sinfo") is None:
        return False
    proc = subprocess.run(["sinfo", "--noheader", "-o", "%t"], capture_output=True, text=True, timeout=30)
    return proc.returncode == 0 and any(state.strip() in ("idle", "mix", "alloc") for state in proc.stdout.splitlines())


@pytest.fixture(scope="module")
def slurm_cluster():
    if not cluster_is_up():
        message = "no SLURM cluster is up (scripts/slurm-local start makes one on this machine)"
        if os.environ.get("GAN_LAB_SLURM") == "required":
            pytest.fail(message)
        pytest.skip(message)


# The local cluster's one node: one CPU per member, no GPU, a little memory, its `local` partition.
LOCAL_LAUNCHER = [
    "hydra/launcher=slurm",
    "hydra.launcher.partition=local",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.gpus_per_node=0",
    "hydra.launcher.mem_gb=2",
    "hydra.launcher.timeout_min=15",
]


def slurm_jobs(study: Path, timeout_s: float = 60) -> dict[str, str]:
    """{SLURM job id: its final state} of the study's members, as `sacct` accounts for them (a job
    whose result submitit has read may still be finishing for a moment: waited for)."""
    ids = [path.name for path in (study / ".submitit").iterdir() if path.is_dir()]
    deadline = time.time() + timeout_s
    while True:
        proc = subprocess.run(["sacct", "--noheader", "--parsable2", "-X", "-o", "JobID,State", "-j", ",".join(ids)],
                              capture_output=True, text=True, timeout=30, check=True)  # fmt: skip
        states = dict(line.split("|", 1) for line in proc.stdout.splitlines() if line)
        if not any(state in ("PENDING", "RUNNING", "COMPLETING") for state in states.values()) or time.time() > deadline:
            return states
        time.sleep(0.5)


def test_a_two_member_study_runs_as_slurm_jobs(slurm_cluster, tmp_path):
    proc = run_cli(["-m", *FAST, "eval.enabled=false", "study=on_slurm", "seed=0,1", *LOCAL_LAUNCHER], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    study = tmp_path / "outputs" / "studies" / "on_slurm"
    assert {name: r["status"] for name, r in members(study).items()} == {"seed=0": "completed", "seed=1": "completed"}
    assert {r["torch_threads"] for r in members(study).values()} == {1}  # the job's CPUs (cpus_per_task), not the node's
    states = slurm_jobs(study)
    assert len(states) == 2 and set(states.values()) == {"COMPLETED"}, states


def test_a_member_cancelled_with_scancel_is_recorded_and_the_study_completes_it_on_resume(slurm_cluster, tmp_path):
    args = ["-m", *FAST, f"train.steps={STEPS}", f"log.checkpoint_every={EVERY}", "eval.enabled=false",
            "study=cancelled", "seed=0,1", *LOCAL_LAUNCHER]  # fmt: skip
    study = tmp_path / "outputs" / "studies" / "cancelled"
    launcher = start_until_second_checkpoint(args, tmp_path, study, "seed=1")
    job_of_seed_1 = next(path.name for path in (study / ".submitit").iterdir() if path.name.endswith("_1"))
    subprocess.run(["scancel", job_of_seed_1], check=True, timeout=30)
    launcher.wait(timeout=300)
    assert launcher.returncode != 0  # submitit reports the cancelled job: the study is not silently complete

    cancelled = members(study)["seed=1"]
    assert cancelled["status"] == "interrupted" and "SIGTERM" in cancelled["error"]
    assert slurm_jobs(study)[job_of_seed_1].startswith("CANCELLED")

    proc = run_cli([*args, "resume=auto"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "2 members; kept: 1 completed; to run: 0 new, 1 resumed" in proc.stdout
    done = members(study)
    assert {r["status"] for r in done.values()} == {"completed"}
    assert done["seed=1"]["resumed_at_step"] >= 2 * EVERY and done["seed=1"]["steps"] == STEPS
    assert training_steps_logged(study / "seed=1") == list(range(STEPS))


def test_the_launcher_fails_with_the_clusters_words_when_a_member_asks_too_much(slurm_cluster, tmp_path):
    proc = run_cli(["-m", *FAST, "study=too_big", "seed=0", *LOCAL_LAUNCHER, "hydra.launcher.cpus_per_task=512"], cwd=tmp_path)
    assert proc.returncode != 0
    assert "More processors requested than permitted" in proc.stderr  # sbatch refuses it at once, submitit says why

