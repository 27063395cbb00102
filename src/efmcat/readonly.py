"""A read-only SQLite connection that also opens a WAL catalog in a folder the user cannot
write (SQLite cannot create its -shm file there): such a file is then read as immutable.
For the commands that only read the catalog without the Catalog class (shell completion;
sql and browse's snapshot through :func:`connect_reading`); Catalog falls back the same way
(its two helpers below)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def for_want_of_write_access(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed to open a file because this user cannot write it or its folder."""
    low = str(exc).lower()
    return "readonly" in low or "unable to open" in low


def immutable_uri(path: str | os.PathLike[str]) -> str:
    """The URI that reads ``path`` as an immutable file (no -shm file, no lock)."""
    return f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1"


def connect_read_only(path: str | os.PathLike[str], *, timeout: float = 5.0) -> sqlite3.Connection:
    """``path`` opened with ``mode=ro``; ``immutable=1`` when that cannot open it for want
    of write access to its folder. Raises sqlite3 errors as sqlite3.connect does."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=timeout)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if not for_want_of_write_access(exc):
            raise
    return sqlite3.connect(immutable_uri(path), uri=True, timeout=timeout)


def connect_reading(path: str | os.PathLike[str], *, timeout: float = 5.0) -> sqlite3.Connection:
    """A reading connection (``PRAGMA query_only``) to the catalog at ``path``; the callers'
    own guard against writes is an SQLite authorizer (``sql``) or a copy (``browse``).

    Opened read-write, so that the last connection to close removes a WAL catalog's -wal and
    -shm files, as every other command leaves them (a ``mode=ro`` connection creates them
    and cannot remove them); :func:`connect_read_only` where SQLite cannot open it so, for
    want of write access to the file or its folder. Raises sqlite3 errors as connect does."""
    p = Path(path)
    conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # not a database fails here
        return conn
    except sqlite3.Error as exc:
        conn.close()
        if not for_want_of_write_access(exc):
            raise
    return connect_read_only(p, timeout=timeout)
