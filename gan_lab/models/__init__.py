"""Generators and discriminators (config group `model`): one file per architecture family.

Every generator maps z ~ N(0, I) of size `latent_dim` to a batch of samples of `shape`
(C, H, W) for images in [-1, 1] or (d,) for points; every discriminator maps such a batch to one
raw score (logit) per sample.
"""

from gan_lab.models.dcgan import DCGANDiscriminator, DCGANGenerator
from gan_lab.models.mlp import MLPDiscriminator, MLPGenerator
from gan_lab.models.resnet import ResNetDiscriminator, ResNetGenerator

__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "ResNetDiscriminator",
    "ResNetGenerator",
]
