"""Bulk work (an import of a million papers, its tagging workers): Python's cyclic garbage
collector told to run rarely.

Bulk work makes millions of short-lived tuples, lists and objects. None of them form
cycles, so reference counting frees them; but every 700 new objects the collector runs, and
its older generations walk everything alive: the taxonomy, the tagger model's weight tables,
the batches in flight. Measured on a 100k-paper import, that was about a sixth of the main
process's CPU time. Here what exists when bulk work starts is frozen (never walked again)
and a collection runs every 100,000 new objects instead of 700.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLDS = (100_000, 50, 100)


def settle() -> None:
    """For a worker process doing bulk work until it ends: freeze what exists, collect rarely."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


@contextmanager
def few_collections() -> Iterator[None]:
    """:func:`settle` for the time of a ``with`` block, then the collector as it was."""
    old = gc.get_threshold()
    settle()
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()
