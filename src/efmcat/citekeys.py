"""The keys efmcat's BibTeX export gives papers, numbered as the catalog numbers them.

A generated key (``<firstauthor><year><firstword>``, see ``formats.bibtex.base_key``) that
several papers share gets a, b, c... in id order over the whole catalog, so a paper's key
does not depend on the selection exported with it. The export numbers the keys of what it
writes; an import asks which keys of a .bib file this catalog would give again (an own
export re-imported is no user's key), and keeps the others as the user's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from efmcat.catalog import Catalog


def number(
    catalog: Catalog, db: sqlite3.Connection, rows: Iterable[Mapping[str, Any]], *, with_others: bool = False
) -> int:
    """Fill the scratch database ``db``'s table ``keys (key, id)`` with the keys of ``rows``
    (records with ``id``, ``citekey``, ``authors``, ``year`` and ``title``), numbered with the
    catalog's other papers whose keys could collide with them (``with_others``: their keys
    kept in ``keys`` too); returns the number of ``rows``."""
    from efmcat.formats import bibtex

    starts: set[tuple[int | None, str]] = set()  # (year, first author) of the chosen papers' keys

    def chosen() -> Iterator[tuple[str, str | None, str]]:
        for r in rows:
            starts.add((r.get("year"), bibtex.author_key(r)))
            yield r["id"], r.get("citekey"), bibtex.base_key(r)

    def others(known: Callable[[str], bool]) -> Iterator[tuple[str, str | None, str]]:
        # a key another paper could share starts alike (a user's own key could be any, of
        # any year: those)
        for r in catalog.key_fields({year for year, _ in starts}):
            if (r["citekey"] or (r["year"], bibtex.author_key(r)) in starts) and not known(r["id"]):
                yield r["id"], r["citekey"], bibtex.base_key(r)

    return bibtex.number_keys(db, chosen(), others, keep_others=with_others)
