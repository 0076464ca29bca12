"""The imported heap, set aside from Python's cyclic garbage collector for the life of a command.

`import gan_lab.run` leaves about a million objects (torch, torch._dynamo, Lightning, torchmetrics,
torchvision, Hydra) that live until the process ends. Every full collection walks them all, and at
exit the interpreter's last collections walk them again: 1.8 s of a 2-core CPU's time after the
command's own work is done (measured 2026-12-07: a process that only imports gan_lab.run ends 1.8 s
after its import, 0.3 s with them frozen). `gc.freeze()` moves what exists now to the permanent
generation, as large Python services do after start-up; objects made later are collected as
before, and exit handlers (`atexit`, W&B's finish, loggers' flush) still run.
"""

from __future__ import annotations

import gc


def freeze_imported_objects() -> None:
    """Call once the command's modules are imported, before its work starts. Only the first call
    freezes: a sweep's later members call it too, and what an earlier member left stays collectable."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
