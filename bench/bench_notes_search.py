"""Search with a note on many papers: `efmcat search` against its floor and against the
same query on the same catalog without notes.

A user's notes are searched too (notes_fts), and a query of several words also finds a
paper whose note holds some of the words and whose record the rest (searchsql.MIXED_SQL).
This bench builds a synthetic catalog as bench/bench_search.py does, copies it, writes a
note on every ``--every``-th paper of the copy (5-30 words drawn from common field words:
model, llm, inference, quantization, attention, cache, ...), and times, in the same run,
interleaved, on queries of 1, 2, 3 and 5 words:

- floor: ``python -c`` (this interpreter) opening the catalog with notes and running
  efmcat's own ranking SQL (searchsql.ranking's) with the same parameters and LIMIT, then
  reading and printing the winners' rows (bench_search's FLOOR);
- efmcat: the installed ``efmcat search QUERY --db FILE --limit N``, stdout piped (the
  fast path), on the catalog with notes;
- no notes: the same command on the catalog without notes.

Prints median wall and CPU times (user + system of the child) and two ratios: efmcat /
floor (what efmcat adds to its SQL) and notes / no notes (what the notes cost).
``--old`` also times, once per query, the floor with the SQL before the split was read as
rowid sets (an FTS5 lookup per note and group), stopped after ``--old-timeout`` seconds.

    python bench/bench_notes_search.py                      # 10k and 100k papers, a note on each
    python bench/bench_notes_search.py --sizes 100000 --every 10 --old
    python bench/bench_notes_search.py --shipped --old      # the shipped catalog, a note on each
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

sys.path.insert(0, str(HERE))
from bench_search import FLOOR, build, floor_sql, median_times  # noqa: E402

QUERIES = [
    "quantization",
    "model inference",
    "llm inference quantization",
    "model attention cache memory kernel",
]

# Words of a user's notes, with weights: the field's common words and a reader's own.
NOTE_WORDS = {
    "model": 10, "llm": 8, "inference": 8, "quantization": 5, "attention": 5, "cache": 4, "kv": 4,
    "memory": 4, "latency": 3, "throughput": 3, "baseline": 3, "compare": 3, "thesis": 2,
    "reproduce": 2, "kernel": 2, "sparse": 2, "pruning": 2, "training": 3, "language": 3,
    "transformer": 3, "speculative": 1, "decoding": 2, "gpu": 3, "serving": 2, "related": 2,
    "work": 2, "read": 3, "later": 2, "good": 2, "idea": 2, "results": 2, "efficient": 3,
    "accuracy": 2, "method": 2, "the": 6, "for": 4, "and": 5, "with": 3, "of": 5, "see": 2,
    "section": 2,
}  # fmt: skip

# The mixed lookup before it read rowid sets (searchsql from 4ee901c to e647594), for --old.
OLD_MIXED_GROUP = (
    "(EXISTS (SELECT 1 FROM papers_fts WHERE papers_fts MATCH :g{i} AND papers_fts.rowid = nf.rowid)"
    " OR EXISTS (SELECT 1 FROM notes_fts WHERE notes_fts MATCH :g{i} AND notes_fts.rowid = nf.rowid))"
)


def add_notes(path: Path, every: int, seed: int = 3) -> tuple[int, float]:
    """A note on every ``every``-th paper, written as `efmcat note` writes one (the note and
    "note" in user_fields: the trigger indexes it); returns (notes, seconds)."""
    rng = random.Random(seed)
    words, weights = list(NOTE_WORDS), list(NOTE_WORDS.values())
    t0 = time.perf_counter()
    conn = sqlite3.connect(path)
    ns = [n for (n,) in conn.execute("SELECT n FROM papers ORDER BY n")][::every]
    with conn:
        conn.executemany(
            "UPDATE papers SET note = ?, user_fields = '[\"note\"]' WHERE n = ?",
            ((" ".join(rng.choices(words, weights, k=rng.randint(5, 30))), n) for n in ns),
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return len(ns), time.perf_counter() - t0


def time_old(path: Path, query: str, limit: int, timeout: float) -> str:
    """Wall seconds of the floor with the per-note lookups, or '>T' when stopped at T s."""
    from efmcat import searchsql

    new = searchsql.MIXED_GROUP
    searchsql.MIXED_GROUP = OLD_MIXED_GROUP
    try:
        sql, params = floor_sql(query, limit)
    finally:
        searchsql.MIXED_GROUP = new
    t0 = time.perf_counter()
    try:
        subprocess.run(
            [sys.executable, "-c", FLOOR, str(path), sql, *params],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return f">{timeout:.0f}"
    return f"{time.perf_counter() - t0:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--every", type=int, default=1, help="a note on every N-th paper (1: on each)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--queries", nargs="+", default=QUERIES)
    ap.add_argument("--old", action="store_true", help="also time the per-note lookups (once per query)")
    ap.add_argument("--old-timeout", type=float, default=300.0)
    ap.add_argument("--keep", action="store_true", help="keep the generated catalogs in bench/out/")
    ap.add_argument("--reuse", action="store_true", help="reuse kept catalogs of the same size and --every")
    ap.add_argument("--shipped", action="store_true", help="the shipped data/catalog.db (a copy) instead")
    args = ap.parse_args()

    efmcat = shutil.which("efmcat") or str(Path(sys.executable).with_name("efmcat"))
    OUT.mkdir(exist_ok=True)
    print(
        f"{'papers':>9} {'notes':>9}  {'query':<36} {'floor s':>8} {'efmcat s':>9} {'ratio':>6}"
        f" {'no notes s':>10} {'notes/none':>10}  {'floor cpu':>9} {'efmcat cpu':>10} {'none cpu':>8}"
        + (f" {'old SQL s':>9}" if args.old else "")
    )
    for size in [0] if args.shipped else args.sizes:
        plain = OUT / ("notes-shipped-plain.db" if args.shipped else f"notes-{size}-plain.db")
        noted = OUT / ("notes-shipped.db" if args.shipped else f"notes-{size}-every{args.every}.db")
        if not (args.reuse and plain.exists() and noted.exists()):
            if args.shipped:
                shutil.copy(HERE.parent / "data" / "catalog.db", plain)
            else:
                build(plain, size)
            shutil.copy(plain, noted)
            count, secs = add_notes(noted, args.every)
            print(f"# {noted.name}: {count} notes written in {secs:.1f} s", flush=True)
        conn = sqlite3.connect(noted)
        papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
        notes = conn.execute("SELECT count(*) FROM notes_fts").fetchone()[0]
        conn.close()
        for path in (plain, noted):  # warm the page cache and the taxonomy cache once
            subprocess.run(
                [efmcat, "search", "warm", "--db", str(path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        for q in args.queries:
            sql, params = floor_sql(q, args.limit)
            (floor, floor_cpu), (ours, ours_cpu), (none, none_cpu) = median_times(
                [
                    [sys.executable, "-c", FLOOR, str(noted), sql, *params],
                    [efmcat, "search", q, "--db", str(noted), "--limit", str(args.limit)],
                    [efmcat, "search", q, "--db", str(plain), "--limit", str(args.limit)],
                ],
                args.runs,
            )
            old = f" {time_old(noted, q, args.limit, args.old_timeout):>9}" if args.old else ""
            print(
                f"{papers:>9} {notes:>9}  {q:<36} {floor:>8.3f} {ours:>9.3f} {ours / floor:>6.2f}"
                f" {none:>10.3f} {ours / none:>10.2f}  {floor_cpu:>9.3f} {ours_cpu:>10.3f} {none_cpu:>8.3f}{old}",
                flush=True,
            )
        if not args.keep:
            for path in (plain, noted):
                for suffix in ("", "-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
