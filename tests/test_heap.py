"""A gan_lab command sets its imported objects aside from the cyclic garbage collector (gan_lab/heap.py)."""

from __future__ import annotations

import gc

from gan_lab.heap import freeze_imported_objects


def test_the_objects_that_exist_at_freezing_leave_the_collectors_generations():
    gc.collect()
    try:
        freeze_imported_objects()
        assert gc.get_freeze_count() > 100_000  # torch, Lightning, Hydra: what each later collection no longer walks
        assert gc.get_count()[1:] == (0, 0)  # the older generations start empty again
    finally:
        gc.unfreeze()
