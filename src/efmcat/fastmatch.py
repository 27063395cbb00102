"""A paper field's rule terms and model features found in one pass at C speed.

The tagger's tokens (``tagger.tokens``) are the runs of ``a-z0-9:`` of the lowered text,
with a plural ``s`` folded away. Written with single spaces between them and a space at
each end, a rule term or a model feature (a word, or a pair of adjacent words) occurs
exactly where ``' ' + its words + ' '`` occurs in that string; a term whose last word is a
prefix (``quantiz*``) is the same key without the closing space. A key word also matches
with the ``s`` that folding would take away (``cache`` matches ``caches``, not ``kvs``:
folding leaves words of three letters alone).

An Aho-Corasick automaton (pyahocorasick, a small C extension) holds every key of a
taxonomy's compiled rules and a model's features, and reports each occurrence in one scan
of the field: the same term counts and features as the token-by-token path in
``tagger``/``model`` (a test holds them equal). Without pyahocorasick, :func:`build`
gives None and the tagger takes its pure-Python path.
"""

from __future__ import annotations

import itertools
from collections import _count_elements  # type: ignore[attr-defined]
from collections.abc import Iterator
from itertools import chain, compress
from operator import itemgetter
from typing import Any

from efmcat.tagger import _fold, separated, spaced_words

# payload of a key: (term indexes, the title's feature, the abstract's feature, term
# indexes whose match this key takes back, (term index, words, head) of the terms whose last
# words this key is, to check their head words before it, whether it takes back or checks
# any term); a feature is (name, packed weight vector) or None: a word's (name a str) or a
# pair's (name a tuple of two words), as a key is one word or one pair of words
FIELD_TITLE = 1
FIELD_ABSTRACT = 2
_PAYLOAD = itemgetter(1)
_TERMS = itemgetter(0)
_SPECIAL = itemgetter(5)
_FEATURE = {FIELD_TITLE: itemgetter(FIELD_TITLE), FIELD_ABSTRACT: itemgetter(FIELD_ABSTRACT)}


def _forms(word: str) -> tuple[str, ...]:
    """The raw tokens that fold to ``word`` (a folded token)."""
    if len(word) >= 3 and not word.endswith("s"):
        return (word, word + "s")
    return (word,)


def _no_matches(s: str) -> Iterator[tuple[int, Any]]:
    """What an automaton of no keys finds: nothing (pyahocorasick will not make one)."""
    return iter(())


class Matcher:
    def __init__(self, automaton: Any | None) -> None:
        """``automaton``: a made pyahocorasick automaton, or None when there is no key (rules
        of categories and patterns alone, no model feature): then nothing matches."""
        self._iter = automaton.iter if automaton is not None else _no_matches

    def field(self, text: str, where: int) -> tuple[dict[int, int], dict, str]:
        """(term index -> matches, known words and pairs -> their packed vectors, the lowered
        text) of one field; ``where`` is FIELD_TITLE or FIELD_ABSTRACT (whose features to
        collect)."""
        low, spaced, matches, found = self._find(text)
        return _counts(spaced, matches, found), dict(filter(None, map(_FEATURE[where], found))), low

    def title(self, text: str) -> tuple[dict[int, int], dict, str]:
        """:meth:`field` of a title."""
        return self.field(text, FIELD_TITLE)

    def abstract(self, text: str) -> tuple[dict[int, int], dict, str]:
        """:meth:`field` of an abstract."""
        return self.field(text, FIELD_ABSTRACT)

    def _find(self, text: str) -> tuple[str, str, list, list]:
        """(the lowered text, its tokens spaced by single spaces, the automaton's matches in
        them, their payloads)."""
        low = text.lower()
        # single spaces between words: a pass or two of str.replace beat split + join; the
        # ends stripped first, so that text whose words stand one separator apart (a sentence
        # without commas) needs no pass but the search
        s = f" {spaced_words(separated(low)).strip()} "
        while "  " in s:
            s = s.replace("  ", " ")
        matches = list(self._iter(s))
        return low, s, matches, list(map(_PAYLOAD, matches))


