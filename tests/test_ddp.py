"""Several processes: Lightning DDP (gloo, 2 CPU processes) runs the manual-optimization loop,
gradient penalty included, into one run directory with one results.json."""

from __future__ import annotations

import json

from tests.conftest import FAST, REPO, run_cli


def test_two_process_ddp_with_wgan_gp_completes_into_one_run_directory(tmp_path):
    proc = run_cli([*FAST, "trainer=ddp", "trainer.devices=2", "loss=wgan_gp", "train.steps=6",
                    f"hydra.run.dir={tmp_path}"], cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert (results["status"], results["steps"]) == ("completed", 6)
    assert "gp" in results["metrics"] and "fid" in results["metrics"]
    assert len(list(tmp_path.rglob("results.json"))) == 1
    assert len(list(tmp_path.rglob("metrics.csv"))) == 1
