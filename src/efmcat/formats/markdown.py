"""Markdown export in the style of the survey's paper list.

One section per area (core areas first), a table per subtopic, rows
``Title | Year | Tags | Link`` sorted by year then title. A paper under several areas
appears in each. Title text is escaped so that no title can break the table.

:func:`render` builds the text of a list of records; :func:`write` and
:func:`write_sections` write the same text from a stream of records, sorting the rows in a
scratch database on disk, so a catalog of any size is exported in flat memory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from efmcat.render import count as plural
from efmcat.taxonomy import Taxonomy

ROW_KEYS = (
    "id",
    "title",
    "year",
    "url",
    "tags",
    "version",
    "kind",
    "venue",
    "manual_tags",
    "implied_tags",
    "auto_tags",
    "removed_tags",
)
ROW_COMMENT = re.compile(r"<!-- efmcat (\{[^\n]*?\}) -->")
NO_AREA = "Not in an area"
NO_AREA_ANCHOR = "not-in-an-area"
_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#|~])")


def escape(text: str) -> str:
    """Escape Markdown specials and table pipes; fold newlines into spaces."""
    flat = " ".join(str(text).split())
    return _SPECIALS.sub(r"\\\1", flat)


def _link(rec: Mapping[str, Any]) -> str:
    url = rec.get("url") or (f"https://arxiv.org/abs/{rec['arxiv_id']}" if rec.get("arxiv_id") else "")
    if not url:
        return ""
    label = f"arXiv:{rec['arxiv_id']}" if rec.get("arxiv_id") else "Link"
    return f"[{label}]({url.replace(' ', '%20').replace(')', '%29').replace('|', '%7C')})"


def _sort_key(rec: Mapping[str, Any]) -> tuple:
    return (rec.get("year") or 0, str(rec.get("title") or "").lower(), rec["id"])


def verified_by_default(paper_id: str) -> bool:
    """What a row comment without ``verified`` means: a ``title:`` paper is one no source
    confirms the id of (Markdown exports before 2026-12-02 said nothing of it)."""
    return not paper_id.startswith("title:")


def row_comment(rec: Mapping[str, Any]) -> str:
    """The exact record of a row, hidden in an HTML comment, so that importing the export
    gives back every title unchanged (Markdown itself cannot carry every character: list
    parsers drop emoji, HTML and link syntax from titles) and papers that have no link."""
    data = {k: rec.get(k) for k in ROW_KEYS if rec.get(k) not in (None, "", [])}
    if "verified" in rec and bool(rec["verified"]) != verified_by_default(str(rec["id"])):
        data["verified"] = bool(rec["verified"])  # said where it is not what the id implies
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    for ch in "<>|&":  # nothing that could end the comment or split the table row
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return f"<!-- efmcat {text} -->"


TABLE_HEAD = ("| Title | Year | Tags | Link |", "| --- | --- | --- | --- |")


def _row(rec: Mapping[str, Any], taxonomy: Taxonomy) -> str:
    """One paper's table row."""
    tags = [t for t in rec.get("tags", []) if t in taxonomy and taxonomy.nodes[t].parent is not None]
    tag_text = ", ".join(f"`{t}`" for t in tags)
    return f"| **{escape(rec['title'])}** {row_comment(rec)} | {rec.get('year') or ''} | {tag_text} | {_link(rec)} |"


def _table(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy) -> list[str]:
    return [*TABLE_HEAD, *(_row(rec, taxonomy) for rec in sorted(records, key=_sort_key))]


def render(
    records: Sequence[Mapping[str, Any]],
    taxonomy: Taxonomy,
    *,
    empty_core_sections: bool = True,
    sections: Sequence[tuple[str, Sequence[str]]] | None = None,
    title: str | None = None,
) -> str:
    """The papers as a Markdown list: by area and subtopic, or, given ``sections`` (section
    name, paper ids in order), by those sections, each paper once."""
    if sections is not None:
        return _render_sections(records, taxonomy, sections, title or "")
    out = _header(len(records))
    toc, body = [], []
    for area in taxonomy.areas:
        in_area = [r for r in records if area.id in (r.get("areas") or [])]
        if not in_area and not (area.core and empty_core_sections):
            continue
        anchor = area.id
        toc.append(f"- [{escape(area.name)}](#{anchor}) ({len(in_area)})")
        body += [f"## {escape(area.name)}", ""]
        if not in_area:
            body += ["No papers in this area.", ""]
            continue
        placed: set[str] = set()
        for cid in area.children:
            sub = [r for r in in_area if cid in (r.get("tags") or [])]
            if not sub:
                continue
            placed.update(r["id"] for r in sub)
            body += [f"### {escape(taxonomy.nodes[cid].name)}", "", *_table(sub, taxonomy), ""]
        rest = [r for r in in_area if r["id"] not in placed]
        if rest:
            heading = "Other" if placed else "Papers"
            body += [f"### {heading}", "", *_table(rest, taxonomy), ""]
    no_area = [r for r in records if not (r.get("areas") or [])]
    if no_area:  # every paper of the selection appears somewhere
        toc.append(f"- [{NO_AREA}](#{NO_AREA_ANCHOR}) ({len(no_area)})")
        body += [f"## {NO_AREA}", "", *_table(no_area, taxonomy), ""]
    out += ["## Contents", "", *toc, "", *body]
    return "\n".join(out).rstrip() + "\n"


