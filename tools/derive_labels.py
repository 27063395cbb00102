"""Derive a labelled set for the tagger's evaluation from curated Awesome-list READMEs.

Usage:
    python tools/derive_labels.py LIST.md [LIST.md ...] [--metadata ARXIV.jsonl] -o OUT.jsonl

Each table row under a section heading becomes (arXiv id, title, section); the section
heading maps to taxonomy areas through SECTION_AREAS below (sections mapped to nothing
are dropped). A paper listed under several sections gets the union of their areas.
Abstracts are joined from an arXiv metadata JSONL file where it has the paper. Every
paper is put in the ``tune`` or ``test`` split by a hash of its id, so the split is
stable and independent of list order. The output (one JSON object a line, sorted by
id) is what tests/fixtures/labels/horseee.jsonl holds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zlib
from pathlib import Path

# Section heading (lowercased, without '#') -> taxonomy areas. The horseee headings name
# technique families; each maps to the area of the efmcat taxonomy that is its home.
SECTION_AREAS: dict[str, list[str]] = {
    "network pruning / sparsity": ["sparsification"],
    "network pruning": ["sparsification"],
    "efficient moe": ["sparsification"],  # the taxonomy puts mixture-of-experts under sparsification
    "quantization": ["quantization"],
    "kv cache compression": ["memory"],
    "efficient architecture of llm": ["attention"],  # attention's efficient-architecture subtopic
    "hardware/system/serving": ["memory"],  # mostly serving engines: the taxonomy's memory/serving
    "knowledge distillation": ["distillation"],
    "inference acceleration": ["decoding"],  # speculative decoding, early exit, layer skipping
    "efficient fine-tuning": ["fine-tuning"],
    "efficient training": ["training"],
    # No home in the taxonomy (or not a technique): dropped.
    "text compression": [],
    "low-rank decomposition": [],
    "survey (or benchmark)": [],
}

_HEADING = re.compile(r"^(#{2,3})\s+(.*?)\s*$")
_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]*)\)")
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", re.I)


def split_of(paper_id: str) -> str:
    return "tune" if zlib.crc32(paper_id.encode()) % 2 == 0 else "test"


def parse_list(path: Path) -> list[tuple[str, str, str]]:
    """(arXiv id, title, section heading) for every table row that links an arXiv paper."""
    rows = []
    section = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _HEADING.match(line)
        if m:
            section = m.group(2).strip().lower()
            continue
        if section is None or not line.lstrip().startswith("|"):
            continue
        ids = _ARXIV.findall(line)
        if not ids:
            continue
        first_cell = line.strip().strip("|").split("|")[0]
        first_cell = _IMAGE.sub("", _BADGE.sub("", first_cell))
        link = _LINK.search(first_cell)
        if not link:
            continue
        title = re.sub(r"\s+", " ", link.group(1)).strip()
        rows.append((ids[0], title, section))
    return rows


def derive(lists: list[Path], metadata: Path | None) -> list[dict]:
    abstracts: dict[str, str] = {}
    if metadata is not None:
        for line in metadata.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec.get("abstract"):
                    abstracts[rec["id"]] = " ".join(rec["abstract"].split())
    papers: dict[str, dict] = {}
    unknown = set()
    for path in lists:
        for pid, title, section in parse_list(path):
            if section not in SECTION_AREAS:
                unknown.add(section)
                continue
            areas = SECTION_AREAS[section]
            if not areas:
                continue
            rec = papers.setdefault(pid, {"id": pid, "title": title, "labels": [], "sections": []})
            for a in areas:
                if a not in rec["labels"]:
                    rec["labels"].append(a)
            if section not in rec["sections"]:
                rec["sections"].append(section)
    if unknown:
        print(f"warning: unmapped sections skipped: {sorted(unknown)}", file=sys.stderr)
    out = []
    for pid in sorted(papers):
        rec = papers[pid]
        rec["labels"].sort()
        if pid in abstracts:
            rec["abstract"] = abstracts[pid]
        rec["split"] = split_of(pid)
        out.append(rec)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lists", nargs="+", type=Path)
    ap.add_argument("--metadata", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args(argv)
    records = derive(args.lists, args.metadata)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with args.output.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
    with_abs = sum(1 for r in records if "abstract" in r)
    print(f"wrote {len(records)} labelled papers ({with_abs} with abstracts) to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
