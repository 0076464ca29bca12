from __future__ import annotations

import torch
from torch import Tensor

from gan_lab.corruptions.base import Corruption, at_least_float32, check_number


class IntensityChange(Corruption):
    """A random change of contrast, brightness and gamma of each image: a *changed* input, the third
    kind of uncertain input beside noisy and missing ones (ImageNet-C's contrast and brightness
    corruptions, Hendrycks & Dietterich 2019, with a gamma (exposure) change added; as a measurement,
    AmbientGAN's model y = f_θ(x) with a random θ per image, Bora et al. 2018).

    Per image, independently and uniformly, with `level` in [0, 1]:

    - contrast factor c in [1 − level·`max_contrast`, 1 + level·`max_contrast`] (default 0.5),
    - brightness shift b in [−level·`max_brightness`, +level·`max_brightness`] (default 0.2),
    - gamma γ = exp(g), g in [−level·`max_log_gamma`, +level·`max_log_gamma`] (default 0.5: γ in
      [0.61, 1.65] at level 1),

    the same for every pixel and channel of the image. On the [0, 1] scale, u = (x + 1)/2 and m the
    image's mean over all its pixels and channels (ImageNet-C's contrast is about the mean):

        v = clamp(m + c·(u − m) + b, 0, 1),    y = 2·v^γ − 1

    so the output is in [-1, 1]. Differentiable with respect to the images; the gradient is 0 where
    the clamp cuts (pixels pushed out of [0, 1]) and, by choice, at v = 0 exactly (where v^γ has an
    infinite slope for γ < 1). The draws are float32 uniforms from `generator` on the images'
    device, three per image (contrast, brightness, log-gamma), so the same seed gives the same
    change. Level 0 is the identity.
    """

    name = "intensity"

    def __init__(
        self,
        level: float,
        max_contrast: float = 0.5,
        max_brightness: float = 0.2,
        max_log_gamma: float = 0.5,
        ambient: bool = False,
    ):
        super().__init__(level, ambient)
        check_number(max_contrast, "corruption.max_contrast", 1.0, "[0, 1] (the contrast factor must stay >= 0)")
        check_number(max_brightness, "corruption.max_brightness", 1.0, "[0, 1]")
        check_number(max_log_gamma, "corruption.max_log_gamma", 5.0, "[0, 5]")
        self.max_contrast, self.max_brightness = float(max_contrast), float(max_brightness)
        self.max_log_gamma = float(max_log_gamma)

    def draw(self, images: Tensor, generator: torch.Generator | None) -> tuple[Tensor, Tensor, Tensor]:
        """Per image (each of shape (B,)): contrast factor c, brightness shift b, gamma γ."""
        u = 2.0 * torch.rand((images.shape[0], 3), generator=generator, device=images.device, dtype=torch.float32) - 1.0
        contrast = 1.0 + u[:, 0] * (self.level * self.max_contrast)
        brightness = u[:, 1] * (self.level * self.max_brightness)
        gamma = torch.exp(u[:, 2] * (self.level * self.max_log_gamma))
        return contrast, brightness, gamma

    @staticmethod
    def adjust(images: Tensor, contrast: Tensor, brightness: Tensor, gamma: Tensor) -> Tensor:
        """y = 2·clamp(m + c·(u − m) + b, 0, 1)^γ − 1, u = (x + 1)/2, m = mean of u per image; c, b, γ of shape (B,)."""
        with torch.autocast(images.device.type, enabled=False):  # float32 (float64) powers, also under bf16
            x = at_least_float32(images)
            c, b, g = (t.to(x).view(-1, 1, 1, 1) for t in (contrast, brightness, gamma))
            u = (x + 1.0) / 2.0
            m = u.mean(dim=(1, 2, 3), keepdim=True)
            v = (m + c * (u - m) + b).clamp(0.0, 1.0)
            positive = v > 0
            powered = torch.where(positive, torch.where(positive, v, 1.0) ** g, 0.0)  # no inf·0 gradient at v = 0
            out = 2.0 * powered - 1.0
        return out.to(images.dtype) if images.is_floating_point() else out

    def corrupt(self, images: Tensor, generator: torch.Generator | None) -> Tensor:
        return self.adjust(images, *self.draw(images, generator))

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, max_contrast={self.max_contrast:g}, max_brightness={self.max_brightness:g}, "
            f"max_log_gamma={self.max_log_gamma:g}"
        )
