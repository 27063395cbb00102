"""The labelled training table (``data/labels.jsonl``): papers with the areas each curated list gives them.

One JSON object a line, sorted by id::

    {"id": "2306.00978", "title": "...", "abstract": "..." or null, "categories": ["cs.CL"],
     "lists": {"horseee": ["quantization"], "survey": ["quantization", "hardware"]},
     "subtopics": {"horseee": ["weight-only-ptq"]}}

``lists`` maps each list to the taxonomy areas its section heading(s) give the paper (an
empty list: the paper is in the list under a heading with no area).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from efmcat.errors import ParseError, UsageError
from efmcat.inputs import read_text


@dataclass
class ListPaper:
    id: str
    title: str
    abstract: str | None = None
    categories: list[str] = field(default_factory=list)
    lists: dict[str, list[str]] = field(default_factory=dict)
    subtopics: dict[str, list[str]] = field(default_factory=dict)  # per list, where its heading gives them

    def areas(self, without: str | None = None) -> set[str]:
        """The union of the areas every list (but ``without``) gives the paper."""
        return {a for name, areas in self.lists.items() if name != without for a in areas}


def shipped_labels() -> Path | None:
    """data/labels.jsonl of the wheel or the checkout."""
    pkg = Path(__file__).resolve().parent
    for candidate in (pkg / "data" / "labels.jsonl", pkg.parent.parent / "data" / "labels.jsonl"):
        if candidate.is_file():
            return candidate
    return None


def load_labels(path: str | Path | None = None) -> list[ListPaper]:
    """Read a labels table (default: the shipped one); ParseError names the bad line."""
    if path is None:
        path = shipped_labels()
        if path is None:
            raise UsageError("no labelled papers shipped with this efmcat: give --labels FILE")
    text, p = read_text(path, "labels")  # "-" is stdin (train --labels -, eval --lolo --labels -)
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            lists = per_list(rec.get("lists"), "lists")
            subtopics = per_list(rec.get("subtopics"), "subtopics")
            title, abstract, categories = row_text(rec, need_title=False)
            out.append(ListPaper(str(rec["id"]), title, abstract, categories, lists, subtopics))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ParseError(f"{p}:{n}: not a labelled paper: {exc}") from exc
    out.sort(key=lambda x: x.id)
    return out


def row_text(rec: dict, *, need_title: bool = True) -> tuple[str, str | None, list[str]]:
    """A labelled row's title, abstract and categories, checked, so that a tagger never meets
    a number where it reads text: the title text (KeyError without one, or "" where not
    ``need_title``), the abstract text or null, the categories a list of names or one
    space-separated string of them (as arXiv writes them). Both loaders of labelled papers
    read their rows through it."""
    if not isinstance(rec, dict):
        raise TypeError("a line must be a JSON object")
    title = rec["title"] if need_title else rec.get("title") or ""
    if not isinstance(title, str):
        raise TypeError("title must be text")
    abstract = rec.get("abstract") or None
    if abstract is not None and not isinstance(abstract, str):
        raise TypeError("abstract must be text or null")
    categories = rec.get("categories") or []
    if isinstance(categories, str):
        categories = categories.split()
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise TypeError("categories must be a list of category names")
    return title, abstract, categories


def per_list(value: object, key: str) -> dict[str, list[str]]:
    """A record's ``lists`` or ``subtopics``: list name -> node ids (TypeError if not that
    shape). Also how ``evaluate.load_labelled`` reads a labels table's row."""
    if not value:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise TypeError(f"{key} must map each list to a list of node ids")
    return {str(k): [str(a) for a in v] for k, v in value.items()}
