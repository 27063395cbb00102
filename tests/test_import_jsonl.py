"""arXiv snapshot JSONL import: fields, streaming, atomicity."""

from __future__ import annotations

import json

from conftest import FIXTURES
from efmcat.catalog import Catalog
from efmcat.models import Paper

IMPORT = FIXTURES / "import"


def test_snapshot_fields(cli, tmp_path):
    result = cli("import", str(IMPORT / "snapshot.jsonl"), "--json")
    assert result.exit_code == 0, result.output
    f = json.loads(result.stdout)["files"][0]
    assert (f["rows"], f["papers"], f["arxiv"]) == (3, 3, 3)
    with Catalog(tmp_path / "catalog.db") as cat:
        p = cat.get_paper("2210.17323")
        assert p.title == "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"
        assert p.authors == ["Elias Frantar", "Saleh Ashkboos", "Torsten Hoefler", "Dan Alistarh"]
        assert p.abstract.startswith(
            "Generative Pre-trained Transformer models stand out by their breakthrough perf"
        )
        assert (p.version, p.published, p.updated, p.year) == (2, "2022-10-31", "2023-03-23", 2022)
        assert p.comment == "ICLR 2023"
        paged = cat.get_paper("2309.06180")
        assert (paged.categories, paged.doi, paged.journal_ref) == (
            ["cs.LG", "cs.DC"],
            "10.1145/3600006.3613165",
            "SOSP 2023",
        )
        assert cat.get_paper("hep-th/9901001").year == 1999
        assert "quantization" in {r["node"] for r in cat.tag_rows("2210.17323")}  # auto-tagged
        assert cat.search("paging virtual memory")[0][0].id == "2309.06180"  # in the FTS index
        cat.conn.execute("INSERT INTO papers_fts(papers_fts) VALUES('integrity-check')")


