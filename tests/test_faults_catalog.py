"""Catalog-file faults and out-of-range numbers end in one ``Error:`` line (issue 11, case 2).

Read-only files and folders are tested for real: as root (where permissions do not
apply) the command runs as ``nobody`` through setpriv."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from efmcat.catalog import Catalog

HUGE = "9223372036854775808"
HUGER = str(10**20)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("search", "quantization", "--limit", HUGE),
            f"--limit must be between 1 and 1000000000, not {HUGE}",
        ),
        (("list", "--limit", HUGE), f"--limit must be between 1 and 1000000000, not {HUGE}"),
        (
            ("search", "quantization", "--year", HUGER),
            f"--year must be a year between 0 and 9999, not {HUGER}",
        ),
        (("list", "--since", HUGER), f"--since must be a year between 0 and 9999, not {HUGER}"),
        (("list", "--until", "-" + HUGER), f"--until must be a year between 0 and 9999, not -{HUGER}"),
        (("export", "--since", HUGER), f"--since must be a year between 0 and 9999, not {HUGER}"),
        (
            ("export", "--format", "json", "--until", HUGER),
            f"--until must be a year between 0 and 9999, not {HUGER}",
        ),
    ],
)
def test_huge_numbers_are_usage_errors(cli, mini_db, args, message):
    r = cli(*args)
    assert (r.exit_code, r.stderr) == (2, f"Error: {message}\n")


def test_huge_numbers_through_the_installed_fast_path(mini_db):
    """The piped fast path hands out-of-range numbers to the CLI instead of crashing."""
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "from efmcat.fastpath import main; main()",
            "search",
            "quantization",
            "--limit",
            HUGE,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "EFMCAT_DB": str(mini_db)},
    )
    assert (r.returncode, r.stderr) == (2, f"Error: --limit must be between 1 and 1000000000, not {HUGE}\n")


# -- files that are not catalogs --------------------------------------------------------
def test_dev_null_is_not_a_catalog(cli):
    for args in (("list",), ("tag", "2210.17323", "memory"), ("import", "x.md")):
        r = cli(*args, "--db", "/dev/null")
        assert (r.exit_code, r.stderr) == (
            1,
            "Error: /dev/null is a device, FIFO or socket, not a catalog file\n",
        )


def test_a_folder_is_not_a_catalog(cli, tmp_path):
    r = cli("list", "--db", str(tmp_path))
    assert (r.exit_code, r.stderr) == (1, f"Error: {tmp_path} is a folder, not a catalog file\n")


def test_empty_file_is_not_turned_into_a_catalog_by_reading_commands(cli, tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for args in (("list",), ("search", "x"), ("stats",), ("check",), ("show", "2210.17323")):
        r = cli(*args, "--db", str(empty))
        assert (r.exit_code, r.stderr) == (1, f"Error: {empty} is an empty file, not a catalog\n"), args
    assert empty.stat().st_size == 0


def _schema_versioned(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", [1, 2])
def test_user_version_older_than_the_tables(cli, mini_db, version):
    _schema_versioned(mini_db, version)
    before = mini_db.read_bytes()
    r = cli("list")
    assert r.exit_code == 1
    assert r.stderr.startswith(
        f"Error: catalog {mini_db} says schema version {version} but has newer tables ("
    )
    assert r.stderr.endswith("its user_version was changed by hand\n")
    with sqlite3.connect(mini_db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version  # rolled back
    assert len(before) > 0


def test_negative_user_version(cli, mini_db):
    _schema_versioned(mini_db, -1)
    r = cli("list")
    assert (r.exit_code, r.stderr) == (1, f"Error: catalog {mini_db} has an invalid schema version -1\n")


@pytest.mark.parametrize("table", ["tags", "sources", "titles_fts"])
def test_missing_table(cli, mini_db, table):
    with sqlite3.connect(mini_db) as conn:
        conn.execute(f"DROP TABLE {table}")
    for args in (("list",), ("search", "quantization"), ("tag", "2210.17323", "memory"), ("check",)):
        r = cli(*args)
        assert r.exit_code == 1, args
        assert r.stderr == (
            f"Error: the catalog {mini_db} is damaged: missing table {table}; rebuild it or restore a copy\n"
        )


@pytest.mark.parametrize(("table", "column"), [("papers", "venue"), ("papers", "kind"), ("tags", "removed")])
def test_missing_column(cli, mini_db, table, column):
    """A column dropped by hand is "damaged", not "a bug in efmcat" at the first query that reads it."""
    with sqlite3.connect(mini_db) as conn:
        if table == "tags":
            conn.execute("DROP INDEX IF EXISTS tags_node")
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    for args in (("show", "2210.17323"), ("status", "2210.17323", "read"), ("export", "-f", "bibtex")):
        r = cli(*args)
        assert r.exit_code == 1, args
        assert r.stderr == (
            f"Error: the catalog {mini_db} is damaged: table {table} has no column {column}; "
            "rebuild it or restore a copy\n"
        )


def test_the_required_columns_are_the_schemas(tmp_path):
    from efmcat.catalog import REQUIRED_COLUMNS, Catalog

    with Catalog(tmp_path / "new.db") as catalog:
        for table, columns in REQUIRED_COLUMNS.items():
            assert tuple(r[1] for r in catalog.conn.execute(f"PRAGMA table_info({table})")) == columns


def _corrupt(path: Path, first_page: int, seed: int = 1) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    for i in range(4096 * first_page, len(data), 53):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("first_page", [3, 8, 14, 20])
def test_corrupted_catalog_gives_one_line(cli, mini_db, first_page):
    _corrupt(mini_db, first_page)
    for args in (
        ("list",),
        ("search", "quantization"),
        ("check",),
        ("stats",),
        ("tag", "2210.17323", "memory"),
    ):
        r = cli(*args)
        assert "Traceback" not in r.output
        assert r.exit_code == 1, (args, r.output)
        assert r.stderr.startswith("Error: ") and r.stderr.count("\n") == 1, (args, r.stderr)
        for ch in ("\x1b", "\x07", "\x00"):
            assert ch not in r.stdout + r.stderr


# -- busy ---------------------------------------------------------------------------------
def test_busy_catalog_says_so_after_the_timeout(cli, mini_db, monkeypatch):
    monkeypatch.setenv("EFMCAT_BUSY_TIMEOUT", "0.2")
    holder = sqlite3.connect(mini_db, isolation_level=None)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")
    try:
        for args in (
            ("tag", "2210.17323", "memory"),
            ("import", str(Path(__file__).parent / "fixtures/import/snapshot.jsonl")),
        ):
            r = cli(*args)
            assert (r.exit_code, r.stderr) == (
                1,
                "Error: catalog is busy (another efmcat is writing); try again\n",
            )
        r = cli("list")  # readers are not blocked by a writer (WAL)
        assert r.exit_code == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_bad_busy_timeout_setting(cli, mini_db, monkeypatch):
    monkeypatch.setenv("EFMCAT_BUSY_TIMEOUT", "soon")
    r = cli("list")
    assert (r.exit_code, r.stderr) == (  # a setting, as EFMCAT_ARXIV_DELAY's: a usage error
        2,
        "Error: EFMCAT_BUSY_TIMEOUT must be a number of seconds, not 'soon'\n",
    )


# -- read-only catalogs, as a user who cannot write them ---------------------------------------
def _as_other_user() -> list[str] | None:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def _run(prefix: list[str], *args: str, db: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "EFMCAT_DB": str(db), "EFMCAT_DATA_DIR": str(db.parent / "data")}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "efmcat", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=db.parent,
    )


@pytest.fixture
def shared_dir():
    """A folder another user can enter: not under pytest's tmp folders, which are private to
    root (and which every pytest session resets to 0700)."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="efmcat-shared-"))
    base.chmod(0o755)
    yield base
    for p in base.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(base, ignore_errors=True)


