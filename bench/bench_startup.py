"""Start-up time of the `efmcat` console script against the floor of a bare Python start.

Times, in the same run and interleaved (so machine load hits every case alike):

- floor: ``python -c "import sqlite3"``;
- ``efmcat --help``, ``efmcat`` alone (the grouped command list), a piped
  ``efmcat search quantization`` on a copy of the shipped catalog, and one shell-completion
  request (``_EFMCAT_COMPLETE=complete_bash``, a paper-id prefix after ``show``).

Prints the median wall time of each and its ratio to the floor. ``--base DIR`` adds the
same cases run from another source tree (e.g. ``git archive main src | tar -x -C DIR``),
for a before/after comparison on the same machine in the same run.

    python bench/bench_startup.py
    python bench/bench_startup.py --runs 21 --base /tmp/efmcat_base/src
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SCRIPT = "import sys; from efmcat.fastpath import main; sys.argv[0] = 'efmcat'; main()"


def cases(db: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    complete = {"_EFMCAT_COMPLETE": "complete_bash", "COMP_WORDS": "efmcat show 2210", "COMP_CWORD": "2"}
    return {
        "efmcat --help": (["--help"], {}),
        "efmcat (alone)": ([], {}),
        "search (piped)": (["search", "quantization", "--db", str(db)], {}),
        "complete show ID": ([], {**complete, "EFMCAT_DB": str(db)}),
    }


def run_once(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--base", type=Path, help="another tree's src/ to time beside this one")
    args = ap.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("_EFMCAT_COMPLETE", None)
    trees = {"this": SRC.resolve()}
    if args.base:
        trees["base"] = args.base.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "catalog.db"
        shutil.copy(HERE.parent / "data" / "catalog.db", db)
        env["EFMCAT_DATA_DIR"] = tmp  # never the user's own catalog
        env["EFMCAT_DB"] = str(db)
        floor = [sys.executable, "-c", "import sqlite3"]
        jobs = {("floor", ""): (floor, env)}
        for tree, src in trees.items():
            tenv = {**env, "PYTHONPATH": str(src)}
            for name, (argv, extra) in cases(db).items():
                jobs[(name, tree)] = ([sys.executable, "-c", SCRIPT, *argv], {**tenv, **extra})
        for argv, jenv in jobs.values():  # warm page cache, bytecode and taxonomy caches
            run_once(argv, jenv)
        times: dict[tuple[str, str], list[float]] = {key: [] for key in jobs}
        for _ in range(args.runs):
            for key, (argv, jenv) in jobs.items():
                times[key].append(run_once(argv, jenv))
    med = {key: statistics.median(ts) for key, ts in times.items()}
    base = med[("floor", "")]
    print(f"{'case':<20} {'tree':<5} {'median s':>9} {'ratio':>6}")
    print(f"{'python -c pass':<20} {'':<5} {base:>9.3f} {1.0:>6.2f}")
    for name in cases(Path()):
        for tree in trees:
            m = med[(name, tree)]
            print(f"{name:<20} {tree:<5} {m:>9.3f} {m / base:>6.2f}")


if __name__ == "__main__":
    main()
