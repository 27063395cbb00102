"""The shipped catalog: built from seeds/ deterministically, and right about the survey's papers."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from efmcat.build import build_catalog
from efmcat.taxonomy import CORE_AREAS

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "data" / "catalog.db"
SEEDS = REPO / "seeds"

# (arXiv id, a title the survey's list wrongly paired with it)
WRONG_PAIRS = [
    ("2208.07339", "GPTQ"),
    ("2205.14135", "Llama.int8"),
    ("2401.07013", "Quest"),
    ("2303.12712", "SparseGPT"),
]


def dump(path: Path) -> dict[str, list]:
    """Everything a user can see in a catalog, independent of page layout."""
    con = sqlite3.connect(path)
    try:
        return {
            "papers": con.execute("SELECT * FROM papers ORDER BY id").fetchall(),
            "tags": con.execute("SELECT * FROM tags ORDER BY paper_id, node").fetchall(),
            "sources": con.execute("SELECT * FROM sources ORDER BY paper_id, source, locator").fetchall(),
            "meta": con.execute("SELECT * FROM meta ORDER BY key").fetchall(),
            "version": con.execute("PRAGMA user_version").fetchall(),
            "fts": con.execute(
                "SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'quantization' ORDER BY rowid"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """One build from the seeds (a build takes ~7 s). It is made in this test process, after
    whatever tests ran before, and compared with the committed file, built by another process
    at another time: so it also shows that a build is deterministic (a second build here
    took 11 s of the suite and told nothing more)."""
    folder = tmp_path_factory.mktemp("build")
    with pytest.MonkeyPatch.context() as mp:  # as the autouse fixture isolates a test
        mp.setenv("EFMCAT_DATA_DIR", str(folder / "data"))
        mp.delenv("EFMCAT_TAXONOMY", raising=False)
        build_catalog(SEEDS, folder / "rebuilt.db")
    return folder / "rebuilt.db"


def test_rebuild_from_seeds_matches_committed_catalog(rebuilt):
    assert dump(rebuilt) == dump(SHIPPED), "data/catalog.db is stale: run `efmcat build -o data/catalog.db`"


def test_shipped_catalog_is_one_file_in_rollback_mode():
    con = sqlite3.connect(f"file:{SHIPPED}?mode=ro", uri=True)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


@pytest.fixture
def shipped(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    return cli


def test_no_wrong_id_title_pair_ships(shipped):
    for pid, wrong in WRONG_PAIRS:
        r = shipped("show", pid, "--json")
        if r.exit_code == 0:
            assert wrong.lower() not in json.loads(r.stdout)["title"].lower(), pid
    titles = json.loads(shipped("list", "--json").stdout)
    quest = [d for d in titles if d["title"].lower().startswith("quest")]
    assert quest and all(d["id"] != "2401.07013" for d in quest)


def test_every_shipped_paper_has_an_area_and_unique_id(shipped):
    records = json.loads(shipped("list", "--json").stdout)
    assert len(records) > 150
    ids = [d["id"] for d in records]
    assert len(ids) == len(set(ids))
    survey = {d["id"] for d in json.loads(shipped("list", "--source", "survey", "--json").stdout)}
    assert len(survey) >= 160
    assert [d["id"] for d in records if not d["areas"] and d["id"] in survey] == []
    # Beyond the survey, papers of in-field sections that name no area (surveys, mixed
    # headings) get their areas from the tagger alone: nearly all have one.
    assert sum(1 for d in records if not d["areas"]) <= 0.1 * len(records)


def test_search_quantization_finds_gptq_near_the_top(shipped):
    r = shipped("search", "quantization", "--json")
    assert r.exit_code == 0, r.stderr
    ids = [d["id"] for d in json.loads(r.stdout)]
    assert "2210.17323" in ids[:5]
    assert {"2306.00978", "2211.10438", "2305.14314"} <= set(ids)


def test_show_llm_int8_with_curated_tags(shipped):
    r = shipped("show", "arXiv:2208.07339v2", "--json")
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["id"] == "2208.07339"
    assert rec["title"].startswith("LLM.int8()")
    assert "quantization" in rec["tags"]


def test_export_md_has_each_core_area(shipped):
    md = shipped("export", "--format", "md").stdout
    for area in CORE_AREAS:
        assert f"\n## {area.capitalize()}\n" in md


def test_no_shipped_record_is_broken_by_its_lists_markdown():
    """What a list's Markdown left in records (a wrapped link's text, a row's "2018-ECCV-"
    in its link text, a cross-reference, a nickname run into the surname, a PDF's ".pdf" in
    a DOI id) is gone, and the DOI ids that had it move for users of the older release."""
    con = sqlite3.connect(f"file:{SHIPPED}?mode=ro", uri=True)
    try:
        broken = con.execute(
            "SELECT id, title FROM papers WHERE title LIKE '%](%' OR title LIKE '%[also in%'"
            " OR title GLOB '[12][09][0-9][0-9]-[A-Za-z]*-*' OR id GLOB 'doi:*.pdf'"
            " OR authors GLOB '*)[A-Z]*' OR authors LIKE '%](%'"
        ).fetchall()
        moved = json.loads(con.execute("SELECT value FROM meta WHERE key = 'moved'").fetchone()[0])
    finally:
        con.close()
    assert broken == []
    assert moved["doi:10.1007/s10994-009-5152-4.pdf"] == "doi:10.1007/s10994-009-5152-4"


def test_landmarks_carry_the_subtopics_a_researcher_expects(shipped):
    """The walks' flags: SmoothQuant is weight-activation quantization, not weight-only PTQ
    as well; FlashAttention is IO-aware attention, not sparse attention for its block-sparse
    variant; LoRA is found by its arXiv id and is fine-tuning, not memory management."""
    tags = {
        pid: set(json.loads(shipped("show", pid, "--json").stdout)["tags"])
        for pid in ("2211.10438", "2205.14135", "2106.09685")
    }
    assert "weight-activation-quant" in tags["2211.10438"] and "weight-only-ptq" not in tags["2211.10438"]
    assert "io-aware-attention" in tags["2205.14135"] and "sparse-attention" not in tags["2205.14135"]
    assert "peft" in tags["2106.09685"] and not tags["2106.09685"] & {"memory", "memory-management"}
