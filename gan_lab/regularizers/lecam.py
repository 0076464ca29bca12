"""The LeCam regularizer (Tseng et al. 2021)."""

from __future__ import annotations

from torch import Tensor

from gan_lab.regularizers.base import Regularizer
from gan_lab.regularizers.common import check_non_negative
from gan_lab.step import DStep


class LeCamRegularizer(Regularizer):
    """`lecam`: λ · R_LC added to D's loss, with (Tseng, Jiang, Liu, Yang & Yang 2021, "Regularizing
    Generative Adversarial Networks under Limited Data", Eq. 3)

        R_LC = E_x[‖D(x) − α_F‖²] + E_z[‖D(G(z)) − α_R‖²],

    α_R and α_F exponential moving averages (`decay`, 0.99) of D's mean output on real and on generated
    samples: D's real outputs are pulled towards where its fake outputs have been, and vice versa, which
    keeps D's predictions from drifting apart when data is scarce (the paper relates it to the LeCam
    divergence). λ = `weight` (0.3).

    Every D step first folds the batch's mean outputs into the anchors, then takes the penalty, as the
    authors' code does. The anchors start at the first batch's means (the authors' code: an arbitrary
    start, overwritten until a warm-up iteration); they are saved in checkpoints and restored on
    resume. The authors' code also clips each difference at 0 (relu(D(x) − α_F)²); this is
    Eq. 3 as written. Logs `lecam` (the weighted term) and the anchors `lecam_anchor_real`, `lecam_anchor_fake`.
    """

    name = "lecam"

    def __init__(self, weight: float = 0.3, decay: float = 0.99):
        self.weight = check_non_negative(weight, "regularizer.lecam.weight")
        if not 0.0 <= float(decay) < 1.0:
            raise ValueError(f"regularizer.lecam.decay must be in [0, 1), got {decay}")
        self.decay = float(decay)
        self.anchor_real: Tensor | None = None
        self.anchor_fake: Tensor | None = None

    def d_terms(self, step: DStep) -> dict[str, Tensor]:
        real_logits, fake_logits = step.real_logits.float(), step.fake_logits.float()
        real_mean, fake_mean = real_logits.detach().mean(), fake_logits.detach().mean()
        if self.anchor_real is None or self.anchor_fake is None:
            self.anchor_real, self.anchor_fake = real_mean, fake_mean
        else:
            self.anchor_real = self.decay * self.anchor_real + (1.0 - self.decay) * real_mean
            self.anchor_fake = self.decay * self.anchor_fake + (1.0 - self.decay) * fake_mean
        penalty = (real_logits - self.anchor_fake).square().mean() + (fake_logits - self.anchor_real).square().mean()
        return {"lecam": self.weight * penalty}

    def scalars(self) -> dict[str, Tensor]:
        if self.anchor_real is None or self.anchor_fake is None:
            return {}
        return {"lecam_anchor_real": self.anchor_real, "lecam_anchor_fake": self.anchor_fake}

    def state_dict(self) -> dict:
        return {"anchor_real": self.anchor_real, "anchor_fake": self.anchor_fake}

    def load_state_dict(self, state: dict) -> None:
        self.anchor_real, self.anchor_fake = state.get("anchor_real"), state.get("anchor_fake")
