"""Search with many notes: the note/record split (searchsql.MIXED_SQL) reads each group's
rowid sets once instead of an FTS5 lookup per note and group, and finds the same papers
in the same order, with the same scores, as the per-note lookups it replaced.

bench/bench_notes_search.py times it; these tests hold the results, never the time.
"""

from __future__ import annotations

import itertools
import random
import sqlite3

import pytest

from efmcat import searchsql

# The SQL this change replaced (searchsql from 4ee901c to e647594): every note with any of
# the words, each group of alternatives looked up by rowid, per note, in the record and in
# the note.
OLD_MIXED_SQL = """
        UNION ALL
        SELECT nf.rowid, 0, 1, 0 FROM notes_fts AS nf WHERE notes_fts MATCH :any AND {each}"""
OLD_MIXED_GROUP = (
    "(EXISTS (SELECT 1 FROM papers_fts WHERE papers_fts MATCH :g{i} AND papers_fts.rowid = nf.rowid)"
    " OR EXISTS (SELECT 1 FROM notes_fts WHERE notes_fts MATCH :g{i} AND notes_fts.rowid = nf.rowid))"
)

# Words the porter tokenizer leaves apart (no two share a stem), spread over titles,
# abstracts and notes so that many papers hold some words of a query in the note and the
# rest in the record.
WORDS = ("alpha", "beta", "gamma", "delta", "kappa", "sigma", "omega", "theta")
FILLER = ("paper", "method", "result", "study")
PAPERS = 240
SOURCES = ("list-one", "list-two", "list-three")


def _text(rng: random.Random, most: int) -> list[str]:
    return rng.sample(WORDS, rng.randint(0, most))


@pytest.fixture(scope="module")
def notes_db(tmp_path_factory):
    """A catalog of PAPERS papers whose titles, abstracts and the user's notes (on about
    two papers in three) each hold a few of WORDS; with years, kinds, reading status, stars,
    tags, sources and sections for the filters. Returns (path, {id: words of the paper's
    record and note, by field})."""
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    rng = random.Random(20241201)
    path = tmp_path_factory.mktemp("notes-scale") / "notes.db"
    fields: dict[str, dict[str, set[str]]] = {}
    with Catalog(path) as catalog, catalog.transaction():
        for i in range(PAPERS):
            pid = f"2402.{i:05d}"
            title, abstract, note = _text(rng, 3), _text(rng, 3), _text(rng, 4)
            catalog.upsert_paper(
                Paper(
                    id=pid,
                    title=" ".join([*title, rng.choice(FILLER), str(i)]),
                    abstract=" ".join([*abstract, rng.choice(FILLER), "text"]) + ".",
                    authors=[rng.choice(("Ann Lee", "Bo Chen", "Cy Roe")), "Di Fox"],
                    year=2018 + i % 7,
                    kind="repo" if i % 11 == 0 else "paper",
                )
            )
            if note and rng.random() < 0.67:
                catalog.set_note(pid, " ".join([*note, "mine"]))
            else:
                note = []
            fields[pid] = {"record": set(title) | set(abstract), "note": {*note, "mine"} if note else set()}
            if i % 5 == 0:
                catalog.set_status([pid], ("to-read", "reading", "read")[i % 3])
            if i % 7 == 0:
                catalog.set_starred([pid])
            if i % 4 == 0:
                catalog.set_tag(pid, "quantization", "manual")
            for k, source in enumerate(SOURCES[: 1 + i % 3]):
                catalog.add_source(pid, source, f"L{i}", section=("Part A", "Part B")[(i + k) % 2])
    return path, fields


def _rows(path, query: str, where=(), args=(), limit=None, *, old: bool, monkeypatch) -> list[tuple]:
    """The ranked rows (n, rank) of searchsql.ranking's SQL, with the old or the new MIXED_SQL."""
    with monkeypatch.context() as m:
        if old:
            m.setattr(searchsql, "MIXED_SQL", OLD_MIXED_SQL)
            m.setattr(searchsql, "MIXED_GROUP", OLD_MIXED_GROUP)
        sql, params = searchsql.ranking(query, list(where), list(args), limit)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute(sql, params).fetchall()
        ids = dict(conn.execute("SELECT n, id FROM papers"))
    finally:
        conn.close()
    return [(ids[n], rank) for n, rank in rows]