def _header(count: int) -> list[str]:
    return [
        "# Efficient Large Foundation Models: paper list",
        "",
        f"{plural(count, 'paper')}, exported by efmcat. Areas follow the taxonomy of the survey "
        "*Efficient Large Foundation Models Design: A Perspective From Model and System Co-Design* "
        "(arXiv 2409.01990).",  # not a link: re-importing this file must not add the survey itself
        "",
    ]


def _render_sections(
    records: Sequence[Mapping[str, Any]],
    taxonomy: Taxonomy,
    sections: Sequence[tuple[str, Sequence[str]]],
    source: str,
) -> str:
    by_id = {r["id"]: r for r in records}
    count = sum(len(ids) for _, ids in sections)
    out = _sections_header(source, count)
    toc, body = [], []
    for name, ids in sections:
        rows = [by_id[i] for i in ids if i in by_id]
        if not rows:
            continue
        toc.append(f"- {escape(name)} ({len(rows)})")
        body += [f"## {escape(name)}", "", *_table(rows, taxonomy), ""]
    out += ["## Contents", "", *toc, "", *body]
    return "\n".join(out).rstrip() + "\n"


def _sections_header(source: str, count: int) -> list[str]:
    return [
        f"# {escape(source)}: paper list",
        "",
        f"{plural(count, 'paper')} as the source `{escape(source)}` lists them, one paper once, corrected and "
        "deduplicated by efmcat.",
        "",
    ]


