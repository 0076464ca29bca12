"""Lightning callbacks wired from `conf/callbacks/`."""

from gan_lab.callbacks.checkpoint import GeneratorStepCheckpoint
from gan_lab.callbacks.evaluation import Evaluation
from gan_lab.callbacks.probes import ModelProbes
from gan_lab.callbacks.progress import GeneratorStepProgressBar
from gan_lab.callbacks.samples import SampleWriter
from gan_lab.callbacks.stability import StabilityMonitor

__all__ = ["Evaluation", "GeneratorStepCheckpoint", "GeneratorStepProgressBar", "ModelProbes", "SampleWriter", "StabilityMonitor"]
