"""`similar` on a small hand-made catalog, each rule pinned where mutation testing showed no
test noticed a wrong line (tools/mutate.py similar): which terms make the query, how
document frequencies are counted, and how candidates are ranked."""

from __future__ import annotations

import math

import pytest

import efmcat.similar as similar
from efmcat.catalog import Catalog
from efmcat.models import Paper
from efmcat.similar import TITLE_BOOST, distinctive_terms, similar_papers

FILLER = [f"Filler paper {k} about gardening" for k in range(8)]


@pytest.fixture
def cat(tmp_path):
    with Catalog(tmp_path / "s.db") as c:
        with c.transaction():
            c.upsert_paper(
                Paper(id="2401.00001", title="KV eviction with sinks", abstract="Tokens are evicted.")
            )
            # the same two title words; the long abstract shares them by chance, the short one not
            long_abstract = " ".join(f"word{k}" for k in range(400))
            c.upsert_paper(Paper(id="2401.00002", title="KV eviction at length", abstract=long_abstract))
            c.upsert_paper(Paper(id="2401.00003", title="KV eviction in brief", abstract="Short."))
            c.upsert_paper(Paper(id="2401.00004", title="Sinks for streaming", abstract="Attention sinks."))
            c.upsert_paper(Paper(id="2401.00005", title="A paper on offloading", abstract="Nothing shared."))
            for k, title in enumerate(FILLER):
                c.upsert_paper(Paper(id=f"2402.{k:05d}", title=title, abstract="Plants and soil."))
            c.set_tag("2401.00001", "kv-cache-eviction", "curated", 1.0)
            c.set_tag("2401.00005", "kv-cache-eviction", "curated", 1.0)
        yield c


def test_the_query_holds_two_letter_words_weighted_by_tf_idf(cat):
    terms = {t.word: t for t in distinctive_terms(cat, cat.get_paper("2401.00001"))}
    assert {"kv", "eviction", "sinks"} <= set(terms)  # "kv": two letters, kept
    n = cat.count()
    kv = terms["kv"]
    assert kv.df == 3  # counted exactly in a small catalog: papers 1, 2 and 3
    assert kv.weight == pytest.approx(math.log(n / 3) * TITLE_BOOST)  # once in the text, in the title
    weights = [t.weight for t in distinctive_terms(cat, cat.get_paper("2401.00001"))]
    assert weights == sorted(weights, reverse=True)


def test_the_query_stops_at_its_limit_and_its_postings_budget(cat, monkeypatch):
    paper = cat.get_paper("2401.00001")
    assert len(distinctive_terms(cat, paper, limit=2)) == 2
    monkeypatch.setattr(similar, "POSTINGS_BUDGET", 3)  # room for one term of the three
    assert len(distinctive_terms(cat, paper)) == 1


def test_a_long_abstract_that_shares_words_by_chance_ranks_lower(cat):
    hits = similar_papers(cat, "2401.00001").hits
    ids = [h["id"] for h in hits]
    assert ids.index("2401.00003") < ids.index("2401.00002")
    assert all(h["score"] > 0 for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_shared_terms_are_found_in_title_and_abstract(cat):
    hits = {h["id"]: h for h in similar_papers(cat, "2401.00001").hits}
    assert hits["2401.00004"]["shared_terms"] == ["sinks"]  # in its title and its abstract
    assert sorted(hits["2401.00003"]["shared_terms"]) == ["eviction", "kv"]


def test_a_shared_subtopic_brings_a_paper_with_no_word_in_common(cat):
    hits = {h["id"]: h for h in similar_papers(cat, "2401.00001", limit=10).hits}
    assert hits["2401.00005"]["shared_tags"] == ["kv-cache-eviction"]


def test_similar_leaves_no_transaction_open(cat):
    similar_papers(cat, "2401.00001")
    assert not cat.conn.in_transaction


def test_stop_words_and_numbers_make_no_term_and_the_rarest_word_leads(cat):
    with cat.transaction():
        for k in range(2):
            cat.upsert_paper(
                Paper(id=f"2403.0000{k}", title=f"The 2024 garden {k}", abstract="The 2024 soil.")
            )
        cat.upsert_paper(Paper(id="2403.00009", title="The 2024 eviction sinks"))
    terms = distinctive_terms(cat, cat.get_paper("2403.00009"))
    assert [t.word for t in terms] == ["sinks", "eviction"]  # sinks in 3 papers, eviction in 4


def test_scores_are_given_to_two_decimals(cat):
    hits = similar_papers(cat, "2401.00001").hits
    assert hits and all(h["score"] == round(h["score"], 2) for h in hits)
