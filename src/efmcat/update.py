"""Bring a user's catalog up to the newly shipped catalog (the library behind ``efmcat update``).

A user's catalog starts as a copy of the shipped one and then becomes theirs: notes,
manual tags, imports, papers refreshed from arXiv. A new release of efmcat ships a better
catalog (more papers, fixed titles and ids). :func:`update_catalog` merges it in, in one
transaction:

- papers the user lacks are added with their tags, sources and provenance;
- papers the user has get the shipped metadata where the user's copy is still the shipped
  one (not refreshed from arXiv, not edited): fixed titles, authors, abstracts, years; a
  field the user filled or changed, a note and a manual tag are never touched;
- curated tags arrive (a manual decision wins, as everywhere), auto tags follow the
  shipped tagger for papers whose text is the shipped one;
- sources (where a paper is listed) are replaced by the shipped ones for the shipped lists,
  so fixed line numbers do not leave stale rows; the user's own imports stay;
- a paper the release moved to another id (a ``title:`` id that became an arXiv id) moves,
  with its notes and manual tags.

The shipped catalog records its release (a hash of the rows it holds) in ``meta``; a user catalog
records the release it came from or was last updated to.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from efmcat.catalog import MOVED_KEY, PAPER_FIELDS, REMOVED_KEY, Catalog, json_dict
from efmcat.errors import CatalogError
from efmcat.merge import carry_user_data
from efmcat.render import count

if TYPE_CHECKING:
    from efmcat.taxonomy import Taxonomy

RELEASE_KEY = "release"  # the shipped catalog's release; in a user catalog, the one it matches
NOTICE_KEY = "update_notice"  # the release the user was last told about
# Metadata fields an update may bring; note, verified and source stay the user's; the
# curators' note is the release's alone (_curators_note).
_FIELDS = tuple(f for f in PAPER_FIELDS if f not in ("id", "note", "source", "curator_note"))
MAX_CHANGES = 1000


@dataclass
class UpdateReport:
    release_from: str | None
    release_to: str
    dry_run: bool = False
    added: int = 0
    updated: int = 0
    moved: int = 0
    tags_added: int = 0
    tags_removed: int = 0  # auto tags the release's tagger no longer gives (the text is the release's)
    sources_added: int = 0
    kept_user_fields: int = 0
    kept_removed: int = 0  # papers of the release the user removed (rm): not added back
    changes: list[dict[str, Any]] = field(default_factory=list)
    changes_left_out: int = 0  # changes beyond MAX_CHANGES, counted, not listed

    @property
    def changed(self) -> bool:
        return bool(
            self.added
            or self.updated
            or self.moved
            or self.tags_added
            or self.tags_removed
            or self.sources_added
        )

    def note(self, **change: Any) -> None:
        if len(self.changes) < MAX_CHANGES:
            self.changes.append(change)
        else:
            self.changes_left_out += 1

    def summary(self) -> str:
        if not self.changed and self.release_from == self.release_to:
            return f"Your catalog is up to date (release {self.release_to})."
        verb = "Would add" if self.dry_run else "Added"
        parts = [
            f"{verb} {count(self.added, 'paper')}",
            f"updated {self.updated}",
            f"moved {self.moved}",
            count(self.tags_added, "tag") + " on papers you had",  # new papers bring theirs
            count(self.sources_added, "source row"),
        ]
        text = ", ".join(parts) + f" (release {self.release_from or 'none'} -> {self.release_to})"
        if self.tags_removed:
            text += f"; removed {count(self.tags_removed, 'auto tag')} the release no longer gives"
        if self.kept_user_fields:
            text += f"; kept {count(self.kept_user_fields, 'field')} you changed"
        if self.kept_removed:
            text += f"; left out {count(self.kept_removed, 'paper')} you removed"
        return text + ("; nothing written (dry run)." if self.dry_run else ".")

    def to_dict(self) -> dict[str, Any]:
        return {
            "release_from": self.release_from,
            "release_to": self.release_to,
            "dry_run": self.dry_run,
            "added": self.added,
            "updated": self.updated,
            "moved": self.moved,
            "tags_added": self.tags_added,
            "tags_removed": self.tags_removed,
            "sources_added": self.sources_added,
            "kept_user_fields": self.kept_user_fields,
            "kept_removed": self.kept_removed,
            "changes": self.changes,
            "changes_left_out": self.changes_left_out,
        }


def release_of(path: Path) -> str | None:
    """The release recorded in a catalog file (None if it has none or cannot be read)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = ?", (RELEASE_KEY,)).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def update_notice(catalog: Catalog, shipped: Path | None) -> str | None:
    """A one-time message when ``catalog`` came from an older shipped catalog, else None.

    Catalogs that never came from a shipped one (no papers listed by the survey) get none;
    the notice is recorded so that it is said once per release."""
    if shipped is None or catalog.path.resolve() == shipped.resolve():
        return None
    try:
        mine = catalog.get_meta(RELEASE_KEY)
        told = catalog.get_meta(NOTICE_KEY)
        if not catalog.conn.execute("SELECT 1 FROM sources WHERE source = 'survey' LIMIT 1").fetchone():
            return None
    except sqlite3.Error:
        return None
    new = release_of(shipped)
    if new is None or new in (mine, told):
        return None
    with contextlib.suppress(sqlite3.Error, CatalogError):  # read-only: say it again next time
        catalog.set_meta(NOTICE_KEY, new)
    return (
        f"A newer shipped catalog is available (release {new}): run `efmcat update` (--dry-run to preview)."
    )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == "[]"


