"""Turn what a user types into a safe SQLite FTS5 MATCH expression.

Words are ANDed; ``"quoted phrases"`` stay phrases; ``word*`` is a prefix query;
``OR`` between two terms, and ``NOT term`` or a leading ``-`` (an exclusion) work: ``OR``
binds its neighbours into alternatives (``a b OR c`` is ``a AND (b OR c)``), and an
exclusion takes its papers out of the whole result. Everything else a user can type,
unbalanced quotes, lone operators, punctuation, SQL, is quoted as text, so no input
reaches SQLite as syntax. At most MAX_TERMS terms.
"""

from __future__ import annotations

import re

from efmcat.errors import QueryError
from efmcat.textsafe import shown_query

_TOKEN_RE = re.compile(r'"([^"]*)"?|(\S+)')
_WORDCHAR_RE = re.compile(r"\w", re.UNICODE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# The most terms (words, phrases, prefixes, exclusions; a repeated one counts once) a query
# may hold. FTS5 and the bm25 ranking slow down with every term that matches many papers:
# 64 x 'a*' takes about 0.4 s on the shipped catalog, 1,000 took 38 s.
MAX_TERMS = 64


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _term(raw: str, phrase: bool) -> str | None:
    text = raw.strip()
    if not _WORDCHAR_RE.search(text):
        return None
    if not phrase and text.endswith("*"):
        stem = text.rstrip("*")
        if _WORDCHAR_RE.search(stem):
            return _quote(stem) + "*"
        return None
    if not phrase:
        text = text.replace("*", " ")
    return _quote(text)


def join_words(words: list[str]) -> str:
    """The query of a search given as several arguments (``efmcat search kv cache eviction``):
    one query, each argument that held spaces (the shell took its quotes away: ``"kv cache"
    eviction``) a phrase again, unless it has quotes of its own."""
    if len(words) == 1:
        return words[0]
    return " ".join(f'"{w}"' if len(w.split()) > 1 and '"' not in w else w for w in words)


def _typed(text: str | None) -> str:
    """A query as typed, its ligatures and full-width forms as their letters ("ﬂash" is
    "flash", "ＧＰＴＱ" "GPTQ": FTS5's tokenizer folds accents but not these), control
    characters as spaces (NUL ends an FTS5 string early). Only those: the index keeps a
    title's "M³ViT" as it is, so NFKC of the whole query ("M3ViT") would miss it."""
    text = text or ""
    if not text.isascii() and _COMPAT_RE.search(text):
        from unicodedata import normalize

        text = _COMPAT_RE.sub(lambda m: normalize("NFKC", m.group()), text)
    return _CONTROL_RE.sub(" ", text)


_COMPAT_RE = re.compile("[\ufb00-\ufb06\uff01-\uff5e]+")  # Latin ligatures, full-width ASCII


def to_fts_query(text: str) -> str:
    """The FTS5 expression for ``text``; QueryError when it holds nothing to search for, or
    more than MAX_TERMS terms.

    The meaning, as in web search engines: every ``-term`` (or ``NOT term``) is taken out of
    the whole result; of the rest, ``OR`` joins the terms on either side into alternatives,
    and those groups are ANDed (``AND`` may be written: it is what words do anyway).
    ``a b OR c -d`` is ``a AND (b OR c)``, less the papers with ``d``; ``a -d OR b`` is
    ``(a OR b)`` less ``d``. A term given twice counts once."""
    expr: list[str] = []
    for part, nots in _parsed(text):
        expr.append(("AND " if expr else "") + part)
        # FTS5's NOT binds tighter than AND: "a NOT b AND c" is (a NOT b) AND c.
        expr.extend("NOT " + term for term in nots)
    return " ".join(expr)


def typed_words(text: str) -> list[str] | None:
    """The words and phrases of ``text`` a paper must hold, as typed (a phrase's quotes and a
    prefix's ``*`` dropped; no exclusion, no operator), in order; None for a query of
    alternatives (``OR``), which names no one thing."""
    words: list[str] = []
    not_next = False
    for m in _TOKEN_RE.finditer(_typed(text)):
        phrase, word = m.group(1), m.group(2)
        negate, not_next = not_next, False
        if word == "OR":
            return None
        if word in ("AND", "NOT"):
            not_next = word == "NOT"
            continue
        if negate or (phrase is None and word.startswith("-")):  # an exclusion, or a bare "-"
            continue
        words.extend((phrase if phrase is not None else word.rstrip("*")).split())
    return words


def to_fts_groups(text: str) -> list[str]:
    """The groups of alternatives ``text`` ANDs, each an FTS5 expression (``"a"``,
    ``("b" OR "c")``): a paper matches when each is in its record or in its note. Words are
    not joined here: "thesis gptq" finds GPTQ with "thesis" in its note, and the record
    alone is searched with the joined words (to_fts_query)."""
    return [part for part, _ in _parsed(text, join=False)]


def _parsed(text: str, join: bool = True) -> list[tuple[str, list[str]]]:
    """``text`` read as groups of alternatives: (the group's FTS5 expression, the exclusions
    written after it), in the order typed. With ``join``, a word typed next to another, and
    a term of two words, has the one word they make as an alternative (:func:`_join_words`),
    in queries of at most MAX_JOINING terms."""
    items: list[tuple[str, str]] = []  # ("+", term), ("-", excluded term) and ("OR", "")
    not_next = False  # the word before was NOT: this term is excluded
    for m in _TOKEN_RE.finditer(_typed(text)):  # control characters break words, as spaces do
        phrase, word = m.group(1), m.group(2)
        negate, not_next = not_next, False
        if word == "OR":
            items.append(("OR", ""))
            continue
        if word == "AND":  # what a space means
            continue
        if word == "NOT":
            not_next = True
            continue
        if phrase is not None:
            dash, term = False, _term(phrase, phrase=True)
        else:
            dash = word.startswith("-") and len(word) > 1
            term = _term(word[1:] if dash else word, phrase=False)
        if term:
            items.append(("-" if negate or dash else "+", term))
    # The groups of alternatives, in the order typed, and the exclusions, each after the
    # group it was typed in (or after: a leading one goes with the first group). An OR
    # joins the positive terms on either side, whatever exclusions stand between them; one
    # without a positive term on both sides means nothing.
    groups: list[list[str]] = []
    excluded: list[list[str]] = []  # excluded[i]: the exclusions written after groups[i]
    leading: list[str] = []  # exclusions before the first group
    joined = False  # an OR stands between the last group and what comes next
    for kind, term in items:
        if kind == "OR":
            joined = bool(groups)
        elif kind == "-":
            (excluded[-1] if groups else leading).append(term)
        else:
            if joined:
                groups[-1].append(term)
            else:
                groups.append([term])
                excluded.append([])
            joined = False
    if not groups:
        shown = shown_query(text.strip()) if text else ""  # a long one by its first characters
        raise QueryError(f"nothing to search for in '{shown}': give at least one word")
    between = [bool(nots) for nots in excluded]  # an exclusion typed after group i, before i + 1
    excluded[0][:0] = leading
    # A term given twice counts once, and a group of the same alternatives as an earlier one
    # adds nothing: FTS5 and bm25 slow down fast with repeated terms (1,000 x 'a*').
    kept: list[tuple[list[str], list[str]]] = []  # (alternatives, exclusions after them)
    apart: list[bool] = []  # apart[i]: an exclusion stands between kept[i] and kept[i + 1]
    seen_groups: set[frozenset[str]] = set()
    seen_excluded: set[str] = set()
    for group, nots, cut in zip(groups, excluded, between):
        firsts: dict[str, str] = {}
        for term in group:
            firsts.setdefault(_key(term), term)
        new_nots = []
        for term in nots:
            if _key(term) not in seen_excluded:
                seen_excluded.add(_key(term))
                new_nots.append(term)
        if frozenset(firsts) in seen_groups:
            kept[-1][1].extend(new_nots)  # never the first group: kept[-1] exists
            apart[-1] = True  # the words on either side of a repeat were not typed together
        else:
            seen_groups.add(frozenset(firsts))
            kept.append((list(firsts.values()), new_nots))
            apart.append(cut)
    count = sum(len(alternatives) + len(nots) for alternatives, nots in kept)
    if count > MAX_TERMS:
        raise QueryError(f"too many search terms ({count}): give at most {MAX_TERMS}")
    alternatives_of = [list(alternatives) for alternatives, _ in kept]
    if join and count <= MAX_JOINING:
        _join_words(alternatives_of, apart)
    parts = []
    for alternatives, (_, nots) in zip(alternatives_of, kept):
        if len(alternatives) == 1 or (len(kept) == 1 and not nots):
            part = " OR ".join(alternatives)  # one term, or the whole query: no parentheses
        else:
            part = "(" + " OR ".join(alternatives) + ")"
        parts.append((part, nots))
    return parts


def _join_words(groups: list[list[str]], apart: list[bool]) -> None:
    """Add to each group the one word it makes with its neighbour (a word typed right
    before or after it, each a single plain word, no exclusion between them) or that its
    own two words make (``"flash attention"``, ``flash-attention``): ``flash attention`` is
    ``(flash OR flashattention) AND (attention OR flashattention)``, so it finds
    "FlashAttention-2" as it finds "Flash Tree-attention", and loses nothing it found."""
    single = [len(g) == 1 and not g[0].endswith("*") and len(WORDS_RE.findall(g[0])) == 1 for g in groups]
    extra: list[list[str]] = [[] for _ in groups]
    for i, group in enumerate(groups):
        extra[i].extend(j for t in group if (j := _joined(t)) is not None)
        if i + 1 < len(groups) and single[i] and single[i + 1] and not apart[i]:
            joined = _joined(groups[i][0][:-1] + " " + groups[i + 1][0][1:])
            if joined is not None:
                extra[i].append(joined)
                extra[i + 1].append(joined)
    for group, more in zip(groups, extra):
        keys = {_key(t) for t in group}
        for term in more:
            if _key(term) not in keys:
                keys.add(_key(term))
                group.append(term)


# The words of a text as FTS5's tokenizer (unicode61) splits them: letters and digits.
WORDS_RE = re.compile(r"[^\W_]+")
# Two words apart by a space or a hyphen ("flash attention", "flash-attention"; not "title:gptq").
_TWOWORDS_RE = re.compile(r"\s*([^\W_]+)[\s-]+([^\W_]+)\s*$")
# The shortest word two words joined may make: "kv cache" is kvcache, "a b" nothing.
MIN_JOINED = 4
# Words are joined in queries of at most this many terms (names are typed in short queries;
# a long one would grow by half, and FTS5 slows down with every term).
MAX_JOINING = 8


def _joined(term: str) -> str | None:
    """The one word a term of two words is also written as: FlashAttention's title has the
    word "flashattention", which "flash attention" (or "flash-attention") does not match;
    likewise PagedAttention, KVCache, LowRank, SmoothQuant, Llama2. None for a prefix term
    or a term that is not two words."""
    if term.endswith("*"):
        return None
    m = _TWOWORDS_RE.match(term[1:-1])
    if m is None or len(m.group(1)) + len(m.group(2)) < MIN_JOINED:
        return None
    return _quote(m.group(1) + m.group(2))


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _key(term: str) -> str:
    """What makes two terms the same: FTS5's tokenizer folds case. Only ASCII letters are
    folded here (str.casefold would make "ß" and "ss" one term, which FTS5 keeps apart)."""
    return term.translate(_ASCII_LOWER)


def to_fts_any(text: str) -> str:
    """The positive terms of ``text`` joined by OR: what scores a field in ranking."""
    expr = to_fts_query(text)
    terms = []
    for m in re.finditer(r'(NOT )?("(?:[^"]|"")*"\*?)', expr):
        if not m.group(1):
            terms.append(m.group(2))
    return " OR ".join(dict.fromkeys(terms))


def to_fts_excluded(text: str) -> str:
    """The excluded terms of ``text`` joined by OR ("" with none): a paper with any of them,
    in its record or in its note, is out of the result."""
    expr = to_fts_query(text)
    terms = [m.group(1) for m in re.finditer(r'NOT ("(?:[^"]|"")*"\*?)', expr)]
    return " OR ".join(dict.fromkeys(terms))
