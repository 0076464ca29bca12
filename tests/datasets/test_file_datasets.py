"""Data modules that read files from disk: `TorchvisionDataModule` and `ImageFolderDataModule`.

Every test writes small files in the real on-disk format (MNIST IDX files, CIFAR-10 pickle
batches, PNG/JPEG images) under pytest's `tmp_path`, so that the real parsing code runs, and
compares what the data module returns against values computed here from what was written.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gan_lab.datasets import ImageFolderDataModule, TorchvisionDataModule
from tests.dataset_files import (
    CIFAR_RGB,
    MNIST_FOLDERS,
    N_TEST,
    N_TRAIN,
    allow_synthetic_cifar10,
    cifar_arrays,
    mnist_like_arrays,
    write_cifar10,
    write_mnist_like,
)

ATOL = 1e-5  # float32 round-off when a uint8 value v becomes 2 * v / 255 - 1


def unit(value) -> torch.Tensor:
    """The [-1, 1] value a uint8 pixel value should map to, computed independently."""
    return torch.as_tensor(np.asarray(value, dtype=np.float64) * 2.0 / 255.0 - 1.0, dtype=torch.float32)


# --------------------------------------------------------------------------------------------
# MNIST / Fashion-MNIST: raw IDX files
# --------------------------------------------------------------------------------------------



@pytest.fixture(params=sorted(MNIST_FOLDERS))
def mnist_like(request, tmp_path):
    """(name, data module after setup("fit"), arrays written) for MNIST and Fashion-MNIST."""
    name = request.param
    arrays = mnist_like_arrays()
    write_mnist_like(tmp_path, MNIST_FOLDERS[name], arrays)
    dm = TorchvisionDataModule(name=name, root=str(tmp_path), image_size=32, batch_size=8, num_batches=7, seed=3)
    dm.setup("fit")
    return name, dm, arrays


def test_mnist_like_images_are_single_channel_32x32_in_unit_range(mnist_like):
    """Both splits come out as (N, 1, 32, 32) float images in [-1, 1]; sample_shape says (1, 32, 32)."""
    _, dm, _ = mnist_like
    assert dm.sample_shape == (1, 32, 32)
    assert dm.is_image
    for data in (dm.train_data, dm.heldout_data):
        assert data.dtype == torch.float32
        assert data.shape[1:] == (1, 32, 32)
        assert data.min() >= -1.0 and data.max() <= 1.0


def test_mnist_like_training_split_is_the_train_files_and_heldout_is_the_t10k_files(mnist_like):
    """20 training images from train-*, 10 held-out images from t10k-*, labels in file order."""
    _, dm, arrays = mnist_like
    assert dm.train_data.shape[0] == N_TRAIN
    assert dm.heldout_data.shape[0] == N_TEST
    assert dm.train_labels.tolist() == arrays["train_labels"].tolist()
    assert dm.heldout_labels.tolist() == arrays["test_labels"].tolist()


def test_mnist_like_constant_image_of_value_v_becomes_2v_over_255_minus_1(mnist_like):
    """Resizing 28 -> 32 keeps a constant image constant, so image i is exactly unit(v_i) everywhere,
    which also checks that images stay paired with their labels (same order)."""
    _, dm, arrays = mnist_like
    expected = unit(arrays["train_values"])[:, None, None, None].expand(N_TRAIN, 1, 32, 32)
    torch.testing.assert_close(dm.train_data, expected, atol=ATOL, rtol=0)
    assert dm.train_data[0].eq(-1.0).all() and dm.train_data[-1].sub(1.0).abs().max() < ATOL
    expected_test = unit(arrays["test_values"][1:])[:, None, None, None].expand(N_TEST - 1, 1, 32, 32)
    torch.testing.assert_close(dm.heldout_data[1:], expected_test, atol=ATOL, rtol=0)


def test_mnist_like_images_keep_their_orientation(mnist_like):
    """An image black on the left and white on the right stays so (rows are not swapped with columns)."""
    _, dm, _ = mnist_like
    image = dm.heldout_data[0, 0]
    torch.testing.assert_close(image[:, :13], torch.full((32, 13), -1.0), atol=ATOL, rtol=0)
    torch.testing.assert_close(image[:, 19:], torch.full((32, 13), 1.0), atol=ATOL, rtol=0)


def test_mnist_like_train_dataloader_yields_num_batches_batches_of_training_images(mnist_like):
    """Exactly num_batches=7 batches of (8, 1, 32, 32), more samples than the 20 images; every sample is
    one of the training images."""
    _, dm, _ = mnist_like
    batches = list(iter(dm.train_dataloader()))
    assert len(batches) == 7
    train_flat = dm.train_data.flatten(1)
    for batch in batches:
        assert batch.shape == (8, 1, 32, 32)
        distance = torch.cdist(batch.flatten(1), train_flat).min(dim=1).values
        assert distance.max() < 1e-4


# --------------------------------------------------------------------------------------------
# CIFAR-10: python pickle batches
# --------------------------------------------------------------------------------------------

@pytest.fixture
def cifar(tmp_path, monkeypatch):
    """(data module after setup("fit"), arrays written) for CIFAR-10."""
    allow_synthetic_cifar10(monkeypatch)
    arrays = cifar_arrays()
    write_cifar10(tmp_path, arrays)
    dm = TorchvisionDataModule(name="cifar10", root=str(tmp_path), image_size=32, batch_size=6, num_batches=5, seed=1)
    dm.setup("fit")
    return dm, arrays


def test_cifar10_images_are_rgb_32x32_in_unit_range(cifar):
    """Both splits come out as (N, 3, 32, 32) float images in [-1, 1]; sample_shape says (3, 32, 32)."""
    dm, _ = cifar
    assert dm.sample_shape == (3, 32, 32)
    for data in (dm.train_data, dm.heldout_data):
        assert data.dtype == torch.float32
        assert data.shape[1:] == (3, 32, 32)
        assert data.min() >= -1.0 and data.max() <= 1.0


def test_cifar10_training_split_is_the_five_data_batches_and_heldout_is_the_test_batch(cifar):
    """20 training images from data_batch_1..5 in order, 10 held-out images from test_batch; labels kept."""
    dm, arrays = cifar
    assert dm.train_data.shape[0] == N_TRAIN
    assert dm.heldout_data.shape[0] == N_TEST
    assert dm.train_labels.tolist() == arrays["train_labels"].tolist()
    assert dm.heldout_labels.tolist() == arrays["test_labels"].tolist()


def test_cifar10_channels_are_rgb_in_chw_order(cifar):
    """An image with R=255, G=128, B=0 gives channel 0 = 1, channel 1 = 2*128/255-1, channel 2 = -1."""
    dm, _ = cifar
    for channel, value in enumerate(CIFAR_RGB):
        torch.testing.assert_close(dm.train_data[0, channel], unit(value).expand(32, 32), atol=ATOL, rtol=0)


def test_cifar10_images_keep_their_orientation(cifar):
    """An image white in its top half and black in its bottom half stays so."""
    dm, _ = cifar
    image = dm.train_data[1]
    assert image[:, :16].sub(1.0).abs().max() < ATOL
    assert image[:, 16:].add(1.0).abs().max() < ATOL


def test_cifar10_every_pixel_is_2v_over_255_minus_1_at_native_size(cifar):
    """At image_size=32 (CIFAR's own size) each pixel value v of each image becomes 2*v/255-1."""
    dm, arrays = cifar
    torch.testing.assert_close(dm.train_data, unit(arrays["train_images"]), atol=ATOL, rtol=0)
    torch.testing.assert_close(dm.heldout_data, unit(arrays["test_images"]), atol=ATOL, rtol=0)


def test_cifar10_train_dataloader_yields_num_batches_batches(cifar):
    """Exactly num_batches=5 batches of (6, 3, 32, 32)."""
    dm, _ = cifar
    batches = list(iter(dm.train_dataloader()))
    assert len(batches) == 5
    assert all(batch.shape == (6, 3, 32, 32) for batch in batches)


# --------------------------------------------------------------------------------------------
# Torchvision data sets: missing files and bad names
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10"])
def test_torchvision_setup_on_an_empty_root_raises_file_not_found_naming_dataset_root(tmp_path, name):
    """No files under root: FileNotFoundError that names dataset.root and the directory."""
    dm = TorchvisionDataModule(name=name, root=str(tmp_path), batch_size=4, num_batches=1)
    with pytest.raises(FileNotFoundError) as info:
        dm.setup()
    assert "dataset.root" in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_mnist_setup_without_the_t10k_files_raises_file_not_found(tmp_path):
    """Training files alone are not enough: the held-out (t10k) files are needed too."""
    write_mnist_like(tmp_path, "MNIST", mnist_like_arrays(), test_split=False)
    dm = TorchvisionDataModule(name="mnist", root=str(tmp_path), batch_size=4, num_batches=1)
    with pytest.raises(FileNotFoundError, match=re.escape("dataset.root")):
        dm.setup()


def test_torchvision_unknown_name_is_rejected_at_construction(tmp_path):
    with pytest.raises(ValueError, match=re.escape("dataset.name")):
        TorchvisionDataModule(name="imagenet", root=str(tmp_path))


# --------------------------------------------------------------------------------------------
# ImageFolderDataModule
# --------------------------------------------------------------------------------------------

# Relative path -> (size as (width, height), RGB colour). Nested at different depths, mostly non-square;
# one JPEG and one upper-case suffix; colours far apart from one another.
IMAGE_TREE = {
    "top.png": ((20, 30), (200, 40, 10)),
    "wide.png": ((30, 20), (10, 220, 60)),
    "a/one.png": ((16, 16), (0, 0, 255)),
    "a/two.png": ((23, 17), (255, 255, 255)),
    "a/three.png": ((40, 25), (0, 0, 0)),
    "b/c/four.png": ((19, 31), (128, 128, 128)),
    "b/c/five.PNG": ((64, 48), (90, 10, 160)),
    "b/c/d/six.png": ((12, 20), (250, 200, 0)),
    "b/c/d/seven.png": ((33, 21), (0, 140, 140)),
    "b/c/d/e/eight.png": ((18, 18), (170, 90, 40)),
    "album.png/nine.png": ((25, 35), (60, 60, 200)),  # a *directory* named like an image
    "f/photo.jpg": ((32, 24), (220, 120, 180)),
}
JPEG_ATOL = 0.05  # JPEG is lossy: a solid colour comes back within a few levels


def write_image_tree(root: Path, tree: dict[str, tuple[tuple[int, int], tuple[int, int, int]]]) -> None:
    for relative, (size, colour) in tree.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", size, colour)
        if path.suffix.lower() in (".jpg", ".jpeg"):
            image.save(path, format="JPEG", quality=95)
        else:
            image.save(path, format="PNG")


def expected_colour(relative: str, channels: int) -> torch.Tensor:
    r, g, b = IMAGE_TREE[relative][1]
    if channels == 1:  # ITU-R 601-2 luma, what PIL's convert("L") computes
        return unit([0.299 * r + 0.587 * g + 0.114 * b])
    return unit([r, g, b])


def tolerance(relative: str, channels: int) -> float:
    if relative.endswith(".jpg"):
        return JPEG_ATOL
    return ATOL if channels == 3 else 2.0 / 255  # luma is rounded to a whole level


@pytest.fixture
def image_root(tmp_path) -> Path:
    root = tmp_path / "images"
    write_image_tree(root, IMAGE_TREE)
    (root / "a" / "notes.txt").write_text("not an image")
    (root / "empty_folder").mkdir()
    return root


def image_folder(root: Path, channels: int = 3, **kwargs) -> ImageFolderDataModule:
    settings = dict(image_size=16, channels=channels, heldout_fraction=0.25, num_workers=0, batch_size=4, num_batches=5, seed=2)
    settings.update(kwargs)
    dm = ImageFolderDataModule(root=str(root), **settings)
    dm.setup("fit")
    return dm


def test_image_folder_splits_every_image_in_the_tree_into_train_and_heldout(image_root):
    """All 12 image files at any depth (and only those) are used, each in exactly one of the two splits;
    a quarter of them (3) is held out."""
    dm = image_folder(image_root)
    train, heldout = set(dm.train_set.files), set(dm.heldout_set.files)
    assert len(dm.train_set) + len(dm.heldout_set) == len(IMAGE_TREE)
    assert len(dm.heldout_set) == round(0.25 * len(IMAGE_TREE)) == 3
    assert not train & heldout
    assert {p.resolve() for p in train | heldout} == {(image_root / r).resolve() for r in IMAGE_TREE}


def test_image_folder_split_depends_on_split_seed_only_not_on_the_training_seed(image_root):
    """Runs with different training seeds (same split_seed) hold out the same files."""
    first, second = image_folder(image_root), image_folder(image_root, seed=99)
    assert first.heldout_set.files == second.heldout_set.files


def test_image_folder_heldout_data_is_rgb_16x16_in_unit_range(image_root):
    dm = image_folder(image_root)
    assert dm.sample_shape == (3, 16, 16)
    data = dm.heldout_data
    assert data.dtype == torch.float32
    assert data.shape == (3, 3, 16, 16)
    assert data.min() >= -1.0 and data.max() <= 1.0


@pytest.mark.parametrize("channels", [3, 1])
def test_image_folder_solid_colour_images_of_any_shape_come_out_as_that_colour(image_root, channels):
    """After resize + centre crop to 16x16, each solid-colour image (square or not, PNG or JPEG) is that
    colour everywhere, in [-1, 1]; with channels=1 it is the colour's grey level."""
    dm = image_folder(image_root, channels=channels)
    for dataset in (dm.train_set, dm.heldout_set):
        for i, path in enumerate(dataset.files):
            relative = path.relative_to(image_root).as_posix()
            sample = dataset[i]
            assert sample.shape == (channels, 16, 16), relative
            expected = expected_colour(relative, channels)[:, None, None].expand(channels, 16, 16)
            torch.testing.assert_close(sample, expected, atol=tolerance(relative, channels), rtol=0, msg=relative)


def test_image_folder_heldout_data_holds_the_heldout_files_in_order(image_root):
    dm = image_folder(image_root)
    for sample, path in zip(dm.heldout_data, dm.heldout_set.files, strict=True):
        relative = path.relative_to(image_root).as_posix()
        expected = expected_colour(relative, 3)[:, None, None].expand(3, 16, 16)
        torch.testing.assert_close(sample, expected, atol=tolerance(relative, 3), rtol=0, msg=relative)


@pytest.mark.parametrize("channels", [3, 1])
def test_image_folder_train_dataloader_yields_num_batches_batches_of_training_images(image_root, channels):
    """Exactly num_batches=5 batches of (4, C, 16, 16) (more samples than the 9 training files), every
    sample being the colour of a training file, never of a held-out one."""
    dm = image_folder(image_root, channels=channels)
    batches = list(iter(dm.train_dataloader()))
    assert len(batches) == 5
    train_colours = torch.stack([expected_colour(p.relative_to(image_root).as_posix(), channels) for p in dm.train_set.files])
    for batch in batches:
        assert batch.shape == (4, channels, 16, 16)
        centre = batch[:, :, 8, 8]
        assert torch.cdist(centre, train_colours).min(dim=1).values.max() < JPEG_ATOL * 2


def test_image_folder_channels_1_gives_single_channel_samples(image_root):
    dm = image_folder(image_root, channels=1)
    assert dm.sample_shape == (1, 16, 16)
    assert dm.heldout_data.shape == (3, 1, 16, 16)
    assert dm.heldout_data.min() >= -1.0 and dm.heldout_data.max() <= 1.0


@pytest.mark.parametrize("size", [(20, 40), (40, 20)], ids=["portrait", "landscape"])
def test_image_folder_non_square_images_are_centre_cropped_not_squashed(tmp_path, size):
    """A 20x40 image (or 40x20) red in its first 8 rows (columns), blue in its last 8 and green in
    between: the shorter side is resized to 16 and the centre 16x16 kept, which is all green."""
    width, height = size
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    long_axis = 0 if height > width else 1

    def stripe(start: int, stop: int) -> tuple[slice, slice]:
        return (slice(start, stop), slice(None)) if long_axis == 0 else (slice(None), slice(start, stop))

    pixels[stripe(0, 8)] = (255, 0, 0)
    pixels[stripe(8, 32)] = (0, 255, 0)
    pixels[stripe(32, 40)] = (0, 0, 255)
    Image.fromarray(pixels).save(tmp_path / "striped.png")
    Image.new("RGB", (16, 16), (0, 0, 0)).save(tmp_path / "other.png")
    dm = image_folder(tmp_path, heldout_fraction=0.5)
    dataset = dm.train_set if dm.train_set.files[0].name == "striped.png" else dm.heldout_set
    assert dataset.files[0].name == "striped.png"
    sample = dataset[0]
    expected = unit([0, 255, 0])[:, None, None].expand(3, 16, 16)
    torch.testing.assert_close(sample, expected, atol=ATOL, rtol=0)


def test_image_folder_missing_root_raises_file_not_found_naming_dataset_root(tmp_path):
    missing = tmp_path / "does_not_exist"
    dm = ImageFolderDataModule(root=str(missing), image_size=16, num_workers=0, batch_size=2, num_batches=1)
    with pytest.raises(FileNotFoundError) as info:
        dm.setup("fit")
    assert "dataset.root" in str(info.value)
    assert str(missing) in str(info.value)


def test_image_folder_root_without_images_raises_file_not_found_naming_dataset_root(tmp_path):
    """A directory that holds only non-image files and empty sub folders."""
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "readme.txt").write_text("no images here")
    (tmp_path / "sub" / "data.csv").write_text("1,2,3")
    dm = ImageFolderDataModule(root=str(tmp_path), image_size=16, num_workers=0, batch_size=2, num_batches=1)
    with pytest.raises(FileNotFoundError) as info:
        dm.setup("fit")
    assert "dataset.root" in str(info.value)
    assert str(tmp_path) in str(info.value)


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a PNG file at all \x00\x01\x02" * 10)


