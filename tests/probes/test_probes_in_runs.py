"""Probes and stability numbers in a real training run and on a saved checkpoint."""

from __future__ import annotations

import json

import pytest

from gan_lab.run import train
from tests.conftest import FAST, run_cli

ALL_PROBES = "probe=[latent_noise,latent_dropout,latent_scale,path_length,d_attack,g_attack]"
SMALL = [  # few samples and levels: these runs test the plumbing; tests/probes/test_analytic.py the numbers
    "probe.latent_noise.levels=[0,0.5]", "probe.latent_noise.num_samples=40",
    "probe.latent_dropout.levels=[0,0.5]", "probe.latent_dropout.num_samples=40",
    "probe.latent_scale.levels=[0.5,1]", "probe.latent_scale.num_samples=40",
    "probe.path_length.num_samples=40",
    "probe.d_attack.levels=[0,0.03]", "probe.d_attack.num_samples=40", "probe.d_attack.steps=2",
    "probe.g_attack.levels=[0.5]", "probe.g_attack.num_samples=8", "probe.g_attack.steps=2",
]  # fmt: skip


@pytest.fixture(scope="module")
def probed_run(tmp_path_factory):
    from tests.conftest import compose_config

    run_dir = tmp_path_factory.mktemp("probed")
    cfg = compose_config([ALL_PROBES, *SMALL, "train.steps=6", "log.checkpoint_every=3"], run_dir)
    return run_dir, train(cfg)


def test_every_probe_lands_in_results_json_by_level(probed_run):
    run_dir, results = probed_run
    saved = json.loads((run_dir / "results.json").read_text())
    assert saved["status"] == "completed"
    probes = saved["probes"]
    assert list(probes) == ["latent_noise", "latent_dropout", "latent_scale", "path_length", "d_attack", "g_attack"]
    assert list(probes["latent_noise"]) == ["0.0", "0.5"] and list(probes["d_attack"]) == ["0.0", "0.03"]
    noise = probes["latent_noise"]
    assert noise["0.0"]["feature_sensitivity"] == 0.0 and noise["0.5"]["feature_sensitivity"] > 0
    assert {"fid", "precision", "recall", "density", "coverage"} <= set(noise["0.5"])
    assert probes["d_attack"]["0.0"]["success"] == 0.0 and 0 <= probes["d_attack"]["0.03"]["accuracy"] <= 1
    assert probes["path_length"]["0.0001"]["path_length"] > 0
    assert saved["probe_time_s"] > 0


def test_probe_rows_reach_the_loggers_with_their_level(probed_run):
    import csv

    run_dir, _ = probed_run
    with open(run_dir / "csv" / "metrics.csv", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row.get("probe/d_attack/level")]
    assert [float(row["probe/d_attack/level"]) for row in rows] == [0.0, 0.03]
    assert all(row["probe/d_attack/accuracy"] for row in rows)


def test_every_run_reports_its_stability(probed_run):
    run_dir, _ = probed_run
    stability = json.loads((run_dir / "results.json").read_text())["stability"]
    # 6 steps, evaluated at every step: steps 4, 5 and 6 are the second half
    assert stability["late_evaluations"] == 3 and stability["fid_cv"] > 0
    assert {"d_loss_oscillation", "g_loss_oscillation", "grad_spikes_d", "grad_spikes_g", "collapsed"} <= set(stability)


def test_on_two_dimensional_points_the_probes_score_modes_and_measure_in_the_plane(tmp_path):
    from tests.conftest import compose_config

    probes = ["probe=[latent_noise,d_attack]", "probe.latent_noise.levels=[0,1]", "probe.d_attack.levels=[0,0.5]"]
    results = train(compose_config(["dataset=ring8", *probes, "train.steps=10"], tmp_path))
    noise = results["probes"]["latent_noise"]["1.0"]
    assert {"modes_covered", "hq_fraction", "mode_kl"} <= set(noise) and noise["feature_sensitivity"] > 0
    assert noise["feature_sensitivity"] == pytest.approx(noise["pixel_sensitivity"])  # points: features are the points
    assert results["probes"]["d_attack"]["0.5"]["accuracy"] <= results["probes"]["d_attack"]["0.0"]["accuracy"]
    # on points diversity is judged by the modes covered: 10 G-steps cannot cover the ring's 8
    assert "modes_covered never reached the real data's 8" in results["stability"]["never_reached_reason"]


