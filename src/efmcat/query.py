"""Turn what a user types into a safe SQLite FTS5 MATCH expression.

Words are ANDed; ``"quoted phrases"`` stay phrases; ``word*`` is a prefix query;
``OR`` between two terms, and ``NOT term`` or a leading ``-`` (an exclusion) work. Everything else a user can
type, unbalanced quotes, lone operators, punctuation, SQL, is quoted as text, so no
input reaches SQLite as syntax.
"""

from __future__ import annotations

import re

from efmcat.errors import QueryError

_TOKEN_RE = re.compile(r'"([^"]*)"?|(\S+)')
_WORDCHAR_RE = re.compile(r"\w", re.UNICODE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


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


def to_fts_query(text: str) -> str:
    """The FTS5 expression for ``text``; QueryError when it holds nothing to search for."""
    parts: list[str] = []  # terms and "OR" / "NOT" markers
    not_next = False  # the word before was NOT: this term is excluded
    # Control characters (NUL ends an FTS5 string early) are word breaks, like spaces.
    for m in _TOKEN_RE.finditer(_CONTROL_RE.sub(" ", text or "")):
        phrase, word = m.group(1), m.group(2)
        negate, not_next = not_next, False
        if word == "OR":
            parts.append("OR")
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
            parts.append(("NOT " if negate or dash else "") + term)
    # Drop operators that do not stand between two terms.
    cleaned: list[str] = []
    for i, part in enumerate(parts):
        if part == "OR":
            # OR joins two positive terms; next to an exclusion (-word) it means nothing.
            prev_ok = bool(cleaned) and cleaned[-1] != "OR" and not cleaned[-1].startswith("NOT ")
            next_ok = i + 1 < len(parts) and parts[i + 1] != "OR" and not parts[i + 1].startswith("NOT ")
            if prev_ok and next_ok:
                cleaned.append("OR")
            continue
        cleaned.append(part)
    positives = [p for p in cleaned if p != "OR" and not p.startswith("NOT ")]
    if not positives:
        shown = text.strip() if text else ""
        raise QueryError(f"nothing to search for in '{shown}': give at least one word")
    expr: list[str] = []
    for part in cleaned:
        if part.startswith("NOT "):
            # FTS5's NOT is binary: a NOT b. Attach it to what came before.
            expr.append(part)
        elif expr and expr[-1] != "OR" and part != "OR":
            expr.append("AND " + part)
        else:
            expr.append(part)
    # A leading NOT has nothing on its left: move positives first.
    if expr and expr[0].startswith("NOT "):
        nots = [e for e in expr if e.startswith("NOT ")]
        rest = [
            e.removeprefix("AND ") if i == 0 else e for i, e in enumerate(x for x in expr if x not in nots)
        ]
        expr = rest + nots
    return " ".join(expr)


def to_fts_any(text: str) -> str:
    """The positive terms of ``text`` joined by OR: what scores a field in ranking."""
    expr = to_fts_query(text)
    terms = []
    for m in re.finditer(r'(NOT )?("(?:[^"]|"")*"\*?)', expr):
        if not m.group(1):
            terms.append(m.group(2))
    return " OR ".join(dict.fromkeys(terms))
