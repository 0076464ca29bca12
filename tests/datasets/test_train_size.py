"""`dataset.train_size`: training on a fixed, seeded, nested part of the training split, with the
held-out split (FID's reference) and the evaluation's yardstick untouched, and the default (null)
exactly the data and batches of before."""

from __future__ import annotations

import json

import pytest
import torch

from gan_lab.datasets import (
    DigitsDataModule,
    GaussianMixtureDataModule,
    ImageFolderDataModule,
    StackedDigitsDataModule,
    TorchvisionDataModule,
)
from gan_lab.datasets.base import RandomBatches
from tests.conftest import FAST, REPO, run_cli
from tests.dataset_files import MNIST_FOLDERS, N_TEST, N_TRAIN, mnist_like_arrays, write_mnist_like, write_random_images

N_DIGITS = 1797
N_DIGITS_HELDOUT = 359  # round(0.2 × 1797) = round(359.4)
N_DIGITS_TRAIN = N_DIGITS - N_DIGITS_HELDOUT  # 1438


def digits(train_size=None, split_seed=0, **kwargs) -> DigitsDataModule:
    dm = DigitsDataModule(train_size=train_size, split_seed=split_seed, batch_size=16, num_batches=5, seed=3, **kwargs)
    dm.setup("fit")
    return dm


def rows(data: torch.Tensor) -> set[bytes]:
    """Each image as its bytes, to compare sets of images."""
    return {image.numpy().tobytes() for image in data}


@pytest.fixture(scope="module")
def full():
    return digits()


@pytest.mark.parametrize(
    ("train_size", "expected"),
    [(0.1, 144), (0.25, 360), (0.5, 719), (1.0, N_DIGITS_TRAIN), (1, 1), (100, 100), (N_DIGITS_TRAIN, N_DIGITS_TRAIN)],
)
def test_a_fraction_or_a_count_gives_that_many_training_images(train_size, expected, full):
    """Fractions of 1438: 143.8 → 144, 359.5 → 360, 719 exactly; a count is taken as it is."""
    dm = digits(train_size)
    assert len(dm.train_subset) == expected
    assert len(rows(dm.train_subset)) == len(set(dm.train_index.tolist())) == expected
    assert rows(dm.train_subset) <= rows(full.train_data)  # images of the training split, none held out
    assert not rows(dm.train_subset) & rows(full.heldout_data)
    # the labels stay with their images
    assert torch.equal(dm.train_data[dm.train_index], dm.train_subset)


def test_smaller_parts_are_subsets_of_larger_ones():
    parts = [set(digits(size).train_index.tolist()) for size in (0.1, 0.25, 0.5, 1.0)]
    assert all(small < large for small, large in zip(parts, parts[1:]))
    assert set(digits(50).train_index.tolist()) < set(digits(200).train_index.tolist())


def test_the_part_depends_on_split_seed_only():
    a = digits(0.25).train_index
    assert torch.equal(a, DigitsDataModule(train_size=0.25, seed=99, batch_size=4).train_subset_index(N_DIGITS_TRAIN))
    assert torch.equal(a, digits(0.25).train_index)
    # another split_seed is another split and another part: compare the images chosen
    assert rows(digits(0.25, split_seed=1).train_subset) != rows(digits(0.25).train_subset)


def test_the_heldout_split_and_the_whole_training_split_never_change(full):
    dm = digits(0.1)
    assert torch.equal(dm.heldout_data, full.heldout_data) and torch.equal(dm.heldout_labels, full.heldout_labels)
    assert len(dm.heldout_data) == N_DIGITS_HELDOUT
    # the evaluation's domain classifier, statistics and floor read the whole training split
    assert torch.equal(dm.train_data, full.train_data) and torch.equal(dm.train_labels, full.train_labels)


def test_batches_come_from_the_part_only():
    dm = digits(20)
    allowed = rows(dm.train_subset)
    seen = set()
    for b in dm.train_dataloader():
        assert b.shape == (16, 1, 32, 32)
        seen |= rows(b)
    assert seen == allowed  # 5 batches of 16 = 4 passes over 20 images: every one of them is seen


def test_the_default_is_the_whole_split_with_the_batches_of_before(full):
    """null keeps nothing aside: the same tensor, and the batches RandomBatches drew from the whole
    split before train_size existed (same seed → same batches); 1.0 and the full count are the same data."""
    assert full.train_size is None and full.train_index is None and full.train_subset is full.train_data
    assert len(full.train_data) == N_DIGITS_TRAIN
    before = list(RandomBatches(full.train_data, 16, 5, 3))
    assert all(torch.equal(a, b) for a, b in zip(full.train_dataloader(), before, strict=True))
    for same in (1.0, N_DIGITS_TRAIN):
        assert all(torch.equal(a, b) for a, b in zip(digits(same).train_dataloader(), before, strict=True))


