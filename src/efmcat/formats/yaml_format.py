"""YAML in the seeds format (see efmcat.formats.seeds): export, and import through its parser.

The export round-trips: export, import into an empty catalog, export again gives the same
text. Titles and abstracts are written with their whitespace folded (as the seeds parser
reads them), tags are the paper's effective tags, and fields equal to what the parser
would derive (the arXiv abs/pdf URLs, ``verified: true``) are left out. The researcher's
own data (reading status, star, citekey, which fields they edited) goes along, so an export
is a backup of the reading list too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from efmcat import validate as V
from efmcat.entries import Entry, ParseResult
from efmcat.taxonomy import Taxonomy
from efmcat.validate import TAG_DECISION_KEYS

SOURCE = "efmcat-export"
_ORDER = (
    "id", "title", "year", "authors", "abstract", "published", "updated", "categories",
    "primary_category", "doi", "journal_ref", "venue", "kind", "comment", "url", "pdf_url", "version",
    "verified", "note", "curator_note", "status", "starred", "citekey", "user_fields", "source", "added_at",
)  # fmt: skip


def _fold(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def paper_mapping(rec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pid = rec["id"]
    is_arxiv = ":" not in pid
    for key in _ORDER:
        value = rec.get(key)
        if key in ("title", "abstract"):
            value = _fold(value)
        if (
            value in (None, "", [])
            or (key == "starred" and not value)
            or (key == "kind" and value == "paper")
        ):
            continue
        if key == "url" and is_arxiv and value == f"https://arxiv.org/abs/{pid}":
            continue
        if key == "pdf_url" and is_arxiv and value == f"https://arxiv.org/pdf/{pid}":
            continue
        if key == "verified":
            if value is True:
                continue
            value = False
        if key == "url" and not is_arxiv:
            out["link"] = value
            continue
        out[key] = list(value) if isinstance(value, (list, tuple)) else value
    if rec.get("tags"):
        out["tags"] = list(rec["tags"])
    for key in TAG_DECISION_KEYS:  # who decided them: the tagger's are its again on import
        if rec.get(key):
            out[key] = list(rec[key])
    if rec.get("sources"):  # the lists it is listed in, as seeds rows (file: the locator)
        out["rows"] = [
            {k: v for k, v in (("source", r["source"]), ("file", r["locator"]), ("section", r.get("section")),
                               ("title", r.get("title")), ("link", r.get("link"))) if v is not None}
            for r in rec["sources"]
        ]  # fmt: skip
    return out


HEADER = "# efmcat catalog in the seeds format: `efmcat import FILE` reads it back.\n"
_DUMP = {"sort_keys": False, "allow_unicode": True, "width": 100, "default_flow_style": None}


def _dumper():
    """libyaml's safe dumper where PyYAML has it (the same text as the pure-Python one on the
    shipped and the bench catalogs, 4-5x faster), else the pure-Python one."""
    import yaml

    return getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def render(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy | None = None) -> str:
    import yaml

    data = {"source": SOURCE, "papers": [paper_mapping(r) for r in records]}
    return HEADER + yaml.dump(data, Dumper=_dumper(), **_DUMP)


def write(records: Iterable[Mapping[str, Any]], out: IO[str], taxonomy: Taxonomy | None = None) -> int:
    """``render`` written to ``out`` a paper at a time (the same text: a block sequence under
    ``papers:`` is not indented, so each item dumps alone exactly as in the whole list)."""
    import yaml

    dumper = _dumper()
    out.write(HEADER + yaml.dump({"source": SOURCE}, Dumper=dumper, **{**_DUMP, "default_flow_style": False}))
    n = 0
    for rec in records:
        out.write(("papers:\n" if n == 0 else "") + yaml.dump([paper_mapping(rec)], Dumper=dumper, **_DUMP))
        n += 1
    if n == 0:
        out.write("papers: []\n")
    return n


def parse_yaml(text: str, name: str, path: str, taxonomy: Taxonomy) -> ParseResult:
    """Seeds YAML as import entries; tags must be taxonomy nodes (ParseError names the line)."""
    from efmcat.formats.seeds import parse_seeds

    source, papers = parse_seeds(text, path)
    result = ParseResult(source=name)
    for sp in papers:
        V.known_tags([*sp.tags, *sp.decisions.get("removed_tags", [])], f"{path}:{sp.line}", taxonomy)
        result.rows += 1
        first = (sp.rows or [{}])[0]
        result.entries.append(
            Entry(
                paper=sp.paper,
                line=sp.line,
                link=first.get("link") or sp.paper.url,
                section=first.get("section") or (sp.sections[0] if sp.sections else None),
                source_title=first.get("title"),
                sources=_backup_sources(sp, f"{path}:{sp.line}") if source == SOURCE else None,
                **({"tags": list(sp.tags), "auto_tag": not sp.tags} | sp.decisions),
            )
        )
    return result


def _backup_sources(sp: Any, where: str) -> list[dict[str, str | None]] | None:
    """An export's rows as the paper's source rows, checked as JSON's ``sources`` are
    (None: an export older than them)."""
    if not sp.rows:
        return None
    rows = [{**{k: v for k, v in r.items() if k != "file"}, "locator": r.get("file")} for r in sp.rows]
    return V.source_rows(rows, where)
