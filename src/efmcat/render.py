"""Turning records into text: JSON, tables for a terminal, plain tab-separated lines for pipes.

Rich is imported only when output goes to a terminal; piped output has no colour and no
box-drawing, one paper per line, tab-separated, so ``cut``/``awk``/``sort`` work on it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any

from efmcat.textsafe import _clean, no_match, paper_row, paper_rows, term, write_papers_plain  # noqa: F401

# What JSON (with ensure_ascii=False) leaves raw and a terminal may act on.
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def write_text(text: str, out: IO[str] | None = None) -> None:
    """Human-readable text to stdout (or ``out``), sanitised for the terminal."""
    (out or sys.stdout).write(term(text, multiline=True))


def count(n: int, noun: str) -> str:
    """``1 paper``, ``2 papers``: a number and its noun (plural by adding 's')."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def dumps_json(data: Any, indent: int | None = 2) -> str:
    """JSON text; characters a terminal could act on are written as ``\\uXXXX`` escapes
    (the same JSON value, so nothing is lost)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def write_json(data: Any, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    out.write(dumps_json(data) + "\n")


def emit_papers(
    records: Sequence[Mapping[str, Any]],
    as_json: bool,
    *,
    with_score: bool = False,
    empty: str,
    say: Callable[[str], None],
    terminal: bool = False,
) -> None:
    """Papers to stdout as JSON, a table (terminal) or tab-separated lines; ``empty`` via ``say``."""
    if as_json:
        write_json(records)
    elif not records:
        say(empty)
    elif terminal:
        print_papers_table(records, with_score=with_score)
    else:
        write_papers_plain(records, sys.stdout, with_score=with_score)


def similar_rows(records: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """score, id, year, title, and why: the shared terms, then the shared tags."""
    rows = []
    for r in records:
        why = ", ".join(r.get("shared_terms") or [])
        if r.get("shared_tags"):
            why += ("; " if why else "") + "tags: " + ", ".join(r["shared_tags"])
        rows.append([f"{r.get('score', 0):.2f}", r["id"], str(r.get("year") or ""), _clean(r["title"]), why])
    return rows


def emit_similar(records: Sequence[Mapping[str, Any]], *, terminal: bool = False) -> None:
    """Similar papers as a table (terminal) or tab-separated lines."""
    rows = similar_rows(records)
    if not terminal:
        for row in rows:
            sys.stdout.write("\t".join(row) + "\n")
        return
    from rich import box
    from rich.table import Table

    from efmcat.cli._app import out_console

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Score", justify="right", style="dim", no_wrap=True)
    table.add_column("ID", style="cyan", no_wrap=True)
    table.add_column("Year", justify="right", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=2)
    table.add_column("Shared", style="green", overflow="fold", ratio=1)
    for row in rows:
        table.add_row(*row)
    out_console().print(table)


def print_papers_table(
    records: Sequence[Mapping[str, Any]], title: str | None = None, with_score: bool = False
):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from efmcat.cli._app import out_console

    table = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title_justify="left")
    if with_score:
        table.add_column("Score", justify="right", style="dim", no_wrap=True)
    table.add_column("ID", style="cyan", no_wrap=True)
    table.add_column("Year", justify="right", no_wrap=True)
    table.add_column("Title", overflow="fold", ratio=1)
    table.add_column("Areas", style="green", overflow="fold")
    for row in paper_rows(records, with_score):
        table.add_row(*(Text(cell) for cell in row))  # Text: a title is never read as markup
    out_console().print(table)


def show_plain(record: Mapping[str, Any], sources: Iterable[Mapping[str, Any]] = ()) -> str:
    """A paper as labelled lines (the same text on a terminal and in a pipe)."""
    lines = [_clean(record["title"]), ""]

    def add(label: str, value: Any) -> None:
        if value in (None, "", []):
            return
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        lines.append(f"{label + ':':<12} {_clean(value)}")

    arxiv = record.get("arxiv_id")
    add("ID", str(record["id"]) + (f"v{record['version']}" if arxiv and record.get("version") else ""))
    add("Authors", record.get("authors"))
    add("Year", record.get("year"))
    add("Published", record.get("published"))
    add("Updated", record.get("updated"))
    add("Categories", record.get("categories"))
    add("DOI", record.get("doi"))
    add("Journal", record.get("journal_ref"))
    add("Venue", record.get("venue"))
    add("Comment", record.get("comment"))
    add("URL", record.get("url"))
    add("PDF", record.get("pdf_url"))
    add("Areas", record.get("areas"))
    add("Tags", record.get("tags"))
    if not record.get("verified", True):
        add("Verified", "no")
    add("Status", record.get("status"))
    if record.get("starred"):
        add("Starred", "yes")
    add("Citekey", record.get("citekey"))
    add("Note", record.get("note"))
    if record.get("user_fields"):
        add("Yours", ", ".join(record["user_fields"]) + " (edited by you: refresh and imports keep them)")
    for s in sources:
        where = f"{s['source']}" + (f" {s['locator']}" if s.get("locator") else "")
        extra = f" [{s['section']}]" if s.get("section") else ""
        add("Listed in", f"{where}{extra}")
    if record.get("abstract"):
        import textwrap

        lines.append("")
        lines.extend(textwrap.wrap(_clean(record["abstract"]), width=88))
    return "\n".join(lines) + "\n"


def bar_chart(counts: Sequence[tuple[str, int]], width: int = 40, char: str = "█") -> list[str]:
    """Horizontal bars scaled to the largest count: ``label  ███████ 12``."""
    if not counts:
        return []
    top = max(c for _, c in counts) or 1
    label_w = max(len(label) for label, _ in counts)
    num_w = max(len(str(c)) for _, c in counts)
    lines = []
    for label, count in counts:
        n = round(count / top * width) if count else 0
        if count and n == 0:
            n = 1
        lines.append(f"{label:<{label_w}}  {count:>{num_w}} {char * n}")
    return lines
