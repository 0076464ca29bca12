"""`python -m gan_lab.evaluate study=DIR 'probe=[...]'`: a study trained without probes gets them
afterwards, from each member's final checkpoint, with the numbers the run would have recorded."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FAST, run_cli

NOISE = ["probe=[latent_noise]", "probe.latent_noise.levels=[0,0.5]", "probe.latent_noise.num_samples=40"]


@pytest.fixture(scope="module")
def probed_study(tmp_path_factory):
    """A two-member study trained with the latent-noise probe on: results.json holds its in-run numbers."""
    cwd = tmp_path_factory.mktemp("study_probes")
    proc = run_cli(["-m", *FAST, "study=probed", "seed=0,1", *NOISE], cwd=cwd)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return cwd, cwd / "outputs" / "studies" / "probed"


def as_floats(probes: dict) -> dict:
    return {level: {key: float(value) for key, value in metrics.items()} for level, metrics in probes.items()}


def test_a_member_without_probes_gets_the_numbers_its_run_would_have_recorded(probed_study):
    cwd, study = probed_study
    member = study / "seed=0" / "results.json"
    in_run = json.loads(member.read_text())
    without = {key: value for key, value in in_run.items() if key not in ("probes", "probe_time_s")}
    member.write_text(json.dumps(without))  # as a study run without the probe left it

    proc = run_cli([f"study={study}", *NOISE], cwd=cwd, module="gan_lab.evaluate")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "probed  seed=0 (latent_noise)" in proc.stdout
    assert "skipped  seed=1: already has these probes" in proc.stdout and "1 of 2 members probed (latent_noise)" in proc.stdout
    after = json.loads(member.read_text())
    assert {key: after[key] for key in without} == without  # nothing else in results.json changed
    assert after["probes_from"] == "checkpoints/last.ckpt" and after["probe_time_s"] > 0
    expected = as_floats(in_run["probes"]["latent_noise"])
    got = as_floats(after["probes"]["latent_noise"])
    assert list(got) == list(expected) == ["0.0", "0.5"]
    for level in expected:  # the same EMA generator, evaluator and probe seed: float32 round-off apart
        assert got[level] == pytest.approx(expected[level], rel=1e-5, nan_ok=True)


SCALE = ["probe.latent_scale.levels=[0.5,1]", "probe.latent_scale.num_samples=40"]


def test_a_probe_added_to_a_probed_study_runs_alone_and_keeps_the_probes_a_member_has(probed_study):
    cwd, study = probed_study
    member = study / "seed=1" / "results.json"
    before = json.loads(member.read_text())
    try:
        proc = run_cli(
            [f"study={study}", "probe=[latent_noise,latent_scale]", *NOISE[1:], *SCALE], cwd=cwd, module="gan_lab.evaluate"
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "probed  seed=1 (latent_scale)" in proc.stdout  # latent_noise is not run again
        after = json.loads(member.read_text())
    finally:
        member.write_text(json.dumps(before))
    assert list(after["probes"]) == ["latent_noise", "latent_scale"]
    assert after["probes"]["latent_noise"] == before["probes"]["latent_noise"]  # kept as it was, bit for bit
    assert list(after["probes"]["latent_scale"]) == ["0.5", "1.0"]
    # s = 1 is the unchanged latent: the same G(z) as latent_noise at sigma 0, so the same FID
    assert float(after["probes"]["latent_scale"]["1.0"]["fid"]) == pytest.approx(
        float(before["probes"]["latent_noise"]["0.0"]["fid"]), rel=1e-5
    )
    assert after["probe_time_s"] > before["probe_time_s"]  # both probes' seconds


def test_members_that_did_not_complete_are_listed_and_not_probed(probed_study):
    cwd, study = probed_study
    member = study / "seed=1" / "results.json"
    results = json.loads(member.read_text())
    member.write_text(json.dumps(results | {"status": "diverged"}))
    try:
        proc = run_cli([f"study={study}", *NOISE, "force=true"], cwd=cwd, module="gan_lab.evaluate")
    finally:
        member.write_text(json.dumps(results))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "skipped  seed=1: status 'diverged', not completed" in proc.stdout and "probed  seed=0" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["study=no_such_study", *NOISE], "study='no_such_study': no such directory"),
        (["study=."], "study= probes a study's members: name the probes"),
        (["study=.", "ckpt=last.ckpt", *NOISE], "give one of ckpt=PATH, samples=PATH or study=DIR"),
    ],
)
def test_a_bad_study_command_is_one_line_naming_what_to_change(tmp_path, args, message):
    proc = run_cli(args, cwd=tmp_path, module="gan_lab.evaluate")
    assert proc.returncode == 2 and message in proc.stderr
