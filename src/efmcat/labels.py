"""The labelled training table (``data/labels.jsonl``): papers with the areas each curated list gives them.

One JSON object a line, sorted by id::

    {"id": "2306.00978", "title": "...", "abstract": "..." or null, "categories": ["cs.CL"],
     "lists": {"horseee": ["quantization"], "survey": ["quantization", "hardware"]},
     "subtopics": {"horseee": ["weight-only-ptq"]}}

``lists`` maps each list to the taxonomy areas its section heading(s) give the paper (an
empty list: the paper is in the list under a heading with no area).

A file of section rows reads too, one row per paper and list section, as a list's
heading-to-area mapping writes them::

    {"arxiv_id": "2306.00978", "title_hint": "...", "list": "horseee/Awesome-Efficient-LLM",
     "heading_path": "... > Quantization", "areas": ["quantization"]}

(``id`` and ``title`` may stand for ``arxiv_id`` and ``title_hint``, ``labels`` for
``areas``). A paper's rows become one paper: each list's areas are the union of its rows',
labels in a list's own spelling (``speculative_decoding``, ``KV cache compression``) are
read as the taxonomy's nodes, and a subtopic gives its area (``serving``: memory).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from efmcat.errors import ParseError, UsageError, json_error_reason
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


def load_labels(path: str | Path | None = None, unknown: set[str] | None = None) -> list[ListPaper]:
    """Read a labels table (default: the shipped one); ParseError names the bad line.
    ``unknown`` gathers the labels the taxonomy does not know, as written."""
    if path is None:
        path = shipped_labels()
        if path is None:
            raise UsageError("no labelled papers shipped with this efmcat: give --labels FILE")
    text, p = read_text(path, "labels")  # "-" is stdin (train --labels -, eval --lolo --labels -)
    papers: dict[str, ListPaper] = {}
    taxonomy = None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            title, abstract, categories = row_text(rec, need_title=False)
            if taxonomy is None:
                from efmcat.taxonomy import load_taxonomy

                taxonomy = load_taxonomy()
            if "list" in rec and "lists" not in rec:  # a section row
                lists, subtopics = _section_labels(rec, taxonomy, unknown)
            elif "lists" not in rec and ("labels" in rec or "areas" in rec):
                # a labelled set's row ({"id", "title", "labels"}, as eval FILE reads): one
                # list, named after the file
                lists, subtopics = _section_labels({**rec, "list": p}, taxonomy, unknown)
            else:  # a labels table's row: read as section rows are, a list at a time
                lists, subtopics = _table_labels(rec, taxonomy, unknown)
            paper = ListPaper(row_id(rec), title, abstract, categories, lists, subtopics)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise not_labelled(p, n, exc) from exc
        seen = papers.get(paper.id)
        papers[paper.id] = paper if seen is None else _joined(seen, paper)
    return sorted(papers.values(), key=lambda x: x.id)


def not_labelled(path: object, line: int, exc: Exception) -> ParseError:
    """The one line for a row neither loader can read: a missing key is named as such."""
    why = f"no '{exc.args[0]}'" if isinstance(exc, KeyError) else json_error_reason(exc, one_line=True)
    return ParseError(f"{path}:{line}: not a labelled paper: {why}")


def row_id(rec: dict) -> str:
    """A labelled row's paper id: ``id``, or ``arxiv_id`` as section rows name it (KeyError
    'id' without either)."""
    for key in ("id", "arxiv_id"):
        value = rec.get(key) if isinstance(rec, dict) else None
        if value is not None and str(value).strip():
            return str(value).strip()
    raise KeyError("id")


def label_node(label: str, taxonomy: Any) -> str:
    """A label as the taxonomy's node id: as written when it is one, else in the spelling
    lists use (``speculative_decoding``, ``KV cache compression``, ``Quantization``) folded
    to one; a label the taxonomy does not know is returned as it is."""
    if label in taxonomy:
        return label
    folded = "-".join(label.lower().replace("_", " ").split())
    return folded if folded in taxonomy else label


def raw_labels(rec: dict) -> list[str]:
    """A row's own labels: ``labels`` or ``areas``, a list of text (ValueError without)."""
    if "labels" not in rec and "areas" not in rec:
        raise ValueError("no 'labels' (nor 'areas' or 'lists')")
    raw = rec["labels"] if "labels" in rec else rec["areas"]
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise TypeError("labels must be a list of node ids")
    return raw


