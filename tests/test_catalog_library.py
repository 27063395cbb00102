"""The catalog as a Python library: opening files, filters, paging, tags, provenance, waiting
for another writer. Written against what a caller sees (return values, what a second
Catalog or a search finds), so that each line of catalog.py has a test that would notice
it changing (see tools/mutate.py)."""

from __future__ import annotations

import itertools
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from efmcat.catalog import AutoTagWrites, Catalog
from efmcat.errors import CatalogError, PaperNotFoundError, QueryError, UsageError
from efmcat.models import Paper, PaperText


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "c.db")
    yield c
    c.close()


def _ids(papers) -> list[str]:
    return [p.id for p in papers]


# -- opening --------------------------------------------------------------------------------
def test_opening_creates_the_file_and_its_folders(tmp_path):
    path = tmp_path / "new" / "sub" / "c.db"
    with Catalog(path) as c:
        assert c.count() == 0
    assert path.is_file()
    with Catalog(path, create=False) as c:  # an existing catalog opens for reading too
        assert c.count() == 0


def test_create_false_never_makes_a_catalog(tmp_path):
    for path in (tmp_path / "missing.db", tmp_path / "nofolder" / "missing.db"):
        with pytest.raises(CatalogError, match=f"^no catalog at {path}$"):
            Catalog(path, create=False)
        assert not path.exists()
    assert not (tmp_path / "nofolder").exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(CatalogError, match="is an empty file, not a catalog"):
        Catalog(empty, create=False)
    assert empty.stat().st_size == 0


@pytest.mark.parametrize("create", [True, False])
@pytest.mark.parametrize("content", [b"x", b"\n", b"hello"])
def test_a_short_file_is_never_written_over(tmp_path, create, content):
    """SQLite takes a 1-byte file for an empty database: efmcat must not make it a catalog."""
    path = tmp_path / "junk.db"
    path.write_bytes(content)
    with pytest.raises(CatalogError, match="file is not a database"):
        Catalog(path, create=create)
    assert path.read_bytes() == content


def test_a_folder_is_not_a_catalog(tmp_path):
    with pytest.raises(CatalogError, match="is a folder, not a catalog file"):
        Catalog(tmp_path)


def test_close_releases_the_file(tmp_path):
    """After close() (or the with block) no -wal/-shm files are left beside the catalog."""
    path = tmp_path / "c.db"
    c = Catalog(path)
    c.upsert_paper(Paper(id="2401.00001", title="T"))
    assert Path(f"{path}-wal").exists()
    c.close()
    assert not Path(f"{path}-wal").exists()
    with pytest.raises(sqlite3.ProgrammingError):
        c.count()


