"""Everything one evaluation of a generator needs, for one dataset: a feature backbone, the
held-out reference, and the real-vs-real floor beside every number."""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import torch
from torch import Tensor

from gan_lab.datasets import GANDataModule, GaussianMixtureDataModule
from gan_lab.metrics.backbone import ClassifierBackbone, FeatureBackbone
from gan_lab.metrics.classifier import train_classifier
from gan_lab.metrics.frechet import ReferenceDistances
from gan_lab.metrics.modes import category_coverage, mixture_mode_metrics
from gan_lab.metrics.prdc import density_coverage, precision_recall

log = logging.getLogger(__name__)

BACKBONES = ("classifier", "inception")


class Evaluator:
    """Scores generated samples against the data module's held-out split.

    Image data: FID and KID (torchmetrics) on all of the backbone's features; precision/recall
    (Kynkäänniemi et al. 2019, k = `precision_recall_k`) and density/coverage (Naeem et al. 2020,
    k = `density_coverage_k`) on its semantic features only (the classifier's or Inception's, not
    the low-level statistics). With a classifier backbone also the classifier score (the Inception
    Score, Salimans et al. 2016, on the domain classifier), `classes_covered` and `class_kl` (KL of
    the predicted class histogram against the held-out one; for stacked digits the 1000 modes
    against uniform, the Stacked-MNIST protocol). With the Inception backbone also the Inception
    Score (`inception_score`, `inception_score_std`) from the same network's 1008-way logits.
    `floor()` gives the same metrics for training images against the held-out ones, with the same
    sample count: what "as good as real data" scores.

    2-D mixtures: modes covered, high-quality fraction and reverse KL of the mode histogram
    (VEEGAN / PacGAN) on `num_samples` (default 2500) points.

    Features and statistics are computed on `device` (`to(device)` moves a set-up evaluator; the
    training callback keeps it on the module's device), features in float64.
    """

    def __init__(
        self,
        datamodule: GANDataModule,
        backbone: str = "classifier",
        cache_dir: str = ".cache/gan_lab",
        num_samples: int | None = None,
        max_samples: int = 10000,
        precision_recall_k: int = 3,
        density_coverage_k: int = 5,
        kid_subset_size: int = 100,
        low_level_weight: float = 0.25,
        classifier_steps: int = 800,
        inception_weights: str | None = None,
        seed: int = 0,
        device: str | torch.device = "cpu",
    ):
        if backbone not in BACKBONES:
            raise ValueError(f"eval.backbone must be one of {list(BACKBONES)}, got {backbone!r}")
        if num_samples is not None and num_samples < 2:
            raise ValueError(f"eval.num_samples must be >= 2 (or null), got {num_samples}")
        self.datamodule, self.backbone_name, self.cache_dir = datamodule, backbone, Path(cache_dir)
        self.pr_k, self.dc_k, self.kid_subset_size = precision_recall_k, density_coverage_k, kid_subset_size
        self.low_level_weight, self.classifier_steps = low_level_weight, classifier_steps
        self.inception_weights, self.seed = inception_weights, seed
        self.is_mixture = isinstance(datamodule, GaussianMixtureDataModule)
        reference_size = len(datamodule.heldout_data)
        default = 2500 if self.is_mixture else min(reference_size, max_samples)
        self.num_samples = num_samples or default
        self.monitor = "mode_kl" if self.is_mixture else "fid"
        self.device = torch.device(device)
        self.backbone: FeatureBackbone | None = None
        self.info: dict[str, float] = {}

    def to(self, device: str | torch.device) -> Evaluator:
        """Run feature extraction and statistics on `device` from now on (before or after `setup`)."""
        self.device = torch.device(device)
        if self.backbone is not None:
            self.backbone.to(self.device)
            self.reference_features = self.reference_features.to(self.device)
            self.distances.to(self.device)
        return self

    # ---------------------------------------------------------------- set-up (once per run)
    def setup(self) -> None:
        if self.is_mixture or self.backbone is not None:
            return
        dm = self.datamodule
        reference = dm.heldout_data[: self.num_samples]
        if self.backbone_name == "inception":
            from gan_lab.metrics.inception import InceptionBackbone

            self.backbone = InceptionBackbone(self.inception_weights)
        else:
            self.backbone = self._classifier_backbone()
        self.backbone.to(self.device)
        self.reference_features = self.backbone.extract(reference)
        self.distances = ReferenceDistances(self.reference_features, kid_subset_size=self.kid_subset_size, seed=self.seed)
        self.reference_class_histogram = None
        if self.has_classes and not self.per_channel:
            # the 1000 stacked-digit modes are compared with uniform (the Stacked-MNIST protocol):
            # a held-out histogram of 2-34 samples per mode would be a noisy stand-in for it
            labels = self._heldout_class_labels()
            self.reference_class_histogram = torch.bincount(labels, minlength=self.num_classes).double()

    @property
    def per_channel(self) -> bool:
        """Stacked digits: a digit classifier per channel, 1000 joint classes."""
        return hasattr(self.datamodule, "digit_pool_train")

    @property
    def has_classes(self) -> bool:
        return isinstance(self.backbone, ClassifierBackbone)

    def classifier_data(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """What the domain classifier trains and is checked on, on the CPU: training images and labels,
        held-out images and labels (for stacked digits, the single digits its channels are drawn from)."""
        dm = self.datamodule
        if self.per_channel:
            data = (dm.digit_pool_train, dm.digit_labels_train, dm.digit_pool_heldout, dm.digit_labels_heldout)
        else:
            if getattr(dm, "train_labels", None) is None:
                raise ValueError(
                    f"eval.backbone=classifier needs a labelled dataset; {type(dm).__name__} has no labels. "
                    "Use eval.backbone=inception (with eval.inception_weights) or eval.enabled=false."
                )
            data = (dm.train_data, dm.train_labels, dm.heldout_data, dm.heldout_labels)
        return tuple(t.cpu() for t in data)

    def _classifier_backbone(self) -> ClassifierBackbone:
        per_channel = self.per_channel
        data = self.classifier_data()
        trained = train_classifier(*data, cache_dir=self.cache_dir, seed=self.seed, steps=self.classifier_steps)
        self.info["classifier_accuracy"] = trained.heldout_accuracy
        self.num_classes = 1000 if per_channel else int(max(data[1].max(), data[3].max())) + 1
        log.info("domain classifier %s: held-out accuracy %.4f", trained.path, trained.heldout_accuracy)
        return ClassifierBackbone(trained.network, self.training_images(), self.low_level_weight, per_channel=per_channel)

    def _heldout_class_labels(self) -> Tensor:
        return self.datamodule.heldout_labels[: self.num_samples].cpu().long()

    # ---------------------------------------------------------------- scoring
    @torch.no_grad()
    def evaluate(self, samples: Tensor) -> dict[str, float]:
        """All metrics of `samples` (generated images or points) against the held-out reference.

        Raises `NonFiniteSamples` (a ValueError) when an image holds NaN or an infinity: no feature
        statistic of such a set means anything, and LAPACK's eigenvalue routine can crash the process
        on them. (A non-finite 2-D point is simply never of high quality.)"""
        if self.is_mixture:
            dm = self.datamodule
            metrics = mixture_mode_metrics(samples.detach().float().cpu(), dm.centers.cpu(), dm.std)
            metrics.pop("mode_counts", None)
            return {k: float(v) for k, v in metrics.items()}
        check_finite(samples, "samples")
        self.setup()
        samples = samples.detach().float().to(self.device)
        features, logits = self.backbone.extract_with_logits(samples)
        check_finite(features, "backbone features of the samples")
        metrics = feature_metrics(
            self.distances, self.reference_features, features, self.pr_k, self.dc_k, self.backbone.semantic_features
        )
        if self.has_classes:
            probs = torch.cat([self.backbone.class_probabilities(chunk) for chunk in samples.split(500)])
            metrics |= class_metrics(probs, self.num_classes, self.reference_class_histogram)
        if logits is not None:
            metrics |= inception_score(logits, seed=self.seed)
        return metrics

    def floor(self) -> dict[str, float]:
        """The metrics of real training images (as many as `num_samples`) against the held-out reference,
        named `<metric>_floor`; for 2-D mixtures, the metrics of fresh real samples."""
        if self.is_mixture:
            dm = self.datamodule
            real = dm.sample(self.num_samples, torch.Generator(device=dm.centers.device).manual_seed(self.seed))
            return {f"{k}_floor": v for k, v in self.evaluate(real).items()}
        train = self.training_images()
        index = torch.randperm(len(train), generator=torch.Generator().manual_seed(self.seed))[: self.num_samples]
        return {f"{k}_floor": v for k, v in self.evaluate(train[index]).items()}

    def training_images(self) -> Tensor:
        """Real training images; for stacked digits, `num_samples` fresh stacks of training digits."""
        dm = self.datamodule
        if hasattr(dm, "digit_pool_train"):
            generator = torch.Generator(device=dm.digit_pool_train.device).manual_seed(self.seed)
            return dm.sample(self.num_samples, generator).cpu()
        return dm.train_data.cpu()


class NonFiniteSamples(ValueError):
    """Samples (or their features) hold NaN or infinite values; the message says how many."""


def count_non_finite(values: Tensor) -> int:
    """How many rows (samples) of `values` hold a NaN or an infinity."""
    return int((~torch.isfinite(values.detach().flatten(1))).any(1).sum()) if len(values) else 0


def check_finite(values: Tensor, what: str) -> None:
    """Raise `NonFiniteSamples` naming how many of the rows of `values` are not all finite."""
    bad = count_non_finite(values)
    if bad:
        raise NonFiniteSamples(f"{bad} of {len(values)} {what} contain NaN or infinite values; no metric is defined")


def feature_metrics(
    distances: ReferenceDistances,
    reference_features: Tensor,
    features: Tensor,
    pr_k: int = 3,
    dc_k: int = 5,
    semantic_features: int | None = None,
) -> dict[str, float]:
    """FID and KID of all of `features` (against `distances`' reference statistics); precision/recall
    and density/coverage of their first `semantic_features` coordinates (all when None) against the
    reference features' same coordinates."""
    metrics = distances(features)
    semantic = slice(0, semantic_features)
    reference_features, features = reference_features[:, semantic], features[:, semantic]
    metrics |= precision_recall(reference_features, features, k=pr_k)
    metrics |= density_coverage(reference_features, features, k=dc_k)
    return metrics


def class_metrics(probs: Tensor, num_classes: int, reference_histogram: Tensor | None = None) -> dict[str, float]:
    """Classifier score, classes covered and the KL of the predicted class histogram against the
    reference one (uniform when None) from class probabilities p(y | x)."""
    probs = probs.double()
    coverage = category_coverage(probs.argmax(1), num_classes, reference=reference_histogram)
    return {
        "classifier_score": classifier_score(probs),
        "classes_covered": float(coverage["covered"]),
        "class_kl": float(coverage["kl"]),
    }


def inception_score(logits: Tensor, splits: int = 10, seed: int = 0) -> dict[str, float]:
    """The Inception Score (Salimans et al. 2016, Sec. 4), exp(E_x KL(p(y|x) ‖ p(y))), by torchmetrics'
    `InceptionScore` from the FID Inception's 1008-way logits: the mean and standard deviation over
    `splits` random splits of the samples (shuffled with `seed`, so the same samples give the same score)."""
    from torchmetrics.image.inception import InceptionScore

    with warnings.catch_warnings():  # "will save all extracted features in buffer": we hand it the logits at once
        warnings.filterwarnings("ignore", message=".*InceptionScore.*will save all extracted features")
        metric = InceptionScore(feature=torch.nn.Identity(), splits=splits)
    metric.update(logits.double().cpu())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        mean, std = metric.compute()
    return {"inception_score": float(mean), "inception_score_std": float(std)}


def classifier_score(probs: Tensor) -> float:
    """exp(E_x KL(p(y|x) ‖ p(y))): the Inception Score (Salimans et al. 2016, Sec. 4) with the
    domain classifier in place of Inception."""
    marginal = probs.mean(0, keepdim=True)
    kl = (probs * (probs.clamp_min(1e-12).log() - marginal.clamp_min(1e-12).log())).sum(1)
    return math.exp(kl.mean().item())
