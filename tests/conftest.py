"""Shared helpers: compose gan_lab's config as the CLI would, and run the CLI itself."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from gan_lab.run import CONF_DIR

REPO = Path(__file__).resolve().parent.parent
# Domain classifiers trained by the tests are cached here, shared by every test (and test session).
CACHE_DIR = Path(tempfile.gettempdir()) / "gan_lab-test-cache"

# Small, fast settings for tests: a handful of steps with tiny networks, nothing written to outputs/.
FAST = [
    "train.steps=4",
    "train.batch_size=8",
    "log.every=1",
    "log.sample_every=2",
    "log.checkpoint_every=2",
    "model.generator.width=8",
    "model.discriminator.width=8",
    "callbacks.progress_bar.refresh_rate=0",
    "trainer.enable_model_summary=false",
    f"paths.cache_dir={CACHE_DIR}",
    "eval.classifier_steps=50",  # a quickly trained domain classifier: these runs test plumbing, not quality
]


def compose_config(overrides: list[str], run_dir: Path, fast: bool = True) -> DictConfig:
    """The config `python -m gan_lab <overrides>` would run, writing into `run_dir`."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose("config", overrides=(FAST if fast else []) + [f"paths.output_dir={run_dir}"] + overrides)


def run_cli(args: list[str], cwd: Path, env: dict | None = None, module: str = "gan_lab", timeout: int = 300):
    """Run `python -m <module> <args>` in a subprocess, as a user would; returns the CompletedProcess."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_cli(args: list[str], cwd: Path, env: dict | None = None, module: str = "gan_lab") -> subprocess.Popen:
    """Start `python -m <module> <args>` without waiting (stdout discarded, stderr piped as text), to
    run several command lines at once."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=cwd, env=full_env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture
def compose_cfg(tmp_path):
    def _compose(*overrides: str, fast: bool = True) -> DictConfig:
        return compose_config(list(overrides), tmp_path / "run", fast=fast)

    return _compose


@pytest.fixture(scope="session")
def digits_run(tmp_path_factory):
    """One short run of the default config (digits, DCGAN, non-saturating loss), shared by the CLI tests."""
    run_dir = tmp_path_factory.mktemp("digits_run")
    proc = run_cli([*FAST, "train.steps=6", f"hydra.run.dir={run_dir}"], cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return run_dir
