"""Export a selection of the catalog in one of the formats under efmcat.formats."""

from __future__ import annotations

import importlib
import io
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from efmcat.browse import iter_list_records, iter_search_records
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


Progress = Callable[[int, "int | None"], None]  # (papers done, papers in all or None)


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
    return list(
        iter_selected(
            catalog, taxonomy, tags=tags, since=since, until=until, query=query, status=status,
            starred=starred, sources=sources, section=section, kinds=kinds,
        )
    )  # fmt: skip


def iter_selected(
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
) -> Iterator[dict[str, Any]]:
    """:func:`select_records` as a stream (the selection is checked now). Without --query the
    records come off one cursor ordered by id; a --query selection's ids are sorted in a
    scratch database on disk, then read a page at a time."""
    where = {"sources": sources, "section": section, "kinds": kinds, "status": status, "starred": starred}
    if query is not None:  # an empty --query is "nothing to search for", as search says: not every paper
        hits = iter_search_records(
            catalog,
            query,
            tags=tags,
            since=since,
            until=until,
            limit=None,
            taxonomy=taxonomy,
            brief=True,
            **where,
        )
        return _with_sources(catalog, _in_id_order(catalog, taxonomy, (r["id"] for r in hits)))
    return _with_sources(
        catalog,
        iter_list_records(
            catalog, tags=tags, since=since, until=until, sort="id", taxonomy=taxonomy, **where
        ),
    )