# -- streamed -------------------------------------------------------------------------------
class _Lines:
    """Writes lines as ``"\\n".join(lines).rstrip() + "\\n"`` would give them, holding only
    the blank lines (and the last line with text) until the next line with text."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.held: list[str] = []
        self.first = True

    def add(self, *lines: str) -> None:
        for line in lines:
            if line.strip():
                for held in self.held:
                    self.out.write(held if self.first else "\n" + held)
                    self.first = False
                self.held = []
            self.held.append(line)

    def close(self) -> None:
        rest = "\n".join(self.held).rstrip()
        if rest:
            self.out.write(rest if self.first else "\n" + rest)
        self.out.write("\n")


def _sort_columns(rec: Mapping[str, Any]) -> tuple[int, str, str]:
    """:func:`_sort_key` as columns SQLite orders the same way (text by code point)."""
    return (rec.get("year") or 0, str(rec.get("title") or "").lower(), rec["id"])


def write(
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    taxonomy: Taxonomy,
    *,
    empty_core_sections: bool = True,
) -> int:
    """Write :func:`render`'s text of ``records`` to ``out`` without holding them: each
    paper's row goes once per table it belongs in to a scratch database on disk, and the
    tables are read back in order. Returns the number of papers."""
    from efmcat.scratch import insert_all, scratch_db

    areas = taxonomy.areas
    per_area = [0] * len(areas)  # papers in each area
    per_table = [[0] * (len(a.children) + 1) for a in areas]  # each subtopic's table, then "Other"
    no_area = 0
    count = 0

    def rows() -> Iterable[tuple[Any, ...]]:
        nonlocal no_area, count
        for rec in records:
            count += 1
            line = _row(rec, taxonomy)
            key = _sort_columns(rec)
            rec_areas = rec.get("areas") or []
            tags = rec.get("tags") or []
            if not rec_areas:
                no_area += 1
                yield (len(areas), 0, *key, line)
                continue
            for i, area in enumerate(areas):
                if area.id not in rec_areas:
                    continue
                per_area[i] += 1
                placed = False
                for j, cid in enumerate(area.children):
                    if cid in tags:
                        placed = True
                        per_table[i][j] += 1
                        yield (i, j, *key, line)
                if not placed:
                    per_table[i][-1] += 1
                    yield (i, len(area.children), *key, line)

    with scratch_db() as db:
        db.execute("CREATE TABLE r (area INTEGER, tbl INTEGER, year INTEGER, title TEXT, id TEXT, line TEXT)")
        insert_all(db, "INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", rows())
        shown = [n > 0 or (a.core and empty_core_sections) for a, n in zip(areas, per_area)]
        toc = [f"- [{escape(a.name)}](#{a.id}) ({n})" for a, n, s in zip(areas, per_area, shown) if s]
        if no_area:
            toc.append(f"- [{NO_AREA}](#{NO_AREA_ANCHOR}) ({no_area})")
        lines = _Lines(out)
        lines.add(*_header(count), "## Contents", "", *toc, "")
        cursor = db.execute("SELECT line FROM r ORDER BY area, tbl, year, title, id")

        def table(heading: str, n: int) -> None:
            lines.add(heading, "", *TABLE_HEAD)
            for _ in range(n):
                lines.add(next(cursor)[0])
            lines.add("")

        for area, n, show, tables in zip(areas, per_area, shown, per_table):
            if not show:
                continue
            lines.add(f"## {escape(area.name)}", "")
            if not n:
                lines.add("No papers in this area.", "")
                continue
            for cid, m in zip(area.children, tables):
                if m:
                    table(f"### {escape(taxonomy.nodes[cid].name)}", m)
            if tables[-1]:
                table("### Other" if any(tables[:-1]) else "### Papers", tables[-1])
        if no_area:  # every paper of the selection appears somewhere
            table(f"## {NO_AREA}", no_area)
        lines.close()
    return count


def write_sections(
    records: Iterable[Mapping[str, Any]],
    out: IO[str],
    taxonomy: Taxonomy,
    source_rows: Iterable[tuple[str, str, str]],
    source: str,
) -> int:
    """Write :func:`render`'s text by one source's sections without holding the papers:
    ``source_rows`` are that source's (paper id, locator, section) rows; each paper goes
    under the first section that lists it (by file and line), sections in the order they
    first place a paper. Returns the number of records."""
    from efmcat.scratch import insert_all, scratch_db

    def recs() -> Iterable[tuple[Any, ...]]:
        for rec in records:
            yield (*_sort_columns(rec), _row(rec, taxonomy))

    def srows() -> Iterable[tuple[Any, ...]]:
        for seq, (pid, locator, section) in enumerate(source_rows):
            file, _, line = locator.rpartition(":")
            where = (file, int(line)) if line.isdigit() else (locator, 0)
            yield (seq, pid, *where, section or "Other")

    with scratch_db() as db:
        db.execute("CREATE TABLE r (year INTEGER, title TEXT, id TEXT PRIMARY KEY, line TEXT)")
        db.execute(
            "CREATE TABLE s (seq INTEGER PRIMARY KEY, pid TEXT, file TEXT, line INTEGER, section TEXT)"
        )
        count = insert_all(db, "INSERT INTO r VALUES (?, ?, ?, ?)", recs())
        insert_all(db, "INSERT INTO s VALUES (?, ?, ?, ?, ?)", srows())
        # Each selected paper's first row, numbered in the source's order.
        db.execute(
            "CREATE TABLE p AS SELECT pid, section, row_number() OVER (ORDER BY file, line, seq) AS pos "
            "FROM (SELECT pid, section, file, line, seq, "
            "row_number() OVER (PARTITION BY pid ORDER BY file, line, seq) AS k "
            "FROM s WHERE pid IN (SELECT id FROM r)) WHERE k = 1"
        )
        db.execute(
            "CREATE TABLE q AS SELECT section, min(pos) AS first, count(*) AS n FROM p GROUP BY section"
        )
        sections = db.execute("SELECT section, n FROM q ORDER BY first").fetchall()
        lines = _Lines(out)
        lines.add(*_sections_header(source, sum(n for _, n in sections)), "## Contents", "")
        lines.add(*(f"- {escape(name)} ({n})" for name, n in sections), "")
        cursor = db.execute(
            "SELECT r.line FROM p JOIN r ON r.id = p.pid JOIN q ON q.section = p.section "
            "ORDER BY q.first, r.year, r.title, r.id"
        )
        for name, n in sections:
            lines.add(f"## {escape(name)}", "", *TABLE_HEAD)
            for _ in range(n):
                lines.add(next(cursor)[0])
            lines.add("")
        lines.close()
    return count
