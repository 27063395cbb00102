"""The researcher's own data: remove papers, notes, reading status, stars, links to open.

Each call takes ids as a user pastes them (any form ``efmcat show`` accepts), checks that
every paper is in the catalog before writing anything, and writes in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from efmcat.catalog import REMOVED_KEY, STATUSES, Catalog, json_dict, utcnow
from efmcat.errors import EfmcatError, NoteTooLongError, PaperNotFoundError, UsageError
from efmcat.ids import doi_of_id
from efmcat.models import Paper

ARXIV_ABS = "https://arxiv.org/abs/{}"
ARXIV_PDF = "https://arxiv.org/pdf/{}"


def resolve_ids(catalog: Catalog, texts: Sequence[str]) -> list[str]:
    """Catalog ids of the pasted ids, in order, without repeats; every one must be present
    (an id a release moved is the paper's new one)."""
    from efmcat.ids import parse_paper_id

    if not texts:
        raise UsageError("name at least one paper")
    ids = list(dict.fromkeys(catalog.current_ids([parse_paper_id(t) for t in texts])))
    present = catalog.existing_ids(ids)
    missing = [i for i in ids if i not in present]
    if missing:
        raise PaperNotFoundError(f"not in the catalog: {', '.join(missing)}")
    return ids


def papers(catalog: Catalog, texts: Sequence[str]) -> list[Paper]:
    return [catalog.get_paper(i) for i in resolve_ids(catalog, texts)]


def remove_papers(catalog: Catalog, texts: Sequence[str]) -> list[Paper]:
    """Delete the papers with their tags, sources and notes; returns what was removed. The
    ids are remembered (REMOVED_KEY), so that ``update`` does not bring them back."""
    chosen = papers(catalog, texts)
    with catalog.transaction():
        catalog.delete_papers([p.id for p in chosen])
        removed = json_dict(catalog.get_meta(REMOVED_KEY))
        removed.update({p.id: utcnow() for p in chosen})
        catalog.set_meta(REMOVED_KEY, json.dumps(dict(sorted(removed.items()))))
    return chosen


# The longest note (characters): a page of notes is thousands; a note of hundreds of MB (a file
# piped in by mistake) took gigabytes to store and would slow every search of the notes.
MAX_NOTE = 1_000_000


def check_note(note: str) -> str:
    """``note`` if a note may hold it, else NoteTooLongError: set_note, ``note -`` and edit."""
    if len(note) > MAX_NOTE:
        raise NoteTooLongError(f"a note holds at most {MAX_NOTE:,} characters; this one is longer")
    return note


def set_note(catalog: Catalog, text: str, note: str | None, *, append: bool = False) -> Paper:
    """Set (or, with ``append``, add a paragraph to) the note of a paper; None or "" clears it,
    but appending nothing leaves the note as it is (an editor closed without typing).
    A note written here is the user's own: search finds it and no import overwrites it."""
    (paper,) = papers(catalog, [text])
    note = (note or "").strip()
    if append and paper.note:
        note = f"{paper.note.rstrip()}\n\n{note}" if note else paper.note
    check_note(note)
    catalog.set_note(paper.id, note or None)
    return catalog.get_paper(paper.id)


def set_status(catalog: Catalog, texts: Sequence[str], status: str | None) -> list[str]:
    """Reading status of each paper: to-read, reading, read; None (or "none") clears it."""
    if status == "none":
        status = None
    if status is not None and status not in STATUSES:
        raise UsageError(f"unknown status '{status}': use one of {', '.join(STATUSES)} or none")
    ids = resolve_ids(catalog, texts)
    catalog.set_status(ids, status)
    return ids


def set_starred(catalog: Catalog, texts: Sequence[str], starred: bool = True) -> list[str]:
    ids = resolve_ids(catalog, texts)
    catalog.set_starred(ids, starred)
    return ids


def paper_link(paper: Paper, *, pdf: bool = False) -> str:
    """The page (or PDF) of a paper: arXiv's for arXiv papers, else the stored links."""
    if pdf:
        link = paper.pdf_url or (ARXIV_PDF.format(paper.arxiv_id) if paper.arxiv_id else None)
        if not link and paper.id.startswith("openreview:"):  # OpenReview serves every forum's PDF
            link = f"https://openreview.net/pdf?id={paper.id.removeprefix('openreview:')}"
        if not link:
            raise EfmcatError(f"{paper.id} has no PDF link; open its page without --pdf")  # as no link
        return link
    link = paper.url or (ARXIV_ABS.format(paper.arxiv_id) if paper.arxiv_id else None)
    doi = paper.doi or doi_of_id(paper.id)
    if not link and doi:
        link = f"https://doi.org/{doi}"
    if not link:
        raise EfmcatError(f"{paper.id} has no link to open")
    return link


def open_paper(catalog: Catalog, text: str, *, pdf: bool = False, browse: bool = True) -> str:
    """The link of a paper, opened in the web browser unless ``browse`` is False."""
    (paper,) = papers(catalog, [text])
    link = paper_link(paper, pdf=pdf)
    if browse:
        import webbrowser

        if not webbrowser.open(link):
            # the machine's, not the command line's: exit 1, as a missing link is
            raise EfmcatError(f"no web browser to open {link} (use --print to print the link)")
    return link
