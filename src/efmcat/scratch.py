"""A scratch SQLite database on disk, for work on the whole catalog that must not be held in
memory: the Markdown export's rows grouped by area, the BibTeX export's key numbering,
``check``'s title grouping. It is SQLite's private temporary database (an empty file name):
pages past a small cache go to a temporary file, deleted when the connection closes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

CACHE_KB = 8_000  # the scratch database's page cache; the rest is on disk
BATCH = 1_000  # rows per executemany


@contextmanager
def scratch_db() -> Iterator[sqlite3.Connection]:
    """A fresh, empty scratch database, removed when the block ends."""
    conn = sqlite3.connect("", isolation_level=None)
    try:
        conn.execute(f"PRAGMA cache_size = -{CACHE_KB}")
        conn.execute("PRAGMA temp_store = FILE")  # sorts spill to disk too
        yield conn
    finally:
        conn.close()


def insert_all(conn: sqlite3.Connection, sql: str, rows: Iterable[Any]) -> int:
    """Insert ``rows`` with ``sql`` in batches, one transaction; returns how many."""
    it = iter(rows)
    n = 0
    conn.execute("BEGIN")
    try:
        while batch := list(islice(it, BATCH)):
            conn.executemany(sql, batch)
            n += len(batch)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return n
