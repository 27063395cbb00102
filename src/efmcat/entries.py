"""What a format parser gives the importer: one :class:`Entry` per row of an input file,
and the :class:`ParseResult` of a whole file. Shared by every parser in efmcat.formats,
the spool of streamed files and the importer (which re-exports both names)."""

from __future__ import annotations

from dataclasses import dataclass, field

from efmcat.models import Paper


@dataclass(slots=True)
class Entry:
    """One row of an input file: a paper as that file gives it."""

    paper: Paper
    line: int
    link: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)  # curated tags (from headings or the file)
    auto_tag: bool = True  # False when the file carries the full classification (YAML)
    source_title: str | None = None  # the title as the file gives it (kept when arXiv's differs)
    citekey: str | None = None  # the key a BibTeX file gives the entry (kept for export)
    manual_tags: list[str] = field(default_factory=list)  # the user's tags (an efmcat export)
    removed_tags: list[str] = field(default_factory=list)  # the user's removals (an efmcat export)
    auto_tags: list[str] = field(default_factory=list)  # the tagger's, as exported (an efmcat export)
    # The lists the paper is listed in, as a backup (an efmcat export) restores them: each
    # {source, locator, title, link, section}; None: the file itself is the paper's source.
    sources: list[dict[str, str | None]] | None = None


@dataclass
class ParseResult:
    source: str
    entries: list[Entry] = field(default_factory=list)
    rows: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, link)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
