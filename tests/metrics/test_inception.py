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
