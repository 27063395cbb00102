"""Start-up: how long the everyday commands take before they do any real work.

Times, in the same run with the runs interleaved, the floor (``python -c "import sqlite3"``
from the same interpreter) and the installed ``efmcat`` doing: ``--version``, ``--help``,
a piped ``search`` (the lean path) and a piped ``list --limit 1``, on a copy of the shipped
catalog. Prints median wall and CPU (user + system of the child) seconds and the CPU ratio
to the floor; CPU time is the steadier figure on a busy machine.

    python bench/bench_startup.py              # 21 runs each
    python bench/bench_startup.py --baseline /old/venv/bin/efmcat   # and an older install, same run
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
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_all(cmds: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    cpus: dict[str, list[float]] = {k: [] for k in cmds}
    import time

    for _ in range(runs):
        for name, cmd in cmds.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=True)
            walls[name].append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {k: (statistics.median(walls[k]), statistics.median(cpus[k])) for k in cmds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--efmcat", help="the efmcat to time (default: the one beside this python)")
    ap.add_argument("--baseline", help="another efmcat (e.g. an older release) timed in the same run")
    args = ap.parse_args()
    efmcat = args.efmcat or shutil.which("efmcat") or str(Path(sys.executable).with_name("efmcat"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "catalog.db"
        shutil.copy(HERE.parent / "data" / "catalog.db", db)
        env = dict(os.environ, EFMCAT_DATA_DIR=str(Path(tmp) / "data"), EFMCAT_DB=str(db))
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # with it set, every run recompiles efmcat
        subprocess.run([efmcat, "taxonomy"], env=env, stdout=subprocess.DEVNULL, check=True)  # warm caches
        cmds = {"floor: python -c 'import sqlite3'": [sys.executable, "-c", "import sqlite3"]}
        for label, exe in (("efmcat", efmcat), ("baseline", args.baseline)):
            if exe is None:
                continue
            cmds[f"{label} --version"] = [exe, "--version"]
            cmds[f"{label} --help"] = [exe, "--help"]
            cmds[f"{label} search quantization | cat"] = [exe, "search", "quantization"]
            cmds[f"{label} list --limit 1 | cat"] = [exe, "list", "--limit", "1"]
        results = run_all(cmds, args.runs, env)
    floor_cpu = results["floor: python -c 'import sqlite3'"][1]
    print(f"{'command':<38} {'wall s':>7} {'cpu s':>7} {'cpu/floor':>9}")
    for name, (wall, cpu) in sorted(results.items(), key=lambda kv: kv[0].split(" ", 1)[-1]):
        print(f"{name:<38} {wall:>7.3f} {cpu:>7.3f} {cpu / floor_cpu:>9.2f}")


if __name__ == "__main__":
    main()
