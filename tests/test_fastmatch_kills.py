"""efmcat.fastmatch: what mutation testing showed the fast-path tests let through.

The shipped taxonomy's only prefix term whose last word folds (``quantis*``) is one word
long, so the take-back of a longer term of that kind, which a user's taxonomy may have, was
never exercised: these count such a term against trying every position."""

from __future__ import annotations

import pytest

from efmcat.fastmatch import FIELD_ABSTRACT
from efmcat.tagger import _count_terms, compile_rules, tokens
from efmcat.taxonomy import parse_taxonomy

# "cache quantis*": a prefix term of two words whose last word, "quantis", folds to
# "quanti" as a token, so the whole word "quantis" is no match of it
OWN = """\
areas:
  - id: memory
    name: Memory
    rules:
      terms: {'cache quantis*': 3, kv cache: 2}
"""


@pytest.mark.parametrize(
    "text",
    [
        "cache quantisation",
        "cache quantis",  # the whole word: no match
        "cache quantisation beside a quantis",  # a lone "quantis" takes back nothing
        "cache quantisation, then a cache quantis and one more quantis",
        "quantis cache quantisation",
    ],
)
def test_a_longer_prefix_term_whose_last_word_folds_counts_as_on_the_tokens(text):
    c = compile_rules(parse_taxonomy(OWN, "own.yaml"))
    m = c.matcher()
    assert m is not None
    counts, _, _ = m.field(text, FIELD_ABSTRACT)
    assert dict(counts) == dict(_count_terms(c, tokens(text)))


def test_the_take_back_is_what_keeps_the_whole_word_out():
    c = compile_rules(parse_taxonomy(OWN, "own.yaml"))
    term = next(i for i, (key, _) in enumerate(c.terms) if [w for w, _ in key] == ["cache", "quantis"])
    counts, _, _ = c.matcher().field("cache quantisation beside a quantis", FIELD_ABSTRACT)
    assert counts.get(term) == 1
    counts, _, _ = c.matcher().field("cache quantis", FIELD_ABSTRACT)
    assert term not in counts
