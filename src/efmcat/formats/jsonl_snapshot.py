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

from efmcat import validate as V
from efmcat.entries import Entry
from efmcat.errors import ParseError, json_error_reason
from efmcat.formats.json_format import is_efmcat_record, record_to_entry
from efmcat.ids import try_parse_arxiv_id
from efmcat.models import Paper, with_et_al
from efmcat.taxonomy import Taxonomy
from efmcat.validate import YEAR_RANGE

_CREATED = re.compile(r"^\w{3}, (\d{1,2}) (\w{3}) (\d{4}) ")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_SPLIT_AUTHORS = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
MAX_LINE = 1_000_000  # characters in one record (arXiv's longest are ~10 KB)


def _authors(rec: dict[str, Any], where: str) -> list[str]:
    parsed = rec.get("authors_parsed")
    if parsed is not None and not isinstance(parsed, list):
        raise ParseError(f"{where}: authors_parsed must be a list of [last, first, suffix] lists")
    if parsed:
        out = []
        for p in parsed:
            if not isinstance(p, list):
                raise ParseError(f"{where}: authors_parsed must be a list of [last, first, suffix] lists")
            parts = V.text_list(p, where, "authors_parsed")
            if parts:
                last = parts[0] or ""
                first = parts[1] if len(parts) > 1 and parts[1] else ""
                suffix = parts[2] if len(parts) > 2 and parts[2] else ""
                out.append(" ".join(x for x in (first, last, suffix) if x).strip())
        return with_et_al(a for a in out if a)
    authors = rec.get("authors")
    if isinstance(authors, list):
        return with_et_al(" ".join(a.split()) for a in V.text_list(authors, where, "authors") if a.strip())
    authors = V.text(authors, where, "authors")
    if authors and authors.strip():
        return with_et_al(a.strip() for a in _SPLIT_AUTHORS.split(" ".join(authors.split())) if a.strip())
    return []


def _published(rec: dict[str, Any], where: str) -> str | None:
    published = V.text(rec.get("published"), where, "published")
    if published:
        return published
    versions = rec.get("versions")
    if versions is not None and not isinstance(versions, list):
        raise ParseError(f"{where}: versions must be a list, not {type(versions).__name__}")
    if versions:
        first = versions[0]
        if not isinstance(first, dict):
            raise ParseError(f"{where}: versions must be a list of {{version, created}} objects")
        created = V.text(first.get("created"), where, "versions created")
        if created:
            m = _CREATED.match(created)
            if m and m.group(2) in _MONTHS:
                return f"{m.group(3)}-{_MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}"
            try:
                return parsedate_to_datetime(created).date().isoformat()
            except (TypeError, ValueError, OverflowError):
                return None
    return None


def _text(rec: dict[str, Any], key: str, where: str) -> str | None:
    value = V.text(rec.get(key), where, key)
    if value is None:
        return None
    s = " ".join(value.split())
    return s or None


def record_to_paper(rec: dict[str, Any], where: str, source: str) -> Paper:
    raw_id = rec.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        raise ParseError(f"{where}: a record needs an 'id' (text)")
    parsed = try_parse_arxiv_id(raw_id)
    if parsed is None:
        raise ParseError(f"{where}: not an arXiv id: {raw_id}")
    title = _text(rec, "title", where)
    if not title:
        raise ParseError(f"{where}: record {parsed.id} has no title")
    cats = rec.get("categories")
    categories = cats.split() if isinstance(cats, str) else V.text_list(cats, where, "categories")
    published = _published(rec, where)
    versions = rec.get("versions")
    version = parsed.version or (len(versions) if isinstance(versions, list) and versions else None)
    year = int(published[:4]) if published and published[:4].isdigit() else None
    if year is None:
        year = parsed.year
    year = V.year(year, where, "year (from published)")
    return Paper(
        id=parsed.id,
        title=title,
        version=version,
        authors=_authors(rec, where),
        abstract=_text(rec, "abstract", where),
        year=year,
        published=published,
        updated=_text(rec, "update_date", where) or _text(rec, "updated", where),
        categories=categories,
        primary_category=categories[0] if categories else None,
        doi=_text(rec, "doi", where),
        journal_ref=_text(rec, "journal-ref", where) or _text(rec, "journal_ref", where),
        comment=_text(rec, "comments", where) or _text(rec, "comment", where),
        url=f"https://arxiv.org/abs/{parsed.id}",
        pdf_url=f"https://arxiv.org/pdf/{parsed.id}",
        source=source,
        verified=True,
    )


