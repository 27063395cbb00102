"""Type checks for imported fields: every value a file gives is checked before it becomes a
Paper, and a wrong one is a ParseError naming ``file:line`` and the field.

Text must be text (a list or a number is not silently turned into ``"['a', 'b']"`` or
``"nan"``), years are whole numbers in YEAR_RANGE, lists are lists of text, and no string
may hold a lone surrogate (``"\\ud800"`` in JSON or YAML), which SQLite cannot store.
"""

from __future__ import annotations

import math
import re
from typing import Any

from efmcat.errors import InvalidIdError, ParseError

YEAR_RANGE = (1900, 2100)
_SURROGATE = re.compile("[\ud800-\udfff]")
LINK_RE = re.compile(r"https?://\S+")  # a url or pdf_url (fullmatch): a web link, nothing a browser runs
CITEKEY_RE = re.compile(r"[^\s,{}()%#\"'=\\]+")  # what BibTeX reads back as one key


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    return type(value).__name__


def clean_text(value: str, where: str, key: str) -> str:
    if value.isascii():  # O(1) in CPython: most text needs no search
        return value
    m = _SURROGATE.search(value)
    if m:
        raise ParseError(f"{where}: {key} holds a lone surrogate (\\u{ord(m.group()):04x}), not text")
    return value


def text(value: Any, where: str, key: str, *, numbers: bool = False) -> str | None:
    """A text field: str (or None); ``numbers`` also accepts whole numbers (YAML ``title: 1984``)."""
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value, where, key)
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ParseError(f"{where}: {key} must be text, not {_kind(value)}")


def text_list(value: Any, where: str, key: str) -> list[str]:
    """A list of text (a single string counts as a list of one)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [clean_text(value, where, key)]
    if not isinstance(value, list):
        raise ParseError(f"{where}: {key} must be a list of text, not {_kind(value)}")
    out = []
    for v in value:
        if not isinstance(v, str):
            raise ParseError(f"{where}: {key} must be a list of text, but holds {_kind(v)}")
        out.append(clean_text(v, where, key))
    return out


def year(value: Any, where: str, key: str = "year") -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise ParseError(f"{where}: {key} must be a whole number, not {value}")
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
            value = int(value.strip())
        else:
            raise ParseError(f"{where}: {key} must be a whole number, not {_kind(value)}")
    lo, hi = YEAR_RANGE
    if not lo <= value <= hi:
        shown = str(value) if len(str(value)) <= 12 else f"{str(value)[:12]}..."
        raise ParseError(f"{where}: {key} {shown} is not a year between {lo} and {hi}")
    return value


def link(value: Any, where: str, key: str) -> str | None:
    """A url or pdf_url: text starting http:// or https:// (as ``efmcat edit`` takes), or
    nothing; ``javascript:...`` or a bare host would be written into exports as links."""
    out = text(value, where, key)
    if out is None or out == "":
        return None
    if not LINK_RE.fullmatch(out):
        raise ParseError(f"{where}: {key} must be a link starting with http:// or https://, not {out[:80]!r}")
    return out


def kind(value: Any, where: str) -> str:
    """A record's kind: one the catalog knows (paper when none is given)."""
    from efmcat.catalog import KINDS

    out = text(value, where, "kind") or "paper"
    if out not in KINDS:
        raise ParseError(f"{where}: kind must be one of {', '.join(KINDS)}, not {out[:40]!r}")
    return out


