"""R2: the zero-centred gradient penalty on generated data (Mescheder et al. 2018, Eq. 10)."""

from __future__ import annotations

from gan_lab.regularizers.r1 import R1Penalty


class R2Penalty(R1Penalty):
    """`r2`: γ/2 · E_z[‖∇_x D(x)|_x=G(z)‖²] (Mescheder et al. 2018, Eq. 10), added to D's loss: R1's
    penalty taken at D's (detached) inputs of generated samples. Logged as `r2`; γ = `weight` (10).
    """

    name = "r2"
    on_fake = True
