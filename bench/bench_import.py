"""Benchmark `efmcat import` of an arXiv metadata snapshot against a floor measured in the same run.

Usage: python bench/bench_import.py [N ...]   (default 100000; N up to 1000000)
       python bench/bench_import.py --markdown [N ...]   (a Markdown list of N arXiv links)

Generates N records in the arXiv snapshot JSONL format (keys id, submitter, authors, title,
comments, journal-ref, doi, categories, abstract, versions, update_date, authors_parsed),
then times, each in its own process:

  floor:   sqlite-utils insert floor.db papers FILE --nl   (a plain table, no index, no tags)
  efmcat:  efmcat import FILE --db catalog.db                (papers, FTS index, tags, sources)

and prints records per second, efmcat's share of the floor's rate (goal >= 0.5) and the peak
memory (max RSS) of each process (goal < 200 MB for efmcat at 1M records).

With --markdown the file is a Markdown paper list (a section heading every 5,000 rows, one
bullet per paper: title and arXiv link) and the floor inserts the same ids and titles as JSON
lines. A Markdown list is parsed whole (its rows then written in one transaction), so its
memory grows with the file (the text, its lines, the titles of its arXiv papers); the parsed
entries themselves are kept on disk. Give two sizes to see the growth per 1,000 rows.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _synth import generate  # noqa: E402

_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "dt = time.perf_counter() - t\n"
    "print(r.returncode, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.stderr.write(r.stderr[-2000:])\n"
)


def measure(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of a command run in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True)
    code, seconds, rss_kb = out.stdout.split()
    if code != "0":
        raise SystemExit(f"{cmd[0]} failed: {out.stderr}")
    return float(seconds), int(rss_kb) / 1024


def run(n: int, work: Path) -> None:
    data = work / f"snapshot-{n}.jsonl"
    t = time.perf_counter()
    generate(data, n)
    print(f"N={n:,}: generated {data.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t:.1f}s")
    floor_s, floor_mb = measure(
        [str(BIN / "sqlite-utils"), "insert", str(work / "floor.db"), "papers", str(data), "--nl"]
    )
    efm_s, efm_mb = measure([str(BIN / "efmcat"), "import", str(data), "--db", str(work / "catalog.db")])
    floor_rate, efm_rate = n / floor_s, n / efm_s
    print(
        f"  floor  sqlite-utils insert --nl : {floor_s:7.1f}s {floor_rate:9,.0f} rec/s  peak {floor_mb:5.0f} MB"
    )
    print(f"  efmcat import (FTS, tags)     : {efm_s:7.1f}s {efm_rate:9,.0f} rec/s  peak {efm_mb:5.0f} MB")
    ratio = efm_rate / floor_rate
    print(f"  ratio efmcat/floor = {ratio:.2f} (goal >= 0.50)  {'OK' if ratio >= 0.5 else 'BELOW GOAL'}")
    print(f"  peak memory {efm_mb:.0f} MB (goal < 200 MB)  {'OK' if efm_mb < 200 else 'ABOVE GOAL'}")
    for p in work.iterdir():
        p.unlink()


def write_markdown(md: Path, nl: Path, n: int) -> None:
    """A Markdown list of ``n`` arXiv papers and the same ids and titles as JSON lines."""
    import json

    with md.open("w", encoding="utf-8") as out, nl.open("w", encoding="utf-8") as rows:
        out.write("# A long list\n")
        for i in range(n):
            if i % 5000 == 0:
                out.write(f"\n## Quantization part {i // 5000 + 1}\n\n")
            month = 1 + i // 90_000  # 90,000 ids a month, from 2001 on
            pid = f"{20 + (month - 1) // 12 % 6:02d}{(month - 1) % 12 + 1:02d}.{i % 90_000 + 1:05d}"
            title = f"Low-bit quantization of large language models, study {i}"
            out.write(f"- [{title}](https://arxiv.org/abs/{pid})\n")
            rows.write(json.dumps({"id": pid, "title": title}) + "\n")


def run_markdown(n: int, work: Path) -> float:
    md, nl = work / f"list-{n}.md", work / f"rows-{n}.jsonl"
    write_markdown(md, nl, n)
    floor_s, floor_mb = measure(
        [str(BIN / "sqlite-utils"), "insert", str(work / "floor.db"), "papers", str(nl), "--nl"]
    )
    efm_s, efm_mb = measure([str(BIN / "efmcat"), "import", str(md), "--db", str(work / "catalog.db")])
    print(f"N={n:,} Markdown rows ({md.stat().st_size / 1e6:.0f} MB)")
    print(
        f"  floor  sqlite-utils insert --nl : {floor_s:7.1f}s {n / floor_s:9,.0f} rec/s  peak {floor_mb:5.0f} MB"
    )
    print(f"  efmcat import list.md         : {efm_s:7.1f}s {n / efm_s:9,.0f} rec/s  peak {efm_mb:5.0f} MB")
    print(f"  ratio efmcat/floor = {floor_s / efm_s:.2f}")
    for p in work.iterdir():
        p.unlink()
    return efm_mb


def main(argv: list[str]) -> int:
    markdown = "--markdown" in argv
    sizes = [int(a.replace("_", "")) for a in argv if a != "--markdown"] or [100_000]
    with tempfile.TemporaryDirectory(prefix="efmcat-bench-") as tmp:
        peaks = []
        for n in sizes:
            if markdown:
                peaks.append((n, run_markdown(n, Path(tmp))))
            else:
                run(n, Path(tmp))
        if len(peaks) >= 2:
            (n0, m0), (n1, m1) = peaks[0], peaks[-1]
            print(f"memory growth: {(m1 - m0) / (n1 - n0) * 1000:.2f} MB per 1,000 rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
