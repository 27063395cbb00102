"""Derive seeds/survey.yaml from the paper list of the survey arXiv 2409.01990.

Usage:
    PYTHONPATH=src python tools/derive_seeds.py --survey SURVEY.md \\
        --refs LIST.md [BIB.bib METADATA.jsonl ...] --review tools/survey_review.yaml -o seeds/survey.yaml

The survey list (NoakLiu/Efficient-Foundation-Models-Survey README) has tables
``Article Title | Year | Subfield | Link`` under ``## Part`` / ``### Section`` headings.
It repeats papers and links some titles to another paper's arXiv id. This script

1. parses every table row (line, section, title, year, subfield, link -> id via efmcat.ids);
2. checks each arXiv row against the other references (Awesome-Efficient-LLM tables,
   BibTeX with eprints, arXiv metadata JSONL), and against the survey itself:
   (b) the references give the row's title another id -> corrected to that id;
   (c) the references give the row's id another title -> the id is dropped;
   (a) the row's id carries clearly different titles within the survey -> the conflict
       must be settled by the references or by a curator's entry in the review file;
3. applies the review file (curator decisions the references cannot settle);
4. merges rows of one paper (same id, or same normalised title of an arXiv and a
   non-arXiv row), maps (section, subfield) to taxonomy tags, fills metadata from the
   references by id, and writes sorted, deterministic YAML.

Rows whose id is wrong and cannot be corrected get the id ``title:<slug>``,
``verified: false`` and a note. A summary goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from efmcat.ids import paper_id_from_link, title_id, try_parse_arxiv_id
from efmcat.models import with_et_al

REPO = Path(__file__).resolve().parent.parent
TAXONOMY = REPO / "src" / "efmcat" / "taxonomy.yaml"

HEADER = """\
# efmcat seeds: papers of the survey "Efficient Large Foundation Models Design: A Perspective
# From Model and System Co-Design" (arXiv 2409.01990), derived by tools/derive_seeds.py.
# Edit by hand if you like; `efmcat build` turns seeds/ into data/catalog.db.
"""

# Title similarity (rapidfuzz, 0-100, on normalised titles; see similarity()).
SAME_TITLE = 90  # at or above: the same paper (casing, punctuation, a missing "A", a typo)
DIFFERENT_TITLE = 75  # below: clearly a different paper


# ---------------------------------------------------------------------------
# Taxonomy mapping: (section, subfield) -> taxonomy node ids.
#
# SECTION_TAGS: section -> (tags every row of the section gets,
#                           tags used when no SUBFIELD_RULES entry matches the row).
# SUBFIELD_RULES: (section or None for any, subfield regex, title regex or None, tags).
# All matching rules add their tags (case-insensitive search). The area of every
# subtopic is added afterwards, so rules name subtopics only where one fits.

SECTION_TAGS: dict[str, tuple[list[str], list[str]]] = {
    # section                                                  always            default
    "Model Design / Quantization": (["quantization"], []),
    "Model Design / Distillation": (["knowledge-distillation"], []),
    "Model Design / Pruning": (["sparsification"], []),
    "System Design / K-V Cache": (["memory"], ["kv-cache-compression"]),
    "System Design / Token Sparsification": (["sparsification"], ["token-sparsification"]),
    "System Design / Efficient Cache Eviction": (["memory"], ["kv-cache-eviction"]),
    "System Design / Memory Management": (["memory"], ["memory-management"]),
    "System Design / Efficient Retrieval-Augmented Models": (["rag"], []),
    "System Design / Efficient Transformer Architecture Design": ([], ["efficient-architecture"]),
    "Model-Sys Co-Design / MoE": (["moe"], []),
    "Model-Sys Co-Design / Mixed Precision Training": ([], ["low-precision-training"]),
    "Model-Sys Co-Design / Fine-Tuning with System Optimization": (["fine-tuning"], []),
    "Model-Sys Co-Design / Efficient Pretraining": (["efficient-pretraining"], []),
}

_Q = "Model Design / Quantization"
_P = "Model Design / Pruning"
_KV = "System Design / K-V Cache"
_TS = "System Design / Token Sparsification"
_EV = "System Design / Efficient Cache Eviction"
_ARCH = "System Design / Efficient Transformer Architecture Design"
_MP = "Model-Sys Co-Design / Mixed Precision Training"
_FT = "Model-Sys Co-Design / Fine-Tuning with System Optimization"
_PT = "Model-Sys Co-Design / Efficient Pretraining"
_ARCH_DESIGN = r"\bNAS\b|Architecture Search|\bGAS\b|Survey|Self-Attention Analysis|Multi-Head"

SUBFIELD_RULES: list[tuple[str | None, str, str | None, list[str]]] = [
    # section, subfield regex,                  title regex,        tags
    # -- quantization
    (_Q, r"\bINT8\b|\bFP8 Hybrid\b", None, ["weight-activation-quant"]),
    (_Q, r"^FP8$", r"\btrain", ["low-precision-training"]),
    (_Q, r"^FP8$", r"^(?!.*\btrain)", ["weight-activation-quant"]),
    (_Q, r"\bPTQ\b|activation-aware", None, ["weight-only-ptq"]),
    (_Q, r"outlier-free", None, ["weight-activation-quant"]),
    (_Q, r"\bQAT\b", None, ["qat"]),
    (_Q, r"\b[12]-bit\b", None, ["low-bit"]),
    (_Q, r"low-bit training", None, ["low-precision-training"]),
    (None, r"KV Cache.*\b\d-bit\b|\b\d-bit\b.*KV Cache", None, ["kv-cache-quant"]),
    # -- pruning
    (_P, r"^Unstructured", None, ["unstructured-pruning"]),
    (_P, r"^Structured", None, ["structured-pruning"]),
    (_P, r"\bPEFT\b", None, ["peft"]),
    (_P, r"Infrastructure", None, ["kernel-optimization"]),
    # -- KV cache, eviction, token sparsification, memory
    (None, r"KV Cache (Compression|Optimization|Sharing)|Cache Compression", None, ["kv-cache-compression"]),
    (None, r"Cache Compression, (Mixed Precision )?Quantization", None, ["kv-cache-quant"]),
    (None, r"Cache Eviction|Heavy-Hitter", None, ["kv-cache-eviction"]),
    (_KV, r"Offloading", None, ["offloading"]),
    (_KV, r"Serving", None, ["serving"]),
    (_KV, r"Management", None, ["memory-management"]),
    (_KV, r"Long-Text", None, ["long-context"]),
    (_EV, r"Cache Management", None, ["kv-cache-eviction"]),
    (_EV, r"Layer Compression", None, ["kv-cache-compression"]),
    (None, r"Token (Sparsification|Pruning|Merging)|Adaptive Tokens", None, ["token-sparsification"]),
    (_TS, r"Query-Aware Sparsity", None, ["sparse-attention"]),
    (_TS, r"Token Oracle", None, ["kv-cache-eviction"]),
    (_TS, r"Quantized KV Cache", None, ["kv-cache-quant"]),
    (None, r"Activation Sparsi", None, ["activation-sparsity"]),
    (_TS, r"Tandem", None, ["speculative-decoding"]),
    # -- architecture
    (_ARCH, r"Positional Embedding", None, ["long-context"]),
    (_ARCH, r"Long-Sequence", None, ["sparse-attention", "long-context"]),
    (_ARCH, r"Attention Mechanisms", r"linear", ["linear-attention"]),
    (_ARCH, _ARCH_DESIGN, None, ["efficient-architecture"]),
    (_ARCH, r"Hardware-Aware", None, ["hardware-aware-design", "efficient-architecture"]),
    (_ARCH, r"Tiny Devices", None, ["edge-devices"]),
    (_ARCH, r"Pruning", None, ["sparsification"]),
    # -- co-design
    (None, r"Parameter-Efficient (Fine-)?Tuning|Sparse Fine-Tuning", None, ["peft"]),
    (_MP, r"Training Systems", None, ["low-precision-training", "distributed-training"]),
    (_MP, r"Computational Memory", None, ["low-precision-training", "in-memory-computing"]),
    (_FT, r"Prompt", None, ["prompt-tuning"]),
    (_FT, r"Resource-Constrained|Memory-Efficient", None, ["memory-efficient-finetuning"]),
    (_FT, r"Compression", None, ["peft"]),
    (_PT, r"Quantization", None, ["low-precision-training"]),
    (_PT, r"HPC", None, ["distributed-training"]),
]


def load_taxonomy(path: Path = TAXONOMY) -> tuple[list[str], dict[str, str]]:
    """(node ids in taxonomy order, node id -> its area id)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    order: list[str] = []
    area_of: dict[str, str] = {}
    for area in data["areas"]:
        order.append(area["id"])
        area_of[area["id"]] = area["id"]
        for child in area.get("children") or []:
            order.append(child["id"])
            area_of[child["id"]] = area["id"]
    return order, area_of


