"""The catalog library: schema, migrations, transactions, FTS sync, tag precedence."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from efmcat.catalog import SCHEMA_VERSION, Catalog
from efmcat.errors import PaperNotFoundError
from efmcat.models import Paper


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "c.db")
    yield c
    c.close()


def ids(cat, q):
    return sorted(p.id for p, _ in cat.search(q))


def test_new_catalog_has_schema_wal_and_busy_timeout(cat):
    assert cat.schema_version == SCHEMA_VERSION
    assert cat.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert cat.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_every_full_text_table_uses_the_tokenizer_stemming_runs(cat):
    """similar and the spelling suggestions tokenize text with stemming.TOKENIZE to read the
    catalog's index terms; the schema's CREATE statements spell the tokenizer out (frozen
    migrations): this holds the two together."""
    from efmcat.stemming import TOKENIZE

    rows = cat.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%USING fts5(%'"
    ).fetchall()
    assert {name for name, _ in rows} >= {"papers_fts", "titles_fts", "notes_fts"}
    assert [name for name, sql in rows if TOKENIZE not in sql] == []


def test_fts_follows_inserts_updates_and_deletes(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="Sparse attention for speed", abstract="tokens"))
    assert ids(cat, "sparse") == ["2401.00001"]
    assert cat.upsert_paper(Paper(id="2401.00001", title="Dense attention for speed")) == "updated"
    assert ids(cat, "sparse") == []
    assert ids(cat, "dense") == ["2401.00001"]
    cat.delete_paper("2401.00001")
    assert ids(cat, "dense") == []
    assert cat.conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')") is not None


def test_upsert_fill_only_keeps_existing_values(cat):
    cat.upsert_paper(Paper(id="2401.00002", title="Old title", abstract=None, authors=["A B"]))
    status = cat.upsert_paper(
        Paper(id="2401.00002", title="New title", abstract="filled", authors=["C D"]), fill_only=True
    )
    assert status == "updated"
    p = cat.get_paper("2401.00002")
    assert (p.title, p.abstract, p.authors) == ("Old title", "filled", ["A B"])
    assert cat.upsert_paper(Paper(id="2401.00002", title="Old title"), fill_only=True) == "unchanged"


def test_failed_transaction_leaves_file_unchanged(tmp_path):
    path = tmp_path / "t.db"
    c = Catalog(path)
    c.upsert_paper(Paper(id="2401.00003", title="Kept"))
    c.close()
    before = path.read_bytes()
    c = Catalog(path)
    with pytest.raises(RuntimeError), c.transaction():
        c.upsert_paper(Paper(id="2401.00004", title="Rolled back"))
        c.set_tag("2401.00003", "quantization", "manual")
        raise RuntimeError("boom")
    assert not c.has("2401.00004")
    assert c.tag_rows("2401.00003") == []
    c.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    assert path.read_bytes() == before


def test_nested_transactions_roll_back_inner_only(cat):
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00005", title="Outer"))
        with pytest.raises(ValueError), cat.transaction():
            cat.upsert_paper(Paper(id="2401.00006", title="Inner"))
            raise ValueError
    assert cat.has("2401.00005") and not cat.has("2401.00006")


def test_tag_precedence_manual_over_curated_over_auto(cat):
    cat.upsert_paper(Paper(id="2401.00007", title="T"))
    cat.set_tag("2401.00007", "quantization", "curated", 1.0)
    cat.set_tag("2401.00007", "quantization", "auto", 0.3)
    assert cat.tag_rows("2401.00007")[0]["origin"] == "curated"
    cat.set_tag("2401.00007", "quantization", "manual", None, removed=True)
    cat.set_tag("2401.00007", "quantization", "curated", 1.0)
    row = cat.tag_rows("2401.00007")[0]
    assert (row["origin"], row["removed"]) == ("manual", 1)
    assert cat.tags_of(["2401.00007"]) == {"2401.00007": []}
    changes = cat.replace_auto_tags("2401.00007", {"quantization": 0.9, "memory": 0.5})
    assert changes == {"added": ["memory"], "removed": []}
    assert cat.tags_of(["2401.00007"])["2401.00007"] == ["memory"]


def test_set_tag_on_missing_paper(cat):
    with pytest.raises(PaperNotFoundError, match=r"no paper 2401\.09999 in the catalog"):
        cat.set_tag("2401.09999", "quantization", "manual")


def test_two_connections_write_in_turn(tmp_path):
    """WAL + busy timeout: a second writer waits for the first instead of failing."""
    path = tmp_path / "shared.db"
    Catalog(path).close()
    first = Catalog(path)
    errors: list[Exception] = []

    def second_writer():
        try:
            c = Catalog(path)
            c.upsert_paper(Paper(id="2401.00009", title="Second"))
            c.close()
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    with first.transaction():
        first.upsert_paper(Paper(id="2401.00008", title="First"))
        t = threading.Thread(target=second_writer)
        t.start()
        t.join(0.3)
        assert t.is_alive()  # blocked on the write lock, not failed
        # readers still see the last committed state meanwhile
        reader = sqlite3.connect(path)
        assert reader.execute("SELECT count(*) FROM papers").fetchone()[0] == 0
        reader.close()
    t.join(10)
    assert errors == []
    assert first.existing_ids(["2401.00008", "2401.00009"]) == {"2401.00008", "2401.00009"}
    first.close()


def test_migration_from_version_zero_file_with_foreign_tables_is_refused(tmp_path):
    from efmcat.errors import CatalogError

    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE x (a)")
    con.close()
    with pytest.raises(CatalogError, match="is an SQLite file but not an efmcat catalog"):
        Catalog(path)


def _triggers(cat):
    return sorted(r[0] for r in cat.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))


def test_deferred_indexing_indexes_every_field_and_restores_triggers(cat):
    before = _triggers(cat)
    with cat.transaction(), cat.deferred_indexing() as flush:
        cat.upsert_paper(Paper(id="2401.00010", title="Bulk one", abstract="sparse kernels"))
        flush()
        cat.upsert_paper(Paper(id="2401.00011", title="Bulk two", abstract="dense kernels"))
    assert _triggers(cat) == before
    assert ids(cat, "kernels") == ["2401.00010", "2401.00011"]
    assert ids(cat, "bulk sparse") == ["2401.00010"]
    for table in ("papers_fts", "titles_fts"):
        cat.conn.execute(f"INSERT INTO {table}({table}) VALUES('integrity-check')")
    cat.upsert_paper(Paper(id="2401.00012", title="After bulk", abstract="kernels again"))
    assert ids(cat, "kernels") == ["2401.00010", "2401.00011", "2401.00012"]


def test_deferred_indexing_failure_rolls_back_triggers_too(cat):
    before = _triggers(cat)
    with pytest.raises(RuntimeError, match="boom"), cat.transaction(), cat.deferred_indexing():
        cat.upsert_paper(Paper(id="2401.00013", title="Never"))
        raise RuntimeError("boom")
    assert _triggers(cat) == before
    assert not cat.has("2401.00013")


def test_version_4_catalog_migrates_to_one_abstract_index_and_keeps_searching(tmp_path):
    from conftest import old_catalog
    from efmcat.catalog import MIGRATIONS

    path = tmp_path / "v4.db"
    sql = (
        "INSERT INTO papers(id, title, abstract, added_at, status, url) VALUES ('2401.00001', "
        "'Sparse attention', 'kernels for speculative decoding', 'now', 'reading', 'https://arxiv.org/abs/2401.00001')"
    )
    old_catalog(path, 4, [(sql, ())])
    with Catalog(path) as c:
        assert c.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
        tables = {r[0] for r in c.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "abstracts_fts" not in tables and "titles_fts" in tables
        assert ids(c, "speculative") == ids(c, "sparse") == ["2401.00001"]
        assert [p.id for p in c.list_papers(status="reading")] == ["2401.00001"]
        # links written before v5 stay spelled out, and read the same as the NULL of new rows
        assert c.conn.execute("SELECT url FROM papers").fetchone()[0] == "https://arxiv.org/abs/2401.00001"
        assert c.get_paper("2401.00001").url == "https://arxiv.org/abs/2401.00001"
        assert c.upsert_paper(c.get_paper("2401.00001")) == "unchanged"
        # the title index still follows edits after its triggers were re-made
        c.upsert_paper(
            Paper(id="2401.00001", title="Dense attention", abstract="kernels for speculative decoding")
        )

        def titled(word):
            return [
                r[0] for r in c.conn.execute("SELECT rowid FROM titles_fts WHERE titles_fts MATCH ?", (word,))
            ]

        assert (titled("dense"), titled("sparse")) == ([1], [])
        c.conn.execute("INSERT INTO titles_fts(titles_fts) VALUES('integrity-check')")
        index = c.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'papers_status'").fetchone()[0]
        assert "WHERE status IS NOT NULL" in index


def test_abstract_matches_score_by_the_abstract_column_only(cat):
    # Two papers alike but for where "kernels" is: in the abstract it adds the abstract's
    # bm25 to the score; in the author list it does not.
    cat.upsert_paper(
        Paper(id="2401.00001", title="Speed", abstract="kernels kernels on gpus", authors=["Ann Lee"])
    )
    cat.upsert_paper(
        Paper(id="2401.00002", title="Speed", abstract="words on gpus", authors=["Kernels Kernels"])
    )
    cat.upsert_paper(Paper(id="2401.00003", title="Other", abstract="nothing here at all", authors=["Bo Li"]))
    scores = {p.id: s for p, s in cat.search("kernels")}
    assert set(scores) == {"2401.00001", "2401.00002"}
    assert scores["2401.00001"] > scores["2401.00002"]


def test_an_arxiv_papers_own_links_are_stored_once_and_read_back(cat):
    own = Paper(
        id="2401.00001",
        title="T",
        url="https://arxiv.org/abs/2401.00001",
        pdf_url="https://arxiv.org/pdf/2401.00001",
    )
    assert cat.upsert_paper(own) == "added"
    other = Paper(
        id="doi:10.1/x", title="U", url="https://example.org/x", pdf_url="https://example.org/x.pdf"
    )
    cat.upsert_paper(other)
    versioned = Paper(id="2401.00002", title="V", url="https://arxiv.org/abs/2401.00002v3")
    cat.upsert_paper(versioned)

    def stored(pid):
        return tuple(cat.conn.execute("SELECT url, pdf_url FROM papers WHERE id = ?", (pid,)).fetchone())

    assert stored("2401.00001") == (None, None)
    assert stored("doi:10.1/x") == ("https://example.org/x", "https://example.org/x.pdf")
    assert stored("2401.00002") == ("https://arxiv.org/abs/2401.00002v3", None)
    p = cat.get_paper("2401.00001")
    assert (p.url, p.pdf_url) == (own.url, own.pdf_url)
    assert cat.get_paper("2401.00002").pdf_url == "https://arxiv.org/pdf/2401.00002"
    assert cat.upsert_paper(own) == "unchanged"
    # a different link replaces the arXiv one, and going back stores NULL again
    assert cat.upsert_paper(Paper(id="2401.00001", title="T", url="https://mirror.org/a")) == "updated"
    assert stored("2401.00001") == ("https://mirror.org/a", None)
    # an import fills only empty fields: the arXiv link counts as there
    assert cat.upsert_paper(
        Paper(id="2401.00002", title="V", pdf_url="https://x.org/p.pdf"), fill_only=True
    ) == ("unchanged")
    assert cat.upsert_paper(own) == "updated"
    assert stored("2401.00001") == (None, None)


def test_a_version_6_catalog_gets_the_heading_index_similar_reads(tmp_path):
    """v7: sources(source, section), so the papers under a heading are found without
    walking every row of its list (similar._neighbours)."""
    from conftest import old_catalog

    path = tmp_path / "v6.db"
    old_catalog(
        path,
        6,
        [
            ("INSERT INTO papers (id, title, added_at) VALUES (?, ?, ?)", ("2401.00001", "A", "2024-01-01")),
            ("INSERT INTO sources (paper_id, source, section) VALUES (?, ?, ?)", ("2401.00001", "l", "S")),
        ],
    )
    with Catalog(path) as cat:
        assert cat.schema_version == SCHEMA_VERSION == 7
        plan = " ".join(
            str(r[-1])
            for r in cat.conn.execute(
                "EXPLAIN QUERY PLAN SELECT paper_id FROM sources WHERE source = ? AND section = ?", ("l", "S")
            )
        )
        assert "sources_section" in plan
        rows = cat.conn.execute("SELECT paper_id FROM sources WHERE section = 'S'").fetchall()
        assert [tuple(r) for r in rows] == [("2401.00001",)]


def test_a_version_6_catalogs_doi_ids_with_capitals_are_lowered_with_their_rows(tmp_path):
    from conftest import old_catalog

    path = tmp_path / "v6.db"
    paper = "INSERT INTO papers (id, title, added_at) VALUES (?, ?, '2024-01-01')"
    old_catalog(
        path,
        6,
        [
            (paper, ("doi:10.1145/ABC.Def", "Mine")),
            (
                "INSERT INTO tags (paper_id, node, origin) VALUES (?, 'memory', 'manual')",
                ("doi:10.1145/ABC.Def",),
            ),
            ("INSERT INTO sources (paper_id, source) VALUES (?, 'mine')", ("doi:10.1145/ABC.Def",)),
            (paper, ("doi:10.1/X", "Taken")),  # its lowercase id is another paper's: left
            (paper, ("doi:10.1/x", "Other")),
        ],
    )
    with Catalog(path) as cat:
        ids = [r[0] for r in cat.conn.execute("SELECT id FROM papers ORDER BY title")]
        assert ids == ["doi:10.1145/abc.def", "doi:10.1/x", "doi:10.1/X"]
        assert [tuple(r) for r in cat.conn.execute("SELECT paper_id, node FROM tags")] == [
            ("doi:10.1145/abc.def", "memory")
        ]
        assert [r[0] for r in cat.conn.execute("SELECT paper_id FROM sources")] == ["doi:10.1145/abc.def"]
