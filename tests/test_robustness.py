"""The robustness study's plumbing: corrupted training data (never the held-out reference),
AmbientGAN, sweeps that survive diverging and failing members, and the ready-made presets."""

from __future__ import annotations

import json

import pytest
import torch
from hydra import compose, initialize_config_dir

from gan_lab.corruptions import GaussianNoise
from gan_lab.divergence import DivergenceMonitor, TrainingDiverged, all_finite
from gan_lab.run import CONF_DIR, available_cores, build_datamodule, build_module, train
from tests.conftest import FAST, REPO, run_cli

PRESETS = sorted(path.stem for path in (CONF_DIR / "experiment").glob("*.yaml"))
SEARCHES = ["search_lr"]  # Optuna searches: trials, not seeds (tests/test_search.py)
SWEEPS = [preset for preset in PRESETS if preset not in SEARCHES]


def test_training_batches_are_corrupted_and_the_heldout_reference_is_not(compose_cfg):
    cfg = compose_cfg("corruption=gaussian", "corruption.level=0.4")
    datamodule = build_datamodule(cfg)
    datamodule.setup("fit")
    clean_heldout = datamodule.heldout_data.clone()
    batch = next(iter(datamodule.train_dataloader()))
    corrupted = datamodule.on_after_batch_transfer(batch.clone(), 0)
    # additive noise of std 0.4 on the [0, 1] scale is std 0.8 on the [-1, 1] images
    assert (corrupted - batch).std().item() == pytest.approx(0.8, rel=0.05)
    assert torch.equal(datamodule.heldout_data, clean_heldout)
    again = datamodule.on_after_batch_transfer(batch.clone(), 0)
    assert not torch.equal(again, corrupted)  # fresh draws for every batch


def test_level_zero_and_corruption_none_leave_batches_untouched(compose_cfg):
    for overrides in (["corruption=gaussian", "corruption.level=0"], ["corruption=none"]):
        datamodule = build_datamodule(compose_cfg(*overrides))
        batch = torch.randn(4, 1, 32, 32)
        assert datamodule.on_after_batch_transfer(batch, 0) is batch


def test_ambient_training_shows_d_generated_images_through_the_same_corruption(compose_cfg):
    plain = build_module(compose_cfg("corruption=gaussian", "corruption.level=0.2"), (1, 32, 32))
    ambient = build_module(compose_cfg("corruption=gaussian", "corruption.level=0.2", "corruption.ambient=true"), (1, 32, 32))
    fake = torch.zeros(256, 1, 32, 32, requires_grad=True)
    assert torch.equal(plain.d_view_of_fake(fake), fake)
    measured = ambient.d_view_of_fake(fake)
    assert isinstance(ambient.measure, GaussianNoise) and measured.std().item() == pytest.approx(0.4, rel=0.05)
    measured.sum().backward()  # differentiable: G learns through the measurement
    assert torch.equal(fake.grad, torch.ones_like(fake))


def test_a_diverging_run_stops_cleanly_says_so_and_keeps_its_last_good_checkpoint(compose_cfg, tmp_path):
    cfg = compose_cfg("loss._target_=tests.nan_injection.NaNAfterLoss", "+loss.after=3", "train.steps=6")
    results = train(cfg)
    assert results["status"] == "diverged"
    assert results["diverged_quantity"] == "d_loss" and results["diverged_at_step"] == 4  # NaN in D's 4th step
    assert "lower learning rate" in results["error"]
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["status"] == "diverged" and saved["steps"] == 4
    last = torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    assert last["generator_steps"] == 2  # written at step 2 (log.checkpoint_every=2); step 4 was never saved
    assert all(torch.isfinite(v).all() for v in last["state_dict"].values() if v.is_floating_point())


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_weight_under_finite_losses_stops_the_run_naming_that_network(bad):
    generator, discriminator = torch.nn.Linear(3, 4), torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Linear(8, 1))
    monitor = DivergenceMonitor()
    monitor.observe(torch.tensor(0.7), torch.tensor(-1.2))
    with torch.no_grad():  # the extremes of float32 and a bfloat16 layer are finite: no alarm
        largest = torch.finfo(torch.float32).max
        discriminator[0].weight[0, 0], discriminator[0].weight[0, 1] = largest, -largest
        generator.bias.data = generator.bias.data.bfloat16()
    monitor.check(10, generator, discriminator)
    with torch.no_grad():
        discriminator[1].weight[0, 5] = bad
    with pytest.raises(TrainingDiverged) as raised:
        monitor.check(20, generator, discriminator)
    assert raised.value.quantity == "discriminator weights" and raised.value.step == 20


def test_the_weight_check_agrees_with_isfinite_element_by_element():
    generator = torch.Generator().manual_seed(0)
    for trial in range(200):
        tensors = [torch.randn(int(n), generator=generator) for n in torch.randint(0, 40, (4,), generator=generator)]
        for tensor in tensors:  # a few elements of some tensors made NaN or ±inf
            where = torch.rand(tensor.shape, generator=generator) < 0.01
            tensor[where] = torch.tensor([float("nan"), float("inf"), -float("inf")])[trial % 3]
        assert all_finite(tensors) == all(bool(torch.isfinite(tensor).all()) for tensor in tensors)
    assert all_finite([]) and all_finite([torch.empty(0)])


