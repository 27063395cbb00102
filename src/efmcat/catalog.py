"""The SQLite catalog: papers, tags, sources, a full-text index, and schema migrations.

Everything goes through one plain ``sqlite3`` connection (fast start-up). Every write
happens inside :meth:`Catalog.transaction`, so a failed command leaves the file exactly
as it was. WAL mode and a busy timeout let two
efmcat processes share a catalog.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from efmcat.errors import (
    CatalogError,
    CatalogReadOnlyError,
    EfmcatError,
    QueryError,
    UsageError,
    no_paper,
    translate,
)
from efmcat.models import NOT_WRITTEN, Paper, PaperText, over_tag
from efmcat.query import to_fts_query
from efmcat.searchsql import (  # noqa: F401  (SEARCH_SQL and the weights: imported from here by bench/)
    ABSTRACT_WEIGHT,
    DEFAULT_KINDS,
    LISTED_BOOST,
    SEARCH_SQL,
    STATUSES,
    TITLE_WEIGHT,
    filter_clauses,
    first,
    like_escape,
    ranking,
    register,
)

SCHEMA_VERSION = 7
# Papers without an arXiv id: a prefixed id (new-style arXiv ids, all digits, sort before ':';
# old-style ones have no ':').
_LOOSE = "id > ':' AND instr(id, ':') > 0"
BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another one; $EFMCAT_BUSY_TIMEOUT (seconds)
REQUIRED_TABLES = ("papers", "tags", "sources", "meta", "papers_fts", "titles_fts")
# The columns of the current schema a catalog edited by hand may have lost (checked on open:
# a missing one is "damaged", not an efmcat bug at the first query that reads it).
REQUIRED_COLUMNS = {
    "papers": (
        "n", "id", "version", "title", "authors", "abstract", "year", "published", "updated",
        "categories", "primary_category", "doi", "journal_ref", "comment", "url", "pdf_url", "source",
        "verified", "note", "added_at", "fetched_at", "venue", "kind", "provenance", "user_fields",
        "status", "starred", "citekey", "curator_note",
    ),
    "tags": ("paper_id", "node", "origin", "score", "removed"),
    "sources": ("paper_id", "source", "locator", "title", "link", "section"),
    "meta": ("key", "value"),
}  # fmt: skip
ORIGINS = ("curated", "auto", "manual")
# meta: JSON {id: when} of the papers the user removed (`rm`): `update` does not add them back
REMOVED_KEY = "removed"
# meta: JSON {old id: new id} of papers a release moved (built into the shipped catalog; kept
# in the user's by `update`): a pasted old id (LoRA's OpenReview link) still finds its paper
MOVED_KEY = "moved"
# The metadata fields a paper's ``provenance`` names the source of.
PROVENANCE_FIELDS = frozenset({"title", "authors", "abstract", "year", "published", "venue"})
KINDS = ("paper", "repo", "blog", "slides", "post", "page", "report")

# Column order of the papers table (besides the integer key ``n``).
PAPER_FIELDS = (
    "id",
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
    "source",
    "verified",
    "note",
    "venue",
    "kind",
    "curator_note",
)
_JSON_FIELDS = ("authors", "categories")
# Fields a user may edit (efmcat edit); an edited one is recorded in papers.user_fields and
# from then on no writer (refresh, update, import, check --fix) overwrites it.
USER_EDITABLE = (
    "title", "authors", "year", "venue", "abstract", "doi", "journal_ref", "url", "pdf_url", "note", "citekey",
)  # fmt: skip

_V1 = """
CREATE TABLE papers (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER,
    title TEXT NOT NULL,
    authors TEXT NOT NULL DEFAULT '[]',
    abstract TEXT,
    year INTEGER,
    published TEXT,
    updated TEXT,
    categories TEXT NOT NULL DEFAULT '[]',
    primary_category TEXT,
    doi TEXT,
    journal_ref TEXT,
    comment TEXT,
    url TEXT,
    pdf_url TEXT,
    source TEXT,
    verified INTEGER NOT NULL DEFAULT 1,
    note TEXT,
    added_at TEXT NOT NULL,
    fetched_at TEXT
);
CREATE INDEX papers_year ON papers(year);
CREATE INDEX papers_added ON papers(added_at);

CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, authors,
    content='papers', content_rowid='n',
    tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO papers_fts(papers_fts, rank) VALUES('rank', 'bm25(10.0, 1.0, 3.0)');
CREATE TRIGGER papers_ai AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts(rowid, title, abstract, authors)
    VALUES (new.n, new.title, new.abstract, new.authors);
END;
CREATE TRIGGER papers_ad AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors)
    VALUES ('delete', old.n, old.title, old.abstract, old.authors);
END;
CREATE TRIGGER papers_au AFTER UPDATE OF title, abstract, authors ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, abstract, authors)
    VALUES ('delete', old.n, old.title, old.abstract, old.authors);
    INSERT INTO papers_fts(rowid, title, abstract, authors)
    VALUES (new.n, new.title, new.abstract, new.authors);
END;

CREATE TABLE tags (
    paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE ON UPDATE CASCADE,
    node TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('curated', 'auto', 'manual')),
    score REAL,
    removed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (paper_id, node)
) WITHOUT ROWID;
CREATE INDEX tags_node ON tags(node, paper_id);

CREATE TABLE sources (
    paper_id TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE ON UPDATE CASCADE,
    source TEXT NOT NULL,
    locator TEXT NOT NULL DEFAULT '',
    title TEXT,
    link TEXT,
    section TEXT,
    PRIMARY KEY (paper_id, source, locator)
) WITHOUT ROWID;

CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
"""

# v2: per-field indexes for ranking. FTS5's bm25 normalises by the length of the whole
# row, so in papers_fts a paper with an abstract loses to one without. Title and
# abstract get their own indexes; search matches in papers_fts and scores by field.
_V2 = """
CREATE VIRTUAL TABLE titles_fts USING fts5(
    title, content='papers', content_rowid='n', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE abstracts_fts USING fts5(
    abstract, content='papers', content_rowid='n', tokenize='porter unicode61 remove_diacritics 2'
);
INSERT INTO titles_fts(titles_fts) VALUES ('rebuild');
INSERT INTO abstracts_fts(abstracts_fts) VALUES ('rebuild');
CREATE TRIGGER papers_fields_ai AFTER INSERT ON papers BEGIN
    INSERT INTO titles_fts(rowid, title) VALUES (new.n, new.title);
    INSERT INTO abstracts_fts(rowid, abstract) VALUES (new.n, new.abstract);
END;
CREATE TRIGGER papers_fields_ad AFTER DELETE ON papers BEGIN
    INSERT INTO titles_fts(titles_fts, rowid, title) VALUES ('delete', old.n, old.title);
    INSERT INTO abstracts_fts(abstracts_fts, rowid, abstract) VALUES ('delete', old.n, old.abstract);
END;
CREATE TRIGGER papers_fields_au AFTER UPDATE OF title, abstract ON papers BEGIN
    INSERT INTO titles_fts(titles_fts, rowid, title) VALUES ('delete', old.n, old.title);
    INSERT INTO abstracts_fts(abstracts_fts, rowid, abstract) VALUES ('delete', old.n, old.abstract);
    INSERT INTO titles_fts(rowid, title) VALUES (new.n, new.title);
    INSERT INTO abstracts_fts(rowid, abstract) VALUES (new.n, new.abstract);
END;
"""

# v3: where a paper appeared (venue as the lists state it, e.g. "NeurIPS 2023"), what kind
# of item it is ("paper", or a non-paper that a list links: "repo", "blog", "slides", "post";
# non-papers stay out of paper results unless asked for), and where each field of its
# metadata came from (``provenance``, JSON: field -> source).
_V3 = """
ALTER TABLE papers ADD COLUMN venue TEXT;
ALTER TABLE papers ADD COLUMN kind TEXT NOT NULL DEFAULT 'paper';
ALTER TABLE papers ADD COLUMN provenance TEXT;
CREATE INDEX sources_source ON sources(source, paper_id);
"""

# v4: the researcher's own data. ``user_fields`` lists the fields the user edited (JSON list),
# which upsert_paper never overwrites; reading ``status``, ``starred``, the user's BibTeX
# ``citekey``. ``notes_fts`` indexes the notes the user wrote (not the curators' provenance
# notes the seeds carry), so search finds papers by them; a plain FTS5 table (not external
# content), so a row is deleted by rowid whatever it held.
_V4 = """
ALTER TABLE papers ADD COLUMN user_fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE papers ADD COLUMN status TEXT CHECK (status IN ('to-read', 'reading', 'read'));
ALTER TABLE papers ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
ALTER TABLE papers ADD COLUMN citekey TEXT;
CREATE INDEX papers_status ON papers(status);
CREATE INDEX papers_starred ON papers(starred) WHERE starred = 1;
CREATE VIRTUAL TABLE notes_fts USING fts5(note, tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER papers_notes_ai AFTER INSERT ON papers
WHEN new.note IS NOT NULL AND new.note <> '' AND instr(new.user_fields, '"note"') > 0 BEGIN
    INSERT INTO notes_fts(rowid, note) VALUES (new.n, new.note);
END;
CREATE TRIGGER papers_notes_ad AFTER DELETE ON papers BEGIN
    DELETE FROM notes_fts WHERE rowid = old.n;
END;
CREATE TRIGGER papers_notes_au AFTER UPDATE OF note, user_fields ON papers BEGIN
    DELETE FROM notes_fts WHERE rowid = old.n;
    INSERT INTO notes_fts(rowid, note) SELECT new.n, new.note
    WHERE new.note IS NOT NULL AND new.note <> '' AND instr(new.user_fields, '"note"') > 0;
END;
"""

# v5: a smaller file (issue 14: at scale the catalog should stay within 1.3x a plain FTS5
# table of the same text). ``abstracts_fts`` goes: the abstract is almost all of a row, so
# papers_fts scored on its abstract column alone (bm25 weights 0, 1, 0, MATCH under an
# ``abstract :`` column filter, so the idf is the abstract's own) is nearly the abstract's
# own bm25; only the length normalisation differs (the whole row's length instead of the
# abstract's). ``titles_fts`` stays: a title is short, and normalised by the whole row a
# title match would count for almost nothing. The status index holds only papers with a
# status (the filter ``status = ?`` still uses it; most papers have none); the index on
# added_at goes (``list --sort added`` sorts, as ``--sort title`` always has).
# An arXiv paper's url and pdf_url are NULL when they are its own arXiv links
# (https://arxiv.org/abs/ID, https://arxiv.org/pdf/ID; ``own_link``): reading a paper
# (``_row_to_paper``) gives them back, so they are stored once per catalog, not per paper.
# Papers written before v5 keep their links spelled out (they read the same; rewriting every
# row here would cost a 1M-paper catalog a WAL the size of its papers table).
# A source row keeps less: an import stores its title as NULL when it is the paper's own
# title and the row is the paper's only source, and its link as NULL when it is the
# paper's own url. The triggers keep "NULL title = the paper's title" true: a second
# source row of the paper, a row moved to another paper (check --fix) or a change of the
# paper's title writes the title out first. Readers that show a row's title take
# coalesce(sources.title, papers.title) (Catalog.sources_of); check sees the same
# findings, since a paper's only row cannot conflict with itself.
_V5 = """
DROP TRIGGER papers_fields_ai;
DROP TRIGGER papers_fields_ad;
DROP TRIGGER papers_fields_au;
DROP TABLE abstracts_fts;
CREATE TRIGGER papers_fields_ai AFTER INSERT ON papers BEGIN
    INSERT INTO titles_fts(rowid, title) VALUES (new.n, new.title);
END;
CREATE TRIGGER papers_fields_ad AFTER DELETE ON papers BEGIN
    INSERT INTO titles_fts(titles_fts, rowid, title) VALUES ('delete', old.n, old.title);
END;
CREATE TRIGGER papers_fields_au AFTER UPDATE OF title ON papers BEGIN
    INSERT INTO titles_fts(titles_fts, rowid, title) VALUES ('delete', old.n, old.title);
    INSERT INTO titles_fts(rowid, title) VALUES (new.n, new.title);
END;
DROP INDEX papers_status;
CREATE INDEX papers_status ON papers(status) WHERE status IS NOT NULL;
DROP INDEX papers_added;
CREATE TRIGGER sources_title_ai AFTER INSERT ON sources
WHEN EXISTS (SELECT 1 FROM sources s WHERE s.paper_id = new.paper_id AND s.title IS NULL)
AND (SELECT count(*) FROM sources s WHERE s.paper_id = new.paper_id) > 1 BEGIN
    UPDATE sources SET title = (SELECT title FROM papers WHERE id = new.paper_id)
    WHERE paper_id = new.paper_id AND title IS NULL;
END;
CREATE TRIGGER sources_title_au AFTER UPDATE OF paper_id ON sources
WHEN new.title IS NULL AND new.paper_id IS NOT old.paper_id BEGIN
    UPDATE sources SET title = (SELECT title FROM papers WHERE id = old.paper_id)
    WHERE paper_id = new.paper_id AND source = new.source AND locator = new.locator
    AND EXISTS (SELECT 1 FROM papers WHERE id = old.paper_id);
    UPDATE sources SET title = (SELECT title FROM papers WHERE id = new.paper_id)
    WHERE paper_id = new.paper_id AND title IS NULL
    AND (SELECT count(*) FROM sources s WHERE s.paper_id = new.paper_id) > 1;
END;
CREATE TRIGGER papers_title_sources AFTER UPDATE OF title ON papers
WHEN old.title IS NOT new.title BEGIN
    UPDATE sources SET title = old.title WHERE paper_id = new.id AND title IS NULL;
END;
"""

# v6: the curators' note has a column of its own. The seeds' notes (a corrected link, a
# renamed paper: "Corrected: line 67 linked ...") and the user's own note shared ``note``:
# writing a note of one's own replaced the curators' for good (and ``check`` no longer saw
# the renamed paper its note had settled). ``note`` is now the user's alone; a note no user
# wrote moves.
_V6 = """
ALTER TABLE papers ADD COLUMN curator_note TEXT;
UPDATE papers SET curator_note = note, note = NULL
WHERE note IS NOT NULL AND instr(user_fields, '"note"') = 0;
"""

# v7: an index on the list headings. `similar` reads the papers under each of a paper's
# headings; without it SQLite walked every row of the heading's list (0.65 s a heading for
# a list of a million rows), with it the heading's rows alone.
# Also: doi: ids are lowercase (a DOI ignores case; links and bare DOIs gave them so, and
# `show DOI:10.1145/ABC` looks up doi:10.1145/abc), so one a user wrote with capitals in a
# JSON or YAML record is lowered (ASCII ones; tags and sources follow by ON UPDATE CASCADE;
# one whose lowercase id is taken stays as it is, for `check` to show).
_V7 = """
CREATE INDEX sources_section ON sources(source, section);
UPDATE OR IGNORE papers SET id = lower(id)
WHERE id LIKE 'doi:%' AND id <> lower(id) AND id NOT GLOB '*[^ -~]*';
"""

# The full-text indexes over papers and their columns, and the triggers that fill them
# on insert (bulk imports replace those triggers by one INSERT ... SELECT per batch).
FTS_INDEXES = {
    "papers_fts": ("title", "abstract", "authors"),
    "titles_fts": ("title",),
}
INSERT_TRIGGERS = ("papers_ai", "papers_fields_ai")

# MIGRATIONS[i] brings a catalog from schema version i to i + 1.
MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5, _V6, _V7]


def busy_timeout_ms() -> int:
    """How long a writer waits for another efmcat's write to finish ($EFMCAT_BUSY_TIMEOUT seconds)."""
    raw = os.environ.get("EFMCAT_BUSY_TIMEOUT")
    if not raw:
        return BUSY_TIMEOUT_MS
    try:
        seconds = float(raw)
    except ValueError:
        raise UsageError(f"EFMCAT_BUSY_TIMEOUT must be a number of seconds, not {raw!r}") from None
    if not 0 <= seconds <= 3600:
        raise UsageError(f"EFMCAT_BUSY_TIMEOUT must be between 0 and 3600 seconds, not {raw!r}")
    return int(seconds * 1000)


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` may still run: False only when it is known to be gone. On
    Windows ``os.kill(pid, 0)`` sends a console Ctrl+C, not a probe: every pid counts as alive."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no such pid number
        return True
    return True


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _json_list(value: str | None) -> list[str]:
    if not value or value == "[]":  # the common case, without the JSON parser
        return []
    try:
        data = json.loads(value)
    except ValueError:
        return [value]
    return data if isinstance(data, list) else [str(data)]


_KEY_FIELDS_SQL = "SELECT id, citekey, authors, year, title FROM papers"  # what a BibTeX key is made of


def _key_fields(r: Sequence[Any]) -> dict[str, Any]:
    return {"id": r[0], "citekey": r[1], "authors": _json_list(r[2]), "year": r[3], "title": r[4]}


def rows_by_ids(conn: sqlite3.Connection, sql: str, ids: Sequence[str]) -> Iterator[sqlite3.Row]:
    """The rows of ``sql`` (its ``{}`` the placeholders of an ``IN`` list) for ``ids``, 500
    ids a statement: SQLite bounds the parameters of one."""
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        # not `yield from`: closing a generator left half-read (SIGTERM in the middle of a
        # retag) would close the cursor too, after the connection, at the process's end:
        # "Exception ignored ... Cannot operate on a closed database" below "Error: terminated"
        for row in conn.execute(sql.format(",".join("?" * len(chunk))), chunk):  # noqa: UP028
            yield row


def moved_to(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, str]:
    """id -> the id a release moved it to (MOVED_KEY), for those of ``ids`` it moved to a
    paper the catalog holds: what show, tag, note and a search for an old id follow. On a
    bare connection too: the lean search path has no Catalog."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (MOVED_KEY,)).fetchone()
    moved = json_dict(row[0] if row else None)
    targets = {i: str(moved[i]) for i in ids if i in moved}
    if not targets:
        return {}
    wanted = list(dict.fromkeys(targets.values()))
    held = {r[0] for r in rows_by_ids(conn, "SELECT id FROM papers WHERE id IN ({})", wanted)}
    return {i: t for i, t in targets.items() if t in held}


def _spacings(words: list[str]) -> Iterator[list[str]]:
    """The words a title's full-text lookup asks for: all of them; then, where a title
    spaces a name otherwise ("Big bird" for BigBird, FlashAttention for "Flash
    Attention"), all but one word, and all but two adjacent words: one of these the other
    spelling holds whole. At least two words each, so that each lookup stays selective."""
    yield words
    n = len(words)
    for i in range(n):
        if n - 1 >= 2:
            yield words[:i] + words[i + 1 :]
    for i in range(n - 1):
        if n - 2 >= 2:
            yield words[:i] + words[i + 2 :]


def json_dict(value: str | None) -> dict[str, Any]:
    """A stored JSON object (a paper's ``provenance``: field -> where it came from; a state
    in ``meta``), or {} when there is none or it cannot be read as one."""
    if not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class _DryRunRollback(Exception):
    """Raised at the end of a dry run's transaction to undo it."""


class AutoTagWrites:
    """The rows that make papers' auto tags exactly the tagger's scores, collected so that
    :meth:`Catalog.write_auto_tags` writes a page of papers in three statements."""

    def __init__(self) -> None:
        self.deletes: list[tuple[str, str]] = []
        self.inserts: list[tuple[str, str, float]] = []
        self.updates: list[tuple[float, str, str]] = []

    def plan(
        self, paper_id: str, rows: Iterable[dict[str, Any]], scores: dict[str, float]
    ) -> dict[str, list[str]]:
        """Add the writes for one paper whose tag rows are ``rows`` (as Catalog.tag_rows gives
        them); curated and manual rows stay. Returns {"added": [...], "removed": [...]},
        the change in the paper's effective tags (a row marked removed was not one)."""
        by_node = {r["node"]: r for r in rows}
        added, removed = [], []
        for node, row in by_node.items():
            if row["origin"] == "auto" and node not in scores:
                self.deletes.append((paper_id, node))
                if not row["removed"]:
                    removed.append(node)
        for node, score in scores.items():
            row = by_node.get(node)
            if row is None:
                self.inserts.append((paper_id, node, score))
                added.append(node)
            elif row["origin"] == "auto" and row["score"] != score:
                self.updates.append((score, paper_id, node))
        return {"added": sorted(added), "removed": sorted(removed)}


class Catalog:
    """A catalog file. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise CatalogError(f"no catalog at {self.path}")
        if self.path.exists() and not self.path.is_file():
            what = "a folder" if self.path.is_dir() else "a device, FIFO or socket"
            raise CatalogError(f"{self.path} is {what}, not a catalog file")
        if self.path.parent and not self.path.parent.exists():
            if not create:
                raise CatalogError(f"no catalog at {self.path}")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CatalogError(f"cannot create {self.path.parent}: {exc.strerror or exc}") from exc
        size = self.path.stat().st_size if self.path.exists() else 0
        if not create and size == 0:
            raise CatalogError(f"{self.path} is an empty file, not a catalog")
        if 0 < size < 100:
            # Shorter than an SQLite header; SQLite would take a 1-byte file for an empty
            # database and write a catalog over it.
            raise CatalogError(
                f"cannot open catalog {self.path}: file is not a database (not a catalog, or a damaged one)"
            )
        self._depth = 0
        self._wal = False
        # top-level transactions committed with a change: the CLI tells a Ctrl-C during a
        # command's report that its change was written
        self.committed = 0
        self._changes_at_begin = 0
        try:
            self._open(str(self.path), uri=False)
        except sqlite3.Error as exc:
            from efmcat.readonly import for_want_of_write_access, immutable_uri

            if size == 0 or not for_want_of_write_access(exc):
                raise translate(exc, self.path) or CatalogError(str(exc)) from exc
            # A WAL catalog in a file or folder this user cannot write: SQLite cannot create
            # its -shm file, so read it as an immutable file (writes then fail as read-only).
            try:
                self._open(immutable_uri(self.path), uri=True)
            except sqlite3.Error as exc2:
                raise translate(exc2, self.path) or CatalogError(str(exc2)) from exc2

    def _open(self, target: str, *, uri: bool) -> None:
        try:
            self.conn = sqlite3.connect(
                target, timeout=busy_timeout_ms() / 1000, isolation_level=None, uri=uri
            )
        except sqlite3.Error as exc:
            raise translate(exc, self.path) or CatalogError(str(exc)) from exc
        try:
            self.conn.row_factory = sqlite3.Row
            register(self.conn)  # lower() folds accents, for --author (searchsql.AUTHOR_SQL)
            self.conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
            self.conn.execute("PRAGMA foreign_keys = ON")
            # In WAL mode, NORMAL syncs at checkpoints, not at every commit: a power cut may
            # lose the last commits but never corrupts the file (SQLite's advice for WAL)
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA user_version").fetchone()
        except sqlite3.Error:
            self.conn.close()
            raise
        try:
            self.migrate()
        except EfmcatError:
            self.conn.close()
            raise
        except sqlite3.Error as exc:
            self.conn.close()
            raise translate(exc, self.path) or CatalogError(str(exc)) from exc
        self.committed = 0  # creating or migrating the catalog is not a command's change

    # -- housekeeping ---------------------------------------------------------------
    def _journal_mode(self) -> str:
        return str(self.conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def _set_wal(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # read-only medium: keep the mode
            self.conn.execute("PRAGMA journal_mode = WAL")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        version, tables = self._version_and_tables()
        if version > len(MIGRATIONS):
            raise CatalogError(
                f"catalog {self.path} has schema version {version}; this efmcat knows up to "
                f"{len(MIGRATIONS)}: upgrade efmcat"
            )
        if version < 0:
            raise CatalogError(f"catalog {self.path} has an invalid schema version {version}")
        if version == 0 and tables:
            raise CatalogError(f"{self.path} is an SQLite file but not an efmcat catalog")
        start = version
        while version < len(MIGRATIONS):
            try:
                with self.transaction():
                    # Read again under the write lock: another efmcat creating or upgrading
                    # the same file may have done it since (two imports into a new --db).
                    version, tables = self._version_and_tables()
                    if version >= len(MIGRATIONS):
                        break
                    for statement in _split_sql(MIGRATIONS[version]):
                        self.conn.execute(statement)
                    version += 1
                    self.conn.execute(f"PRAGMA user_version = {version}")
            except CatalogReadOnlyError as exc:
                if start == 0:  # an empty file named as a new catalog
                    raise CatalogReadOnlyError(
                        f"cannot create the catalog {self.path}: it is read-only (the file or its folder "
                        "cannot be written)"
                    ) from exc
                raise CatalogReadOnlyError(
                    f"cannot upgrade the catalog {self.path} from schema version {start} to "
                    f"{len(MIGRATIONS)}: it is read-only (the file or its folder cannot be written); "
                    "run efmcat once as a user who can write it, or work on a copy"
                ) from exc
            except CatalogError as exc:
                if "already exists" in str(exc) or "duplicate column" in str(exc):
                    raise CatalogError(
                        f"catalog {self.path} says schema version {start} but has newer tables "
                        f"({exc.__cause__}); its user_version was changed by hand"
                    ) from exc
                raise
        names = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        missing = [t for t in REQUIRED_TABLES if t not in names]
        if missing:
            raise CatalogError(
                f"the catalog {self.path} is damaged: missing table {', '.join(missing)}; "
                "rebuild it or restore a copy"
            )
        for table, columns in REQUIRED_COLUMNS.items():
            have = {r[1] for r in self.conn.execute(f"PRAGMA table_info({table})")}
            lost = [c for c in columns if c not in have]
            if lost:
                raise CatalogError(
                    f"the catalog {self.path} is damaged: table {table} has no column {', '.join(lost)}; "
                    "rebuild it or restore a copy"
                )

    def _version_and_tables(self) -> tuple[int, int]:
        """(user_version, how many tables) read in one statement: one snapshot, so a file
        another efmcat is creating is never seen with its tables but an old version."""
        row = self.conn.execute(
            "SELECT (SELECT user_version FROM pragma_user_version), "
            "(SELECT count(*) FROM sqlite_master WHERE type = 'table')"
        ).fetchone()
        return int(row[0]), int(row[1])

    @contextmanager
    def scratch_copy(self) -> Iterator[Catalog]:
        """A copy of the catalog in a temporary folder (SQLite's online backup, a page at a
        time: the catalog is only read, so other writers go on), removed afterwards. A dry
        run of a long import works on it, holding no write lock on the catalog."""
        import shutil
        import tempfile

        folder = tempfile.mkdtemp(prefix="efmcat-dry-run-")
        try:
            path = Path(folder) / "catalog.db"
            try:
                dest = sqlite3.connect(path)
                try:
                    self.conn.backup(dest)
                finally:
                    dest.close()
            except sqlite3.Error as exc:
                raise CatalogError(f"cannot copy the catalog for a dry run into {folder}: {exc}") from exc
            with Catalog(path, create=False) as copy:
                yield copy
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    @contextmanager
    def transaction(self) -> Iterator[Catalog]:
        """One atomic unit of work; nested calls become savepoints."""
        try:
            if self._depth == 0:
                if not self._wal:
                    # WAL is switched on before the first write, so that reading a catalog
                    # (e.g. the shipped one) never changes the file.
                    self._set_wal()
                    self._wal = True
                self._begin_immediate()
                self._changes_at_begin = self.conn.total_changes
            else:
                self.conn.execute(f"SAVEPOINT sp{self._depth}")
        except sqlite3.Error as exc:
            raise translate(exc, self.path) or CatalogError(str(exc)) from exc
        self._depth += 1
        try:
            yield self
        except BaseException as exc:
            self._depth -= 1
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                if self._depth == 0:
                    self.conn.execute("ROLLBACK")
                else:
                    self.conn.execute(f"ROLLBACK TO sp{self._depth}")
                    self.conn.execute(f"RELEASE sp{self._depth}")
            if isinstance(exc, sqlite3.Error):
                raise translate(exc, self.path) or CatalogError(str(exc)) from exc
            raise
        else:
            self._depth -= 1
            try:
                if self._depth == 0:
                    self.conn.execute("COMMIT")
                    if self.conn.total_changes > self._changes_at_begin:
                        self.committed += 1
                else:
                    self.conn.execute(f"RELEASE sp{self._depth}")
            except sqlite3.Error as exc:
                if self._depth == 0:
                    with contextlib.suppress(sqlite3.Error):
                        self.conn.execute("ROLLBACK")
                raise translate(exc, self.path) or CatalogError(str(exc)) from exc

    @contextmanager
    def dry_run(self, enabled: bool = True) -> Iterator[Catalog]:
        """A unit of work that is rolled back when ``enabled``: it runs (and reports what it
        would change) but writes nothing. Exceptions roll back and propagate as usual. On a
        catalog this user cannot write, the work runs on a scratch copy of it instead."""
        if not enabled:
            yield self
            return
        if self.writable():
            with self._rolled_back():
                yield self
            return
        with self.scratch_copy() as copy:
            # the caller holds this object, not the copy: lend it the copy's connection
            own, self.conn = self.conn, copy.conn
            try:
                with self._rolled_back():
                    yield self
            finally:
                self.conn = own

    @contextmanager
    def _rolled_back(self) -> Iterator[None]:
        wal, self._wal = self._wal, True  # nor the journal mode: a dry run leaves the file as it was
        try:
            with self.transaction():
                yield
                raise _DryRunRollback
        except _DryRunRollback:
            pass
        finally:
            self._wal = wal

    def check_writable(self) -> None:
        """CatalogError (read-only) now, when this catalog cannot be written: for a command
        that works a long time before its one write (train). Writes nothing."""
        with self._rolled_back():
            (version,) = self.conn.execute("PRAGMA user_version").fetchone()
            self.conn.execute(f"PRAGMA user_version = {int(version)}")

    def writable(self) -> bool:
        """Whether this user can write the catalog (a write, rolled back)."""
        try:
            self.check_writable()
        except CatalogReadOnlyError:
            return False
        return True

    def _begin_immediate(self) -> None:
        """Take the write lock, waiting up to the busy timeout for another writer.

        SQLite's own busy handler polls every 100 ms once it has waited a while, so a writer
        that commits batch after batch (a long import) would win the lock again and again.
        Here a waiter polls every few milliseconds and leaves a ``<catalog>.waiting.<pid>``
        marker, which :meth:`yield_to_waiters` honours between two batches."""
        import random
        import time

        # The first try does not wait: SQLite's busy handler would wait the whole timeout
        # before this loop even left its marker (and the wait would then be twice as long).
        self.conn.execute("PRAGMA busy_timeout = 0")
        marker: Path | None = None
        try:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                    raise
            deadline = time.monotonic() + busy_timeout_ms() / 1000
            marker = self.path.with_name(f"{self.path.name}.waiting.{os.getpid()}")
            with contextlib.suppress(OSError):
                marker.touch()
            while True:
                time.sleep(random.uniform(0.001, 0.004))
                try:
                    self.conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    low = str(exc).lower()
                    if ("locked" not in low and "busy" not in low) or time.monotonic() >= deadline:
                        raise
        finally:
            if marker is not None:
                with contextlib.suppress(OSError):
                    marker.unlink()
            self.conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")

    def waiting_writers(self) -> set[Path]:
        """The markers of other efmcat processes waiting for the write lock (live ones only)."""
        me = os.getpid()
        waiting = set()
        with contextlib.suppress(OSError):
            for m in self.path.parent.glob(f"{glob_escape(self.path.name)}.waiting.*"):
                pid = m.name.rsplit(".", 1)[-1]
                if pid.isdigit() and int(pid) != me and pid_alive(int(pid)):
                    waiting.add(m)
        return waiting

    def yield_to_waiters(self, limit: float = 5.0) -> None:
        """Between two batches of a long write: let writers waiting for the lock go first.

        Waits (at most ``limit`` seconds) until every writer that was waiting has had its
        turn, i.e. removed its marker. Markers of processes that no longer exist are ignored."""
        import time

        if self._depth:
            return  # inside a transaction nobody else can get in anyway
        waiting = self.waiting_writers()
        end = time.monotonic() + limit
        while waiting and time.monotonic() < end:
            time.sleep(0.005)
            waiting = {m for m in waiting if m.exists()}

    @contextmanager
    def deferred_indexing(self) -> Iterator[Callable[[], None]]:
        """Bulk inserts: index new papers per batch instead of per row.

        Inside a transaction, drops the insert triggers of the full-text indexes and yields
        ``flush``, which indexes every paper inserted since the last flush with one
        INSERT ... SELECT per index; on exit it flushes and restores the triggers. DDL is
        transactional in SQLite, so a failure rolls the triggers back with everything else.
        Updates and deletes keep their triggers throughout."""
        if self._depth == 0:
            raise RuntimeError("deferred_indexing() needs an open transaction")
        conn = self.conn
        marks = ",".join("?" * len(INSERT_TRIGGERS))
        saved = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks}) ORDER BY name",
            INSERT_TRIGGERS,
        ).fetchall()
        state = {"done": int(conn.execute("SELECT coalesce(max(n), 0) FROM papers").fetchone()[0])}

        def flush() -> None:
            top = int(conn.execute("SELECT coalesce(max(n), 0) FROM papers").fetchone()[0])
            if top <= state["done"]:
                return
            for table, columns in FTS_INDEXES.items():
                cols = ", ".join(columns)
                conn.execute(
                    f"INSERT INTO {table}(rowid, {cols}) SELECT n, {cols} FROM papers WHERE n > ? AND n <= ?",
                    (state["done"], top),
                )
            state["done"] = top

        for name, _ in saved:
            conn.execute(f'DROP TRIGGER "{name}"')
        yield flush
        flush()
        for _, sql in saved:
            conn.execute(sql)

    def pasted_id(self, text: str) -> str:
        """The id of the paper a user pasted (any form :func:`efmcat.ids.parse_paper_id`
        reads), as :meth:`current_ids` follows it; the catalog's "no paper" error if absent."""
        from efmcat.ids import parse_paper_id

        pid = self.current_ids([parse_paper_id(text)])[0]
        if not self.has(pid):
            raise no_paper(pid)
        return pid

    def current_ids(self, ids: Sequence[str]) -> list[str]:
        """``ids`` with each one the catalog lacks but a release moved (MOVED_KEY) replaced by
        the id the catalog holds the paper under; the others as they are."""
        present = self.existing_ids(ids)
        absent = [i for i in ids if i not in present]
        if not absent:
            return list(ids)
        found = moved_to(self.conn, absent)
        return [found.get(i, i) for i in ids]

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self.conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self.conn.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    # -- papers ---------------------------------------------------------------------
    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM papers").fetchone()[0])

    def has(self, paper_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM papers WHERE id = ?", (paper_id,)).fetchone() is not None

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(dict.fromkeys(ids))
        return {r[0] for r in rows_by_ids(self.conn, "SELECT id FROM papers WHERE id IN ({})", ids)}

    def id_by_title(self, title: str) -> str | None:
        """The id of a paper whose title is ``title`` up to case, accents and punctuation
        (``ids.title_key``), or None; an arXiv paper before any other when there are several.
        Titles too short or not spelled in ASCII match nothing (``title_key`` is None)."""
        return next(iter(self.ids_by_title(title)), None)

    def ids_by_title(self, title: str, limit: int = 200) -> list[str]:
        """The ids of the papers whose title is ``title`` (as :meth:`id_by_title`): arXiv
        papers first, then the others, each in the order they were added."""
        from efmcat.ids import norm_title, title_key

        want = title_key(title)
        if want is None:
            return []
        words = list(dict.fromkeys(norm_title(title).split()))
        for chosen in _spacings(words):
            rows = self.conn.execute(
                "SELECT p.id, p.title FROM titles_fts JOIN papers p ON p.n = titles_fts.rowid "
                "WHERE titles_fts MATCH ? ORDER BY p.id GLOB '*:*', p.n LIMIT ?",
                (" ".join(f'"{w}"' for w in chosen), limit),
            )
            found = [pid for pid, t in rows if title_key(t) == want]
            if found:
                return found
        return []

    def ids_by_titles(self, keys: Iterable[str | None]) -> dict[str, list[str]]:
        """:meth:`ids_by_title` of many title keys (``ids.title_key``) at once, by one pass
        over the catalog's titles (streamed): key -> ids, arXiv papers first. For many titles
        this beats one full-text query each (about 3 ms each at 100,000 papers)."""
        from efmcat.ids import title_key

        want = {k for k in keys if k is not None}
        found: dict[str, list[str]] = {}
        if want:
            for pid, title in self.conn.execute("SELECT id, title FROM papers"):
                key = title_key(title)
                if key in want:
                    found.setdefault(key, []).append(pid)
        return {k: sorted(v, key=lambda i: ":" in i) for k, v in found.items()}  # arXiv first

    def has_loose(self) -> bool:
        """Whether the catalog holds a paper without an arXiv id (``doi:``, ``url:``,
        ``title:``, ...): one step of the id index."""
        return self.conn.execute(f"SELECT 1 FROM papers WHERE {_LOOSE} LIMIT 1").fetchone() is not None

    def loose_titles(self, keys: Iterable[str | None]) -> dict[str, list[str]]:
        """Title key (``ids.title_key``) -> ids of the papers without an arXiv id whose
        title has one of ``keys``, in the order they were added. One streamed pass over those
        papers, from the id index (new-style arXiv ids, all digits first, sort before ':'
        and are not read); memory grows with ``keys`` and the matches, not the catalog."""
        from efmcat.ids import title_key

        want = {k for k in keys if k is not None}
        out: dict[str, list[str]] = {}
        if want:
            for pid, title in self.conn.execute(f"SELECT id, title FROM papers WHERE {_LOOSE} ORDER BY n"):
                key = title_key(title)
                if key in want:
                    out.setdefault(key, []).append(pid)
        return out

    def get_paper(self, paper_id: str) -> Paper:
        row = self.conn.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
        if row is None:
            raise no_paper(paper_id)
        return _row_to_paper(row)

    def upsert_paper(
        self,
        paper: Paper,
        *,
        added_at: str | None = None,
        fetched_at: str | None = None,
        fill_only: bool = False,
        origin: str | None = None,
    ) -> str:
        """Insert or update a paper; returns "added", "updated" or "unchanged".

        ``fill_only`` keeps every non-empty stored value and only fills empty ones. Fields
        the user edited (``user_fields``) are never changed here, whoever calls: refresh,
        update, imports and fixes all write through this method; nor is ``source``, where
        the paper first came from. ``origin`` (say "arXiv API") becomes the provenance of
        each metadata field (PROVENANCE_FIELDS) this call writes."""
        values = _paper_values(paper)
        with self.transaction():
            row = self.conn.execute("SELECT * FROM papers WHERE id = ?", (paper.id,)).fetchone()
            if row is None:
                cols = [*PAPER_FIELDS, "added_at", "fetched_at"]
                self.conn.execute(
                    f"INSERT INTO papers ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [*values, added_at or utcnow(), fetched_at],
                )
                if origin:
                    given = [f for f, v in zip(PAPER_FIELDS, values) if v not in (None, "", "[]")]
                    self._record_origin(paper.id, {}, given, origin)
                return "added"
            owned = set(_json_list(row["user_fields"]))
            changes: dict[str, Any] = {}
            for name, value in zip(PAPER_FIELDS, values):
                old = row[name]
                if name in ("id", "source") or name in owned:
                    continue
                if name in OWN_LINKS:
                    # Compare the links themselves: NULL in the table is the arXiv link.
                    old = old if old is not None else own_link(name, paper.id)
                    new = getattr(paper, name)
                    if (fill_only and old) or not new or new == old:
                        continue
                    changes[name] = value
                    continue
                empty_new = value is None or value == "" or value == "[]"
                empty_old = old is None or old == "" or old == "[]"
                if fill_only and not empty_old:
                    continue
                if empty_new and name not in ("verified",):
                    continue
                if value != old:
                    changes[name] = value
            if origin:
                self._record_origin(paper.id, json_dict(row["provenance"]), list(changes), origin)
            if fetched_at:
                changes["fetched_at"] = fetched_at
            if not changes:
                return "unchanged"
            sets = ", ".join(f"{k} = ?" for k in changes)
            self.conn.execute(f"UPDATE papers SET {sets} WHERE id = ?", [*changes.values(), paper.id])
            only_fetch = set(changes) <= {"fetched_at"}
            return "unchanged" if only_fetch else "updated"

    def _record_origin(
        self, paper_id: str, provenance: dict[str, Any], fields: list[str], origin: str
    ) -> None:
        """``origin`` as the provenance of ``fields`` (those of PROVENANCE_FIELDS) of a paper."""
        written = {f: origin for f in fields if f in PROVENANCE_FIELDS}
        if written and any(provenance.get(f) != o for f, o in written.items()):
            self.set_provenance(paper_id, {**provenance, **written})

    def delete_paper(self, paper_id: str) -> None:
        with self.transaction():
            cur = self.conn.execute("DELETE FROM papers WHERE id = ?", (paper_id,))
            if cur.rowcount == 0:
                raise no_paper(paper_id)

    def delete_papers(self, paper_ids: Sequence[str]) -> None:
        """Delete papers with their tags and sources (all or none: a missing id raises)."""
        with self.transaction():
            for paper_id in paper_ids:
                self.delete_paper(paper_id)

    def set_note(self, paper_id: str, note: str | None) -> None:
        """The user's note (None or "" clears it); a changed note becomes one of the user's
        fields."""
        self.set_user_fields(paper_id, {"note": note or None}, claim_unchanged=False)

    def set_user_fields(
        self, paper_id: str, values: dict[str, Any], *, claim_unchanged: bool = True
    ) -> list[str]:
        """Write fields the user chose (names in USER_EDITABLE) and record them as the
        user's own, so later writers keep them: every one given, or with ``claim_unchanged``
        false only those whose value changed (an edit that repeats the value the paper has
        claims nothing). Returns the names whose value changed."""
        unknown = [k for k in values if k not in USER_EDITABLE]
        if unknown:
            raise ValueError(f"not user-editable: {', '.join(unknown)}")
        with self.transaction():
            row = self.conn.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
            if row is None:
                raise no_paper(paper_id)
            owned = _json_list(row["user_fields"])
            changed: dict[str, Any] = {}
            for name, value in values.items():
                if name in _JSON_FIELDS:
                    value = json.dumps(list(value or []), ensure_ascii=False)
                elif name in OWN_LINKS:
                    value = stored_link(name, paper_id, value)
                if value != row[name]:
                    changed[name] = value
            new_owned = [k for k in (values if claim_unchanged else changed) if k not in owned]
            if not changed and not new_owned:
                return []
            sets = "".join(f"{k} = ?, " for k in changed)
            self.conn.execute(
                f"UPDATE papers SET {sets}user_fields = ? WHERE id = ?",
                [*changed.values(), json.dumps([*owned, *new_owned]), paper_id],
            )
            return list(changed)

    def set_status(self, paper_ids: Sequence[str], status: str | None) -> None:
        """Reading status (one of STATUSES, or None to clear) of each paper."""
        if status is not None and status not in STATUSES:
            raise QueryError(f"unknown status '{status}': use one of {', '.join(STATUSES)}")
        self._set_column(paper_ids, "status", status)

    def set_starred(self, paper_ids: Sequence[str], starred: bool = True) -> None:
        self._set_column(paper_ids, "starred", int(starred))

    def _set_column(self, paper_ids: Sequence[str], column: str, value: Any) -> None:
        with self.transaction():
            for paper_id in paper_ids:
                cur = self.conn.execute(f"UPDATE papers SET {column} = ? WHERE id = ?", (value, paper_id))
                if cur.rowcount == 0:
                    raise no_paper(paper_id)

    # -- tags -------------------------------------------------------------------------
    def tag_rows(self, paper_id: str, *, include_removed: bool = True) -> list[dict[str, Any]]:
        sql = "SELECT node, origin, score, removed FROM tags WHERE paper_id = ?"
        if not include_removed:
            sql += " AND removed = 0"
        return [dict(r) for r in self.conn.execute(sql + " ORDER BY node", (paper_id,))]

    def tags_of(self, paper_ids: Sequence[str]) -> dict[str, list[str]]:
        """Effective (not removed) tag nodes of each paper."""
        out: dict[str, list[str]] = {pid: [] for pid in paper_ids}
        for r in self._by_ids(
            "SELECT paper_id, node FROM tags WHERE removed = 0 AND paper_id IN ({})", list(out)
        ):
            out[r[0]].append(r[1])
        return out

    def tag_rows_of(self, paper_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """paper id -> its tag rows (as :meth:`tag_rows` gives them), for many papers at once;
        a paper without tags is left out."""
        out: dict[str, list[dict[str, Any]]] = {}
        sql = "SELECT paper_id, node, origin, score, removed FROM tags WHERE paper_id IN ({}) ORDER BY paper_id, node"
        for r in self._by_ids(sql, paper_ids):
            out.setdefault(r[0], []).append({"node": r[1], "origin": r[2], "score": r[3], "removed": r[4]})
        return out

    def set_tag(
        self, paper_id: str, node: str, origin: str, score: float | None = None, *, removed: bool = False
    ) -> float | None:
        """Record one tag decision; returns the score stored, or None when nothing is written
        (the rules of precedence and of implied tags: models.over_tag)."""
        if origin not in ORIGINS:
            raise ValueError(f"unknown tag origin {origin!r}")
        with self.transaction():
            if not self.has(paper_id):
                raise no_paper(paper_id)
            row = self.conn.execute(
                "SELECT origin, removed FROM tags WHERE paper_id = ? AND node = ?", (paper_id, node)
            ).fetchone()
            stored = over_tag(None if row is None else (row[0], bool(row[1])), origin, score, removed)
            if stored is NOT_WRITTEN:
                return None
            score = stored  # type: ignore[assignment]
            self.conn.execute(
                "INSERT INTO tags(paper_id, node, origin, score, removed) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(paper_id, node) DO UPDATE SET origin = excluded.origin, "
                "score = excluded.score, removed = excluded.removed",
                (paper_id, node, origin, score, int(removed)),
            )
            return score

    def drop_tag(self, paper_id: str, node: str) -> None:
        """Forget a paper's decision on ``node``, whatever its origin (the tagger may then make one)."""
        with self.transaction():
            self.conn.execute("DELETE FROM tags WHERE paper_id = ? AND node = ?", (paper_id, node))

    def replace_auto_tags(self, paper_id: str, scores: dict[str, float]) -> dict[str, list[str]]:
        """Make the auto tags of a paper exactly ``scores``; curated and manual rows stay.

        Returns {"added": [...], "removed": [...]} of effective auto changes."""
        with self.transaction():
            writes = AutoTagWrites()
            changes = writes.plan(paper_id, self.tag_rows(paper_id), scores)
            self.write_auto_tags(writes)
            return changes

    def write_auto_tags(self, writes: AutoTagWrites) -> None:
        """Apply the auto-tag changes planned for many papers, one statement per kind."""
        with self.transaction():
            if writes.deletes:
                self.conn.executemany("DELETE FROM tags WHERE paper_id = ? AND node = ?", writes.deletes)
            if writes.inserts:
                self.conn.executemany(
                    "INSERT INTO tags(paper_id, node, origin, score) VALUES (?, ?, 'auto', ?)", writes.inserts
                )
            if writes.updates:
                self.conn.executemany(
                    "UPDATE tags SET score = ? WHERE paper_id = ? AND node = ?", writes.updates
                )

    def add_source(
        self,
        paper_id: str,
        source: str,
        locator: str = "",
        *,
        title: str | None = None,
        link: str | None = None,
        section: str | None = None,
    ) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT INTO sources(paper_id, source, locator, title, link, section) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(paper_id, source, locator) DO UPDATE SET title = excluded.title, "
                "link = excluded.link, section = excluded.section",
                (paper_id, source, locator, title, link, section),
            )

    def set_provenance(self, paper_id: str, provenance: dict[str, Any] | None) -> None:
        """Record where each field of a paper's metadata came from (field -> source)."""
        value = json.dumps(provenance, ensure_ascii=False, sort_keys=True) if provenance else None
        with self.transaction():
            self.conn.execute("UPDATE papers SET provenance = ? WHERE id = ?", (value, paper_id))

    def provenance_of(self, paper_id: str) -> dict[str, str]:
        row = self.conn.execute("SELECT provenance FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return json_dict(row[0] if row else None)

    def check_sources(self, sources: Sequence[str]) -> None:
        """QueryError naming the first source no paper is listed in (a typo in --source)."""
        for name in sources:
            if not self.conn.execute("SELECT 1 FROM sources WHERE source = ? LIMIT 1", (name,)).fetchone():
                # "Survey" for survey: names are as the lists and files give them, in their case
                other = self.conn.execute(
                    "SELECT source FROM sources WHERE source = ? COLLATE NOCASE LIMIT 1", (name,)
                ).fetchone()
                hint = (
                    f"did you mean '{other[0]}'?"
                    if other
                    else "`efmcat sources` lists the sources of this catalog"
                )
                raise QueryError(f"unknown source '{name}': {hint}")

    def check_section(self, section: str, sources: Sequence[str] | None = None) -> None:
        """QueryError when no section heading (of ``sources``, if given) contains ``section``:
        a typo in --section says so instead of giving an empty result."""
        from efmcat.searchsql import check_section_text

        check_section_text(section)
        sql = "SELECT 1 FROM sources WHERE section LIKE ? ESCAPE '\\'"
        args: list[Any] = ["%" + like_escape(section) + "%"]
        if sources:
            sql += f" AND source IN ({','.join('?' * len(sources))})"
            args.extend(sources)
        if not self.conn.execute(sql + " LIMIT 1", args).fetchone():
            where = f" of {', '.join(sources)}" if sources else ""
            raise QueryError(
                f"no section heading{where} contains '{section}': `efmcat show ID` lists a paper's sections"
            )

    def source_counts(self) -> list[tuple[str, int, int]]:
        """Each source (list) with the number of distinct papers it lists (kind ``paper``, as
        ``list --source`` counts them) and of its other entries (repos, posts, pages), by
        papers, largest first."""
        # Two counts from the index on sources, not a join of every row with its paper (at a
        # million rows 0.3 s against 1.6 s): all entries, then the few that are no papers.
        entries = self.conn.execute("SELECT source, count(DISTINCT paper_id) FROM sources GROUP BY source")
        others = dict(
            self.conn.execute(
                "SELECT source, count(DISTINCT paper_id) FROM sources "
                "WHERE paper_id IN (SELECT id FROM papers WHERE kind <> 'paper') GROUP BY source"
            ).fetchall()
        )
        counts = [(name, int(n) - int(others.get(name, 0)), int(others.get(name, 0))) for name, n in entries]
        return sorted(counts, key=lambda c: (-c[1], c[0]))

    def sources_of(self, paper_id: str) -> list[dict[str, Any]]:
        return [
            dict(r)
            for r in self.conn.execute(
                "SELECT s.source, s.locator, coalesce(s.title, p.title) AS title, s.link, s.section "
                "FROM sources s JOIN papers p ON p.id = s.paper_id WHERE s.paper_id = ? "
                "ORDER BY s.source, s.locator",
                (paper_id,),
            )
        ]

    def sources_of_many(self, paper_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
        """paper id -> its source rows, as :meth:`sources_of` gives them, for many papers at once."""
        out: dict[str, list[dict[str, Any]]] = {}
        sql = (
            "SELECT s.paper_id, s.source, s.locator, coalesce(s.title, p.title) AS title, s.link, s.section "
            "FROM sources s JOIN papers p ON p.id = s.paper_id WHERE s.paper_id IN ({}) "
            "ORDER BY s.paper_id, s.source, s.locator"
        )
        for r in self._by_ids(sql, paper_ids):
            out.setdefault(r[0], []).append(
                {"source": r[1], "locator": r[2], "title": r[3], "link": r[4], "section": r[5]}
            )
        return out

    # -- queries ------------------------------------------------------------------------
    def _filters(
        self,
        *,
        nodes: Sequence[str] | None,
        year: int | None,
        since: int | None,
        until: int | None,
        author: str | None,
        sources: Sequence[str] | None = None,
        section: str | None = None,
        kinds: Sequence[str] | None = DEFAULT_KINDS,
        status: str | None = None,
        starred: bool = False,
    ) -> tuple[list[str], list[Any]]:
        if sources:
            self.check_sources(sources)
        if section:
            self.check_section(section, sources)
        return filter_clauses(
            nodes=nodes, year=year, since=since, until=until, author=author, sources=sources, section=section,
            kinds=kinds, status=status, starred=starred,
        )  # fmt: skip

    def search(
        self,
        query: str,
        *,
        nodes: Sequence[str] | None = None,
        year: int | None = None,
        since: int | None = None,
        until: int | None = None,
        author: str | None = None,
        status: str | None = None,
        starred: bool = False,
        limit: int | None = 20,
        sources: Sequence[str] | None = None,
        section: str | None = None,
        kinds: Sequence[str] | None = DEFAULT_KINDS,
    ) -> list[tuple[Paper, float]]:
        """Papers matching ``query`` (see efmcat.query), best first, with bm25 relevance."""
        return list(
            self.iter_search(
                query, nodes=nodes, year=year, since=since, until=until, author=author, status=status,
                starred=starred, limit=limit, sources=sources, section=section, kinds=kinds,
            )
        )  # fmt: skip

    def iter_search(
        self,
        query: str,
        *,
        nodes: Sequence[str] | None = None,
        year: int | None = None,
        since: int | None = None,
        until: int | None = None,
        author: str | None = None,
        status: str | None = None,
        starred: bool = False,
        limit: int | None = 20,
        sources: Sequence[str] | None = None,
        section: str | None = None,
        kinds: Sequence[str] | None = DEFAULT_KINDS,
        page: int = 500,
        brief: bool = False,
    ) -> Iterator[tuple[Any, float]]:
        """:meth:`search` as a stream: the query runs (and a bad one raises) here, the rows
        are read a page at a time as the caller iterates, so all hits of a large catalog
        never sit in memory at once. ``brief``: instead of Papers, dicts of the id, year and
        title only (what a plain listing shows; no abstract is read)."""
        to_fts_query(query)  # a query that cannot be searched is reported before the filters
        where, args = self._filters(
            nodes=nodes, year=year, since=since, until=until, author=author, sources=sources, section=section,
            kinds=kinds, status=status, starred=starred,
        )  # fmt: skip
        # Phase 1 ranks rowids only (no paper rows are read for the matches that lose).
        sql, params = ranking(query, where, args, limit)
        if brief:
            # One statement: the winners' id, year, title and tags joined on in SQLite.
            sql = f"SELECT r.rank, {_BRIEF_COLUMNS} FROM ({sql}) r JOIN papers p ON p.n = r.n ORDER BY r.rank, r.n"
        try:
            ranked = self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:  # defensive: to_fts_query should prevent this
            raise QueryError(f"cannot search for '{query}': {exc}") from exc
        if brief:
            return first(((_brief(row, 1), -float(row[0])) for row in ranked), limit)
        return first(self._ranked_papers(ranked, page), limit)

    def _ranked_papers(self, ranked: sqlite3.Cursor, page: int) -> Iterator[tuple[Paper, float]]:
        """Phase 2: the winners' rows, a page at a time, in rank order (memory stays flat)."""
        while True:
            hits = ranked.fetchmany(page)
            if not hits:
                return
            marks = ",".join("?" * len(hits))
            rows = {
                row["n"]: row
                for row in self.conn.execute(
                    f"SELECT * FROM papers WHERE n IN ({marks})", [r[0] for r in hits]
                )
            }
            for n, rank in hits:
                if n in rows:
                    yield _row_to_paper(rows[n]), -float(rank)

    def list_papers(
        self,
        *,
        nodes: Sequence[str] | None = None,
        year: int | None = None,
        since: int | None = None,
        until: int | None = None,
        author: str | None = None,
        status: str | None = None,
        starred: bool = False,
        sort: str = "year",
        limit: int | None = None,
        sources: Sequence[str] | None = None,
        section: str | None = None,
        kinds: Sequence[str] | None = DEFAULT_KINDS,
    ) -> list[Paper]:
        return list(
            self.iter_list(
                nodes=nodes, year=year, since=since, until=until, author=author, status=status,
                starred=starred, sort=sort, limit=limit, sources=sources, section=section, kinds=kinds,
            )
        )  # fmt: skip

    def iter_list(
        self,
        *,
        nodes: Sequence[str] | None = None,
        year: int | None = None,
        since: int | None = None,
        until: int | None = None,
        author: str | None = None,
        status: str | None = None,
        starred: bool = False,
        sort: str = "year",
        limit: int | None = None,
        sources: Sequence[str] | None = None,
        section: str | None = None,
        kinds: Sequence[str] | None = DEFAULT_KINDS,
        brief: bool = False,
    ) -> Iterator[Any]:
        """:meth:`list_papers` as a stream over one cursor (SQLite sorts, spilling to disk);
        ``brief`` as in :meth:`iter_search`."""
        orders = {
            "year": "p.year DESC, p.title COLLATE NOCASE",
            "title": "p.title COLLATE NOCASE, p.id",
            "added": "p.added_at DESC, p.n DESC",
            "id": "p.id",
        }
        if sort not in orders:
            raise UsageError(f"unknown sort '{sort}': use one of {', '.join(orders)}")
        where, args = self._filters(
            nodes=nodes, year=year, since=since, until=until, author=author, sources=sources, section=section,
            kinds=kinds, status=status, starred=starred,
        )  # fmt: skip
        sql = f"SELECT {_BRIEF_COLUMNS if brief else 'p.*'} FROM papers p"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {orders[sort]}"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        cursor = self.conn.execute(sql, args)
        if brief:
            return (_brief(r, 0) for r in cursor)
        return (_row_to_paper(r) for r in cursor)

    def count_papers(
        self,
        *,
        nodes: Sequence[str] | None = None,
        year: int | None = None,
        since: int | None = None,
        until: int | None = None,
        author: str | None = None,
        status: str | None = None,
        starred: bool = False,
        sources: Sequence[str] | None = None,
        section: str | None = None,
        kinds: Sequence[str] | None = DEFAULT_KINDS,
    ) -> int:
        """How many papers :meth:`list_papers` with these filters gives."""
        where, args = self._filters(
            nodes=nodes, year=year, since=since, until=until, author=author, sources=sources, section=section,
            kinds=kinds, status=status, starred=starred,
        )  # fmt: skip
        sql = "SELECT count(*) FROM papers p" + (" WHERE " + " AND ".join(where) if where else "")
        return int(self.conn.execute(sql, args).fetchone()[0])

    def papers_by_ids(self, ids: Sequence[str]) -> list[Paper]:
        """The papers with these ids, in the order given (ids not in the catalog are left out)."""
        rows = {row["id"]: row for row in self._by_ids("SELECT * FROM papers WHERE id IN ({})", ids)}
        return [_row_to_paper(rows[i]) for i in ids if i in rows]

    def texts_by_ids(self, ids: Sequence[str]) -> dict[str, PaperText]:
        """id -> title, abstract and categories of the papers with these ids: what tagging
        reads, without building whole Papers."""
        sql = "SELECT id, title, abstract, categories FROM papers WHERE id IN ({})"
        return {r[0]: PaperText(r[0], r[1], r[2], _json_list(r[3])) for r in self._by_ids(sql, ids)}

    def _by_ids(self, sql: str, ids: Sequence[str]) -> Iterator[sqlite3.Row]:
        """:func:`rows_by_ids` on this catalog."""
        return rows_by_ids(self.conn, sql, ids)

    def iter_papers(self, batch: int = 1000) -> Iterator[Paper]:
        last = -1
        while True:
            rows = self.conn.execute(
                "SELECT * FROM papers WHERE n > ? ORDER BY n LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            for r in rows:
                yield _row_to_paper(r)
            last = rows[-1]["n"]

    def key_fields(self, years: Iterable[int | None]) -> Iterator[dict[str, Any]]:
        """id, citekey, authors, year and title of every entry (any kind) of ``years`` (None:
        no year), and of every entry with a key of the user's: what a BibTeX key is made of,
        of the papers a selection's keys could collide with."""
        years = set(years)
        known = sorted(y for y in years if y is not None)
        where = f"year IN ({','.join('?' * len(known))})" if known else "0"
        if None in years:
            where += " OR year IS NULL"
        where += " OR (citekey IS NOT NULL AND citekey <> '')"
        for r in self.conn.execute(f"{_KEY_FIELDS_SQL} WHERE {where}", known):
            yield _key_fields(r)

    def key_fields_of(self, ids: Sequence[str]) -> Iterator[dict[str, Any]]:
        """:meth:`key_fields` of the papers ``ids`` (those the catalog holds)."""
        for r in self._by_ids(f"{_KEY_FIELDS_SQL} WHERE id IN ({{}})", ids):
            yield _key_fields(r)

    def year_counts(self) -> dict[int | None, int]:
        return {
            r[0]: r[1]
            for r in self.conn.execute("SELECT year, count(*) FROM papers GROUP BY year ORDER BY year")
        }


# A brief row: what a plain listing shows, and the paper's effective tags (comma-separated).
_BRIEF_COLUMNS = (
    "p.id, p.year, p.title, "
    "(SELECT group_concat(t.node) FROM tags t WHERE t.paper_id = p.id AND t.removed = 0)"
)


def _brief(row: Sequence[Any], at: int) -> dict[str, Any]:
    return {"id": row[at], "year": row[at + 1], "title": row[at + 2], "tags": row[at + 3]}


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner semicolons)."""
    statements, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        joined = "\n".join(buf).strip()
        if joined.endswith(";") and sqlite3.complete_statement(joined):
            statements.append(joined)
            buf = []
    tail = "\n".join(buf).strip()
    if tail:
        statements.append(tail)
    return statements


# An arXiv paper's own links, stored as NULL (schema v5) and given back when it is read.
OWN_LINKS = {"url": "https://arxiv.org/abs/", "pdf_url": "https://arxiv.org/pdf/"}


def own_link(name: str, paper_id: str) -> str | None:
    """The ``url`` or ``pdf_url`` a paper has unless told otherwise: its arXiv pages (None
    for a paper that is not on arXiv: its id has a prefix such as ``doi:``)."""
    return None if ":" in paper_id else OWN_LINKS[name] + paper_id


def url_sql(alias: str) -> str:
    """SQL for a paper's url as it reads (:func:`own_link` where the column is NULL), for
    the papers table under ``alias``."""
    return (
        f"coalesce({alias}.url, CASE WHEN instr({alias}.id, ':') = 0 "
        f"THEN '{OWN_LINKS['url']}' || {alias}.id END)"
    )


def stored_link(name: str, paper_id: str, value: str | None) -> str | None:
    """What the papers table holds for a link: NULL for the paper's own arXiv link."""
    return None if value is not None and value == own_link(name, paper_id) else value


def _paper_values(paper: Paper) -> list[Any]:
    values: list[Any] = []
    for name in PAPER_FIELDS:
        value = getattr(paper, name)
        if name in _JSON_FIELDS:
            value = json.dumps(list(value or []), ensure_ascii=False)
        elif name == "verified":
            value = int(bool(value))
        elif name in OWN_LINKS:
            value = stored_link(name, paper.id, value)
        values.append(value)
    return values


def _row_to_paper(row: sqlite3.Row) -> Paper:
    data = {name: row[name] for name in PAPER_FIELDS}
    for name in _JSON_FIELDS:
        data[name] = _json_list(data[name])
    for name in OWN_LINKS:
        if data[name] is None:
            data[name] = own_link(name, data["id"])
    data["verified"] = bool(data["verified"])
    return Paper(
        **data,
        added_at=row["added_at"],
        status=row["status"],
        starred=bool(row["starred"]),
        citekey=row["citekey"],
        user_fields=_json_list(row["user_fields"]),
    )
