"""Lightning's NVML-based CUDA check, turned off where there is no NVIDIA driver to ask.

Lightning sets PYTORCH_NVML_BASED_CUDA_CHECK=1 when imported, so that `torch.cuda.is_available()`
asks NVML instead of initialising CUDA (which would poison a later fork). On a machine without an
NVIDIA driver, each such call then tries to load the missing libnvidia-ml.so.1 — and torch.optim
calls `torch.cuda.is_available()` on every optimizer step (its graph-capture health check): about
0.1 ms per step measured here, 2–3 % of a small MLP's G-step. Without the driver there is no CUDA
to initialise, so torch's own check is as safe and costs nothing.
"""

from __future__ import annotations

import ctypes
import os

NVML_LIBRARY = "libnvidia-ml.so.1"
NVML_CHECK = "PYTORCH_NVML_BASED_CUDA_CHECK"


def nvidia_driver_present() -> bool:
    try:
        ctypes.CDLL(NVML_LIBRARY)
    except OSError:
        return False
    return True


def skip_nvml_check_without_driver() -> None:
    """Call after importing Lightning (which sets the variable): turns NVML's check off, only where
    no NVIDIA driver is installed."""
    if os.environ.get(NVML_CHECK) == "1" and not nvidia_driver_present():
        os.environ[NVML_CHECK] = "0"
