"""Search speed: `efmcat search` against the floor of a bare FTS5 query from `python -c`.

Builds synthetic arXiv-shaped catalogs (realistic title and abstract lengths, a
generated vocabulary with a Zipf-like word distribution plus field terms) with
efmcat's own schema, then times, in the same run and on the same file:

- floor: ``python -c`` opening the file with sqlite3 and running the same FTS5 query
  (efmcat's own ranking SQL, searchsql.ranking's, with the same MATCH expressions and
  LIMIT), then reading the winners' rows and printing them;
- efmcat: the installed ``efmcat search QUERY --db FILE --limit N`` with stdout piped.

Prints the median wall time and CPU time of each (their runs interleaved) and the ratios\nefmcat/floor. Goal: <= 1.5 at 10k to 1M.

    python bench/bench_search.py                 # 10k and 100k
    python bench/bench_search.py --sizes 10000 100000 1000000
    python bench/bench_search.py --shipped       # the shipped catalog
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

sys.path.insert(0, str(HERE))
from _synth import gen_text, make_vocab  # noqa: E402

QUERIES = ["quantization", "transformer attention", "cach*", '"language model"', "speculative kernel"]


def build(path: Path, n: int, seed: int = 7) -> float:
    """Write a synthetic catalog of n papers; returns seconds taken."""
    from efmcat.catalog import Catalog

    rng = random.Random(seed)
    vocab = make_vocab(rng)
    cum, total = [], 0.0
    for i in range(len(vocab)):
        total += 1.0 / (i + 1)
        cum.append(total)
    if path.exists():
        path.unlink()
    t0 = time.perf_counter()
    cat = Catalog(path)
    areas = ["quantization", "sparsification", "attention", "memory", "compiler", "hardware"]
    batch = 5000
    with cat.transaction():
        for start in range(0, n, batch):
            rows, tags = [], []
            for i in range(start, min(n, start + batch)):
                yy = 7 + i % 19
                pid = (
                    f"{yy:02d}{1 + i % 12:02d}.{i:05d}"
                    if i < 100_000
                    else f"{yy:02d}{1 + i % 12:02d}.{i:07d}"
                )
                title = gen_text(rng, vocab, cum, rng.randint(6, 16)).capitalize()
                abstract = gen_text(rng, vocab, cum, rng.randint(120, 250))
                authors = json.dumps(
                    [f"{rng.choice(vocab).title()} {rng.choice(vocab).title()}" for _ in range(4)]
                )
                rows.append(
                    (pid, 1, title, authors, abstract, 2000 + yy, "2020-01-01", "[]", "2024-01-01T00:00:00Z")
                )
                tags.append((pid, areas[i % 6], "auto", 1.0))
            cat.conn.executemany(
                "INSERT INTO papers (id, version, title, authors, abstract, year, published, categories, added_at) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                rows,
            )
            cat.conn.executemany("INSERT INTO tags (paper_id, node, origin, score) VALUES (?,?,?,?)", tags)
    cat.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cat.close()
    return time.perf_counter() - t0


def median_times(cmds: list[list[str]], runs: int) -> list[tuple[float, float]]:
    """(median wall s, median CPU s) of each command, their runs interleaved so that every
    command meets the same machine load; CPU time (user + system of the child) is the
    steadier figure on a busy machine."""
    walls: list[list[float]] = [[] for _ in cmds]
    cpus: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            walls[i].append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[i].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus)]


FLOOR = (
    "import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);"
    "p=dict(a.split('=',1) for a in sys.argv[3:]);p['limit']=int(p['limit']);"
    "r=c.execute(sys.argv[2],p).fetchall();"
    "print(c.execute('SELECT id,year,title FROM papers WHERE n IN (%s)'%','.join(str(x[0]) for x in r)).fetchall())"
)


def floor_sql(query: str, limit: int) -> tuple[str, list[str]]:
    """The exact ranking SQL efmcat runs for an unfiltered search of ``query``, and its
    parameters as ``name=value`` arguments of FLOOR."""
    from efmcat.searchsql import ranking

    # The default selection (papers, not the repos and posts lists link) is part of the SQL.
    sql, params = ranking(query, ["p.kind IN ('paper')"], [], limit)
    return sql, [f"{k}={v}" for k, v in params.items()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--limit", type=int, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the generated catalogs in bench/out/")
    ap.add_argument("--reuse", action="store_true", help="reuse a kept catalog of the same size")
    ap.add_argument(
        "--shipped", action="store_true", help="time the shipped data/catalog.db (a copy) instead"
    )
    args = ap.parse_args()

    efmcat = shutil.which("efmcat") or str(Path(sys.executable).with_name("efmcat"))
    OUT.mkdir(exist_ok=True)
    print(
        f"{'papers':>9}  {'build s':>8}  {'query':<24} {'floor s':>8} {'efmcat s':>9} {'ratio':>6}"
        f"  {'floor cpu':>9} {'efmcat cpu':>10} {'cpu ratio':>9}"
    )
    for n in [0] if args.shipped else args.sizes:
        path = OUT / f"search-{n}.db"
        if args.shipped:
            shutil.copy(HERE.parent / "data" / "catalog.db", path)
            n = sum(1 for _ in __import__("sqlite3").connect(path).execute("SELECT 1 FROM papers"))
            built = 0.0
        else:
            built = 0.0 if args.reuse and path.exists() else build(path, n)
        # warm the page cache and the taxonomy cache once
        subprocess.run([efmcat, "search", "warm", "--db", str(path)], stdout=subprocess.DEVNULL, check=False)
        for q in QUERIES:
            sql, params = floor_sql(q, args.limit)
            (floor, floor_cpu), (ours, ours_cpu) = median_times(
                [
                    [sys.executable, "-c", FLOOR, str(path), sql, *params],
                    [efmcat, "search", q, "--db", str(path), "--limit", str(args.limit)],
                ],
                args.runs,
            )
            print(
                f"{n:>9}  {built:>8.1f}  {q:<24} {floor:>8.3f} {ours:>9.3f} {ours / floor:>6.2f}"
                f"  {floor_cpu:>9.3f} {ours_cpu:>10.3f} {ours_cpu / floor_cpu:>9.2f}",
                flush=True,
            )
            built = 0.0
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
