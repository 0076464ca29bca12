"""One-sided label smoothing of D's real targets (Salimans et al. 2016)."""

from __future__ import annotations

from torch import Tensor

from gan_lab.regularizers.base import Regularizer
from gan_lab.step import DStep


class OneSidedLabelSmoothing(Regularizer):
    """`label_smoothing`: D's target for real samples is `target` t (0.9) instead of 1; generated samples
    keep the target 0 (Salimans et al. 2016, "Improved Techniques for Training GANs", Sec. 3.4:
    smoothing only the real side, so that D does not reward G's samples where the data has no mass).

    Written as a term added to D's loss: for a logit l with σ the sigmoid, and since
    softplus(l) = softplus(−l) + l,

        BCE(l, t) = −t·log σ(l) − (1 − t)·log(1 − σ(l)) = t·softplus(−l) + (1 − t)·softplus(l)
                  = softplus(−l) + (1 − t)·l,

    and the real half of the logistic D loss (loss=ns, loss=minimax) is E[softplus(−l_real)] = E[BCE(l, 1)].
    So the smoothed D loss is exactly the original one plus (1 − t)·E[l_real], for any logits; that is the
    term, logged as `label_smoothing` (it is negative when D's real logits are).

    This only means label smoothing when D's outputs are the logits of a logistic loss (ns, minimax).
    With wgan, hinge or lsgan the same term is merely a penalty (1 − t)·E[D(x)] that pushes D's outputs on
    real data down.
    """

    name = "label_smoothing"

    def __init__(self, target: float = 0.9):
        if not 0.0 < float(target) <= 1.0:
            raise ValueError(f"regularizer.label_smoothing.target must be in (0, 1], got {target}")
        self.target = float(target)

    def d_terms(self, step: DStep) -> dict[str, Tensor]:
        return {"label_smoothing": (1.0 - self.target) * step.real_logits.float().mean()}
