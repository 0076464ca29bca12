"""k-nearest-neighbour manifold metrics on feature sets: precision/recall and density/coverage.

Both pairs estimate a data manifold as a union of balls, one around each sample, whose radius is
the distance from that sample to its k-th nearest neighbour in the same set (the sample itself not
counted):

- `precision_recall`: improved precision and recall, Kynkäänniemi et al., "Improved Precision and
  Recall Metric for Assessing Generative Models", NeurIPS 2019, Eq. 1-3.
- `density_coverage`: Naeem et al., "Reliable Fidelity and Diversity Metrics for Generative
  Models", ICML 2020, Eq. 6-7.

Balls are closed (a point at exactly the radius is inside), as in Kynkäänniemi et al.'s Eq. 1.
The official density/coverage code (clovaai/generative-evaluation-prdc) uses a strict `<`; the two
differ only on exact distance ties, which for continuous features happen only when a fake sample
duplicates a real one. For instance, with fake == real, density is exactly (k + 1) / k here
(each real ball holds its centre and its k nearest neighbours) and exactly 1 with `<`.

Distances are Euclidean, computed in float64 with `torch.cdist` on the device of `real`, one block
of rows at a time (`MAX_CHUNK_ELEMENTS` entries) so that the full N x M distance matrix is never
held in memory. For 10,000 x 10,000 features on CPU the working memory beyond the float64 copies of
the two sets (2 x N x d x 8 bytes) measured about 50 MB at d = 64 and 110 MB at d = 2048.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator

import torch
from torch import Tensor

# Entries of one float64 distance block (32 MiB): 419 rows of a 10,000-column matrix.
MAX_CHUNK_ELEMENTS = 2**22


def precision_recall(real: Tensor, fake: Tensor, k: int = 3, chunk_size: int | None = None) -> dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019, Eq. 1-3).

    With NN_k(φ') the k-th nearest neighbour of φ' within its own set (φ' itself excluded), Eq. 1
    says a sample φ lies on the manifold of a set Φ when
        f(φ, Φ) = 1  iff  ||φ - φ'||₂ <= ||φ' - NN_k(φ')||₂  for at least one φ' in Φ,
    and Eq. 2-3 average it:
        precision = (1/|Φ_g|) Σ_{φ_g} f(φ_g, Φ_r)   (fakes on the real manifold: fidelity)
        recall    = (1/|Φ_r|) Σ_{φ_r} f(φ_r, Φ_g)   (reals on the fake manifold: diversity)

    Args:
        real: (N, d) real features, any real dtype, any device.
        fake: (M, d) generated features.
        k: neighbourhood size (the paper uses 3); needs k < N and k < M.
        chunk_size: rows of the distance matrix computed at once; by default as many as fit in
            `MAX_CHUNK_ELEMENTS` float64 entries (and never more than that budget allows for
            `torch.cdist`'s copy of the rows). Only speed and memory depend on it.

    Returns:
        {"precision": float, "recall": float}, both in [0, 1].
    """
    real, fake = _check_features(real, fake)
    k = _check_k(k, real=real.shape[0], fake=fake.shape[0])
    real_radii = _knn_radii(real, k, chunk_size)
    fake_radii = _knn_radii(fake, k, chunk_size)
    fake_hits, _ = _ball_hits(real, real_radii, fake, chunk_size)
    real_hits, _ = _ball_hits(fake, fake_radii, real, chunk_size)
    return {
        "precision": (fake_hits > 0).sum().item() / fake.shape[0],
        "recall": (real_hits > 0).sum().item() / real.shape[0],
    }


def density_coverage(real: Tensor, fake: Tensor, k: int = 5, chunk_size: int | None = None) -> dict[str, float]:
    """Density and coverage (Naeem et al., ICML 2020, Eq. 6-7).

    With real samples X_1..X_N, fakes Y_1..Y_M, NND_k(X_i) the distance from X_i to its k-th
    nearest real neighbour (X_i excluded) and B(x, r) the ball of radius r around x:
        density  = 1/(kM) Σ_j Σ_i 1[Y_j ∈ B(X_i, NND_k(X_i))]        (Eq. 6)
        coverage = 1/N Σ_i 1[∃ j: Y_j ∈ B(X_i, NND_k(X_i))]          (Eq. 7)
    Only the real set gets balls, so outlying fakes cannot inflate either value. Density is not
    bounded by 1: its expectation is 1 when fakes follow the real distribution.

    Args:
        real: (N, d) real features, any real dtype, any device.
        fake: (M, d) generated features, M >= 1.
        k: neighbourhood size (the paper uses 5); needs k < N.
        chunk_size: rows of the distance matrix computed at once (see `precision_recall`).

    Returns:
        {"density": float, "coverage": float}.
    """
    real, fake = _check_features(real, fake)
    k = _check_k(k, real=real.shape[0])
    real_radii = _knn_radii(real, k, chunk_size)
    balls_per_fake, real_ball_hit = _ball_hits(real, real_radii, fake, chunk_size)
    return {
        "density": balls_per_fake.sum().item() / (k * fake.shape[0]),
        "coverage": real_ball_hit.sum().item() / real.shape[0],
    }


