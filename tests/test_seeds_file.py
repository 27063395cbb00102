"""Invariants of the shipped seeds/survey.yaml (tools/derive_catalog.py, survey rows by derive_seeds.py).

The survey's papers also carry the rows of the other lists that name them; these tests
look at the survey's own rows and sections (tests/test_catalog_seeds.py covers the rest)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds" / "survey.yaml"
TAXONOMY = REPO / "src" / "efmcat" / "taxonomy.yaml"
ARXIV_ID = re.compile(r"^\d{4}\.\d{4,5}$")


@pytest.fixture(scope="module")
def papers() -> list[dict]:
    data = yaml.safe_load(SEEDS.read_text(encoding="utf-8"))
    assert data["source"] == "survey"
    papers = data["papers"]
    for p in papers:
        assert p["rows"][0]["source"] == "survey", p["id"]  # the survey's rows come first
        p["rows"] = [r for r in p["rows"] if r["source"] == "survey"]
        p["sections"] = [s.removeprefix("survey: ") for s in p["sections"] if s.startswith("survey: ")]
    return papers


@pytest.fixture(scope="module")
def taxonomy() -> tuple[set[str], set[str]]:
    """(all node ids, area ids)."""
    data = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    areas = {a["id"] for a in data["areas"]}
    nodes = set(areas)
    for a in data["areas"]:
        nodes |= {c["id"] for c in a.get("children") or []}
    return nodes, areas


def by_id(papers: list[dict]) -> dict[str, dict]:
    return {p["id"]: p for p in papers}


def test_ids_unique_and_sorted(papers):
    ids = [p["id"] for p in papers]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)


def test_every_arxiv_id_appears_once(papers):
    arxiv = [p["id"] for p in papers if ARXIV_ID.match(p["id"])]
    assert arxiv, "no arXiv papers"
    assert not [i for i, n in Counter(arxiv).items() if n > 1]
    # versioned or prefixed arXiv ids would slip past uniqueness
    for p in papers:
        assert not re.match(r"^(arxiv:)?\d{4}\.\d{4,5}v\d+$", p["id"], re.I), p["id"]


def test_non_arxiv_ids_are_prefixed(papers):
    for p in papers:
        if not ARXIV_ID.match(p["id"]):
            assert re.match(r"^(openreview|acl|ieee|doi|url|title):\S+$", p["id"]), p["id"]


def test_titles_present(papers):
    for p in papers:
        assert isinstance(p["title"], str) and p["title"].strip(), p["id"]
        assert "**" not in p["title"]


def test_tags_are_taxonomy_nodes(papers, taxonomy):
    nodes, _ = taxonomy
    for p in papers:
        unknown = set(p["tags"]) - nodes
        assert not unknown, (p["id"], unknown)


def test_every_paper_has_an_area(papers, taxonomy):
    _, areas = taxonomy
    for p in papers:
        assert set(p["tags"]) & areas, p["id"]


def test_every_row_kept(papers):
    lines = [r["line"] for p in papers for r in p["rows"]]
    assert len(lines) == len(set(lines))
    assert len(lines) >= 180  # the survey list has about 188 rows


def test_known_ids(papers):
    ids = by_id(papers)
    assert ids["2210.17323"]["title"].startswith("GPTQ")
    assert ids["2208.07339"]["title"].startswith("LLM.int8()")
    assert "llama.int8" not in ids["2205.14135"]["title"].lower()
    assert ids["2205.14135"]["title"].startswith("FlashAttention")
    assert ids["2301.00774"]["title"].startswith("SparseGPT")
    for p in papers:
        if p["title"].lower().startswith("quest"):
            assert p["id"] != "2401.07013"
        if p["title"].lower().startswith("sparsegpt"):
            assert p["id"] == "2301.00774"
        if p["title"].lower().startswith("gptq"):
            assert p["id"] == "2210.17323"


def test_corrected_rows_record_their_given_id(papers):
    ids = by_id(papers)
    gptq_rows = ids["2210.17323"]["rows"]
    assert {r.get("corrected_from") for r in gptq_rows} >= {"2208.07339"}
    for p in papers:
        for r in p["rows"]:
            if "corrected_from" in r:
                assert r["corrected_from"] != p["id"]
                assert r["corrected_from"] in r["link"]
                assert p.get("note"), p["id"]


def test_no_row_keeps_a_wrong_id(papers):
    """A row whose link is not the paper's id was corrected or moved to a title: id."""
    for p in papers:
        for r in p["rows"]:
            link_id = re.search(r"(\d{4}\.\d{4,5})", r["link"])
            if not link_id or "arxiv.org" not in r["link"]:
                continue
            if link_id.group(1) != p["id"]:
                assert "corrected_from" in r or p["id"].startswith("title:"), (p["id"], r)


def test_unverified_papers_have_a_note(papers):
    for p in papers:
        if "verified" in p:
            assert p["verified"] is False, p["id"]
            assert p.get("note"), p["id"]
        if p["id"].startswith("title:"):
            assert p.get("verified") is False, p["id"]


def test_duplicates_merged(papers):
    ids = by_id(papers)
    # the arXiv and the OpenReview rows of one paper are one paper
    kd = ids["2401.07013"]
    assert len(kd["rows"]) == 2
    assert any("openreview.net" in r["link"] for r in kd["rows"])
    assert len(ids["2211.10438"]["rows"]) == 3  # SmoothQuant is listed three times


def test_sections_cover_rows(papers):
    for p in papers:
        assert p["sections"] == list(dict.fromkeys(r["section"] for r in p["rows"])), p["id"]


def test_years_are_ints(papers):
    for p in papers:
        if "year" in p:
            assert isinstance(p["year"], int) and 1990 < p["year"] < 2100, p["id"]
