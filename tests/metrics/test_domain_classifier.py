"""The domain classifier behind FID on the digits: one network for given data and seed, on every machine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from gan_lab.metrics import classifier
from gan_lab.metrics.classifier import classify, data_digest, train_classifier
from gan_lab.run import CONF_DIR, build_datamodule
from tests.conftest import REPO


def digits_like(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 32, 32, generator=generator) * 2 - 1, torch.randint(0, 10, (n,), generator=generator)


def test_the_classifier_is_the_same_network_whatever_the_callers_thread_count(tmp_path):
    # a run alone uses every core, a sweep member one thread: both must score with the same network, or
    # the same config's FID depends on which of them happened to fill the cache first
    (train, labels), (heldout, heldout_labels) = digits_like(256, 0), digits_like(64, 1)
    threads = torch.get_num_threads()
    networks = []
    try:
        for count, cache in ((1, "one"), (2, "two")):
            torch.set_num_threads(count)
            trained = train_classifier(train, labels, heldout, heldout_labels, tmp_path / cache, steps=30)
            networks.append(trained.network.state_dict())
            assert torch.get_num_threads() == count  # the caller's setting is left as it was
    finally:
        torch.set_num_threads(threads)
    assert all(torch.equal(networks[0][name], networks[1][name]) for name in networks[0])


def test_a_bundled_classifier_is_used_when_the_cache_has_none_and_ignored_on_request(tmp_path, monkeypatch):
    (train, labels), (heldout, heldout_labels) = digits_like(256, 0), digits_like(64, 1)
    trained = train_classifier(train, labels, heldout, heldout_labels, tmp_path / "elsewhere", steps=30)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / classifier.bundled_name(trained.path.name)).write_bytes(trained.path.read_bytes())
    monkeypatch.setattr(classifier, "BUNDLED_DIR", bundle)

    found = train_classifier(train, labels, heldout, heldout_labels, tmp_path / "cache", steps=30)
    assert found.path == bundle / classifier.bundled_name(trained.path.name)
    assert not (tmp_path / "cache").exists()  # nothing trained nor written
    assert found.heldout_accuracy == trained.heldout_accuracy
    own = tmp_path / "own_cache" / trained.path.name  # a checkout's own network under the same key comes first
    own.parent.mkdir()
    torch.save({**torch.load(trained.path, weights_only=True), "heldout_accuracy": 0.125}, own)
    assert train_classifier(train, labels, heldout, heldout_labels, own.parent, steps=30).heldout_accuracy == 0.125
    other_steps = train_classifier(train, labels, heldout, heldout_labels, tmp_path / "cache", steps=31)
    assert other_steps.path == tmp_path / "cache" / other_steps.path.name  # another key: trained and cached as before
    ignored = train_classifier(train, labels, heldout, heldout_labels, tmp_path / "fresh", steps=30, bundled=False)
    assert ignored.path == tmp_path / "fresh" / trained.path.name


def test_a_bundled_classifier_is_found_only_by_a_machine_of_the_kind_that_trained_it(tmp_path, monkeypatch):
    # another torch release or CPU kernel set trains another network: it must train its own, not load this one
    (train, labels), (heldout, heldout_labels) = digits_like(256, 0), digits_like(64, 1)
    trained = train_classifier(train, labels, heldout, heldout_labels, tmp_path / "elsewhere", steps=30)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    name = classifier.bundled_name(trained.path.name)
    assert name.endswith(f"-torch{torch.__version__.split('+')[0]}-{torch.backends.cpu.get_cpu_capability()}.pt")
    (bundle / name.replace(torch.backends.cpu.get_cpu_capability(), "OTHER")).write_bytes(trained.path.read_bytes())
    monkeypatch.setattr(classifier, "BUNDLED_DIR", bundle)
    found = train_classifier(train, labels, heldout, heldout_labels, tmp_path / "cache", steps=30)
    assert found.path == tmp_path / "cache" / trained.path.name  # trained here and cached, as without a bundle


@pytest.mark.parametrize("dataset", ["digits", "stacked_digits"])
def test_the_embedded_datasets_default_yardstick_ships_with_the_package(dataset, tmp_path):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=[f"dataset={dataset}"])
    datamodule = build_datamodule(cfg)
    datamodule.setup("fit")
    data = instantiate(cfg.eval.evaluator)(datamodule).classifier_data()
    manifest = json.loads((classifier.BUNDLED_DIR / "manifest.json").read_text())
    kind = classifier.bundled_name(".pt")  # this machine's torch release and CPU kernels
    entries = [entry for name, entry in manifest.items() if name.endswith(kind) and dataset in entry["datasets"]]
    if not entries:  # a machine of another kind trains its own network, as without a bundle
        pytest.skip(f"no bundled {dataset} classifier for this kind of machine ({kind.removesuffix('.pt').lstrip('-')})")
    (entry,) = entries
    if data_digest(*data) != entry["data_sha1"]:
        pytest.skip(f"this machine prepares other {dataset} bytes than the bundle's ({entry['trained_with']})")
    trained = train_classifier(*data, cache_dir=tmp_path, seed=cfg.eval.seed, steps=cfg.eval.classifier_steps)
    assert trained.path.parent == classifier.BUNDLED_DIR, (
        "no bundled classifier for this data and these settings: the data, the network or its training changed; "
        "run `python scripts/bundle_classifiers.py --write`"
    )
    assert not any(tmp_path.iterdir())
    # the accuracy it records is what it scores on the held-out images, counted again here
    counted = classify(trained.network, data[2]).eq(data[3]).double().mean().item()
    assert trained.heldout_accuracy == pytest.approx(counted, abs=1e-6)
    assert trained.heldout_accuracy >= 0.9


@pytest.mark.slow  # in `scripts/test -m slow`: trains the classifier (20-30 s on one thread)
def test_the_bundle_check_retrains_the_classifier_and_compares_it_with_the_shipped_one():
    proc = subprocess.run([sys.executable, str(REPO / "scripts" / "bundle_classifiers.py"), "--check", "--datasets", "digits"],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = [line for line in proc.stdout.splitlines() if line.startswith("dataset=digits:")]
    assert "held-out accuracy" in line and "agree on" in line
