"""Read-side library calls behind search, list, show, stats and taxonomy."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from efmcat.catalog import DEFAULT_KINDS, KINDS, Catalog
from efmcat.errors import UsageError
from efmcat.records import records_for
from efmcat.searchsql import MAX_LIMIT, YEAR_RANGE, check_limit, check_years  # noqa: F401  (re-exported)
from efmcat.taxonomy import Taxonomy, load_taxonomy


def expand_nodes(taxonomy: Taxonomy, tags: Sequence[str] | None) -> list[str] | None:
    """Node ids to match for ``--tag`` options: each node and its subtopics; a prefix that is
    no node names the family of nodes it starts (``kv-cache`` or ``kv-cache-`` ->
    kv-cache-quant, ...)."""
    if not tags:
        return None
    nodes: list[str] = []
    for t in tags:
        key = t.strip().lower()
        hyphen = key.endswith("-") and key.rstrip("-") != ""
        key = key.rstrip("-") or key  # `kv-cache-`, as a family is written, is `kv-cache`
        # A family of nodes by their shared prefix: `--tag kv-cache` is every kv-cache-* node;
        # written with its hyphen the family is meant even where the prefix is a node itself
        # (`memory-`: memory-management, memory-efficient-finetuning; `memory` is the area).
        family = (
            [n for n in taxonomy.nodes if n.startswith(key + "-")]
            if hyphen or key not in taxonomy.nodes
            else []
        )
        for top in family or [key if key in taxonomy.nodes else t]:
            for n in taxonomy.descendants(top):
                if n not in nodes:
                    nodes.append(n)
    return nodes


def check_kinds(kinds: Sequence[str] | None) -> tuple[str, ...] | None:
    """``--kind`` values as catalog kinds: none given means papers only, ``any`` means all."""
    if not kinds:
        return DEFAULT_KINDS
    kinds = [k.lower() for k in kinds]  # "Repo" as --tag takes "KV-Cache"
    if "any" in kinds:
        return None
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise UsageError(f"unknown kind '{bad[0]}': use one of {', '.join(KINDS)} or any")
    return tuple(dict.fromkeys(kinds))


def iter_search_records(
    catalog: Catalog,
    query: str,
    *,
    tags: Sequence[str] | None = None,
    year: int | None = None,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    status: str | None = None,
    starred: bool = False,
    limit: int | None = 20,
    taxonomy: Taxonomy | None = None,
    sources: Sequence[str] | None = None,
    section: str | None = None,
    kinds: Sequence[str] | None = None,
    brief: bool = False,
) -> Iterator[dict[str, Any]]:
    """:func:`search_records` as a stream: checks and the query run now, records are built a
    page at a time (tags read in bulk per page) as the caller iterates. ``brief``: records
    of id, year, title, areas and score only (what plain output shows), read without the
    rest of the row."""
    check_years(year, since, until)
    check_limit(limit)
    taxonomy = taxonomy or load_taxonomy()
    hits = catalog.iter_search(
        query,
        nodes=expand_nodes(taxonomy, tags),
        year=year,
        since=since,
        until=until,
        author=author,
        status=status,
        starred=starred,
        limit=limit,
        sources=sources or None,
        section=section,
        kinds=check_kinds(kinds),
        brief=brief,
    )
    return _scored_records(catalog, hits, taxonomy, brief)


def search_records(
    catalog: Catalog,
    query: str,
    *,
    tags: Sequence[str] | None = None,
    year: int | None = None,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    status: str | None = None,
    starred: bool = False,
    limit: int | None = 20,
    taxonomy: Taxonomy | None = None,
    sources: Sequence[str] | None = None,
    section: str | None = None,
    kinds: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Search the catalog; records best first, each with a ``score``."""
    return list(
        iter_search_records(
            catalog, query, tags=tags, year=year, since=since, until=until, author=author, status=status,
            starred=starred, limit=limit, taxonomy=taxonomy, sources=sources, section=section, kinds=kinds,
        )
    )  # fmt: skip


PAGE = 500  # papers whose records are built (and tags read) together

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator


def _scored_records(
    catalog: Catalog, hits: Iterable[tuple[Any, float]], taxonomy: Taxonomy, brief: bool = False
) -> Iterator[dict[str, Any]]:
    from itertools import islice

    build = brief_records if brief else records_for
    it = iter(hits)
    while page := list(islice(it, PAGE)):
        for rec, (_, score) in zip(build(catalog, [p for p, _ in page], taxonomy), page):
            rec["score"] = round(score, 4)
            yield rec


