"""CSV export that opens safely in a spreadsheet.

Lists are joined with ``; ``. A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return would run as a formula in Excel or LibreOffice: it gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from efmcat.models import named_authors
from efmcat.taxonomy import Taxonomy

COLUMNS = (
    "id", "arxiv_id", "version", "title", "authors", "year", "published", "updated", "categories",
    "primary_category", "doi", "journal_ref", "venue", "url", "pdf_url", "tags", "areas",
    "status", "starred", "note", "curator_note", "abstract",
)  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # a star: 1 or 0, as SQL and spreadsheets count it
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if text.startswith(_FORMULA):
        return "'" + text
    return text


def _authors(rec: Mapping[str, Any]) -> list[str]:
    """The authors' cell: an incomplete list ends "et al." (efmcat stores BibTeX's "others")."""
    names, more = named_authors(rec.get("authors") or [])
    return [*names, "et al."] if more else names


def render(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy | None = None) -> str:
    buf = io.StringIO()
    write(records, buf)
    return buf.getvalue()


def write(records: Iterable[Mapping[str, Any]], out: IO[str], taxonomy: Taxonomy | None = None) -> int:
    """``render`` written to ``out`` a record at a time; the number of records."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for rec in records:
        writer.writerow([safe_cell(_authors(rec) if c == "authors" else rec.get(c)) for c in COLUMNS])
        n += 1
    return n