def _truncated_png(path: Path) -> None:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, size=(40, 40, 3), dtype=np.uint8)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _tree_with_a_broken_image(root: Path, corrupt) -> Path:
    write_image_tree(root, {"a/good1.png": ((16, 16), (1, 2, 3)), "b/good2.png": ((20, 30), (4, 5, 6))})
    broken = root / "b" / "c" / "broken.png"
    broken.parent.mkdir(parents=True)
    corrupt(broken)
    return broken


@pytest.mark.parametrize("corrupt", [_garbage, _truncated_png], ids=["garbage_bytes", "truncated_png"])
def test_image_folder_unreadable_image_fails_at_setup_naming_the_file_and_the_switch(tmp_path, corrupt):
    """Before any training: set-up opens and verifies every file."""
    broken = _tree_with_a_broken_image(tmp_path, corrupt)
    with pytest.raises(RuntimeError) as info:
        image_folder(tmp_path)
    assert f"cannot read image file {broken}" in str(info.value)
    assert "dataset.verify_files=false" in str(info.value)


@pytest.mark.parametrize("corrupt", [_garbage, _truncated_png], ids=["garbage_bytes", "truncated_png"])
def test_image_folder_without_verification_names_the_unreadable_file_when_it_is_read(tmp_path, corrupt):
    """`dataset.verify_files=false`: set-up succeeds (files are read lazily); reading the corrupt
    sample raises a RuntimeError whose message contains that file's path, the good files read fine."""
    broken = _tree_with_a_broken_image(tmp_path, corrupt)
    dm = image_folder(tmp_path, verify_files=False)
    samples = [(dataset, i, path) for dataset in (dm.train_set, dm.heldout_set) for i, path in enumerate(dataset.files)]
    assert sorted(path.name for _, _, path in samples) == ["broken.png", "good1.png", "good2.png"]
    for dataset, i, path in samples:
        if path != broken:
            assert dataset[i].shape == (3, 16, 16)
    [(dataset, i, _)] = [sample for sample in samples if sample[2] == broken]
    with pytest.raises(RuntimeError) as info:
        dataset[i]
    assert str(broken) in str(info.value)
