"""Flat memory: the Markdown and BibTeX exports and `check` work through a scratch SQLite
database on disk (efmcat.scratch) instead of holding the catalog.

No timing here. These tests hold the streamed paths equal to the in-memory definitions
(markdown.render, bibtex.citekeys_of, check._blocks), and check what memory holds without
timing it: the Python heap of an export of 20,000 records against one of 2,000 (tracemalloc;
SQLite's own cache is bounded and not counted), and how many catalog rows `check` keeps
alive at once."""

from __future__ import annotations

import io
import json
import random
import sqlite3
import tracemalloc
import weakref

import pytest

from conftest import FIXTURES
from efmcat.catalog import Catalog
from efmcat.taxonomy import load_taxonomy


def _snapshot(n: int) -> str:
    words = ["quantization", "attention", "kernel", "sparse", "memory", "language", "model", "serving"]
    lines = []
    for i in range(n):
        title = " ".join(words[(i * 7 + k) % len(words)] for k in range(3 + i % 4)).capitalize()
        lines.append(
            json.dumps(
                {
                    "id": f"2401.{i:05d}",
                    "title": title,
                    "authors": "Ana Smith, Bo Wang" if i % 3 else "",
                    "abstract": f"We study {title.lower()} for large language models, case {i}.",
                    "categories": "cs.LG",
                    "versions": [{"version": "v1", "created": "Mon, 8 Jan 2024 10:00:00 GMT"}],
                }
            )
        )
    return "\n".join(lines) + "\n"


@pytest.fixture
def mixed(tmp_path):
    """A catalog of 40 snapshot papers (titles shared, base keys colliding) and a hand-made
    list with duplicate rows, a conflicting title and a malformed id."""
    from efmcat.importer import import_files

    src = tmp_path / "snap.jsonl"
    src.write_text(_snapshot(40), encoding="utf-8")
    path = tmp_path / "mixed.db"
    with Catalog(path) as cat:
        import_files(cat, [src, FIXTURES / "import" / "survey_table.md", FIXTURES / "import" / "bullets.md"])
        cat.conn.execute("UPDATE papers SET citekey = 'smith2024kernel' WHERE id = '2401.00003'")
        cat.conn.commit()
    return path


def _source_sections(cat, source: str, records) -> list[tuple[str, list[str]]]:
    """The reference for a one-source Markdown export, built in memory: (section, paper ids)
    in the order the source gives them, each paper under the first section that lists it."""
    wanted = {r["id"] for r in records}
    rows = cat.conn.execute(
        "SELECT paper_id, locator, coalesce(section, '') FROM sources WHERE source = ?", (source,)
    ).fetchall()

    def order(row):
        file, _, line = row[1].rpartition(":")
        return (file, int(line)) if line.isdigit() else (row[1], 0)

    sections: dict[str, list[str]] = {}
    placed: set[str] = set()
    for pid, _, section in sorted(rows, key=order):
        if pid in wanted and pid not in placed:
            placed.add(pid)
            sections.setdefault(section or "Other", []).append(pid)
    return list(sections.items())


def test_markdown_export_writes_what_render_builds(mixed):
    from efmcat import export
    from efmcat.formats import markdown

    tax = load_taxonomy()
    with Catalog(mixed, create=False) as cat:
        for sel in ({}, {"tags": ["quantization"]}, {"since": 2099}, {"query": "sparse"}):
            text, n = export.export_catalog(cat, "md", taxonomy=tax, **sel)
            recs = export.select_records(cat, tax, **sel)
            assert n == len(recs)
            assert text == markdown.render(recs, tax, empty_core_sections=not sel), sel
        for source in ("survey_table.md", "bullets.md", "snap.jsonl"):
            text, n = export.export_catalog(cat, "md", taxonomy=tax, sources=[source])
            recs = export.select_records(cat, tax, sources=[source])
            sections = _source_sections(cat, source, recs)
            assert n == len(recs) and sum(len(ids) for _, ids in sections) > 1
            assert text == markdown.render(recs, tax, sections=sections, title=source), source


def test_bibtex_export_is_what_render_builds(mixed):
    from efmcat import export
    from efmcat.formats import bibtex

    tax = load_taxonomy()
    with Catalog(mixed, create=False) as cat:
        text, n = export.export_catalog(cat, "bibtex", taxonomy=tax)
        recs = export.select_records(cat, tax)
    assert n == len(recs) and text == bibtex.render(recs, tax)
    assert "@misc{smith2024kernel," in text and "smith2024kernela," in text


