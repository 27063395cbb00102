"""BibTeX: import (bibtexparser 2) and export (arXiv-style ``@misc`` entries).

Import finds the arXiv id wherever BibTeX styles put it: ``eprint`` (+ ``archivePrefix``),
``journal = {arXiv preprint arXiv:2310.08659}``, ``Ar{X}iv:...`` in any field, arXiv URLs
and the arXiv DOI 10.48550/arXiv.*. LaTeX accents and braces become Unicode.

Export writes citekeys ``<firstauthor><year><firstword>``; keys that collide get a, b, c
suffixes in id order, so the same catalog always yields the same keys. Text is escaped so
LaTeX compiles, and words with several capitals keep their case with braces.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from efmcat.errors import ParseError
from efmcat.ids import paper_id_from_link, title_id, try_parse_arxiv_id
from efmcat.importer import Entry, ParseResult
from efmcat.models import Paper
from efmcat.taxonomy import Taxonomy

_ARXIV_IN_TEXT = re.compile(
    r"ar\{?x\}?iv\s*(?:preprint)?\s*(?:ar\{?x\}?iv)?\s*[:/]?\s*"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.I,
)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.I)


# -- import ------------------------------------------------------------------------------
def _author_names(text: str) -> list[str]:
    names = []
    for part in re.split(r"\s+and\s+", " ".join(text.split())):
        part = part.strip().strip("{}")
        if not part or part.lower() == "others":
            continue
        if "," in part:
            last, _, first = part.partition(",")
            part = f"{first.strip()} {last.strip()}".strip()
        names.append(part)
    return names


def _clean(value: str) -> str:
    return " ".join(value.replace("{", "").replace("}", "").replace("~", " ").split())


_CIRCUMFLEX = "\ue000"  # stands for \textasciicircum{} while pylatexenc decodes (it gives U+02C6)


def decode_text(value: str) -> str:
    """A raw BibTeX value as text: enclosing braces or quotes dropped, LaTeX decoded, grouping
    braces removed but escaped ones (\\{ \\}) kept, ``~`` a space, whitespace collapsed."""
    from pylatexenc.latex2text import LatexNodes2Text

    v = value.strip()
    if len(v) >= 2 and ((v[0] == "{" and v[-1] == "}") or (v[0] == '"' and v[-1] == '"')):
        v = v[1:-1]
    v = re.sub(r"\\(?:textasciicircum|\^)\{\}", _CIRCUMFLEX, v)
    text = LatexNodes2Text().latex_to_text(v)
    return " ".join(text.replace(_CIRCUMFLEX, "^").split())


def _arxiv_of(fields: Mapping[str, str], raw: Mapping[str, str]):
    """The arXiv id an entry names, or None."""
    eprint = fields.get("eprint", "")
    prefix = fields.get("archiveprefix", "") or fields.get("eprinttype", "")
    if eprint and (not prefix or prefix.lower() == "arxiv"):
        found = try_parse_arxiv_id(eprint)
        if found:
            return found
    for key in ("journal", "booktitle", "note", "howpublished", "publisher", "volume", "number"):
        for text in (raw.get(key, ""), fields.get(key, "")):
            m = _ARXIV_IN_TEXT.search(text)
            if m:
                found = try_parse_arxiv_id(m.group(1))
                if found:
                    return found
    for key in ("url", "pdf", "link", "eprint"):
        if fields.get(key):
            found = try_parse_arxiv_id(fields[key].strip())
            if found:
                return found
    doi = fields.get("doi", "")
    m = _ARXIV_DOI.search(doi)
    if m:
        return try_parse_arxiv_id(m.group(1))
    return None


def _category(text: str) -> str | None:
    """An arXiv category; arXiv's own export once wrote a whole record (``id='cs.LG' ...``)."""
    m = re.search(r"id\s*=\s*'([^']+)'", text) or re.search(r"\b([a-z-]+(?:\.[A-Za-z-]+)?)\b", text)
    return m.group(1) if m else None


