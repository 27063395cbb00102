"""`efmcat similar` speed on a synthetic catalog of N papers (default 100k).

Builds the catalog with bench_search's generator (arXiv-shaped titles and abstracts over a
Zipf-like vocabulary, efmcat's own schema), then, for 20 papers picked at random, times in
the same run:

- floor: the bare FTS5 part of the work, the query of the paper's distinctive terms over
  titles_fts and the abstract column of papers_fts (similar._pool_sql) run on a plain sqlite3 connection;
- similar: the library call behind `efmcat similar ID` (similar.similar_papers: term
  selection from the FTS5 vocabulary, the OR query, re-ranking by shared terms and tags).

Prints the median and worst time per query and the ratio similar/floor. Goal: well under a
second per query at 100k papers.

    python bench/bench_similar.py
    python bench/bench_similar.py --sizes 10000 100000 --queries 20
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_search import OUT, build  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()

    from efmcat.catalog import Catalog
    from efmcat.similar import POOL, _pool_params, _pool_sql, distinctive_terms, similar_papers
    from efmcat.taxonomy import load_taxonomy

    OUT.mkdir(exist_ok=True)
    taxonomy = load_taxonomy()
    print(
        f"{'papers':>9}  {'build s':>8}  {'floor med s':>11} {'similar med s':>13} {'similar max s':>13} {'ratio':>6}"
    )
    for n in args.sizes:
        path = OUT / f"search-{n}.db"
        built = 0.0
        if not path.exists():
            built = build(path, n)
        rng = random.Random(11)
        with Catalog(path) as catalog:
            ids = [r[0] for r in catalog.conn.execute("SELECT id FROM papers")]
            picks = rng.sample(ids, min(args.queries, len(ids)))
            similar_papers(catalog, picks[0], limit=args.limit, taxonomy=taxonomy)  # warm the cache
            floor_conn = sqlite3.connect(path)
            floors, ours = [], []
            for pid in picks:
                paper = catalog.get_paper(pid)
                terms = distinctive_terms(catalog, paper)
                self_n = catalog.conn.execute("SELECT n FROM papers WHERE id = ?", (pid,)).fetchone()[0]
                t0 = time.perf_counter()
                floor_conn.execute(_pool_sql(len(terms)), _pool_params(terms, self_n, POOL)).fetchall()
                floors.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                similar_papers(catalog, pid, limit=args.limit, taxonomy=taxonomy)
                ours.append(time.perf_counter() - t0)
            floor_conn.close()
        f, o = statistics.median(floors), statistics.median(ours)
        print(f"{n:>9}  {built:>8.1f}  {f:>11.3f} {o:>13.3f} {max(ours):>13.3f} {o / f:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
