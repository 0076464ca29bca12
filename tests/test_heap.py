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


def test_a_later_call_freezes_nothing_more_so_a_sweep_members_leftovers_stay_collectable():
    gc.collect()
    try:
        freeze_imported_objects()  # the first member of a sweep, after the import
        frozen = gc.get_freeze_count()
        leftovers = [[i] for i in range(1000)]  # what the first member leaves behind
        freeze_imported_objects()  # the second member
        assert gc.get_freeze_count() == frozen and len(leftovers) == 1000
    finally:
        gc.unfreeze()
