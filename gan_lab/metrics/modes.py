"""Mode-coverage metrics for data with known modes: Gaussian mixtures (ring8, grid25) and class labels.

- `mixture_mode_metrics`: for 2-D Gaussian mixtures with known centres, the protocol of VEEGAN
  (Srivastava et al., NeurIPS 2017) and PacGAN (Lin et al., NeurIPS 2018, Sec. 4.1): a sample is
  *high quality* when it lies within `quality_sigmas` standard deviations of its nearest centre,
  and a mode is *covered* when at least `min_samples_per_mode` high-quality samples register to it
  (PacGAN: "a mode is lost if fewer than 20 high-quality samples are registered to it").
- `category_coverage`: for discrete categories assigned by a classifier, e.g. the 10 MNIST digits
  or the 1000 Stacked-MNIST modes (Metz et al., ICLR 2017; VEEGAN's protocol): the number of
  categories hit and the KL divergence of the category histogram to a reference distribution.

Both KL divergences are reverse KL, KL(q || p) = Σ_c q_c log(q_c / p_c), with q the model's
empirical histogram and p the true distribution; terms with q_c = 0 contribute 0.
"""

from __future__ import annotations

import math
import operator

import torch
from torch import Tensor

# Added to the reference probabilities of `category_coverage` (then renormalised) so that a
# category with zero reference probability gives a large but finite KL.
REFERENCE_SMOOTHING = 1e-10


def mixture_mode_metrics(
    samples: Tensor,
    centers: Tensor,
    std: float,
    quality_sigmas: float = 3.0,
    min_samples_per_mode: int = 20,
) -> dict:
    """Modes covered, high-quality fraction and mode KL of samples from a Gaussian mixture model.

    Each sample is registered to its nearest centre (Euclidean). It is high quality when that
    distance is at most `quality_sigmas * std` (isotropic Euclidean ball, VEEGAN's criterion).
    Note that for a 2-D isotropic Gaussian the distance to the centre is Rayleigh distributed, so
    even samples of the true mixture are high quality with probability 1 - exp(-quality_sigmas² / 2)
    only (≈ 0.9889 for 3 sigmas).

    Args:
        samples: (N, 2) generated points (any real dtype/device); N >= 1. Non-finite samples
            (a diverged generator) are simply never high quality.
        centers: (M, 2) mixture centres; the true mixture weights are taken as uniform.
        std: standard deviation of each (isotropic) mixture component, > 0.
        quality_sigmas: high-quality radius in units of `std`, > 0.
        min_samples_per_mode: high-quality samples a mode needs to count as covered (PacGAN: 20).

    Returns:
        dict with
        - "modes_covered" (int): modes with >= `min_samples_per_mode` high-quality samples;
        - "hq_fraction" (float): fraction of all samples that are high quality;
        - "mode_kl" (float): KL(q || p) of the histogram q of high-quality samples over the modes
          against the uniform p = 1/M; `inf` when no sample is high quality;
        - "mode_counts" (list[int]): high-quality samples registered to each mode, in `centers` order.
    """
    samples, centers = _check_points(samples, centers)
    std, quality_sigmas = float(std), float(quality_sigmas)
    if not (math.isfinite(std) and std > 0):
        raise ValueError(f"std must be a positive finite number, got {std!r}")
    if not (math.isfinite(quality_sigmas) and quality_sigmas > 0):
        raise ValueError(f"quality_sigmas must be a positive finite number, got {quality_sigmas!r}")
    min_samples_per_mode = _positive_int(min_samples_per_mode, "min_samples_per_mode")

    distances = torch.cdist(samples, centers, compute_mode="donot_use_mm_for_euclid_dist")  # (N, M), exact
    nearest_distance, nearest_mode = distances.min(dim=1)
    high_quality = nearest_distance <= quality_sigmas * std
    counts = torch.bincount(nearest_mode[high_quality], minlength=centers.shape[0]).tolist()

    num_modes = len(counts)
    return {
        "modes_covered": sum(count >= min_samples_per_mode for count in counts),
        "hq_fraction": high_quality.sum().item() / samples.shape[0],
        "mode_kl": _kl_to_reference(counts, [1.0 / num_modes] * num_modes),
        "mode_counts": counts,
    }