def tags_for(section: str, subfield: str, title: str) -> list[str]:
    """Tags implied by a row's section and subfield (subtopics only where a rule gives one)."""
    if section not in SECTION_TAGS:
        raise SystemExit(f"error: section {section!r} has no entry in SECTION_TAGS")
    always, default = SECTION_TAGS[section]
    matched: list[str] = []
    for sec, sub_re, title_re, tags in SUBFIELD_RULES:
        if sec is not None and sec != section:
            continue
        if not re.search(sub_re, subfield, re.I):
            continue
        if title_re is not None and not re.search(title_re, title, re.I):
            continue
        matched += tags
    return always + (matched or default)


# ---------------------------------------------------------------------------
# Titles


def clean_title(text: str) -> str:
    """Strip markdown emphasis, LaTeX math wrappers and braces; collapse whitespace."""
    t = text.replace("**", "").replace("\\(", "").replace("\\)", "").replace("$", "")
    t = re.sub(r"[{}]", "", t)
    return " ".join(t.split()).strip()


def norm_title(text: str) -> str:
    """Lowercase ASCII words only: the key for "same normalised title"."""
    t = unicodedata.normalize("NFKD", clean_title(text))  # H₂O -> H2O
    t = t.encode("ascii", "ignore").decode().lower()
    t = re.sub(r"_", "", t)
    return " ".join(re.findall(r"[a-z0-9]+", t))


