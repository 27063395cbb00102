"""The ``--json`` report of a command that changes the catalog: one object, the same keys.

``dry_run`` (true when nothing was written), then the ids of the papers ``added``,
``updated``, ``removed`` and left ``unchanged``, and ``failed``: the inputs that could not be
handled, each ``{"input": ..., "error": ...}``. Every key is always there (an empty list when
nothing fits); a command adds its own details after them (``tags_added``, ``fields``, ...).
``import`` and ``update`` predate this shape: their ``added``/``updated``/``unchanged`` are
counts, and their ``changes`` list the ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

KEYS = ("dry_run", "added", "updated", "removed", "unchanged", "failed")


def change_report(
    *,
    added: Iterable[str] = (),
    updated: Iterable[str] = (),
    removed: Iterable[str] = (),
    unchanged: Iterable[str] = (),
    failed: Iterable[tuple[str, str]] = (),
    dry_run: bool = False,
    **details: Any,
) -> dict[str, Any]:
    """The report object; ``failed`` as (input, error message) pairs."""
    report: dict[str, Any] = {
        "dry_run": dry_run,
        "added": list(added),
        "updated": list(updated),
        "removed": list(removed),
        "unchanged": list(unchanged),
        "failed": [{"input": text, "error": error} for text, error in failed],
    }
    clash = set(details) & set(KEYS)
    if clash:
        raise ValueError(f"details may not replace the report's keys: {sorted(clash)}")
    report.update(details)
    return report