def brief_records(catalog: Catalog, rows: list[dict[str, Any]], taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """Brief rows (id, year, title, and their tags comma-separated, as Catalog.iter_search
    gives them with ``brief``) as records of id, year, title and areas."""
    memo: dict[str | None, list[str]] = {}
    for r in rows:
        key = r.pop("tags")
        if key not in memo:
            memo[key] = taxonomy.areas_of(key.split(",") if key else [])
        r["areas"] = list(memo[key])
    return rows


def paged_records(
    catalog: Catalog, papers: Iterable[Any], taxonomy: Taxonomy, brief: bool = False
) -> Iterator[dict[str, Any]]:
    """The records of a stream of papers (or of brief rows), a page at a time."""
    from itertools import islice

    build = brief_records if brief else records_for
    it = iter(papers)
    while page := list(islice(it, PAGE)):
        yield from build(catalog, page, taxonomy)


def iter_list_records(
    catalog: Catalog,
    *,
    tags: Sequence[str] | None = None,
    year: int | None = None,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    status: str | None = None,
    starred: bool = False,
    sort: str = "year",
    limit: int | None = None,
    taxonomy: Taxonomy | None = None,
    sources: Sequence[str] | None = None,
    section: str | None = None,
    kinds: Sequence[str] | None = None,
    brief: bool = False,
) -> Iterator[dict[str, Any]]:
    """:func:`list_records` as a stream (one cursor; records built a page at a time);
    ``brief`` as in :func:`iter_search_records`."""
    check_years(year, since, until)
    check_limit(limit)
    taxonomy = taxonomy or load_taxonomy()
    papers = catalog.iter_list(
        nodes=expand_nodes(taxonomy, tags), year=year, since=since, until=until, author=author,
        status=status, starred=starred, sort=sort, limit=limit, sources=sources or None, section=section,
        kinds=check_kinds(kinds), brief=brief,
    )  # fmt: skip
    return paged_records(catalog, papers, taxonomy, brief)


def list_records(
    catalog: Catalog,
    *,
    tags: Sequence[str] | None = None,
    year: int | None = None,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    status: str | None = None,
    starred: bool = False,
    sort: str = "year",
    limit: int | None = None,
    taxonomy: Taxonomy | None = None,
    sources: Sequence[str] | None = None,
    section: str | None = None,
    kinds: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    return list(
        iter_list_records(
            catalog, tags=tags, year=year, since=since, until=until, author=author, status=status,
            starred=starred, sort=sort, limit=limit, taxonomy=taxonomy, sources=sources, section=section,
            kinds=kinds,
        )
    )  # fmt: skip


def show_record(catalog: Catalog, text: str, taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    """The record of the paper a user pasted (any id or URL form); PaperNotFoundError if absent."""
    taxonomy = taxonomy or load_taxonomy()
    paper = catalog.get_paper(catalog.pasted_id(text))
    [record] = records_for(catalog, [paper], taxonomy)
    record["sources"] = catalog.sources_of(paper.id)
    record["provenance"] = catalog.provenance_of(paper.id)
    return record


def source_list(catalog: Catalog) -> list[dict[str, Any]]:
    """The sources papers were listed in (curated lists, imported files, arXiv) with counts:
    ``papers`` as ``list --source`` counts them, ``others`` the rest (repos, posts, pages)."""
    return [{"source": name, "papers": n, "others": o} for name, n, o in catalog.source_counts()]


@dataclass
class Stats:
    papers: int
    per_area: list[tuple[str, int]]
    per_year: list[tuple[str, int]]
    untagged: int


def _in_sources(sources: Sequence[str] | None, column: str) -> tuple[str, list[str]]:
    if not sources:
        return "", []
    marks = ",".join("?" * len(sources))
    return f" AND {column} IN (SELECT paper_id FROM sources WHERE source IN ({marks}))", list(sources)


def _of_kinds(kinds: Sequence[str] | None, column: str) -> tuple[str, list[str]]:
    if kinds is None:
        return "", []
    return f" AND {column} IN ({','.join('?' * len(kinds))})", list(kinds)


def catalog_stats(
    catalog: Catalog,
    taxonomy: Taxonomy | None = None,
    *,
    sources: Sequence[str] | None = None,
    kinds: Sequence[str] | None = DEFAULT_KINDS,
) -> Stats:
    """Papers (of ``kinds``, None for every kind) per area and per year, and how many have
    no tag; each count is one SQL aggregate, so memory does not grow with the catalog."""
    taxonomy = taxonomy or load_taxonomy()
    if sources:
        catalog.check_sources(sources)
    counts = area_paper_counts(
        catalog, taxonomy, sources=sources, kinds=kinds, nodes=[a.id for a in taxonomy.areas]
    )
    per_area = [(a.id, counts[a.id]) for a in taxonomy.areas]
    where, args = _in_sources(sources, "id")
    kind, kind_args = _of_kinds(kinds, "kind")
    args = [*kind_args, *args]
    years = catalog.conn.execute(
        f"SELECT year, count(*) FROM papers WHERE 1 {kind} {where} GROUP BY year ORDER BY year", args
    ).fetchall()
    per_year = [(str(y) if y is not None else "unknown", c) for y, c in years]
    untagged = catalog.conn.execute(
        "SELECT count(*) FROM papers WHERE NOT EXISTS "
        f"(SELECT 1 FROM tags WHERE tags.paper_id = papers.id AND removed = 0) {kind} {where}",
        args,
    ).fetchone()[0]
    total = sum(c for _, c in years)
    return Stats(int(total), per_area, per_year, int(untagged))


def area_paper_counts(
    catalog: Catalog,
    taxonomy: Taxonomy,
    *,
    sources: Sequence[str] | None = None,
    kinds: Sequence[str] | None = DEFAULT_KINDS,
    nodes: Sequence[str] | None = None,
) -> dict[str, int]:
    """Distinct papers (of ``kinds``, None for every kind) per node of ``nodes`` (default:
    every node), counting a paper under a node when it or a subtopic is tagged."""
    where, args = _in_sources(sources, "t.paper_id")
    kind, kind_args = _of_kinds(kinds, "p.kind")
    out = {}
    for node in taxonomy.nodes if nodes is None else nodes:
        below = taxonomy.descendants(node)
        counted = "t.paper_id" if len(below) == 1 else "DISTINCT t.paper_id"  # (paper_id, node) is the key
        out[node] = catalog.conn.execute(
            f"SELECT count({counted}) FROM tags t JOIN papers p ON p.id = t.paper_id "
            f"WHERE t.removed = 0 AND t.node IN ({','.join('?' * len(below))}) {kind} {where}",
            [*below, *kind_args, *args],
        ).fetchone()[0]
    return out
