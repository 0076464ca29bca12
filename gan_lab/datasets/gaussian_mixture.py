"""2-D mixtures of Gaussians, the mode-collapse benchmarks of VEEGAN and PacGAN."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from gan_lab.datasets.base import FreshBatches, GANDataModule


def mixture_centers(layout: str) -> Tensor:
    """`ring8`: 8 modes evenly on the unit circle (Srivastava et al. 2017, VEEGAN);
    `grid25`: 25 modes at {-4, -2, 0, 2, 4}² (Lin et al. 2018, PacGAN)."""
    if layout == "ring8":
        angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
        return torch.stack([angles.cos(), angles.sin()], dim=1).float()
    if layout == "grid25":
        axis = torch.tensor([-4.0, -2.0, 0.0, 2.0, 4.0])
        return torch.cartesian_prod(axis, axis)
    raise ValueError(f"dataset.layout must be ring8 or grid25, got {layout!r}")


class GaussianMixtureDataModule(GANDataModule):
    """An equal-weight mixture of isotropic Gaussians of standard deviation `std` around the
    centres of `layout`; training batches are sampled fresh, the held-out set is fixed."""

    supports_train_size = False  # fresh draws every batch: dataset.train_size is refused

    def __init__(self, layout: str = "ring8", std: float = 0.01, heldout_size: int = 2500, split_seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        if std <= 0:
            raise ValueError(f"dataset.std must be > 0, got {std}")
        self.layout, self.std, self.heldout_size, self.split_seed = layout, std, heldout_size, split_seed
        self.centers = mixture_centers(layout)
        self.sample_shape = (2,)

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        device = self.centers.device
        modes = torch.randint(len(self.centers), (n,), generator=generator, device=device)
        noise = torch.randn(n, 2, generator=generator, device=device)
        return self.centers[modes] + self.std * noise

    def setup(self, stage: str | None = None) -> None:
        self.centers = self.centers.to(self.device)
        heldout_rng = torch.Generator(device=self.device).manual_seed(self.split_seed)
        self.heldout_data = self.sample(self.heldout_size, heldout_rng).cpu()

    def train_dataloader(self) -> FreshBatches:
        generator = torch.Generator(device=self.centers.device).manual_seed(self.stream_seed)
        return FreshBatches(self.sample, self.batch_size, self.num_batches, generator)
