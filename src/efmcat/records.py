"""Paper records: the JSON-ready view of a paper with its tags, shared by every output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from efmcat.catalog import Catalog
from efmcat.ids import doi_of_id
from efmcat.models import IMPLIED_OVER_REMOVAL, Paper, implied
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


def _decisions(rows: Sequence[dict[str, Any]], taxonomy: Taxonomy) -> dict[str, list[str]]:
    """Who decided a paper's tags, from its tag rows: the user's (``manual_tags``; of them,
    ``implied_tags`` are the areas a tagged subtopic implies) and the tagger's (the rest of
    ``tags`` are curated), and the user's removals (an implied area over one among them),
    each in taxonomy order."""
    manual = [r for r in rows if r["origin"] == "manual" and not r["removed"]]
    return {
        "manual_tags": taxonomy.order(r["node"] for r in manual),
        "implied_tags": taxonomy.order(r["node"] for r in manual if implied(r)),
        "auto_tags": taxonomy.order(r["node"] for r in rows if r["origin"] == "auto" and not r["removed"]),
        # with an implied area that holds the user's removal until its subtopic goes
        "removed_tags": taxonomy.order(
            r["node"] for r in rows if r["removed"] or (implied(r) and r["score"] == IMPLIED_OVER_REMOVAL)
        ),
    }


def _record(
    paper: Paper, ordered: list[str], areas: list[str], decisions: dict[str, list[str]]
) -> dict[str, Any]:
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
        "doi": paper.doi or doi_of_id(paper.id),  # a doi: id names its DOI, as an arXiv id its arxiv_id
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
        "curator_note": paper.curator_note,
        "source": paper.source,
        "added_at": paper.added_at,
        "status": paper.status,
        "starred": paper.starred,
        "citekey": paper.citekey,
        "user_fields": list(paper.user_fields),
        **decisions,
    }
    return record


def records_for(catalog: Catalog, papers: Sequence[Paper], taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """The records of ``papers``, their tag rows read in bulk (papers share few distinct tag
    sets, so each set is put in taxonomy order once)."""
    rows = catalog.tag_rows_of([p.id for p in papers])
    memo: dict[tuple[tuple[str, str, int, bool], ...], tuple[list[str], list[str], dict[str, list[str]]]] = {}
    out = []
    for p in papers:
        mine = rows.get(p.id, [])
        key = tuple((r["node"], r["origin"], r["removed"], implied(r)) for r in mine)
        if key not in memo:
            ordered = taxonomy.order(r["node"] for r in mine if not r["removed"])
            memo[key] = (ordered, taxonomy.areas_of(ordered), _decisions(mine, taxonomy))
        ordered, areas, decisions = memo[key]
        out.append(_record(p, list(ordered), list(areas), {k: list(v) for k, v in decisions.items()}))
    return out