def _nodes(labels: list[str], taxonomy: Any) -> tuple[list[str], list[str], list[str]]:
    """Labels read as the taxonomy's nodes (:func:`label_node`): (the areas the known ones
    give, a subtopic its area; the known subtopics; the unknown labels, as written)."""
    nodes = list(dict.fromkeys(label_node(x, taxonomy) for x in labels))
    known = [x for x in nodes if x in taxonomy]
    areas = taxonomy.order({taxonomy.area_of(x) for x in known})
    subs = taxonomy.order({x for x in known if taxonomy.nodes[x].parent is not None})
    return areas, subs, [x for x in nodes if x not in taxonomy]


def report_unknown(unknown: set[str], name: str, what: str, taxonomy: Any, say: Any) -> None:
    """Tell ``say`` the labels of file ``name`` the taxonomy does not know, five by name
    then how many more: ``NAME: WHAT: unknown taxonomy node 'x'; did you mean y?``."""
    ordered = sorted(unknown)
    for label in ordered[:5]:
        say(f"{name}: {what}: {taxonomy.unknown_message(label)}")
    if len(ordered) > 5:
        say(f"{name}: {what}: {len(ordered) - 5} more labels the taxonomy does not know")


def _table_labels(
    rec: dict, taxonomy: Any, unknown: set[str] | None = None
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """A labels table row's (lists, subtopics), each list's labels read as a section row's
    are (a subtopic in ``lists`` gives its area, and is one of the list's subtopics); a
    label the taxonomy does not know stays as written (a taxonomy of your own may have it)."""
    lists: dict[str, list[str]] = {}
    subtopics: dict[str, list[str]] = {}
    for name, labels in per_list(rec.get("lists"), "lists").items():
        areas, subs, strange = _nodes(labels, taxonomy)
        lists[name] = areas + strange
        if unknown is not None:
            unknown.update(strange)
        if subs:
            subtopics[name] = subs
    for name, labels in per_list(rec.get("subtopics"), "subtopics").items():
        more = [label_node(x, taxonomy) for x in labels]
        subtopics[name] = list(dict.fromkeys(subtopics.get(name, []) + more))
    return lists, subtopics


def _section_labels(
    rec: dict, taxonomy: Any, unknown: set[str] | None = None
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """A section row's (lists, subtopics): the areas its labels give, and its subtopics."""
    areas, subs, strange = _nodes(raw_labels(rec), taxonomy)
    if unknown is not None:
        unknown.update(strange)
    name = rec["list"]
    if not isinstance(name, str) or not name.strip():
        raise TypeError("list must be the name of the list (text)")
    return {name: areas}, ({name: subs} if subs else {})


def _joined(a: ListPaper, b: ListPaper) -> ListPaper:
    """One paper from two rows of it: each list's labels joined, text from the first row with it."""

    def union(x: dict[str, list[str]], y: dict[str, list[str]]) -> dict[str, list[str]]:
        out = {k: list(v) for k, v in x.items()}
        for k, v in y.items():
            out[k] = out.get(k, []) + [n for n in v if n not in out.get(k, [])]
        return out

    return ListPaper(
        a.id,
        a.title or b.title,
        a.abstract or b.abstract,
        a.categories or b.categories,
        union(a.lists, b.lists),
        union(a.subtopics, b.subtopics),
    )


def row_text(rec: dict, *, need_title: bool = True) -> tuple[str, str | None, list[str]]:
    """A labelled row's title, abstract and categories, checked, so that a tagger never meets
    a number where it reads text: the title text (KeyError without one, or "" where not
    ``need_title``), the abstract text or null, the categories a list of names or one
    space-separated string of them (as arXiv writes them). Both loaders of labelled papers
    read their rows through it."""
    if not isinstance(rec, dict):
        raise TypeError("a line must be a JSON object")
    if "title" not in rec and "title_hint" in rec:  # a section row names the title so
        rec = {**rec, "title": rec["title_hint"]}
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