def test_deleting_a_paper_deletes_its_tags_and_sources(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    cat.set_tag("2401.00001", "quantization", "manual")
    cat.add_source("2401.00001", "Awesome-X", "1", section="Quantization")
    cat.delete_paper("2401.00001")
    cat.upsert_paper(Paper(id="2401.00001", title="T again"))
    assert cat.tag_rows("2401.00001") == []
    assert cat.sources_of("2401.00001") == []
    assert cat.source_counts() == []


# -- transactions -----------------------------------------------------------------------------
def test_a_failed_transaction_does_not_spoil_the_next_ones(tmp_path):
    path = tmp_path / "c.db"
    c = Catalog(path)
    with pytest.raises(RuntimeError), c.transaction():
        c.upsert_paper(Paper(id="2401.00001", title="Rolled back"))
        raise RuntimeError("boom")
    c.upsert_paper(Paper(id="2401.00002", title="Kept"))
    c.close()
    with Catalog(path) as again:
        assert _ids(again.iter_papers()) == ["2401.00002"]


def test_an_inner_failure_keeps_the_outer_work(tmp_path):
    path = tmp_path / "c.db"
    c = Catalog(path)
    with c.transaction():
        c.upsert_paper(Paper(id="2401.00001", title="Outer"))
        with pytest.raises(RuntimeError), c.transaction():
            c.upsert_paper(Paper(id="2401.00002", title="Inner"))
            raise RuntimeError("boom")
        c.upsert_paper(Paper(id="2401.00003", title="Outer again"))
    c.close()
    with Catalog(path) as again:
        assert _ids(again.iter_papers()) == ["2401.00001", "2401.00003"]


def test_deferred_indexing_needs_a_transaction(cat):
    with pytest.raises(RuntimeError, match="needs an open transaction"), cat.deferred_indexing():
        pass


def test_deferred_indexing_with_several_flushes(cat):
    """Each flush indexes only what came since the last one (no paper indexed twice)."""
    with cat.transaction(), cat.deferred_indexing() as flush:
        for i in range(1, 4):
            cat.upsert_paper(Paper(id=f"2401.0000{i}", title=f"Bulk kernels {i}"))
            flush()
        flush()
    assert sorted(p.id for p, _ in cat.search("kernels")) == ["2401.00001", "2401.00002", "2401.00003"]
    for table in ("papers_fts", "titles_fts"):
        assert cat.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 3


# -- waiting for another writer ----------------------------------------------------------------
def _hold_lock(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_writer_waits_for_the_lock_and_then_writes(tmp_path, monkeypatch):
    monkeypatch.setenv("EFMCAT_BUSY_TIMEOUT", "60")
    path = tmp_path / "c.db"
    c = Catalog(path)
    c.upsert_paper(Paper(id="2401.00001", title="First"))
    holder = _hold_lock(path)
    marker = path.with_name(f"{path.name}.waiting.{os.getpid()}")
    seen: list[bool] = []

    def release() -> None:
        # the waiting writer leaves its marker while it waits (not only after a timeout)
        for _ in range(3000):
            if marker.exists():
                seen.append(True)
                break
            threading.Event().wait(0.01)
        holder.execute("COMMIT")

    t = threading.Thread(target=release)
    t.start()
    assert c.upsert_paper(Paper(id="2401.00002", title="Second")) == "added"
    t.join()
    holder.close()
    assert seen == [True]
    assert not marker.exists()
    c.close()
    with Catalog(path) as again:
        assert _ids(again.iter_papers()) == ["2401.00001", "2401.00002"]


def test_a_writer_gives_up_after_the_timeout(tmp_path, monkeypatch):
    """Bounded: a writer that never gets the lock fails with the busy error."""
    monkeypatch.setenv("EFMCAT_BUSY_TIMEOUT", "0.2")
    path = tmp_path / "c.db"
    with Catalog(path) as c:
        c.upsert_paper(Paper(id="2401.00001", title="First"))
    holder = _hold_lock(path)
    outcome: list[BaseException] = []

    def write() -> None:
        try:
            with Catalog(path) as c:
                c.upsert_paper(Paper(id="2401.00002", title="Second"))
        except BaseException as exc:
            outcome.append(exc)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    t.join(120)  # a guard against a hang, far beyond the 0.2 s asked for
    holder.execute("ROLLBACK")
    holder.close()
    assert not t.is_alive(), "the writer never gave up"
    assert [str(e) for e in outcome] == ["catalog is busy (another efmcat is writing); try again"]
    assert not path.with_name(f"{path.name}.waiting.{os.getpid()}").exists()
    with Catalog(path) as c:
        assert not c.has("2401.00002")


@pytest.mark.parametrize(
    "value, ok", [("0", True), ("3600", True), ("2.5", True), ("-1", False), ("3601", False)]
)
def test_busy_timeout_range(tmp_path, monkeypatch, value, ok):
    monkeypatch.setenv("EFMCAT_BUSY_TIMEOUT", value)
    if ok:
        Catalog(tmp_path / "c.db").close()
    else:
        with pytest.raises(UsageError, match="must be between 0 and 3600 seconds"):
            Catalog(tmp_path / "c.db")  # a setting, as EFMCAT_ARXIV_DELAY's: exit 2


def test_a_long_writer_lets_a_waiting_one_go_first(cat, tmp_path):
    """yield_to_waiters returns once every live waiter's marker is gone."""
    marker = Path(f"{cat.path}.waiting.{os.getppid()}")  # a live process other than this one
    marker.touch()
    threading.Timer(0.2, marker.unlink).start()
    cat.yield_to_waiters(limit=60)
    assert not marker.exists()


def test_waiting_is_bounded_and_ignores_dead_waiters(cat):
    live = Path(f"{cat.path}.waiting.{os.getppid()}")
    live.touch()
    cat.yield_to_waiters(limit=0.05)  # returns although the waiter never went
    assert live.exists()
    live.unlink()
    dead = Path(f"{cat.path}.waiting.999999999")
    dead.touch()
    done = threading.Event()
    threading.Thread(target=lambda: (cat.yield_to_waiters(limit=600), done.set()), daemon=True).start()
    assert done.wait(60), "waited for a process that does not exist"
    own = Path(f"{cat.path}.waiting.{os.getpid()}")
    own.touch()
    done.clear()
    threading.Thread(target=lambda: (cat.yield_to_waiters(limit=600), done.set()), daemon=True).start()
    assert done.wait(60), "waited for itself"


def test_inside_a_transaction_nobody_is_waited_for(tmp_path):
    path = tmp_path / "c.db"
    marker = Path(f"{path}.waiting.{os.getppid()}")
    marker.touch()
    done = threading.Event()

    def run() -> None:
        with Catalog(path) as c, c.transaction():
            c.yield_to_waiters(limit=600)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(60)
    marker.unlink()


# -- papers ------------------------------------------------------------------------------------
def _many(cat: Catalog, n: int) -> list[str]:
    ids = [f"2402.{i:05d}" for i in range(1, n + 1)]
    with cat.transaction():
        for pid in ids:
            cat.upsert_paper(Paper(id=pid, title=f"Paper {pid}"))
    return ids


def test_existing_ids_over_many_chunks_and_any_iterable(cat):
    ids = _many(cat, 600)
    assert cat.existing_ids(ids) == set(ids)
    assert cat.existing_ids(i for i in [*ids, *ids, "2402.99999"]) == set(ids)


def test_iter_papers_pages_through_everything_once(cat):
    ids = _many(cat, 7)
    assert _ids(cat.iter_papers()) == ids
    assert _ids(itertools.islice(cat.iter_papers(batch=2), 20)) == ids
    assert _ids(cat.iter_papers(batch=7)) == ids


def test_empty_values_never_overwrite_stored_ones(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T", authors=["Ann Lee"], abstract="Words."))
    assert cat.upsert_paper(Paper(id="2401.00001", title="T", authors=[], abstract="")) == "unchanged"
    p = cat.get_paper("2401.00001")
    assert (p.authors, p.abstract) == (["Ann Lee"], "Words.")
    assert cat.upsert_paper(Paper(id="2401.00001", title="New T")) == "updated"
    assert cat.get_paper("2401.00001").title == "New T"


def test_fetched_at_alone_is_recorded_but_not_a_change(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    status = cat.upsert_paper(Paper(id="2401.00001", title="T"), fetched_at="2026-01-02T03:04:05Z")
    assert status == "unchanged"
    row = cat.conn.execute("SELECT fetched_at FROM papers WHERE id = '2401.00001'").fetchone()
    assert row[0] == "2026-01-02T03:04:05Z"


def test_delete_paper(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    cat.delete_paper("2401.00001")
    assert not cat.has("2401.00001")
    with pytest.raises(
        PaperNotFoundError,
        match=r"^no paper 2401\.00001 in the catalog \(`efmcat add 2401\.00001` fetches it from arXiv\)$",
    ):
        cat.delete_paper("2401.00001")


def test_note_set_and_cleared(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    cat.set_note("2401.00001", "read section 3")
    p = cat.get_paper("2401.00001")
    assert (p.note, p.user_fields) == ("read section 3", ["note"])
    cat.set_note("2401.00001", "")
    assert cat.get_paper("2401.00001").note is None


def test_author_matches_whole_words_of_one_authors_name(cat):
    """--author Han is no Zhang or Nathan; a name's words are not taken across two authors."""
    cat.upsert_paper(
        Paper(id="2401.00001", title="A", authors=["Yu Zhang", "Nathan Hansen", "Atri Tri", "Dao Wu"])
    )
    cat.upsert_paper(Paper(id="2401.00002", title="B", authors=["Song Han", "Tri Dao", "Daniel Y. Fu"]))
    cat.upsert_paper(Paper(id="2401.00003", title="C", authors=["Wen-tau Yih", "Kai HAN-Li"]))
    cat.upsert_paper(Paper(id="2401.00004", title="D", authors=['Hai "Helen" Li', "J.R.R. Tolkien"]))
    for name, ids in [
        ("Han", ["2401.00002", "2401.00003"]),
        ("han", ["2401.00002", "2401.00003"]),
        ("tri dao", ["2401.00002"]),  # not "Atri Tri", "Dao Wu"
        ("Daniel Y. Fu", ["2401.00002"]),
        ("daniel y fu", ["2401.00002"]),
        ("Y. Fu", ["2401.00002"]),
        ("Wen-tau", ["2401.00003"]),
        ("wen tau yih", ["2401.00003"]),
        ("Zhang", ["2401.00001"]),
        ("Zhan", []),
        ("Helen", ["2401.00004"]),  # a quote in a name is stored escaped in the JSON list
        ('Hai "Helen" Li', ["2401.00004"]),
        ("hai helen li", ["2401.00004"]),
        ("J.R.R. Tolkien", ["2401.00004"]),
        ("jrr tolkien", ["2401.00004"]),  # initials without their dots
        ('Tri", "Dao', ["2401.00002"]),  # quotes are breaks: Tri Dao, not two authors
    ]:
        assert _ids(cat.list_papers(author=name, sort="id")) == ids, name
    from efmcat.errors import UsageError

    for nothing in ('"', " . ", "-,", ""):  # no word to match: said, not every paper listed
        with pytest.raises(UsageError, match="--author needs a name"):
            list(cat.list_papers(author=nothing))


def test_non_ascii_authors_are_found_by_author(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T", authors=["Jürgen Müller", "Zoë Ñandú"]))
    assert _ids(cat.list_papers(author="Müller")) == ["2401.00001"]
    cat.set_user_fields("2401.00001", {"authors": ["Renée Dupré"]})
    assert _ids(cat.list_papers(author="Dupré")) == ["2401.00001"]
    assert cat.get_paper("2401.00001").authors == ["Renée Dupré"]


# -- tags ----------------------------------------------------------------------------------
def test_curated_never_overrides_manual(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    cat.set_tag("2401.00001", "quantization", "manual", None)
    cat.set_tag("2401.00001", "quantization", "curated", 0.5)
    assert [(r["origin"], r["score"]) for r in cat.tag_rows("2401.00001")] == [("manual", None)]


def test_tag_rows_without_removed_ones(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    cat.set_tag("2401.00001", "memory", "manual")
    cat.set_tag("2401.00001", "quantization", "manual", removed=True)
    assert [r["node"] for r in cat.tag_rows("2401.00001")] == ["memory", "quantization"]
    assert [r["node"] for r in cat.tag_rows("2401.00001", include_removed=False)] == ["memory"]


def test_tags_of_many_papers(cat):
    ids = _many(cat, 600)
    with cat.transaction():
        for pid in ids[::100]:
            cat.set_tag(pid, "memory", "auto", 0.5)
    tags = cat.tags_of(ids)
    assert [pid for pid, nodes in tags.items() if nodes == ["memory"]] == ids[::100]
    assert sum(len(v) for v in tags.values()) == 6


def test_replace_auto_tags_bookkeeping(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    cat.set_tag("2401.00001", "curated-node", "curated", 1.0)
    cat.set_tag("2401.00001", "manual-node", "manual")
    assert cat.replace_auto_tags("2401.00001", {"a": 0.5, "b": 0.6}) == {"added": ["a", "b"], "removed": []}
    changes = cat.replace_auto_tags("2401.00001", {"b": 0.9, "c": 0.7, "manual-node": 0.1})
    assert changes == {"added": ["c"], "removed": ["a"]}
    rows = {r["node"]: (r["origin"], r["score"]) for r in cat.tag_rows("2401.00001")}
    assert rows == {
        "b": ("auto", 0.9),
        "c": ("auto", 0.7),
        "curated-node": ("curated", 1.0),
        "manual-node": ("manual", None),
    }
    assert cat.replace_auto_tags("2401.00001", {}) == {"added": [], "removed": ["b", "c"]}
    assert sorted(cat.tags_of(["2401.00001"])["2401.00001"]) == ["curated-node", "manual-node"]


def test_auto_tag_writes_of_many_papers_in_one_go(cat):
    for pid in ("2401.00001", "2401.00002", "2401.00003"):
        cat.upsert_paper(Paper(id=pid, title="T"))
    cat.set_tag("2401.00001", "a", "auto", 0.5)
    cat.set_tag("2401.00001", "b", "auto", 0.6)
    cat.set_tag("2401.00002", "b", "manual", removed=True)
    cat.set_tag("2401.00003", "c", "curated", 1.0)
    writes = AutoTagWrites()
    plans = [
        writes.plan(pid, cat.tag_rows(pid), scores)
        for pid, scores in (
            ("2401.00001", {"b": 0.9, "d": 0.1}),  # a goes, b rescored, d comes
            ("2401.00002", {"b": 0.7, "e": 0.2}),  # the manual removal of b stays
            ("2401.00003", {"c": 0.3}),  # a curated row is not the tagger's
        )
    ]
    assert plans == [
        {"added": ["d"], "removed": ["a"]},
        {"added": ["e"], "removed": []},
        {"added": [], "removed": []},
    ]
    assert (writes.deletes, writes.inserts, writes.updates) == (
        [("2401.00001", "a")],
        [("2401.00001", "d", 0.1), ("2401.00002", "e", 0.2)],
        [(0.9, "2401.00001", "b")],
    )
    cat.write_auto_tags(writes)
    rows = {
        (r[0], r[1]): r[2:]
        for r in cat.conn.execute("SELECT paper_id, node, origin, score, removed FROM tags")
    }
    assert rows == {
        ("2401.00001", "b"): ("auto", 0.9, 0),
        ("2401.00001", "d"): ("auto", 0.1, 0),
        ("2401.00002", "b"): ("manual", None, 1),
        ("2401.00002", "e"): ("auto", 0.2, 0),
        ("2401.00003", "c"): ("curated", 1.0, 0),
    }
    unchanged = AutoTagWrites()
    unchanged.plan("2401.00001", cat.tag_rows("2401.00001"), {"b": 0.9, "d": 0.1})
    assert (unchanged.deletes, unchanged.inserts, unchanged.updates) == ([], [], [])


def test_a_plan_reports_the_change_in_effective_tags(cat):
    """What retag reports: an auto row already marked removed goes, but was no tag."""
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    cat.set_tag("2401.00001", "a", "auto", 0.5, removed=True)
    writes = AutoTagWrites()
    assert writes.plan("2401.00001", cat.tag_rows("2401.00001"), {}) == {"added": [], "removed": []}
    assert writes.deletes == [("2401.00001", "a")]


def test_texts_by_ids_reads_what_the_tagger_needs(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T1", abstract="A1", categories=["cs.LG", "cs.AR"]))
    cat.upsert_paper(Paper(id="2401.00002", title="T2"))
    texts = cat.texts_by_ids(["2401.00002", "2401.00001", "2401.09999"])
    assert texts == {
        "2401.00001": PaperText("2401.00001", "T1", "A1", ["cs.LG", "cs.AR"]),
        "2401.00002": PaperText("2401.00002", "T2", None, []),
    }


# -- provenance and sources -------------------------------------------------------------------
def test_provenance_round_trip(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    assert cat.provenance_of("2401.00001") == {}
    assert cat.provenance_of("2401.09999") == {}
    cat.set_provenance("2401.00001", {"title": "arxiv", "venue": "Awesome-X"})
    assert cat.provenance_of("2401.00001") == {"title": "arxiv", "venue": "Awesome-X"}
    cat.set_provenance("2401.00001", None)
    assert cat.provenance_of("2401.00001") == {}


def test_source_counts_name_then_count(cat):
    _many(cat, 3)
    cat.add_source("2402.00001", "Big-List", "1")
    cat.add_source("2402.00002", "Big-List", "2")
    cat.add_source("2402.00003", "Small-List", "1")
    assert cat.source_counts() == [("Big-List", 2, 0), ("Small-List", 1, 0)]


# -- listing with filters -----------------------------------------------------------------------
@pytest.fixture
def shelf(cat):
    papers = [
        Paper(id="2301.00001", title="Alpha", year=2023, authors=["Ann Lee"]),
        Paper(id="2201.00002", title="Beta", year=2022, authors=["Bo Chen"]),
        Paper(id="2101.00003", title="Gamma", year=2021, authors=["Ann Lee"]),
        Paper(id="repo:x/y", title="Delta repo", year=2023, kind="repo"),
    ]
    for p in papers:
        cat.upsert_paper(p)
    cat.set_status(["2301.00001"], "read")
    cat.set_status(["2201.00002"], "reading")
    cat.set_starred(["2201.00002"])
    cat.set_tag("2101.00003", "quantization", "manual")
    return cat


def test_list_papers_filters(shelf):
    assert _ids(shelf.list_papers()) == ["2301.00001", "2201.00002", "2101.00003"]
    assert _ids(shelf.list_papers(kinds=None)) == ["2301.00001", "repo:x/y", "2201.00002", "2101.00003"]
    assert _ids(shelf.list_papers(kinds=["repo"])) == ["repo:x/y"]
    assert _ids(shelf.list_papers(status="unread")) == ["2201.00002", "2101.00003"]
    assert _ids(shelf.list_papers(status="reading")) == ["2201.00002"]
    assert _ids(shelf.list_papers(starred=True)) == ["2201.00002"]
    assert _ids(shelf.list_papers(nodes=["quantization"])) == ["2101.00003"]
    assert _ids(shelf.list_papers(year=2022)) == ["2201.00002"]
    assert _ids(shelf.list_papers(since=2022)) == ["2301.00001", "2201.00002"]
    assert _ids(shelf.list_papers(until=2022)) == ["2201.00002", "2101.00003"]
    assert _ids(shelf.list_papers(since=2022, until=2022)) == ["2201.00002"]
    assert _ids(shelf.list_papers(author="ann lee", sort="title")) == ["2301.00001", "2101.00003"]
    assert _ids(shelf.list_papers(sort="id", limit=2)) == ["2101.00003", "2201.00002"]
    assert _ids(shelf.list_papers(kinds=None, sort="id")) == [
        "2101.00003",
        "2201.00002",
        "2301.00001",
        "repo:x/y",
    ]


def test_search_shows_every_match_unless_told_starred(shelf):
    shelf.upsert_paper(Paper(id="2401.00005", title="Alpha again"))
    assert sorted(p.id for p, _ in shelf.search("alpha")) == ["2301.00001", "2401.00005"]
    shelf.set_starred(["2401.00005"])
    assert [p.id for p, _ in shelf.search("alpha", starred=True)] == ["2401.00005"]


def test_list_papers_by_source_and_section(shelf):
    shelf.add_source("2301.00001", "Big-List", "1", section="Quantization / Weights")
    shelf.add_source("2201.00002", "Big-List", "2", section="Pruning")
    shelf.add_source("2101.00003", "Small-List", "1", section="Quantization")
    assert _ids(shelf.list_papers(sources=["Big-List"])) == ["2301.00001", "2201.00002"]
    assert _ids(shelf.list_papers(section="quantization")) == ["2301.00001", "2101.00003"]
    assert _ids(shelf.list_papers(sources=["Big-List"], section="quantization")) == ["2301.00001"]
    for text in ("100%", "%", "_"):  # LIKE's wildcards are literal: no heading has them
        with pytest.raises(QueryError, match=f"no section heading contains '{text}'"):
            shelf.list_papers(section=text)
    with pytest.raises(QueryError, match="no section heading of Small-List contains 'Pruning'"):
        shelf.list_papers(sources=["Small-List"], section="Pruning")


def test_search_returns_twenty_unless_told(cat):
    _many(cat, 25)
    assert len(cat.search("paper")) == 20
    assert len(cat.search("paper", limit=None)) == 25
    assert len(cat.search("paper", limit=3)) == 3


def test_year_counts(shelf):
    assert shelf.year_counts() == {2021: 1, 2022: 1, 2023: 2}


# -- the rest of the paper record ------------------------------------------------------------
def test_meta_set_get_and_clear(cat):
    assert cat.get_meta("built", "never") == "never"
    cat.set_meta("built", "2026-01-01")
    cat.set_meta("built", "2026-02-02")
    assert cat.get_meta("built") == "2026-02-02"
    cat.set_meta("built", None)
    assert cat.get_meta("built") is None


def test_added_at_is_set_once(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="T"))
    stamped = cat.get_paper("2401.00001").added_at
    assert stamped is not None and stamped.endswith("Z")
    cat.upsert_paper(Paper(id="2401.00002", title="T"), added_at="2020-05-06T07:08:09Z")
    assert cat.get_paper("2401.00002").added_at == "2020-05-06T07:08:09Z"
    cat.upsert_paper(Paper(id="2401.00002", title="T2"), added_at="2030-01-01T00:00:00Z")
    assert cat.get_paper("2401.00002").added_at == "2020-05-06T07:08:09Z"


def test_fields_the_user_edited_are_kept_by_every_writer(cat):
    cat.upsert_paper(Paper(id="2401.00001", title="Arxiv title", venue="arXiv"))
    assert cat.set_user_fields("2401.00001", {"title": "My title"}) == ["title"]
    assert cat.set_user_fields("2401.00001", {"title": "My title"}) == []
    assert cat.upsert_paper(Paper(id="2401.00001", title="Newer arxiv title", venue="ICML")) == "updated"
    p = cat.get_paper("2401.00001")
    assert (p.title, p.venue, p.user_fields) == ("My title", "ICML", ["title"])
    with pytest.raises(ValueError, match="not user-editable: kind"):
        cat.set_user_fields("2401.00001", {"kind": "repo"})


def test_a_commit_that_fails_leaves_nothing_behind(tmp_path):
    """A failure at COMMIT (here a deferred foreign key) rolls the whole transaction back."""
    path = tmp_path / "c.db"
    c = Catalog(path)
    refused = f"the catalog {path} refused a change: FOREIGN KEY constraint failed"
    with pytest.raises(CatalogError) as info, c.transaction():
        c.conn.execute("PRAGMA defer_foreign_keys = ON")
        c.upsert_paper(Paper(id="2401.00001", title="Lost with the bad tag"))
        c.conn.execute("INSERT INTO tags(paper_id, node, origin) VALUES ('2401.09999', 'x', 'manual')")
    assert str(info.value) == refused
    c.upsert_paper(Paper(id="2401.00002", title="Kept"))
    c.close()
    with Catalog(path) as again:
        assert _ids(again.iter_papers()) == ["2401.00002"]
        assert again.tag_rows("2401.09999") == []


def test_a_waiter_of_another_user_counts_as_alive():
    """A marker left by another user's efmcat (pid 1 here, which this user may not signal)
    is waited for: the process exists although os.kill is refused."""
    import shutil
    import subprocess
    import sys

    code = "import sys; from efmcat.catalog import pid_alive; sys.exit(0 if pid_alive(1) else 3)"
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot drop privileges")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    r = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert r.returncode == 0, r.stderr


def test_reads_by_id_take_more_ids_than_one_statement_binds(cat):
    ids = _many(cat, 1200)
    with cat.transaction():
        for pid in ids[::300]:
            cat.set_tag(pid, "memory", "auto", 0.5)
            cat.set_tag(pid, "attention", "curated", 1.0)
    assert sorted(cat.texts_by_ids(ids)) == ids
    rows = cat.tag_rows_of(ids)
    assert sorted(rows) == ids[::300]
    assert all(v == cat.tag_rows(pid) for pid, v in rows.items())
    assert [p.id for p in cat.papers_by_ids(ids[::-1])] == ids[::-1]
