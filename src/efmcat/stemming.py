"""Text as the catalog's full-text index holds it: FTS5's own tokenizer and porter stemmer,
run on a scratch table in the temp schema (the catalog file is never written, and no lock
is taken on it). Shared by ``efmcat similar`` (a paper's terms) and the search's spelling
suggestions (efmcat.suggest); imports only sqlite3.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

# The tokenizer of every full-text table of the catalog (efmcat.catalog's schema).
TOKENIZE = "tokenize='porter unicode61 remove_diacritics 2'"


def temp_in_memory(conn: sqlite3.Connection) -> None:
    """Scratch tables in memory. Changing ``temp_store`` drops every temp table there is:
    call this before creating any (efmcat.suggest's vocabulary tables live beside ours;
    setting the same value again drops nothing)."""
    conn.execute("PRAGMA temp_store = MEMORY")


def index_terms(
    conn: sqlite3.Connection, texts: Sequence[str], only: Sequence[str] | None = None
) -> list[list[str]]:
    """The index terms of each text, in order; with ``only``, just those terms (in no
    particular order)."""
    if only is not None and not only:
        return [[] for _ in texts]
    temp_in_memory(conn)
    conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.efmcat_scratch USING fts5(t, {TOKENIZE})")
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.efmcat_scratch_terms USING fts5vocab(temp, efmcat_scratch, instance)"
    )
    out: list[list[tuple[int, str]]] = [[] for _ in texts]
    sql = "SELECT term, doc, offset FROM temp.efmcat_scratch_terms"
    args: list[str] = []
    if only is not None:
        sql += f" WHERE term IN ({','.join('?' * len(only))})"
        args = list(only)
    # One savepoint: the scratch rows are written once, not committed row by row, and
    # rolled back after: the scratch table is empty again for the next call.
    conn.execute("SAVEPOINT efmcat_scratch")
    try:
        conn.executemany("INSERT INTO temp.efmcat_scratch(rowid, t) VALUES (?, ?)", list(enumerate(texts, 1)))
        for term, doc, offset in conn.execute(sql, args):
            out[doc - 1].append((offset, term))
    finally:
        conn.execute("ROLLBACK TO efmcat_scratch")
        conn.execute("RELEASE efmcat_scratch")
    return [[t for _, t in sorted(doc)] for doc in out]


def stem_of(conn: sqlite3.Connection, words: Sequence[str]) -> dict[str, str]:
    """Each word's index term (a word the tokenizer makes nothing of is left out)."""
    return {w: terms[0] for w, terms in zip(words, index_terms(conn, words)) if terms}
