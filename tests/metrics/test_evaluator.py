"""The default yardstick on real data: the domain classifier, its floor, and what it can see."""

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from gan_lab.corruptions import GaussianBlur, GaussianNoise, MissingPixels
from gan_lab.datasets import DigitsDataModule, GaussianMixtureDataModule, StackedDigitsDataModule
from gan_lab.metrics.evaluator import Evaluator, class_metrics
from gan_lab.metrics.sensitivity import sensitivity_table, shift_images
from tests.conftest import CACHE_DIR, REPO


@pytest.fixture(scope="module")
def digits():
    dm = DigitsDataModule()
    dm.setup()
    return dm


@pytest.fixture(scope="module")
def evaluator(digits):
    """The default image evaluator (classifier trained with its default settings, cached)."""
    ev = Evaluator(digits, cache_dir=str(CACHE_DIR))
    ev.setup()
    return ev


@pytest.fixture(scope="module")
def floor(evaluator):
    return evaluator.floor()


def real_subset(dm, n, seed=1):
    index = torch.randperm(len(dm.train_data), generator=torch.Generator().manual_seed(seed))[:n]
    return dm.train_data[index]


def test_domain_classifier_recognises_held_out_digits(evaluator):
    assert evaluator.info["classifier_accuracy"] >= 0.9


def test_real_training_digits_define_the_floor(evaluator, floor):
    assert 0 < floor["fid_floor"] < 10
    assert floor["precision_floor"] > 0.8 and floor["recall_floor"] > 0.8
    assert floor["classes_covered_floor"] == 10
    assert floor["class_kl_floor"] < 0.05
    assert evaluator.num_samples == len(evaluator.datamodule.heldout_data)


def test_fid_rises_strictly_with_gaussian_noise_on_real_digits(evaluator, digits):
    clean = real_subset(digits, evaluator.num_samples)
    gen = torch.Generator().manual_seed(3)
    fids = [evaluator.evaluate(GaussianNoise(std)(clean, gen))["fid"] for std in (0.0, 0.05, 0.1, 0.2, 0.4)]
    assert all(a < b for a, b in zip(fids, fids[1:])), fids


@pytest.mark.parametrize(
    "corruption", [GaussianNoise(0.2), MissingPixels(0.3), GaussianBlur(1.0)], ids=["noise_0.2", "missing_0.3", "blur_1.0"]
)
def test_default_backbone_sees_each_corruption_at_twice_the_floor_or_more(evaluator, digits, floor, corruption):
    corrupted = corruption(real_subset(digits, evaluator.num_samples), torch.Generator().manual_seed(4))
    assert evaluator.evaluate(corrupted)["fid"] >= 2 * floor["fid_floor"]


def test_another_clean_sample_of_real_digits_stays_near_the_floor(evaluator, digits, floor):
    other = real_subset(digits, evaluator.num_samples, seed=5)
    assert evaluator.evaluate(other)["fid"] < 1.5 * floor["fid_floor"]


def test_collapsed_samples_are_caught_by_recall_coverage_and_classes(evaluator, digits):
    """Every sample a copy of one real digit: perfect-looking fidelity, no diversity."""
    one_digit = digits.heldout_data[:1].expand(evaluator.num_samples, -1, -1, -1).clone()
    scores = evaluator.evaluate(one_digit)
    assert scores["classes_covered"] == 1
    assert scores["recall"] < 0.05 and scores["coverage"] < 0.05
    assert scores["classifier_score"] < 1.5


def test_ring8_evaluation_counts_modes_of_real_and_collapsed_samples():
    dm = GaussianMixtureDataModule(layout="ring8", std=0.01)
    dm.setup()
    ev = Evaluator(dm)
    floor = ev.floor()
    assert floor["modes_covered_floor"] == 8 and floor["hq_fraction_floor"] > 0.97
    one_mode = dm.centers[:1].expand(2500, 2) + 0.01 * torch.randn(2500, 2, generator=torch.Generator().manual_seed(0))
    scores = ev.evaluate(one_mode)
    assert scores["modes_covered"] == 1 and scores["mode_kl"] == pytest.approx(torch.log(torch.tensor(8.0)).item())


@pytest.mark.slow  # in `scripts/test -m slow`: CI's 20 minutes on a 2-core AVX2 machine
def test_real_stacked_digits_cover_at_least_990_of_1000_modes():
    dm = StackedDigitsDataModule(heldout_size=10000)
    dm.setup()
    ev = Evaluator(dm, cache_dir=str(CACHE_DIR))
    floor = ev.floor()
    assert ev.num_samples == 10000
    assert floor["classes_covered_floor"] >= 990
    # class_kl is KL to the uniform distribution over the 1000 modes (the Stacked-MNIST protocol),
    # recomputed here from the classifier's own predictions on the same real stacks
    codes = torch.cat([ev.backbone.class_probabilities(c).argmax(1) for c in ev.training_images().split(500)])
    q = np.bincount(codes.numpy(), minlength=1000) / len(codes)
    expected = float(sum(q_c * math.log(q_c * 1000) for q_c in q if q_c > 0))
    assert floor["class_kl_floor"] == pytest.approx(expected, rel=1e-9)
    assert floor["class_kl_floor"] < 0.1


