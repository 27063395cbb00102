"""Pick the papers of the expert-judged set and print them for blind judging.

The rule (fixed before any tagger output was looked at): the candidates are the papers of
data/labels.jsonl with an abstract. For each core area, rarest in the candidates first, take
up to PER_AREA of the candidates some list gives that area, in the order of the SHA-1 of
their id, skipping papers already taken; then fill up to SIZE in the same hash order from
the rest. The lists' labels only choose which papers are looked at (so that every core area
appears); the judge sees only the id, title and abstract this tool prints.

    python tools/expert_sample.py            # ids, one a line
    python tools/expert_sample.py --show     # id, title and abstract of each, for the judge

The selection depends on data/labels.jsonl: on the table as committed with the expert set
(2,205 papers, 267 with abstracts) it prints exactly the ids of data/expert_labels.jsonl.
If the labels table is re-derived, the expert set stays as judged; do not re-sample it.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORE = ("sparsification", "quantization", "attention", "memory", "compiler", "hardware")
SIZE = 150
PER_AREA = 25


def _key(pid: str) -> str:
    return hashlib.sha1(pid.encode()).hexdigest()


def sample(labels: Path = REPO / "data" / "labels.jsonl") -> list[dict]:
    rows = [json.loads(line) for line in labels.read_text().splitlines() if line.strip()]
    cands = sorted((r for r in rows if r.get("abstract")), key=lambda r: _key(r["id"]))
    areas = {r["id"]: {a for v in r["lists"].values() for a in v} for r in cands}
    count = {a: sum(a in s for s in areas.values()) for a in CORE}
    taken: dict[str, dict] = {}
    for area in sorted(CORE, key=lambda a: (count[a], a)):
        k = 0
        for r in cands:
            if k == PER_AREA or len(taken) == SIZE:
                break
            if area in areas[r["id"]] and r["id"] not in taken:
                taken[r["id"]] = r
                k += 1
    for r in cands:
        if len(taken) == SIZE:
            break
        taken.setdefault(r["id"], r)
    return sorted(taken.values(), key=lambda r: _key(r["id"]))


def main(argv: list[str]) -> None:
    for r in sample():
        if "--show" in argv:
            print(f"## {r['id']}\nTITLE: {r['title']}\nABSTRACT: {r['abstract']}\n")
        else:
            print(r["id"])


if __name__ == "__main__":
    main(sys.argv[1:])
