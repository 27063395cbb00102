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
) -> list[dict[str, object]] | None:
    """Hits best first as {id, year, title, areas, score}; None when this path cannot tell
    (no cached area map, another schema version, anything unusual): ask the full one."""
    searchsql.check_years(year, since, until)
    searchsql.check_limit(limit)
    amap = areamap.load_default()
    if amap is None:
        return None
    areas, area_of = amap
    where, args = searchsql.filter_clauses(
        year=year, since=since, until=until, author=author, kinds=searchsql.DEFAULT_KINDS,
        status=status, starred=starred,
    )  # fmt: skip
    sql, params = searchsql.ranking(query, where, args, limit)
    conn = sqlite3.connect(db, timeout=10, isolation_level=None)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != searchsql.SEARCH_SCHEMA:
            return None
        ranked = conn.execute(sql, params).fetchall()
        keys = [n for n, _ in ranked]
        rows: dict[int, tuple] = {}
        tags: dict[str, list[str]] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for n, pid, year_, title in conn.execute(
                f"SELECT n, id, year, title FROM papers WHERE n IN ({marks})", chunk
            ):
                rows[n] = (pid, year_, title)
                tags[pid] = []
        ids = list(tags)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for pid, node in conn.execute(
                f"SELECT paper_id, node FROM tags WHERE removed = 0 AND paper_id IN ({marks})", chunk
            ):
                tags[pid].append(node)
    finally:
        conn.close()
    out: list[dict[str, object]] = []
    for n, rank in ranked:
        if n in rows:
            pid, year_, title = rows[n]
            out.append({"id": pid, "year": year_, "title": title,
                        "areas": areamap.areas_of(tags[pid], areas, area_of), "score": round(-float(rank), 4)})  # fmt: skip
    return out
