"""The Inception backbone never reaches for the network."""

import pytest

from gan_lab.metrics.inception import WEIGHTS_FILE, resolve_inception_weights


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
