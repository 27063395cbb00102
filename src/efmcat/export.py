"""Export a selection of the catalog in one of the formats under efmcat.formats."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from efmcat.browse import list_records, search_records
from efmcat.catalog import Catalog
from efmcat.errors import EfmcatError, UsageError
from efmcat.taxonomy import Taxonomy, load_taxonomy

# format name -> module in efmcat.formats with ``render(records, taxonomy) -> str``
EXPORTERS = {
    "md": "markdown",
    "markdown": "markdown",
    "bibtex": "bibtex",
    "bib": "bibtex",
    "csv": "csv_format",
    "json": "json_format",
    "jsonl": "json_format:render_lines",
    "yaml": "yaml_format",
}


def select_records(
    catalog: Catalog,
    taxonomy: Taxonomy,
    *,
    tags: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    query: str | None = None,
    status: str | None = None,
    starred: bool = False,
    sources: Sequence[str] | None = None,
    section: str | None = None,
    kinds: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The papers an export covers, in a stable order (by id)."""
    where = {"sources": sources, "section": section, "kinds": kinds, "status": status, "starred": starred}
    if query:
        recs = search_records(
            catalog, query, tags=tags, since=since, until=until, limit=None, taxonomy=taxonomy, **where
        )
        for r in recs:
            r.pop("score", None)
    else:
        recs = list_records(
            catalog, tags=tags, since=since, until=until, sort="id", taxonomy=taxonomy, **where
        )
    recs.sort(key=lambda r: r["id"])
    return recs


def export_catalog(
    catalog: Catalog,
    fmt: str,
    *,
    tags: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    query: str | None = None,
    status: str | None = None,
    starred: bool = False,
    taxonomy: Taxonomy | None = None,
    sources: Sequence[str] | None = None,
    section: str | None = None,
    kinds: Sequence[str] | None = None,
) -> tuple[str, int]:
    """Render the selection as text in ``fmt``; returns (text, number of papers)."""
    key = fmt.lower().strip()
    if key not in EXPORTERS:
        raise UsageError(f"unknown export format '{fmt}': use one of md, bibtex, csv, json, jsonl, yaml")
    module_name, _, func_name = EXPORTERS[key].partition(":")
    try:
        module = importlib.import_module(f"efmcat.formats.{module_name}")
    except ModuleNotFoundError as exc:
        raise UsageError(f"export format '{fmt}' is not available in this version") from exc
    render = getattr(module, func_name or "render")
    taxonomy = taxonomy or load_taxonomy()
    records = select_records(
        catalog, taxonomy, tags=tags, since=since, until=until, query=query, sources=sources, section=section,
        kinds=kinds, status=status, starred=starred,
    )  # fmt: skip
    if module_name == "markdown" and sources and len(sources) == 1:
        # One source: its own sections, in its own order, each paper once (under the first
        # section that lists it), so `--source survey` rebuilds the survey's list, corrected.
        text = render(
            records, taxonomy, sections=source_sections(catalog, sources[0], records), title=sources[0]
        )
    elif module_name == "markdown":
        # A whole-catalog list shows every core area; a selection only the areas it has.
        whole = not (
            tags or since is not None or until is not None or query or sources or section or status or starred
        )
        text = render(records, taxonomy, empty_core_sections=whole)
    else:
        text = render(records, taxonomy)
    return text, len(records)


def source_sections(
    catalog: Catalog, source: str, records: Sequence[dict[str, Any]]
) -> list[tuple[str, list[str]]]:
    """(section, paper ids) of one source in the order the source gives them, each paper under
    the first section that lists it."""
    wanted = {r["id"] for r in records}
    rows = catalog.conn.execute(
        "SELECT paper_id, locator, coalesce(section, '') FROM sources WHERE source = ?", (source,)
    ).fetchall()

    def order(row: tuple[str, str, str]) -> tuple[str, int]:
        file, _, line = row[1].rpartition(":")
        return (file, int(line)) if line.isdigit() else (row[1], 0)

    sections: dict[str, list[str]] = {}
    placed: set[str] = set()
    for pid, _, section in sorted(rows, key=order):
        if pid in wanted and pid not in placed:
            placed.add(pid)
            sections.setdefault(section or "Other", []).append(pid)
    return list(sections.items())


def write_output(text: str, output: str | os.PathLike[str] | None) -> None:
    """Write to a file atomically (``-`` or None: stdout)."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    path = Path(output)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EfmcatError(f"cannot write {path}: {exc.strerror or exc}") from exc
