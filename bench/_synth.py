"""Synthetic arXiv-shaped data shared by the bench scripts (one generator, not copies).

- ``generate(path, n)``: n records of the arXiv metadata snapshot (the Kaggle
  arxiv-metadata-oai-snapshot JSON lines: id, submitter, authors, title, comments,
  journal-ref, doi, categories, abstract, versions, update_date, authors_parsed), from a
  fixed seed, so every run writes the same file;
- ``make_vocab`` / ``gen_text``: a Zipf-like generated vocabulary with field terms, for
  benches that build a catalog directly (bench_search).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

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


FIELD_TERMS = [
    ("quantization", 0.03), ("pruning", 0.02), ("attention", 0.08), ("sparsity", 0.02),
    ("cache", 0.03), ("kernel", 0.02), ("accelerator", 0.01), ("distillation", 0.01),
    ("speculative", 0.005), ("transformer", 0.10), ("language", 0.15), ("model", 0.3),
]  # fmt: skip


def make_vocab(rng: random.Random, n: int = 30_000) -> list[str]:
    syll = ["ka", "lo", "mi", "ne", "ta", "ri", "so", "vu", "pe", "za", "qu", "xi", "do", "fa", "gu", "he"]
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(syll) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def gen_text(rng: random.Random, vocab: list[str], weights: list[float], n_words: int) -> str:
    words = rng.choices(vocab, cum_weights=weights, k=n_words)
    for term, p in FIELD_TERMS:
        if rng.random() < p:
            words[rng.randrange(len(words))] = term
    return " ".join(words)