def test_an_ema_generator_whose_samples_are_nan_stops_the_run_as_diverged_at_that_step(compose_cfg, tmp_path):
    cfg = compose_cfg("model.generator._target_=tests.nan_injection.NaNWhenSampledGenerator", "train.steps=4", "eval.every=2")
    results = train(cfg)
    assert results["status"] == "diverged" and results["diverged_at_step"] == 2  # the first evaluation
    assert "359 of 359 samples contain NaN or infinite values" in results["error"]
    assert json.loads((tmp_path / "run" / "results.json").read_text())["status"] == "diverged"


def test_a_sweep_carries_on_past_diverged_and_failed_members(tmp_path):
    proc = run_cli(
        [
            "-m",
            *FAST,
            "train.steps=6",
            "loss._target_=tests.nan_injection.NaNAfterLoss",
            "+loss.after=3,1000",
            "optimizer.lr_d=0.0002,-1",
            f"hydra.sweep.dir={tmp_path}",
        ],
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    members = {p.parent.name: json.loads(p.read_text()) for p in tmp_path.glob("*/results.json")}
    status = {tuple(r["overrides"][-2:]): r["status"] for r in members.values()}
    assert status == {
        ("+loss.after=3", "optimizer.lr_d=0.0002"): "diverged",
        ("+loss.after=3", "optimizer.lr_d=-1"): "failed",
        ("+loss.after=1000", "optimizer.lr_d=0.0002"): "completed",
        ("+loss.after=1000", "optimizer.lr_d=-1"): "failed",
    }
    failed = [r for r in members.values() if r["status"] == "failed"]
    assert all("optimizer.lr_d must be a number > 0, got -1" in r["error"] for r in failed)


def test_a_single_diverged_run_exits_non_zero_with_the_advice(tmp_path):
    proc = run_cli(
        [*FAST, "train.steps=6", "loss._target_=tests.nan_injection.NaNAfterLoss", "+loss.after=3", f"hydra.run.dir={tmp_path}"],
        cwd=REPO,
    )
    assert proc.returncode == 3
    assert "training diverged: d_loss became non-finite by generator step 4" in proc.stderr


def test_every_search_preset_uses_the_optuna_sweeper():
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        for preset in SEARCHES:
            cfg = compose("config", overrides=[f"experiment={preset}"], return_hydra_config=True)
            assert "optuna" in cfg.hydra.sweeper._target_.lower() and preset in cfg.hydra.sweep.dir


# presets that test, on fresh seeds, a claim the seeds 0-2 of another study raised (conf/findings.yaml)
CONFIRMATION_SEEDS = {"d_norm_attack_sweep": "3,4,5", "d_memory_sweep": "3,4,5", "augmentation_memory_sweep": "3,4,5"}


@pytest.mark.parametrize("preset", SWEEPS)
def test_presets_sweep_three_seeds_and_their_members_compose(preset, tmp_path):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"experiment={preset}"], return_hydra_config=True)
        params = cfg.hydra.sweeper.params
        assert params.seed == CONFIRMATION_SEEDS.get(preset, "0,1,2")
        assert cfg.hydra.sweep.dir == f"outputs/studies/{preset}"  # the study (and its W&B group) is named after the preset
        assert cfg.hydra.sweeper._target_.endswith("StudySweeper")  # resumable (tests/test_studies.py)
        first_member = [f"{key}={str(values).split(',')[-1]}" for key, values in params.items()]
        member = compose("config", overrides=[f"experiment={preset}", *first_member, *FAST, f"paths.output_dir={tmp_path}"])
    module = build_module(member, build_datamodule(member).sample_shape)
    # the member's swept choices reach the module: its loss, its regularizers (the loss's own first), n_critic
    assert type(module.loss).__name__ == member.loss._target_.rsplit(".", 1)[1]
    brought = list(member.loss.get("regularizers") or {})
    assert [r.name for r in module.regularizers] == brought + list(member.get("regularizer") or {})
    assert module.n_critic == member.train.n_critic


def test_the_noise_sweep_varies_levels_ambient_and_seeds():
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["experiment=noise_sweep"], return_hydra_config=True)
    assert cfg.corruption._target_.endswith("GaussianNoise")
    assert dict(cfg.hydra.sweeper.params) == {
        "corruption.level": "0,0.1,0.2,0.4",
        "corruption.ambient": "false,true",
        "seed": "0,1,2",
    }


@pytest.mark.parametrize(
    "launcher, target",
    [
        ("joblib", "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"),
        ("slurm", "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"),
    ],
)
def test_launchers_compose(launcher, target):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"hydra/launcher={launcher}"], return_hydra_config=True)
    assert cfg.hydra.launcher._target_ == target


def test_joblib_runs_two_sweep_members_in_parallel_processes(tmp_path):
    proc = run_cli(
        ["-m", *FAST, "seed=0,1", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={tmp_path}"], cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    members = {p.parent.name: json.loads(p.read_text()) for p in tmp_path.glob("*/results.json")}
    assert len(members) == 2 and {r["status"] for r in members.values()} == {"completed"}
    # two members at once share the cores instead of each taking all of them
    assert {r["torch_threads"] for r in members.values()} == {max(1, available_cores() // 2)}
    assert "Joblib.Parallel(n_jobs=2" in proc.stdout + proc.stderr
