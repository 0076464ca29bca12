"""The Inception backbone: found only on disk (never downloaded), read in its own file format."""

import pytest
import torch

from gan_lab.metrics.inception import (
    WEIGHTS_FILE,
    InceptionBackbone,
    resolve_inception_weights,
    write_untrained_inception_weights,
)


def test_missing_inception_weights_give_a_clear_error_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr("torch.hub.get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(FileNotFoundError) as err:
        resolve_inception_weights(str(tmp_path / "nowhere.pth"))
    message = str(err.value)
    assert "eval.inception_weights" in message and "nowhere.pth" in message and WEIGHTS_FILE in message


def test_inception_weights_are_found_in_the_torch_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setattr("torch.hub.get_dir", lambda: str(tmp_path / "hub"))
    cached = tmp_path / "hub" / "checkpoints" / WEIGHTS_FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert resolve_inception_weights(None) == cached


def test_the_backbone_reads_a_weights_file_and_maps_grey_images_in_unit_range_to_2048_features(tmp_path):
    weights = write_untrained_inception_weights(tmp_path / WEIGHTS_FILE)
    state = torch.load(weights, weights_only=True)
    assert state["fc.weight"].shape == (1008, 2048)  # the FID network's TF-compatible 1008-way head
    backbone = InceptionBackbone(str(weights))
    grey = torch.rand(3, 1, 32, 32) * 2 - 1
    features = backbone.extract(grey)
    assert features.shape == (3, 2048) and features.dtype == torch.float64
    assert torch.isfinite(features).all()
    # grey images are the RGB images with three equal channels
    torch.testing.assert_close(features, backbone.extract(grey.expand(-1, 3, -1, -1)))


def test_one_pass_gives_the_pool_features_and_the_logits_the_inception_score_reads(tmp_path):
    from torchmetrics.image.fid import NoTrainInceptionV3

    weights = write_untrained_inception_weights(tmp_path / WEIGHTS_FILE)
    backbone = InceptionBackbone(str(weights))
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    features, logits = backbone.extract_with_logits(images)
    assert features.shape == (2, 2048) and logits.shape == (2, 1008)
    torch.testing.assert_close(features, backbone.extract(images))
    logits_only = NoTrainInceptionV3(
        name="inception-v3-compat", features_list=["logits_unbiased"], feature_extractor_weights_path=str(weights)
    )
    uint8 = ((images + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
    torch.testing.assert_close(logits, logits_only(uint8).double())


def test_inception_score_is_the_exponentiated_mean_kl_per_split():
    import numpy as np

    from gan_lab.metrics.evaluator import inception_score

    logits = torch.randn(200, 1008, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 3
    score = inception_score(logits, splits=1)
    p = np.exp(logits.numpy() - logits.numpy().max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    marginal = p.mean(0, keepdims=True)
    expected = np.exp((p * (np.log(p) - np.log(marginal))).sum(1).mean())
    assert score["inception_score"] == pytest.approx(expected, rel=1e-9)
    # ten splits: the mean and spread of the ten scores, the same for the same seed
    ten = inception_score(logits, splits=10, seed=3)
    assert ten == inception_score(logits, splits=10, seed=3) and ten["inception_score_std"] > 0
    # one-hot-like predictions spread evenly over k classes score k
    confident = torch.full((100, 1008), -50.0, dtype=torch.float64)
    confident[torch.arange(100), torch.arange(100) % 4] = 50.0
    assert inception_score(confident, splits=1)["inception_score"] == pytest.approx(4.0, rel=1e-6)
