"""Feature backbones: images in [-1, 1] → feature vectors for FID, KID, precision/recall, density/coverage."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gan_lab.metrics.classifier import DomainClassifier
from gan_lab.metrics.low_level import pyramid_statistics


class FeatureBackbone(nn.Module):
    """Maps images to (N, num_features) features; `class_probabilities` is None when the backbone
    has no classifier (then class metrics are skipped).

    The first `semantic_features` coordinates describe what the image shows (all of them for a
    plain network); the k-NN metrics (precision/recall, density/coverage) use only those, since a
    few low-level coordinates that move with mild noise would otherwise decide every neighbourhood.
    """

    num_features: int
    differentiable = True  # features move smoothly with the image (the path-length and G-attack probes need it)

    @property
    def semantic_features(self) -> int:
        return self.num_features

    @property
    def device(self) -> torch.device:
        return next(self.parameters(), torch.empty(0)).device

    def class_probabilities(self, images: Tensor) -> Tensor | None:
        return None

    @torch.no_grad()
    def extract(self, images: Tensor, batch_size: int = 500) -> Tensor:
        """Features of many images, in batches, as float64 on the backbone's device."""
        return torch.cat([self(chunk.to(self.device)).double() for chunk in images.split(batch_size)])

    def extract_with_logits(self, images: Tensor, batch_size: int = 500) -> tuple[Tensor, Tensor | None]:
        """Features and, for an ImageNet network, its class logits (the Inception Score's input; None here)."""
        return self.extract(images, batch_size), None


class ClassifierBackbone(FeatureBackbone):
    """The domain classifier's penultimate features joined with low-level pyramid statistics.

    A classifier trained to recognise digits learns to ignore much of noise, blur and holes: on its
    features alone Gaussian blur σ = 1 scores 2.25 × the real-vs-real FID floor and σ = 0.5 0.89 ×
    (`scripts/sensitivity.py`). The low-level block (`pyramid_statistics`) sees exactly those
    corruptions, and is nearly blind to small translations, as the classifier is.
    Both blocks are standardised with the training images' statistics (the classifier block with one
    scale, its RMS deviation; the low-level block per coordinate), and the low-level block is scaled
    by `low_level_weight` × sqrt(d_classifier / d_low) so that with weight 1 each block carries the
    same total variance on real data. `low_level_weight=0` gives the classifier features alone.

    With `per_channel=True` (stacked digits) a single-channel classifier is applied to each channel
    and the features and class probabilities are those of the three digits together.
    """

    def __init__(
        self, classifier: DomainClassifier, reference: Tensor, low_level_weight: float = 0.25, per_channel: bool = False
    ):
        super().__init__()
        if low_level_weight < 0:
            raise ValueError(f"eval.low_level_weight must be >= 0, got {low_level_weight}")
        self.classifier = classifier.eval().requires_grad_(False)
        self.per_channel, self.low_level_weight = per_channel, low_level_weight
        with torch.no_grad():
            cls = torch.cat([self._classifier_features(chunk) for chunk in reference.split(500)])
            low = torch.cat([pyramid_statistics(chunk) for chunk in reference.split(500)])
        self.register_buffer("cls_mean", cls.mean(0))
        # one scale for the whole classifier block (its RMS deviation): per-dimension scaling would
        # blow up ReLU units that are almost always 0 on real data
        self.register_buffer("cls_std", cls.std(0).pow(2).mean().sqrt().clamp_min(1e-6))
        self.register_buffer("low_mean", low.mean(0))
        self.register_buffer("low_std", low.std(0).clamp_min(1e-6))
        self.low_scale = low_level_weight * math.sqrt(cls.shape[1] / low.shape[1])
        self.classifier_features = cls.shape[1]
        self.num_features = cls.shape[1] + (low.shape[1] if low_level_weight > 0 else 0)

    @property
    def semantic_features(self) -> int:
        return self.classifier_features

    def _classifier_features(self, images: Tensor) -> Tensor:
        if self.per_channel:
            return torch.cat([self.classifier.features(images[:, c : c + 1]) for c in range(images.shape[1])], dim=1)
        return self.classifier.features(images)

    def forward(self, images: Tensor) -> Tensor:
        cls = (self._classifier_features(images) - self.cls_mean) / self.cls_std
        if self.low_level_weight == 0:
            return cls
        low = (pyramid_statistics(images) - self.low_mean) / self.low_std
        return torch.cat([cls, self.low_scale * low], dim=1)

    @torch.no_grad()
    def class_probabilities(self, images: Tensor) -> Tensor:
        """p(y | x); for stacked digits the 1000 joint classes, p(a, b, c) = p_R(a) p_G(b) p_B(c)."""
        if not self.per_channel:
            return self.classifier(images).softmax(1)
        probs = [self.classifier(images[:, c : c + 1]).softmax(1) for c in range(images.shape[1])]
        joint = probs[0]
        for p in probs[1:]:
            joint = (joint.unsqueeze(2) * p.unsqueeze(1)).flatten(1)
        return joint
