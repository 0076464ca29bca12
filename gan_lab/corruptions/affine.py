from __future__ import annotations

import torch
from kornia.geometry.transform import get_affine_matrix2d, warp_affine
from torch import Tensor

from gan_lab.corruptions.base import Corruption, at_least_float32, check_number

PADDINGS = ("black", "border", "reflection")


class RandomAffine(Corruption):
    """A random rotation, translation and isotropic scaling of each image: a *changed* input, the
    third kind of uncertain input beside noisy and missing ones (ImageNet-P's translate, rotate and
    scale perturbations, Hendrycks & Dietterich 2019; as a measurement, AmbientGAN's model y = f_θ(x)
    with a random θ per image, Bora et al. 2018).

    Per image, independently and uniformly, with `level` in [0, 1]:

    - rotation by an angle in [−level·`max_rotation`, +level·`max_rotation`] degrees (default 30°;
      a positive angle turns the content clockwise as displayed, row 0 on top),
    - translation by up to ±level·`max_translation` of the image's width and height, each axis on
      its own (default 0.125 = 1/8: ±4 pixels on 32×32 at level 1; sub-pixel shifts included),
    - scaling by a factor in [1 − level·`max_scale`, 1 + level·`max_scale`] (default 0.2),

    all about the image's centre ((W−1)/2, (H−1)/2), composed into one affine matrix
    (`kornia.geometry.transform.get_affine_matrix2d`) and applied with one bilinear
    `kornia.geometry.transform.warp_affine` (align_corners=True, so an integer translation or a
    rotation by a multiple of 90° about the centre of a square image moves pixels exactly).
    What comes in from outside the frame is `padding`: `black` (default; -1, the background of the
    digit data sets, and what `missing` writes), `border` (the nearest edge pixel) or `reflection`.
    The output is clamped to [-1, 1] (bilinear sampling is a convex combination of input pixels and
    the padding, so this only removes float round-off). Differentiable with respect to the images (bilinear sampling), so it
    can measure G's images too (`corruption.ambient=true`). The draws are float32 uniforms from
    `generator` on the images' device, four per image (angle, x shift, y shift, scale), so the same
    seed gives the same change. Level 0 is the identity.
    """

    name = "affine"

    def __init__(
        self,
        level: float,
        max_rotation: float = 30.0,
        max_translation: float = 0.125,
        max_scale: float = 0.2,
        padding: str = "black",
        ambient: bool = False,
    ):
        super().__init__(level, ambient)
        for key, value, hi in [("max_rotation", max_rotation, 180.0), ("max_translation", max_translation, 1.0)]:
            check_number(value, f"corruption.{key}", hi, f"[0, {hi:g}]")
        check_number(max_scale, "corruption.max_scale", 1.0, "[0, 1) (the scale factor must stay > 0)", open_above=True)
        if padding not in PADDINGS:
            raise ValueError(f"corruption.padding must be one of {', '.join(PADDINGS)}, got {padding!r}")
        self.max_rotation, self.max_translation, self.max_scale = float(max_rotation), float(max_translation), float(max_scale)
        self.padding = padding

    def draw(self, images: Tensor, generator: torch.Generator | None) -> tuple[Tensor, Tensor, Tensor]:
        """Per image: (angle in degrees (B,), shift in pixels (B, 2) as (x, y), scale factor (B,))."""
        b, _, h, w = images.shape
        u = 2.0 * torch.rand((b, 4), generator=generator, device=images.device, dtype=torch.float32) - 1.0  # U[-1, 1)
        angle = u[:, 0] * (self.level * self.max_rotation)
        shift = u[:, 1:3] * (self.level * self.max_translation) * torch.tensor([w, h], device=images.device, dtype=torch.float32)
        scale = 1.0 + u[:, 3] * (self.level * self.max_scale)
        return angle, shift, scale

    def warp(self, images: Tensor, angle: Tensor, shift: Tensor, scale: Tensor) -> Tensor:
        """The images turned by `angle` degrees, scaled by `scale` about their centre, then moved by
        `shift` = (x, y) pixels (right, down): output(p) = input(A⁻¹p) with A = T(shift)·C·R·S·C⁻¹."""
        b, _, h, w = images.shape
        with torch.autocast(images.device.type, enabled=False):  # float32 matrices and warps, also under bf16
            x = at_least_float32(images)
            center = torch.tensor([(w - 1) / 2, (h - 1) / 2], device=x.device, dtype=x.dtype).expand(b, 2)
            matrix = get_affine_matrix2d(shift.to(x), center, scale.to(x)[:, None].expand(b, 2), angle.to(x))
            if self.padding == "black":  # zero padding of x + 1 is -1 outside the frame
                out = warp_affine(x + 1.0, matrix[:, :2], (h, w), mode="bilinear", padding_mode="zeros", align_corners=True) - 1.0
            else:
                out = warp_affine(x, matrix[:, :2], (h, w), mode="bilinear", padding_mode=self.padding, align_corners=True)
            out = out.clamp(-1.0, 1.0)
        return out.to(images.dtype) if images.is_floating_point() else out

    def corrupt(self, images: Tensor, generator: torch.Generator | None) -> Tensor:
        return self.warp(images, *self.draw(images, generator))

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, max_rotation={self.max_rotation:g}, max_translation={self.max_translation:g}, "
            f"max_scale={self.max_scale:g}, padding={self.padding}"
        )
