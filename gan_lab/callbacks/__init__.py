"""Lightning callbacks wired from `conf/callbacks/`."""

from gan_lab.callbacks.checkpoint import GeneratorStepCheckpoint
from gan_lab.callbacks.evaluation import Evaluation
from gan_lab.callbacks.progress import GeneratorStepProgressBar
from gan_lab.callbacks.samples import SampleWriter

__all__ = ["Evaluation", "GeneratorStepCheckpoint", "GeneratorStepProgressBar", "SampleWriter"]
