"""Small data sets written in each format's real on-disk layout, for the code paths that read
MNIST, Fashion-MNIST, CIFAR-10 and image folders (no network here, so nothing is downloaded)."""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np
import torchvision
from PIL import Image

MNIST_FOLDERS = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST"}
N_TRAIN, N_TEST = 20, 10


def write_idx(path: Path, array: np.ndarray) -> None:
    """An uncompressed IDX file of unsigned bytes: magic 0x0000 08 <ndim>, big-endian sizes, data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.tobytes())


def mnist_like_arrays() -> dict[str, np.ndarray]:
    """28x28 images with known contents and labels.

    Training image i is constant with value round(255 * i / 19) (so 0 and 255 both occur);
    test image 0 is black on its left half and white on its right half; the other test images
    are constant with value 250 - 20 * i.
    """
    train_values = np.round(np.linspace(0, 255, N_TRAIN)).astype(np.uint8)
    train_images = np.broadcast_to(train_values[:, None, None], (N_TRAIN, 28, 28)).copy()
    train_labels = (7 * np.arange(N_TRAIN) + 3) % 10
    test_values = (250 - 20 * np.arange(N_TEST)).astype(np.uint8)
    test_images = np.broadcast_to(test_values[:, None, None], (N_TEST, 28, 28)).copy()
    test_images[0, :, :14], test_images[0, :, 14:] = 0, 255
    test_labels = (3 * np.arange(N_TEST)) % 10
    return {
        "train_values": train_values,
        "train_images": train_images,
        "train_labels": train_labels.astype(np.uint8),
        "test_values": test_values,
        "test_images": test_images,
        "test_labels": test_labels.astype(np.uint8),
    }


def write_mnist_like(root: Path, folder: str, arrays: dict[str, np.ndarray], test_split: bool = True) -> None:
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    write_idx(raw / "train-images-idx3-ubyte", arrays["train_images"])
    write_idx(raw / "train-labels-idx1-ubyte", arrays["train_labels"])
    if test_split:
        write_idx(raw / "t10k-images-idx3-ubyte", arrays["test_images"])
        write_idx(raw / "t10k-labels-idx1-ubyte", arrays["test_labels"])


CIFAR_RGB = (255, 128, 0)  # training image 0: R, G, B planes of different constants


def cifar_arrays() -> dict[str, np.ndarray]:
    """(N, 3, 32, 32) images in RGB, CHW (what a user expects back) and labels.

    Training image 0 has R=255, G=128, B=0 everywhere; training image 1 is white in its top half and
    black in its bottom half; all other images are random.
    """
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(N_TRAIN, 3, 32, 32), dtype=np.uint8)
    train[0] = np.array(CIFAR_RGB, dtype=np.uint8)[:, None, None]
    train[1, :, :16], train[1, :, 16:] = 255, 0
    test = rng.integers(0, 256, size=(N_TEST, 3, 32, 32), dtype=np.uint8)
    return {
        "train_images": train,
        "train_labels": (5 * np.arange(N_TRAIN) + 1) % 10,
        "test_images": test,
        "test_labels": (9 - np.arange(N_TEST)) % 10,
    }


def write_cifar10(root: Path, arrays: dict[str, np.ndarray]) -> None:
    """CIFAR-10's python format: pickled dicts whose "data" rows hold 1024 R, 1024 G then 1024 B
    bytes (each plane row-major), five training batches, one test batch and batches.meta."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)

    def dump(name: str, images: np.ndarray, labels: np.ndarray) -> None:
        entry = {
            "batch_label": name,
            "labels": [int(label) for label in labels],
            "data": images.reshape(len(images), 3 * 32 * 32),
            "filenames": [f"{name}_{i}.png" for i in range(len(images))],
        }
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f, protocol=2)

    per_batch = N_TRAIN // 5
    for b in range(5):
        part = slice(b * per_batch, (b + 1) * per_batch)
        dump(f"data_batch_{b + 1}", arrays["train_images"][part], arrays["train_labels"][part])
    dump("test_batch", arrays["test_images"], arrays["test_labels"])
    meta = {"label_names": [f"class_{i}" for i in range(10)], "num_cases_per_batch": per_batch, "num_vis": 3072}
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump(meta, f, protocol=2)


def allow_synthetic_cifar10(monkeypatch) -> None:
    """torchvision checks each CIFAR-10 file against the md5 sum of the official download, which
    synthetic files cannot match. Skip only those checks; the files are still opened and unpickled
    by torchvision's own code. (batches.meta is checked by a separate call in `_load_meta`, so its
    md5 is set to None, which still requires the file to exist.)"""
    monkeypatch.setattr(torchvision.datasets.CIFAR10, "_check_integrity", lambda self: True)
    monkeypatch.setitem(torchvision.datasets.CIFAR10.meta, "md5", None)


def write_random_images(root: Path, n: int = 8, size: tuple[int, int] = (20, 30), seed: int = 0) -> list[Path]:
    """`n` PNG images of random colours spread over nested folders of different depths."""
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        folder = root / ("a" if i % 2 else "b/c")
        folder.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
        path = folder / f"img_{i}.png"
        Image.fromarray(pixels).save(path)
        paths.append(path)
    return paths