def _wal_copy_for_another_user(shared_dir: Path, mini_db: Path, what: str) -> tuple[list[str], Path, Path]:
    """(the prefix that runs a command as another user, the folder, a WAL copy of the mini
    catalog in it, as efmcat leaves a catalog); skips the test where privileges cannot drop."""
    prefix = _as_other_user()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot drop privileges")
    folder = shared_dir / what
    folder.mkdir()
    db = folder / "c.db"
    shutil.copy(mini_db, db)
    with Catalog(db) as cat, cat.transaction():
        pass
    return prefix, folder, db


@contextmanager
def _made_read_only(folder: Path, db: Path, what: str) -> Iterator[None]:
    """``db`` read-only for the block (the file, or its folder), then writable again; its
    bytes must be as they were."""
    before = db.read_bytes()
    db.chmod(0o444 if what == "file" else 0o644)
    folder.chmod(0o755 if what == "file" else 0o555)
    try:
        yield
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    assert db.read_bytes() == before


def _readable_copy(shared_dir: Path, fixture: str) -> Path:
    """A copy of a test fixture that the other user can read."""
    dest = shared_dir / Path(fixture).name
    shutil.copy(Path(__file__).parent / fixture, dest)
    dest.chmod(0o644)
    return dest


@pytest.mark.parametrize("what", ["file", "folder"])
def test_read_only_catalog(shared_dir, mini_db, what):
    prefix, folder, db = _wal_copy_for_another_user(shared_dir, mini_db, what)
    with _made_read_only(folder, db, what):
        for args in (
            ("tag", "2210.17323", "attention"),
            ("import", str(Path(__file__).parent / "fixtures/import/snapshot.jsonl")),
            # said before the file is read (not its bad line), before arXiv, before the editor
            ("import", str(Path(__file__).parent / "fixtures/import/broken.jsonl")),
            ("add", "2312.99999"),
            ("refresh", "2210.17323"),
            ("edit", "2210.17323"),
            ("note", "2210.17323"),
            ("train",),  # said before training (no "Training on ..." line), not after it
        ):
            r = _run(prefix, *args, db=db)
            assert (r.returncode, r.stderr) == (
                1,
                f"Error: cannot write the catalog {db}: it is read-only (the file or its folder cannot be "
                "written); commands that only read it still work\n",
            ), r.stderr
        r = _run(prefix, "show", "2210.17323", db=db)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith("GPTQ")
        # sql read with mode=ro alone: "unable to open database file" in a read-only folder
        r = _run(prefix, "sql", "SELECT count(*) AS n FROM papers", "--format", "csv", db=db)
        assert (r.returncode, r.stdout.split()) == (0, ["n", "8"]), r.stderr


