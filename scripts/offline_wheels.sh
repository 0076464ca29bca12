#!/usr/bin/env bash
# Wheels of the packages gan_lab needs beyond a PyTorch image (torch, torchvision, Lightning,
# torchmetrics, scikit-learn, matplotlib), for a GPU machine that cannot reach a package index:
#
#   scripts/offline_wheels.sh DEST [PYTHON_VERSION]     # PYTHON_VERSION of the GPU machine, default 3.12
#   python scripts/gpu_check.py --wheels DEST --out gpu_check                (on the GPU machine)
#
# The versions are those installed in this checkout's .venv, which the tests ran with. antlr4's
# runtime (Hydra's parser) is published only as source, so it is built into a wheel here.
dest="${1:?usage: scripts/offline_wheels.sh DEST [PYTHON_VERSION]}"
python_version="${2:-3.12}"
mkdir -p "$dest" && dest="$(cd "$dest" && pwd)"
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"   # this checkout's .venv (and cd to the repository)
pinned() { python -c "import importlib.metadata as m, sys; print(f'{sys.argv[1]}=={m.version(sys.argv[1])}')" "$1"; }
binary=(hydra-core omegaconf kornia kornia_rs torch-fidelity)
python -m pip download -q --no-deps --only-binary=:all: --python-version "$python_version" --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d "$dest" $(for name in "${binary[@]}"; do pinned "$name"; done)
python -m pip wheel -q --no-deps -w "$dest" "$(pinned antlr4-python3-runtime)"
ls "$dest"
