"""`StackedDigitsDataModule`: three scikit-learn digits stacked as R, G, B (Stacked-MNIST, 1000 modes).

Every channel of every image is traced back to the single digit it came from by exact tensor
equality against the digit pools (the 1797 digit images are all distinct), so the tests check
which split each channel came from and that the 3-digit code matches those digits' labels.
"""

from __future__ import annotations

import math

import pytest
import torch

from gan_lab.datasets import DigitsDataModule, StackedDigitsDataModule
from gan_lab.datasets.stacked_digits import stack

S = 32


@pytest.fixture(scope="module")
def dm() -> StackedDigitsDataModule:
    module = StackedDigitsDataModule(batch_size=16, num_batches=5, seed=3)
    module.setup("fit")
    return module


def find_digits(channels: torch.Tensor, pool: torch.Tensor) -> torch.Tensor:
    """Index into `pool` (N, 1, S, S) of each single-channel image in `channels` (M, S, S), asserting
    that every one of them is exactly (bit for bit) an image of the pool."""
    flat, flat_pool = channels.reshape(len(channels), -1), pool.reshape(len(pool), -1)
    nearest = torch.cdist(flat, flat_pool).argmin(dim=1)
    assert torch.equal(flat, flat_pool[nearest]), "a channel is not exactly one of the pool's digits"
    return nearest


def channel_labels(images: torch.Tensor, pool: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """(M, 3) digit labels of the R, G, B channels of `images`, each found exactly in `pool`."""
    index = find_digits(images.reshape(-1, S, S), pool)
    return labels[index].reshape(len(images), 3)


def test_stack_puts_the_indexed_digits_in_r_g_b_and_codes_them():
    digits = torch.arange(4, dtype=torch.float32).reshape(4, 1, 1, 1).expand(4, 1, 2, 2).clone()
    labels = torch.tensor([7, 0, 3, 9])
    images, codes = stack(digits, labels, torch.tensor([[0, 1, 2], [3, 3, 0]]))
    assert images.shape == (2, 3, 2, 2)
    assert torch.equal(images[:, :, 0, 0], torch.tensor([[0.0, 1.0, 2.0], [3.0, 3.0, 0.0]]))
    assert codes.tolist() == [703, 997]


def test_samples_are_three_channel_32x32_in_unit_range(dm):
    assert dm.sample_shape == (3, S, S) and dm.is_image
    assert dm.heldout_data.shape == (10000, 3, S, S)
    assert dm.heldout_data.dtype == torch.float32 and dm.heldout_data.device.type == "cpu"
    assert dm.heldout_labels.shape == (10000,)
    assert int(dm.heldout_labels.min()) >= 0 and int(dm.heldout_labels.max()) <= 999
    batch = next(iter(dm.train_dataloader()))
    for images in (dm.heldout_data, batch):
        assert images.min() >= -1.0 and images.max() <= 1.0
        assert images.min() == -1.0 and images.max() > 0.9  # the full range is used, not a squashed one


def test_digit_pools_are_exactly_the_digits_dataset_split(dm):
    train, train_labels, heldout, heldout_labels = DigitsDataModule(image_size=S, heldout_fraction=0.2, split_seed=0).load()
    assert dm.digit_pool_train.shape == (1438, 1, S, S) and dm.digit_pool_heldout.shape == (359, 1, S, S)
    assert torch.equal(dm.digit_pool_train, train) and torch.equal(dm.digit_labels_train, train_labels)
    assert torch.equal(dm.digit_pool_heldout, heldout) and torch.equal(dm.digit_labels_heldout, heldout_labels)


def test_heldout_channels_are_heldout_digits_and_codes_match_their_labels(dm):
    digits = channel_labels(dm.heldout_data, dm.digit_pool_heldout, dm.digit_labels_heldout)
    assert torch.equal(dm.heldout_labels, 100 * digits[:, 0] + 10 * digits[:, 1] + digits[:, 2])


def test_heldout_set_is_fixed_by_split_seed_not_by_training_seed(dm):
    other_run = StackedDigitsDataModule(batch_size=8, num_batches=2, seed=11)
    other_run.setup("fit")
    assert torch.equal(other_run.heldout_data, dm.heldout_data)
    assert torch.equal(other_run.heldout_labels, dm.heldout_labels)
    other_split = StackedDigitsDataModule(split_seed=1, batch_size=16, num_batches=5, seed=3)
    other_split.setup("fit")
    assert not torch.equal(other_split.digit_pool_heldout, dm.digit_pool_heldout)
    assert not torch.equal(other_split.heldout_labels, dm.heldout_labels)


def test_train_batches_are_fresh_stacks_of_training_digits_only(dm):
    loader = dm.train_dataloader()
    batches = list(loader)
    assert len(loader) == 5 and len(batches) == 5
    assert all(b.shape == (16, 3, S, S) and b.dtype == torch.float32 for b in batches)
    assert len({tuple(b.flatten().tolist()) for b in batches}) == 5  # every batch is drawn anew
    # Searched in the union of both pools: a match must land in the training part.
    pool = torch.cat([dm.digit_pool_train, dm.digit_pool_heldout])
    index = find_digits(torch.cat(batches).reshape(-1, S, S), pool)
    assert int(index.max()) < len(dm.digit_pool_train), "a training channel is a held-out digit"


def test_train_batches_are_reproducible_from_the_training_seed(dm):
    again = StackedDigitsDataModule(batch_size=16, num_batches=5, seed=3)
    again.setup("fit")
    other = StackedDigitsDataModule(batch_size=16, num_batches=5, seed=4)
    other.setup("fit")
    first = torch.cat(list(dm.train_dataloader()))
    assert torch.equal(first, torch.cat(list(again.train_dataloader())))
    assert not torch.equal(first, torch.cat(list(other.train_dataloader())))


def test_channels_are_drawn_independently():
    n = 3000
    module = StackedDigitsDataModule(batch_size=n, num_batches=1, seed=0)
    module.setup("fit")
    images = next(iter(module.train_dataloader()))
    digits = channel_labels(images, module.digit_pool_train, module.digit_labels_train)
    freq = torch.bincount(module.digit_labels_train, minlength=10).double() / len(module.digit_labels_train)
    expected = float((freq**2).sum())  # P(two independent draws show the same digit), ≈ 0.1
    tolerance = 4 * math.sqrt(expected * (1 - expected) / n)
    for a, b in [(0, 1), (1, 2), (0, 2)]:
        observed = (digits[:, a] == digits[:, b]).double().mean().item()
        assert abs(observed - expected) < tolerance, (a, b, observed, expected)


def test_heldout_set_covers_almost_all_1000_codes(dm):
    assert len(torch.unique(dm.heldout_labels)) >= 990


def test_rejects_an_empty_heldout_set():
    with pytest.raises(ValueError, match="heldout_size"):
        StackedDigitsDataModule(heldout_size=0)
