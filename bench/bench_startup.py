"""Start-up time of the `efmcat` console script against the floor of a bare Python start.

Times, in the same run and interleaved (so machine load hits every case alike):

- floor: ``python -c "import sqlite3"``;
- ``efmcat --help``, ``efmcat`` alone (the grouped command list), a piped
  ``efmcat search quantization`` on a copy of the shipped catalog, and one shell-completion
  request (``_EFMCAT_COMPLETE=complete_bash``, a paper-id prefix after ``show``).

Prints the median wall time and CPU time (user + system, less disturbed by other load on
the machine) of each, their ratios to the floor, and the fastest wall time. ``--base DIR`` adds the
same cases run from another source tree (e.g. ``git archive main src | tar -x -C DIR``),
for a before/after comparison on the same machine in the same run.

    python bench/bench_startup.py
    python bench/bench_startup.py --runs 21 --base /tmp/efmcat_base/src
"""

from __future__ import annotations

import argparse
import os
import resource
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


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


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
        times: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in jobs}
        for _ in range(args.runs):
            for key, (argv, jenv) in jobs.items():
                times[key].append(run_once(argv, jenv))
    wall = {key: statistics.median(t[0] for t in ts) for key, ts in times.items()}
    cpu = {key: statistics.median(t[1] for t in ts) for key, ts in times.items()}
    best = {key: min(t[0] for t in ts) for key, ts in times.items()}
    floor = ("floor", "")
    print(f"{'case':<20} {'tree':<5} {'wall s':>7} {'ratio':>6} {'cpu s':>7} {'ratio':>6} {'min s':>7}")
    rows = [("python (floor)", floor)] + [(name, (name, tree)) for name in cases(Path()) for tree in trees]
    for label, key in rows:
        tree = key[1]
        print(
            f"{label:<20} {tree:<5} {wall[key]:>7.3f} {wall[key] / wall[floor]:>6.2f}"
            f" {cpu[key]:>7.3f} {cpu[key] / cpu[floor]:>6.2f} {best[key]:>7.3f}"
        )


if __name__ == "__main__":
    main()
