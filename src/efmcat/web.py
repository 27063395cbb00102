"""``efmcat browse``: the catalog as a web page, served by Datasette on 127.0.0.1.

Datasette serves a snapshot of the catalog made for browsing: SQLite's backup API copies
the catalog (which is only read), then the copy's ``papers`` table is rebuilt with one
row per paper that carries what a page needs and the catalog keeps elsewhere: its areas
and tags as JSON arrays (Datasette facets them), the arXiv (or other) link and PDF link,
the reading status and star. The rows keep their keys, so the copied ``papers_fts`` index
serves the search box. The taxonomy goes in as a ``nodes`` table. Facets, the search
index and canned queries are set in a metadata file written next to the snapshot, and
Datasette opens the snapshot immutable: the page can never change anything. It shows the
catalog as it was when ``browse`` started.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from efmcat.errors import CatalogError, EfmcatError, UsageError
from efmcat.render import count
from efmcat.taxonomy import Taxonomy, load_taxonomy

DB_NAME = "efmcat"  # the snapshot's file stem: Datasette's database name and URL path
HOST = "127.0.0.1"
INSTALL_HINT = 'pip install "efmcat[web]"'

_PAPERS = """
CREATE TABLE papers (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    year INTEGER,
    areas TEXT NOT NULL,
    tags TEXT NOT NULL,
    venue TEXT,
    status TEXT,
    starred INTEGER NOT NULL,
    link TEXT,
    pdf TEXT,
    authors TEXT NOT NULL,
    abstract TEXT,
    note TEXT,
    source TEXT,
    kind TEXT,
    citekey TEXT,
    published TEXT,
    added_at TEXT
)
"""

QUERIES = {
    "papers_per_area_and_year": {
        "title": "Papers per area and year",
        "sql": (
            "SELECT a.value AS area, p.year, count(*) AS papers\n"
            "FROM papers p, json_each(p.areas) a\n"
            "GROUP BY a.value, p.year\n"
            "ORDER BY (SELECT position FROM nodes WHERE id = a.value), p.year DESC"
        ),
    },
    "recently_added": {
        "title": "Recently added papers",
        "sql": (
            "SELECT id, title, year, areas, link, added_at\n"
            "FROM papers ORDER BY added_at DESC, n DESC LIMIT 100"
        ),
    },
    "unread_in_area": {
        "title": "Unread papers in an area",
        "description": "Papers of an area (e.g. quantization) not marked read, newest first.",
        "sql": (
            "SELECT id, title, year, status, starred, link\n"
            "FROM papers\n"
            "WHERE EXISTS (SELECT 1 FROM json_each(papers.areas) WHERE value = :area)\n"
            "  AND coalesce(status, '') <> 'read'\n"
            "ORDER BY starred DESC, year DESC, title"
        ),
    },
}


@dataclass
class Site:
    database: Path
    metadata: Path
    papers: int


def datasette_available() -> bool:
    return importlib.util.find_spec("datasette") is not None


def require_datasette() -> None:
    """Datasette installed, and importable: a broken install failed in the server process
    (which replaces efmcat's), as a traceback after "Serving ..."."""
    if not datasette_available():
        raise EfmcatError(f"Datasette is not installed: {INSTALL_HINT}")
    try:
        importlib.import_module("datasette.cli")
    except Exception as exc:  # whatever a broken package raises
        why = " ".join(str(exc).split()) or type(exc).__name__
        raise EfmcatError(f"Datasette is installed but cannot be loaded ({why}): {INSTALL_HINT}") from exc


def prepare(catalog_path: str | os.PathLike[str], folder: str | os.PathLike[str],
            taxonomy: Taxonomy | None = None) -> Site:  # fmt: skip
    """Write the browsing snapshot and its metadata file into ``folder``."""
    taxonomy = taxonomy or load_taxonomy()
    source = Path(catalog_path)
    if not source.exists():
        raise CatalogError(f"no catalog at {source}")
    if not str(folder).strip():  # "" is no folder (Path("") would be the current one)
        raise UsageError(f"--dir needs a folder, not '{folder}'")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--dir {folder} is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{DB_NAME}.db"
    _ours_to_replace(target, source)
    tmp = folder / f".{DB_NAME}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    try:
        from efmcat.readonly import connect_reading

        src = connect_reading(source)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            papers = _reshape(dst, taxonomy)
            dst.commit()
        finally:
            src.close()
            dst.close()
        os.replace(tmp, target)
    except sqlite3.DatabaseError as exc:
        raise CatalogError(f"cannot prepare {source} for browsing: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    metadata = folder / "metadata.json"
    metadata.write_text(json.dumps(site_metadata(papers), indent=2, ensure_ascii=False), encoding="utf-8")
    return Site(target, metadata, papers)


def _ours_to_replace(target: Path, catalog: Path) -> None:
    """Refuse a ``target`` (and its metadata.json) that a snapshot would replace and that
    is not one: the catalog itself (``--dir`` its own folder, with the catalog named
    efmcat.db), or another database of the user's."""
    metadata = target.with_name("metadata.json")
    if not target.exists():
        if metadata.exists():
            raise UsageError(f"{metadata} is not a browse snapshot's: give --dir another folder")
        return
    from efmcat.outputs import not_the_catalog

    not_the_catalog(target, catalog, "give --dir another folder")
    try:
        conn = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        tables = set()
    if "nodes" not in tables or "titles_fts" in tables:  # a snapshot has the one, not the other
        raise UsageError(f"{target} is not a browse snapshot: give --dir another folder")


def _reshape(conn: sqlite3.Connection, taxonomy: Taxonomy) -> int:
    """The copy's papers table rebuilt for browsing (same keys n, so papers_fts still fits)."""
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(
        "CREATE TABLE nodes (id TEXT PRIMARY KEY, name TEXT, area TEXT, parent TEXT, core INTEGER, position INTEGER)"
    )
    rows = []
    for i, node in enumerate(taxonomy):
        area = node.id if node.parent is None else taxonomy.ancestors(node.id)[-1]
        rows.append((node.id, node.name, area, node.parent, int(node.core), i))
    conn.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?, ?)", rows)
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    for table in ("titles_fts", "abstracts_fts", "notes_fts"):
        conn.execute(f"DROP TABLE IF EXISTS {table}")
    # A source row's NULL title is its paper's title (catalog schema v5): spelled out here.
    conn.execute(
        "UPDATE sources SET title = (SELECT title FROM papers p WHERE p.id = sources.paper_id) WHERE title IS NULL"
    )
    conn.execute("ALTER TABLE papers RENAME TO papers_raw")
    conn.execute(_PAPERS)
    conn.execute(
        """
        INSERT INTO papers
        SELECT p.n, p.id, p.title, p.year,
            coalesce((SELECT json_group_array(id) FROM (
                SELECT DISTINCT d.area AS id, a.position FROM tags t JOIN nodes d ON d.id = t.node
                JOIN nodes a ON a.id = d.area
                WHERE t.paper_id = p.id AND t.removed = 0 ORDER BY a.position)), '[]'),
            coalesce((SELECT json_group_array(node) FROM (
                SELECT t.node FROM tags t LEFT JOIN nodes d ON d.id = t.node
                WHERE t.paper_id = p.id AND t.removed = 0 ORDER BY d.position, t.node)), '[]'),
            p.venue, p.status, p.starred,
            CASE WHEN instr(p.id, ':') = 0 THEN 'https://arxiv.org/abs/' || p.id
                 ELSE coalesce(p.url, 'https://doi.org/' || coalesce(p.doi, CASE
                      WHEN p.id LIKE 'doi:%.pdf' THEN substr(p.id, 5, length(p.id) - 8)
                      WHEN p.id LIKE 'doi:%' THEN substr(p.id, 5) END)) END,
            CASE WHEN instr(p.id, ':') = 0 THEN coalesce(p.pdf_url, 'https://arxiv.org/pdf/' || p.id)
                 ELSE p.pdf_url END,
            p.authors, p.abstract,
            CASE WHEN instr(p.user_fields, '"note"') > 0 THEN p.note END,
            p.source, p.kind, p.citekey, p.published, p.added_at
        FROM papers_raw p
        """
    )
    conn.execute("DROP TABLE papers_raw")
    for column in ("year", "status", "source", "added_at"):
        conn.execute(f"CREATE INDEX papers_{column} ON papers({column})")
    return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])


