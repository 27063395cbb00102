"""efmcat.query: what users type becomes a safe FTS5 expression (unit level)."""

from __future__ import annotations

import pytest

from efmcat.errors import QueryError
from efmcat.query import to_fts_any, to_fts_query


@pytest.mark.parametrize(
    "text, expected",
    [
        ("quantization", '"quantization"'),
        ("low bit", '"low" AND "bit"'),
        ('"kv cache" eviction', '"kv cache" AND "eviction"'),
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
        ('say "it', '"say" AND "it"'),
        ('"a""b"', '"a" AND "b"'),
        ('"a*b"', '"a*b"'),  # a phrase keeps its *
        ("a -b c", '"a" NOT "b" AND "c"'),  # exclusions stay where they were typed
        ('"kv cache" NOT quantization', '"kv cache" NOT "quantization"'),
        ('NOT "kv cache" eviction', '"eviction" NOT "kv cache"'),
        ("a NOT -b", '"a" NOT "b"'),
        ("a NOT", '"a"'),  # NOT before nothing
        ("a NOT OR b", '"a" OR "b"'),
        ("NOT x", None),
        ("not x", '"not" AND "x"'),  # only the capitalised word is the operator, as OR
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
        ('"kv cache" kv*', '"kv cache" OR "kv"*'),
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
