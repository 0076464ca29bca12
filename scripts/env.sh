# Sourced by scripts/train and scripts/test: create (or reuse) .venv and install gan_lab into it.
# The install is redone only when pyproject.toml or the constraints change.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${GAN_LAB_VENV:-$root/.venv}"
stamp="$venv/.gan_lab-install-stamp"
want="$(cat "$root/pyproject.toml" "$root/scripts/constraints.txt" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ]; then
  echo "gan_lab: creating virtual environment in $venv" >&2
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "gan_lab: installing gan_lab and its dependencies into $venv (about 2 minutes the first time)" >&2
  # pip byte-compiles at install (no --no-compile): with PYTHONDONTWRITEBYTECODE set, as on this
  # project's machines, nothing would ever write the .pyc files, and every process would compile torch
  PIP_CONSTRAINT="$root/scripts/constraints.txt" "$venv/bin/python" -m pip install -q -e "$root[dev]"
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
cd "$root"