def _split_name(text: str) -> tuple[str, str]:
    head, sep, rest = clean_title(text).partition(":")
    if sep and len(head.split()) <= 3 and len(norm_title(rest).split()) >= 4:
        return norm_title(head), norm_title(rest)
    return "", norm_title(text)


def similarity(a: str, b: str) -> float:
    """How alike two titles are (0-100).

    The whole normalised titles are compared; when one title lacks the short name
    before a colon ("SpQR: A sparse-quantized ..." vs "Sparse-quantized ...") the
    remainders are compared too, and one name with remainders that contain one another
    counts as the same title. Two different names before the colon keep the score of
    the whole titles (EfficientQAT: ... vs LLM-QAT: ... are different papers)."""
    na, nb = norm_title(a), norm_title(b)
    score = fuzz.ratio(na, nb)
    name_a, rest_a = _split_name(a)
    name_b, rest_b = _split_name(b)
    if bool(name_a) != bool(name_b):
        score = max(score, fuzz.ratio(rest_a, rest_b))
    elif name_a and name_a == name_b and fuzz.token_set_ratio(rest_a, rest_b) >= 95:
        # The same name and one remainder shortened from the other
        # ("RPTQ: Reorder-based post-training quantization [for large language models]").
        score = max(score, float(SAME_TITLE))
    return score


def casing_score(title: str) -> int:
    """How many words start upper case (prefer 'Knowledge Distillation for ...')."""
    return sum(1 for w in title.split() if w[:1].isupper())