def _counts(s: str, matches: list, found: list) -> dict[int, int]:
    """Term index -> matches, from the automaton's ``matches`` (and their payloads ``found``)
    in the spaced tokens ``s``."""
    counts: dict[int, int] = {}
    _count_elements(counts, chain.from_iterable(map(_TERMS, found)))  # Counter's C loop, no Counter
    if any(map(_SPECIAL, found)):  # matches taken back, terms with a prefix word before their last
        for end, payload in compress(matches, map(_SPECIAL, found)):
            for ti in payload[3]:
                left = counts.get(ti, 0) - 1
                if left > 0:
                    counts[ti] = left
                else:
                    counts.pop(ti, None)
            for ti, tail, head in payload[4]:
                if _head_before(s, end, tail, head):
                    counts[ti] = counts.get(ti, 0) + 1
    return counts


def _head_before(s: str, end: int, tail: int, head: tuple[tuple[str, bool], ...]) -> bool:
    """Whether the words before a match of a term's last ``tail`` words (ending at ``end``
    in ``s``) are its ``head``: each the folded token itself, or a prefix of it."""
    start = end
    for _ in range(tail):  # back to the space before the match's first word
        start = s.rfind(" ", 0, start)
    for word, prefix in reversed(head):
        if start <= 0:
            return False
        before = s.rfind(" ", 0, start)
        tok = _fold(s[before + 1 : start])
        if not (tok.startswith(word) if prefix else tok == word):
            return False
        start = before
    return True


def build(c: Any, title_known: dict, abstract_known: dict) -> Matcher | None:
    """A matcher for compiled rules ``c`` and a model's known features (``Model._index``),
    or None (no pyahocorasick)."""
    try:
        import ahocorasick
    except ImportError:
        return None
    keys: dict[tuple[tuple[str, ...], bool], list] = {}

    def slot(words: tuple[str, ...], prefix: bool = False) -> list:
        return keys.setdefault((words, prefix), [[], None, None, [], []])

    for ti, (key, _) in enumerate(c.terms):
        words = tuple(w for w, _ in key)
        prefix = key[-1][1]
        inner = [j for j, (_, pre) in enumerate(key[:-1]) if pre]
        if inner:
            # "compress* kv cache": its words after the last inner prefix find where to
            # check it on the tokens
            cut = inner[-1] + 1
            slot(words[cut:], prefix)[4].append((ti, len(words) - cut, key[:cut]))
            continue
        slot(words, prefix)[0].append(ti)
        last = words[-1]
        if prefix and _fold(last) != last:
            # "quantis*" does not match the word "quantis" itself (it folds to "quanti"),
            # which the prefix key finds: the whole word takes that match back
            slot((*words[:-1], last + " "), True)[3].append(ti)
    for where, known in ((FIELD_TITLE, title_known), (FIELD_ABSTRACT, abstract_known)):
        for w, (vec, pairs) in known.items():
            if vec is not None:
                slot((w,))[where] = (w, vec)
            for second, pv in (pairs or {}).items():
                slot((w, second))[where] = ((w, second), pv)
    if not keys:  # no term and no feature: an Automaton of no words is no automaton at all
        return Matcher(None)
    automaton = ahocorasick.Automaton()
    for (words, prefix), (terms, title, abstract, back, checked) in keys.items():
        payload = (tuple(terms), title, abstract, tuple(back), tuple(checked), bool(back or checked))
        forms = [_forms(w) for w in words[:-1]] + [(words[-1],) if prefix else _forms(words[-1])]
        end = "" if prefix else " "
        for variant in itertools.product(*forms):
            automaton.add_word(" " + " ".join(variant) + end, payload)
    automaton.make_automaton()
    return Matcher(automaton)