def positive_int(value: Any, where: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ParseError(f"{where}: {key} must be a whole number from 1 to 1000, not {value!r}")
    return value


def catalog_id(value: Any, where: str) -> str:
    """An id as stored in the catalog: canonical (what ``efmcat show`` resolves it to)."""
    from efmcat.ids import parse_paper_id

    raw = text(value, where, "id")
    if raw is None or not raw.strip():
        raise ParseError(f"{where}: a paper needs an id")
    if any(ch.isspace() or ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in raw):
        raise ParseError(f"{where}: id {raw!r} holds spaces or control characters")
    try:
        canonical = parse_paper_id(raw)
    except InvalidIdError:
        raise ParseError(
            f"{where}: {raw!r} is not a paper id (an arXiv id, or openreview:, acl:, doi:, ieee:, url:, title:)"
        ) from None
    if canonical != raw and canonical == f"doi:{raw[4:].lower()}":
        return canonical  # a DOI with capitals (an export from before doi: ids were lowered)
    if canonical != raw:
        raise ParseError(f"{where}: id {raw!r} is not in its canonical form: write {canonical}")
    return raw


def user_data(rec: Any, where: str, pid: str) -> dict[str, Any]:
    """A record's user's own data, checked: ``status``, ``starred``, ``citekey`` and
    ``user_fields`` (the fields the user edited), as Paper's keyword arguments. The seeds
    YAML and efmcat's JSON records carry them alike."""
    from efmcat.catalog import USER_EDITABLE
    from efmcat.searchsql import STATUSES

    status = rec.get("status")
    if status is not None and status not in STATUSES:
        raise ParseError(f"{where}: status of {pid} must be one of {', '.join(STATUSES)}, got {status!r}")
    starred = rec.get("starred", False)
    if starred is None:
        starred = False
    if not isinstance(starred, bool):
        raise ParseError(f"{where}: starred of {pid} must be true or false, not {starred!r}")
    user_fields = text_list(rec.get("user_fields"), where, "user_fields")
    unknown = [f for f in user_fields if f not in USER_EDITABLE]
    if unknown:
        raise ParseError(
            f"{where}: user_fields of {pid} has fields that cannot be edited: {', '.join(unknown)}"
        )
    return {
        "status": status,
        "starred": starred,
        "citekey": citekey(rec.get("citekey"), where),
        "user_fields": user_fields,
    }


def citekey(value: Any, where: str) -> str | None:
    """A citekey the BibTeX export can write and read back as one key, or nothing."""
    out = text(value, where, "citekey") or None
    if out is not None and not CITEKEY_RE.fullmatch(out):
        raise ParseError(f"{where}: citekey {out[:80]!r} cannot hold spaces, commas, braces, quotes, % or #")
    return out


def notes(
    rec: Any, where: str, user_fields: list[str], *, numbers: bool = False, seeds: bool = True
) -> dict[str, Any]:
    """A record's ``note`` (the user's) and ``curator_note``, as Paper's keyword arguments.
    A ``note`` the user did not write (no "note" in ``user_fields``) in a record without a
    ``curator_note`` is the curators': the seeds write theirs so, as did exports before v6.
    ``seeds=False`` (efmcat's JSON records, which always carry ``user_fields``): only in a
    record that has ``user_fields`` (an export); a record written by hand keeps its note
    as the user's."""
    note = text(rec.get("note"), where, "note", numbers=numbers)
    curator = text(rec.get("curator_note"), where, "curator_note", numbers=numbers)
    exported = seeds or "user_fields" in rec
    if note and "note" not in user_fields and curator is None and "curator_note" not in rec and exported:
        note, curator = None, note
    return {"note": note, "curator_note": curator}


TAG_DECISION_KEYS = ("manual_tags", "implied_tags", "auto_tags", "removed_tags")


def known_tags(tags: list[str], where: str, taxonomy: Any) -> list[str]:
    """``tags``, each a node of ``taxonomy`` (ParseError naming the first that is not, as
    the seeds YAML reports it); None for a taxonomy takes them as they are."""
    for node in tags:
        if taxonomy is not None and node not in taxonomy:
            raise ParseError(f"{where}: {taxonomy.unknown_message(node)}")
    return tags


def tag_decisions(rec: Any, where: str, pid: str, taxonomy: Any = None) -> dict[str, Any]:
    """A record's ``tags`` and who decided them (efmcat exports write ``manual_tags``, of
    them the ``implied_tags`` a tagged subtopic implies, ``auto_tags`` and ``removed_tags``;
    ``tags`` are the effective ones), as Entry's keyword arguments: the curated ``tags``
    (neither manual nor automatic), the manual ones the user named (an import implies their
    areas again), the automatic ones, and the user's removals. Tags and removals must be
    nodes of ``taxonomy`` (when given). A record without the decision keys (an older
    export, a seeds file) keeps every tag as curated."""
    tags = known_tags(text_list(rec.get("tags"), where, "tags"), where, taxonomy)
    if not any(k in rec for k in TAG_DECISION_KEYS):
        return {"tags": tags, "auto_tag": False}
    manual, implied, auto, removed = (text_list(rec.get(k), where, k) for k in TAG_DECISION_KEYS)
    known_tags(removed, where, taxonomy)
    both = sorted(set(removed) & set(tags) - set(implied))  # implied over a removal: both
    if both:
        raise ParseError(f"{where}: {pid} has {both[0]} among both its tags and removed_tags")
    return {
        "tags": [t for t in tags if t not in manual and t not in auto],
        "manual_tags": [t for t in manual if t in tags and t not in implied],
        "auto_tags": [t for t in auto if t in tags],
        "removed_tags": removed,
        "auto_tag": False,  # the tagger's tags are written as the file has them (a Markdown
        # row has no abstract to tag from again): retag makes them its own
    }


SOURCE_KEYS = ("source", "locator", "title", "link", "section")


def source_rows(value: Any, where: str) -> list[dict[str, str | None]] | None:
    """A record's ``sources`` (efmcat's exports write them: the lists a paper is listed
    in), checked: each a mapping with a ``source`` and a ``locator``; None when absent."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise ParseError(f"{where}: sources must be a list, not {_kind(value)}")
    rows = []
    for row in value:
        if not isinstance(row, dict):
            raise ParseError(f"{where}: each of sources must be a mapping, not {_kind(row)}")
        clean = {k: text(row.get(k), where, f"sources' {k}", numbers=True) for k in SOURCE_KEYS}
        if not clean["source"] or not clean["locator"]:
            raise ParseError(f"{where}: each of sources needs a source and a locator")
        rows.append(clean)
    return rows