# ---------------------------------------------------------------------------
# Survey rows


@dataclass
class Row:
    line: int
    section: str
    title: str  # as listed, ** stripped
    year: int | None
    subfield: str
    link: str
    given_id: str | None  # what the link stands for (paper_id_from_link)
    paper_id: str | None = None  # after checks and corrections
    corrected_from: str | None = None
    correction_note: str | None = None
    unverified_note: str | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def is_arxiv(self) -> bool:
        return self.given_id is not None and try_parse_arxiv_id(self.given_id) is not None


_HEADING = re.compile(r"^(#{2,3})\s+(.*?)\s*$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def parse_survey(path: Path) -> list[Row]:
    rows: list[Row] = []
    part = sub = None
    header: list[str] | None = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = _HEADING.match(line)
        if m:
            if len(m.group(1)) == 2:
                part, sub = m.group(2), None
            else:
                sub = m.group(2)
            header = None
            continue
        if not line.lstrip().startswith("|"):
            header = None
            continue
        cells = _cells(line)
        if header is None:
            header = [c.lower() for c in cells]
            continue
        if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
            continue
        if part is None or sub is None or "article title" not in header:
            continue
        rec = dict(zip(header, cells))
        link_m = _MD_LINK.search(rec.get("link", ""))
        link = link_m.group(2) if link_m else rec.get("link", "").strip()
        year_text = rec.get("year", "").strip()
        rows.append(
            Row(
                line=n,
                section=f"{part} / {' '.join(sub.split())}",
                title=clean_title(rec["article title"]),
                year=int(year_text) if year_text.isdigit() else None,
                subfield=rec.get("subfield", "").strip(),
                link=link,
                given_id=paper_id_from_link(link),
            )
        )
    return rows


# ---------------------------------------------------------------------------
# References: Awesome-Efficient-LLM tables, BibTeX, arXiv metadata JSONL


@dataclass
class Ref:
    id: str  # unversioned arXiv id
    title: str
    source: str  # file name
    kind: str  # 'list' | 'bib' | 'jsonl'
    authors: list[str] = field(default_factory=list)
    abstract: str | None = None
    published: str | None = None
    categories: list[str] = field(default_factory=list)
    primary_category: str | None = None


_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_HTML = re.compile(r"<[^>]+>")


def parse_awesome_list(path: Path) -> list[Ref]:
    """Rows 'Title & Authors | Introduction | Links': the title is the first link of the
    first cell, the authors follow the next <br>; the arXiv id is the first arXiv link
    of the row (the title may link to GitHub)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("|"):
            continue
        cells = _cells(line)
        first = _IMAGE.sub("", _BADGE.sub("", cells[0]))
        link = _MD_LINK.search(first)
        if not link:
            continue
        arxiv = None
        for _, url in _MD_LINK.findall(line):
            parsed = try_parse_arxiv_id(url)
            if parsed is not None:
                arxiv = parsed.id
                break
        if arxiv is None:
            continue
        after = first[link.end() :]
        parts = re.split(r"<br\s*/?>", after, flags=re.I)
        authors_text = _HTML.sub("", parts[1]).strip() if len(parts) > 1 else ""
        authors = with_et_al(a.strip() for a in re.split(r",|\s+and\s+", authors_text) if a.strip())
        out.append(Ref(arxiv, clean_title(link.group(1)), path.name, "list", authors=authors))
    return out


def _bib_author(name: str) -> str:
    name = " ".join(clean_title(name).split())
    if "," in name:
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}".strip()
    return name


def parse_bib(path: Path) -> list[Ref]:
    """BibTeX entries with an arXiv id (eprint, an arXiv url, or 'arXiv:ID' in journal)."""
    import bibtexparser

    lib = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    out = []
    for entry in lib.entries:
        f = {k.lower(): str(v.value) for k, v in entry.fields_dict.items()}
        arxiv = None
        if f.get("eprint") and f.get("archiveprefix", "arxiv").lower() == "arxiv":
            arxiv = try_parse_arxiv_id(f["eprint"])
        if arxiv is None and f.get("url"):
            arxiv = try_parse_arxiv_id(f["url"])
        if arxiv is None:
            m = re.search(r"arxiv:\s*(\S+)", f.get("journal", ""), re.I)
            arxiv = try_parse_arxiv_id(m.group(1)) if m else None
        if arxiv is None or not f.get("title"):
            continue
        authors = [_bib_author(a) for a in re.split(r"\s+and\s+", f.get("author", "")) if a.strip()]
        authors = with_et_al(authors)  # BibTeX's "others": the list goes on
        out.append(
            Ref(
                arxiv.id,
                clean_title(f["title"]),
                path.name,
                "bib",
                authors=authors,
                primary_category=f.get("primaryclass") or None,
            )
        )
    return out


def metadata_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(arXiv id, record) of every line of an arXiv metadata JSONL file with a valid id."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        parsed = try_parse_arxiv_id(str(rec.get("id", "")))
        if parsed is not None:
            yield parsed.id, rec


def parse_jsonl(path: Path) -> list[Ref]:
    out = []
    for pid, rec in metadata_records(path):
        cats = rec.get("categories") or []
        if isinstance(cats, str):  # arXiv's metadata writes them as one string: "cs.LG cs.AI"
            cats = cats.split()
        cats = list(cats)
        out.append(
            Ref(
                pid,
                clean_title(rec.get("title") or ""),
                path.name,
                "jsonl",
                authors=list(rec.get("authors") or []),
                abstract=" ".join(rec["abstract"].split()) if rec.get("abstract") else None,
                published=str(rec["published"])[:10] if rec.get("published") else None,
                categories=cats,
                primary_category=rec.get("primary_category") or (cats[0] if len(cats) == 1 else None),
            )
        )
    return out


def load_refs(paths: list[Path]) -> list[Ref]:
    refs: list[Ref] = []
    for p in paths:
        if p.suffix == ".jsonl":
            refs += parse_jsonl(p)
        elif p.suffix == ".bib":
            refs += parse_bib(p)
        elif p.suffix == ".md":
            refs += parse_awesome_list(p)
        else:
            raise SystemExit(f"error: unknown reference format: {p}")
    return refs


class RefIndex:
    def __init__(self, refs: list[Ref]) -> None:
        self.refs = refs
        self.by_id: dict[str, list[Ref]] = defaultdict(list)
        for r in refs:
            self.by_id[r.id].append(r)

    def titles_of(self, arxiv_id: str) -> list[Ref]:
        return self.by_id.get(arxiv_id, [])

    def ids_for_title(self, title: str) -> dict[str, Ref]:
        """arXiv ids the references give this title (fuzzy), with one witness each."""
        found: dict[str, Ref] = {}
        for r in self.refs:
            if r.id not in found and r.title and similarity(title, r.title) >= SAME_TITLE:
                found[r.id] = r
        return found

    def knows_id_as_other(self, arxiv_id: str, title: str) -> Ref | None:
        """A reference giving this id a clearly different title, or None."""
        refs = self.titles_of(arxiv_id)
        if not refs or any(similarity(title, r.title) >= DIFFERENT_TITLE for r in refs):
            return None
        return refs[0]


def best_title(arxiv_id: str, index: RefIndex) -> str:
    """The reference title of an id, preferring lists and BibTeX (jsonl titles are recased)."""
    refs = sorted(index.titles_of(arxiv_id), key=lambda r: r.kind == "jsonl")
    return refs[0].title if refs else ""


def describe(ref: Ref) -> str:
    return f"'{ref.title}' in {ref.source}"


# ---------------------------------------------------------------------------
# Review file


@dataclass
class Review:
    id: str
    title: str
    decision: str  # 'wrong-id' | 'tags' | 'same-paper'
    reason: str
    whose: str | None = None
    correct: str | None = None
    tags: list[str] = field(default_factory=list)
    used: int = 0


def load_review(path: Path | None) -> list[Review]:
    if path is None:
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for i, e in enumerate(data.get("rows") or [], 1):
        for key in ("id", "title", "decision", "reason"):
            if not e.get(key):
                raise SystemExit(f"error: {path}: entry {i} needs '{key}'")
        if e["decision"] not in ("wrong-id", "tags", "same-paper"):
            raise SystemExit(f"error: {path}: entry {i}: unknown decision {e['decision']!r}")
        out.append(
            Review(
                str(e["id"]),
                str(e["title"]),
                e["decision"],
                " ".join(str(e["reason"]).split()),
                whose=e.get("whose"),
                tags=list(e.get("tags") or []),
                correct=str(e["correct"]) if e.get("correct") else None,
            )
        )
    return out


def review_for(reviews: list[Review], row: Row, decision: str) -> Review | None:
    for rv in reviews:
        if (
            rv.decision == decision
            and rv.id == row.given_id
            and similarity(rv.title, row.title) >= DIFFERENT_TITLE
        ):
            rv.used += 1
            return rv
    return None


# ---------------------------------------------------------------------------
# Checking ids


def flag(row: Row, note: str) -> None:
    row.paper_id = title_id(clean_title(row.title))
    row.unverified_note = note


def check_rows(rows: list[Row], index: RefIndex, reviews: list[Review], log: list[str]) -> None:
    # Pass 1: each arXiv row against the references, (b) then (c).
    for row in rows:
        row.paper_id = row.given_id
        if not row.is_arxiv:
            continue
        gid = row.given_id
        assert gid is not None
        by_title = index.ids_for_title(row.title)
        other_title = index.knows_id_as_other(gid, row.title)
        if by_title and gid not in by_title:
            if len(by_title) == 1:
                (right, witness), *_ = by_title.items()
                row.paper_id = right
                row.corrected_from = gid
                whose = f" ('{best_title(gid, index)}')" if other_title else ""
                row.correction_note = f"linked {gid}{whose}; {witness.source} gives this title {right}"
                log.append(f"corrected line {row.line}: {gid} -> {right} '{row.title}'")
                continue
            ids = ", ".join(sorted(by_title))
            flag(row, f"The list links {gid}; the references give this title several ids ({ids}).")
            continue
        if other_title is not None:
            flag(
                row,
                f"The list links arXiv {gid}, which is {describe(other_title)}; "
                "the references do not give this paper's own id.",
            )
            continue

    # Pass 2: curator decisions for rows the references did not settle.
    listed = {r.given_id for r in rows if r.is_arxiv}
    for row in rows:
        rv = review_for(reviews, row, "same-paper")
        if rv is None:
            continue
        # Only to an id the survey itself gives this paper elsewhere: the list confirms it.
        if rv.correct not in listed:
            raise SystemExit(f"error: review entry {rv.id}: {rv.correct} is not linked anywhere in the list")
        row.paper_id = rv.correct
        row.corrected_from = row.given_id
        row.correction_note = (
            f"linked {row.given_id}; the list itself gives this paper {rv.correct}. {rv.reason.rstrip('.')}"
        )
        log.append(f"corrected line {row.line}: {row.given_id} -> {rv.correct} '{row.title}' (review)")
    for row in rows:
        if row.corrected_from:
            continue
        rv = review_for(reviews, row, "wrong-id")
        if rv is None:
            continue
        if row.corrected_from or row.unverified_note:
            log.append(f"note: review entry for {rv.id} '{rv.title}' is already settled by the references")
            continue
        whose = f", which is {rv.whose}" if rv.whose else ", which is not this paper"
        flag(
            row,
            f"The list links arXiv {row.given_id}{whose}. {rv.reason} (curator review; not in the references)",
        )

    # Pass 3 (a): one arXiv id still carrying clearly different titles in the survey.
    by_id: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.is_arxiv and row.paper_id == row.given_id:
            by_id[row.paper_id].append(row)
    for pid, group in sorted(by_id.items()):
        first = group[0]
        if all(similarity(first.title, r.title) >= DIFFERENT_TITLE for r in group[1:]):
            continue
        known = index.titles_of(pid)
        titles = "; ".join(f"line {r.line} '{r.title}'" for r in group)
        log.append(f"conflict: {pid} carries different titles: {titles}")
        for r in group:
            if known and any(similarity(r.title, k.title) >= DIFFERENT_TITLE for k in known):
                continue
            others = [o for o in group if similarity(o.title, r.title) < DIFFERENT_TITLE]
            named = ", ".join(f"'{o.title}' (line {o.line})" for o in others)
            flag(
                r,
                f"The list links arXiv {pid} for this title and also for {named}; "
                "the references do not say which is right (add a review entry).",
            )

    # Same title, two arXiv ids in the survey: cannot both be right; tell the curator.
    seen: dict[str, Row] = {}
    for row in rows:
        if not row.is_arxiv or row.unverified_note:
            continue
        for other in seen.values():
            if other.paper_id != row.paper_id and similarity(other.title, row.title) >= SAME_TITLE:
                log.append(
                    f"warning: '{row.title}' has {row.paper_id} (line {row.line}) and "
                    f"{other.paper_id} (line {other.line}); add a review entry for the wrong one"
                )
        seen.setdefault(row.paper_id or "", row)


# ---------------------------------------------------------------------------
# Merging and output


def merge(rows: list[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        groups[row.paper_id or ""].append(row)
    # A non-arXiv row (openreview, a PDF, ...) joins the arXiv paper of the same normalised title.
    arxiv_titles: dict[str, str] = {}
    for pid, group in sorted(groups.items()):
        if try_parse_arxiv_id(pid) is not None:
            for r in group:
                arxiv_titles.setdefault(norm_title(r.title), pid)
    for pid in sorted(groups):
        if try_parse_arxiv_id(pid) is not None or pid.startswith("title:"):
            continue
        target = next(
            (arxiv_titles[norm_title(r.title)] for r in groups[pid] if norm_title(r.title) in arxiv_titles),
            None,
        )
        if target is not None:
            groups[target] += groups.pop(pid)
    return groups


def _mode_year(rows: list[Row]) -> int | None:
    years = [r.year for r in rows if r.year is not None]
    if not years:
        return None
    counts = Counter(years)
    best = max(counts.values())
    return next(y for y in years if counts[y] == best)


def build_paper(
    pid: str, rows: list[Row], index: RefIndex, order: list[str], area_of: dict[str, str]
) -> dict:
    rows = sorted(rows, key=lambda r: r.line)
    is_arxiv = try_parse_arxiv_id(pid) is not None
    refs = index.titles_of(pid) if is_arxiv else []
    listed = [r for r in refs if r.kind in ("list", "bib")]
    jsonl = [r for r in refs if r.kind == "jsonl"]
    if listed:
        title = listed[0].title
    else:
        title = max((r.title for r in rows), key=casing_score)  # first of the best-cased
        if not title and jsonl:
            title = jsonl[0].title
    paper: dict[str, Any] = {"id": pid, "title": title}
    paper["year"] = _mode_year(rows)
    if is_arxiv:
        paper["link"] = f"https://arxiv.org/abs/{pid}"
    elif not pid.startswith("title:"):
        paper["link"] = rows[0].link
    authors = next((r.authors for r in jsonl + listed if r.authors), [])
    paper["authors"] = authors
    paper["abstract"] = next((r.abstract for r in jsonl if r.abstract), None)
    paper["published"] = next((r.published for r in jsonl if r.published), None)
    paper["categories"] = next((r.categories for r in jsonl if r.categories), [])
    paper["primary_category"] = next((r.primary_category for r in jsonl + listed if r.primary_category), None)
    tags: set[str] = set()
    for r in rows:
        for t in r.tags:
            tags.update((t, area_of[t]))
    paper["tags"] = [t for t in order if t in tags]
    paper["sections"] = list(dict.fromkeys(r.section for r in rows))
    notes = [r.unverified_note for r in rows if r.unverified_note]
    if notes:
        paper["verified"] = False
    by_note: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.correction_note:
            by_note[r.correction_note].append(str(r.line))
    corrections = [
        f"Corrected: line{'s' if len(lines) > 1 else ''} {', '.join(lines)} {note}."
        for note, lines in by_note.items()
    ]
    paper["note"] = " ".join(list(dict.fromkeys(notes)) + corrections) or None
    paper["rows"] = [
        {
            "line": r.line,
            "section": r.section,
            "title": r.title,
            "link": r.link,
            "subfield": r.subfield or None,
            "corrected_from": r.corrected_from,
        }
        for r in rows
    ]
    return prune(paper)


def prune(value: Any) -> Any:
    """Drop keys whose value is empty/None, except id, title and tags."""
    if isinstance(value, dict):
        return {
            k: prune(v)
            for k, v in value.items()
            if k in ("id", "title", "tags") or (v is not None and v != [] and v != "")
        }
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    pass


def _list_repr(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(isinstance(v, (str, int)) for v in data)  # tags, sections, authors: one line
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list_repr)


def dump(papers: list[dict]) -> str:
    body = yaml.dump(
        {"source": "survey", "papers": papers},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,  # one line per value: diff-friendly
        default_flow_style=False,
    )
    return HEADER + body


def derive(survey: Path, ref_paths: list[Path], review_path: Path | None) -> tuple[str, dict[str, int]]:
    papers, stats = derive_papers(survey, ref_paths, review_path)
    return dump(papers), stats


def derive_papers(
    survey: Path, ref_paths: list[Path], review_path: Path | None
) -> tuple[list[dict], dict[str, int]]:
    """The survey's papers as seeds mappings (sorted by id), and a summary of the checks."""
    order, area_of = load_taxonomy()
    rows = parse_survey(survey)
    index = RefIndex(load_refs(ref_paths))
    reviews = load_review(review_path)
    log: list[str] = []
    check_rows(rows, index, reviews, log)
    for row in rows:
        row.tags = tags_for(row.section, row.subfield, row.title)
        rv = review_for(reviews, row, "tags")
        if rv is not None:
            row.tags = rv.tags
        unknown = [t for t in row.tags if t not in area_of]
        if unknown:
            raise SystemExit(f"error: line {row.line}: tags not in the taxonomy: {unknown}")
    for rv in reviews:
        if rv.used == 0:
            log.append(f"warning: review entry {rv.id} '{rv.title}' ({rv.decision}) matches no row")
    groups = merge(rows)
    papers = [build_paper(pid, groups[pid], index, order, area_of) for pid in sorted(groups)]
    for msg in log:
        print(msg, file=sys.stderr)
    stats = {
        "rows": len(rows),
        "papers": len(papers),
        "arxiv ids": sum(1 for p in papers if try_parse_arxiv_id(p["id"]) is not None),
        "non-arxiv": sum(1 for p in papers if try_parse_arxiv_id(p["id"]) is None),
        "duplicates merged": len(rows) - len(papers),
        "corrected rows": sum(1 for r in rows if r.corrected_from),
        "unverified papers": sum(1 for p in papers if p.get("verified") is False),
        "unverified rows": sum(1 for r in rows if r.unverified_note),
    }
    return papers, stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--survey", type=Path, required=True, help="the survey's README (markdown tables)")
    ap.add_argument("--refs", type=Path, nargs="*", default=[], help="Awesome lists (.md), .bib, .jsonl")
    ap.add_argument("--review", type=Path, help="curator decisions (YAML)")
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args(argv)
    text, stats = derive(args.survey, args.refs, args.review)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print("summary: " + ", ".join(f"{k} {v}" for k, v in stats.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
