"""Benchmark `efmcat import` of an arXiv metadata snapshot against a floor measured in the same run.

Usage: python bench/bench_import.py [N ...]   (default 100000; N up to 1000000)

Generates N records in the arXiv snapshot JSONL format (keys id, submitter, authors, title,
comments, journal-ref, doi, categories, abstract, versions, update_date, authors_parsed),
then times, each in its own process:

  floor:   sqlite-utils insert floor.db papers FILE --nl   (a plain table, no index, no tags)
  efmcat:  efmcat import FILE --db catalog.db                (papers, FTS index, tags, sources)

and prints records per second, efmcat's share of the floor's rate (goal >= 0.5) and the peak
memory (max RSS) of each process (goal < 200 MB for efmcat at 1M records).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
# Mostly ordinary words, with the occasional term the tagger knows (as in real abstracts).
TERMS = [
    "quantization",
    "pruning",
    "sparse",
    "attention",
    "kv-cache",
    "memory",
    "inference",
    "serving",
    "speculative",
    "decoding",
    "distillation",
    "low-rank",
    "adapter",
    "fine-tuning",
    "mixture-of-experts",
    "routing",
    "kernel",
    "compiler",
    "accelerator",
]
PLAIN = [
    "large",
    "language",
    "model",
    "models",
    "we",
    "propose",
    "novel",
    "approach",
    "show",
    "results",
    "outperform",
    "state",
    "of",
    "the",
    "art",
    "baseline",
    "experiments",
    "datasets",
    "method",
    "methods",
    "performance",
    "accuracy",
    "task",
    "tasks",
    "training",
    "learning",
    "data",
    "analysis",
    "framework",
    "study",
    "problem",
    "based",
    "using",
    "new",
    "can",
    "also",
    "this",
    "paper",
    "present",
    "evaluate",
    "demonstrate",
    "improve",
    "significantly",
    "across",
    "different",
    "settings",
    "robust",
    "graph",
    "vision",
    "neural",
    "network",
    "representation",
    "theory",
    "algorithm",
    "efficient",
    "scalable",
    "general",
    "simple",
    "effective",
    "benchmark",
]
WORDS = PLAIN * 12 + TERMS
CATS = ["cs.LG", "cs.CL", "cs.AI", "cs.CV", "cs.AR", "cs.DC", "stat.ML", "math.OC"]
FIRST = ["Ana", "Bo", "Chen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jun"]
LAST = ["Smith", "Wang", "Garcia", "Kumar", "Müller", "Rossi", "Tanaka", "Kowalski", "Nguyen", "Silva"]


def make_record(i: int, rng: random.Random) -> dict:
    yymm = f"{15 + (i // 800_000) % 10:02d}{1 + (i // 70_000) % 12:02d}"
    pid = f"{yymm}.{i % 100_000:05d}"
    authors = [(rng.choice(LAST), rng.choice(FIRST)) for _ in range(rng.randint(1, 6))]
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
    abstract = "  ".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 20))) + "."
        for _ in range(rng.randint(5, 9))
    )
    cats = " ".join(rng.sample(CATS, rng.randint(1, 3)))
    return {
        "id": pid,
        "submitter": f"{authors[0][1]} {authors[0][0]}",
        "authors": ", ".join(f"{f} {last}" for last, f in authors),
        "title": title,
        "comments": f"{rng.randint(5, 40)} pages",
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": cats,
        "license": None,
        "abstract": abstract,
        "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
        "update_date": "2008-11-13",
        "authors_parsed": [[last, f, ""] for last, f in authors],
    }


def generate(path: Path, n: int) -> None:
    rng = random.Random(42)
    seen = set()
    with path.open("w", encoding="utf-8") as fh:
        i = 0
        written = 0
        while written < n:
            rec = make_record(i, rng)
            i += 1
            if rec["id"] in seen:
                continue
            seen.add(rec["id"])
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            written += 1


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


def main(argv: list[str]) -> int:
    sizes = [int(a.replace("_", "")) for a in argv] or [100_000]
    with tempfile.TemporaryDirectory(prefix="efmcat-bench-") as tmp:
        for n in sizes:
            run(n, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
