"""The seeds format: human-editable YAML lists of papers with curated tags and provenance.

A seeds file is a mapping with ``source`` (a short name such as ``survey``) and
``papers``, a list of mappings with the Paper fields plus ``tags``, ``sections``,
``link`` and ``rows`` (where the paper was listed). See seeds/survey.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from efmcat.catalog import STATUSES, USER_EDITABLE
from efmcat.errors import ParseError
from efmcat.ids import paper_id_from_link
from efmcat.models import Paper
from efmcat.yamlio import load_with_lines

_PAPER_KEYS = {
    "id", "title", "year", "link", "authors", "abstract", "published", "updated", "categories",
    "primary_category", "doi", "journal_ref", "comment", "url", "pdf_url", "version", "tags",
    "sections", "verified", "note", "rows", "venue", "kind", "provenance", "moved_from", "status", "starred",
    "citekey", "user_fields",
}  # fmt: skip


@dataclass
class SeedPaper:
    paper: Paper
    tags: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    line: int = 0
    provenance: dict[str, str] = field(default_factory=dict)
    moved_from: list[str] = field(default_factory=list)  # ids an earlier release shipped it under


def _str_list(value: Any, where: str, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ParseError(f"{where}: '{key}' must be a list of strings")
    return [str(v) for v in value]


def parse_seeds(text: str, source_name: str = "<seeds>") -> tuple[str, list[SeedPaper]]:
    """Parse seeds YAML; ParseError names the file and line at fault."""
    data = load_with_lines(text, source_name, ParseError)
    if not isinstance(data, dict) or not isinstance(data.get("papers"), list):
        raise ParseError(f"{source_name}:1: a seeds file is a mapping with a list 'papers'")
    source = str(data.get("source") or Path(source_name).stem)
    out: list[SeedPaper] = []
    for raw in data["papers"]:
        if not isinstance(raw, dict):
            raise ParseError(f"{source_name}: each paper must be a mapping, got {raw!r}")
        line = raw.pop("__line__", 0)
        where = f"{source_name}:{line}"
        unknown = set(raw) - _PAPER_KEYS
        if unknown:
            raise ParseError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        pid = raw.get("id")
        if pid is None and raw.get("link"):
            pid = paper_id_from_link(str(raw["link"]))
        if pid is None or not str(pid).strip():
            raise ParseError(f"{where}: a paper needs an id (or a link to derive one)")
        title = raw.get("title")
        if title is None or not str(title).strip():
            raise ParseError(f"{where}: paper {pid} needs a title")
        year = raw.get("year")
        if year is not None and not isinstance(year, int):
            raise ParseError(f"{where}: year of {pid} must be a whole number, got {year!r}")
        link = raw.get("link")
        pid = str(pid).strip()
        status = raw.get("status")
        if status is not None and status not in STATUSES:
            raise ParseError(f"{where}: status of {pid} must be one of {', '.join(STATUSES)}, got {status!r}")
        user_fields = _str_list(raw.get("user_fields"), where, "user_fields")
        unknown_fields = [f for f in user_fields if f not in USER_EDITABLE]
        if unknown_fields:
            raise ParseError(
                f"{where}: user_fields of {pid} has fields that cannot be edited: {', '.join(unknown_fields)}"
            )
        is_arxiv = ":" not in pid
        paper = Paper(
            id=pid,
            title=" ".join(str(title).split()),
            version=raw.get("version"),
            authors=_str_list(raw.get("authors"), where, "authors"),
            abstract=" ".join(str(raw["abstract"]).split()) if raw.get("abstract") else None,
            year=year,
            published=str(raw["published"]) if raw.get("published") else None,
            updated=str(raw["updated"]) if raw.get("updated") else None,
            categories=_str_list(raw.get("categories"), where, "categories"),
            primary_category=raw.get("primary_category"),
            doi=raw.get("doi"),
            journal_ref=raw.get("journal_ref"),
            comment=raw.get("comment"),
            url=raw.get("url") or (f"https://arxiv.org/abs/{pid}" if is_arxiv else link),
            pdf_url=raw.get("pdf_url") or (f"https://arxiv.org/pdf/{pid}" if is_arxiv else None),
            source=source,
            verified=bool(raw.get("verified", True)),
            note=raw.get("note"),
            venue=str(raw["venue"]) if raw.get("venue") else None,
            kind=str(raw.get("kind") or "paper"),
            status=status,
            starred=bool(raw.get("starred", False)),
            citekey=str(raw["citekey"]) if raw.get("citekey") else None,
            user_fields=user_fields,
        )
        rows = raw.get("rows") or []
        if not isinstance(rows, list):
            raise ParseError(f"{where}: 'rows' must be a list")
        clean_rows = [{k: v for k, v in r.items() if k != "__line__"} for r in rows if isinstance(r, dict)]
        if clean_rows and clean_rows[0].get("source") and source == "lists":
            paper.source = str(clean_rows[0]["source"])  # the list that has it first
        provenance = raw.get("provenance") or {}
        if not isinstance(provenance, dict):
            raise ParseError(f"{where}: 'provenance' must be a mapping of field to source")
        out.append(
            SeedPaper(
                paper=paper,
                tags=_str_list(raw.get("tags"), where, "tags"),
                sections=_str_list(raw.get("sections"), where, "sections"),
                rows=clean_rows,
                line=line,
                provenance={str(k): str(v) for k, v in provenance.items() if k != "__line__"},
                moved_from=_str_list(raw.get("moved_from"), where, "moved_from"),
            )
        )
    return source, out


def read_seeds(path: str | Path) -> tuple[str, list[SeedPaper]]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"cannot read {p}: {exc}") from exc
    return parse_seeds(text, str(p))
