"""The default yardstick on real data: the domain classifier, its floor, and what it can see."""

import pytest
import torch

from gan_lab.corruptions import GaussianBlur, GaussianNoise, MissingPixels
from gan_lab.datasets import DigitsDataModule, GaussianMixtureDataModule, StackedDigitsDataModule
from gan_lab.metrics.evaluator import Evaluator
from tests.conftest import CACHE_DIR


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


def test_real_stacked_digits_cover_at_least_990_of_1000_modes():
    dm = StackedDigitsDataModule(heldout_size=10000)
    dm.setup()
    ev = Evaluator(dm, cache_dir=str(CACHE_DIR))
    floor = ev.floor()
    assert ev.num_samples == 10000
    assert floor["classes_covered_floor"] >= 990