@pytest.mark.parametrize("what", ["file", "folder"])
def test_dry_runs_on_a_read_only_catalog(shared_dir, mini_db, what):
    """A dry run says what would change on a catalog this user cannot write (it works on a
    scratch copy), and the catalog is left byte for byte."""
    prefix, folder, db = _wal_copy_for_another_user(shared_dir, mini_db, what)
    bib = _readable_copy(shared_dir, "fixtures/import/refs.bib")
    with _made_read_only(folder, db, what):
        r = _run(prefix, "tag", "--dry-run", "2210.17323", "attention", db=db)
        assert (r.returncode, r.stdout) == (0, ""), r.stderr
        assert r.stderr.endswith("Would tag 2210.17323 with attention (dry run: nothing was written)\n")
        r = _run(prefix, "import", "--dry-run", str(bib), db=db)
        assert r.returncode == 0, r.stderr
        assert "added   title:a-paper-without-any-link  A Paper Without Any Link" in r.stderr
        assert r.stderr.endswith("Dry run: nothing was written.\n")
        r = _run(prefix, "update", "--dry-run", db=db)
        assert r.returncode == 0, r.stderr
        assert r.stderr.rstrip().endswith("nothing written (dry run).")
        r = _run(prefix, "import", str(bib), db=db)  # the real import still refuses
        assert r.returncode == 1
        assert r.stderr.endswith(
            "it is read-only (the file or its folder cannot be written); commands that only read it still work\n"
        )


@pytest.mark.parametrize("what", ["file", "folder"])
def test_discover_shows_a_run_it_cannot_remember_on_a_read_only_catalog(shared_dir, mini_db, what):
    """It failed after reading the feed (the run is remembered in the catalog); now it shows
    the run and says it is not remembered. --add still refuses, before any request."""
    prefix, folder, db = _wal_copy_for_another_user(shared_dir, mini_db, what)
    feed = _readable_copy(shared_dir, "fixtures/discover/cs_LG_rss_2026format.xml")
    with _made_read_only(folder, db, what):
        r = _run(prefix, "discover", "--feed", str(feed), db=db)
        assert r.returncode == 0, r.stderr
        assert "Speculative Decoding with Tiny Drafters" in r.stdout
        assert r.stderr.endswith(
            "Not remembered: the catalog is read-only, so the next run shows these papers again.\n"
            "From the feed: 3 papers, 3 candidates.\n"
        )
        r = _run(prefix, "discover", "--feed", str(feed), "--add", db=db)
        assert (r.returncode, r.stdout) == (1, "")
        assert r.stderr.endswith(
            "it is read-only (the file or its folder cannot be written); commands that only read it still work\n"
        )


def test_an_empty_read_only_file_cannot_become_a_catalog(shared_dir):
    prefix = _as_other_user()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot drop privileges")
    db = shared_dir / "empty.db"
    db.touch()
    db.chmod(0o444)
    r = _run(prefix, "import", str(Path(__file__).parent / "fixtures/import/refs.bib"), db=db)
    assert (r.returncode, r.stderr) == (
        1,
        f"Error: cannot create the catalog {db}: it is read-only (the file or its folder cannot be written)\n",
    )
    assert db.read_bytes() == b""


def test_old_catalog_in_a_read_only_folder(shared_dir):
    """A catalog of an older schema that this user cannot write cannot be upgraded: the
    message says so (not "commands that only read it still work")."""
    prefix = _as_other_user()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot drop privileges")
    folder = shared_dir / "old"
    folder.mkdir()
    db = folder / "c.db"
    shutil.copy(Path(__file__).parent / "fixtures/release/catalog-0.1.0.db", db)
    before = db.read_bytes()
    folder.chmod(0o555)
    try:
        r = _run(prefix, "show", "2210.17323", db=db)
    finally:
        folder.chmod(0o755)
    assert (r.returncode, r.stderr) == (
        1,
        f"Error: cannot upgrade the catalog {db} from schema version 2 to 7: it is read-only (the "
        "file or its folder cannot be written); run efmcat once as a user who can write it, or work "
        "on a copy\n",
    )
    assert db.read_bytes() == before
