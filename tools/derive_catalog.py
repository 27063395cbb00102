"""Derive the shipped catalog's seeds and the tagger's labelled set from the field's lists.

Usage:
    PYTHONPATH=src python tools/derive_catalog.py --reference ../shared/reference

Reads the curated lists named in tools/sections.yaml (the survey's own list and every other
list in REFERENCE/lists/), the arXiv metadata in REFERENCE/metadata/ and the BibTeX in
REFERENCE/bib/, and writes (deterministically, sorted by id):

- seeds/survey.yaml: every paper the survey lists (its rows, corrections and curated tags
  come from tools/derive_seeds.py), with the rows of every other list that has it;
- seeds/lists.yaml: every other in-field paper of the lists;
- data/labels.jsonl: the labelled set for the tagger: each paper with the areas (and
  subtopics) that each list's section headings give it.

How papers become one (each step logged to stderr, counted in the summary):
1. rows are parsed with efmcat's own Markdown list importer and kept only in sections
   tools/sections.yaml says are in the field;
2. rows merge by id (arXiv id, else DOI / OpenReview / ACL / IEEE / URL id);
3. a row whose title clearly differs from the other titles of its id (and from the arXiv
   metadata title) is a conflict: it moves to the paper of the same title if one is known,
   else to a ``title:`` id with ``verified: false`` and a note;
4. non-arXiv ids whose normalised title equals an arXiv paper's (rapidfuzz, >= 95) merge
   into the arXiv paper; the same title under two non-arXiv ids merges into one;
5. the survey's ``title:`` papers move to the arXiv id of the same title where a list or
   the metadata gives one.

Metadata precedence per field: an arXiv API record (metadata sample records that carry
categories or a date) > another metadata record > the lists' text. Titles keep the
paper's own casing (the candidate with the most capitals inside words wins, so a list
site's "Sparsegpt: ..." loses to "SparseGPT: ..."); abstracts get their LaTeX rendered as
plain text; an arXiv paper's year comes from its id. Each paper records the provenance
of its metadata in ``provenance``.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from rapidfuzz import fuzz, process

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parent
sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(REPO / "src"))

import derive_seeds as ds  # noqa: E402
from efmcat.formats.bibtex import acl_venue  # noqa: E402
from efmcat.formats.markdown_list import parse_markdown_list  # noqa: E402
from efmcat.ids import paper_id_from_link, title_id, try_parse_arxiv_id  # noqa: E402
from efmcat.latex import latex_to_text  # noqa: E402
from efmcat.models import with_et_al  # noqa: E402
from efmcat.taxonomy import load_taxonomy  # noqa: E402

SAME_TITLE = 95  # rapidfuzz ratio of normalised titles: the same paper under two ids
SAME_NAMED = 85  # ... or at or above this when both titles carry the same name before a colon
CONFLICT = 75  # below: a row's title names another paper than its id's

LIST_HEADER = """\
# efmcat seeds: the in-field papers of the field's curated lists other than the survey's
# (tools/sections.yaml names them, with the sections kept and left out), merged, one paper
# once, derived by tools/derive_catalog.py. `efmcat build` turns seeds/ into data/catalog.db.
"""
SURVEY_HEADER = ds.HEADER.replace(
    "derived by tools/derive_seeds.py.",
    "derived by tools/derive_catalog.py\n# (rows and corrections by tools/derive_seeds.py; rows of other lists added).",
)


# ---------------------------------------------------------------------------
# Lists and sections


@dataclass
class Rule:
    pattern: re.Pattern[str]
    tags: list[str] | None
    skip: str | None


@dataclass
class ListSpec:
    name: str
    title: str
    repo: str
    files: list[str]
    strip: re.Pattern[str] | None
    rules: list[Rule]
    linkless: bool = False  # "- [SC'20] ZeRO: ..." with no link is a paper (a title: id)

    def classify(self, section: str) -> Rule:
        for rule in self.rules:
            if rule.pattern.search(section):
                return rule
        raise SystemExit(f"error: {self.name}: no rule in tools/sections.yaml for section '{section}'")


RENAMED: set[tuple[str, str]] = set()  # (id, normalised listed title) that a curator confirmed
SAME_PAPER: list[dict[str, str]] = []  # {from: id, to: id}: two links of one paper
MERGED_FROM: dict[str, list[str]] = {}  # to -> the from ids merged into it (moved for older releases)
# (list, normalised listed title) -> heading tags that do not fit the paper (checked by hand)
NOT_UNDER: dict[tuple[str, str], set[str]] = {}
TYPOS: dict[str, str] = {}  # a title as a list misspells it (normalised) -> the title (checked by hand)


def load_specs(path: Path) -> list[ListSpec]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    SAME_PAPER.extend({"from": str(e["from"]), "to": str(e["to"])} for e in data.get("same") or [])
    for entry in data.get("renamed") or []:
        RENAMED.add((str(entry["id"]), ds.norm_title(entry["listed"])))
    TYPOS.update({ds.norm_title(str(e["listed"])): str(e["title"]) for e in data.get("typos") or []})
    for entry in data.get("not_under") or []:
        NOT_UNDER[(str(entry["list"]), ds.norm_title(entry["listed"]))] = set(entry["drop"])
    specs = []
    for raw in data["lists"]:
        rules = [
            Rule(re.compile(r["match"], re.I), r.get("tags"), r.get("skip")) for r in raw.get("rules") or []
        ]
        strip = re.compile(raw["strip"]) if raw.get("strip") else None
        specs.append(
            ListSpec(
                raw["name"], raw["title"], raw["repo"], raw["files"], strip, rules, bool(raw.get("linkless"))
            )
        )
    return specs


@dataclass
class Row:
    source: str  # list name
    file: str  # file in the list's repo, as "repo@commit:path"
    line: int
    section: str
    title: str
    link: str | None
    pid: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    tags: list[str] = field(default_factory=list)
    labelled: bool = False  # the section maps to at least one taxonomy node

    def as_seed(self) -> dict[str, Any]:
        return ds.prune(
            {
                "source": self.source,
                "file": self.file,
                "line": self.line,
                "section": self.section,
                "title": self.title,
                "link": self.link,
            }
        )


def repo_file(spec: ListSpec, file_name: str) -> str:
    """The file a row came from, as the list's repository names it."""
    stem = file_name.removesuffix(".md").split("__", 2)
    inner = stem[2].replace("__", "/") + ".md" if len(stem) > 2 else "README.md"
    if spec.name == "edge-llms":
        inner = "docs/" + inner
    return f"{spec.repo}:{inner}"