@pytest.mark.parametrize("bad", [0, -3, 0.0, 1.5, -0.25, float("nan"), True, "half", [0.5]])
def test_a_bad_value_names_the_key(bad):
    with pytest.raises(ValueError, match=r"dataset\.train_size must be a fraction in \(0, 1\]"):
        DigitsDataModule(train_size=bad)


def test_a_count_larger_than_the_split_names_the_key_and_the_split_size():
    dm = DigitsDataModule(train_size=N_DIGITS_TRAIN + 1)
    with pytest.raises(ValueError) as error:
        dm.setup("fit")
    expected = f"dataset.train_size={N_DIGITS_TRAIN + 1} is larger than the training split ({N_DIGITS_TRAIN} samples)"
    assert str(error.value).startswith(expected)


@pytest.mark.parametrize("cls", [GaussianMixtureDataModule, StackedDigitsDataModule])
def test_data_drawn_fresh_every_batch_refuses_a_train_size(cls):
    with pytest.raises(ValueError, match=r"dataset\.train_size applies to data sets with a fixed training split"):
        cls(train_size=0.5)


def test_torchvision_data_sets_keep_the_official_test_split(tmp_path):
    write_mnist_like(tmp_path, MNIST_FOLDERS["mnist"], mnist_like_arrays())
    whole = TorchvisionDataModule(name="mnist", root=str(tmp_path), batch_size=4, num_batches=3)
    whole.setup("fit")
    half = TorchvisionDataModule(name="mnist", root=str(tmp_path), train_size=0.5, batch_size=4, num_batches=3)
    half.setup("fit")
    assert len(half.train_subset) == N_TRAIN // 2 and len(half.heldout_data) == N_TEST
    assert torch.equal(half.heldout_data, whole.heldout_data) and torch.equal(half.train_data, whole.train_data)
    assert rows(half.train_subset) <= rows(whole.train_data)
    assert all(rows(b) <= rows(half.train_subset) for b in half.train_dataloader())


def test_image_folders_read_their_batches_from_the_part(tmp_path):
    write_random_images(tmp_path / "images", n=10)  # 1 held out, 9 for training
    kwargs = dict(root=str(tmp_path / "images"), num_workers=0, batch_size=4, num_batches=4, heldout_fraction=0.1)
    whole = ImageFolderDataModule(**kwargs)
    whole.setup("fit")
    part = ImageFolderDataModule(train_size=3, **kwargs)
    part.setup("fit")
    assert len(whole.train_set) == 9 and len(part.train_subset) == 3 and whole.train_subset is whole.train_set
    assert part.heldout_set.files == whole.heldout_set.files
    allowed = rows(torch.stack([part.train_subset[i] for i in range(3)]))
    assert allowed <= rows(torch.stack([whole.train_set[i] for i in range(9)]))
    seen = set()
    for b in part.train_dataloader():
        seen |= rows(b)
    assert seen == allowed


def test_cli_trains_on_a_quarter_of_the_digits(tmp_path):
    proc = run_cli([*FAST, "dataset.train_size=0.25", "eval.enabled=false", f"hydra.run.dir={tmp_path}"], cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["status"] == "completed" and results["steps"] == 4


def test_cli_refuses_a_count_larger_than_the_split_in_one_line(tmp_path):
    proc = run_cli([*FAST, "dataset.train_size=5000", "eval.enabled=false", f"hydra.run.dir={tmp_path}"], cwd=REPO)
    assert proc.returncode == 2
    expected = f"gan_lab: dataset.train_size=5000 is larger than the training split ({N_DIGITS_TRAIN} samples)"
    assert proc.stderr.strip().splitlines()[-1].startswith(expected)


def test_the_d_overfit_probe_is_shown_the_training_images_of_the_part(tmp_path):
    from gan_lab.probes.target import training_images

    tenth = digits(train_size=0.1)
    assert torch.equal(training_images(tenth, 1000), tenth.train_subset.cpu()) and len(training_images(tenth, 1000)) == 144
    assert torch.equal(training_images(tenth, 50), tenth.train_subset[:50].cpu())
    write_random_images(tmp_path / "images", n=10)
    folder = ImageFolderDataModule(root=str(tmp_path / "images"), num_workers=0, train_size=3, heldout_fraction=0.1)
    folder.setup("fit")
    shown = training_images(folder, 1000)
    assert len(shown) == 3 and rows(shown) == rows(torch.stack([folder.train_subset[i] for i in range(3)]))
    assert training_images(GaussianMixtureDataModule(), 1000) is None  # fresh draws: nothing to remember
