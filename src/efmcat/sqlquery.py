"""``efmcat sql``: a read-only SQL query over the catalog, printed with sqlite-utils.

The connection is a reading one (``PRAGMA query_only``, or ``mode=ro`` where the user
cannot write the file: :func:`efmcat.readonly.connect_reading`) and an authorizer allows only reads,
so no statement (INSERT, DROP, PRAGMA writes, ATTACH of another file) can change
anything. Output formats are sqlite-utils': a table (tabulate), CSV, a JSON array, or
newline-delimited JSON; JSON-looking values (authors, categories) are emitted as JSON.
"""

from __future__ import annotations

import csv
import math
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from efmcat.errors import CatalogError, QueryError, UsageError

FORMATS = ("table", "csv", "json", "nl")
_ALLOWED = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}


# Pragmas that take an argument only to name what to describe: reading, whatever the argument
# (``PRAGMA table_info(papers)``, ``pragma_index_list('tags')``).
_SCHEMA_PRAGMAS = frozenset(
    {"table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list"}
)


def _authorize(action: int, arg1: object, arg2: object, *_: object) -> int:
    if action in _ALLOWED:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA and (arg2 is None or str(arg1).lower() in _SCHEMA_PRAGMAS):
        return sqlite3.SQLITE_OK  # reading a pragma (FTS5 reads data_version itself)
    if action == sqlite3.SQLITE_UPDATE and arg1 == "sqlite_master":
        return sqlite3.SQLITE_OK  # FTS5 declaring its table while parsing the schema (query_only: no write)
    return sqlite3.SQLITE_DENY


def connect_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A read-only connection to ``path`` (an error if there is no file)."""
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"no catalog at {path}")
    try:
        from efmcat.readonly import connect_reading

        conn = connect_reading(path)  # it reads the schema: not a database fails here
    except sqlite3.DatabaseError as exc:
        raise CatalogError(f"cannot open catalog {path}: {exc}") from exc
    return conn


def run_query(path: str | os.PathLike[str], sql: str, fmt: str = "table", out: IO[str] | None = None) -> int:
    """Run ``sql`` read-only on the catalog at ``path``, write the rows in ``fmt``; returns the row count."""
    import sqlite_utils
    from sqlite_utils.cli import output_rows

    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    if _is_empty(sql):  # SQLite runs no statement and answers nothing: say so plainly
        raise QueryError("empty query: give a SELECT statement")
    if out is None:
        from efmcat.render import shown_stdout

        out = shown_stdout()  # on a terminal, a stored escape sequence is shown, not obeyed
    conn = connect_readonly(path)
    stop: list[BaseException] = []
    restore = _stop_on_signals(conn, stop)
    try:
        db = sqlite_utils.Database(conn)
        conn.set_authorizer(_authorize)  # after sqlite-utils' own set-up PRAGMAs
        try:
            cursor = db.execute(sql)
        except sqlite3.DatabaseError as exc:
            if stop:
                raise stop[0] from None
            raise _query_error(exc) from exc
        except sqlite3.Warning as exc:  # e.g. two statements in one string
            raise QueryError(f"cannot run the query: {exc}") from exc
        if cursor.description is None:
            raise QueryError("cannot run the query: only reading queries (SELECT, WITH) are allowed")
        headers = [c[0] for c in cursor.description]
        counted = [0]

        def rows() -> Iterator[tuple]:
            """The rows as SQLite steps to them (csv, json and nl print them as they come:
            a query of millions of rows neither waits nor fills memory), counted."""
            try:
                for row in cursor:
                    counted[0] += 1
                    yield row
            except sqlite3.DatabaseError as exc:
                if stop:
                    raise stop[0] from None
                raise _query_error(exc) from exc

        if fmt == "table":  # the columns' widths need every row
            import tabulate

            table = list(rows())
            out.write(
                tabulate.tabulate(table, headers=headers, tablefmt="simple", disable_numparse=True) + "\n"
            )
        elif fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(headers)
            writer.writerows(rows())
        else:
            # JSON has no Infinity or NaN (a REAL overflowing, 1e999): null, as JavaScript writes them
            finite = (
                tuple(None if isinstance(v, float) and not math.isfinite(v) else v for v in r) for r in rows()
            )
            for line in output_rows(finite, headers, fmt == "nl", False, True):
                out.write(line + "\n")
    finally:
        restore()
        conn.close()
    if stop:  # a signal while the rows were written: as the command would have stopped
        raise stop[0]
    return counted[0]


def _stop_on_signals(conn: sqlite3.Connection, stop: list[BaseException]) -> Callable[[], None]:
    """Let Ctrl-C and ``kill`` stop a query SQLite is running: Python's own handlers run only
    between its instructions, and a query (a recursive WITH without a bound) can run for
    minutes inside one call. While the query runs, a signal is noted in ``stop`` (the
    KeyboardInterrupt or Terminated the command then raises) and SQLite's progress handler,
    called every 10,000 steps, interrupts it. Returns what puts the handlers back."""
    import signal

    from efmcat.errors import Terminated

    def note(signum: int, frame: object) -> None:
        stop.append(Terminated() if signum == signal.SIGTERM else KeyboardInterrupt())

    conn.set_progress_handler(lambda: 1 if stop else 0, 10_000)
    try:
        before = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: signals are not ours to take
        before = {}

    def restore() -> None:
        for signum, handler in before.items():
            signal.signal(signum, handler)

    return restore


# comments and semicolons, scanned left to right (a ``--`` inside ``/* */`` is the block's)
_NOTHING = re.compile(r"--[^\n]*|/\*.*?(?:\*/|\Z)|;", re.S)


def _is_empty(sql: str) -> bool:
    """Whether ``sql`` holds no statement: blank, or only comments and semicolons."""
    return not _NOTHING.sub("", sql).strip()


def _query_error(exc: sqlite3.DatabaseError) -> QueryError:
    message = str(exc)
    if "not authorized" in message or "readonly" in message:
        message = "only reading queries (SELECT, WITH) are allowed"
    return QueryError(f"cannot run the query: {message}")
