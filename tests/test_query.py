"""efmcat.query: what users type becomes a safe FTS5 expression (unit level)."""

from __future__ import annotations

import pytest

from efmcat.errors import QueryError
from efmcat.query import to_fts_any, to_fts_query, typed_words


@pytest.mark.parametrize(
    "text, expected",
    [
        ("quantization", '"quantization"'),
        ("low bit", '("low" OR "lowbit") AND ("bit" OR "lowbit")'),  # or the one word they make
        ('"kv cache" eviction', '("kv cache" OR "kvcache") AND "eviction"'),
        ("quant*", '"quant"*'),
        ("a OR b", '"a" OR "b"'),
        ("a -b", '"a" NOT "b"'),
        ("-b a", '"a" NOT "b"'),
        ("-quantization OR sparse", '"sparse" NOT "quantization"'),
        ("a OR -b", '"a" NOT "b"'),
        ("OR a", '"a"'),
        ("a OR", '"a"'),
        ("a OR OR b", '"a" OR "b"'),
        ('foo"', '"foo"""'),
        ("title:gptq", '"title:gptq"'),
        ("a\x00b", '"a" AND "b"'),
        ("x*y", '"x y"'),
        ("-", None),
        ("***", None),
        ("a -", '"a"'),
        ('say "it', '("say" OR "sayit") AND ("it" OR "sayit")'),
        ('"a""b"', '"a" AND "b"'),
        ('"a*b"', '"a*b"'),  # a phrase keeps its *
        ("a -b c", '"a" NOT "b" AND "c"'),  # exclusions stay where they were typed
        ('"kv cache" NOT quantization', '("kv cache" OR "kvcache") NOT "quantization"'),
        ('NOT "kv cache" eviction', '"eviction" NOT "kv cache"'),
        ("a NOT -b", '"a" NOT "b"'),
        ("a NOT", '"a"'),  # NOT before nothing
        ("a NOT OR b", '"a" OR "b"'),
        ("NOT x", None),
        (
            "not x",
            '("not" OR "notx") AND ("x" OR "notx")',
        ),  # only the capitalised word is the operator, as OR
        ("-x", None),  # only an exclusion: nothing to search for
        ("-x -y", None),
    ],
)
def test_to_fts_query(text, expected):
    if expected is None:
        with pytest.raises(QueryError) as exc:
            to_fts_query(text)
        assert str(exc.value) == f"nothing to search for in '{text.strip()}': give at least one word"
    else:
        assert to_fts_query(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a -b c", '"a" OR "c"'),
        ('"kv cache" kv*', '"kv cache" OR "kvcache" OR "kv"*'),
        ("a a", '"a"'),
        ("-x y", '"y"'),
    ],
)
def test_to_fts_any_keeps_positive_terms_once(text, expected):
    assert to_fts_any(text) == expected


def test_empty_query():
    with pytest.raises(QueryError) as exc:
        to_fts_query("")
    assert str(exc.value) == "nothing to search for in '': give at least one word"


@pytest.mark.parametrize(
    "text, expected",
    [
        # FlashAttention's title holds the word "flashattention", which the two words miss
        ("flash attention", '("flash" OR "flashattention") AND ("attention" OR "flashattention")'),
        ('"flash attention"', '"flash attention" OR "flashattention"'),
        ("flash-attention", '"flash-attention" OR "flashattention"'),
        (
            "paged attention -survey",
            '("paged" OR "pagedattention") AND ("attention" OR "pagedattention") NOT "survey"',
        ),
        (
            "kv cache eviction",
            '("kv" OR "kvcache") AND ("cache" OR "kvcache" OR "cacheeviction") AND ("eviction" OR "cacheeviction")',
        ),
        # wherever the name stands in the query, and with an exclusion before it
        (
            "fast flash attention",
            '("fast" OR "fastflash") AND ("flash" OR "fastflash" OR "flashattention") AND ("attention" OR "flashattention")',
        ),
        (
            "-survey flash attention",
            '("flash" OR "flashattention") NOT "survey" AND ("attention" OR "flashattention")',
        ),
        (
            "NOT survey flash attention",
            '("flash" OR "flashattention") NOT "survey" AND ("attention" OR "flashattention")',
        ),
        ("llama 2", '("llama" OR "llama2") AND ("2" OR "llama2")'),
        # not joined: a prefix, alternatives, an exclusion between, a colon, too short
        ("flash* attention", '"flash"* AND "attention"'),
        ("flash OR x attention", '("flash" OR "x") AND "attention"'),
        ("flash -x attention", '"flash" NOT "x" AND "attention"'),
        ("title:gptq", '"title:gptq"'),
        ("a b", '"a" AND "b"'),
        ("flash flash", '"flash"'),
    ],
)
def test_two_words_also_match_the_word_they_make(text, expected):
    assert to_fts_query(text) == expected


def test_long_queries_join_no_words():
    """Names are typed in short queries; a long one would grow by half (FTS5 slows down)."""
    eight = "w1 w2 w3 w4 w5 w6 w7 w8"
    assert '"w1w2"' in to_fts_query(eight)
    assert "OR" not in to_fts_query(eight + " w9")


def test_groups_for_the_note_and_the_record_are_the_words_as_typed():
    """A paper with "thesis" in its note and GPTQ in its record matches "thesis gptq": each
    word is looked up in either place, so the groups are not joined."""
    from efmcat.query import to_fts_groups

    assert to_fts_groups("thesis gptq") == ['"thesis"', '"gptq"']


@pytest.mark.parametrize(
    "text, expected",
    [
        ("lora AND qlora", ["lora", "qlora"]),
        ("lora -qlora tuning", ["lora", "tuning"]),  # an exclusion is not a word to hold
        ("lora NOT qlora tuning", ["lora", "tuning"]),
        ("a -b c", ["a", "c"]),  # one letter excluded too
        ('"flash attention" gptq*', ["flash", "attention", "gptq"]),
        ("lora -", ["lora"]),  # a bare "-" holds nothing
        ("a OR b", None),  # alternatives name no one thing
    ],
)
def test_typed_words_are_the_words_a_paper_must_hold(text, expected):
    """What the named-paper boost compares with titles (searchsql.named_params)."""
    assert typed_words(text) == expected