# Venues and years as the lists write them next to a paper.
_VENUE_PATTERNS = [
    # horseee: [![Publish](https://img.shields.io/badge/Conference-NeurIPS'23-blue)]
    # ... -ICML'23%20Oral-blue, -EMNLP'24%20Findings-blue, -ICML'23%20Workshop-blue (group 3)
    re.compile(
        r"img\.shields\.io/badge/(?:Conference|Journal|Publish)-([A-Za-z][\w&.@ -]{1,30}?)(?:%27|')(\d{2})"
        r"((?:%20[A-Za-z]+)*)-"
    ),
    # hemingkx: ![](https://img.shields.io/badge/ICML2024-orange), EMNLP_2024, ACL2024--findings
    re.compile(r"img\.shields\.io/badge/([A-Za-z][A-Za-z]{1,12})_?(20\d{2})(?:--findings)?-orange"),
    # ml-systems: - [OSDI'22] [Title](url), [SustaiNLP @ EMNLP'22]
    re.compile(r"^\s*[-*]\s+\[(?:[\w -]+ @ )?([A-Za-z][A-Za-z0-9 &.-]{1,20}?)\s?'(\d{2})\]"),
    # efficient-dl: -   2021-ICML-[Title](url)
    re.compile(r"^\s*[-*]\s+(20\d{2}|19\d{2})-([A-Za-z][A-Za-z0-9]{1,15})-"),
    # tensor-compilers: [Title](url) by Authors et al., OSDI 2022
    re.compile(r"\bby [^\n]*?,\s*([A-Z][A-Za-z]{1,12})\s+(20\d{2})\s*$"),
    # moe: Title [[EMNLP 2023](url)], Title [[ICLR2021]](url)
    re.compile(r"\[\[([A-Z][A-Za-z]{1,12})\s?((?:19|20)\d{2})\]"),
]
_NOT_VENUES = {"arxiv", "arixv", "preprint", "technical", "tech", "blog", "github", "workshop"}


def venue_year(line: str) -> tuple[str | None, int | None]:
    """(venue, year) a list line states, e.g. ("NeurIPS 2023", 2023)."""
    for i, pat in enumerate(_VENUE_PATTERNS):
        m = pat.search(line)
        if not m:
            continue
        a, b = m.group(1), m.group(2)
        venue, year = (b, a) if i == 3 else (a, b)
        year_n = int(year) if len(year) == 4 else 2000 + int(year)
        if not 1950 < year_n < 2100:
            continue
        venue = venue.replace("_", " ").strip()
        if venue.lower().split()[0] in _NOT_VENUES:
            return None, year_n
        track = (m.group(3) or "").lower() if i == 0 else ""  # "Oral", "Main", ... say no other venue
        kind = next((t for t in ("Findings", "Workshop") if t.lower() in track), None)
        venue, workshop = _venue_name(venue)
        kind = kind or ("Workshop" if workshop else None)
        if venue.upper() == "NIPS" and year_n >= 2018:
            venue = "NeurIPS"  # renamed in 2018
        return f"{venue} {year_n}" + (f" {kind}" if kind else ""), year_n
    return None, None


# venues the lists spell another way than the venue does
_SPELLED = {"MLsys": "MLSys", "Mobicom": "MobiCom", "Eurosys": "EuroSys", "PPOPP": "PPoPP", "ACMMM": "ACM MM"}


def _venue_name(venue: str) -> tuple[str, bool]:
    """(the venue's own spelling, whether the list says a workshop of it): efficient-dl's
    "NIPSw" is a NIPS workshop and "CVPRo" a CVPR oral; "SC workshop" a SC workshop."""
    if m := re.fullmatch(r"(.+?) [Ww]orkshop", venue):
        return _SPELLED.get(m.group(1), m.group(1)), True
    if m := re.fullmatch(r"([A-Z]{2,})([wo])", venue):
        return _SPELLED.get(m.group(1), m.group(1)), m.group(2) == "w"
    return _SPELLED.get(venue, venue), False


def entry_venue_year(lines: list[str], line: int) -> tuple[str | None, int | None]:
    """:func:`venue_year` of an entry's line, else of the indented lines that go on with it
    (hemingkx's spec-decoding list puts its venue badge on the authors' line below the
    title: 121 papers had no venue)."""
    found = venue_year(lines[line - 1])
    i = line
    while found == (None, None) and i < len(lines) and _CONTINUES.match(lines[i]):
        found = venue_year(lines[i])
        i += 1
    return found


_CONTINUES = re.compile(r"^\s+(?![-*+]\s|\d+[.)]\s)\S")  # an indented line that starts no new item


# the month a venue usually meets (conferences only): a paper first posted to arXiv more
# than VENUE_SLACK months after its venue met did not appear there
_VENUE_MONTH = {
    "AAAI": 2, "ACL": 7, "ASPLOS": 4, "BMVC": 11, "CGO": 3, "COLM": 10, "CVPR": 6, "DAC": 7,
    "ECCV": 10, "EMNLP": 12, "EuroSys": 4, "HPCA": 3, "ICCV": 10, "ICLR": 5, "ICML": 7,
    "IJCAI": 8, "ISCA": 6, "KDD": 8, "MICRO": 10, "MLSys": 6, "NAACL": 6, "NeurIPS": 12,
    "NIPS": 12, "OSDI": 7, "PLDI": 6, "PPoPP": 3, "SC": 11, "SOSP": 10, "WACV": 1,
}  # fmt: skip
VENUE_SLACK = 2


def plausible_venue(pid: str, venue: str | None) -> bool:
    """A venue a list states, unless it met before the paper reached arXiv: its year is
    before the id's, or (for a conference whose month is known) it met more than
    VENUE_SLACK months before the id's month (GPTQ, arXiv 2210, listed as ICLR'22: it
    appeared at ICLR 2023)."""
    if not venue:
        return False
    year = year_from_id(pid)
    m = re.fullmatch(r"(.+?) (\d{4})", venue)
    if year is None or m is None:
        return True
    met_year = int(m.group(2))
    month = _VENUE_MONTH.get(m.group(1))
    if month is None:
        return met_year >= year
    posted = month_from_id(pid)
    assert posted is not None  # the id parsed: year_from_id gave its year
    return met_year * 12 + month + VENUE_SLACK >= year * 12 + int(posted[5:7])