def _check_features(real: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
    """Validate two (num_samples, d) feature sets; return float64 copies on `real`'s device."""
    for name, x in (("real", real), ("fake", fake)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name} features must be a torch.Tensor, got {type(x).__name__}")
        if x.dim() != 2:
            raise ValueError(f"{name} features must be a 2-D (num_samples, feature_dim) tensor, got shape {tuple(x.shape)}")
        if x.is_complex():
            raise ValueError(f"{name} features must be real-valued, got dtype {x.dtype}")
        if x.shape[0] == 0:
            raise ValueError(f"{name} features are empty (shape {tuple(x.shape)})")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake features must have the same dimension, got {real.shape[1]} and {fake.shape[1]}")
    real = real.detach().to(dtype=torch.float64)
    fake = fake.detach().to(device=real.device, dtype=torch.float64)
    for name, x in (("real", real), ("fake", fake)):
        if not torch.isfinite(x).all():
            raise ValueError(f"{name} features contain NaN or infinite values")
    return real, fake


def _check_k(k: int, **set_sizes: int) -> int:
    """k must be a positive integer smaller than each set whose k-NN radii are used."""
    if isinstance(k, bool):
        raise ValueError(f"k must be a positive integer, got {k!r}")
    try:
        k = operator.index(k)
    except TypeError:
        raise ValueError(f"k must be a positive integer, got {k!r}") from None
    if k < 1:
        raise ValueError(f"k must be a positive integer, got {k}")
    for name, size in set_sizes.items():
        if k >= size:
            raise ValueError(
                f"k={k} needs more than k {name} samples (a sample's k-th nearest neighbour is another sample), got {size}"
            )
    return k


def _rows_per_chunk(num_cols: int, chunk_size: int | None) -> int:
    if chunk_size is None:
        return max(1, MAX_CHUNK_ELEMENTS // max(1, num_cols))
    try:
        rows = 0 if isinstance(chunk_size, bool) else operator.index(chunk_size)
    except TypeError:
        rows = 0
    if rows < 1:
        raise ValueError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    return rows


def _distance_chunks(rows: Tensor, cols: Tensor, chunk_size: int | None) -> Iterator[tuple[slice, Tensor]]:
    """Yield (row slice, Euclidean distances from those rows to every col) block by block.

    `torch.cdist` copies both inputs padded with two extra features, so the rows of a block and,
    for high-dimensional features, the columns are also cut so that no copy exceeds the budget.
    """
    num_rows, (num_cols, dim) = rows.shape[0], cols.shape
    per_copy = max(1, MAX_CHUNK_ELEMENTS // (dim + 2))
    step = min(_rows_per_chunk(num_cols, chunk_size), per_copy)
    for start in range(0, num_rows, step):
        block = slice(start, min(start + step, num_rows))
        if num_cols <= per_copy:
            yield block, torch.cdist(rows[block], cols)
            continue
        dist = torch.empty(block.stop - block.start, num_cols, dtype=rows.dtype, device=rows.device)
        for col in range(0, num_cols, per_copy):
            dist[:, col : col + per_copy] = torch.cdist(rows[block], cols[col : col + per_copy])
        yield block, dist


def _knn_radii(x: Tensor, k: int, chunk_size: int | None) -> Tensor:
    """Distance from each row of x to its k-th nearest other row (NND_k)."""
    radii = torch.empty(x.shape[0], dtype=x.dtype, device=x.device)
    for block, dist in _distance_chunks(x, x, chunk_size):
        # Each row holds the sample's distance to itself (0, the smallest), so the k-th nearest
        # *other* sample is the (k + 1)-th smallest entry; duplicates of the sample count as neighbours.
        # (topk rather than kthvalue, which copies the whole block on CPU.)
        radii[block] = dist.topk(k + 1, dim=1, largest=False).values[:, -1]
        del dist  # free the block before the next one is computed
    return radii


def _ball_hits(centers: Tensor, radii: Tensor, queries: Tensor, chunk_size: int | None) -> tuple[Tensor, Tensor]:
    """For the closed balls B(centers[i], radii[i]): how many balls contain each query, and whether each ball contains any query.

    Distances are taken with the centres as rows and the same blocking as in `_knn_radii`: with
    queries equal to the centres the two computations are the same calls, so boundary points (the
    k-th neighbours) compare equal to the radii and identical sets give density (k + 1) / k exactly.
    """
    balls_per_query = torch.zeros(queries.shape[0], dtype=torch.int64, device=queries.device)
    ball_hit = torch.empty(centers.shape[0], dtype=torch.bool, device=centers.device)
    for block, dist in _distance_chunks(centers, queries, chunk_size):
        inside = dist <= radii[block, None]
        del dist  # free the block before the next one is computed
        balls_per_query += inside.sum(dim=0, dtype=torch.int32)  # int32: a bool sum would first copy the mask to int64
        ball_hit[block] = inside.any(dim=1)
        del inside
    return balls_per_query, ball_hit
