"""Markdown export in the style of the survey's paper list.

One section per area (core areas first), a table per subtopic, rows
``Title | Year | Tags | Link`` sorted by year then title. A paper under several areas
appears in each. Title text is escaped so that no title can break the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from efmcat.taxonomy import Taxonomy

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


def _table(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy) -> list[str]:
    lines = ["| Title | Year | Tags | Link |", "| --- | --- | --- | --- |"]
    for rec in sorted(records, key=_sort_key):
        tags = [t for t in rec.get("tags", []) if t in taxonomy and taxonomy.nodes[t].parent is not None]
        tag_text = ", ".join(f"`{t}`" for t in tags)
        lines.append(f"| **{escape(rec['title'])}** | {rec.get('year') or ''} | {tag_text} | {_link(rec)} |")
    return lines


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
    out = [
        "# Efficient Large Foundation Models: paper list",
        "",
        f"{len(records)} papers, exported by efmcat. Areas follow the taxonomy of the survey "
        "*Efficient Large Foundation Models Design: A Perspective From Model and System Co-Design* "
        "([arXiv:2409.01990](https://arxiv.org/abs/2409.01990)).",
        "",
    ]
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
    out += ["## Contents", "", *toc, "", *body]
    return "\n".join(out).rstrip() + "\n"


def _render_sections(
    records: Sequence[Mapping[str, Any]],
    taxonomy: Taxonomy,
    sections: Sequence[tuple[str, Sequence[str]]],
    source: str,
) -> str:
    by_id = {r["id"]: r for r in records}
    count = sum(len(ids) for _, ids in sections)
    out = [
        f"# {escape(source)}: paper list",
        "",
        f"{count} papers as the source `{escape(source)}` lists them, one paper once, corrected and "
        "deduplicated by efmcat.",
        "",
    ]
    toc, body = [], []
    for name, ids in sections:
        rows = [by_id[i] for i in ids if i in by_id]
        if not rows:
            continue
        toc.append(f"- {escape(name)} ({len(rows)})")
        body += [f"## {escape(name)}", "", *_table(rows, taxonomy), ""]
    out += ["## Contents", "", *toc, "", *body]
    return "\n".join(out).rstrip() + "\n"