def _in_id_order(catalog: Catalog, taxonomy: Taxonomy, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The records of ``ids`` in id order: the ids sorted on disk, the records built a page at a time."""
    from efmcat.browse import PAGE
    from efmcat.records import records_for
    from efmcat.scratch import insert_all, scratch_db

    with scratch_db() as db:
        db.execute("CREATE TABLE s (id TEXT)")
        insert_all(db, "INSERT INTO s VALUES (?)", ((i,) for i in ids))
        cursor = db.execute("SELECT id FROM s ORDER BY id")
        while page := [r[0] for r in cursor.fetchmany(PAGE)]:
            yield from records_for(catalog, catalog.papers_by_ids(page), taxonomy)


def _module(fmt: str) -> tuple[str, Any, str]:
    key = fmt.lower().strip()
    if key not in EXPORTERS:
        raise UsageError(f"unknown export format '{fmt}': use one of md, bibtex, csv, json, jsonl, yaml")
    module_name, _, func_name = EXPORTERS[key].partition(":")
    try:
        module = importlib.import_module(f"efmcat.formats.{module_name}")
    except ModuleNotFoundError as exc:
        raise UsageError(f"export format '{fmt}' is not available in this version") from exc
    return module_name, module, func_name or "render"


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
    buf = io.StringIO()
    n = export_to(
        catalog, fmt, buf, tags=tags, since=since, until=until, query=query, status=status, starred=starred,
        taxonomy=taxonomy, sources=sources, section=section, kinds=kinds,
    )  # fmt: skip
    return buf.getvalue(), n


def export_to(
    catalog: Catalog,
    fmt: str,
    out: IO[str],
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
    progress: Progress | None = None,
) -> int:
    """Write the selection in ``fmt`` to ``out``; returns the number of papers.

    JSON, JSON lines, CSV and YAML are written a record at a time; Markdown sorts its rows
    into tables in a scratch database on disk (efmcat.scratch); BibTeX reads the selection
    twice (first what numbers the citekeys, into a scratch database). Memory stays flat."""
    module_name, module, func_name = _module(fmt)
    taxonomy = taxonomy or load_taxonomy()
    sel = {
        "tags": tags, "since": since, "until": until, "query": query, "status": status, "starred": starred,
        "sources": sources, "section": section, "kinds": kinds,
    }  # fmt: skip
    records = iter_selected(catalog, taxonomy, **sel)
    total = _count(catalog, taxonomy, sel) if progress else None
    if module_name in ("json_format", "csv_format", "yaml_format"):
        write = getattr(module, "write_lines" if func_name == "render_lines" else "write")
        return write(_counting(records, progress, total), out, taxonomy)
    if module_name == "bibtex":
        return _write_bibtex(catalog, taxonomy, module, records, out, progress, total)
    counted = _counting(records, progress, total)
    if sources and len(sources) == 1:
        # One source: its own sections, in its own order, each paper once (under the first
        # section that lists it), so `--source survey` rebuilds the survey's list, corrected.
        rows = catalog.conn.execute(
            "SELECT paper_id, locator, coalesce(section, '') FROM sources WHERE source = ?", (sources[0],)
        )
        return module.write_sections(counted, out, taxonomy, (tuple(r) for r in rows), sources[0])
    # A whole-catalog list shows every core area; a selection only the areas it has.
    whole = not (
        tags
        or since is not None
        or until is not None
        or query is not None
        or sources
        or section
        or status
        or starred
    )
    return module.write(counted, out, taxonomy, empty_core_sections=whole)


def _with_sources(catalog: Catalog, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """``records``, each with its ``sources`` (as ``show --json`` has them: a backup restores
    them), read a page at a time."""
    from efmcat.browse import PAGE

    it = iter(records)
    while page := list(itertools.islice(it, PAGE)):
        rows = catalog.sources_of_many([r["id"] for r in page])
        for r in page:
            r["sources"] = rows.get(r["id"], [])
        yield from page


def _counting(
    records: Iterable[dict[str, Any]], progress: Progress | None, total: int | None, start: int = 0
) -> Iterator[dict[str, Any]]:
    """``records`` unchanged, telling ``progress`` every 1,000 papers and at the end."""
    if progress is None:
        yield from records
        return
    done = start
    progress(done, total)
    for rec in records:
        yield rec
        done += 1
        if done % 1000 == 0:
            progress(done, total)
    progress(done, total)


def _count(catalog: Catalog, taxonomy: Taxonomy, sel: dict[str, Any]) -> int | None:
    """How many papers a selection without --query has (for a progress bar's total)."""
    if sel["query"] is not None:
        return None
    from efmcat.browse import check_kinds, expand_nodes

    return catalog.count_papers(
        nodes=expand_nodes(taxonomy, sel["tags"]), year=None, since=sel["since"], until=sel["until"],
        author=None, sources=sel["sources"] or None, section=sel["section"], kinds=check_kinds(sel["kinds"]),
        status=sel["status"], starred=sel["starred"],
    )  # fmt: skip


def _write_bibtex(
    catalog: Catalog,
    taxonomy: Taxonomy,
    bibtex: Any,
    records: Iterator[dict[str, Any]],
    out: IO[str],
    progress: Progress | None,
    total: int | None,
) -> int:
    """BibTeX in key order: pass 1 numbers the keys from (id, own key, base key) of each
    paper in a scratch database on disk, with the catalog's other papers of the same years
    (a key is the catalog's, whatever the selection); pass 2 reads the records again, a page
    of ids at a time, in key order."""
    from efmcat import citekeys
    from efmcat.browse import PAGE
    from efmcat.records import records_for
    from efmcat.scratch import scratch_db

    twice = 2 * total if total is not None else None
    with scratch_db() as db:
        count = citekeys.number(catalog, db, _counting(records, progress, twice))
        keyed = db.execute("SELECT key, id FROM keys ORDER BY key")
        first, done = True, count
        while page := keyed.fetchmany(PAGE):
            key_of = {pid: key for key, pid in page}
            papers = catalog.papers_by_ids([pid for _, pid in page])
            for rec in records_for(catalog, papers, taxonomy):
                out.write(("" if first else "\n\n") + bibtex.entry(rec, key_of[rec["id"]]))
                first = False
            done += len(papers)
            if progress:
                progress(done, twice)
    if not first:
        out.write("\n")
    return count


@contextmanager
def open_output(
    output: str | os.PathLike[str] | None, *, catalog: str | os.PathLike[str] | None = None
) -> Iterator[IO[str]]:
    """A text stream to export into: a file written atomically (a temporary file renamed
    over it when everything is written; removed on error), or stdout (``-`` or None),
    sanitised for a terminal when it is one. ``catalog``: the catalog's file, which the
    output may not be."""
    if output is None or str(output) == "-":
        from efmcat.render import shown_stdout

        yield shown_stdout()
        return
    from efmcat.outputs import not_the_catalog, output_target

    if catalog is not None:
        not_the_catalog(output, catalog)
    path = Path(output)
    real, atomic = output_target(path)
    if not atomic:  # a device or a pipe: written through, as it is
        try:
            with real.open("w", encoding="utf-8") as fh:
                yield fh
        except OSError as exc:
            raise EfmcatError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return
    tmp = real.with_name(f".{real.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            yield fh
        os.replace(tmp, real)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise EfmcatError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