def test_d_attack_as_trained_attacks_d_on_the_corrupted_inputs_it_was_trained_on(tmp_path):
    import torch

    from gan_lab.generate import load_module
    from tests.conftest import compose_config

    # every pixel missing, with AmbientGAN's measurement: D saw only all-black images on both sides, so shown
    # what it saw in training it gives every input D(black); the LSGAN critic has no natural threshold and is
    # split at the midpoint of its mean outputs on the two sides, which is then D(black) itself
    overrides = ["loss=lsgan", "corruption=missing", "corruption.level=1.0", "corruption.ambient=true",
                 "probe=[d_attack,d_attack_as_trained]", "probe.d_attack.levels=[0,0.03]", "probe.d_attack.num_samples=40",
                 "probe.d_attack_as_trained.levels=[0,0.03]", "probe.d_attack_as_trained.num_samples=40"]  # fmt: skip
    probes = train(compose_config(overrides, tmp_path))["probes"]
    module = load_module(tmp_path / "checkpoints" / "last.ckpt").eval()
    with torch.no_grad():
        d_of_black = float(module.discriminator(torch.full((1, *module.sample_shape), -1.0)))
    as_trained, clean = probes["d_attack_as_trained"]["0.0"], probes["d_attack"]["0.0"]
    assert as_trained["threshold"] == pytest.approx(d_of_black, rel=1e-5)
    assert clean["threshold"] != pytest.approx(d_of_black, rel=1e-3)  # clean digits and raw samples: other outputs
    assert as_trained["accuracy"] <= 0.5  # identical inputs: D cannot be right on both sides
    assert probes["d_attack_as_trained"]["0.03"]["accuracy"] <= as_trained["accuracy"]


def test_d_overfit_compares_d_on_the_training_images_train_size_kept_with_held_out_ones(tmp_path):
    """24 training digits, 12 G-steps of batch 8: D's membership AUC is recomputed from the saved
    checkpoint, over every (training, held-out) pair, on the 24 digits the data module trained on."""
    import torch

    from gan_lab.datasets.base import train_subset_index
    from gan_lab.generate import load_module
    from tests.conftest import compose_config

    overrides = ["dataset.train_size=24", "train.steps=12", "probe=[d_overfit]"]
    metrics = train(compose_config(overrides, tmp_path))["probes"]["d_overfit"]["0.0"]
    module = load_module(tmp_path / "checkpoints" / "last.ckpt").eval()
    datamodule = instantiate_dataset(module.hparams["dataset"])
    kept = datamodule.train_data[train_subset_index(len(datamodule.train_data), 24, datamodule.split_seed)]
    heldout = datamodule.heldout_data[: int(metrics["num_heldout"])]
    with torch.no_grad():
        d_train, d_heldout = module.discriminator(kept).flatten().double(), module.discriminator(heldout).flatten().double()
    greater, tied = d_train[:, None] > d_heldout[None, :], d_train[:, None] == d_heldout[None, :]
    pairs_ordered = greater.double().mean() + 0.5 * tied.double().mean()
    assert metrics["num_train"] == 24 and metrics["num_heldout"] > 24
    assert metrics["membership_auc"] == pytest.approx(float(pairs_ordered), abs=1e-6)
    assert metrics["mean_train"] == pytest.approx(float(d_train.mean()), rel=1e-5)
    # probing the checkpoint afterwards, from the command line, reads the same 24 training digits
    out = tmp_path / "probed.json"
    proc = run_cli(
        [f"ckpt={tmp_path / 'checkpoints' / 'last.ckpt'}", "probe=[d_overfit]", f"out={out}",
         f"paths.cache_dir={FAST[-2].split('=', 1)[1]}", "eval.classifier_steps=50"],
        cwd=tmp_path, module="gan_lab.evaluate",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    again = json.loads(out.read_text())["probes"]["d_overfit"]["0.0"]
    assert again["num_train"] == 24 and again["membership_auc"] == pytest.approx(metrics["membership_auc"], abs=1e-6)


def instantiate_dataset(config):
    from hydra.utils import instantiate

    datamodule = instantiate(config, batch_size=1, num_batches=1, seed=0)
    datamodule.setup("validate")
    return datamodule


def test_d_overfit_on_data_drawn_afresh_is_refused_before_training(tmp_path):
    from tests.conftest import compose_config

    with pytest.raises(ValueError, match=r"probe=d_overfit .* GaussianMixtureDataModule draws fresh training samples"):
        train(compose_config(["dataset=ring8", "probe=[d_overfit]", "train.steps=10"], tmp_path))
    assert not (tmp_path / "checkpoints" / "last.ckpt").exists()


def test_probes_run_on_a_checkpoint_from_the_command_line(probed_run, tmp_path):
    run_dir, results = probed_run
    out = tmp_path / "probes.json"
    proc = run_cli(
        [f"ckpt={run_dir / 'checkpoints' / 'last.ckpt'}", "probe=[latent_noise,d_attack]", *SMALL[:2], *SMALL[7:10],
         f"paths.cache_dir={FAST[-2].split('=', 1)[1]}", "eval.classifier_steps=50", f"out={out}"],
        cwd=tmp_path, module="gan_lab.evaluate",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "probe d_attack" in proc.stdout and "probe latent_noise" in proc.stdout
    written = json.loads(out.read_text())
    # the same EMA generator, D, evaluator and probe seeds as at the end of training: the same numbers, up to
    # float32 round-off (the run's convolutions may run channels-last, a reloaded checkpoint's in another layout)
    for name in ("d_attack", "latent_noise"):
        in_run = json.loads((run_dir / "results.json").read_text())["probes"][name]
        assert list(written["probes"][name]) == list(in_run)
        for level, metrics in in_run.items():
            numbers = {key: float(value) for key, value in metrics.items()}  # results.json writes nan as "nan"
            assert {key: float(value) for key, value in written["probes"][name][level].items()} == pytest.approx(
                numbers, rel=1e-5, nan_ok=True
            )