def update_catalog(
    catalog: Catalog,
    shipped: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> UpdateReport:
    """Merge the shipped catalog at ``shipped`` into ``catalog`` (one transaction);
    ``progress(shipped papers merged, shipped papers in all)`` after each batch."""
    if not shipped.is_file():
        raise CatalogError(f"no shipped catalog at {shipped}")
    new_release = release_of(shipped)
    if new_release is None:
        raise CatalogError(f"{shipped} records no release: not a shipped efmcat catalog")
    report = UpdateReport(catalog.get_meta(RELEASE_KEY), new_release, dry_run=dry_run)
    # a dry run on a catalog this user cannot write merges into a copy (SQLite attaches the
    # shipped file outside a transaction, so Catalog.dry_run cannot lend its copy here)
    on_copy = dry_run and not catalog.writable()
    with catalog.scratch_copy() if on_copy else contextlib.nullcontext(catalog) as target:
        conn = target.conn
        conn.execute("ATTACH DATABASE ? AS shipped", (f"file:{shipped}?mode=ro",))
        try:
            with target.dry_run() if dry_run else target.transaction():
                _merge(target, report, progress)
                target.set_meta(RELEASE_KEY, new_release)
                target.set_meta(NOTICE_KEY, new_release)
        finally:
            conn.execute("DETACH DATABASE shipped")
    return report


def _merge(
    catalog: Catalog, report: UpdateReport, progress: Callable[[int, int | None], None] | None = None
) -> None:
    conn = catalog.conn
    total = int(conn.execute("SELECT count(*) FROM shipped.papers").fetchone()[0]) if progress else None
    done = 0
    shipped_sources = {r[0] for r in conn.execute("SELECT DISTINCT source FROM shipped.sources")}
    moved_row = conn.execute("SELECT value FROM shipped.meta WHERE key = ?", (MOVED_KEY,)).fetchone()
    moved: dict[str, str] = json.loads(moved_row[0]) if moved_row and moved_row[0] else {}
    for old, new in sorted(moved.items()):
        if catalog.has(old):
            _move(catalog, old, new, report)
    if moved:  # kept, so that an old id the user pastes still finds the paper (current_ids)
        known = json_dict(catalog.get_meta(MOVED_KEY))
        if any(known.get(old) != new for old, new in moved.items()):
            catalog.set_meta(MOVED_KEY, json.dumps({**known, **moved}, sort_keys=True))
    cols = [*PAPER_FIELDS, "added_at", "fetched_at", "provenance"]
    from efmcat.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    removals = json_dict(catalog.get_meta(REMOVED_KEY))
    carried = {new: removals[old] for old, new in moved.items() if old in removals and new not in removals}
    if carried:  # a paper removed under its old id stays removed under the id the release moved it to
        catalog.set_meta(REMOVED_KEY, json.dumps(dict(sorted({**removals, **carried}.items()))))
    removed = set(removals) | set(carried)
    last = -1
    while True:
        batch = conn.execute(
            f"SELECT n, {', '.join(cols)} FROM shipped.papers WHERE n > ? ORDER BY n LIMIT 500", (last,)
        ).fetchall()
        if not batch:
            break
        last = batch[-1]["n"]
        for row in batch:
            _merge_paper(catalog, row, cols, shipped_sources, report, taxonomy, removed)
        done += len(batch)
        if progress:
            progress(done, total)


def _curators_note(new: str | None, old: str | None, note: str | None) -> dict[str, Any]:
    """The curators' note is the release's, whoever refreshed the paper: a corrected one
    replaces it, a retracted one goes. A user's note that begins with it (before schema v6
    the two shared one field, and ``note --append`` wrote after the curators' text) loses
    that copy, once the note has its own field again."""
    changes: dict[str, Any] = {}
    if new != old:
        changes["curator_note"] = new
    if new and note and note.startswith(new + "\n\n"):
        changes["note"] = note[len(new) + 2 :]
    return changes


def _move(catalog: Catalog, old: str, new: str, report: UpdateReport) -> None:
    conn = catalog.conn
    if catalog.has(new):
        # Both exist: the user's own data follows the paper to its new id: the note (after
        # one the paper has), edited fields, status, citekey and star, manual tags, and the
        # source rows of the user's imports (the release's own are merged after).
        mine, target = catalog.get_paper(old), catalog.get_paper(new)
        if mine.note and "note" in mine.user_fields:  # a release's curator note stays the release's
            yours = target.note if "note" in target.user_fields else None
            catalog.set_user_fields(new, {"note": f"{yours}\n\n{mine.note}" if yours else mine.note})
        carry_user_data(catalog, mine, new)  # the note is the paper's own by now: skipped there
        conn.execute(
            "INSERT OR REPLACE INTO tags(paper_id, node, origin, score, removed) "
            "SELECT ?, node, origin, score, removed FROM tags WHERE paper_id = ? AND origin = 'manual'",
            (new, old),
        )
        conn.execute("UPDATE OR IGNORE sources SET paper_id = ? WHERE paper_id = ?", (new, old))
        conn.execute("DELETE FROM papers WHERE id = ?", (old,))
    else:
        conn.execute("UPDATE papers SET id = ? WHERE id = ?", (new, old))  # tags and sources cascade
        if ":" not in new:
            # An arXiv paper's own links are NULL (its arXiv pages); the old id's page (a
            # Papers with Code or OpenReview link) goes, unless the user set it (edit).
            conn.execute(
                "UPDATE papers SET "
                "url = CASE WHEN instr(user_fields, '\"url\"') > 0 THEN url END, "
                "pdf_url = CASE WHEN instr(user_fields, '\"pdf_url\"') > 0 THEN pdf_url END "
                "WHERE id = ?",
                (new,),
            )
    report.moved += 1
    report.note(id=new, change="moved", old_id=old)


def _merge_paper(
    catalog: Catalog,
    row: sqlite3.Row,
    cols: list[str],
    shipped_sources: set[str],
    report: UpdateReport,
    taxonomy: Taxonomy,
    removed: Collection[str] = (),
) -> None:
    """One shipped paper into the user's catalog (not one the user removed)."""
    conn = catalog.conn
    pid = row["id"]
    mine = conn.execute("SELECT * FROM papers WHERE id = ?", (pid,)).fetchone()
    if mine is None and pid in removed:
        report.kept_removed += 1
        report.note(id=pid, change="left out", reason="removed by you")
        return
    if mine is None:
        insert = [c for c in cols if c != "fetched_at"]
        conn.execute(
            f"INSERT INTO papers ({', '.join(insert)}) VALUES ({', '.join('?' * len(insert))})",
            [row[c] for c in insert],
        )
        conn.execute(
            "INSERT INTO tags(paper_id, node, origin, score, removed) "
            "SELECT paper_id, node, origin, score, removed FROM shipped.tags WHERE paper_id = ?",
            (pid,),
        )
        cur = conn.execute(
            "INSERT INTO sources(paper_id, source, locator, title, link, section) "
            "SELECT paper_id, source, locator, title, link, section FROM shipped.sources WHERE paper_id = ?",
            (pid,),
        )
        report.added += 1
        report.sources_added += max(cur.rowcount, 0)
        report.note(id=pid, change="added", title=row["title"])
        return
    # The user's copy follows the release where it is still the shipped text: not fetched
    # from arXiv since (arXiv's record is better), not a paper the user imported before the
    # release had it (the import is theirs), and the field not filled by the user. Those
    # get only the fields they lack.
    imported = bool(mine["source"]) and mine["source"] not in shipped_sources  # its file's name
    fetched = mine["fetched_at"] is not None or imported
    owned = set(json.loads(mine["user_fields"] or "[]"))
    # A field the old release gave (its provenance names it) and the new one retracts (a
    # venue found wrong): cleared, when the user's copy is still the release's.
    retracted = set(json_dict(mine["provenance"])) - set(json_dict(row["provenance"]))
    changes: dict[str, Any] = {}
    for name in _FIELDS:
        new, old = row[name], mine[name]
        if _empty(new) and not _empty(old) and name in retracted and name not in owned and not fetched:
            changes[name] = new
            continue
        if new == old or _empty(new):
            continue
        if name in owned:  # edited by the user (efmcat edit): theirs
            report.kept_user_fields += 1
            continue
        # A kind the release corrects (Uni-MoE: a page, then the paper) follows it too, or
        # the paper stays hidden from search and export.
        if _empty(old) or (not fetched and name != "verified"):
            changes[name] = new
        elif name not in ("verified", "kind"):
            report.kept_user_fields += 1
    changes.update(_curators_note(row["curator_note"], mine["curator_note"], mine["note"]))
    new_prov = row["provenance"]
    if (_empty(mine["provenance"]) or not fetched) and new_prov and new_prov != mine["provenance"]:
        changes["provenance"] = new_prov
    if changes:
        sets = ", ".join(f"{k} = ?" for k in changes)
        conn.execute(f"UPDATE papers SET {sets} WHERE id = ?", [*changes.values(), pid])
        if set(changes) - {"provenance"}:
            report.updated += 1
            report.note(id=pid, change="updated", fields=sorted(set(changes) - {"provenance"}))
    # Tags: curated ones arrive (never over a manual decision); auto ones follow the
    # shipped tagger where the text is the shipped one.
    tags = conn.execute("SELECT node, origin, score FROM shipped.tags WHERE paper_id = ?", (pid,)).fetchall()
    have: dict[str, str] = {}
    removed: set[str] = set()  # the user's removals: nothing below them arrives either
    for node, origin, gone in conn.execute(
        "SELECT node, origin, removed FROM tags WHERE paper_id = ?", (pid,)
    ):
        have[node] = origin
        if gone:
            removed.add(node)
    # Text the user's copy has of its own (fetched from arXiv since, or a title or abstract
    # the user edited) was tagged from that text: the release's auto tags are not its.
    # An abstract the release does not have (an import filled it) is such text too: its
    # auto tags were deleted by each update and put back by each retag, and no report said so.
    own_text = (
        fetched
        or bool(owned & {"title", "abstract"})
        or (not _empty(kept := changes.get("abstract", mine["abstract"])) and kept != row["abstract"])
    )
    if not own_text:
        auto = {t["node"] for t in tags if t["origin"] == "auto"}
        for node, origin in have.items():
            if origin == "auto" and node not in auto:
                conn.execute("DELETE FROM tags WHERE paper_id = ? AND node = ?", (pid, node))
                report.tags_removed += 1
    for t in tags:
        origin = have.get(t["node"])
        if origin == "manual" or (origin == "curated" and t["origin"] == "auto"):
            continue
        if taxonomy.is_under(t["node"], removed):
            continue  # a subtopic of an area the user removed would bring the area back
        if t["origin"] == "auto" and own_text:
            continue
        conn.execute(
            "INSERT INTO tags(paper_id, node, origin, score) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(paper_id, node) DO UPDATE SET origin = excluded.origin, score = excluded.score",
            (pid, t["node"], t["origin"], t["score"]),
        )
        if origin is None:
            report.tags_added += 1
    # Sources: the shipped lists' rows replace the old shipped rows; the user's stay.
    rows = conn.execute(
        "SELECT source, locator, title, link, section FROM shipped.sources WHERE paper_id = ?", (pid,)
    ).fetchall()
    keep = {(r["source"], r["locator"]) for r in rows}
    for src, loc in conn.execute("SELECT source, locator FROM sources WHERE paper_id = ?", (pid,)).fetchall():
        if src in shipped_sources and (src, loc) not in keep:
            conn.execute(
                "DELETE FROM sources WHERE paper_id = ? AND source = ? AND locator = ?", (pid, src, loc)
            )
    for r in rows:
        cur = conn.execute(
            "INSERT INTO sources(paper_id, source, locator, title, link, section) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(paper_id, source, locator) DO NOTHING",
            (pid, r["source"], r["locator"], r["title"], r["link"], r["section"]),
        )
        report.sources_added += max(cur.rowcount, 0)
