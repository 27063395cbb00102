"""Two records of one paper become one: the record without an arXiv id merges into the
arXiv paper (its sources, tags, the fields the arXiv record lacks and the user's own data
move along). ``check --fix`` merges the pairs it finds; an import or ``add`` that brings the
arXiv paper of a record the catalog holds under a DOI or ``title:`` id merges that record
at once (:func:`absorb_title_twins`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from efmcat.catalog import Catalog, own_link
from efmcat.ids import title_key, try_parse_arxiv_id
from efmcat.models import Paper


def merge_target(ids: Iterable[str]) -> str | None:
    """The record that records of one title merge into: their only arXiv paper (None when
    they have none, or two: then two arXiv papers share a title, and a human decides).
    ``check`` reports, ``check --fix`` and :func:`absorb_title_twins` merge by this rule."""
    arxiv = [i for i in ids if try_parse_arxiv_id(i) is not None]
    return arxiv[0] if len(arxiv) == 1 else None


def merge_papers(catalog: Catalog, old: str, into: str) -> None:
    """Move sources and tags of ``old`` to ``into``, fill ``into``'s empty fields, delete ``old``."""
    conn = catalog.conn
    with catalog.transaction():
        record = catalog.get_paper(old)
        catalog.upsert_paper(replace(record, id=into, url=None, pdf_url=None), fill_only=True)
        joined = catalog.get_paper(into).curator_note  # the curators' notes of both records, too
        if record.curator_note and joined and record.curator_note not in joined:
            conn.execute(
                "UPDATE papers SET curator_note = ? WHERE id = ?",
                (f"{joined}\n\n{record.curator_note}", into),
            )
        carry_user_data(catalog, record, into)
        for row in catalog.tag_rows(old):
            catalog.set_tag(into, row["node"], row["origin"], row["score"], removed=bool(row["removed"]))
        # A source row stores NULL for a link or title that is its paper's own; spelled out
        # first, they keep naming the merged-away record's link and title.
        conn.execute(
            "UPDATE sources SET link = coalesce(link, ?), title = coalesce(title, ?) WHERE paper_id = ?",
            (record.url if record.url is not None else own_link("url", old), record.title, old),
        )
        conn.execute("UPDATE OR IGNORE sources SET paper_id = ? WHERE paper_id = ?", (into, old))
        catalog.delete_paper(old)


def carry_user_data(catalog: Catalog, old: Paper, into: str) -> None:
    """The user's own data on a merged-away paper goes along: its edited fields (unless the
    target has its own edit of them; two notes are joined, the target's first), reading
    status and citekey where the target has none, and its star."""
    target = catalog.get_paper(into)
    edits = {f: getattr(old, f) for f in old.user_fields if f not in target.user_fields}
    mine = "note" in old.user_fields  # (every note is the user's since schema v6)
    if mine and old.note and target.note and old.note not in target.note:  # two of the user's: both
        edits["note"] = f"{target.note}\n\n{old.note}"
    if old.citekey and not target.citekey and "citekey" not in target.user_fields:
        catalog.conn.execute("UPDATE papers SET citekey = ? WHERE id = ?", (old.citekey, into))
    if edits:
        catalog.set_user_fields(into, edits)
    if old.status and not target.status:
        catalog.set_status([into], old.status)
    if old.starred:
        catalog.set_starred([into])


def absorb_title_twins(catalog: Catalog, ids: Iterable[str]) -> list[tuple[str, str]]:
    """For each arXiv paper of ``ids``: the papers without an arXiv id that have its title
    merge into it, when it is the only arXiv paper with that title. Returns (merged id,
    arXiv id) pairs. The titles of ``ids`` are read in bulk, then the catalog's records
    without an arXiv id once (Catalog.loose_titles, keeping only those titles); a full-text
    query runs only for a title one of them has."""
    if not catalog.has_loose():
        return []  # the common case, one step of the id index
    ids = list(ids)  # an id without arXiv's form, or named twice, merges nothing (below)
    titles = {pid: t.title for pid, t in catalog.texts_by_ids(ids).items()}
    keys = {pid: title_key(t) for pid, t in titles.items()}
    loose = catalog.loose_titles(keys.values())
    done: list[tuple[str, str]] = []
    for pid in ids:
        key = keys.get(pid)  # None: not in the catalog, or a title too short to compare
        others = [i for i in loose.get(key, ()) if catalog.has(i)] if key is not None else []
        if not others:
            continue
        if merge_target(catalog.ids_by_title(titles[pid])) != pid:
            continue  # two arXiv papers under one title: a human decides (check)
        for other in others:
            merge_papers(catalog, other, pid)
            done.append((other, pid))
    return done