def parse_lists(specs: list[ListSpec], lists_dir: Path, log: list[str]) -> tuple[list[Row], Counter]:
    taxonomy = load_taxonomy()
    rows: list[Row] = []
    skipped: Counter = Counter()
    unused = set(NOT_UNDER)
    for spec in specs:
        if spec.name == "survey":
            continue
        for name in spec.files:
            text = (lists_dir / name).read_text(encoding="utf-8")
            lines = text.splitlines()
            result = parse_markdown_list(text, spec.name, taxonomy, linkless=spec.linkless)
            for e in result.entries:
                section = e.section or ""
                if spec.strip is not None:
                    section = spec.strip.sub("", section)
                rule = spec.classify(section)
                if rule.skip is not None:
                    skipped[(spec.name, section, rule.skip)] += 1
                    continue
                p = e.paper
                venue, year = entry_venue_year(lines, e.line) if 0 < e.line <= len(lines) else (None, None)
                tags = list(rule.tags or [])
                wrong = NOT_UNDER.get((spec.name, ds.norm_title(p.title)))
                if wrong is not None:
                    unused.discard((spec.name, ds.norm_title(p.title)))
                    tags = [t for t in tags if t not in wrong]
                heading_year = re.search(r"(?:^|/ )((?:19|20)\d{2})$", section)
                if year is None and heading_year and spec.name == "efficient-dl":
                    year = int(heading_year.group(1))  # papers listed under year headings
                rows.append(
                    Row(
                        source=spec.name,
                        file=repo_file(spec, name),
                        line=e.line,
                        section=section,
                        title=ds.clean_title(p.title),
                        link=e.link,
                        pid=p.id,
                        authors=list(p.authors),
                        year=p.year or year,
                        venue=venue,
                        tags=tags,
                        labelled=bool(tags),
                    )
                )
    if unused:
        raise SystemExit(f"error: tools/sections.yaml: not_under names no listed row: {sorted(unused)}")
    return rows, skipped


# ---------------------------------------------------------------------------
# Metadata


@dataclass
class Meta:
    id: str
    title: str
    authors: list[str]
    abstract: str | None
    categories: list[str]
    published: str | None
    origin: str  # provenance, e.g. "arxiv-metadata-sample.jsonl (arXiv API)"
    rank: int  # lower is better


# A Hugging Face papers page's discussion link that some metadata files append to the
# abstract (32 papers: QLoRA, Medusa, Mixtral): not the authors' text.
_HF_DISCUSSION = re.compile(r"\s*https?://huggingface\.co/discussions/paper/\w+/?\s*$")


def _clean_abstract(text: object) -> str | None:
    """An abstract on one line, without a trailing discussion link the scrape added."""
    if not text:
        return None
    return _HF_DISCUSSION.sub("", " ".join(str(text).split())) or None


def load_metadata(meta_dir: Path) -> dict[str, list[Meta]]:
    out: dict[str, list[Meta]] = defaultdict(list)
    for name in ("arxiv-metadata-sample.jsonl", "arxiv-metadata-lists.jsonl"):
        for pid, rec in ds.metadata_records(meta_dir / name):
            api_like = bool(rec.get("categories") or rec.get("published"))
            src = rec.get("source")
            if isinstance(src, dict):
                src = ", ".join(f"{k}: {v}" for k, v in sorted(src.items()))
            origin = f"{name}" + (f" ({src})" if src else "")
            out[pid].append(
                Meta(
                    id=pid,
                    title=ds.clean_title(rec.get("title") or ""),
                    authors=with_et_al(str(a) for a in rec.get("authors") or [] if str(a).strip()),
                    abstract=_clean_abstract(rec.get("abstract")),
                    categories=list(rec.get("categories") or []),
                    published=str(rec["published"])[:10] if rec.get("published") else None,
                    origin=origin,
                    rank=0 if (name.endswith("sample.jsonl") and api_like) else 1,
                )
            )
    for metas in out.values():
        metas.sort(key=lambda m: m.rank)
    return out


# ---------------------------------------------------------------------------
# Titles


_SMALL = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "into",
    "of",
    "on",
    "or",
    "the",
    "to",
    "via",
    "with",
}