def site_metadata(papers: int) -> dict[str, Any]:
    """Datasette metadata: search index, facets, columns and canned queries of the page."""
    return {
        "title": "efmcat: efficient large foundation models",
        "description": (
            f"{count(papers, 'paper')} of the efmcat catalog. Search titles, abstracts and authors; "
            "facet by area, tag, year, source and reading status."
        ),
        "databases": {
            DB_NAME: {
                "tables": {
                    "papers": {
                        "fts_table": "papers_fts",
                        "fts_pk": "n",
                        "label_column": "title",
                        "sort_desc": "year",
                        "facets": [{"array": "areas"}, {"array": "tags"}, "year", "source", "status"],
                    },
                    "nodes": {"label_column": "name"},
                },
                "queries": QUERIES,
            }
        },
    }


def command(site: Site, port: int, *, open_browser: bool = False) -> list[str]:
    """The Datasette command line serving ``site`` read-only on 127.0.0.1:port."""
    cmd = [
        sys.executable, "-m", "datasette", "serve", "--immutable", str(site.database),
        "--metadata", str(site.metadata), "--host", HOST, "--port", str(port),
        "--setting", "default_page_size", "50", "--setting", "facet_time_limit_ms", "1000",
        "--setting", "default_facet_size", "8",
    ]  # fmt: skip
    if open_browser:
        cmd.append("--open")
    return cmd


def check_port(port: int) -> None:
    """EfmcatError (one line) when ``port`` on 127.0.0.1 is taken: Datasette would print
    its server's traceback-like log and exit 3, as if arXiv had failed."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise EfmcatError(
                f"port {port} on {HOST} is in use ({exc.strerror or exc}): give another with --port"
            ) from None


def serve(site: Site, port: int, *, open_browser: bool = False) -> int:
    """Run Datasette until it stops (Ctrl-C); returns its exit status. On POSIX Datasette
    replaces this process, so Ctrl-C and signals reach it directly and no server is orphaned.
    Its start-up lines and access log are messages, not data: they go to stderr, so
    ``efmcat browse > file`` writes nothing. Ctrl-C is the way to stop a server, so it
    exits 0 as Datasette does."""
    require_datasette()
    cmd = command(site, port, open_browser=open_browser)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        os.execv(cmd[0], cmd)
    proc = subprocess.Popen(cmd, stdout=sys.stderr)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait()
        return 0
