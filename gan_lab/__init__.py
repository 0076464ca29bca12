"""gan_lab: a config-driven lab for studying how robust GAN training and image generation are."""

__version__ = "0.1.0"
