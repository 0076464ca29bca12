"""`python -m gan_lab.evaluate samples=PATH dataset=NAME`: any generator's samples on disk, scored
exactly as a checkpoint is; bad sample files refused in one line naming the path."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from gan_lab.datasets import DigitsDataModule
from gan_lab.generate import generate
from gan_lab.sample_files import SampleFileError, read_samples, write_samples
from tests.conftest import CACHE_DIR, run_cli

EVAL = [f"paths.cache_dir={CACHE_DIR}", "eval.classifier_steps=50"]  # as the shared run was evaluated
HELDOUT = 359  # the digits' held-out split: what eval.num_samples defaults to


def table(stdout: str) -> dict[str, list[float]]:
    return {line.split()[0]: [float(v) for v in line.split()[1:]] for line in stdout.strip().splitlines()[1:]}


@pytest.fixture(scope="module")
def checkpoint_scores(digits_run, tmp_path_factory):
    """The evaluation table of the shared run's last checkpoint, and that checkpoint."""
    ckpt = digits_run / "checkpoints" / "last.ckpt"
    proc = run_cli([f"ckpt={ckpt}", *EVAL], cwd=tmp_path_factory.mktemp("eval"), module="gan_lab.evaluate")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return table(proc.stdout), ckpt


def test_an_array_written_by_generate_scores_as_the_checkpoint_does(checkpoint_scores, tmp_path):
    by_checkpoint, ckpt = checkpoint_scores
    array = tmp_path / "samples.npy"
    generate(ckpt, HELDOUT, array, seed=0)  # what `python -m gan_lab.generate … out=samples.npy` runs (tests/test_cli.py)
    assert np.load(array).shape == (HELDOUT, 1, 32, 32)
    out = tmp_path / "scores.json"
    proc = run_cli([f"samples={array}", "dataset=digits", f"out={out}", *EVAL], cwd=tmp_path, module="gan_lab.evaluate")
    assert proc.returncode == 0, proc.stderr[-3000:]
    by_samples = table(proc.stdout)
    for metric in ("fid", "kid", "precision", "recall", "classes_covered"):
        assert by_samples[metric] == pytest.approx(by_checkpoint[metric], rel=1e-4, abs=1e-4), metric
    written = json.loads(out.read_text())
    assert written["samples"] == str(array)
    assert f"{written['metrics']['fid']:.4f}" == f"{by_samples['fid'][0]:.4f}"  # the table prints 4 decimals
    assert written["metrics"]["fid_floor"] == pytest.approx(by_checkpoint["fid"][1], abs=1e-4)  # another run's table


def test_the_png_files_generate_writes_score_within_two_percent_of_the_checkpoint(checkpoint_scores, tmp_path):
    by_checkpoint, ckpt = checkpoint_scores
    folder = tmp_path / "pngs"
    generate(ckpt, HELDOUT, folder, seed=0)
    proc = run_cli([f"samples={folder}", "dataset=digits", *EVAL], cwd=tmp_path, module="gan_lab.evaluate")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert table(proc.stdout)["fid"][0] == pytest.approx(by_checkpoint["fid"][0], rel=0.02)  # 8-bit rounding only


def bad_inputs(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    small = tmp_path / "small"
    small.mkdir()
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(small / "0.png")
    colour = tmp_path / "colour"
    colour.mkdir()
    rgb = np.zeros((32, 32, 3), np.uint8)
    rgb[..., 0] = 255
    Image.fromarray(rgb).save(colour / "0.png")
    nan = np.full((4, 1, 32, 32), 0.5, np.float32)
    nan[2, 0, 3, 3] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    np.save(tmp_path / "channels.npy", np.zeros((4, 3, 32, 32), np.float32))
    np.save(tmp_path / "range.npy", np.full((4, 32, 32, 1), 2.0, np.float32))
    return {
        "empty": (empty, "no PNG or JPEG images"),
        "wrong size": (small, "is 28×28 pixels, the dataset's images are 32×32"),
        "colour for grey data": (colour, "is a colour image, the dataset's images have 1 channel"),
        "non-finite values": (tmp_path / "nan.npy", "1 of 4 samples contain NaN or infinite values"),
        "wrong channel count": (tmp_path / "channels.npy", "expected N×1×32×32 or N×32×32×1"),
        "values outside [0, 1]": (tmp_path / "range.npy", "expected [0, 1] floats or uint8"),
        "missing": (tmp_path / "nowhere.npy", "no such file or folder"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "empty",
        "wrong size",
        "colour for grey data",
        "non-finite values",
        "wrong channel count",
        "values outside [0, 1]",
        "missing",
    ],
)
def test_a_bad_sample_set_is_refused_by_path_before_anything_is_scored(case, tmp_path):
    path, expected = bad_inputs(tmp_path)[case]
    with pytest.raises(SampleFileError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        read_samples(path, (1, 32, 32))


def test_arrays_in_either_layout_and_uint8_or_float_read_as_the_same_images(tmp_path):
    dm = DigitsDataModule()
    dm.setup()
    images = dm.heldout_data[:6]  # in [-1, 1]
    write_samples(images, tmp_path / "float.npy")
    torch.testing.assert_close(read_samples(tmp_path / "float.npy", (1, 32, 32)), images, atol=1e-6, rtol=0)
    unit = ((images + 1) / 2).numpy()
    np.save(tmp_path / "nhwc.npy", unit.transpose(0, 2, 3, 1))
    torch.testing.assert_close(read_samples(tmp_path / "nhwc.npy", (1, 32, 32)), images, atol=1e-6, rtol=0)
    uint8 = np.round(unit * 255).astype(np.uint8)
    np.savez(tmp_path / "arr.npz", uint8.transpose(0, 2, 3, 1))  # arr_0, N×H×W×C uint8, as guided-diffusion writes
    torch.testing.assert_close(read_samples(tmp_path / "arr.npz", (1, 32, 32)), images, atol=1 / 255 + 1e-6, rtol=0)  # ±½ level


def test_a_folder_of_grey_images_saved_as_rgb_reads_as_grey(tmp_path):
    """torchvision's save_image writes grey images with three equal channels."""
    pixels = np.arange(32 * 32, dtype=np.uint8).reshape(32, 32)
    Image.fromarray(np.stack([pixels] * 3, axis=-1)).save(tmp_path / "000.png")
    Image.fromarray(pixels).save(tmp_path / "001.png")
    samples = read_samples(tmp_path, (1, 32, 32))
    assert samples.shape == (2, 1, 32, 32)
    expected = torch.from_numpy(pixels).float() / 255 * 2 - 1
    torch.testing.assert_close(samples[0, 0], expected)
    torch.testing.assert_close(samples[1, 0], expected)