def casing_score(title: str) -> tuple[int, int]:
    """Prefer the paper's own casing: capitals inside words ("SparseGPT", "LLM") first;
    then titles that keep small words lower case, as arXiv titles do (a list site's
    recasing capitalises every word: "Framework With Multiple ..."); an all-capitals
    title scores nothing."""
    letters = [c for c in title if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.7 * len(letters):
        return (0, 0)
    words = title.split()
    inner = sum(1 for w in words for c in w[1:] if c.isupper())
    recased_small = sum(1 for w in words[1:] if w.lower() in _SMALL and w[:1].isupper() and not w.isupper())
    return (inner, -recased_small, ds.casing_score(title))


def best_title(candidates: list[str], reference: str | None = None) -> str:
    """The best-cased of the candidate titles (first wins ties: pass them by precedence);
    with a ``reference`` (the arXiv metadata's title), only the candidates that are that
    title in another casing or wording, not a later or earlier title of the paper."""
    cands = [c for c in candidates if c]
    if reference:
        cands = [c for c in cands if ds.similarity(c, reference) >= SAME_NAMED] or [reference]
    return max(cands, key=casing_score) if cands else ""


# ---------------------------------------------------------------------------
# Kinds of items


def kind_of(pid: str, link: str | None) -> str:
    url = (link or "").lower()
    host = urlsplit(url if "://" in url else "https://" + url).hostname or ""
    if "/slides/" in url or url.endswith((".ppt", ".pptx")):
        return "slides"
    if host.startswith("discuss.") or "forum" in host or host in ("twitter.com", "x.com", "www.reddit.com"):
        return "post"
    if host == "github.com" and not url.endswith(".pdf"):
        return "repo"
    if "blog" in host or "medium.com" in host or "/blog/" in url:
        return "blog"
    if host.endswith("paperswithcode.com"):
        return "page"
    if pid.startswith("url:") and any(
        w in url for w in ("report", "product-flyer", "white-paper", "specification")
    ):
        return "report"
    return "paper"


# ---------------------------------------------------------------------------
# Merging


def group_rows(rows: list[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[r.pid].append(r)
    return groups


def resolve_conflicts(
    groups: dict[str, list[Row]],
    metadata: dict[str, list[Meta]],
    known_titles: dict[str, str],
    survey_titles: dict[str, list[str]],
    log: list[str],
    stats: Counter,
) -> None:
    """Rows whose title names another paper than their id's: move them where they belong."""
    for pid in sorted(groups):
        rows = groups[pid]
        metas = metadata.get(pid, [])
        reference = [m.title for m in metas if m.title] or list(survey_titles.get(pid, []))
        if not reference and len(rows) < 2:
            continue
        if not reference:
            # No metadata: the title most rows agree with is the id's.
            votes = Counter()
            for r in rows:
                votes[r.title] += sum(1 for o in rows if ds.similarity(r.title, o.title) >= CONFLICT)
            reference = [max(rows, key=lambda r: (votes[r.title], -r.line)).title]
        keep, move = [], []
        for r in rows:
            if any(ds.similarity(r.title, t) >= CONFLICT for t in reference):
                keep.append(r)
            elif any(renamed(r.title, t) for t in reference) or (pid, ds.norm_title(r.title)) in RENAMED:
                keep.append(r)
                stats["conflicts resolved as a renamed paper"] += 1
                r.renamed_from = reference[0]  # type: ignore[attr-defined]
                log.append(
                    f"renamed: {pid} is '{reference[0]}', listed as '{r.title}' ({r.source} line {r.line})"
                )
            else:
                move.append(r)
        if not move:
            continue
        if not keep:  # no row agrees with the metadata: trust the lists, note it
            log.append(
                f"note: {pid}: the lists' title '{rows[0].title}' differs from the metadata's '{reference[0]}'"
            )
            continue
        groups[pid] = keep
        for r in move:
            stats["conflicts"] += 1
            target = find_by_title(r.title, exclude=pid)
            where = f"{r.source} {r.file.split(':', 1)[1]}:{r.line}"
            if target:
                log.append(
                    f"conflict: {where} links '{r.title}' to {pid} ('{reference[0]}'): moved to {target}"
                )
                r.pid = target
                stats["conflicts moved to the right id"] += 1
            else:
                new = title_id(r.title)
                log.append(
                    f"conflict: {where} links '{r.title}' to {pid} ('{reference[0]}'): kept as {new}, unverified"
                )
                r.pid = new
                r.wrong_id = pid  # type: ignore[attr-defined]
                stats["conflicts kept unverified"] += 1
            groups.setdefault(r.pid, []).append(r)


TITLE_INDEX: list[tuple[str, str]] = []  # (arXiv id, title): every title an id is known by


_norm = functools.lru_cache(maxsize=None)(ds.norm_title)  # each title is normalised once


def find_by_title(title: str, exclude: str | None = None) -> str | None:
    """The arXiv id known by this title (rapidfuzz on normalised titles), from the metadata,
    the survey and every list row."""
    norm = _norm(title)
    if len(norm.split()) < 3:
        return None
    pairs = [(pid, t) for pid, t in TITLE_INDEX if pid != exclude]
    hit = process.extractOne(norm, [_norm(t) for _, t in pairs], scorer=fuzz.ratio, score_cutoff=SAME_NAMED)
    if hit is None:
        return None
    pid = pairs[hit[2]][0]
    if hit[1] >= SAME_TITLE:
        return pid
    # Below SAME_TITLE only when both titles carry the same short name ("SpecInfer: ...").
    name = ds._split_name(title)[0]
    return pid if name and any(ds._split_name(t)[0] == name for p, t in pairs if p == pid) else None


def renamed(a: str, b: str) -> bool:
    """Two titles of one paper across versions: the same short name before a colon."""
    name_a, name_b = ds._split_name(a)[0], ds._split_name(b)[0]
    return bool(name_a) and name_a == name_b


# ---------------------------------------------------------------------------
# Papers


def year_from_id(pid: str) -> int | None:
    parsed = try_parse_arxiv_id(pid)
    if parsed is None:
        return None
    digits = pid.split("/")[-1]
    yy = int(digits[:2])
    return 2000 + yy if yy < 90 else 1900 + yy


# Where a paper's page or id states its year: an ACL Anthology id ("2021.acl-long.462",
# "P19-1001"), a USENIX page ("conference/atc21/"), a year path segment of a proceedings
# page ("paper/2023/hash", "virtual/2022", "content/CVPR2024/", "hpca/2025/"), a venue and
# year in a PDF's name ("isca24_", "hpca24_2.pdf", "iccd2025_").
_LINK_YEARS = [
    re.compile(r"^acl:((?:19|20)\d{2})\."),
    re.compile(r"^acl:[A-Z](\d{2})-\d"),
    re.compile(r"usenix\.org/conference/[a-z]+(\d{2})/"),
    re.compile(r"/(?:[A-Za-z]+)?((?:19|20)\d{2})/"),
    re.compile(
        r"/(?:[a-z]+[_-])?(?:isca|hpca|micro|asplos|osdi|sosp|eurosys|nsdi|atc|icpp|iiswc|iccd|ppopp|mlsys)"
        r"((?:20)?\d{2})[_.-]",
        re.I,
    ),
]
LATEST_YEAR = 2026  # the reference lists were gathered in 2026: no later year is a paper's


def year_from_link(pid: str, link: str | None) -> int | None:
    """The year a paper's id or page states (None for arXiv ids, which year_from_id reads,
    and for pages that state none: DOIs, IEEE document numbers, OpenReview)."""
    if try_parse_arxiv_id(pid) is not None:
        return None
    for text in (pid, link or ""):
        for pattern in _LINK_YEARS:
            m = pattern.search(text)
            if not m:
                continue
            value = m.group(1)
            year = int(value) if len(value) == 4 else (1900 if int(value) >= 80 else 2000) + int(value)
            if 1980 <= year <= LATEST_YEAR:
                return year
    return None


def month_from_id(pid: str) -> str | None:
    if try_parse_arxiv_id(pid) is None:
        return None
    digits = pid.split("/")[-1]
    year = year_from_id(pid)
    return f"{year}-{digits[2:4]}"


def build_list_paper(
    pid: str, rows: list[Row], metadata: dict[str, list[Meta]], area_of: dict[str, str]
) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: (ORDER[r.source], r.file, r.line))
    is_arxiv = try_parse_arxiv_id(pid) is not None
    metas = metadata.get(pid, []) if is_arxiv else []
    prov: dict[str, str] = {}
    ref_title = next((m.title for m in metas if m.title), None)
    title = best_title(
        [m.title for m in metas if m.rank == 0]
        + [
            r.title
            for r in rows
            if not getattr(r, "renamed_from", None) and not getattr(r, "merged_from", None)
        ]
        + [m.title for m in metas],
        ref_title,
    ) or best_title([r.title for r in rows])
    prov["title"] = _origin_of(title, metas, rows)
    if (fixed := TYPOS.get(ds.norm_title(title))) is not None:  # misspelt (checked by hand): rows keep it
        title, prov["title"] = fixed, f"{prov['title']}, a typo corrected (tools/sections.yaml)"
    paper: dict[str, Any] = {"id": pid, "title": title}
    if is_arxiv:
        paper["year"] = year_from_id(pid)
        prov["year"] = "arXiv id"
    else:
        years = [r.year for r in rows if r.year]
        paper["year"] = Counter(years).most_common(1)[0][0] if years else None
        if paper["year"]:
            prov["year"] = "list text"
        elif linked := next((y for r in rows if (y := year_from_link(pid, r.link))), None):
            paper["year"], prov["year"] = linked, "link"
    # the first row that has a link: a list's row naming the paper without one (ml-systems'
    # "- [ICLR'21] GShard: ...") may come first
    first_link = next((r.link for r in rows if r.link), None)
    paper["link"] = (
        f"https://arxiv.org/abs/{pid}" if is_arxiv else (first_link if not pid.startswith("title:") else None)
    )
    authors_meta = next((m for m in metas if m.authors), None)
    authors_rows = next((r for r in rows if r.authors), None)
    if authors_meta:
        paper["authors"], prov["authors"] = authors_meta.authors, authors_meta.origin
    elif authors_rows:
        paper["authors"], prov["authors"] = authors_rows.authors, f"{authors_rows.file}:{authors_rows.line}"
    abstract_meta = next((m for m in metas if m.abstract), None)
    if abstract_meta:
        paper["abstract"] = latex_to_text(abstract_meta.abstract)
        prov["abstract"] = abstract_meta.origin
    published = next((m.published for m in metas if m.published), None)
    if published:
        paper["published"], prov["published"] = published, next(m.origin for m in metas if m.published)
    elif is_arxiv:
        paper["published"], prov["published"] = month_from_id(pid), "arXiv id (month)"
    cats = next((m.categories for m in metas if m.categories), [])
    if cats:
        paper["categories"] = cats
        paper["primary_category"] = cats[0]
    venue_row = next((r for r in rows if plausible_venue(pid, r.venue)), None)
    if venue_row:
        paper["venue"], prov["venue"] = venue_row.venue, f"{venue_row.file}:{venue_row.line}"
    paper["kind"] = kind_of(pid, first_link)
    paper["tags"] = heading_tags(rows, area_of)
    paper["sections"] = list(dict.fromkeys(f"{r.source}: {r.section}" for r in rows))
    fixed = sorted({getattr(r, "corrected_link", None) for r in rows} - {None})
    names = sorted({r.title for r in rows if getattr(r, "renamed_from", None)})
    if names:
        paper["note"] = _also_listed_as(names, "an earlier or later title of the paper")
    if fixed:
        paper["note"] = (
            (paper.get("note") or "")
            + " Corrected: listed with the malformed link "
            + ", ".join(f[4:] for f in fixed)
            + "."
        ).strip()
    wrong = sorted({getattr(r, "wrong_id", None) for r in rows} - {None})
    if wrong or pid.startswith("title:"):
        paper["verified"] = False
        if wrong:
            named = ", ".join(("arXiv id " if try_parse_arxiv_id(w) else "the link of ") + w for w in wrong)
            paper["note"] = f"Listed with {named}, which is another paper; the right id is not known."
    paper["provenance"] = prov
    paper["rows"] = [r.as_seed() for r in rows]
    return ds.prune(paper)


def _origin_of(title: str, metas: list[Meta], rows: list[Row]) -> str:
    for m in metas:
        if m.title == title:
            return m.origin
    for r in rows:
        if r.title == title:
            return f"{r.file}:{r.line}"
    return "derived"


ORDER: dict[str, int] = {}


# The methods the taxonomy's serving definition names: a serving system for them is theirs.
SERVED_METHODS = {"moe", "peft", "speculative-decoding"}


def heading_tags(rows: list[Row], area_of: dict[str, str], own: list[str] = ()) -> list[str]:
    """The nodes a paper's list headings give it, in row order, serving yielding as the
    taxonomy says: a serving heading (ml-systems' "Inference System", llm-inference's "LLM
    Serving") holds systems for every method, so where another heading (or the paper's own
    curated tags, `own`) files the paper under a method's area, the paper is that method's
    and not serving's (Medusa, SwapMoE are not memory). Serving stays where a heading names
    the memory side itself (the KV cache, offloading, memory management), and where a
    heading gives serving with another node on purpose ("Serving Long-Context": LoongServe
    is a serving system and long-context), unless that node is a method the definition
    names (MoE, PEFT, speculative decoding: "Serving for LoRA" gives S-LoRA to PEFT). The
    bare `decoding` node is no method: Splitwise's "Auto-regressive Decoding" heading does
    not move it out of serving."""
    tags: list[str] = []
    for r in rows:
        tags += [t for t in r.tags if t not in tags]
    if "serving" not in tags or "serving" in own:
        return tags
    named = [t for t in [*tags, *own] if t != "serving"]
    memory_named = any(area_of[t] == "memory" for t in named)
    method = any(area_of[t] != "memory" and t != "decoding" for t in named)
    on_purpose = any(
        "serving" in r.tags and len(r.tags) > 1 and SERVED_METHODS.isdisjoint(r.tags) for r in rows
    )
    return [t for t in tags if t != "serving"] if method and not (memory_named or on_purpose) else tags


def enrich_survey_paper(
    paper: dict[str, Any], extra: list[Row], metadata: dict[str, list[Meta]], area_of: dict[str, str]
) -> dict[str, Any]:
    """The survey's paper, with the rows of other lists, better casing and metadata filled."""
    pid = paper["id"]
    is_arxiv = try_parse_arxiv_id(pid) is not None
    metas = metadata.get(pid, []) if is_arxiv else []
    prov: dict[str, str] = {}
    survey_titles = [r["title"] for r in paper.get("rows", [])]
    candidates = [m.title for m in metas if m.rank == 0] + [paper["title"]] + [r.title for r in extra]
    candidates += [m.title for m in metas] + survey_titles
    title = best_title(candidates, next((m.title for m in metas if m.title), None))
    if title != paper["title"]:
        prov["title"] = _origin_of(title, metas, extra) if title not in survey_titles else "survey list"
        paper["title"] = title
    else:
        prov["title"] = _origin_of(title, metas, extra) if title not in survey_titles else "survey list"
    if is_arxiv:
        year = year_from_id(pid)
        if paper.get("year") != year:
            paper["year"] = year
        prov["year"] = "arXiv id"
    authors_meta = next((m for m in metas if m.authors), None)
    if authors_meta:
        paper["authors"], prov["authors"] = authors_meta.authors, authors_meta.origin
    elif not paper.get("authors"):
        row = next((r for r in extra if r.authors), None)
        if row:
            paper["authors"], prov["authors"] = row.authors, f"{row.file}:{row.line}"
    abstract_meta = next((m for m in metas if m.abstract), None)
    if abstract_meta:
        paper["abstract"], prov["abstract"] = latex_to_text(abstract_meta.abstract), abstract_meta.origin
    elif paper.get("abstract"):
        paper["abstract"] = latex_to_text(paper["abstract"])
    published = next((m.published for m in metas if m.published), None)
    if published:
        paper["published"], prov["published"] = published, next(m.origin for m in metas if m.published)
    elif is_arxiv and not paper.get("published"):
        paper["published"], prov["published"] = month_from_id(pid), "arXiv id (month)"
    venue_row = next((r for r in extra if plausible_venue(pid, r.venue)), None)
    if venue_row and not paper.get("venue"):
        paper["venue"], prov["venue"] = venue_row.venue, f"{venue_row.file}:{venue_row.line}"
    first_link = next((r.get("link") for r in paper.get("rows") or [] if r.get("link")), None)
    # An arXiv id names a paper, whatever its first row links to (Uni-MoE's survey row
    # links a Papers with Code page).
    paper["kind"] = "paper" if is_arxiv else kind_of(pid, first_link)
    cats = next((m.categories for m in metas if m.categories), [])
    if cats and not paper.get("categories"):
        paper["categories"], paper["primary_category"] = cats, cats[0]
    tags = list(paper.get("tags") or [])
    for t in heading_tags(extra, area_of, own=tags):
        for node in (t, area_of[t]):
            if node not in tags:
                tags.append(node)
    paper["tags"] = tags
    sections = [f"survey: {s}" for s in paper.get("sections") or []]
    sections += [f"{r.source}: {r.section}" for r in extra]
    paper["sections"] = list(dict.fromkeys(sections))
    paper["provenance"] = prov
    rows = [dict(r, source="survey", file=SURVEY_FILE) for r in paper.get("rows") or []]
    rows += [r.as_seed() for r in sorted(extra, key=lambda r: (ORDER[r.source], r.file, r.line))]
    paper["rows"] = rows
    keys = [
        "id",
        "title",
        "year",
        "link",
        "authors",
        "abstract",
        "published",
        "categories",
        "primary_category",
    ]
    keys += ["kind", "tags", "sections", "verified", "note", "moved_from", "provenance", "rows"]
    ordered = {k: paper[k] for k in keys if k in paper}
    ordered.update({k: v for k, v in paper.items() if k not in ordered})
    return ds.prune(ordered)


SURVEY_FILE = ""


# ---------------------------------------------------------------------------
# Labels


# Tags too coarse to be a label: "serving" sections (inference systems, LLM serving) hold
# papers of every area; the taxonomy files serving under memory, but a list putting a paper
# there says nothing about its area.
NOT_A_LABEL = {"serving"}


def labels_of(
    paper: dict[str, Any], rows_by_source: dict[str, list[Row]], area_of: dict[str, str], survey: bool
):
    lists: dict[str, list[str]] = {}
    subtopics: dict[str, list[str]] = {}
    if survey:
        tags = [t for t in paper.get("survey_tags", [])]
        areas = sorted({area_of[t] for t in tags})
        if areas:
            lists["survey"] = areas
            subs = sorted({t for t in tags if area_of[t] != t})
            if subs:
                subtopics["survey"] = subs
    for source, rows in rows_by_source.items():
        tags = [t for r in rows if r.labelled for t in r.tags if t not in NOT_A_LABEL]
        if not tags:
            continue
        lists[source] = sorted({area_of[t] for t in tags})
        subs = sorted({t for t in tags if area_of[t] != t})
        if subs:
            subtopics[source] = subs
    return lists, subtopics


# ---------------------------------------------------------------------------
# Output


class _Dumper(ds._Dumper):
    pass


def dump(source: str, header: str, papers: list[dict]) -> str:
    body = yaml.dump(
        {"source": source, "papers": papers},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )
    return header + body


def verify(papers: list[dict[str, Any]], metadata: dict[str, list[Meta]]) -> None:
    """The promises of the shipped catalog, checked before anything is written."""
    seen: set[str] = set()
    problems = []
    for p in papers:
        pid = p["id"]
        if pid in seen:
            problems.append(f"{pid} twice")
        seen.add(pid)
        if not p.get("title"):
            problems.append(f"{pid} has no title")
        if try_parse_arxiv_id(pid) is not None:
            if p.get("year") != year_from_id(pid):
                problems.append(f"{pid}: year {p.get('year')} contradicts the id")
            if any(m.abstract for m in metadata.get(pid, [])) and not p.get("abstract"):
                problems.append(f"{pid}: the metadata's abstract is missing")
            if any(m.authors for m in metadata.get(pid, [])) and not p.get("authors"):
                problems.append(f"{pid}: the metadata's authors are missing")
        if "\\(" in (p.get("abstract") or ""):
            problems.append(f"{pid}: raw LaTeX in the abstract")
    if problems:
        raise SystemExit("error: " + "; ".join(problems[:20]))


def _note_other_titles(paper: dict) -> None:
    """A paper merged with its retitled venue version (`same:` in tools/sections.yaml) says
    in its note under which other titles the lists give it (`efmcat check` reads that as
    settled, not as an id carrying two papers' titles)."""
    own = ds.norm_title(paper["title"])
    other = sorted(
        {r["title"] for r in paper.get("rows", []) if r.get("title") and ds.norm_title(r["title"]) != own}
    )
    if not other:
        return
    said = _also_listed_as(other, "the same paper, retitled")
    paper["note"] = f"{paper['note']} {said}" if paper.get("note") else said


def _also_listed_as(titles: list[str], why: str) -> str:
    """A paper's note naming the other titles its rows give it (``efmcat check`` reads them as
    settled): a renamed arXiv version's, or a merged venue version's."""
    return "Also listed as " + "; ".join(f"'{t}'" for t in titles) + f" ({why})."


def _acl_says_more(paper: dict, venue: str) -> bool:
    """Whether the venue an ACL Anthology id names says more than the list's: the list gives
    none, or the conference of a Findings paper ("ACL 2025" for acl:2025.findings-acl.952)."""
    given = paper.get("venue")
    return not given or (venue.endswith(" Findings") and given == venue.removesuffix(" Findings"))


def _pdf_doi_id(paper: dict) -> str | None:
    """The id releases before 2026-12-02 gave a paper whose link is a publisher's PDF named
    by its DOI (Springer's /content/pdf/10.1007/....pdf): its DOI id with the file's ".pdf",
    which ``update`` moves to the DOI id (with the user's notes and tags)."""
    link = paper.get("link") or ""
    if (
        paper["id"].startswith("doi:")
        and link.lower().endswith(".pdf")
        and paper_id_from_link(link) == paper["id"]
    ):
        return paper["id"] + ".pdf"
    return None


def main(argv: list[str] | None = None) -> int:
    global SURVEY_FILE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--reference", type=Path, required=True, help="the reference folder (lists/, metadata/, bib/)"
    )
    ap.add_argument("--sections", type=Path, default=TOOLS / "sections.yaml")
    ap.add_argument("--review", type=Path, default=TOOLS / "survey_review.yaml")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds")
    ap.add_argument("--labels", type=Path, default=REPO / "data" / "labels.jsonl")
    args = ap.parse_args(argv)
    ref = args.reference
    specs = load_specs(args.sections)
    for i, spec in enumerate(specs):
        ORDER[spec.name] = i
    survey_spec = next(s for s in specs if s.name == "survey")
    SURVEY_FILE = repo_file(survey_spec, survey_spec.files[0])
    order, area_of = ds.load_taxonomy()
    log: list[str] = []
    stats: Counter = Counter()

    # 1. The survey, as tools/derive_seeds.py derives it.
    horseee = next(s for s in specs if s.name == "horseee")
    refs = [ref / "lists" / f for f in horseee.files] + sorted((ref / "bib").glob("*.bib"))
    refs += [
        ref / "metadata" / "arxiv-metadata-sample.jsonl",
        ref / "metadata" / "arxiv-metadata-lists.jsonl",
    ]
    survey_papers, survey_stats = ds.derive_papers(ref / "lists" / survey_spec.files[0], refs, args.review)

    # 2. Every other list.
    metadata = load_metadata(ref / "metadata")
    rows, skipped = parse_lists(specs, ref / "lists", log)
    stats["list rows kept"] = len(rows)
    stats["list rows left out (off-field sections)"] = sum(skipped.values())

    # Titles known per arXiv id: the metadata's, then the survey's.
    known: dict[str, str] = {}
    for pid, metas in metadata.items():
        if metas and metas[0].title:
            known[pid] = metas[0].title
    for p in survey_papers:
        if try_parse_arxiv_id(p["id"]) is not None:
            known.setdefault(p["id"], p["title"])
    reference_titles = dict(known)  # the metadata's and the survey's titles only
    for r in rows:
        m = re.match(r"url:(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})(?!\d)\S+$", r.pid)
        if m and try_parse_arxiv_id(m.group(1)) is not None:
            log.append(
                f"corrected: {r.source} {r.file}:{r.line} links arxiv.org/{r.pid[4:].split('/', 1)[1]}: id {m.group(1)}"
            )
            r.corrected_link = r.pid  # type: ignore[attr-defined]
            r.pid = m.group(1)
            stats["malformed arXiv links corrected"] += 1
    groups = group_rows(rows)
    for pid, grp in groups.items():
        if try_parse_arxiv_id(pid) is not None and pid not in known:
            known[pid] = best_title([r.title for r in grp])

    # 3. Conflicts.
    for pid, title in known.items():
        TITLE_INDEX.append((pid, title))
    for r in rows:
        if try_parse_arxiv_id(r.pid) is not None:
            TITLE_INDEX.append((r.pid, r.title))
    TITLE_INDEX[:] = sorted(set(TITLE_INDEX))
    survey_titles = {p["id"]: [p["title"]] for p in survey_papers}
    resolve_conflicts(groups, metadata, known, survey_titles, log, stats)
    # The titles each id is known by, now that misattributed rows have left their ids.
    TITLE_INDEX[:] = sorted(
        {(pid, t) for pid, t in reference_titles.items()}
        | {(pid, r.title) for pid, grp in groups.items() for r in grp if try_parse_arxiv_id(pid)}
    )

    # 4. Non-arXiv ids that are arXiv papers, and the same title under two links.
    by_norm: dict[str, str] = {}
    for same in SAME_PAPER:
        # or a landmark no list links on arXiv: its record takes the arXiv id (its title stays the lists')
        to_arxiv = same["to"] not in groups and try_parse_arxiv_id(same["to"]) is not None
        if same["from"] in groups and (same["to"] in groups or to_arxiv):
            for r in groups[same["from"]]:
                r.pid = same["to"]
                if not to_arxiv:
                    r.merged_from = same["from"]  # type: ignore[attr-defined]  # its title is the other one
            groups.setdefault(same["to"], []).extend(groups.pop(same["from"]))
            if to_arxiv:  # rows of its title without a link now find it (GShard's)
                TITLE_INDEX.extend((same["to"], r.title) for r in groups[same["to"]])
            stats["links merged into one paper by title"] += 1
            log.append(f"merged: {same['from']} is {same['to']} (tools/sections.yaml)")
            MERGED_FROM.setdefault(same["to"], []).append(same["from"])
        else:  # a stale entry (an id the lists no longer give) is said, not silently kept
            log.append(f"unused: same: {same['from']} -> {same['to']} (tools/sections.yaml)")
    # (a title: id last: the same title under a link merges into the link's id, not the title's)
    for pid in sorted(groups, key=lambda p: (try_parse_arxiv_id(p) is None, p.startswith("title:"), p)):
        if try_parse_arxiv_id(pid) is not None:
            continue
        grp = groups[pid]
        title = best_title([r.title for r in grp])
        wrong = {getattr(r, "wrong_id", None) for r in grp}
        target = find_by_title(title)
        if target in wrong:
            target = None
        if target is None:
            norm = ds.norm_title(title)
            if len(norm.split()) >= 3 and norm in by_norm:
                target = by_norm[norm]
            else:
                by_norm.setdefault(norm, pid)
                continue
        for r in grp:
            r.pid = target
        groups.setdefault(target, []).extend(grp)
        del groups[pid]
        stats["links merged into one paper by title"] += 1
        log.append(f"merged: {pid} '{title}' is {target}")

    # 5. The survey's papers: title: ids that a list or the metadata knows under an arXiv id.
    survey_by_id: dict[str, dict] = {}
    for p in survey_papers:
        pid = p["id"]
        if pid.startswith("title:") or try_parse_arxiv_id(pid) is None:
            target = find_by_title(p["title"])
            if target is not None and target not in {q["id"] for q in survey_papers}:
                log.append(f"moved: survey paper {pid} '{p['title']}' is arXiv {target}")
                stats["survey papers moved to their arXiv id"] += 1
                note = p.get("note")
                p["moved_from"] = [pid]
                p["id"] = target
                p["link"] = f"https://arxiv.org/abs/{target}"
                if pid.startswith("title:"):
                    p.pop("verified", None)
                    p["note"] = (
                        f"Moved from {pid}: the lists and the arXiv metadata give this title arXiv id {target}."
                        + (f" Before: {note}" if note else "")
                    )
                pid = target
        survey_by_id[pid] = p
    # A survey paper merged with a non-arXiv survey link of the same title.
    for pid in list(groups):
        if pid in survey_by_id:
            continue
        if try_parse_arxiv_id(pid) is None:
            title = best_title([r.title for r in groups[pid]])
            for sp in survey_by_id.values():
                if ds.similarity(title, sp["title"]) >= SAME_TITLE:
                    groups.setdefault(sp["id"], []).extend(groups.pop(pid))
                    stats["links merged into one paper by title"] += 1
                    break

    # 6. Papers.
    survey_out, list_out, labels = [], [], []
    for pid in sorted(set(survey_by_id) | set(groups)):
        extra = groups.get(pid, [])
        by_source: dict[str, list[Row]] = defaultdict(list)
        for r in extra:
            by_source[r.source].append(r)
        if pid in survey_by_id:
            sp = survey_by_id[pid]
            survey_tags = list(sp.get("tags") or [])
            paper = enrich_survey_paper(sp, extra, metadata, area_of)
            survey_out.append(paper)
            lists, subs = labels_of({"survey_tags": survey_tags}, by_source, area_of, True)
        else:
            paper = build_list_paper(pid, extra, metadata, area_of)
            tags = paper.get("tags") or []
            full = list(tags)
            for t in tags:
                if area_of[t] not in full:
                    full.append(area_of[t])
            paper["tags"] = [t for t in order if t in full]
            list_out.append(paper)
            lists, subs = labels_of({}, by_source, area_of, False)
        if lists and paper.get("kind", "paper") == "paper":
            labels.append(
                {
                    "id": paper["id"],
                    "title": paper["title"],
                    "abstract": paper.get("abstract"),
                    "categories": paper.get("categories", []),
                    "lists": lists,
                    "subtopics": subs,
                }
            )

    for paper in survey_out + list_out:
        if paper.get("moved_from") is None and (old := _pdf_doi_id(paper)):
            paper["moved_from"] = [old]
        if paper["id"] in MERGED_FROM:  # an older release shipped them apart: update moves the user's data
            paper["moved_from"] = sorted({*paper.get("moved_from", []), *MERGED_FROM[paper["id"]]})
            _note_other_titles(paper)
        # its own ACL Anthology id, or the one of its venue version merged into it (MiniKV)
        acl = next(
            (i for i in [paper["id"], *MERGED_FROM.get(paper["id"], [])] if i.startswith("acl:")), None
        )
        if acl and (venue := acl_venue(acl)) and _acl_says_more(paper, venue):
            paper["venue"] = venue  # as an import gives it: show and every export say it
            paper.setdefault("provenance", {})["venue"] = (
                "its ACL Anthology id" if acl == paper["id"] else f"the ACL Anthology id {acl}"
            )
    verify(survey_out + list_out, metadata)
    args.seeds.mkdir(parents=True, exist_ok=True)
    (args.seeds / "survey.yaml").write_text(dump("survey", SURVEY_HEADER, survey_out), encoding="utf-8")
    (args.seeds / "lists.yaml").write_text(dump("lists", LIST_HEADER, list_out), encoding="utf-8")
    args.labels.parent.mkdir(parents=True, exist_ok=True)
    with args.labels.open("w", encoding="utf-8") as fh:
        for rec in sorted(labels, key=lambda r: r["id"]):
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")

    everything = survey_out + list_out
    stats["papers"] = len(everything)
    stats["survey papers"] = len(survey_out)
    stats["arXiv papers"] = sum(1 for p in everything if try_parse_arxiv_id(p["id"]) is not None)
    stats["non-papers (repos, posts, slides)"] = sum(
        1 for p in everything if p.get("kind", "paper") != "paper"
    )
    stats["with authors"] = sum(1 for p in everything if p.get("authors"))
    stats["with abstract"] = sum(1 for p in everything if p.get("abstract"))
    stats["with year"] = sum(1 for p in everything if p.get("year"))
    stats["with venue"] = sum(1 for p in everything if p.get("venue"))
    stats["labelled papers"] = len(labels)
    per_list: Counter = Counter()
    for p in everything:
        for s in {r["source"] for r in p.get("rows", [])}:
            per_list[s] += 1
    for msg in log:
        print(msg, file=sys.stderr)
    for (name, section, why), n in sorted(skipped.items()):
        print(f"left out: {name}: {section} ({n} rows): {why}", file=sys.stderr)
    print("survey: " + ", ".join(f"{k} {v}" for k, v in survey_stats.items()), file=sys.stderr)
    print(
        "per list: "
        + ", ".join(f"{k} {v}" for k, v in sorted(per_list.items(), key=lambda kv: ORDER[kv[0]])),
        file=sys.stderr,
    )
    print("summary: " + ", ".join(f"{k} {v}" for k, v in stats.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
