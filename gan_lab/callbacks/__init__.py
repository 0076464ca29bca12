"""Lightning callbacks wired from `conf/callbacks/`."""

from gan_lab.callbacks.checkpoint import GeneratorStepCheckpoint
from gan_lab.callbacks.progress import GeneratorStepProgressBar
from gan_lab.callbacks.samples import SampleWriter

__all__ = ["GeneratorStepCheckpoint", "GeneratorStepProgressBar", "SampleWriter"]
