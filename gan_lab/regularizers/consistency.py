"""Balanced consistency regularization, bCR (Zhao et al. 2021)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import check_non_negative
from gan_lab.step import DStep


def flip_and_translate(images: Tensor, flip: bool, translation: float) -> Tensor:
    """T(x) per sample: a horizontal flip with probability ½ (if `flip`), then a shift by a whole number of
    pixels, t ~ U{−s, …, s} per axis with s = round(`translation` · size); what enters from outside the
    image is the reflection of its border (on the digits, background; never a mid-grey frame)."""
    n, _, h, w = images.shape
    if flip:
        flipped = torch.rand(n, 1, 1, 1, device=images.device) < 0.5
        images = torch.where(flipped, images.flip(3), images)
    sh, sw = int(h * translation + 0.5), int(w * translation + 0.5)
    if sh == 0 and sw == 0:
        return images
    ty = torch.randint(-sh, sh + 1, (n, 1, 1), device=images.device)
    tx = torch.randint(-sw, sw + 1, (n, 1, 1), device=images.device)
    padded = F.pad(images, [sw, sw, sh, sh], mode="reflect").permute(0, 2, 3, 1)  # (N, H + 2sh, W + 2sw, C)
    rows = torch.arange(h, device=images.device).view(1, h, 1) + sh - ty  # output[i, j] = x[i − ty, j − tx]
    cols = torch.arange(w, device=images.device).view(1, 1, w) + sw - tx
    batch = torch.arange(n, device=images.device).view(n, 1, 1)
    return padded[batch, rows, cols].permute(0, 3, 1, 2)


def squared_distance(a: Tensor, b: Tensor) -> Tensor:
    """E_i ‖a_i − b_i‖² over the batch (D's outputs per sample, any shape), in at least float32."""
    diff = (a.float() - b.float()).reshape(a.shape[0], -1)
    return diff.square().sum(dim=1).mean()


class BalancedConsistency(Regularizer):
    """`consistency`: balanced consistency regularization (Zhao, Singh, Lee, Zhang, Odena & Zhang 2021,
    "Improved Consistency Regularization for GANs", Eq. 3), added to D's loss:

        λ_real · ‖D(x) − D(T(x))‖² + λ_fake · ‖D(G(z)) − D(T(G(z)))‖²,

    D's outputs (logits) should not change under a semantics-preserving transform T of real (CR, Zhang et
    al. 2020) and of generated images (the "balanced" part, which keeps D from treating the artefacts of
    T as a sign of real data). Gradients flow into both D(x) and D(T(x)). T: a random horizontal flip
    (`flip`) and a translation by up to `translation` (1/8) of the image size, with reflection padding
    (torch ops: flip_and_translate). λ_real = `real_weight`, λ_fake = `fake_weight` (10 and 10, the
    paper's); `fake_weight: 0` gives plain CR. Each side costs one more forward pass of D and is skipped
    when its weight is 0. Logged as `consistency_real` and `consistency_fake`.

    x and G(z) are D's inputs, after augmentation and instance noise. Images only (N, C, H, W); note that
    a flip is not label-preserving for digits, as the paper's T need not be for every dataset.
    """

    name = "consistency"

    def __init__(self, real_weight: float = 10.0, fake_weight: float = 10.0, flip: bool = True, translation: float = 0.125):
        self.real_weight = check_non_negative(real_weight, "regularizer.consistency.real_weight")
        self.fake_weight = check_non_negative(fake_weight, "regularizer.consistency.fake_weight")
        if not isinstance(flip, bool):
            raise ValueError(f"regularizer.consistency.flip must be true or false, got {flip!r}")
        if not 0.0 <= float(translation) < 0.5:
            raise ValueError(f"regularizer.consistency.translation must be in [0, 0.5), got {translation}")
        self.flip, self.translation = flip, float(translation)

    def wrap(self, generator: nn.Module, discriminator: nn.Module) -> None:
        shape = getattr(generator, "shape", None)
        if shape is not None and len(shape) != 3:
            raise ValueError(
                f"regularizer.consistency flips and translates images (C, H, W), but the samples have shape {list(shape)}"
            )

    def transform(self, images: Tensor) -> Tensor:
        if images.dim() != 4:
            raise ValueError(f"regularizer.consistency needs image batches (N, C, H, W), got shape {list(images.shape)}")
        return flip_and_translate(images, self.flip, self.translation)

    def d_terms(self, step: DStep) -> dict[str, Tensor]:
        terms = {}
        if self.real_weight > 0:
            transformed = step.discriminator(self.transform(step.real))
            terms["consistency_real"] = self.real_weight * squared_distance(step.real_logits, transformed)
        if self.fake_weight > 0:
            transformed = step.discriminator(self.transform(step.fake))
            terms["consistency_fake"] = self.fake_weight * squared_distance(step.fake_logits, transformed)
        return terms
