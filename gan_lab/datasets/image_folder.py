"""Any folder tree of images, read with a DataLoader."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch
import torchvision.transforms.v2 as T
from PIL import Image, UnidentifiedImageError
from torch.utils.data import DataLoader, Dataset, RandomSampler, Subset

from gan_lab.datasets.base import GANDataModule, seeded_split

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"}


class ImageFiles(Dataset):
    """Image files, each resized (shorter side) and centre-cropped to `image_size`, in [-1, 1]."""

    def __init__(self, files: list[Path], image_size: int, channels: int):
        self.files, self.mode = files, {1: "L", 3: "RGB"}[channels]
        self.transform = T.Compose([
            T.ToImage(),
            T.Resize(image_size, antialias=True),
            T.CenterCrop(image_size),
            T.ToDtype(torch.float32, scale=True),
            T.Normalize([0.5] * channels, [0.5] * channels),
        ])

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor:
        path = self.files[index]
        try:
            with Image.open(path) as image:
                return self.transform(image.convert(self.mode))
        except (UnidentifiedImageError, OSError) as err:
            raise RuntimeError(f"cannot read image file {path}: {err}") from err


def verify_images(files: list[Path]) -> None:
    """Open every file and check its structure without decoding the pixels (PIL's `verify`: the
    header, and for PNG every chunk's CRC): a file that is not an image, or a truncated PNG, fails
    before training with its name. Damage that only decoding finds is named when the file is read."""
    started = time.perf_counter()
    for path in files:
        try:
            with Image.open(path) as image:
                image.verify()
        except Exception as err:
            raise RuntimeError(
                f"cannot read image file {path}: {err} (dataset.root holds it; remove or fix it, or set "
                "dataset.verify_files=false to skip this check and fail only when the file is read)"
            ) from err
    log.info("verified %d image files in %.1f s", len(files), time.perf_counter() - started)


class ImageFolderDataModule(GANDataModule):
    """All images below `root` (any depth, any class layout), resized and centre-cropped to
    `image_size`; a fixed `heldout_fraction` of the files is kept aside for evaluation. With
    `verify_files` every file is checked at set-up, so that a broken one fails before training.
    Training batches are read from `train_subset`: `train_set`, or the part of it `train_size` keeps."""

    def __init__(
        self,
        root: str,
        image_size: int = 32,
        channels: int = 3,
        heldout_fraction: float = 0.1,
        split_seed: int = 0,
        num_workers: int = 2,
        verify_files: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if channels not in (1, 3):
            raise ValueError(f"dataset.channels must be 1 or 3, got {channels}")
        self.root, self.image_size, self.channels = Path(root), image_size, channels
        self.heldout_fraction, self.split_seed, self.num_workers = heldout_fraction, split_seed, num_workers
        self.verify_files = verify_files
        self.sample_shape = (channels, image_size, image_size)

    def setup(self, stage: str | None = None) -> None:
        if not self.root.is_dir():
            raise FileNotFoundError(f"dataset.root={str(self.root)!r} is not a directory")
        files = sorted(p for p in self.root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
        if len(files) < 2:
            raise FileNotFoundError(
                f"dataset.root={str(self.root)!r} holds {len(files)} image files "
                f"(looked for {', '.join(sorted(IMAGE_SUFFIXES))}); need at least 2"
            )
        if self.verify_files:
            verify_images(files)
        train, heldout = seeded_split(len(files), self.heldout_fraction, self.split_seed)
        self.train_set = ImageFiles([files[i] for i in train], self.image_size, self.channels)
        self.heldout_set = ImageFiles([files[i] for i in heldout], self.image_size, self.channels)
        index = self.train_subset_index(len(self.train_set))
        self.train_subset = self.train_set if index is None else Subset(self.train_set, index.tolist())

    @property
    def heldout_data(self) -> torch.Tensor:
        """The held-out images as one tensor (read on first use)."""
        if not hasattr(self, "_heldout_data"):
            self._heldout_data = torch.stack([self.heldout_set[i] for i in range(len(self.heldout_set))])
        return self._heldout_data

    def train_dataloader(self) -> DataLoader:
        sampler = RandomSampler(
            self.train_subset,
            num_samples=self.num_batches * self.batch_size,
            generator=torch.Generator().manual_seed(self.stream_seed),
        )
        return DataLoader(
            self.train_subset,
            batch_size=self.batch_size,
            sampler=sampler,
            drop_last=True,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
            pin_memory=self.device.type == "cuda",
        )
