"""Checkpoints written before the step-context redesign (2026-12-02), read by today's code.

Their hyperparameters held the training settings at the top level (`n_critic`, `ema_decay`,
`channels_last`, `compile`, and the unused `total_steps`), and WGAN / WGAN-GP as loss classes with
built-in clipping or penalty. `upgrade_hyperparameters` rewrites them into today's form — the
settings under `train`, and the Wasserstein loss with the `weight_clip` or `gp` regularizer it now
brings — so that `gan_lab.generate` and `gan_lab.evaluate` still read old runs.
"""

from __future__ import annotations

from typing import Any

LEGACY_TRAIN_KEYS = ("n_critic", "ema_decay", "channels_last", "compile")
WASSERSTEIN = "gan_lab.losses.WassersteinLoss"
WASSERSTEIN_GP = "gan_lab.losses.WassersteinGPLoss"


def upgrade_hyperparameters(hparams: dict[str, Any]) -> dict[str, Any]:
    """Today's form of a GANModule's saved hyperparameters (unchanged when already current)."""
    hparams = dict(hparams)
    hparams.pop("total_steps", None)
    train = dict(hparams.get("train") or {})
    for key in LEGACY_TRAIN_KEYS:
        if key in hparams:
            value = hparams.pop(key)
            if value is not None:
                train[key] = value
    if train:
        hparams["train"] = train
    loss = dict(hparams.get("loss") or {})
    if loss.get("_target_") == WASSERSTEIN_GP:
        weight = loss.pop("gp_weight", 10.0)
        penalty = {"_target_": "gan_lab.regularizers.GradientPenalty", "weight": weight}
        loss = {"_target_": WASSERSTEIN, "regularizers": {"gp": penalty}}
    elif loss.get("_target_") == WASSERSTEIN and "clip_value" in loss:
        clip = loss.pop("clip_value")
        clipping = {"weight_clip": {"_target_": "gan_lab.regularizers.WeightClipping", "clip_value": clip}} if clip else {}
        loss = {"_target_": WASSERSTEIN, **({"regularizers": clipping} if clipping else {})}
    if loss:
        hparams["loss"] = loss
    return hparams
