"""A read-only SQLite connection that also opens a WAL catalog in a folder the user cannot
write (SQLite cannot create its -shm file there): such a file is then read as immutable.
For the commands that only read the catalog without the Catalog class (sql, browse's
snapshot, shell completion); Catalog does the same for the rest."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def connect_read_only(path: str | os.PathLike[str], *, timeout: float = 5.0) -> sqlite3.Connection:
    """``path`` opened with ``mode=ro``; ``immutable=1`` when that cannot open it for want
    of write access to its folder. Raises sqlite3 errors as sqlite3.connect does."""
    uri = Path(path).resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        low = str(exc).lower()
        if "readonly" not in low and "unable to open" not in low:
            raise
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout)
