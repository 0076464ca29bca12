"""On a machine without an NVIDIA driver, an optimizer step does not try to load NVML (Lightning's
NVML-based CUDA check made every torch.optim step do so: 0.1 ms each)."""

from __future__ import annotations

import ctypes
import os

import pytest
import torch

import gan_lab.run  # noqa: F401 - imports Lightning (which turns the check on), then turns it off here
from gan_lab.cuda_probe import NVML_CHECK, nvidia_driver_present


def nvml_loads_during_an_optimizer_step(monkeypatch) -> list:
    loads = []

    def recording_cdll(name, *args, **kwargs):
        loads.append(name)
        raise OSError(f"{name}: cannot open shared object file")

    parameter = torch.nn.Parameter(torch.zeros(3))
    parameter.grad = torch.ones(3)
    optimizer = torch.optim.Adam([parameter])
    with monkeypatch.context() as patch:
        patch.setattr(ctypes, "CDLL", recording_cdll)
        optimizer.step()
    return loads


def test_without_an_nvidia_driver_an_optimizer_step_does_not_probe_nvml(monkeypatch):
    if nvidia_driver_present():
        pytest.skip("an NVIDIA driver is installed: Lightning's NVML check stays on")
    assert os.environ[NVML_CHECK] == "0"
    assert nvml_loads_during_an_optimizer_step(monkeypatch) == []
    monkeypatch.setenv(NVML_CHECK, "1")  # as Lightning leaves it: the library is looked for at every step
    assert nvml_loads_during_an_optimizer_step(monkeypatch) == ["libnvidia-ml.so.1"]
