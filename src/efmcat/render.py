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


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``1 paper``, ``2 papers``: a number and its noun (plural by adding 's', or ``plural``:
    ``1 entry``, ``2 entries``)."""
    return f"{n} {noun}" if n == 1 else f"{n} {plural or noun + 's'}"


def dumps_json(data: Any, indent: int | None = 2) -> str:
    """JSON text; characters a terminal could act on are written as ``\\uXXXX`` escapes
    (the same JSON value, so nothing is lost)."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _UNSAFE_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def dumps_indented(obj: Any, level: int = 0) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)``, the same text, for the records efmcat
    writes (dicts with text keys, lists, text, numbers, booleans, null): with an indent the
    json module uses its pure-Python encoder, 5-10x slower on a million records. The
    members of a dict or list that are scalars (most of a record) are encoded in the loop,
    without a call of this function each."""
    scalar = _SCALARS.get(type(obj))
    if scalar is not None:
        return scalar(obj)
    if type(obj) is dict and all(type(k) is str for k in obj):
        if not obj:
            return "{}"
        pad = "\n" + "  " * (level + 1)
        items = []
        for k, v in obj.items():
            scalar = _SCALARS.get(type(v))
            items.append(_encode_text(k) + ": " + (scalar(v) if scalar else dumps_indented(v, level + 1)))
        return "{" + pad + ("," + pad).join(items) + "\n" + "  " * level + "}"
    if type(obj) in (list, tuple):
        if not obj:
            return "[]"
        pad = "\n" + "  " * (level + 1)
        items = []
        for v in obj:
            scalar = _SCALARS.get(type(v))
            items.append(scalar(v) if scalar else dumps_indented(v, level + 1))
        return "[" + pad + ("," + pad).join(items) + "\n" + "  " * level + "]"
    text = json.dumps(obj, indent=2, ensure_ascii=False)  # anything else: the json module's text
    return text.replace("\n", "\n" + "  " * level)


_encode_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for text
# The JSON text of a scalar, by its exact type (a subclass of int or str takes json.dumps's way)
_SCALARS: dict[type, Callable[[Any], str]] = {
    str: _encode_text,
    type(None): lambda _: "null",
    bool: lambda b: "true" if b else "false",
    int: int.__repr__,
    float: json.dumps,
}


def write_json(data: Any, out: IO[str] | None = None) -> None:
    out = out or sys.stdout
    out.write(dumps_json(data) + "\n")


def emit_papers(
    records: Iterable[Mapping[str, Any]],
    as_json: bool,
    *,
    with_score: bool = False,
    empty: str | Callable[[], str],
    say: Callable[[str], None],
    terminal: bool = False,
) -> None:
    """Papers to stdout as JSON, a table (terminal) or tab-separated lines; ``empty`` (or
    what it returns, asked only then) via ``say`` when there are none.

    ``records`` may be a stream (browse.iter_search_records): JSON and plain lines are
    written as it is read, so memory does not grow with the number of papers."""
    if as_json:
        write_json_array(records)
        return
    it = iter(records)
    first = next(it, None)
    if first is None:
        say(empty() if callable(empty) else empty)
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
    """score, id, year, title, and why: the shared terms, then the shared tags, list
    headings and authors."""
    rows = []
    for r in records:
        parts = [", ".join(r.get("shared_terms") or [])]
        if r.get("shared_tags"):
            parts.append("tags: " + ", ".join(r["shared_tags"]))
        if r.get("shared_sections"):
            parts.append(
                "lists: " + ", ".join(_clean(f"{x['source']}: {x['section']}") for x in r["shared_sections"])
            )
        if r.get("shared_authors"):
            parts.append("authors: " + ", ".join(_clean(x) for x in r["shared_authors"]))
        why = "; ".join(p for p in parts if p)
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
    # ", " between areas: a narrow column wraps between them, never inside a word
    for row in paper_rows(records, with_score, area_sep=", "):
        table.add_row(*(Text(cell) for cell in row))  # Text: a title is never read as markup
    out_console().print(table)


def _locator_parts(locator: str | None) -> tuple[str | None, int | None]:
    """``file:12`` -> (file, 12); ``line 12`` -> (None, 12); ``file`` -> (file, None)."""
    loc = locator or ""
    m = re.fullmatch(r"(.*):(\d+)", loc) or re.fullmatch(r"()line (\d+)", loc)
    if m:
        return (m.group(1) or None), int(m.group(2))
    return (loc or None), None


def listed_in(sources: Iterable[Mapping[str, Any]]) -> list[str]:
    """Where a paper is listed, one line per source file, its sections and lines grouped:
    ``survey owner/repo@abc:README.md: Model Design / Quantization (lines 33, 69, 75)``."""
    files: dict[tuple[str, str | None], dict[str | None, list[int]]] = {}
    for s in sources:
        file, line = _locator_parts(s.get("locator"))
        sections = files.setdefault((str(s["source"]), file), {})
        lines = sections.setdefault(s.get("section") or None, [])
        if line is not None:
            lines.append(line)
    out = []
    for (source, file), sections in files.items():
        parts = []
        for section, lines in sorted(sections.items(), key=lambda kv: min(kv[1], default=0)):
            nums = sorted(set(lines))
            where = f"({'line' if len(nums) == 1 else 'lines'} {', '.join(map(str, nums))})" if nums else ""
            parts.append(" ".join(x for x in (section, where) if x))
        head = source + (f" {file}" if file and file != source else "")  # an imported file names itself
        said = "; ".join(p for p in parts if p)
        out.append(head + ((": " if any(sections) else " ") + said if said else ""))
    return out


def show_plain(record: Mapping[str, Any], sources: Iterable[Mapping[str, Any]] = (), width: int = 88) -> str:
    """A paper as labelled lines (the same text on a terminal and in a pipe); the abstract
    wrapped at ``width`` columns (the terminal's width on a terminal)."""
    from efmcat.models import author_line

    lines = [_clean(record["title"]), ""]

    def add(label: str, value: Any) -> None:
        if value in (None, "", []):
            return
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        lines.append(f"{label + ':':<12} {_clean(value)}")

    arxiv = record.get("arxiv_id")
    add("ID", str(record["id"]) + (f"v{record['version']}" if arxiv and record.get("version") else ""))
    add("Authors", author_line(record.get("authors") or []))
    add("Year", record.get("year"))
    add("Published", _day(record.get("published")))  # arXiv's 2017-10-24T00:21:32Z: the day
    add("Updated", _day(record.get("updated")))
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
    for label, key in (("Note:", "note"), ("Curators:", "curator_note")):  # paragraphs kept
        for i, line in enumerate((record.get(key) or "").splitlines()):
            lines.append(f"{label if i == 0 else '':<12} {_clean(line)}".rstrip())
    if record.get("user_fields"):
        add("Yours", ", ".join(record["user_fields"]) + " (edited by you: refresh and imports keep them)")
    for i, where in enumerate(listed_in(sources)):
        lines.append(f"{'Listed in:' if i == 0 else '':<12} {_clean(where)}")
    if record.get("abstract"):
        import textwrap

        lines.append("")
        lines.extend(textwrap.wrap(_clean(record["abstract"]), width=max(width, 20), break_on_hyphens=False))
    return "\n".join(lines) + "\n"


def _day(stamp: Any) -> Any:
    """An ISO timestamp as its date (``2017-10-24T00:21:32Z`` -> ``2017-10-24``); a month or a
    date as it is (the shipped catalog's ``2022-05``)."""
    return stamp[:10] if isinstance(stamp, str) and len(stamp) > 10 and stamp[10:11] == "T" else stamp


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


class Shown:
    """stdout on a terminal: shown, not saved, so no escape sequence of the data (a title
    written with ESC ] 0; ...) reaches the terminal."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def write(self, text: str) -> int:
        # a line break as CSV writes it (CRLF) is a line break on screen, not "\x0d" shown
        return self.out.write(term(text.replace("\r\n", "\n"), multiline=True))

    def flush(self) -> None:
        self.out.flush()


def shown_stdout() -> IO[str]:
    """stdout, made :class:`Shown` when it is a terminal (a pipe or a file gets the data as it is)."""
    try:
        terminal = sys.stdout.isatty()
    except (AttributeError, ValueError):
        terminal = False
    return Shown(sys.stdout) if terminal else sys.stdout  # type: ignore[return-value]
