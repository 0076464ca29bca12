"""The `regularizer` config group: range checks that name the key, list composition, and short runs that
log every regularizer's terms."""

import json

import pytest

from gan_lab.regularizers import (
    BalancedConsistency,
    DRAGANPenalty,
    GradientClipping,
    GradientPenalty,
    InstanceNoise,
    LeCamRegularizer,
    MagnitudePruning,
    OneSidedLabelSmoothing,
    R1Penalty,
    R2Penalty,
    SpectralNormalization,
    WeightDecay,
)
from gan_lab.run import train

BAD_KNOBS = [
    (GradientPenalty, {"weight": -1}, "regularizer.gp.weight must be >= 0, got -1"),
    (DRAGANPenalty, {"weight": -1}, "regularizer.dragan.weight must be >= 0"),
    (DRAGANPenalty, {"scale": -0.5}, "regularizer.dragan.scale must be >= 0"),
    (R1Penalty, {"weight": -1}, "regularizer.r1.weight must be >= 0, got -1"),
    (R2Penalty, {"weight": float("nan")}, "regularizer.r2.weight must be >= 0"),
    (SpectralNormalization, {"n_power_iterations": 0}, "regularizer.spectral_norm.n_power_iterations must be an integer >= 1"),
    (SpectralNormalization, {"generator": "yes"}, "regularizer.spectral_norm.generator must be true or false"),
    (WeightDecay, {"weight": -1e-4}, "regularizer.weight_decay.weight must be >= 0"),
    (WeightDecay, {"norm": 3}, "regularizer.weight_decay.norm must be 1 or 2, got 3"),
    (WeightDecay, {"on": ["critic"]}, "regularizer.weight_decay.on must be generator, discriminator or a list of them"),
    (WeightDecay, {"on": []}, "regularizer.weight_decay.on must be"),
    (GradientClipping, {"max_norm": 0}, "regularizer.grad_clip.max_norm must be > 0, got 0"),
    (GradientClipping, {"norm_type": -2}, "regularizer.grad_clip.norm_type must be > 0"),
    (GradientClipping, {"on": "both"}, "regularizer.grad_clip.on must be"),
    (InstanceNoise, {"std": -0.1}, "regularizer.instance_noise.std must be >= 0"),
    (InstanceNoise, {"anneal_steps": 0}, "regularizer.instance_noise.anneal_steps must be >= 1 or null"),
    (OneSidedLabelSmoothing, {"target": 1.1}, "regularizer.label_smoothing.target must be in (0, 1], got 1.1"),
    (OneSidedLabelSmoothing, {"target": 0}, "regularizer.label_smoothing.target must be in (0, 1]"),
    (BalancedConsistency, {"real_weight": -1}, "regularizer.consistency.real_weight must be >= 0"),
    (BalancedConsistency, {"fake_weight": -1}, "regularizer.consistency.fake_weight must be >= 0"),
    (BalancedConsistency, {"translation": 0.5}, "regularizer.consistency.translation must be in [0, 0.5)"),
    (BalancedConsistency, {"flip": 1}, "regularizer.consistency.flip must be true or false"),
    (LeCamRegularizer, {"weight": -0.3}, "regularizer.lecam.weight must be >= 0"),
    (LeCamRegularizer, {"decay": 1.0}, "regularizer.lecam.decay must be in [0, 1), got 1.0"),
    (MagnitudePruning, {"sparsity": 1.0}, "regularizer.pruning.sparsity must be in [0, 1), got 1.0"),
    (MagnitudePruning, {"sparsity": -0.1}, "regularizer.pruning.sparsity must be in [0, 1)"),
    (MagnitudePruning, {"on": "g"}, "regularizer.pruning.on must be"),
]


@pytest.mark.parametrize("cls, kwargs, message", BAD_KNOBS, ids=[f"{c.__name__}-{next(iter(k))}" for c, k, _ in BAD_KNOBS])
def test_out_of_range_knobs_are_refused_naming_the_config_key(cls, kwargs, message):
    with pytest.raises(ValueError) as err:
        cls(**kwargs)
    assert message in str(err.value)


def test_a_list_of_regularizers_composes_into_one_named_entry_each(compose_cfg):
    cfg = compose_cfg("regularizer=[spectral_norm,r1,instance_noise]")
    assert list(cfg.regularizer) == ["spectral_norm", "r1", "instance_noise"]
    assert cfg.regularizer.r1 == {"_target_": "gan_lab.regularizers.R1Penalty", "weight": 10.0, "every": 1}
    assert cfg.regularizer.instance_noise.anneal_steps == cfg.train.steps
    assert not compose_cfg("regularizer=none").regularizer


@pytest.mark.parametrize("option", ["weight_decay", "grad_clip", "pruning"])
def test_the_on_knob_reads_as_a_list_of_networks_and_takes_one_network_from_the_command_line(compose_cfg, option):
    assert list(compose_cfg(f"regularizer={option}").regularizer[option]["on"]) == ["generator", "discriminator"]
    assert compose_cfg(f"regularizer={option}", f"regularizer.{option}.on=generator").regularizer[option]["on"] == "generator"


def test_spectral_norm_and_r1_train_together_and_r1_is_logged(compose_cfg, tmp_path):
    cfg = compose_cfg("regularizer=[spectral_norm,r1]", "eval.enabled=false")
    train(cfg)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["status"] == "completed"
    assert results["steps"] == cfg.train.steps
    assert results["metrics"]["r1"] > 0


def test_every_regularizers_terms_and_scalars_reach_results_json(compose_cfg, tmp_path):
    """Pruning and spectral normalisation of G, under the EMA copy, with five term-logging regularizers."""
    cfg = compose_cfg(
        "regularizer=[pruning,spectral_norm,weight_decay,grad_clip,instance_noise,lecam,label_smoothing]",
        "regularizer.spectral_norm.generator=true",
        "eval.enabled=false",
    )
    train(cfg)
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["status"] == "completed"
    metrics = results["metrics"]
    logged = {
        "weight_decay_g", "weight_decay_d", "grad_clip_norm_g", "grad_clip_norm_d", "instance_noise_std",
        "lecam", "lecam_anchor_real", "lecam_anchor_fake", "label_smoothing", "pruning_sparsity_g", "pruning_sparsity_d",
    }  # fmt: skip
    assert logged <= set(metrics)
    assert metrics["instance_noise_std"] == 0.0  # annealed to 0 over train.steps
    assert metrics["pruning_sparsity_g"] == pytest.approx(0.5, abs=1e-3)
    assert metrics["pruning_sparsity_d"] == pytest.approx(0.5, abs=1e-3)
    assert metrics["weight_decay_d"] > 0 and metrics["grad_clip_norm_d"] > 0
