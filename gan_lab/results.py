"""results.json: what a run did, in one file that reports and sweeps read."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import torch

RESULTS_FILE = "results.json"


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Plain floats from Lightning's callback_metrics (tensors), skipping non-scalars; evaluation
    metrics (`eval/fid`, …) lose their prefix (`fid`)."""
    out = {}
    for name, value in metrics.items():
        name = name.removeprefix("eval/")
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                continue
            value = value.item()
        if isinstance(value, (int, float)):
            out[name] = float(value) if math.isfinite(value) else str(value)
    return out


def json_safe(value: Any) -> Any:
    """`value` with every non-finite float (nested in dicts and lists) as its text ("nan", "inf"),
    as results.json writes metrics: strict JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


def write_results(run_dir: Path, results: dict[str, Any]) -> Path:
    """Write `run_dir/results.json` atomically (temporary file, then rename)."""
    path = Path(run_dir) / RESULTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(json_safe(results), indent=2, sort_keys=False, allow_nan=False) + "\n")
    os.replace(tmp, path)
    return path