def test_a_perfectly_uniform_histogram_over_the_1000_stacked_modes_has_class_kl_zero():
    one_of_each = torch.eye(1000, dtype=torch.float64)  # p(y | x) one-hot, every mode once
    scores = class_metrics(one_of_each, 1000, reference_histogram=None)
    assert scores["class_kl"] == 0.0 and scores["classes_covered"] == 1000


def test_a_shift_of_a_pixel_or_two_stays_near_the_floor_and_every_studied_corruption_does_not(evaluator, digits):
    """The acceptance of the sensitivity table (scripts/sensitivity.py prints the same rows)."""
    table = sensitivity_table(evaluator, real_subset(digits, evaluator.num_samples))
    rows = {(name, level): ratio for name, level, ratio in table}
    for name, level in rows:
        if name.startswith("shift"):
            assert rows[name, level] <= (2.0 if level == 1 else 3.0), (name, rows[name, level])
    for lowest in [("gaussian", 0.05), ("missing", 0.1), ("salt_pepper", 0.02), ("blur", 1.0)]:
        assert rows[lowest] >= 2.0, (lowest, rows[lowest])


def classes(dm, keep, n, seed=6):
    """`n` real training digits of the classes in `keep` (drawn with replacement when there are fewer)."""
    pool = dm.train_data[torch.isin(dm.train_labels, torch.tensor(keep))]
    gen = torch.Generator().manual_seed(seed)
    index = torch.randperm(len(pool), generator=gen)[:n] if len(pool) >= n else torch.randint(len(pool), (n,), generator=gen)
    return pool[index]


def test_fid_ranks_real_above_dropped_classes_above_one_class_above_blank_images(evaluator, digits):
    n = evaluator.num_samples
    fid = {
        "real": evaluator.evaluate(real_subset(digits, n))["fid"],
        "1 px shift": evaluator.evaluate(shift_images(real_subset(digits, n), 0, 1))["fid"],
        "2 classes dropped": evaluator.evaluate(classes(digits, list(range(2, 10)), n))["fid"],
        "5 classes dropped": evaluator.evaluate(classes(digits, list(range(5, 10)), n))["fid"],
        "one class": evaluator.evaluate(classes(digits, [3], n))["fid"],
        "blank": evaluator.evaluate(torch.full((n, 1, 32, 32), -1.0))["fid"],
    }
    assert fid["real"] < fid["2 classes dropped"] < fid["5 classes dropped"] < fid["one class"] < fid["blank"], fid
    assert fid["1 px shift"] < fid["2 classes dropped"], fid


def test_precision_and_recall_read_the_semantic_features_so_mild_noise_keeps_them_high(evaluator, digits, floor):
    noisy = GaussianNoise(0.05)(real_subset(digits, evaluator.num_samples), torch.Generator().manual_seed(4))
    scores = evaluator.evaluate(noisy)
    assert scores["fid"] >= 2 * floor["fid_floor"]  # the joined features do see the noise
    assert scores["precision"] > 0.7 and scores["recall"] > 0.7, scores
    assert scores["coverage"] > 0.7 * floor["coverage_floor"]


def test_non_finite_samples_are_refused_with_their_count_never_a_crash(tmp_path):
    """LAPACK's eigenvalue routine can take the process down on NaN (exit 139): run it apart."""
    script = f"""
import torch
from gan_lab.datasets import DigitsDataModule
from gan_lab.metrics.evaluator import Evaluator, NonFiniteSamples
dm = DigitsDataModule(); dm.setup()
ev = Evaluator(dm, cache_dir={str(CACHE_DIR)!r}); ev.setup()
samples = dm.heldout_data.clone()
samples[3, 0, 5, 5] = float("nan"); samples[10, 0, 0, 0] = float("inf")
try:
    ev.evaluate(samples)
except NonFiniteSamples as err:
    print("refused:", err)
"""
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "refused: 2 of 359 samples contain NaN or infinite values" in proc.stdout


def test_an_evaluator_moved_to_a_device_keeps_its_backbone_reference_and_statistics_there(digits):
    ev = Evaluator(digits, cache_dir=str(CACHE_DIR)).to("cpu")
    ev.setup()
    assert ev.device == torch.device("cpu") and ev.backbone.device == ev.device
    assert ev.reference_features.device == ev.device and ev.reference_features.dtype == torch.float64
    assert ev.distances.fid.real_features_sum.device == ev.device


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_evaluation_on_the_gpu_gives_the_cpu_numbers(digits):
    samples = GaussianNoise(0.1)(real_subset(digits, 359), torch.Generator().manual_seed(4))
    on_cpu = Evaluator(digits, cache_dir=str(CACHE_DIR))
    on_gpu = Evaluator(digits, cache_dir=str(CACHE_DIR)).to("cuda")
    on_cpu.setup(), on_gpu.setup()
    assert on_gpu.reference_features.is_cuda
    cpu_scores, gpu_scores = on_cpu.evaluate(samples), on_gpu.evaluate(samples.cuda())
    for name, value in cpu_scores.items():
        assert gpu_scores[name] == pytest.approx(value, rel=1e-4, abs=1e-6), name
