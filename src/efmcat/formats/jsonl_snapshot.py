"""The arXiv metadata snapshot (JSON lines), read as a stream in constant memory.

Keys of the snapshot: id, title, authors (a string, or a list in trimmed copies), abstract,
categories (space-separated string or list), doi, journal-ref, comments, versions
(``[{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}]``), update_date,
authors_parsed (``[["Last", "First", ""], ...]``). Lines are parsed one at a time; a
line that is not a JSON object with an id and a title raises ParseError naming it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from efmcat.errors import ParseError
from efmcat.ids import try_parse_arxiv_id
from efmcat.importer import Entry, FileReport
from efmcat.models import Paper

_CREATED = re.compile(r"^\w{3}, (\d{1,2}) (\w{3}) (\d{4}) ")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_SPLIT_AUTHORS = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
MAX_LINE = 1_000_000  # characters in one record (arXiv's longest are ~10 KB)


def _authors(rec: dict[str, Any]) -> list[str]:
    parsed = rec.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        out = []
        for p in parsed:
            if isinstance(p, list) and p:
                last = p[0] or ""
                first = p[1] if len(p) > 1 and p[1] else ""
                suffix = p[2] if len(p) > 2 and p[2] else ""
                out.append(" ".join(x for x in (first, last, suffix) if x).strip())
        return [a for a in out if a]
    authors = rec.get("authors")
    if isinstance(authors, list):
        return [" ".join(str(a).split()) for a in authors if str(a).strip()]
    if isinstance(authors, str) and authors.strip():
        return [a.strip() for a in _SPLIT_AUTHORS.split(" ".join(authors.split())) if a.strip()]
    return []


def _published(rec: dict[str, Any]) -> str | None:
    if rec.get("published"):
        return str(rec["published"])
    versions = rec.get("versions")
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        created = versions[0].get("created")
        if created:
            m = _CREATED.match(created)
            if m and m.group(2) in _MONTHS:
                return f"{m.group(3)}-{_MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}"
            try:
                return parsedate_to_datetime(created).date().isoformat()
            except (TypeError, ValueError):
                return None
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = " ".join(str(value).split())
    return s or None


def record_to_paper(rec: dict[str, Any], where: str, source: str) -> Paper:
    raw_id = rec.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise ParseError(f"{where}: a record needs an 'id'")
    parsed = try_parse_arxiv_id(raw_id)
    if parsed is None:
        raise ParseError(f"{where}: not an arXiv id: {raw_id}")
    title = _text(rec.get("title"))
    if not title:
        raise ParseError(f"{where}: record {parsed.id} has no title")
    cats = rec.get("categories")
    categories = cats.split() if isinstance(cats, str) else [str(c) for c in cats or []]
    published = _published(rec)
    versions = rec.get("versions")
    version = parsed.version or (len(versions) if isinstance(versions, list) and versions else None)
    year = int(published[:4]) if published and published[:4].isdigit() else None
    if year is None and not parsed.is_old_style:
        year = 2000 + int(parsed.id[:2])
    elif year is None:
        yy = int(parsed.id.split("/")[1][:2])
        year = (1900 if yy > 90 else 2000) + yy
    return Paper(
        id=parsed.id,
        title=title,
        version=version,
        authors=_authors(rec),
        abstract=_text(rec.get("abstract")),
        year=year,
        published=published,
        updated=_text(rec.get("update_date")) or _text(rec.get("updated")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        doi=_text(rec.get("doi")),
        journal_ref=_text(rec.get("journal-ref") or rec.get("journal_ref")),
        comment=_text(rec.get("comments") or rec.get("comment")),
        url=f"https://arxiv.org/abs/{parsed.id}",
        pdf_url=f"https://arxiv.org/pdf/{parsed.id}",
        source=source,
        verified=True,
    )


def iter_snapshot(path: Path, report: FileReport | None = None) -> Iterator[Entry]:
    """Entries of a snapshot file, one line at a time."""
    name = path.name
    loads = json.loads
    try:
        fh = path.open("r", encoding="utf-8-sig")
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with fh:
        line_no = 0
        while True:
            try:
                line = fh.readline(MAX_LINE + 1)
            except UnicodeDecodeError as exc:
                raise ParseError(f"{path}:{line_no + 1}: not UTF-8 text") from exc
            if not line:
                return
            line_no += 1
            if len(line) > MAX_LINE:
                raise ParseError(f"{path}:{line_no}: line longer than {MAX_LINE} characters")
            if not line.strip():
                continue
            try:
                rec = loads(line)
            except ValueError as exc:
                raise ParseError(f"{path}:{line_no}: not a JSON object: {exc}") from exc
            except RecursionError as exc:
                raise ParseError(f"{path}:{line_no}: JSON nested too deeply") from exc
            if not isinstance(rec, dict):
                raise ParseError(f"{path}:{line_no}: not a JSON object")
            paper = record_to_paper(rec, f"{path}:{line_no}", name)
            yield Entry(paper=paper, line=line_no, link=paper.url)
