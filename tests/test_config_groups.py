"""Every option of every config group composes and trains a few steps.

The options are read from conf/, so a new YAML file is covered the moment it is added.
"""

from __future__ import annotations

import json

import pytest
import torch

from gan_lab.run import CONF_DIR, train
from tests.dataset_files import (
    MNIST_FOLDERS,
    allow_synthetic_cifar10,
    cifar_arrays,
    mnist_like_arrays,
    write_cifar10,
    write_mnist_like,
    write_random_images,
)

GROUPS = [
    "dataset",
    "model",
    "loss",
    "optimizer",
    "scheduler",
    "regularizer",
    "augmentation",
    "corruption",
    "trainer",
    "logger",
    "lever",
]
OPTIONS = [(group, path.stem) for group in GROUPS for path in sorted((CONF_DIR / group).glob("*.yaml"))]


def context_for(group: str, option: str, tmp_path, monkeypatch) -> list[str]:
    """Extra overrides (and files) an option needs to run here."""
    if group == "dataset" and option in ("mnist", "fashion_mnist"):
        write_mnist_like(tmp_path / "data", MNIST_FOLDERS[option], mnist_like_arrays())
        return [f"dataset.root={tmp_path / 'data'}"]
    if group == "dataset" and option == "cifar10":
        write_cifar10(tmp_path / "data", cifar_arrays())
        allow_synthetic_cifar10(monkeypatch)
        return [f"dataset.root={tmp_path / 'data'}"]
    if group == "dataset" and option == "stacked_digits":
        # its held-out split is 10,000 stacks; scoring 500 of them is enough to show the evaluation
        # runs (the 10,000-sample protocol is tested in tests/metrics/test_evaluator.py)
        return ["eval.num_samples=500"]
    if group == "dataset" and option == "image_folder":
        write_random_images(tmp_path / "images", n=10)
        # unlabelled images: no domain classifier to evaluate with (eval.backbone=inception needs weights)
        return [f"dataset.root={tmp_path / 'images'}", "dataset.num_workers=0", "eval.enabled=false"]
    if group == "trainer" and option == "gpu" and not torch.cuda.is_available():
        pytest.skip("trainer=gpu needs a CUDA device (composition is checked in test_gpu_trainer_composes)")
    if group == "trainer" and option == "ddp":
        pytest.skip("DDP starts its processes from the command line: tested in tests/test_ddp.py")
    if group == "logger" and option == "wandb":
        monkeypatch.setenv("WANDB_MODE", "offline")
    return []


def test_every_group_has_options():
    found = {group for group, _ in OPTIONS}
    assert found == set(GROUPS)


@pytest.mark.parametrize("group, option", OPTIONS, ids=[f"{g}={o}" for g, o in OPTIONS])
def test_option_composes_and_trains_a_few_steps(group, option, compose_cfg, tmp_path, monkeypatch):
    # the evaluation meets a new dataset or model; for every other option it is the same code, tested
    # elsewhere, and it would be three quarters of this test's time
    scored = [] if group in ("dataset", "model") else ["eval.enabled=false"]
    cfg = compose_cfg(f"{group}={option}", *context_for(group, option, tmp_path, monkeypatch), *scored)
    results = train(cfg)
    assert results["status"] == "completed"
    assert results["steps"] == cfg.train.steps
    run_dir = tmp_path / "run"
    assert json.loads((run_dir / "results.json").read_text())["status"] == "completed"
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    metrics = results["metrics"]
    assert all(torch.isfinite(torch.tensor(v)) for v in metrics.values() if isinstance(v, float))
    if cfg.eval.enabled:  # the evaluation's final numbers and their floor
        assert ("modes_covered" in metrics) if option in ("ring8", "grid25") else {"fid", "fid_floor"} <= set(metrics)


@pytest.mark.parametrize(
    "lever, group",
    [("spectral_norm", "regularizer"), ("r1", "regularizer"), ("consistency", "regularizer"), ("diffaug", "augmentation")],
)
def test_a_lever_choice_is_the_same_config_as_its_own_group_choice(lever, group, compose_cfg):
    assert compose_cfg(f"lever={lever}") == compose_cfg(f"{group}={lever}")


def test_gpu_trainer_composes_for_bf16_on_one_gpu(compose_cfg):
    cfg = compose_cfg("trainer=gpu")
    assert (cfg.trainer.accelerator, cfg.trainer.devices, cfg.trainer.precision) == ("gpu", 1, "bf16-mixed")


@pytest.mark.parametrize("dataset, gp_weight, steps", [("ring8", 0.1, 7000), ("grid25", 1.0, 8000)])
def test_wgan_gp_on_two_dimensional_mixtures_brings_its_tuning_and_the_command_line_still_wins(
    dataset, gp_weight, steps, compose_cfg
):
    cfg = compose_cfg(f"dataset={dataset}", "loss=wgan_gp", fast=False)
    assert (cfg.loss.regularizers.gp.weight, cfg.train.steps, cfg.train.n_critic) == (gp_weight, steps, 2)
    assert cfg.scheduler._target_ == "torch.optim.lr_scheduler.LinearLR" and cfg.scheduler.total_iters == steps
    overridden = compose_cfg(
        f"dataset={dataset}", "loss=wgan_gp", "loss.regularizers.gp.weight=10", "train.steps=100", fast=False
    )
    assert (overridden.loss.regularizers.gp.weight, overridden.scheduler.total_iters) == (10, 100)
    assert compose_cfg(f"dataset={dataset}", "loss=ns", fast=False).scheduler in (None, {})  # only for wgan_gp


def test_the_linear_schedule_decays_both_learning_rates_to_zero_over_the_run(compose_cfg):
    results = train(compose_cfg("scheduler=linear", "train.steps=4", "log.every=1"))
    assert results["metrics"]["lr_g"] == pytest.approx(0.0) and results["metrics"]["lr_d"] == pytest.approx(0.0)


def test_wgan_brings_its_papers_rmsprop_and_n_critic_on_the_digits_and_the_command_line_still_wins(compose_cfg):
    """Arjovsky et al. 2017, Algorithm 1: RMSProp, lr 5e-5, n_critic 5; the other losses keep Adam."""
    cfg = compose_cfg("loss=wgan", fast=False)
    assert (cfg.optimizer.generator._target_, cfg.optimizer.discriminator._target_) == ("torch.optim.RMSprop",) * 2
    assert (cfg.optimizer.lr_g, cfg.optimizer.lr_d, cfg.train.n_critic) == (5e-5, 5e-5, 5)
    assert compose_cfg("loss=wgan", "optimizer=adam", fast=False).optimizer.generator._target_ == "torch.optim.Adam"
    for other in ("ns", "wgan_gp", "hinge"):
        assert compose_cfg(f"loss={other}", fast=False).optimizer.generator._target_ == "torch.optim.Adam"
