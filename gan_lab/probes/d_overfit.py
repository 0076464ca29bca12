"""How much the trained D remembers the real images it was trained on."""

from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.probes.base import Metrics, Probe, ProbeTarget, discriminator_outputs, midpoint_threshold


class DiscriminatorOverfitting(Probe):
    """D's outputs on real images it was trained on (the part of the training split `train_size`
    kept), on held-out real images it never saw and on G's samples: a D that generalises treats the
    first two alike; a D that overfits treats unseen real images more like generated ones (Karras et
    al. 2020, Sec. 2 and Fig. 1: the limited-data failure that DiffAugment and ADA address).

    Metrics, at the one level 0 (D as trained, nothing perturbed):
    - `membership_auc`: P(D(train) > D(held-out)), ties counting ½ — the Mann–Whitney AUC of telling
      a training image from an unseen one by D's output alone, the white-box membership-inference
      attack of LOGAN (Hayes et al. 2019, Sec. 4.1). 0.5: D cannot tell them apart; 1: it always can.
    - `r_v` = (E[D(train)] − E[D(held-out)]) / (E[D(train)] − E[D(generated)]): ADA's validation
      overfitting heuristic (Karras et al. 2020, Eq. 1): 0 when unseen real images get the training
      images' output, 1 when they get the generated images'.
    - `real_train`, `real_heldout`, `real_generated`: the fraction of each set D calls real (D > τ,
      τ as in `d_attack`: 0 for the logistic and hinge losses, the midpoint of D's mean outputs on
      held-out and generated images for critics); `real_train` − 0.5 is ADA's r_t / 2 on logits.
    - `mean_train`, `mean_heldout`, `mean_generated`: D's mean outputs; `num_train`, `num_heldout`:
      the images on each real side.

    The images are clean (augmentations and the data corruption are not applied; both real sides are
    treated alike). Each side has `num_samples` images (None: as many as the held-out split), fewer
    when the training part is smaller: the first of the training part and of the held-out split, and
    as many of G's samples as held-out images. Data drawn afresh every batch (2-D mixtures, stacked
    digits) has no training set to remember, and is refused."""

    name = "d_overfit"
    uses_training_images = True

    def __init__(self, num_samples: int | None = None, seed: int = 0, batch_size: int = 500):
        super().__init__([0.0], num_samples=num_samples, seed=seed, batch_size=batch_size)

    def run(self, target: ProbeTarget) -> dict[float, Metrics]:
        if target.discriminator is None:
            raise ValueError(f"probe={self.name} needs the discriminator, and this model has none")
        if target.train is None:
            raise ValueError(self.no_training_set())
        n = self.count(target)
        train, heldout = target.train[:n].to(target.device), target.heldout[:n].to(target.device)
        generated = self.generate(target, self.latents(target, len(heldout)))
        outputs = {
            side: discriminator_outputs(target.discriminator, images, self.batch_size)
            for side, images in (("train", train), ("heldout", heldout), ("generated", generated))
        }
        threshold = target.decision_threshold
        if threshold is None:
            threshold = midpoint_threshold(outputs["heldout"], outputs["generated"])
        means = {side: float(values.mean()) for side, values in outputs.items()}
        gap_to_generated = means["train"] - means["generated"]
        metrics: Metrics = {
            "membership_auc": mann_whitney_auc(outputs["train"], outputs["heldout"]),
            "r_v": (means["train"] - means["heldout"]) / gap_to_generated if gap_to_generated != 0 else float("nan"),
            **{f"real_{side}": float((values > threshold).double().mean()) for side, values in outputs.items()},
            **{f"mean_{side}": mean for side, mean in means.items()},
            "threshold": threshold,
            "num_train": float(len(train)),
            "num_heldout": float(len(heldout)),
        }
        return {0.0: metrics}

    def check_data(self, datamodule) -> None:
        if not getattr(datamodule, "supports_train_size", True):
            raise ValueError(self.no_training_set(type(datamodule).__name__))

    def no_training_set(self, data: str = "this data set") -> str:
        return (
            f"probe={self.name} compares D on its training images and on held-out ones, and {data} draws fresh "
            "training samples every batch (no training set to remember): use a data set with a fixed training "
            "split (digits, an image folder, a torchvision data set)"
        )


def mann_whitney_auc(higher: Tensor, lower: Tensor) -> float:
    """P(X > Y) + ½ P(X = Y) for X from `higher` and Y from `lower`: the Mann–Whitney U statistic over
    len(higher) × len(lower), from the mid-ranks of the pooled values (Mann & Whitney 1947). Not
    torchmetrics' `binary_auroc`, which works in float32: D's float64 outputs closer than float32's
    resolution would become ties, and the AUC would carry float32 rounding."""
    pooled = torch.cat([higher, lower]).double()
    order = pooled.argsort()
    ranks = torch.empty_like(pooled)
    ranks[order] = torch.arange(1, len(pooled) + 1, dtype=torch.float64)
    values, inverse, counts = pooled.unique(return_inverse=True, return_counts=True)
    rank_sums = torch.zeros(len(values), dtype=torch.float64).index_add_(0, inverse, ranks)
    mid_ranks = (rank_sums / counts)[inverse]  # tied values share the mean of their ranks
    u = float(mid_ranks[: len(higher)].sum()) - len(higher) * (len(higher) + 1) / 2
    return u / (len(higher) * len(lower))
