"""The seeds format: human-editable YAML lists of papers with curated tags and provenance.

A seeds file is a mapping with ``source`` (a short name such as ``survey``) and
``papers``, a list of mappings with the Paper fields plus ``tags``, ``sections``,
``link`` and ``rows`` (where the paper was listed). See seeds/survey.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from efmcat import validate as V
from efmcat.errors import ParseError
from efmcat.ids import paper_id_from_link
from efmcat.models import Paper, with_et_al
from efmcat.yamlio import load_with_lines

_PAPER_KEYS = {
    "id", "title", "year", "link", "authors", "abstract", "published", "updated", "categories",
    "primary_category", "doi", "journal_ref", "comment", "url", "pdf_url", "version", "tags",
    "sections", "verified", "note", "curator_note", "rows", "venue", "kind", "provenance", "moved_from", "status", "starred",
    "citekey", "user_fields", "source", "added_at", *V.TAG_DECISION_KEYS,
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
    # Who decided the tags, where an efmcat export says (validate.tag_decisions): Entry's
    # tags, manual_tags, removed_tags and auto_tag; empty for a seeds file (tags curated).
    decisions: dict[str, Any] = field(default_factory=dict)


def _str_list(value: Any, where: str, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise ParseError(f"{where}: '{key}' must be a list of strings")
    return [str(v) for v in value]


def _added_at(value: Any, where: str) -> str | None:
    """When a paper was added, as the catalog writes it (2024-09-03T00:00:00Z); YAML reads an
    unquoted date or time written by hand as a date, which is taken as that day or moment."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc) if value.tzinfo else value
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00Z"
    return V.text(value, where, "added_at") or None


def parse_seeds(text: str, source_name: str = "<seeds>") -> tuple[str, list[SeedPaper]]:
    """Parse seeds YAML; ParseError names the file and line at fault."""
    data = load_with_lines(text, source_name, ParseError)
    if not isinstance(data, dict) or not isinstance(data.get("papers"), list):
        raise ParseError(f"{source_name}:1: a seeds file is a mapping with a list 'papers'")
    source = V.text(data.get("source"), f"{source_name}:1", "source", numbers=True) or Path(source_name).stem
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
        link = V.link(raw.get("link"), where, "link")
        if pid is None and link:
            pid = paper_id_from_link(link)
        if pid is None or (isinstance(pid, str) and not pid.strip()):
            raise ParseError(f"{where}: a paper needs an id (or a link to derive one)")
        if isinstance(pid, float):  # an unquoted new-style id: 2210.17323 reads as a number
            raise ParseError(f"{where}: id {pid!r} must be quoted text ('{pid}')")
        pid = V.catalog_id(str(pid).strip() if isinstance(pid, (str, int)) else pid, where)
        title = V.text(raw.get("title"), where, "title", numbers=True)
        if title is None or not title.strip():
            raise ParseError(f"{where}: paper {pid} needs a title")
        year = V.year(raw.get("year"), where)
        mine = V.user_data(raw, where, pid)
        is_arxiv = ":" not in pid
        abstract = V.text(raw.get("abstract"), where, "abstract")
        verified = raw.get("verified", True)
        if not isinstance(verified, bool):
            raise ParseError(f"{where}: verified must be true or false, not {verified!r}")
        paper = Paper(
            id=pid,
            title=" ".join(title.split()),
            version=V.positive_int(raw.get("version"), where, "version"),
            authors=with_et_al(V.text_list(raw.get("authors"), where, "authors")),
            abstract=" ".join(abstract.split()) if abstract else None,
            year=year,
            published=V.text(raw.get("published"), where, "published", numbers=True) or None,
            updated=V.text(raw.get("updated"), where, "updated", numbers=True) or None,
            categories=V.text_list(raw.get("categories"), where, "categories"),
            primary_category=V.text(raw.get("primary_category"), where, "primary_category"),
            doi=V.text(raw.get("doi"), where, "doi"),
            journal_ref=V.text(raw.get("journal_ref"), where, "journal_ref", numbers=True),
            comment=V.text(raw.get("comment"), where, "comment", numbers=True),
            url=V.link(raw.get("url"), where, "url")
            or (f"https://arxiv.org/abs/{pid}" if is_arxiv else link),
            pdf_url=V.link(raw.get("pdf_url"), where, "pdf_url")
            or (f"https://arxiv.org/pdf/{pid}" if is_arxiv else None),
            # a backup (efmcat's YAML export) names each paper's first source and when it was
            # added; a seeds file names its source once, for every paper
            source=V.text(raw.get("source"), where, "source", numbers=True) or source,
            added_at=_added_at(raw.get("added_at"), where),
            verified=verified,
            venue=V.text(raw.get("venue"), where, "venue", numbers=True) or None,
            kind=V.kind(raw.get("kind"), where),
            **mine,
            **V.notes(raw, where, mine["user_fields"], numbers=True),
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
        tags = V.text_list(raw.get("tags"), where, "tags")
        decided = any(k in raw for k in V.TAG_DECISION_KEYS)
        out.append(
            SeedPaper(
                paper=paper,
                tags=tags,
                decisions=V.tag_decisions(raw, where, paper.id) if decided else {},
                sections=V.text_list(raw.get("sections"), where, "sections"),
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
