"""Regularizers (config group `regularizer`): terms added to D's and/or G's loss, or wrappers of a
network. Each is built from its YAML by `hydra.utils.instantiate` and plugs into
`GANModule` through the `Regularizer` interface."""

from gan_lab.regularizers.base import Regularizer

__all__ = ["Regularizer"]