def category_coverage(
    labels: Tensor,
    num_categories: int,
    reference: Tensor | None = None,
    min_count: int = 1,
) -> dict:
    """Categories covered and KL(q || p) of the empirical category histogram q against p.

    Used for the 10 digit classes of MNIST-like generators and the 1000 modes of Stacked MNIST
    (Metz et al. 2017; VEEGAN's protocol reports modes covered and KL to the uniform distribution).

    Args:
        labels: 1-D integer tensor of predicted categories in [0, num_categories); non-empty.
        num_categories: number of categories K.
        reference: (K,) non-negative weights of the true category distribution p (normalised here);
            uniform when None. A given reference is smoothed, p <- (p + 1e-10) / Σ (p + 1e-10), so
            that the KL stays finite when samples fall in a category of zero reference probability.
        min_count: samples a category needs to count as covered.

    Returns:
        dict with "covered" (int: categories with >= `min_count` samples), "kl" (float: KL(q || p),
        terms with q_c = 0 contributing 0) and "counts" (list[int]: samples per category).
    """
    num_categories = _positive_int(num_categories, "num_categories")
    min_count = _positive_int(min_count, "min_count")
    if not isinstance(labels, Tensor):
        raise TypeError(f"labels must be a torch.Tensor, got {type(labels).__name__}")
    if labels.dim() != 1 or labels.numel() == 0:
        raise ValueError(f"labels must be a non-empty 1-D tensor, got shape {tuple(labels.shape)}")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise ValueError(f"labels must be an integer tensor, got dtype {labels.dtype}")
    labels = labels.detach().to(torch.int64)
    low, high = labels.min().item(), labels.max().item()
    if low < 0 or high >= num_categories:
        raise ValueError(f"labels must lie in [0, {num_categories}), got values in [{low}, {high}]")
    counts = torch.bincount(labels, minlength=num_categories).tolist()

    if reference is None:
        p = [1.0 / num_categories] * num_categories
    else:
        p = _smoothed_reference(reference, num_categories)
    return {
        "covered": sum(count >= min_count for count in counts),
        "kl": _kl_to_reference(counts, p),
        "counts": counts,
    }


def _kl_to_reference(counts: list[int], p: list[float]) -> float:
    """KL(q || p) with q = counts / sum(counts); 0 log 0 = 0; inf for an empty histogram."""
    total = sum(counts)
    if total == 0:
        return float("inf")
    kl = 0.0
    for count, p_c in zip(counts, p):
        if count:
            q_c = count / total
            kl += q_c * math.log(q_c / p_c)
    return max(kl, 0.0)  # KL >= 0; clears rounding of -1e-17 when q == p


def _smoothed_reference(reference: Tensor, num_categories: int) -> list[float]:
    reference = torch.as_tensor(reference).detach().to(device="cpu", dtype=torch.float64)
    if reference.shape != (num_categories,):
        raise ValueError(f"reference must have shape ({num_categories},), got {tuple(reference.shape)}")
    if not torch.isfinite(reference).all() or (reference < 0).any() or reference.sum() <= 0:
        raise ValueError("reference must hold finite, non-negative weights with a positive sum")
    p = reference / reference.sum()
    p = p + REFERENCE_SMOOTHING
    return (p / p.sum()).tolist()


def _check_points(samples: Tensor, centers: Tensor) -> tuple[Tensor, Tensor]:
    for name, x in (("samples", samples), ("centers", centers)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 2 or x.shape[0] == 0:
            raise ValueError(f"{name} must be a non-empty 2-D (num_points, dim) tensor, got shape {tuple(x.shape)}")
    if samples.shape[1] != centers.shape[1]:
        raise ValueError(f"samples and centers must have the same dimension, got {samples.shape[1]} and {centers.shape[1]}")
    samples = samples.detach().to(dtype=torch.float64)
    centers = centers.detach().to(device=samples.device, dtype=torch.float64)
    if not torch.isfinite(centers).all():
        raise ValueError("centers contain NaN or infinite values")
    return samples, centers


def _positive_int(value: int, name: str) -> int:
    try:
        result = 0 if isinstance(value, bool) else operator.index(value)
    except TypeError:
        result = 0
    if result < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return result