_TEXT_KEYS = (
    "abstract",
    "update_date",
    "updated",
    "doi",
    "journal-ref",
    "journal_ref",
    "comments",
    "comment",
)


def _plain_paper(rec: dict[str, Any], source: str) -> Paper | None:
    """The Paper of a record of the usual shape, or None: the caller takes the general path
    (record_to_paper), which gives the same Paper or names what is wrong. Usual: text where
    the snapshot has text, categories as a string, authors_parsed as [last, first, suffix]
    lists of text, the first version's date in arXiv's format, no ``published``. The caller
    knows that no string holds a lone surrogate (its line has no \\ud escape). A test holds
    the two paths equal."""
    raw_id, title = rec.get("id"), rec.get("title")
    cats, parsed_authors, versions = rec.get("categories"), rec.get("authors_parsed"), rec.get("versions")
    if (
        type(raw_id) is not str
        or type(title) is not str
        or type(cats) is not str
        or type(parsed_authors) is not list
        or not parsed_authors
        or type(versions) is not list
        or not versions
        or rec.get("published") is not None
    ):
        return None
    parsed = try_parse_arxiv_id(raw_id)
    title = " ".join(title.split())
    first = versions[0]
    if parsed is None or not title or type(first) is not dict:
        return None
    created = first.get("created")
    m = _CREATED.match(created) if type(created) is str else None
    if m is None or m.group(2) not in _MONTHS:
        return None
    published = f"{m.group(3)}-{_MONTHS[m.group(2)]:02d}-{int(m.group(1)):02d}"
    year = int(published[:4])
    if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        return None
    text: dict[str, str | None] = {}
    for key in _TEXT_KEYS:
        value = rec.get(key)
        if value is not None:
            if type(value) is not str:
                return None
            value = " ".join(value.split()) or None
        text[key] = value
    authors = []
    for a in parsed_authors:
        if type(a) is not list or len(a) != 3:
            return None
        last, given, suffix = a
        if type(last) is not str or type(given) is not str or type(suffix) is not str:
            return None
        name = " ".join(x for x in (given, last, suffix) if x).strip()
        if name:
            authors.append(name)
    categories = cats.split()
    return Paper(
        id=parsed.id,
        title=title,
        version=parsed.version or len(versions),
        authors=with_et_al(authors),
        abstract=text["abstract"],
        year=year,
        published=published,
        updated=text["update_date"] or text["updated"],
        categories=categories,
        primary_category=categories[0] if categories else None,
        doi=text["doi"],
        journal_ref=text["journal-ref"] or text["journal_ref"],
        comment=text["comments"] or text["comment"],
        url=f"https://arxiv.org/abs/{parsed.id}",
        pdf_url=f"https://arxiv.org/pdf/{parsed.id}",
        source=source,
        verified=True,
    )


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON-lines file with their numbers (from 1), one at a time;
    ParseError names a line that is not UTF-8 or longer than MAX_LINE."""
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
            if line.strip():
                yield line_no, line


def parse_line(line: str, line_no: int, path: Path, taxonomy: Taxonomy | None = None) -> Entry:
    """The entry of one line: an arXiv snapshot record or a record of efmcat's own JSON lines."""
    try:
        rec = json.loads(line)
    except ValueError as exc:
        raise ParseError(
            f"{path}:{line_no}: not a JSON object: {json_error_reason(exc, one_line=True)}"
        ) from exc
    except RecursionError as exc:
        raise ParseError(f"{path}:{line_no}: JSON nested too deeply") from exc
    if not isinstance(rec, dict):
        raise ParseError(f"{path}:{line_no}: not a JSON object")
    if is_efmcat_record(rec):  # efmcat's own --format jsonl
        return record_to_entry(rec, f"{path}:{line_no}", line_no, taxonomy)
    # A lone surrogate can only come from a \ud... escape: without one, no text needs that check.
    paper = None if "\\ud" in line or "\\uD" in line else _plain_paper(rec, path.name)
    if paper is None:
        paper = record_to_paper(rec, f"{path}:{line_no}", path.name)
    return Entry(paper=paper, line=line_no, link=paper.url)


def iter_snapshot(path: Path, taxonomy: Taxonomy | None = None) -> Iterator[Entry]:
    """Entries of a snapshot file (or of efmcat's own JSON lines), one line at a time."""
    for line_no, line in read_lines(path):
        yield parse_line(line, line_no, path, taxonomy)