def test_key_numbering_on_disk_equals_citekeys_of():
    from efmcat.formats.bibtex import citekeys_of, number_keys
    from efmcat.scratch import scratch_db

    rng = random.Random(7)
    bases = ["x", "xa", "xb", "xab", "xaa", "y", "ya", "é", "z"]  # suffixes collide with other bases
    for _ in range(300):
        items = {}
        for _ in range(rng.randint(0, 40)):
            pid = f"id{rng.randint(0, 60):03d}"
            own = rng.choice([None, None, None, "", rng.choice([*bases, "xc", "ü"])])
            items[pid] = (pid, own, rng.choice(bases))
        want = citekeys_of(items.values())
        with scratch_db() as db:
            assert number_keys(db, items.values()) == len(items)
            got = db.execute("SELECT key, id FROM keys ORDER BY key").fetchall()
        assert {pid: key for key, pid in got} == want
        assert [pid for _, pid in got] == sorted(want, key=want.__getitem__)


def test_title_blocks_on_disk_equal_the_blocks_in_memory(monkeypatch):
    from efmcat import check
    from efmcat.scratch import scratch_db

    rng = random.Random(11)
    for _ in range(200):
        monkeypatch.setattr(check, "EXHAUSTIVE", rng.choice([0, 3]))
        monkeypatch.setattr(check, "BLOCK", rng.choice([1, 2, 3, 5]))
        vocab = "abcdef"[: rng.randint(1, 6)]
        titles = list(
            dict.fromkeys(" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 6))) for _ in range(60))
        )
        with scratch_db() as db:
            db.execute("CREATE TABLE ut (nt TEXT)")
            db.executemany("INSERT INTO ut VALUES (?)", [(t,) for t in titles])
            got = list(check._title_blocks(db))
        index = {t: i for i, t in enumerate(titles)}
        blocks = [[index[t] for t in block] for block in got]
        assert all(b == sorted(b) for b in blocks)  # each block in the titles' order
        if len(titles) <= check.EXHAUSTIVE:
            assert blocks == [list(range(len(titles)))]
        else:
            assert sorted(blocks) == sorted(b for b in check._blocks(titles) if len(b) > 1)


def test_check_pairs_near_identical_titles_when_blocked(mixed, monkeypatch):
    from efmcat import check

    with Catalog(mixed) as cat:
        for pid, title in (
            ("2401.00001", "Blocked sparse attention kernel for long context"),  # the same first word
            ("2401.00002", "Blocked sparse attention kernels for long context"),
            ("2401.00003", "A fused quantized matmul on gpus"),  # the same last word
            ("2401.00004", "The fused quantized matmul on gpus"),
        ):
            cat.conn.execute("UPDATE papers SET title = ? WHERE id = ?", (title, pid))
        cat.conn.commit()
        whole = check.check_catalog(cat).to_dict()
        monkeypatch.setattr(check, "EXHAUSTIVE", 0)
        monkeypatch.setattr(check, "BLOCK", 2)
        blocked = check.check_catalog(cat).to_dict()
    for result in (whole, blocked):
        similar = [f["papers"] for f in result["findings"] if f["kind"] == "similar-titles"]
        assert ["2401.00001", "2401.00002"] in similar and ["2401.00003", "2401.00004"] in similar
        assert result["counts"]["same-title"] >= 1 and result["counts"]["duplicate-rows"] >= 1
    assert len(blocked["findings"]) <= len(whole["findings"])


class _Sink(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def _records(n: int):
    areas = [("quantization", ["quantization"]), ("sparse-attention", ["attention"]), (None, [])]
    for i in range(n):
        tag, area = areas[i % 3]
        yield {
            "id": f"2401.{i:05d}",
            "arxiv_id": f"2401.{i:05d}",
            "title": f"Paper {i} on sparse attention and quantized kernels for long context",
            "authors": ["Ana Smith", "Bo Wang"],
            "year": 2000 + i % 25,
            "url": None,
            "tags": [*area, tag] if tag else [],
            "areas": area,
            "version": None,
            "kind": "paper",
            "venue": None,
            "citekey": None,
        }


def _peak(cat, tax, fmt: str, n: int, monkeypatch) -> int:
    from efmcat import export, scratch

    monkeypatch.setattr(export, "iter_selected", lambda *a, **k: _records(n))
    monkeypatch.setattr(scratch, "BATCH", 100)  # rows held per insert: fewer, for a small test
    tracemalloc.start()
    try:
        export.export_to(cat, fmt, _Sink(), taxonomy=tax)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        monkeypatch.undo()


@pytest.mark.parametrize("fmt", ["md", "bibtex"])
def test_export_memory_does_not_grow_with_the_selection(tmp_path, monkeypatch, fmt):
    """Ten times the records, about the same Python heap (it was ten times as much when the
    Markdown was built whole and the BibTeX keys were a dict)."""
    tax = load_taxonomy()
    with Catalog(tmp_path / "empty.db") as cat:
        small = _peak(cat, tax, fmt, 500, monkeypatch)
        large = _peak(cat, tax, fmt, 5_000, monkeypatch)
    assert large < 2 * small, (small, large)


def test_check_keeps_a_few_catalog_rows_alive_at_a_time(mixed):
    from efmcat.check import check_catalog

    live: set[weakref.ref] = set()
    most = [0]

    class Tracked(sqlite3.Row):
        pass

    def factory(cursor, row):
        r = Tracked(cursor, row)
        live.add(weakref.ref(r, live.discard))
        most[0] = max(most[0], len(live))
        return r

    with Catalog(mixed) as cat:
        n = cat.count()
        cat.conn.row_factory = factory
        result = check_catalog(cat)
    assert result.papers == n > 40
    assert result.findings  # it did look at every paper
    assert most[0] < 10, most[0]  # the catalog holds over a hundred paper and source rows


def test_a_query_selection_is_sorted_on_disk_not_in_memory(mixed, monkeypatch):
    import types

    from efmcat import browse, export

    tax = load_taxonomy()
    with Catalog(mixed, create=False) as cat:
        hits = browse.search_records(cat, "model", limit=None, taxonomy=tax)
        for r in hits:
            r.pop("score")
            r["sources"] = cat.sources_of(r["id"])  # an export's records carry them
        assert len(hits) > 10
        # No whole list of hits: the ranked ids go to a scratch table, records come a page at a time.
        monkeypatch.setattr(browse, "search_records", None)
        monkeypatch.setattr(browse, "PAGE", 4)
        stream = export.iter_selected(cat, tax, query="model")
        assert isinstance(stream, types.GeneratorType)
        assert list(stream) == sorted(hits, key=lambda r: r["id"])


def _tagged_catalog(path, n: int):
    cat = Catalog(path)
    with cat.transaction():
        cat.conn.executemany(
            "INSERT INTO papers(id, title, year, kind, added_at) VALUES (?, ?, ?, 'paper', '2024-01-01')",
            ((f"2401.{i:05d}", f"Paper {i}", 2000 + i % 25) for i in range(n)),
        )
        cat.conn.executemany(
            "INSERT INTO tags(paper_id, node, origin, score) VALUES (?, ?, 'auto', 1.0)",
            (
                (f"2401.{i:05d}", node)
                for i in range(n)
                for node in ("quantization", "weight-only-ptq", "memory")
            ),
        )
    return cat


def test_stats_and_taxonomy_counts_hold_no_set_of_the_catalog(tmp_path):
    """Ten times the papers, about the same Python heap: each count is one SQL aggregate (a
    set of paper ids per node grew with the catalog)."""
    from efmcat.browse import area_paper_counts, catalog_stats

    tax = load_taxonomy()
    peaks = []
    for n in (500, 5_000):
        with _tagged_catalog(tmp_path / f"c{n}.db", n) as cat:
            tracemalloc.start()
            try:
                st = catalog_stats(cat, tax)
                counts = area_paper_counts(cat, tax)
                peaks.append(tracemalloc.get_traced_memory()[1])
            finally:
                tracemalloc.stop()
        assert (st.papers, st.untagged, dict(st.per_area)["quantization"]) == (n, 0, n)
        assert (
            counts["quantization"],
            counts["weight-only-ptq"],
            counts["memory"],
            counts.get("attention", 0),
        ) == (
            n,
            n,
            n,
            0,
        )
    assert peaks[1] < 2 * peaks[0], peaks
