"""The domain classifier behind FID on the digits: one network for given data and seed, on every machine."""

from __future__ import annotations

import torch

from gan_lab.metrics.classifier import train_classifier


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