def parse_bibtex(text: str, name: str, path: str | None = None) -> ParseResult:
    """Parse BibTeX; a block that cannot be parsed is a ParseError naming its line."""
    import bibtexparser
    from bibtexparser import middlewares

    where = path or name
    log = logging.getLogger("bibtexparser")
    level = log.level
    log.setLevel(logging.ERROR)  # bibtexparser logs every failed block itself; we raise instead
    try:
        raw_lib = bibtexparser.parse_string(text)
    finally:
        log.setLevel(level)
    for block in raw_lib.failed_blocks:
        if type(block).__name__ == "DuplicateBlockKeyBlock":
            continue
        error = getattr(block, "error", None)
        reason = " ".join(str(getattr(error, "abort_reason", "") or error or "").split())
        key = re.match(r"@\w+\s*[{(]\s*([^,\s]+)", getattr(block, "raw", "") or "")
        what = f"entry {key.group(1)}" if key else "this entry"
        detail = f": {reason}" if reason else ""
        raise ParseError(f"{where}:{block.start_line + 1}: cannot parse {what}{detail}")
    lib = bibtexparser.parse_string(text, append_middleware=[middlewares.LatexDecodingMiddleware()])
    raw_entries = {(e.start_line, e.key): e for e in raw_lib.entries}
    result = ParseResult(source=name)
    for entry in lib.entries:
        line = entry.start_line + 1
        fields = {f.key.lower(): str(f.value) for f in entry.fields}
        raw_entry = raw_entries.get((entry.start_line, entry.key))
        raw = {f.key.lower(): str(f.value) for f in raw_entry.fields} if raw_entry else fields
        result.rows += 1
        title = decode_text(raw["title"]) if "title" in raw else ""
        if not title:
            result.skipped.append((line, f"entry {entry.key} has no title"))
            continue
        arxiv = _arxiv_of(fields, raw)
        doi = fields.get("doi", "").strip() or None
        url = fields.get("url", "").strip() or None
        if arxiv is not None:
            pid = arxiv.id
            link = f"https://arxiv.org/abs/{pid}"
        else:
            pid = None
            link = url
            if doi:
                pid = f"doi:{doi.lower().removeprefix('https://doi.org/')}"
                link = link or f"https://doi.org/{doi}"
            elif url:
                pid = paper_id_from_link(url)
            if pid is None:
                # Known by its title alone (a book, a workshop paper): keep it under a title id.
                pid = title_id(title)
        year_text = fields.get("year", "").strip()
        year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
        if year is None and arxiv is not None and not arxiv.is_old_style:
            year = 2000 + int(arxiv.id[:2])
        journal = _clean(fields.get("journal", "") or fields.get("booktitle", ""))
        primary = _category(fields.get("primaryclass", ""))
        is_arxiv = arxiv is not None
        paper = Paper(
            id=pid,
            title=title,
            version=arxiv.version if arxiv else None,
            authors=_author_names(fields.get("author", "")),
            abstract=" ".join(fields["abstract"].split()) if fields.get("abstract") else None,
            year=year,
            categories=[primary] if primary else [],
            primary_category=primary,
            doi=doi if not (doi and _ARXIV_DOI.match(doi)) else None,
            journal_ref=journal if journal and not _ARXIV_IN_TEXT.search(journal) else None,
            url=f"https://arxiv.org/abs/{pid}" if is_arxiv else link,
            pdf_url=f"https://arxiv.org/pdf/{pid}" if is_arxiv else None,
            source=name,
            verified=False,
        )
        result.entries.append(Entry(paper=paper, line=line, link=link, section=None))
    return result


# -- export --------------------------------------------------------------------------------
_STOP = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "via", "is", "are", "at", "by"}
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIAL_RE = re.compile(r"[\\&%$#_{}~^]")


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def _last_name(author: str) -> str:
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0]
    parts = author.split()
    return parts[-1] if parts else ""


def base_key(rec: Mapping[str, Any]) -> str:
    authors = rec.get("authors") or []
    first = _ascii_word(_last_name(authors[0])) if authors else ""
    year = str(rec.get("year") or "")
    words = [_ascii_word(w) for w in re.split(r"[\s\-:/]+", str(rec.get("title") or ""))]
    words = [w for w in words if w]
    word = next((w for w in words if w not in _STOP), words[0] if words else "")
    key = f"{first or 'anon'}{year}{word}"
    return key or "paper"


def citekeys(records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """id -> citekey; a key shared by several papers gets a, b, c... in id order."""
    groups: dict[str, list[str]] = {}
    for rec in records:
        groups.setdefault(base_key(rec), []).append(rec["id"])
    out: dict[str, str] = {}
    for key, ids in groups.items():
        if len(ids) == 1:
            out[ids[0]] = key
            continue
        for i, pid in enumerate(sorted(ids)):
            out[pid] = key + _suffix(i)
    return out


def _suffix(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters


def latex_escape(text: str) -> str:
    """Escape LaTeX specials; keep Unicode (UTF-8 is LaTeX's default input encoding)."""
    flat = " ".join(str(text).split())
    escaped = _SPECIAL_RE.sub(lambda m: _LATEX_SPECIALS[m.group(0)], flat)
    # Break LaTeX's ligatures so the text reads back as written: -- --- '' `` ?` !`
    return re.sub(r"(?<=[-'`?!])(?=[-'`])", "{}", escaped).replace("{}{}", "{}")


def _protect_case(escaped: str) -> str:
    """Brace words with capitals after the first letter ({GPTQ}, {LLaMA}) so styles keep them."""

    def brace(m: re.Match[str]) -> str:
        word = m.group(0)
        return "{" + word + "}" if re.search(r"[A-Z]", word[1:]) else word

    return re.sub(r"(?<![\\{\w])[A-Za-z][\w.+-]*[A-Za-z0-9]", brace, escaped)


def _field(name: str, value: str) -> str:
    return f"  {name} = {{{value}}},"


def render(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy | None = None) -> str:
    keys = citekeys(records)
    out: list[str] = []
    for rec in sorted(records, key=lambda r: keys[r["id"]]):
        lines = [f"@misc{{{keys[rec['id']]},"]
        lines.append(_field("title", _protect_case(latex_escape(rec.get("title") or ""))))
        authors = [latex_escape(a) for a in rec.get("authors") or []]
        if authors:
            lines.append(_field("author", " and ".join(authors)))
        if rec.get("year"):
            lines.append(_field("year", str(rec["year"])))
        arxiv = rec.get("arxiv_id")
        if arxiv:
            lines.append(_field("eprint", arxiv))
            lines.append(_field("archivePrefix", "arXiv"))
            primary = rec.get("primary_category") or ((rec.get("categories") or [None])[0])
            if primary:
                lines.append(_field("primaryClass", latex_escape(primary)))
        if rec.get("doi"):
            lines.append(_field("doi", latex_escape(rec["doi"])))
        if rec.get("journal_ref"):
            lines.append(_field("journal", latex_escape(rec["journal_ref"])))
        url = rec.get("url") or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None)
        if url:
            lines.append(_field("url", url.replace("%", r"\%").replace("#", r"\#").replace(" ", "%20")))
        lines[-1] = lines[-1].rstrip(",")
        lines.append("}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + ("\n" if out else "")
