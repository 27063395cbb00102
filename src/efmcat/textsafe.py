"""Text made safe for a terminal, and papers as plain tab-separated lines.

The lean half of efmcat.render: a piped ``efmcat search`` prints through these without
importing json, typing or Rich (see efmcat.fastpath). Everything else that writes for
people goes through render, which re-exports these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from io import TextIOBase

# Characters a terminal may act on instead of showing: C0 controls (ESC starts escape
# sequences, BEL ends OSC titles), DEL, C1 controls (U+009B is an 8-bit CSI), bidi
# overrides and isolates, zero-width and line/paragraph separators, lone surrogates
# (which cannot even be encoded). Shown as visible escapes: ``\x1b``, ``\u202e``.
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
_UNSAFE_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def term(text: object, *, multiline: bool = False) -> str:
    """Text safe to show on a terminal: every control or escape character made visible.

    The one sanitiser for everything efmcat prints for people (tables, ``show``, messages,
    errors); stored data is never changed. ``multiline`` keeps newlines and tabs."""
    s = "" if text is None else str(text)
    return (_UNSAFE_TEXT if multiline else _UNSAFE_LINE).sub(_visible, s)


def _clean(text: object) -> str:
    return term(" ".join(str(text).split())) if text is not None else ""


NO_MATCH_SHOWN = 80  # characters of the query a "No papers match" message shows


def no_match(query: str, filtered: bool = False) -> str:
    """What a search that found nothing says; ``filtered``: options narrowed it (then the
    words alone may match: the message says so, not that nothing has them). A long query
    is cut to its first NO_MATCH_SHOWN characters and "…": the message stays one short line
    (a query read from a file may be 100,000 characters), and the user knows what they typed."""
    return f"No papers match '{term(shown_query(query))}'" + (" with the filters given." if filtered else ".")


def authorless_note(n: int) -> str:
    """What a search or list with --author adds when ``n`` entries have no authors stored."""
    entries = "1 entry has" if n == 1 else f"{n} entries have"
    return (
        f"Note: {entries} no authors stored, so --author cannot match them "
        "(efmcat refresh --all fetches arXiv papers' authors)."
    )


def shown_query(query: str) -> str:
    """A query as a message shows it: its first NO_MATCH_SHOWN characters and "…" when longer."""
    return query if len(query) <= NO_MATCH_SHOWN else query[:NO_MATCH_SHOWN] + "…"


def paper_row(r: Mapping[str, object], with_score: bool = False, area_sep: str = ",") -> list[str]:
    """A paper as the cells of a plain line or table row: [score,] id, year, title, areas
    (joined by ``area_sep``: "," in a pipe, ", " in a table so a column wraps between areas)."""
    row = [
        term(r["id"]),
        str(r.get("year") or ""),
        _clean(r["title"]),
        term(area_sep.join(r.get("areas") or [])),
    ]
    if with_score:
        row.insert(0, f"{r.get('score', 0):.2f}")
    return row


def paper_rows(
    records: Iterable[Mapping[str, object]], with_score: bool = False, area_sep: str = ","
) -> list[list[str]]:
    return [paper_row(r, with_score, area_sep) for r in records]


def write_papers_plain(
    records: Iterable[Mapping[str, object]], out: TextIOBase, with_score: bool = False
) -> None:
    """A line per paper, the cells of paper_row joined by tabs, written as the records are
    read (inlined: an all-hits search writes a million of them; a test holds it equal).
    Every character _UNSAFE_LINE matches is unprintable, so printable text skips the search."""
    sub, write = _UNSAFE_LINE.sub, out.write
    lines: list[str] = []  # written 256 at a time: one write call per line costs more than the line
    for r in records:
        if len(lines) >= 256:
            write("".join(lines))
            lines.clear()
        pid, title, areas = str(r["id"]), r["title"], ",".join(r.get("areas") or [])
        title = "" if title is None else " ".join(str(title).split())
        line = (
            f"{pid if pid.isprintable() else sub(_visible, pid)}\t{r.get('year') or ''}\t"
            f"{title if title.isprintable() else sub(_visible, title)}\t"
            f"{areas if areas.isprintable() else sub(_visible, areas)}\n"
        )
        lines.append(f"{r.get('score', 0):.2f}\t{line}" if with_score else line)
    write("".join(lines))
