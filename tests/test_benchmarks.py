"""The benchmark scripts run and report what docs/benchmarks.md tabulates (their numbers are
measurements, recorded there, never asserted here)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

import pytest
import torch

from tests.conftest import REPO

TINY = ["--rounds", "1", "--warmup", "1", "--steps", "1", "--repeats", "2"]


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / name), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_bench_writes_one_row_per_configuration_with_the_three_loops_and_their_ratios(tmp_path):
    out = tmp_path / "bench.json"
    proc = run_script("bench.py", *TINY, "--losses", "ns", "wgan_gp", "--batches", "16", "--json", str(out))
    rows = json.loads(out.read_text())
    assert [(r["model"], r["loss"], r["batch"], r["device"]) for r in rows] == [
        ("dcgan", "ns", 16, "cpu"), ("dcgan", "wgan_gp", 16, "cpu")]
    for row in rows:
        ms = row["ms_per_step"]
        assert set(ms) == {"gan_lab", "dataloader", "plain"} and all(v > 0 for v in ms.values())
        blocks = row["blocks_ms"]  # 2 repeats: each gan_lab block paired with the plain blocks run after it
        assert [len(blocks[name]) for name in ("gan_lab", "dataloader", "plain")] == [2, 2, 2]
        for name in ("gan_lab", "dataloader", "plain"):
            assert ms[name] == pytest.approx(statistics.median(blocks[name]), abs=0.01)
        for loop, key in (("dataloader", "ratio_vs_dataloader"), ("plain", "ratio_vs_plain")):
            paired = statistics.median(g / o for g, o in zip(blocks["gan_lab"], blocks[loop]))
            assert row[key] == pytest.approx(paired, abs=2e-3)
        assert row["images_per_s"] == pytest.approx(16 * 1000 / ms["gan_lab"], rel=1e-2)
    assert "÷ (b)" in proc.stdout  # the printed table


def test_bench_times_the_mlp_on_2d_points_with_its_own_tuning_and_reports_the_distance_to_peak(tmp_path):
    out = tmp_path / "bench.json"
    proc = run_script("bench.py", *TINY, "--models", "mlp", "--log-every", "7", "--json", str(out))
    rows = json.loads(out.read_text())
    configurations = [(r["model"], r["loss"], r["batch"], r["n_critic"], r["log_every"]) for r in rows]
    assert configurations == [("mlp", "ns", 256, 1, 7), ("mlp", "wgan_gp", 256, 2, 7)]  # ring8's batch; n_critic 2 with WGAN-GP
    for row in rows:
        assert row["gflop_per_step"] > 0 and row["peak_gflops"] > 0
        assert row["achieved_gflops"] == pytest.approx(row["gflop_per_step"] / (row["ms_per_step"]["gan_lab"] / 1000), rel=2e-3)
        assert row["fraction_of_peak"] == pytest.approx(row["achieved_gflops"] / row["peak_gflops"], rel=1e-2, abs=1e-4)
    assert "fp32 peak (2048² matmul)" in proc.stdout and "of peak" in proc.stdout


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_bench_runs_the_compiled_channels_last_path(tmp_path):
    out = tmp_path / "bench.json"
    run_script("bench.py", *TINY, "--losses", "wgan_gp", "--batches", "8", "--compile", "--compile-backend", "aot_eager",
               "--channels-last", "true", "--json", str(out))
    (row,) = json.loads(out.read_text())
    assert row["compile"] is True and row["channels_last"] == "true"
    blocks = row["blocks_ms"]  # the compiled loops were timed block by block, and the ratio is of those blocks
    paired = statistics.median(g / o for g, o in zip(blocks["gan_lab"], blocks["plain"]))
    assert row["ratio_vs_plain"] == pytest.approx(paired, abs=2e-3)


def test_bench_eval_times_generation_features_and_statistics_per_backbone(tmp_path):
    out = tmp_path / "eval.json"
    proc = run_script("bench_eval.py", "--samples", "600", "--backbones", "classifier", "--json", str(out))
    (row,) = json.loads(out.read_text())
    assert row["backbone"] == "classifier" and row["extracted"] == 600 and row["statistics_samples"] == 600
    assert row["extract_images_per_s"] == pytest.approx(600 / row["extract_s"], rel=0.05)
    assert row["evaluation_s"] >= row["statistics_s"] > 0
    assert "images/s" in proc.stdout


def test_bench_eval_reports_a_runs_evaluation_share_of_its_wall_time(tmp_path):
    (tmp_path / "results.json").write_text(json.dumps({"wall_time_s": 200.0, "metrics": {"eval_time_s": 10.0}}))
    proc = run_script("bench_eval.py", "--run-dir", str(tmp_path))
    assert "evaluation 10.0 s of 200.0 s wall time = 5.0 %" in proc.stdout


def load_script(name: str = "bench"):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    script = importlib.util.module_from_spec(spec)
    sys.modules[name] = script  # dataclasses look their module up there
    spec.loader.exec_module(script)
    return script


def test_bench_divergence_check_times_both_weight_scans_of_the_models_g_and_d():
    proc = run_script("bench_divergence_check.py", "--models", "mlp", "--repeats", "1")
    (row,) = [line for line in proc.stdout.splitlines() if line.startswith("| mlp |")]
    _, tensors, weights, before_ms, after_ms, ratio = [cell.strip() for cell in row.strip("|").split("|")]
    # ring8's MLP: G 2 → 256 → 256 → 256 → 2, D 2 → 256 → 256 → 256 → 1, a weight and a bias per layer
    g = 2 * 256 + 256 + 2 * (256 * 256 + 256) + 256 * 2 + 2
    d = 2 * 256 + 256 + 2 * (256 * 256 + 256) + 256 * 1 + 1
    assert int(tensors) == 16 and int(weights.replace(",", "")) == g + d
    assert float(before_ms) > 0 and float(after_ms) > 0
    assert float(ratio) == pytest.approx(float(before_ms) / float(after_ms), abs=0.06)


def test_a_steps_floating_point_work_is_counted_as_the_layer_shapes_say():
    # The MLP on 2-D points, non-saturating loss, one D step per G step: FlopCounterMode counts the
    # matrix products, 2·in·out per sample per linear layer forward, and as much again for each
    # gradient autograd computes (weights where they train, inputs where something upstream needs them).
    import argparse

    from torch import nn

    from gan_lab.run import build_module

    bench = load_script()
    args = argparse.Namespace(channels_last="auto", compile=False, compile_backend="inductor", log_every=None)
    cfg = bench.compose_cfg("mlp", "ns", None, "cpu", args)
    module = build_module(cfg, (2,))
    batch = cfg.train.batch_size

    def forward(network: nn.Module) -> tuple[int, int]:
        """(all linear layers' forward FLOPs, the first layer's)."""
        flops = [2 * m.in_features * m.out_features * batch for m in network.modules() if isinstance(m, nn.Linear)]
        return sum(flops), flops[0]

    g, g_first = forward(module.generator)
    d, d_first = forward(module.discriminator)
    d_step = g + 2 * d + 2 * d + 2 * (d - d_first)  # G without grad; D on real and fake; D's weight and input grads
    g_step = g + d + d + g + (g - g_first)  # G, D on fakes; D's input grads (D frozen); G's weight and input grads
    assert cfg.train.n_critic == 1
    assert bench.flop_per_step(cfg, (2,), args, torch.device("cpu")) == d_step + g_step


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_the_cpu_options_bench_runs_each_variant_as_a_whole_process_against_eager(tmp_path):
    out = tmp_path / "options.json"
    variants = ["--variants", "eager (the default)", "Adam foreach"]
    proc = run_script("bench_cpu_options.py", "--steps", "3", *variants, "--json", str(out))
    eager, foreach = json.loads(out.read_text())
    assert (eager["steps"], foreach["steps"]) == (3, 3) and foreach["overrides"][0] == "+optimizer.generator.foreach=true"
    assert eager["process_wall_s"] > eager["training_wall_s"] > 0  # the process's start-up is counted too
    assert foreach["ratio_vs_eager"] == pytest.approx(foreach["process_wall_s"] / eager["process_wall_s"], abs=1e-3)
    assert "÷ eager" in proc.stdout


def gpu_check(tmp_path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "gpu_check.py"), "--out", str(out), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    return proc, json.loads((out / "summary.json").read_text())


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_gpu_check_runs_its_stages_in_order_and_brings_back_only_small_result_files(tmp_path):
    proc, summary = gpu_check(tmp_path, "--device", "cpu", "--quick", "--only", "environment", "bench")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [(s["name"], s["status"], s["exit_code"]) for s in summary["stages"]] == [("environment", "passed", 0),
                                                                                     ("bench", "passed", 0)]
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["bench.json", "environment.json", "gpu_check.log", "summary.json"]
    environment = json.loads((out / "environment.json").read_text())
    assert environment["torch"] == torch.__version__ and environment["packages"]["hydra"][0].isdigit()
    rows = json.loads((out / "bench.json").read_text())
    assert [(r["model"], r["loss"], r["device"]) for r in rows] == [("dcgan", "ns", "cpu")]
    (figure,) = summary["figures"]  # the row read against the GPU goal: speed over the DataLoader loop (a)
    assert figure.startswith("dcgan ns batch 8: ") and f"{1 / rows[0]['ratio_vs_dataloader']:.2f}× loop (a)" in figure
    assert figure in proc.stdout
    log = (out / "gpu_check.log").read_text()
    assert log.index("===== environment:") < log.index("===== bench:")  # every stage's output, in order


def test_gpu_check_skips_a_stage_its_budget_cannot_hold_and_says_why(tmp_path):
    proc, summary = gpu_check(tmp_path, "--device", "cpu", "--quick", "--budget-s", "20", "--only", "environment", "tests")
    assert proc.returncode == 0, proc.stderr[-3000:]
    environment, tests = summary["stages"]
    assert environment["status"] == "passed"
    assert tests["status"] == "skipped" and "the stage needs 30" in tests["reason"]


def test_gpu_check_records_a_failed_stage_and_exits_non_zero_naming_it(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("the failure here is asking for CUDA on a machine without it")
    proc, summary = gpu_check(tmp_path, "--device", "cuda", "--only", "bench")
    (bench,) = summary["stages"]
    assert bench["status"] == "failed" and bench["exit_code"] != 0
    assert proc.returncode != 0 and "bench did not pass" in proc.stderr


def test_gpu_check_kills_a_stage_at_its_time_limit_with_every_process_it_started(tmp_path):
    gpu_check = load_script("gpu_check")
    late = tmp_path / "written_by_a_grandchild"
    grandchild = f"import time, pathlib; time.sleep(3); pathlib.Path({str(late)!r}).write_text('too late')"
    child = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {grandchild!r}]); time.sleep(60)"
    stage = gpu_check.Stage("sleeper", [sys.executable, "-c", child], limit_s=60, min_s=0)
    start = time.monotonic()
    with open(tmp_path / "log", "w") as log:
        status, code = gpu_check.run_stage(stage, timeout_s=1, env=dict(os.environ), log=log)
    assert (status, code) == ("timeout", None) and time.monotonic() - start < 10
    time.sleep(4)
    assert not late.exists()  # the grandchild went with its stage


def test_gpu_check_reads_the_default_job_and_the_evaluation_against_their_goals(tmp_path):
    gpu_check = load_script("gpu_check")
    (tmp_path / "train_results.json").write_text(json.dumps({
        "status": "completed", "steps": 1500, "wall_time_s": 61.24,
        "metrics": {"fid": 6.3, "fid_floor": 2.1, "classes_covered": 7.0, "classes_covered_floor": 10.0}}))
    (tmp_path / "eval.json").write_text(json.dumps([{
        "backbone": "inception", "samples": 10000, "evaluation_s": 12.5, "extracted": 10000, "extract_images_per_s": 1234.4}]))
    assert gpu_check.figures(tmp_path) == [
        "evaluation of 10,000 samples with inception: 12.5 s (10,000 extracted at 1,234 images/s)",
        "default job (1,500 G-steps): completed in 61.2 s, FID 3.00× its floor, 7 of the 10 classes the real data cover",
    ]
