"""Candidates for shell completion: taxonomy node ids and the catalog's paper ids.

Each completion request is a fresh process run on every Tab press, so these are cheap:
node ids come from the (JSON-cached) taxonomy; paper ids from one indexed prefix query
on a read-only SQLite connection, which never creates, migrates or locks the catalog.
Both return ``(value, help)`` pairs; the help (a node's name, a paper's title) is what
zsh and fish show beside each candidate. Failures give no candidates instead of an error:
a completion must never print a traceback into the user's command line.
"""

from __future__ import annotations

import os
import sqlite3

PAPER_LIMIT = 50
_MAX_CHAR = "\U0010ffff"  # sorts after every other character in SQLite's BINARY collation


def node_candidates(prefix: str, taxonomy: str | os.PathLike[str] | None = None) -> list[tuple[str, str]]:
    """Taxonomy node ids starting with ``prefix``, in taxonomy order, with their names."""
    from efmcat.taxonomy import load_taxonomy

    try:
        tax = load_taxonomy(taxonomy)
    except Exception:
        return []
    return [(n.id, n.name) for n in tax if n.id.startswith(prefix)]


def paper_candidates(
    db: str | os.PathLike[str] | None, prefix: str, limit: int = PAPER_LIMIT
) -> list[tuple[str, str]]:
    """Paper ids of the catalog (``--db``, else $EFMCAT_DB, else the default one) starting
    with ``prefix``, in id order, at most ``limit``, each with its title."""
    from efmcat.paths import choose_db

    path = choose_db(db).path
    if not path.is_file():
        return []
    try:
        from efmcat.readonly import connect_read_only

        con = connect_read_only(path, timeout=0.5)
        try:
            rows = con.execute(
                "SELECT id, title FROM papers WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                (prefix, prefix + _MAX_CHAR, limit),
            ).fetchall()
        finally:
            con.close()
    except (sqlite3.Error, OSError, ValueError):
        return []
    return [(pid, " ".join(str(title or "").split())) for pid, title in rows]
