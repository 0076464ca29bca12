"""Checkpoints written before the step-context redesign still load in gan_lab.generate/evaluate."""

from __future__ import annotations

import torch

from gan_lab.checkpoint_upgrade import upgrade_hyperparameters
from gan_lab.generate import load_module
from gan_lab.run import train


def test_a_wgan_gp_checkpoint_in_the_old_format_loads_and_samples_as_the_new_one(compose_cfg, tmp_path):
    train(compose_cfg("loss=wgan_gp", "train.steps=2", "eval.enabled=false", "log.checkpoint_every=2"))
    current = tmp_path / "run" / "checkpoints" / "last.ckpt"
    checkpoint = torch.load(current, map_location="cpu", weights_only=False)
    hparams = dict(checkpoint["hyper_parameters"])
    legacy = {key: value for key, value in hparams.items() if key != "train"}  # the old layout, by hand
    legacy |= {key: hparams["train"][key] for key in ("n_critic", "ema_decay", "channels_last", "compile")}
    legacy |= {"total_steps": 2, "loss": {"_target_": "gan_lab.losses.WassersteinGPLoss", "gp_weight": 3.0}}
    checkpoint["hyper_parameters"] = legacy
    old = tmp_path / "old.ckpt"
    torch.save(checkpoint, old)

    upgraded = upgrade_hyperparameters(legacy)
    assert upgraded["loss"] == {
        "_target_": "gan_lab.losses.WassersteinLoss",
        "regularizers": {"gp": {"_target_": "gan_lab.regularizers.GradientPenalty", "weight": 3.0}},
    }
    assert upgraded["train"] == {k: hparams["train"][k] for k in ("n_critic", "ema_decay", "channels_last", "compile")}
    assert "total_steps" not in upgraded
    latents = torch.randn(4, load_module(current).generator.latent_dim, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(load_module(old).generate(latents), load_module(current).generate(latents))


def test_old_wgan_weight_clipping_becomes_the_weight_clip_regularizer():
    upgraded = upgrade_hyperparameters({"loss": {"_target_": "gan_lab.losses.WassersteinLoss", "clip_value": 0.05}})
    assert upgraded["loss"]["regularizers"]["weight_clip"]["clip_value"] == 0.05
    hinge = "gan_lab.losses.HingeLoss"
    assert upgrade_hyperparameters({"loss": {"_target_": hinge}}) == {"loss": {"_target_": hinge}}
