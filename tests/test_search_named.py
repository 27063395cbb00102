"""A query that names a paper finds it first: the one-word name before its title's colon,
or a title of five words or more, is the query (searchsql.NAMED_SQL). "lora" ranked LoRA
itself 26th on the shipped catalog, below "S-LoRA: ... LoRA Adapters" and papers whose
abstracts say LoRA often. A name of several words, or a short title, is a topic: no boost."""

from __future__ import annotations

import pytest

from efmcat import searchsql
from efmcat.catalog import Catalog
from efmcat.models import Paper

LORA_ABSTRACT = "We serve LoRA adapters: LoRA weights, LoRA batching and LoRA kernels for LoRA."
SPEC_ABSTRACT = "Speculative decoding drafts tokens; speculative decoding verifies them in parallel."


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
            id="2309.00003",
            title="QA-LoRA: Quantization-Aware Low-Rank Adaptation of Large Language Models",
            abstract="LoRA: low-rank adaptation of large language models, quantized; large language models adapt with low-rank LoRA.",
        ),
        Paper(id="2205.00004", title="FlashAttention: Fast and Memory-Efficient Exact Attention"),
        Paper(
            id="2307.00005",
            title="Flash attention kernels, flash attention everywhere: a flash study",
            abstract="FlashAttention, flash attention and FlashAttention kernels: flash attention.",
        ),
        Paper(id="2403.00008", title="LoRA Serving at Scale", abstract=LORA_ABSTRACT),
        # topics whose titles a topic query equals, and the papers that query asks for
        Paper(id="2601.00009", title="Speculative Decoding: Performance or Illusion?"),
        Paper(
            id="2211.00010",
            title="Fast Inference from Transformers via Speculative Decoding",
            abstract=SPEC_ABSTRACT,
        ),
        Paper(id="2406.00011", title="Large Language Model Pruning"),
        Paper(
            id="2301.00012",
            title="SparseGPT: Large Language Model Pruning in One Shot",
            abstract="Pruning large language models.",
        ),
    ]:
        c.upsert_paper(p)
    for i in range(40):  # other papers, so that the words above have an idf
        c.upsert_paper(
            Paper(id=f"2001.{i:05d}", title=f"Efficient study number {i}", abstract="Sparse models.")
        )
    yield c
    c.close()


def _ids(cat: Catalog, query: str) -> list[str]:
    return [p.id for p, _ in cat.search(query)]


NAMED = [
    ("lora", "openreview:abc"),  # the name before the colon
    ("LoRA", "openreview:abc"),
    ('"lora"', "openreview:abc"),  # quoted
    ("lora -survey", "openreview:abc"),  # with an exclusion
    ("lora NOT survey", "openreview:abc"),
    ("LoRA:", "openreview:abc"),  # pasted with its colon
    ("LoRA: Low-Rank Adaptation of Large Language Models", "openreview:abc"),  # a whole title
    ("flash attention", "2205.00004"),  # spaces and hyphens dropped: FlashAttention
    ("flash-attention", "2205.00004"),
    ('"flash attention"', "2205.00004"),
]


@pytest.mark.parametrize(("query", "first"), NAMED)
def test_a_query_that_names_a_paper_finds_it_first(cat, query, first):
    assert _ids(cat, query)[0] == first


def test_without_the_boost_the_named_paper_is_not_first(cat, monkeypatch):
    """The cases above are cases: each named paper loses to a wordier title or abstract."""
    monkeypatch.setattr(searchsql, "NAMED_BOOST", 0.0)
    for query, named in NAMED:
        assert _ids(cat, query)[0] != named, query


@pytest.mark.parametrize(
    ("query", "topic_title"),
    [
        ("speculative decoding", "2601.00009"),  # a name of two words: a topic
        ("large language model pruning", "2406.00011"),  # a title of four words: a topic
    ],
)
def test_a_topic_that_is_also_a_title_is_not_a_name(cat, query, topic_title):
    scores = {p.id: s for p, s in cat.search(query)}
    boosted_off = searchsql.NAMED_BOOST
    try:
        searchsql.NAMED_BOOST = 0.0
        plain = {p.id: s for p, s in cat.search(query)}
    finally:
        searchsql.NAMED_BOOST = boosted_off
    assert scores == pytest.approx(plain)
    assert _ids(cat, query)[0] != topic_title


def test_a_title_that_only_begins_with_the_words_is_not_named(cat):
    """ "LoRA Serving at Scale" begins with "lora" but is no paper named LoRA: its score is
    its words' alone, as with no boost."""
    scores = {p.id: s for p, s in cat.search("lora")}
    boosted_off = searchsql.NAMED_BOOST
    try:
        searchsql.NAMED_BOOST = 0.0
        plain = {p.id: s for p, s in cat.search("lora")}
    finally:
        searchsql.NAMED_BOOST = boosted_off
    assert scores["2403.00008"] == pytest.approx(plain["2403.00008"])
    assert scores["openreview:abc"] > plain["openreview:abc"] * 2


def test_named_params_take_the_words_a_paper_must_hold():
    assert searchsql.named_params("  Flash-Attention  ") == {
        "key": "flashattention",
        "lead": '^"flash attention" OR ^"flashattention"',
    }
    assert searchsql.named_params("Ré-LoRA") == {"key": "relora", "lead": '^"re lora" OR ^"relora"'}
    assert searchsql.named_params('"lora" -survey NOT qa') == {"key": "lora", "lead": '^"lora"'}
    assert searchsql.named_params("^gptq") == {"key": "gptq", "lead": '^"gptq"'}
    assert searchsql.named_params("quant*") == {"key": "quant", "lead": '^"quant"'}
    assert searchsql.named_params("lora OR dora") == {}  # alternatives name no one paper
    assert searchsql.named_params("!!") == {}
