"""gan_lab's Hydra plugins (the study sweeper: `sweeper=study`, the default).

Hydra instantiates a sweeper or launcher only from the `hydra_plugins` namespace package, which it
scans at start-up. This folder holds gan_lab's part of that namespace and is put on `sys.path` when
gan_lab's entry points import it, so that Hydra finds `hydra_plugins.gan_lab_study` in an editable
install as in a wheel, without a top-level `hydra_plugins/` folder in the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

PLUGINS_ROOT = str(Path(__file__).resolve().parent)

if PLUGINS_ROOT not in sys.path:
    sys.path.append(PLUGINS_ROOT)
