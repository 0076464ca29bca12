"""Sample sets on disk, from gan_lab or from any other GAN code: a folder of PNG/JPEG images, or a
`.npy`/`.npz` array (N×C×H×W or N×H×W×C, values in [0, 1] or uint8; N×2 for 2-D points).

`read_samples` gives them in gan_lab's range ([-1, 1] for images) after checking them against what
the dataset expects; every refusal is one `SampleFileError` naming the path and what was expected.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from gan_lab.metrics.evaluator import count_non_finite

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
GREY_MODES = ("1", "L", "LA", "I", "I;16")  # PIL image modes with one colour channel


class SampleFileError(ValueError):
    """A sample file or folder that cannot be scored as given (the message names the path)."""


def read_samples(path: str | Path, sample_shape: tuple[int, ...]) -> Tensor:
    """Samples at `path` as a float32 tensor of shape (N, *sample_shape): images in [-1, 1] (for
    `sample_shape` = (C, H, W)), or points as they are (for `sample_shape` = (D,))."""
    path = Path(path)
    if not path.exists():
        raise SampleFileError(f"samples={str(path)!r}: no such file or folder")
    if path.is_dir():
        if len(sample_shape) != 3:
            raise SampleFileError(
                f"samples={str(path)!r}: a folder of images, but the dataset's samples are points of shape "
                f"{tuple(sample_shape)}; give a .npy file"
            )
        return _to_model_range(_read_image_folder(path, sample_shape), path)
    if path.suffix not in (".npy", ".npz"):
        raise SampleFileError(f"samples={str(path)!r}: expected a folder of PNG/JPEG images or a .npy/.npz file")
    array = _read_array(path)
    if len(sample_shape) == 1:
        if array.ndim != 2 or array.shape[1] != sample_shape[0]:
            raise SampleFileError(f"samples={str(path)!r}: shape {array.shape}, expected (N, {sample_shape[0]}) points")
        return torch.from_numpy(np.asarray(array, dtype=np.float32))
    return _to_model_range(_channels_first(array, sample_shape, path), path)


def write_samples(samples: Tensor, path: str | Path) -> Path:
    """Save samples as one `.npy` array: images (in [-1, 1]) as float32 N×C×H×W in [0, 1], points as they are."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    values = samples.detach().float().cpu()
    if values.dim() == 4:
        values = (values + 1) / 2
    np.save(path, values.numpy())
    return path


def _read_image_folder(folder: Path, sample_shape: tuple[int, ...]) -> np.ndarray:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise SampleFileError(f"samples={str(folder)!r}: no PNG or JPEG images in this folder")
    channels, height, width = sample_shape
    images = []
    for file in files:
        try:
            with Image.open(file) as image:
                image.load()
                pixels = _image_channels(image, channels, file)
        except OSError as err:
            raise SampleFileError(f"samples: {file} is not a readable image ({err})") from err
        if pixels.shape[1:] != (height, width):
            raise SampleFileError(
                f"samples: {file} is {pixels.shape[2]}×{pixels.shape[1]} pixels, the dataset's images are {width}×{height}"
            )
        images.append(pixels)
    return np.stack(images)


def _image_channels(image: Image.Image, channels: int, file: Path) -> np.ndarray:
    """C×H×W uint8 pixels. Grey images saved as RGB with equal channels (as torchvision's `save_image`
    writes them) count as grey; a colour image for a grey dataset, or a grey one for a colour dataset, is refused."""
    if image.mode in GREY_MODES:
        grey = np.asarray(image.convert("L"))[None]
        if channels == 1:
            return grey
        raise SampleFileError(f"samples: {file} is a grey image, the dataset's images have {channels} channels")
    rgb = np.asarray(image.convert("RGB")).transpose(2, 0, 1)
    if channels == 3:
        return rgb
    if channels == 1 and (rgb == rgb[:1]).all():
        return rgb[:1]
    raise SampleFileError(f"samples: {file} is a colour image, the dataset's images have {channels} channel(s)")


def _read_array(path: Path) -> np.ndarray:
    try:
        loaded = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise SampleFileError(f"samples={str(path)!r}: not a readable {path.suffix} array ({err})") from err
    if isinstance(loaded, np.lib.npyio.NpzFile):
        with loaded:
            names = list(loaded.files)
            if "samples" in names:
                return loaded["samples"]
            if len(names) != 1:
                raise SampleFileError(
                    f"samples={str(path)!r}: holds arrays {names}; name the samples 'samples' or keep one array"
                )
            return loaded[names[0]]
    return loaded


def _channels_first(array: np.ndarray, sample_shape: tuple[int, ...], path: Path) -> np.ndarray:
    channels, height, width = sample_shape
    if array.ndim == 3 and channels == 1:
        array = array[:, None]
    if array.ndim == 4 and array.shape[1:] == (channels, height, width):
        return array
    if array.ndim == 4 and array.shape[1:] == (height, width, channels):
        return array.transpose(0, 3, 1, 2)
    raise SampleFileError(
        f"samples={str(path)!r}: shape {array.shape}, expected N×{channels}×{height}×{width} or N×{height}×{width}×{channels} "
        "for this dataset"
    )


def _to_model_range(array: np.ndarray, path: Path) -> Tensor:
    """uint8 → /255; floats must already lie in [0, 1]; then to [-1, 1]."""
    if len(array) == 0:
        raise SampleFileError(f"samples={str(path)!r}: holds no samples")
    if array.dtype == np.uint8:
        unit = torch.from_numpy(np.ascontiguousarray(array)).float() / 255
    elif np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer):
        unit = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
        bad = count_non_finite(unit)
        if bad:
            raise SampleFileError(f"samples={str(path)!r}: {bad} of {len(unit)} samples contain NaN or infinite values")
        low, high = unit.min().item(), unit.max().item()
        if low < 0 or high > 1:
            raise SampleFileError(f"samples={str(path)!r}: values in [{low:.4g}, {high:.4g}], expected [0, 1] floats or uint8")
    else:
        raise SampleFileError(f"samples={str(path)!r}: dtype {array.dtype}, expected uint8 or floats in [0, 1]")
    return unit * 2 - 1
