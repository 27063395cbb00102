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

# Characters a terminal may act on instead of showing: C0 controls (ESC starts escape
# sequences, BEL ends OSC titles), DEL, C1 controls (U+009B is an 8-bit CSI), bidi
# overrides and isolates, zero-width and line/paragraph separators, lone surrogates
# (which cannot even be encoded). Shown as visible escapes: ``\x1b``, ``\u202e``.
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
_UNSAFE_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
# What JSON (with ensure_ascii=False) leaves raw and a terminal may act on.
_UNSAFE_JSON = re.compile("[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def term(text: Any, *, multiline: bool = False) -> str:
    """Text safe to show on a terminal: every control or escape character made visible.

    The one sanitiser for everything efmcat prints for people (tables, ``show``, messages,
    errors); stored data is never changed. ``multiline`` keeps newlines and tabs."""
    s = "" if text is None else str(text)
    return (_UNSAFE_TEXT if multiline else _UNSAFE_LINE).sub(_visible, s)


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


def dumps_indented(obj: Any, level: int = 0) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)``, the same text, for the records efmcat
    writes (dicts with text keys, lists, text, numbers, booleans, null): with an indent the
    json module uses its pure-Python encoder, 5-10x slower on a million records."""
    if isinstance(obj, str):
        return _encode_text(obj)
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if type(obj) is int:
        return int.__repr__(obj)
    if type(obj) is float:
        return json.dumps(obj)
    if type(obj) is dict and all(type(k) is str for k in obj):
        if not obj:
            return "{}"
        pad = "\n" + "  " * (level + 1)
        items = (f"{_encode_text(k)}: {dumps_indented(v, level + 1)}" for k, v in obj.items())
        return "{" + pad + ("," + pad).join(items) + "\n" + "  " * level + "}"
    if type(obj) in (list, tuple):
        if not obj:
            return "[]"
        pad = "\n" + "  " * (level + 1)
        return (
            "["
            + pad
            + ("," + pad).join(dumps_indented(v, level + 1) for v in obj)
            + "\n"
            + "  " * level
            + "]"
        )
    text = json.dumps(obj, indent=2, ensure_ascii=False)  # anything else: the json module's text
    return text.replace("\n", "\n" + "  " * level)


_encode_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for text


def write_json(data: Any, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    out.write(dumps_json(data) + "\n")


def _clean(text: Any) -> str:
    return term(" ".join(str(text).split())) if text is not None else ""


def no_match(query: str) -> str:
    return f"No papers match '{term(query)}'."


def emit_papers(
    records: Iterable[Mapping[str, Any]],
    as_json: bool,
    *,
    with_score: bool = False,
    empty: str,
    say: Callable[[str], None],
    terminal: bool = False,
) -> None:
    """Papers to stdout as JSON, a table (terminal) or tab-separated lines; ``empty`` via ``say``.

    ``records`` may be a stream (browse.iter_search_records): JSON and plain lines are
    written as it is read, so memory does not grow with the number of papers."""
    if as_json:
        write_json_array(records)
        return
    it = iter(records)
    first = next(it, None)
    if first is None:
        say(empty)
    elif terminal:
        print_papers_table([first, *it], with_score=with_score)
    else:
        from itertools import chain

        write_papers_plain(chain([first], it), sys.stdout, with_score=with_score)


def write_json_array(items: Iterable[Any], out: IO[str] | None = None) -> None:
    """``write_json(list(items))``, byte for byte, written an item at a time."""
    out = out or sys.stdout
    first = True
    for item in items:
        text = _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", dumps_indented(item, 1))
        out.write(("[\n  " if first else ",\n  ") + text)
        first = False
    out.write("[]\n" if first else "\n]\n")


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


def paper_rows(records: Sequence[Mapping[str, Any]], with_score: bool = False) -> list[list[str]]:
    rows = []
    for r in records:
        row = [
            term(r["id"]),
            str(r.get("year") or ""),
            _clean(r["title"]),
            term(",".join(r.get("areas") or [])),
        ]
        if with_score:
            row.insert(0, f"{r.get('score', 0):.2f}")
        rows.append(row)
    return rows


def write_papers_plain(records: Iterable[Mapping[str, Any]], out: IO[str], with_score: bool = False) -> None:
    """A line per paper: what paper_rows gives, written as the records are read (inlined:
    an all-hits search writes a million of them)."""
    sub, write = _UNSAFE_LINE.sub, out.write
    for r in records:
        title = r["title"]
        line = (
            f"{sub(_visible, str(r['id']))}\t{r.get('year') or ''}\t"
            f"{sub(_visible, ' '.join(str(title).split())) if title is not None else ''}\t"
            f"{sub(_visible, ','.join(r.get('areas') or []))}\n"
        )
        write(f"{r.get('score', 0):.2f}\t{line}" if with_score else line)


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
