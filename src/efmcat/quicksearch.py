"""The piped ``efmcat search`` on a bare sqlite3 connection: the same SQL as
Catalog.search (efmcat.searchsql), rows with only what a plain line shows.

``efmcat search QUERY | head`` is the command people and scripts run most, and a Python
CLI's start-up costs more than an FTS5 query. This path imports sqlite3, efmcat.searchsql,
efmcat.areamap and efmcat.textsafe and nothing else of efmcat (no Typer, Rich, dataclasses,
pathlib, json or the taxonomy module). It covers the plain case: a query with any of
--year/--since/--until/--author/--status/--starred/--limit, papers only, the default
taxonomy already cached. For anything else it answers None and the caller takes the
full path, which gives the same lines (a test checks it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from efmcat import areamap, searchsql


def search_rows(
    db: str,
    query: str,
    *,
    year: int | None = None,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    status: str | None = None,
    starred: bool = False,
    limit: int | None = 20,
) -> Iterator[dict[str, object]] | None:
    """Hits best first as {id, year, title, areas, score}, read a page at a time (an
    all-hits search of a million papers never holds them all); None when this path cannot
    tell (no cached area map, another schema version, anything unusual): ask the full one.
    The ranking query runs before this returns, so a bad query fails here."""
    searchsql.check_years(year, since, until)
    searchsql.check_limit(limit)
    amap = areamap.load_default()
    if amap is None:
        return None
    where, args = searchsql.filter_clauses(
        year=year, since=since, until=until, author=author, kinds=searchsql.DEFAULT_KINDS,
        status=status, starred=starred,
    )  # fmt: skip
    sql, params = searchsql.ranking(query, where, args, limit)
    conn = sqlite3.connect(db, timeout=10, isolation_level=None)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != searchsql.SEARCH_SCHEMA:
            conn.close()
            return None
        ranked = conn.execute(sql, params)
    except BaseException:
        conn.close()
        raise
    return _pages(conn, ranked, amap)


def _pages(conn: sqlite3.Connection, ranked: sqlite3.Cursor, amap: tuple) -> Iterator[dict[str, object]]:
    """The ranked hits as rows, 500 at a time: their id, year and title, then their tags."""
    areas, area_of = amap
    try:
        while page := ranked.fetchmany(500):
            marks = ",".join("?" * len(page))
            rows: dict[int, tuple] = {}
            tags: dict[str, list[str]] = {}
            for n, pid, year_, title in conn.execute(
                f"SELECT n, id, year, title FROM papers WHERE n IN ({marks})", [n for n, _ in page]
            ):
                rows[n] = (pid, year_, title)
                tags[pid] = []
            for pid, node in conn.execute(
                f"SELECT paper_id, node FROM tags WHERE removed = 0 AND paper_id IN ({','.join('?' * len(tags))})",
                list(tags),
            ):
                tags[pid].append(node)
            for n, rank in page:
                if n in rows:
                    pid, year_, title = rows[n]
                    yield {"id": pid, "year": year_, "title": title,
                           "areas": areamap.areas_of(tags[pid], areas, area_of), "score": round(-float(rank), 4)}  # fmt: skip
    finally:
        conn.close()
