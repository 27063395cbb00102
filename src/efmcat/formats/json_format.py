"""JSON exports: ``render`` (one array, for scripts) and ``render_lines`` (JSON lines)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from efmcat.models import with_et_al
from efmcat.taxonomy import Taxonomy


def render(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy | None = None) -> str:
    return json.dumps(list(records), indent=2, ensure_ascii=False) + "\n"


def render_lines(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy | None = None) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write(records: Iterable[Mapping[str, Any]], out: IO[str], taxonomy: Taxonomy | None = None) -> int:
    """``render`` written to ``out`` a record at a time (the same text); the number of records."""
    from efmcat.render import dumps_indented

    n = 0
    for rec in records:
        text = dumps_indented(rec, 1)
        out.write(("[\n  " if n == 0 else ",\n  ") + text)
        n += 1
    out.write("\n]\n" if n else "[]\n")
    return n


def write_lines(records: Iterable[Mapping[str, Any]], out: IO[str], taxonomy: Taxonomy | None = None) -> int:
    """``render_lines`` written to ``out`` a record at a time; the number of records."""
    n = 0
    for rec in records:
        out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n += 1
    return n


# -- import: efmcat's own records (what show --json and these exports write) -----------------
def is_efmcat_record(rec: Mapping[str, Any]) -> bool:
    """A record written by efmcat (it has ``arxiv_id``), not a line of arXiv's snapshot."""
    return "arxiv_id" in rec


def record_to_entry(rec: Mapping[str, Any], where: str, line: int, taxonomy: Taxonomy | None = None):
    """An efmcat record as an import Entry: every field kept as exported, tags and the
    user's own data (status, star, citekey, edited fields) included."""
    from efmcat import validate as V
    from efmcat.entries import Entry
    from efmcat.errors import ParseError
    from efmcat.models import Paper

    pid = V.catalog_id(rec.get("id"), where)
    title = V.text(rec.get("title"), where, "title")
    if not title or not title.strip():
        raise ParseError(f"{where}: paper {pid} needs a title")
    verified = rec.get("verified", True)
    if not isinstance(verified, bool):
        raise ParseError(f"{where}: verified must be true or false, not {verified!r}")
    mine = V.user_data(rec, where, pid)
    notes = V.notes(rec, where, mine["user_fields"], seeds=False)
    if notes["note"] and "note" not in mine["user_fields"]:  # a note written by hand is the user's
        mine["user_fields"] = [*mine["user_fields"], "note"]
    paper = Paper(
        id=pid,
        version=V.positive_int(rec.get("version"), where, "version"),
        title=title,
        authors=with_et_al(V.text_list(rec.get("authors"), where, "authors")),
        abstract=V.text(rec.get("abstract"), where, "abstract"),
        year=V.year(rec.get("year"), where),
        published=V.text(rec.get("published"), where, "published"),
        updated=V.text(rec.get("updated"), where, "updated"),
        categories=V.text_list(rec.get("categories"), where, "categories"),
        primary_category=V.text(rec.get("primary_category"), where, "primary_category"),
        doi=V.text(rec.get("doi"), where, "doi"),
        journal_ref=V.text(rec.get("journal_ref"), where, "journal_ref"),
        comment=V.text(rec.get("comment"), where, "comment"),
        url=V.link(rec.get("url"), where, "url"),
        pdf_url=V.link(rec.get("pdf_url"), where, "pdf_url"),
        source=V.text(rec.get("source"), where, "source"),
        verified=verified,
        venue=V.text(rec.get("venue"), where, "venue"),
        kind=V.kind(rec.get("kind"), where),
        added_at=V.text(rec.get("added_at"), where, "added_at"),
        **mine,
        **notes,
    )
    sources = V.source_rows(rec.get("sources"), where)
    return Entry(
        paper=paper, line=line, link=paper.url, sources=sources, **V.tag_decisions(rec, where, pid, taxonomy)
    )


def parse_json(text: str, name: str, path: str, taxonomy: Taxonomy):
    """A JSON array of records (efmcat's ``--format json``, or arXiv snapshot objects)."""
    import json as _json

    from efmcat.entries import Entry, ParseResult
    from efmcat.errors import ParseError, json_error_reason
    from efmcat.formats.jsonl_snapshot import record_to_paper

    try:
        data = _json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 1)
        raise ParseError(f"{path}:{line}: not valid JSON: {json_error_reason(exc)}") from exc
    except RecursionError as exc:
        raise ParseError(f"{path}: JSON nested too deeply") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ParseError(f"{path}:1: a JSON import is an array of paper objects")
    lines = _object_lines(text, len(data))
    result = ParseResult(source=name)
    for i, rec in enumerate(data):
        line = lines[i] if i < len(lines) else 1
        where = f"{path}:{line}"
        if not isinstance(rec, dict):
            raise ParseError(f"{where}: item {i + 1} is not a JSON object")
        if is_efmcat_record(rec):
            result.entries.append(record_to_entry(rec, where, line, taxonomy))
        else:
            paper = record_to_paper(rec, where, name)
            result.entries.append(Entry(paper=paper, line=line, link=paper.url))
        result.rows += 1
    return result


def _object_lines(text: str, count: int) -> list[int]:
    """Line numbers of the top-level objects of a JSON array (for file:line errors)."""
    import json as _json

    decoder = _json.JSONDecoder()
    out: list[int] = []
    pos = text.find("[")
    if pos < 0:
        return out
    pos += 1
    n = len(text)
    line, counted = 1, 0  # the line at offset ``counted``: newlines are counted once, onward
    while len(out) < count and pos < n:
        while pos < n and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= n or text[pos] == "]":
            break
        line += text.count("\n", counted, pos)
        counted = pos
        out.append(line)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except ValueError:
            break
    return out