def test_broken_snapshot_rolls_back_everything(cli, tmp_path):
    result = cli("import", str(IMPORT / "snapshot.jsonl"), str(IMPORT / "broken.jsonl"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {IMPORT / 'broken.jsonl'}:3: not a JSON object: ")
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.count() == 0
        names = {r[0] for r in cat.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert "papers_ai" in names


def test_big_stream_uses_batches_and_stays_consistent(cli, tmp_path, monkeypatch):
    import efmcat.importer as importer

    monkeypatch.setattr(importer, "BATCH", 7)
    path = tmp_path / "many.jsonl"
    with path.open("w") as fh:
        for i in range(30):
            rec = {
                "id": f"2301.{i:05d}",
                "title": f"Quantization trick number {i}",
                "abstract": "low-bit weights",
            }
            fh.write(json.dumps(rec) + "\n")
        fh.write(json.dumps({"id": "2301.00003", "title": "Quantization trick number 3"}) + "\n")
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0, result.output
    f = json.loads(result.stdout)["files"][0]
    assert (f["rows"], f["papers"], f["duplicates"]) == (31, 30, 1)
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.count() == 30
        assert len(cat.search("quantization", limit=None)) == 30
        assert all("quantization" in t for t in cat.tags_of([f"2301.{i:05d}" for i in range(30)]).values())


def test_fetch_fills_metadata_and_check_compares_titles(cli, tmp_path, monkeypatch):
    import sys
    import types

    import efmcat
    from efmcat.models import Paper

    asked = []

    def fetch_papers(ids):
        asked.append(list(ids))
        return [
            Paper(
                id="2301.00774",
                title="SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot",
                authors=["Elias Frantar", "Dan Alistarh"],
                abstract="One-shot pruning of large models to 50% sparsity.",
                year=2023,
            )
        ]

    fake = types.ModuleType("efmcat.arxiv")
    fake.fetch_papers = fetch_papers
    monkeypatch.setitem(sys.modules, "efmcat.arxiv", fake)
    monkeypatch.setattr(efmcat, "arxiv", fake, raising=False)
    md = tmp_path / "wrong.md"
    md.write_text(
        "## Pruning\n\n- **Quest: Query-Aware Sparsity** [Paper](https://arxiv.org/abs/2301.00774)\n"
    )
    result = cli("import", str(md), "--fetch")
    assert result.exit_code == 0, result.output
    assert asked == [["2301.00774"]]
    assert "Fetched metadata of 1 paper from arXiv." in result.stderr
    with Catalog(tmp_path / "catalog.db") as cat:
        p = cat.get_paper("2301.00774")
        assert p.abstract == "One-shot pruning of large models to 50% sparsity."
        assert p.title.startswith("SparseGPT")
        assert cat.sources_of("2301.00774")[0]["title"] == "Quest: Query-Aware Sparsity"
    check = cli("check", "--json")
    found = [f for f in json.loads(check.stdout)["findings"] if f["kind"] == "arxiv-title-mismatch"]
    assert [f["papers"] for f in found] == [["2301.00774"]]
    assert found[0]["sources"][1]["locator"] == "wrong.md:3"


def _source_rows(cat, pid):
    return [
        tuple(r)
        for r in cat.conn.execute(
            "SELECT source, title, link FROM sources WHERE paper_id = ? ORDER BY source, locator", (pid,)
        )
    ]


def test_a_source_row_does_not_store_the_papers_own_title_and_link_twice(cli, tmp_path):
    gptq = "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"
    assert cli("import", str(IMPORT / "snapshot.jsonl")).exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert _source_rows(cat, "2210.17323") == [("snapshot.jsonl", None, None)]
        # what people see is the title as the file gave it
        shown = cli("show", "2210.17323", "--json")
        assert [(s["title"], s["link"]) for s in json.loads(shown.stdout)["sources"]] == [(gptq, None)]
        # a second list naming the paper: the first row's title is written out
        cat.add_source("2210.17323", "mylist", "mylist.md:3", title="GPTQ (the list's name for it)")
        assert _source_rows(cat, "2210.17323") == [
            ("mylist", "GPTQ (the list's name for it)", None),
            ("snapshot.jsonl", gptq, None),
        ]
        # a changed title (a refresh, an edit): the row keeps the title the file gave
        cat.upsert_paper(Paper(id="2309.06180", title="A new title"))
        assert _source_rows(cat, "2309.06180")[0][1].startswith("Efficient Memory Management")
        # a row moved to another paper (check --fix merges duplicates) takes its title along
        title = cat.get_paper("hep-th/9901001").title
        cat.conn.execute("UPDATE sources SET paper_id = '2210.17323' WHERE paper_id = 'hep-th/9901001'")
        titles = {t for _, t, _ in _source_rows(cat, "2210.17323")}
        assert titles == {"GPTQ (the list's name for it)", gptq, title}


def test_check_sees_a_conflict_with_an_imported_title(cli, tmp_path):
    assert cli("import", str(IMPORT / "snapshot.jsonl")).exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        cat.add_source("2210.17323", "mylist", "mylist.md:3", title="Mixture of experts routing at scale")
    out = json.loads(cli("check", "--json").stdout)
    kinds = {(f["kind"], tuple(f["papers"])) for f in out["findings"]}
    assert ("id-title-conflict", ("2210.17323",)) in kinds


def test_a_dry_run_of_a_jsonl_file_holds_no_write_lock_and_changes_nothing(tmp_path):
    """The dry run writes into a copy: another process can write to the catalog while it
    runs (it held the write lock for the whole run), and the catalog is as it was after."""
    import sqlite3

    from efmcat.importer import import_files

    path = tmp_path / "c.db"
    with Catalog(path) as cat:
        cat.upsert_paper(Paper(id="2401.00001", title="Mine"))
    before = sqlite3.connect(path).execute("SELECT id, title FROM papers").fetchall()
    wrote: list[bool] = []

    def progress(done: int, total: int | None) -> None:
        if done:  # mid-run: a writer of its own, that will not wait
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            other.close()
            wrote.append(True)

    with Catalog(path) as cat:
        report = import_files(cat, [IMPORT / "snapshot.jsonl"], dry_run=True, progress=progress)
    assert report.added == 3 and wrote
    assert sqlite3.connect(path).execute("SELECT id, title FROM papers").fetchall() == before