# Queries of 2 to 5 words, OR groups, exclusions (-word, NOT word), phrases and prefixes:
# the words of many of them lie some in the note and the rest in the record.
QUERIES = [
    *(" ".join(pair) for pair in itertools.combinations(WORDS[:5], 2)),
    *(" ".join(three) for three in itertools.combinations(WORDS[:5], 3)),
    "alpha beta gamma delta kappa",
    "sigma omega theta alpha beta",
    "alpha beta OR gamma",
    "alpha OR beta gamma OR delta",
    "kappa OR sigma OR omega theta",
    "alpha beta -gamma",
    "alpha beta NOT delta",
    "-omega alpha beta",
    "alpha OR beta gamma -kappa -sigma",
    "alpha -beta OR gamma delta",
    '"alpha beta" gamma',
    "alph* beta",
    "gamm* delt* kappa",
    "alpha mine",  # "mine" is in every note: every note drives the split
    "mine paper beta",
    "alpha alpha beta",
    "alpha beta zzzz",  # a word no paper has
]

FILTERS = [
    {"kinds": searchsql.DEFAULT_KINDS},
    {},
    {"kinds": ("repo",)},
    {"kinds": searchsql.DEFAULT_KINDS, "year": 2021},
    {"kinds": searchsql.DEFAULT_KINDS, "since": 2020, "until": 2023},
    {"kinds": searchsql.DEFAULT_KINDS, "status": "unread"},
    {"kinds": searchsql.DEFAULT_KINDS, "status": "read"},
    {"starred": True},
    {"kinds": searchsql.DEFAULT_KINDS, "author": "Bo Chen"},
    {"nodes": ["quantization"]},
    {"sources": ["list-two"], "section": "Part B"},
    {"sources": ["list-three", "list-one"], "kinds": searchsql.DEFAULT_KINDS, "since": 2019},
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_split_finds_what_the_per_note_lookups_found(notes_db, monkeypatch, query):
    """The same papers in the same order with the same scores, under every filter and with
    and without a limit, as the per-note EXISTS lookups."""
    path, _ = notes_db
    for k, filters in enumerate(FILTERS):
        where, args = searchsql.filter_clauses(**filters)
        for limit in (None, 5) if k < 2 else (None,):
            new = _rows(path, query, where, args, limit, old=False, monkeypatch=monkeypatch)
            old = _rows(path, query, where, args, limit, old=True, monkeypatch=monkeypatch)
            assert new == old, (query, filters, limit)


def _groups(query: str) -> tuple[list[set[str]], set[str]]:
    """The groups of alternatives and the excluded words of a query of plain words, OR and
    -words, by the README's rule."""
    groups: list[set[str]] = []
    excluded: set[str] = set()
    joined = False
    for token in query.split():
        if token == "OR":
            joined = bool(groups)
        elif token.startswith("-"):
            excluded.add(token[1:])
        elif joined:
            groups[-1].add(token)
            joined = False
        else:
            groups.append({token})
    return groups, excluded


def _meaning(query: str, fields: dict[str, dict[str, set[str]]]) -> set[str]:
    """The papers the query matches, with notes: each group of alternatives in the paper's
    record or in its note, no excluded word in either."""
    groups, excluded = _groups(query)
    found = set()
    for pid, f in fields.items():
        words = f["record"] | f["note"]
        if all(g & words for g in groups) and not excluded & words:
            found.add(pid)
    return found


PLAIN = [q for q in QUERIES if not any(c in q for c in '"*') and "NOT" not in q and "paper" not in q]


@pytest.mark.parametrize("query", PLAIN)
def test_each_group_is_in_the_record_or_the_note(notes_db, monkeypatch, query):
    path, fields = notes_db
    found = {pid for pid, _ in _rows(path, query, old=False, monkeypatch=monkeypatch)}
    assert found == _meaning(query, fields)


def test_the_catalog_has_papers_found_only_by_the_split(notes_db):
    """The cases above test the split: papers that hold a query's words only between their
    note and their record, neither alone."""
    _, fields = notes_db
    split = 0
    for query in PLAIN:
        groups, _ = _groups(query)
        for pid in _meaning(query, fields):
            record, note = fields[pid]["record"], fields[pid]["note"]
            if not all(g & record for g in groups) and not all(g & note for g in groups):
                split += 1
    assert split >= 200  # 402 of the 1,385 papers these queries find


def test_the_split_reads_rowid_sets_not_one_fts5_lookup_per_note(notes_db):
    """The plan holds no FTS5 lookup by rowid (``INDEX 0:=``: one FTS5 query per note and
    group, 44 s for a 5-word query with a note on each of 100k papers) and no MULTI-INDEX OR
    (SQLite's way to the same lookups when the ``+`` is missing)."""
    path, _ = notes_db
    sql, params = searchsql.ranking("alpha beta OR gamma delta", ["p.kind IN ('paper')"], [], 20)
    assert "notes_fts MATCH :g2" in sql  # the split is in the SQL
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        conn.close()
    assert not [step for step in plan if "VIRTUAL TABLE INDEX 0:=" in step or "MULTI-INDEX OR" in step], plan
    assert sum("LIST SUBQUERY" in step for step in plan) == 6  # each group's notes and records
