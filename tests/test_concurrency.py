"""Several efmcat processes on one catalog, and an import killed with SIGKILL (issue 11).

Each writer is a real process (``python -m efmcat``); nothing is mocked."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from efmcat.catalog import Catalog
from efmcat.importer import COMMIT

pytestmark = pytest.mark.slow


def _efmcat(*args: str, db: Path, **kw) -> subprocess.Popen:
    env = {**os.environ, "EFMCAT_DB": str(db)}
    return subprocess.Popen(
        [sys.executable, "-m", "efmcat", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _snapshot(path: Path, n: int, start: int = 0) -> Path:
    with path.open("w") as fh:
        for i in range(start, start + n):
            rec = {"id": f"25{(i // 99999) % 12 + 1:02d}.{i % 99999:05d}", "title": f"Quantized sparse model {i}",
                   "abstract": "low-bit weights and a kv cache", "categories": "cs.LG"}  # fmt: skip
            fh.write(json.dumps(rec) + "\n")
    return path


def _consistent(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for table in ("papers_fts", "titles_fts"):
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
        papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM titles_fts").fetchone()[0]
        assert papers == indexed
        unsourced = conn.execute(
            "SELECT count(*) FROM papers p WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.paper_id = p.id)"
        ).fetchone()[0]
        assert unsourced == 0  # each batch commits its papers with their sources
        triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {"papers_ai", "papers_fields_ai"} <= triggers
    finally:
        conn.close()


def test_eight_writers_and_readers(mini_db, tmp_path):
    """8 concurrent imports of 5,500 records (2 batches) each, and readers in a loop meanwhile: all succeed."""
    files = [_snapshot(tmp_path / f"w{k}.jsonl", 5500, start=k * 5500) for k in range(8)]
    writers = [_efmcat("import", str(f), db=mini_db) for f in files]
    reads = 0
    while any(w.poll() is None for w in writers):
        r = subprocess.run(
            [sys.executable, "-m", "efmcat", "search", "quantized", "--limit", "3"],
            env={**os.environ, "EFMCAT_DB": str(mini_db)}, capture_output=True, text=True,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        reads += 1
    for w in writers:
        _, err = w.communicate()
        assert w.returncode == 0, err
    assert reads >= 1
    with Catalog(mini_db) as cat:
        assert cat.count() == 8 + 8 * 5500
    _consistent(mini_db)


def test_short_writes_beside_a_long_import(mini_db, tmp_path, monkeypatch):
    """tag keeps working (well inside the busy timeout) while a 25,000-record import runs."""
    big = _snapshot(tmp_path / "big.jsonl", 25_000)
    importer = _efmcat("import", str(big), db=mini_db)
    env = {**os.environ, "EFMCAT_DB": str(mini_db), "EFMCAT_BUSY_TIMEOUT": "5"}
    done = 0
    while importer.poll() is None and done < 30:
        node = ("memory", "attention")[done % 2]
        r = subprocess.run(
            [sys.executable, "-m", "efmcat", "tag", "2210.17323", node],
            env=env,
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stderr
        done += 1
    _, err = importer.communicate()
    assert importer.returncode == 0, err
    assert done >= 2
    with Catalog(mini_db) as cat:
        assert cat.count() == 8 + 25_000
    _consistent(mini_db)


def test_kill_9_mid_import_leaves_a_consistent_catalog(mini_db, tmp_path):
    big = _snapshot(tmp_path / "big.jsonl", 25_000)
    proc = _efmcat("import", str(big), db=mini_db)
    deadline = time.monotonic() + 120
    count = 8
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(mini_db) as conn:
            count = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        if count > 8:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _consistent(mini_db)
    with Catalog(mini_db) as cat:
        kept = cat.count()
        assert 8 < kept < 8 + 25_000
        assert (kept - 8) % COMMIT == 0  # whole committed batches only
    # Running the import again finishes it.
    again = _efmcat("import", str(big), db=mini_db)
    _, err = again.communicate()
    assert again.returncode == 0, err
    with Catalog(mini_db) as cat:
        assert cat.count() == 8 + 25_000
    _consistent(mini_db)


def test_kill_9_mid_whole_file_import_leaves_nothing(mini_db, tmp_path):
    """A Markdown import is one transaction: killed, it leaves none of its papers."""
    lines = [f"- [Paper {i}](https://arxiv.org/abs/2305.{i:05d})" for i in range(30_000)]
    md = tmp_path / "big.md"
    md.write_text("# Quantization\n" + "\n".join(lines) + "\n")
    before = {r for r in sqlite3.connect(mini_db).execute("SELECT id FROM papers")}
    proc = _efmcat("import", str(md), db=mini_db)
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _consistent(mini_db)
    after = {r for r in sqlite3.connect(mini_db).execute("SELECT id FROM papers")}
    assert after == before


def test_a_catalog_another_efmcat_created_meanwhile_opens(tmp_path, monkeypatch):
    """Two efmcat creating one new --db: the second read version 0 before the first
    committed its schema, then ran the first migration again ("table papers already exists",
    reported as a catalog whose version was changed by hand). The version is read again
    under the write lock."""
    path = tmp_path / "new.db"
    Catalog(path).close()  # the other efmcat: the whole schema, committed
    real = Catalog._version_and_tables
    reads: list[tuple[int, int]] = []

    def first_read_stale(self):
        got = real(self)
        reads.append(got)
        return (0, 0) if len(reads) == 1 else got  # read before the other one committed

    monkeypatch.setattr(Catalog, "_version_and_tables", first_read_stale)
    with Catalog(path) as cat:
        assert cat.count() == 0
    assert len(reads) == 2  # the second read, under the lock, saw the schema
