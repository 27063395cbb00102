"""`check` on small hand-made catalogs, each rule pinned where mutation testing showed no
test noticed a wrong line (tools/mutate.py check)."""

from __future__ import annotations

import pytest

import efmcat.check as check
from efmcat.catalog import Catalog
from efmcat.models import Paper


@pytest.fixture
def cat(tmp_path):
    with Catalog(tmp_path / "c.db") as c:
        yield c


def _kinds(result) -> list[str]:
    return [f.kind for f in result.findings]


def test_a_near_identical_pair_is_one_finding_and_no_title_pairs_with_itself(cat):
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00001", title="Sparse attention for long context language models"))
        cat.upsert_paper(Paper(id="doi:10.1/x", title="Sparse attention for long-context language model"))
        cat.upsert_paper(Paper(id="2401.00003", title="Something else entirely"))
    similar = [f for f in check.check_catalog(cat).findings if f.kind == "similar-titles"]
    assert [f.papers for f in similar] == [["2401.00001", "doi:10.1/x"]]


def test_findings_come_errors_first(cat):
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00001", title="One Title Of A Paper"))
        cat.upsert_paper(Paper(id="doi:10.1/a", title="A paper known by its DOI only"))
        cat.add_source("2401.00001", "l.md", "l.md:1", title="One Title Of A Paper", link=None)
        cat.add_source("2401.00001", "l.md", "l.md:2", title="A wholly different name here", link=None)
    result = check.check_catalog(cat)
    ranks = [check._SEVERITY_RANK[f.severity] for f in result.findings]
    assert "id-title-conflict" in _kinds(result) and "non-arxiv" in _kinds(result)
    assert ranks == sorted(ranks)


def test_a_fetched_paper_whose_sources_agree_has_no_mismatch(cat):
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00001", title="One Title Of A Paper"), fetched_at="2026-11-01")
        cat.add_source("2401.00001", "l.md", "l.md:1", title="One title of a paper", link=None)
    assert "arxiv-title-mismatch" not in _kinds(check.check_catalog(cat))


def test_source_rows_of_a_paper_no_longer_there_are_still_checked(cat):
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00009", title="A Paper That Stays Here"))
        cat.upsert_paper(Paper(id="2401.00001", title="A Paper That Goes Away"))
        for line in (1, 2):
            cat.add_source("2401.00001", "l.md", f"l.md:{line}", title="A Paper That Goes Away", link=None)
    cat.conn.execute("PRAGMA foreign_keys = OFF")
    cat.conn.execute("DELETE FROM papers WHERE id = '2401.00001'")  # its source rows stay behind
    result = check.check_catalog(cat)
    dup = [f for f in result.findings if f.kind == "duplicate-rows"]
    assert [f.papers for f in dup] == [["2401.00001"]]
    assert result.papers == 1


def test_a_catalog_over_one_batch_of_titles_compares_them_all(cat, monkeypatch):
    monkeypatch.setattr(check, "EXHAUSTIVE", 10)  # blocks, not every pair of 1,002 titles: fast
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00000", title="Exactly The Same Title Twice"))
        cat.upsert_paper(Paper(id="doi:10.1/same", title="Exactly The Same Title Twice"))
        for k in range(1, 1_001):  # past the first batch of 1,000 titles written to disk
            cat.upsert_paper(Paper(id=f"2402.{k:05d}", title=f"Filler title number {k} of many"))
    assert "same-title" in _kinds(check.check_catalog(cat))


def test_up_to_exhaustive_titles_every_pair_is_compared(monkeypatch):
    monkeypatch.setattr(check, "EXHAUSTIVE", 3)
    assert check._blocks(["a b", "c d", "e f"]) == [[0, 1, 2]]
    assert check._blocks(["a b", "c d", "e f", "g h"]) != [[0, 1, 2, 3]]


def test_progress_runs_from_zero_to_all_steps(cat):
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00001", title="One Title Of A Paper"))
    seen: list[tuple[int, int]] = []
    check.check_catalog(cat, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 8) and seen[-1] == (8, 8)


def test_titles_at_exactly_the_similarity_floor_are_near_identical(cat):
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00001", title="Sparse attention KV caching"))
        cat.upsert_paper(Paper(id="doi:10.1/y", title="Sparse attentioncaching"))  # ratio 92: SIMILAR
    similar = [f for f in check.check_catalog(cat).findings if f.kind == "similar-titles"]
    assert [f.papers for f in similar] == [["2401.00001", "doi:10.1/y"]]


def test_source_titles_at_exactly_the_conflict_floor_name_one_paper(cat):
    with cat.transaction():
        cat.upsert_paper(Paper(id="2401.00001", title="KV cache compression for LLMs"))
        cat.add_source("2401.00001", "l.md", "l.md:1", title="KV cache compression for LLMs", link=None)
        cat.add_source("2401.00001", "l.md", "l.md:2", title="For KV context", link=None)  # 60: CONFLICT
    kinds = _kinds(check.check_catalog(cat))
    assert "id-title-conflict" not in kinds and "renamed" not in kinds  # one title cluster


def test_titles_that_differ_in_a_number_name_a_few_neighbours_each_not_every_pair(cat):
    """A thousand "... number N" titles were half a million findings (930 MB, 100 s)."""
    with cat.transaction():
        for k in range(40):
            cat.upsert_paper(
                Paper(id=f"2402.{k:05d}", title=f"Quantization of sparse attention kernels number {k}")
            )
    similar = [f for f in check.check_catalog(cat).findings if f.kind == "similar-titles"]
    per_title: dict[str, int] = {}
    for f in similar:
        for pid in f.papers:
            per_title[pid] = per_title.get(pid, 0) + 1
    assert len(per_title) == 40  # each has some near-identical title named
    assert len(similar) <= 40 * check.SIMILAR_PER_TITLE < 40 * 39 // 2


def test_a_block_too_large_to_compare_every_pair_is_read_in_overlapping_runs(cat, monkeypatch):
    monkeypatch.setattr(check, "EXHAUSTIVE", 10)
    monkeypatch.setattr(check, "BLOCK", 4)
    monkeypatch.setattr(check, "MAX_BLOCK", 10)
    with cat.transaction():  # 30 titles sharing their first four words: one block past MAX_BLOCK
        for k in range(30):
            cat.upsert_paper(Paper(id=f"2402.{k:05d}", title=f"Same four first words {k:02d} apart"))
    cat.conn.commit()
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE ut (nt TEXT)")
    db.executemany(
        "INSERT INTO ut VALUES (?)", [(f"same four first words {k:02d} apart",) for k in range(30)]
    )
    blocks = list(check._title_blocks(db))
    first_words = [b for b in blocks if b[0].startswith("same")]
    assert all(len(b) <= 10 for b in blocks)
    covered = {t for b in first_words for t in b}
    assert len(covered) == 30  # every title is in some run
