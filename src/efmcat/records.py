"""Paper records: the JSON-ready view of a paper with its tags, shared by every output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from efmcat.catalog import Catalog
from efmcat.models import Paper
from efmcat.taxonomy import Taxonomy

RECORD_KEYS = (
    "id",
    "arxiv_id",
    "version",
    "title",
    "authors",
    "abstract",
    "year",
    "published",
    "updated",
    "categories",
    "primary_category",
    "doi",
    "journal_ref",
    "comment",
    "url",
    "pdf_url",
    "venue",
    "kind",
    "tags",
    "areas",
)


def paper_record(paper: Paper, tags: Sequence[str], taxonomy: Taxonomy) -> dict[str, Any]:
    """The documented JSON object of a paper (keys in RECORD_KEYS order, then extras)."""
    ordered = taxonomy.order(tags)
    return _record(paper, ordered, taxonomy.areas_of(ordered))


def _record(paper: Paper, ordered: list[str], areas: list[str]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": paper.id,
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "abstract": paper.abstract,
        "year": paper.year,
        "published": paper.published,
        "updated": paper.updated,
        "categories": list(paper.categories),
        "primary_category": paper.primary_category,
        "doi": paper.doi,
        "journal_ref": paper.journal_ref,
        "comment": paper.comment,
        "url": paper.url,
        "pdf_url": paper.pdf_url,
        "venue": paper.venue,
        "kind": paper.kind,
        "tags": ordered,
        "areas": areas,
        "verified": paper.verified,
        "note": paper.note,
        "source": paper.source,
        "added_at": paper.added_at,
        "status": paper.status,
        "starred": paper.starred,
        "citekey": paper.citekey,
        "user_fields": list(paper.user_fields),
    }
    return record


def records_for(catalog: Catalog, papers: Sequence[Paper], taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """The records of ``papers``, their tags read in bulk (papers share few distinct tag
    sets, so each set is put in taxonomy order once)."""
    tags = catalog.tags_of([p.id for p in papers])
    memo: dict[frozenset[str], tuple[list[str], list[str]]] = {}
    out = []
    for p in papers:
        key = frozenset(tags[p.id])
        if key not in memo:
            ordered = taxonomy.order(key)
            memo[key] = (ordered, taxonomy.areas_of(ordered))
        ordered, areas = memo[key]
        out.append(_record(p, list(ordered), list(areas)))
    return out
