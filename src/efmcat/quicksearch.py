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
    """Hits best first as {id, year, title, areas, score}, streamed from one SQL statement
    (an all-hits search of a million papers never holds them all); None when this path cannot
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
    sql, params = searchsql.ranking(query, where, args, None)
    # the ranked keys joined to what a line shows, as bench/'s floor joins them; the tags are
    # read a page of hits at a time (_rows): a tags subquery here would be evaluated for
    # every hit before the sort, and its text sorted with it. The limit goes on the outer
    # query (searchsql.limit_clause: one above SQL_LIMIT is applied by _rows as it reads)
    sql = f"SELECT r.rank, p.id, p.year, p.title FROM ({sql}) r JOIN papers p ON p.n = r.n"
    sql += " ORDER BY r.rank, r.n" + searchsql.limit_clause(limit, params)
    conn = sqlite3.connect(db, timeout=10, isolation_level=None)
    searchsql.register(conn)  # lower() folds accents, for --author, as the Catalog's does
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != searchsql.SEARCH_SCHEMA:
            conn.close()
            return None
        hits = conn.execute(sql, params)
    except BaseException:
        conn.close()
        raise
    return _rows(conn, hits, amap, limit)


PAGE = 500  # hits whose tags are read by one query


def _rows(
    conn: sqlite3.Connection, hits: sqlite3.Cursor, amap: tuple, limit: int | None = None
) -> Iterator[dict[str, object]]:
    """The first ``limit`` hits as rows, read from the cursor a page at a time as they are
    written, each page's tags by one query."""
    areas, area_of = amap
    areas_by_tags: dict[str | None, list[str]] = {}  # papers share tag sets: each mapped once
    left = limit
    try:
        while left is None or left > 0:
            page = hits.fetchmany(PAGE if left is None else min(PAGE, left))
            if not page:
                break
            if left is not None:
                left -= len(page)
            marks = ",".join("?" * len(page))
            tags = dict(
                conn.execute(
                    "SELECT paper_id, group_concat(node, char(31)) FROM tags "
                    f"WHERE removed = 0 AND paper_id IN ({marks}) GROUP BY paper_id",
                    [row[1] for row in page],
                )
            )
            for rank, pid, year_, title in page:
                nodes = tags.get(pid)
                got = areas_by_tags.get(nodes)
                if got is None:
                    got = areamap.areas_of(nodes.split("\x1f") if nodes else [], areas, area_of)
                    if len(areas_by_tags) < 10_000:
                        areas_by_tags[nodes] = got
                yield {
                    "id": pid,
                    "year": year_,
                    "title": title,
                    "areas": got,
                    "score": round(-float(rank), 4),
                }
    finally:
        conn.close()
