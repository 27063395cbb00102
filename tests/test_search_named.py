"""A query that names a paper finds it first: its title, or the name before its title's
colon, is the query (searchsql.NAMED_SQL). "lora" ranked LoRA itself 26th on the shipped
catalog, below "S-LoRA: ... LoRA Adapters" and papers whose abstracts say LoRA often."""

from __future__ import annotations

import pytest

from efmcat import searchsql
from efmcat.catalog import Catalog
from efmcat.models import Paper

LORA_ABSTRACT = "We serve LoRA adapters: LoRA weights, LoRA batching and LoRA kernels for LoRA."


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "c.db")
    for p in [
        Paper(
            id="2311.00001",
            title="S-LoRA: Serving Thousands of Concurrent LoRA Adapters",
            abstract=LORA_ABSTRACT,
        ),
        Paper(id="2310.00002", title="Punica: Multi-Tenant LoRA Serving", abstract=LORA_ABSTRACT),
        Paper(id="openreview:abc", title="LoRA: Low-Rank Adaptation of Large Language Models"),
        Paper(
            id="2309.00003", title="QA-LoRA: Quantization-Aware Low-Rank Adaptation of Large Language Models"
        ),
        Paper(id="2205.00004", title="FlashAttention: Fast and Memory-Efficient Exact Attention"),
        Paper(
            id="2307.00005",
            title="Flash attention kernels, flash attention everywhere: a flash study",
            abstract="FlashAttention, flash attention and FlashAttention kernels: flash attention.",
        ),
        Paper(id="2401.00006", title="Mixtral of Experts"),
        Paper(
            id="2402.00007",
            title="Mixtral of Experts and Mixtral of Experts Again",
            abstract="Mixtral of experts.",
        ),
        Paper(id="2403.00008", title="LoRA Serving at Scale", abstract=LORA_ABSTRACT),
    ]:
        c.upsert_paper(p)
    for i in range(40):  # other papers, so that the words above have an idf
        c.upsert_paper(
            Paper(id=f"2001.{i:05d}", title=f"Pruning study number {i}", abstract="Sparse models.")
        )
    yield c
    c.close()


def _ids(cat: Catalog, query: str) -> list[str]:
    return [p.id for p, _ in cat.search(query)]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("lora", "openreview:abc"),  # the name before the colon
        ("LoRA", "openreview:abc"),
        ("LoRA: Low-Rank Adaptation of Large Language Models", "openreview:abc"),  # the whole title
        ("flash attention", "2205.00004"),  # spaces and hyphens dropped: FlashAttention
        ("flash-attention", "2205.00004"),
        ("mixtral of experts", "2401.00006"),  # a title without a colon is its own name
    ],
)
def test_a_query_that_names_a_paper_finds_it_first(cat, query, first):
    assert _ids(cat, query)[0] == first


def test_without_the_boost_the_named_paper_is_not_first(cat, monkeypatch):
    """The cases above are cases: each named paper loses to a wordier title or abstract."""
    monkeypatch.setattr(searchsql, "NAMED_BOOST", 0.0)
    for query, named in [
        ("lora", "openreview:abc"),
        ("flash attention", "2205.00004"),
        ("mixtral of experts", "2401.00006"),
    ]:
        assert _ids(cat, query)[0] != named, query


def test_a_title_that_only_begins_with_the_words_is_not_named(cat):
    """ "LoRA Serving at Scale" begins with "lora" but is no paper named LoRA: its score is
    its words' alone, as with no boost."""
    scores = {p.id: s for p, s in cat.search("lora")}
    assert "2403.00008" in scores
    searchsql_boost = searchsql.NAMED_BOOST
    try:
        searchsql.NAMED_BOOST = 0.0
        plain = {p.id: s for p, s in cat.search("lora")}
    finally:
        searchsql.NAMED_BOOST = searchsql_boost
    assert scores["2403.00008"] == pytest.approx(plain["2403.00008"])
    assert scores["openreview:abc"] > plain["openreview:abc"] * 2


def test_named_params_fold_the_query_and_drop_spaces_and_hyphens():
    assert searchsql.named_params("  Flash-Attention  ") == {
        "key": "flashattention",
        "lead": '^"flash attention" OR ^"flashattention"',
    }
    assert searchsql.named_params("Ré-LoRA") == {"key": "relora", "lead": '^"re lora" OR ^"relora"'}
    assert searchsql.named_params("LoRA: Low-Rank") == {
        "key": "lora:lowrank",
        "lead": '^"lora low rank" OR ^"loralowrank"',
    }
    assert searchsql.named_params("!!") == {}
