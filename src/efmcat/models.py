"""The Paper record shared by every module, and the slice of it the tagger reads."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

# The score of a manual tag the user did not name: an area (or parent) that a manual
# subtopic tag implies. Untagging the last subtopic that implied it gives it back: to the
# tagger (IMPLIED), or to the user's earlier removal of it (IMPLIED_OVER_REMOVAL), which an
# implied tag written over a removal remembers (Catalog.set_tag).
IMPLIED = 0.5
IMPLIED_OVER_REMOVAL = 0.25


def implied(row: dict | None) -> bool:
    """A stored row that is an implied area: manual, present, a score below 1 (as
    Catalog.set_tag tells them apart)."""
    return (
        row is not None
        and row["origin"] == "manual"
        and not row["removed"]
        and row["score"] is not None
        and row["score"] < 1.0
    )


# The last "name" of an author list known to be incomplete, as BibTeX writes it ("A and B and
# others"): a list that ends "et al." is stored ending with it, so that a BibTeX export says
# "and others" and a display "et al." instead of dropping the authors nobody named.
ET_AL = "others"
_ET_AL_TAIL = re.compile(r"(?:^|[\s,;]+)et(?:\.\s*|\s+)al\b\.?$", re.I)  # not "Bo Etal"


def spaced_name(name: str) -> str:
    """An author's name with its spaces folded, and one after a parenthesised nickname that
    a list ran into the surname: "Dhabaleswar K. (DK)Panda" is "Dhabaleswar K. (DK) Panda"."""
    return _RUN_IN_NICKNAME.sub(") ", " ".join(name.split()))


_RUN_IN_NICKNAME = re.compile(r"\)(?=[A-Z])")


def with_et_al(names: Iterable[str]) -> list[str]:
    """An author list as efmcat stores it: each name :func:`spaced_name`; a last name written
    "Ana Smith et al." (or an "et al." of its own) becomes "Ana Smith" and ET_AL at the end;
    an "others" anywhere (a name added after it in the editor) says the list goes on, and
    moves to the end."""
    out = [spaced_name(n) for n in names if n]
    if not out:
        return out
    tail = _ET_AL_TAIL.search(out[-1])
    if tail is not None:
        out[-1] = out[-1][: tail.start()].strip()
    named = [n for n in out if n and n.strip().lower() != ET_AL]
    return [*named, ET_AL] if tail is not None or len(named) < len(out) else named


def named_authors(authors: Iterable[str]) -> tuple[list[str], bool]:
    """The named authors of a stored list, and whether it goes on (ends with ET_AL)."""
    names = list(authors)
    more = bool(names) and names[-1] == ET_AL
    return (names[:-1] if more else names), more


def author_line(authors: Iterable[str]) -> str:
    """Authors as a reader sees them: "Ana Smith, Bo Wang et al." for an incomplete list."""
    names, more = named_authors(authors)
    return " ".join(filter(None, [", ".join(names), "et al." if more else ""]))


_PRECEDENCE = {"auto": 0, "curated": 1, "manual": 2}
NOT_WRITTEN = object()  # what over_tag returns when the decision there stands


def over_tag(have: tuple[str, bool] | None, origin: str, score: float | None, removed: bool) -> object:
    """The score a tag decision ``(origin, score, removed)`` is stored with over the row a
    paper has for the node (``have``: its origin and whether it is a removal; None: no row),
    or NOT_WRITTEN. Precedence: manual > curated > auto, a weaker origin never overrides a
    stronger one; an implied manual tag (a score below 1) never replaces a tag the user or a
    curator gave, and over the user's removal it is stored as IMPLIED_OVER_REMOVAL (so that
    untagging its subtopic removes it again). Catalog.set_tag and the importer's bulk rows
    both decide by it."""
    if have is not None and _PRECEDENCE[origin] < _PRECEDENCE[have[0]]:
        return NOT_WRITTEN
    if have is not None and origin == "manual" and not removed and score is not None and score < 1.0:
        if have[0] == "manual" and have[1]:
            return IMPLIED_OVER_REMOVAL
        if have[0] != "auto":
            return NOT_WRITTEN
    return score


@dataclass(slots=True)
class Paper:
    """One paper. ``id`` is the catalog key: the unversioned arXiv id for arXiv papers,
    else a stable id derived from the link (``openreview:...``, ``acl:...``, ``doi:...``)."""

    id: str
    title: str
    version: int | None = None
    authors: list[str] = field(default_factory=list)
    abstract: str | None = None
    year: int | None = None
    published: str | None = None  # ISO date or datetime
    updated: str | None = None
    categories: list[str] = field(default_factory=list)
    primary_category: str | None = None
    doi: str | None = None
    journal_ref: str | None = None
    comment: str | None = None
    url: str | None = None
    pdf_url: str | None = None
    source: str | None = None
    verified: bool = True
    note: str | None = None
    venue: str | None = None  # where it appeared, as a list or BibTeX states it ("ICML 2023")
    kind: str = "paper"  # "paper", or a non-paper a list links: "repo", "blog", "slides", "talk"
    # The curators' note (schema v6): a corrected link, a renamed paper. ``note`` is the user's.
    curator_note: str | None = None
    added_at: str | None = None  # set by the catalog
    # The researcher's own data (schema v4), never written by upsert_paper:
    status: str | None = None  # reading status: "to-read", "reading", "read"
    starred: bool = False
    citekey: str | None = None  # the user's BibTeX key (imported .bib files, or efmcat edit)
    user_fields: list[str] = field(default_factory=list)  # fields the user edited: kept on refresh

    @property
    def arxiv_id(self) -> str | None:
        return None if ":" in self.id else self.id

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PaperText(NamedTuple):
    """What the tagger reads of a paper (Catalog.texts_by_ids): cheaper to load than a Paper."""

    id: str
    title: str
    abstract: str | None
    categories: list[str]
