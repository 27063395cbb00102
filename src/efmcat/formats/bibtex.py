"""BibTeX: import (bibtexparser 2) and export (arXiv-style ``@misc`` entries).

Import finds the arXiv id wherever BibTeX styles put it: ``eprint`` (+ ``archivePrefix``),
``journal = {arXiv preprint arXiv:2310.08659}``, ``Ar{X}iv:...`` in any field, arXiv URLs
and the arXiv DOI 10.48550/arXiv.*. LaTeX accents and braces become Unicode.

Export writes citekeys ``<firstauthor><year><firstword>``; keys that collide get a, b, c
suffixes in id order, so the same catalog always yields the same keys. Text is escaped so
LaTeX compiles, and words with several capitals keep their case with braces.
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from efmcat.entries import Entry, ParseResult
from efmcat.errors import ParseError
from efmcat.ids import ArxivId, doi_of_id, paper_id_from_link, title_id, try_parse_arxiv_id
from efmcat.latex import literal_quotes
from efmcat.models import ET_AL, Paper, named_authors, with_et_al
from efmcat.taxonomy import Taxonomy
from efmcat.validate import LINK_RE

_ARXIV_IN_TEXT = re.compile(
    r"ar\{?x\}?iv\s*(?:preprint)?\s*(?:ar\{?x\}?iv)?\s*[:/]?\s*"
    r"(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)",
    re.I,
)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(\S+)", re.I)


# -- import ------------------------------------------------------------------------------
_NAME_SEP = "\ue001"  # between the names of an author list while it is decoded in one go


def _author_names(text: str) -> list[str]:
    """The names of a BibTeX author list as written (LaTeX, braces), each first name first.

    Split as BibTeX does: on ``and`` outside braces (``{Research and Development Team}`` is
    one name), each name read in its three forms (``First von Last``, ``von Last, First``,
    ``von Last, Jr, First``: ``King, Jr., Martin Luther`` is "Martin Luther King Jr.").
    ``others`` (BibTeX's "et al.") is no name: a list ending with it is stored ending with
    :data:`~efmcat.models.ET_AL`, so that an export says the list goes on."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    merged = []
    names = _split_names(" ".join(text.split()))
    more = bool(names) and names[-1].lower() == ET_AL
    for name in names:
        if name.lower() == ET_AL:
            continue
        merged.append(parse_single_name_into_parts(name, strict=False).merge_first_name_first)
    if not merged:
        return []
    # One decode for the whole list (pylatexenc's cost is per call as much as per character).
    decoded = _decode(_NAME_SEP.join(merged)).split(_NAME_SEP)
    if len(decoded) != len(merged):  # a name's LaTeX took the separator (a trailing "\\")
        decoded = [_decode(n) for n in merged]
    out = [n for n in (" ".join(d.split()) for d in decoded) if n]
    return with_et_al([*out, ET_AL] if more else out)


_NAME_TOKEN = re.compile(r"\\.|[{}]|\s+and\s+", re.I | re.S)


def _split_names(text: str) -> list[str]:
    """An author list split on ``and`` (any case) outside braces, as BibTeX splits it;
    escaped braces (``\\{``) group nothing. bibtexparser's splitter takes ``\\{`` for a group."""
    names, start, depth = [], 0, 0
    for m in _NAME_TOKEN.finditer(text):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif token[0].isspace() and depth == 0:
            names.append(text[start : m.start()])
            start = m.end()
    names.append(text[start:])
    return [n.strip() for n in names if n.strip()]


def _clean(value: str) -> str:
    return " ".join(value.replace("{", "").replace("}", "").replace("~", " ").split())


_CIRCUMFLEX = "\ue000"  # stands for \textasciicircum{} while pylatexenc decodes (it gives U+02C6)


_SUB_DIGITS = str.maketrans("0123456789+-", "₀₁₂₃₄₅₆₇₈₉₊₋")
_SUP_DIGITS = str.maketrans("0123456789+-n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ")
_UNSPELL = {r"\copyright{}": "©", r"\pounds{}": "£", r"$^\circ$": "°"}


def _unspell(v: str) -> str:
    """Read back the spellings to_latex writes that pylatexenc does not know (H$_2$O, ©)."""
    v = re.sub(r"\$_\{?([0-9+-]+)\}?\$", lambda m: m.group(1).translate(_SUB_DIGITS), v)
    v = re.sub(r"\$\^\{?([0-9+-n]+)\}?\$", lambda m: m.group(1).translate(_SUP_DIGITS), v)
    for spelled, char in _UNSPELL.items():
        v = v.replace(spelled, char)
    return v


def decode_text(value: str) -> str:
    """A BibTeX value (as bibtexparser gives it: its delimiters already off) as text: LaTeX
    decoded, grouping braces removed but escaped ones (\\{ \\}) kept, ``~`` a space,
    whitespace collapsed. Quotes are the text's own (``{"Ask Me Anything"}``), kept."""
    v = value.strip()
    if _one_group(v):  # {{Title}}: pylatexenc would drop the braces too; cheaper here
        v = v[1:-1]
    return " ".join(_decode(v).split())


def _one_group(v: str) -> bool:
    """Whether ``v`` is one brace group whole: ``{GPTQ} for {LLaMA}`` is two, and taking
    its first and last brace off would leave ``GPTQ} for {LLaMA``."""
    if not (v.startswith("{") and v.endswith("}")):
        return False
    depth = 0
    for m in re.finditer(r"\\.|[{}]", v):
        if m.group(0) in "{}":
            depth += 1 if m.group(0) == "{" else -1
            if depth == 0:
                return m.end() == len(v)
    return False


# What pylatexenc reads as LaTeX: text with none of it is its own decoding (most names and
# titles: pylatexenc costs ~15 µs a character).
_LATEX = re.compile(r"[\\{}$%&~#^_]|!`|\?`|``|''|--")


def _decode(v: str) -> str:
    """LaTeX ``v`` as text (the spellings the export writes read back), whitespace as it is.
    A ``\\"`` quoting a word is a quote, not an umlaut (efmcat.latex.literal_quotes)."""
    if not _LATEX.search(v):
        return v
    v = literal_quotes(v)
    v = re.sub(r"\\(?:textasciicircum|\^)\{\}", _CIRCUMFLEX, v)
    v = _unspell(v)
    return _latex2text().latex_to_text(v).replace(_CIRCUMFLEX, "^")


@functools.cache
def _latex2text():
    """One converter for every value: building one sets up pylatexenc's whole macro table
    (~3 ms), more than decoding a title; an export of 10,000 entries built 10,000."""
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    context.add_context_category(
        "efmcat",
        prepend=True,
        macros=[MacroTextSpec(name, discard=False) for name in _KEPT_MACROS]
        + [MacroTextSpec(name, text) for name, text in _TEXT_MACROS.items()],
    )
    return LatexNodes2Text(latex_context=context)


# Macros pylatexenc parses with their argument but then drops whole (``\\texttt{vLLM}`` gave
# nothing): the argument is text. And macros it drops that stand for text of their own.
_KEPT_MACROS = ("texttt", "textsf", "textup", "textmd", "textnormal", "mbox")
_TEXT_MACROS = {
    "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "TeX": "TeX", "BibTeX": "BibTeX", "textquotedbl": '"',
    "textbraceleft": "{", "textbraceright": "}",
}  # fmt: skip


def _arxiv_of(fields: Mapping[str, str], raw: Mapping[str, str]) -> ArxivId | None:
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
    volume = _ARXIV_VOLUME.fullmatch(verbatim_text(raw.get("volume", "")))
    if volume and _NOT_A_VENUE.search(fields.get("journal", "").strip()):
        # Semantic Scholar's and DBLP's arXiv papers: journal = {ArXiv} or {CoRR}, volume = {abs/<id>}
        found = try_parse_arxiv_id(volume.group(1))
        if found:
            return found
    for key in ("url", "pdf", "link", "eprint"):
        if fields.get(key):
            found = try_parse_arxiv_id(fields[key].strip())
            if found:
                return found
    for link in _arxiv_links(raw):
        found = try_parse_arxiv_id(link)
        if found:
            return found
    doi = fields.get("doi", "")
    m = _ARXIV_DOI.search(doi)
    if m:
        return try_parse_arxiv_id(m.group(1))
    return None


_ARXIV_VOLUME = re.compile(r"abs/(\S+)", re.I)
# An arXiv link in running text (``howpublished = {\url{https://arxiv.org/abs/...}}``, a note)
_ARXIV_LINK = re.compile(r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/[^\s{}\\]+", re.I)
# "arXiv:" and what is shaped like an id without being one (arXiv:2401.1234)
_LOOSE_ID = re.compile(r"ar\{?x\}?iv\s*:\s*(\d{4}\.\d+(?:v\d+)?|[a-z-]+(?:\.[a-z]{2})?/\d+(?:v\d+)?)", re.I)


def _arxiv_links(raw: Mapping[str, str]) -> list[str]:
    """The arxiv.org links in an entry's ``howpublished`` and ``note``, as written."""
    return [
        m.group(0).rstrip(".,;:)")
        for key in ("howpublished", "note")
        for m in _ARXIV_LINK.finditer(verbatim_text(raw.get(key, "")))
    ]


def _howpublished_link(raw: Mapping[str, str]) -> str | None:
    """The web link ``howpublished`` holds, where an entry has no ``url``: the way BibTeX
    styles without a url field cite a web page (``howpublished = {\\url{https://...}}``, a
    blog post, a project page). Only a value that is the link alone, braces and ``\\url``
    aside; a sentence that mentions one is no page's address."""
    value = verbatim_text(raw.get("howpublished", ""))
    return value if re.fullmatch(r"https?://[^\s{}\\]+", value) else None


def _malformed_arxiv(raw: Mapping[str, str]) -> str | None:
    """What an entry without an arXiv id gives as one though it is not a valid id, as
    written: an ``eprint`` of arXiv's (``2401.1234``), an arxiv.org link, ``arXiv:...``."""
    eprint = verbatim_text(raw.get("eprint", ""))
    prefix = _clean(raw.get("archiveprefix", "") or raw.get("eprinttype", "")).lower()
    if eprint and (prefix == "arxiv" or (not prefix and re.match(r"\d{4}\.\d", eprint))):
        return eprint
    for key in ("url", "pdf", "link"):
        value = verbatim_text(raw.get(key, ""))
        if _ARXIV_LINK.match(value):
            return value
    links = _arxiv_links(raw)
    if links:
        return links[0]
    for key in ("journal", "booktitle", "note", "howpublished"):
        m = _LOOSE_ID.search(raw.get(key, ""))
        if m:
            return m.group(1)
    return None


def _category(text: str) -> str | None:
    """An arXiv category; arXiv's own export once wrote a whole record (``id='cs.LG' ...``)."""
    m = re.search(r"id\s*=\s*'([^']+)'", text) or re.search(r"\b([a-z-]+(?:\.[A-Za-z-]+)?)\b", text)
    return m.group(1) if m else None


def parse_bibtex(text: str, name: str, path: str | None = None) -> ParseResult:
    """Parse BibTeX; a block that cannot be parsed is a ParseError naming its line.

    Every entry is read, those sharing a citekey too (they are different papers as often
    as not); a key already used in the file is not given to the later entries."""
    result = ParseResult(source=name)
    used: set[str] = set()
    found = _raw_entries(text, path or name)
    for line, raw_entry in _with_crossrefs(found):
        result.rows += 1
        own_key = raw_entry.key not in used
        used.add(raw_entry.key)
        read = _read_entry(raw_entry, line, name, raw_entry.key if own_key else None)
        if isinstance(read, Entry):
            result.entries.append(read)
            if read.paper.arxiv_id is None:
                bad = _malformed_arxiv({f.key.lower(): str(f.value) for f in raw_entry.fields})
                if bad is not None:
                    result.malformed.append((line, f"{bad} (entry {raw_entry.key})"))
        else:
            result.skipped.append((line, read))
    return result


# What a crossref names when it is a volume, not a paper (@proceedings of an @inproceedings).
_CONTAINERS = frozenset({"proceedings", "book", "collection", "reference", "periodical"})
_CONTAINERS |= {"mv" + kind for kind in _CONTAINERS}  # biblatex's multi-volume ones
_INHERITED = ("year", "booktitle", "journal")  # what a paper takes from its crossref, if it lacks it


def _with_crossrefs(found: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """The entries with BibTeX's crossref semantics: an entry takes the year, booktitle and
    journal it lacks from the entry its ``crossref`` names (the title of a @proceedings or
    @book is the booktitle), and such a volume that an entry of the file crossrefs is not a
    paper of its own (DBLP's exports "with crossref")."""
    from bibtexparser.model import Entry as BibEntry
    from bibtexparser.model import Field

    by_key: dict[str, Any] = {}
    for _, e in found:
        by_key.setdefault(e.key.lower(), e)
    targets: set[int] = set()
    out: list[tuple[int, Any, Any]] = []  # (line, the entry, the entry with what it inherits)
    for line, e in found:
        ref = next((verbatim_text(str(f.value)) for f in e.fields if f.key.lower() == "crossref"), "")
        target = by_key.get(ref.lower()) if ref else None
        if target is None or target is e:
            out.append((line, e, e))
            continue
        if target.entry_type.lower() in _CONTAINERS:
            targets.add(id(target))
        own = {f.key.lower() for f in e.fields}
        theirs = {f.key.lower(): f.value for f in target.fields}
        if "booktitle" not in theirs and "title" in theirs and target.entry_type.lower() in _CONTAINERS:
            theirs["booktitle"] = theirs["title"]
        extra = [Field(k, theirs[k]) for k in _INHERITED if k in theirs and k not in own]
        out.append((line, e, BibEntry(e.entry_type, e.key, [*e.fields, *extra]) if extra else e))
    return [(line, read) for line, e, read in out if id(e) not in targets]


def _raw_entries(text: str, where: str) -> list[tuple[int, Any]]:
    """(line, bibtexparser Entry) of every entry in file order, values as written (no LaTeX
    decoding). bibtexparser sets aside a second entry under a used key as a failed block;
    it is parsed again on its own, against the file's @string definitions."""
    import bibtexparser
    from bibtexparser import Library

    lib = _quiet_parse(text)
    found = [(e.start_line + 1, e) for e in lib.entries]
    for block in lib.failed_blocks:
        if type(block).__name__ != "DuplicateBlockKeyBlock":
            raise _parse_error(block, where)
        if not _is_entry(block.ignore_error_block):
            continue  # a second @string of a name: the first one holds
        alone = bibtexparser.parse_string(block.raw, library=Library(list(lib.strings)))
        found.extend((block.start_line + 1, e) for e in alone.entries)
    strings = {s.key.lower(): s.value for s in lib.strings}
    for _, e in found:
        for f in e.fields:  # bibtexparser leaves "a" # nips # {b} as written
            if "#" in f.value and getattr(f, "enclosing", None) == "no-enclosing":
                joined = _concatenated(f.value, strings)
                if joined is not None:
                    f.value = joined
    return sorted(found, key=lambda item: item[0])


def _concatenated(value: str, strings: dict[str, str]) -> str | None:
    """A value written as parts joined by ``#`` (``"Part one " # nips # {2023}``), joined;
    None when it is not one, or names a @string the file does not define (left as written)."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    if not parts:
        return None
    out = []
    for part in (p.strip() for p in [*parts, value[start:]]):
        if len(part) >= 2 and (part[0], part[-1]) in (('"', '"'), ("{", "}")):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        elif part.lower() in strings:
            out.append(strings[part.lower()])
        else:
            return None
    return "".join(out)


def _quiet_parse(text: str) -> Any:
    """The file as bibtexparser splits it (no LaTeX decoding), its failed blocks unlogged."""
    import bibtexparser

    log = logging.getLogger("bibtexparser")
    level = log.level
    log.setLevel(logging.ERROR)  # bibtexparser logs every failed block itself; we raise instead
    try:
        return bibtexparser.parse_string(text)
    finally:
        log.setLevel(level)


def _is_entry(block: Any) -> bool:
    """Whether a bibtexparser block is an entry (not a failed block, @string or comment)."""
    from bibtexparser.model import Entry as BibEntry

    return isinstance(block, BibEntry)


def _parse_error(block: Any, where: str) -> ParseError:
    error = getattr(block, "error", None)
    reason = " ".join(str(getattr(error, "abort_reason", "") or error or "").split())
    key = re.match(r"@\w+\s*[{(]\s*([^,\s]+)", getattr(block, "raw", "") or "")
    what = f"entry {key.group(1)}" if key else "this entry"
    detail = f": {reason}" if reason else ""
    return ParseError(f"{where}:{block.start_line + 1}: cannot parse {what}{detail}")


@functools.cache
def _latex_decoding() -> Any:
    """One middleware for every entry: its decoder sets up pylatexenc's whole macro table."""
    from bibtexparser import middlewares

    return middlewares.LatexDecodingMiddleware()


# Fields that are verbatim in BibTeX (the url package, biblatex): ``~`` and ``&`` are
# characters there, not a space and an alignment tab.
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "pdf", "link"})
DECODED_FIELDS = frozenset(
    {"abstract", "journal", "booktitle", "year", "primaryclass", "archiveprefix", "eprinttype"}
)


def _entry_fields(raw_entry: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(fields, raw) of an entry, by lowercase name: LaTeX decoded (verbatim fields as
    written, less their escapes) and as written."""
    from bibtexparser.model import Entry as BibEntry
    from bibtexparser.model import Field

    raw = {f.key.lower(): str(f.value) for f in raw_entry.fields}
    # A copy to decode (the values as written stay) of the text fields the import reads:
    # pylatexenc is most of an import's time, and would mangle the verbatim fields (and
    # warn about a "\url" in a link). Title, note and the authors (split first: braces
    # group names) are decoded from ``raw`` as needed.
    text_fields = [Field(f.key, f.value) for f in raw_entry.fields if f.key.lower() in DECODED_FIELDS]
    decoded = _latex_decoding().transform_block(
        BibEntry(raw_entry.entry_type, raw_entry.key, text_fields), None
    )
    if not _is_entry(decoded):  # pylatexenc failed on a value: keep what it could decode
        decoded = decoded.ignore_error_block
    fields = {f.key.lower(): str(f.value) for f in decoded.fields}
    for key in VERBATIM_FIELDS & raw.keys():
        fields[key] = verbatim_text(raw[key])
    return fields, raw


_UNESCAPE = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^"}
_UNESCAPE_RE = re.compile(r"\\(?:textbackslash|textasciitilde|textasciicircum)\{\}|\\([&%$#_{}])")


VERBATIM_DEPTH = 8  # enclosing groups taken off a verbatim value; deeper ones stay as written


def verbatim_text(value: str) -> str:
    """A url-like value as written: enclosing braces or ``\\url{}`` dropped, the LaTeX escapes
    of specials (``\\%``, ``\\_``, ``\\textasciitilde{}``: what the export writes) undone,
    whitespace collapsed; ``~`` and ``&`` stay as they are."""
    v = " ".join(value.split())
    for _ in range(VERBATIM_DEPTH):  # each pass reads the whole value: a bounded number
        inner = re.fullmatch(r"(?:\\url\s*)?\{(.*)\}|\"(.*)\"", v, re.S)
        body = inner and (inner.group(1) if inner.group(1) is not None else inner.group(2))
        if body is None or not _balanced(body):
            break
        v = body.strip()
    return _UNESCAPE_RE.sub(lambda m: m.group(1) or _UNESCAPE[m.group(0)], v)


def _balanced(text: str) -> bool:
    """Whether unescaped braces in ``text`` pair up (``{a}{b}`` is not one group)."""
    depth = 0
    for m in re.finditer(r"\\.|[{}]", text):
        if m.group(0) in "{}":
            depth += 1 if m.group(0) == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def _read_entry(raw_entry: Any, line: int, name: str, citekey: str | None) -> Entry | str:
    """The import Entry of one BibTeX entry, or why it is skipped."""
    fields, raw = _entry_fields(raw_entry)
    title = decode_text(raw["title"]) if "title" in raw else ""
    if not title:
        return f"entry {raw_entry.key} has no title"
    arxiv = _arxiv_of(fields, raw)
    doi = _DOI_LINK.sub("", fields.get("doi") or "") or None  # a DOI written as its link
    url = fields.get("url") or _howpublished_link(raw) or None
    if url is not None and not LINK_RE.fullmatch(url):
        url = None  # not a web link (javascript:..., a bare host): a BibTeX file's, left out
    year_text = fields.get("year", "").strip()
    year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
    venue = venue_of(raw, year)
    if arxiv is not None and (year is None or venue is None):
        # an arXiv paper's year is its first version's, as add and the lists give it; arXiv's
        # own BibTeX says the latest version's (2024 for FP8 Quantization, 2208.09225), a
        # venue its own year (kept: it is the venue's)
        year = arxiv.year
    journal = _clean(fields.get("journal", "") or fields.get("booktitle", ""))
    if not journal and raw_entry.entry_type.lower() == "misc" and raw.get("note"):
        # The export writes a journal reference it cannot class as a venue as a @misc note.
        journal = decode_text(raw["note"])
    primary = _category(fields.get("primaryclass", ""))
    if arxiv is not None:
        pid, link = arxiv.id, f"https://arxiv.org/abs/{arxiv.id}"
    else:
        pid = paper_id_of(doi, url) or title_id(title)  # a book, a workshop paper: its title
        link = url or (f"https://doi.org/{doi}" if doi else None)
    paper = Paper(
        id=pid,
        title=title,
        version=arxiv.version if arxiv else None,
        authors=_author_names(raw.get("author", "")),
        abstract=" ".join(fields["abstract"].split()) if fields.get("abstract") else None,
        year=year,
        categories=[primary] if primary else [],
        primary_category=primary,
        doi=doi if not (doi and _ARXIV_DOI.match(doi)) else None,
        # a known venue's full name is the venue (the export writes it back from there): not
        # a journal reference of its own as well
        journal_ref=journal
        if journal and not _ARXIV_IN_TEXT.search(journal) and not _names_venue(raw, venue)
        else None,
        url=link,
        pdf_url=f"https://arxiv.org/pdf/{pid}" if arxiv else None,
        source=name,
        verified=False,
        venue=venue,
    )
    return Entry(paper=paper, line=line, link=link, section=None, citekey=citekey)


def paper_id_of(doi: str | None, url: str | None) -> str | None:
    """The id of a paper not on arXiv: the one its link names when that is a paper's page
    (``openreview:``, ``acl:``, ``ieee:``, a DOI in the link: what every import calls it),
    else ``doi:`` its DOI, else ``url:`` its link; None with neither."""
    linked = paper_id_from_link(url) if url else None
    if linked is not None and not linked.startswith("url:"):
        return linked
    if doi:
        return "doi:" + _DOI_LINK.sub("", doi).lower()
    return linked


_DOI_LINK = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/", re.I)  # a DOI given as its link


_NOT_A_VENUE = re.compile(r"\barxiv\b|^corr$", re.I)  # arXiv itself (CoRR: DBLP's name for it)


def venue_of(raw: Mapping[str, str], year: int | None) -> str | None:
    """Where an entry appeared (``journal`` or ``booktitle``) as efmcat names venues: a
    known venue's full name, the one the export writes, as its short name and the year
    ("Advances in Neural Information Processing Systems", 2022 -> "NeurIPS 2022"), any
    other name as it is written. None for arXiv itself."""
    text = decode_text(raw.get("journal") or raw.get("booktitle") or "")
    if not text or _NOT_A_VENUE.search(text):
        return None
    m = _FINDINGS.fullmatch(text)
    if m and m.group(1).lower() in VENUES:
        return f"{m.group(1).upper()}{' ' + m.group(2) if m.group(2) else ''} Findings"
    m = re.fullmatch(r"(.*?),?\s*\(?((?:19|20)\d{2})?\)?", text)
    key = _FULL_NAMES.get(_name_key(m.group(1) if m else text))
    if key is None:
        return text
    when = (m.group(2) if m else None) or (str(year) if year else None)
    return f"{_SHORT_NAMES.get(key, key.upper())}{' ' + when if when else ''}"


def _names_venue(raw: Mapping[str, str], venue: str | None) -> bool:
    """Whether the entry's journal or booktitle is a known venue's full name, which
    :func:`venue_of` read as that venue (its short name and year). Another name is kept as
    the journal reference too, as written."""
    return venue is not None and venue != decode_text(raw.get("journal") or raw.get("booktitle") or "")


def _name_key(name: str) -> str:
    """A venue's full name as compared: lowercase, without "Proceedings of the"."""
    return re.sub(r"^proceedings of (?:the )?", "", " ".join(name.lower().split()))


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


def author_key(rec: Mapping[str, Any]) -> str:
    """The first part of a generated key: the first author's last name, as ASCII."""
    authors, _ = named_authors(rec.get("authors") or [])
    return _ascii_word(_last_name(authors[0])) if authors else ""


def base_key(rec: Mapping[str, Any]) -> str:
    """``<firstauthor><year><firstword>``: the key before a collision's suffix. An arXiv
    paper with no authors is ``arxiv<id>`` (``arxiv2401.05391``): "anon2024efficient" was
    shared by a dozen papers, numbered a, b, c in id order, so one paper added or given its
    authors renamed the others' keys, and a citation named another paper."""
    first = author_key(rec)
    if not first:
        arxiv = try_parse_arxiv_id(str(rec.get("id") or ""))
        if arxiv is not None:
            return "arxiv" + arxiv.id.replace("/", "")
    year = str(rec.get("year") or "")
    words = (w for w in map(_ascii_word, re.split(r"[\s\-:/]+", str(rec.get("title") or ""))) if w)
    lead = next(words, "")
    word = lead if lead not in _STOP else next((w for w in words if w not in _STOP), lead)
    key = f"{first or 'anon'}{year}{word}"
    return key or "paper"


def citekeys(records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """id -> citekey. The user's own key (``citekey``: from an imported .bib file or
    ``efmcat edit``) is kept; the others are generated, and a generated key shared by
    several papers (or taken by a user's key) gets a, b, c... in id order."""
    return citekeys_of((r["id"], r.get("citekey"), base_key(r)) for r in records)


def citekeys_of(items: Iterable[tuple[str, str | None, str]]) -> dict[str, str]:
    """:func:`citekeys` from (id, the user's key or None, base_key) of each paper: what a
    streamed export keeps of each record (not the record) to number the keys."""
    items = sorted(items)
    out: dict[str, str] = {}
    taken: set[str] = set()  # case-folded: BibTeX takes Dao2022 and dao2022 for one key
    for pid, own, _ in items:
        if own and own.casefold() not in taken:
            out[pid] = own
            taken.add(own.casefold())
    groups: dict[str, list[str]] = {}
    for pid, _, base in items:
        if pid not in out:
            groups.setdefault(base, []).append(pid)
    for key, ids in sorted(groups.items()):
        if len(ids) == 1 and key.casefold() not in taken:
            out[ids[0]] = key
            taken.add(key.casefold())
            continue
        i = 0
        for pid in sorted(ids):
            while (key + _suffix(i)).casefold() in taken:
                i += 1
            out[pid] = key + _suffix(i)
            taken.add(out[pid].casefold())
            i += 1
    return out


def number_keys(
    db: sqlite3.Connection,
    items: Iterable[tuple[str, str | None, str]],
    others: Callable[[Callable[[str], bool]], Iterable[tuple[str, str | None, str]]] | None = None,
    *,
    keep_others: bool = False,
) -> int:
    """:func:`citekeys_of` in a scratch database (efmcat.scratch) instead of memory: fills its
    table ``keys (key, id)`` with the same keys for ``items``; returns their number. Read the
    entries in key order with ``SELECT key, id FROM keys ORDER BY key``.

    ``others(known)`` gives the rest of the catalog a key of ``items`` could collide with
    (``known(id)``: the paper is one of ``items``, its key need not be made): they are numbered
    with ``items``, so a paper's key does not depend on the selection exported with it;
    ``keep_others``: their keys stay in ``keys`` too)."""
    from efmcat.scratch import insert_all

    db.execute("CREATE TABLE items (id TEXT PRIMARY KEY, own TEXT, base TEXT, chosen INTEGER)")
    # NOCASE: BibTeX takes Dao2022 and dao2022 for one key (the second entry is dropped)
    db.execute("CREATE TABLE keys (key TEXT PRIMARY KEY COLLATE NOCASE, id TEXT)")
    n = insert_all(db, "INSERT INTO items VALUES (?, ?, ?, 1)", items)
    if others is not None:

        def known(pid: str) -> bool:
            return db.execute("SELECT 1 FROM items WHERE id = ?", (pid,)).fetchone() is not None

        insert_all(db, "INSERT OR IGNORE INTO items VALUES (?, ?, ?, 0)", others(known))
    # The user's own keys: the first paper (by id) with a key gets it.
    db.execute(
        # (own: the bare column of the row with min(id), as SQLite gives it)
        "INSERT INTO keys SELECT own, min(id) FROM items WHERE own IS NOT NULL AND own <> '' "
        "GROUP BY own COLLATE NOCASE"
    )
    # The rest, by base key then id: a base key of one paper that nothing took is kept,
    # the others get the first free suffixes (a, b, ...), in id order.
    db.execute(
        "CREATE TABLE todo AS SELECT base, id, count(*) OVER (PARTITION BY base) AS size FROM items "
        "WHERE id NOT IN (SELECT id FROM keys) ORDER BY base, id"
    )

    def taken(key: str) -> bool:
        return db.execute("SELECT 1 FROM keys WHERE key = ?", (key,)).fetchone() is not None

    db.execute("BEGIN")
    current, i = None, 0
    for base, pid, size in db.execute("SELECT base, id, size FROM todo ORDER BY rowid"):
        if base != current:
            current, i = base, 0
        if size == 1 and not taken(base):
            key = base
        else:
            while taken(base + _suffix(i)):
                i += 1
            key = base + _suffix(i)
            i += 1
        db.execute("INSERT INTO keys VALUES (?, ?)", (key, pid))
    if others is not None and not keep_others:  # only the chosen papers' keys are read back
        db.execute("DELETE FROM keys WHERE id IN (SELECT id FROM items WHERE chosen = 0)")
    db.execute("COMMIT")
    return n


def _suffix(i: int) -> str:
    letters = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters


@functools.lru_cache(maxsize=1 << 14)
def latex_escape(text: str) -> str:
    """Escape LaTeX specials, then spell non-ASCII characters the way pdflatex reads them
    without any package (accents as {\'e}, H₂O as H$_2$O, Greek as $\alpha$).

    Remembered for the last 16,384 distinct texts: the same author names and venues recur
    entry after entry, and a name with a non-ASCII letter costs a LaTeX decode (the check
    that the spelling reads back) of about a millisecond."""
    escaped = _escape_specials(without_ogonek(text))
    return _readable(text, escaped, to_latex(escaped))


def _readable(text: str, escaped: str, spelled: str) -> str:
    """``spelled`` (non-ASCII spelled in LaTeX for pdflatex) when it reads back as ``text``,
    else ``escaped`` with the characters as written: an import gives back what was exported
    (pdflatex may then need inputenc for a rare character such as a spacing cedilla). The
    one loss kept on purpose is the ogonek (see without_ogonek)."""
    target = without_ogonek(" ".join(str(text).split()))
    if spelled == escaped or decode_text(spelled) == target:
        return spelled
    # one character with no faithful spelling ("ﬁ" pasted from a PDF) keeps only itself as
    # written: the rest is still spelled (it made the whole title raw Unicode)
    mixed = _RUN_RE.sub(_spelled_if_faithful, escaped)
    if decode_text(mixed) == target:
        return mixed
    return without_ogonek(escaped)


def _spelled_if_faithful(m: re.Match[str]) -> str:
    run = m.group(0)
    spelled = to_latex(run)
    return spelled if decode_text(spelled) == without_ogonek(run) else run


def without_ogonek(text: str) -> str:
    """``text`` as the BibTeX export gives it back: pdflatex's default OT1 fonts have no
    ogonek, so ``ę`` is written (and reads back) as ``e``; nothing else is lost."""
    if "\u0328" not in unicodedata.normalize("NFD", text):
        return text
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).replace("\u0328", ""))


def _escape_specials(text: str) -> str:
    """Spaces folded, LaTeX specials escaped, and LaTeX's ligatures broken so the text reads
    back as written: -- --- '' `` ?` !`. A brace with no partner is spelled as a symbol: BibTeX
    counts ``\\{`` and ``\\}`` as braces too, and one left open or closed ends the field early."""
    flat = " ".join(str(text).split())
    unpaired = _unpaired_braces(flat)

    def escape(m: re.Match[str]) -> str:
        char = m.group(0)
        if m.start() in unpaired:
            return r"\textbraceleft{}" if char == "{" else r"\textbraceright{}"
        return _LATEX_SPECIALS[char]

    escaped = _SPECIAL_RE.sub(escape, flat)
    return re.sub(r"(?<=[-'`?!])(?=[-'`])", "{}", escaped).replace("{}{}", "{}")


def _unpaired_braces(text: str) -> set[int]:
    """The offsets of the braces in ``text`` that pair with none (``a}b{``: both)."""
    opened: list[int] = []
    unpaired: set[int] = set()
    for i, char in enumerate(text):
        if char == "{":
            opened.append(i)
        elif char == "}":
            if opened:
                opened.pop()
            else:
                unpaired.add(i)
    return unpaired | set(opened)


_ACCENTS = {
    "\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0304": "=",
    "\u0307": ".", "\u0327": "c", "\u030c": "v", "\u0306": "u", "\u030a": "r", "\u0328": "",
    "\u030b": "H", "\u0323": "d",
}  # fmt: skip
_CHARS = {
    "ß": r"{\ss}", "ø": r"{\o}", "Ø": r"{\O}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}",
    "Œ": r"{\OE}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}", "đ": "d", "Đ": "D", "þ": "th",
    "–": "--", "—": "---", "‐": "-", "‑": "-", "‚": ",", "“": "``",
    # not ` and ': those read back as the ASCII quote, so ’ failed the read-back check and
    # stayed as written; the macros (pdflatex's OT1 has both) read back as ‘ and ’
    "‘": r"\textquoteleft{}", "’": r"\textquoteright{}",
    "”": "''", "„": ",,", "«": "<<", "»": ">>", "…": r"\ldots{}", "\u00a0": "~", "\u200b": "",
    "×": r"$\times$", "°": r"$^\circ$", "→": r"$\rightarrow$", "←": r"$\leftarrow$",
    "≤": r"$\leq$", "≥": r"$\geq$", "±": r"$\pm$", "∞": r"$\infty$", "·": r"$\cdot$",
    "≈": r"$\approx$", "√": r"$\surd$", "∼": r"$\sim$", "−": "-", "™": r"\texttrademark{}",
    "©": r"\copyright{}", "®": r"\textregistered{}", "€": "EUR", "£": r"\pounds{}",
}  # fmt: skip
_SUB = {c: str(i) for i, c in enumerate("₀₁₂₃₄₅₆₇₈₉")} | {"₊": "+", "₋": "-"}
_SUP = {c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")} | {"⁺": "+", "⁻": "-", "ⁿ": "n"}
_GREEK_CAPITALS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
_RUN_RE = re.compile(r"[₀-₉₊₋]+|[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ]+|[^\x00-\x7f]")


def _greek(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    m = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)", name)
    if not m:
        return None
    word = m.group(2).lower()
    word = {"lamda": "lambda"}.get(word, word)
    if m.group(1) == "SMALL":
        return f"$\\{word}$" if word != "omicron" else "o"
    cap = word.capitalize()
    if cap in _GREEK_CAPITALS:
        return f"$\\{cap}$"
    return unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode() or {
        "Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H", "Iota": "I", "Kappa": "K",
        "Mu": "M", "Nu": "N", "Omicron": "O", "Rho": "P", "Tau": "T", "Chi": "X",
    }.get(cap, cap[0])  # fmt: skip


def _accented(ch: str) -> str | None:
    base, *marks = unicodedata.normalize("NFD", ch)
    if not marks or not base.isascii() or any(m not in _ACCENTS for m in marks):
        return None
    out = r"\i" if base == "i" and marks[0] in "\u0301\u0300\u0302\u0308" else base
    for mark in marks:
        cmd = _ACCENTS[mark]
        if not cmd:  # the ogonek (\k) needs T1 fonts; pdflatex's default OT1 has none: drop it
            continue
        out = f"\\{cmd}{{{out}}}" if cmd.isalpha() else f"\\{cmd}{out}"
    return "{" + out + "}" if out != base else base  # only an ogonek, dropped: the bare letter


def to_latex(text: str) -> str:
    """Replace every non-ASCII character by LaTeX that pdflatex compiles with no package:
    accents, ligatures, dashes and quotes, sub- and superscript digits, Greek letters; what
    has no spelling is transliterated (NFKD) or, failing that, kept as it is."""

    def one(m: re.Match[str]) -> str:
        run = m.group(0)
        if run[0] in _SUB:
            return "$_{" + "".join(_SUB[c] for c in run) + "}$" if len(run) > 1 else f"$_{_SUB[run]}$"
        if run[0] in _SUP:
            return "$^{" + "".join(_SUP[c] for c in run) + "}$" if len(run) > 1 else f"$^{_SUP[run]}$"
        if run in _CHARS:
            return _CHARS[run]
        spelled = _accented(run) or _greek(run)
        if spelled is not None:
            return spelled
        folded = unicodedata.normalize("NFKD", run).encode("ascii", "ignore").decode()
        return folded if folded.strip() else run  # nothing to spell it with: keep it as written

    return text if text.isascii() else _RUN_RE.sub(one, text)


def _protect_case(escaped: str) -> str:
    """Brace words with capitals after the first character ({GPTQ}, {LLaMA}, {H₂O}, {3D},
    {70B}, {N:M}, {I/O}, {FP8\\_LM}) so styles keep them."""

    def brace(m: re.Match[str]) -> str:
        word = m.group(0)
        return "{" + word + "}" if re.search(r"[A-Z]", word[1:]) else word

    return _CASED_WORD.sub(brace, escaped)


# A word: letters and digits, joined by . + - : / and escaped underscores, not inside a
# command (\textbf) or a word already begun
_CASED_WORD = re.compile(r"(?<![\\{\w])[A-Za-z0-9](?:[\w.+\-:/]|\\_)*[A-Za-z0-9]")


def latex_title(title: str) -> str:
    protected = _protect_case(_escape_specials(without_ogonek(title)))
    return _readable(title, protected, to_latex(protected))


# -- venues -----------------------------------------------------------------------------------
_PROC = "inproceedings"
VENUES: dict[str, tuple[str, str]] = {
    "neurips": (_PROC, "Advances in Neural Information Processing Systems"),
    "nips": (_PROC, "Advances in Neural Information Processing Systems"),
    "icml": (_PROC, "Proceedings of the International Conference on Machine Learning"),
    "iclr": (_PROC, "International Conference on Learning Representations"),
    "acl": (_PROC, "Proceedings of the Annual Meeting of the Association for Computational Linguistics"),
    "emnlp": (_PROC, "Proceedings of the Conference on Empirical Methods in Natural Language Processing"),
    "naacl": (_PROC, "Proceedings of the Conference of the North American Chapter of the Association for Computational Linguistics"),
    "eacl": (_PROC, "Proceedings of the Conference of the European Chapter of the Association for Computational Linguistics"),
    "coling": (_PROC, "Proceedings of the International Conference on Computational Linguistics"),
    "colm": (_PROC, "Conference on Language Modeling"),
    "cvpr": (_PROC, "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition"),
    "iccv": (_PROC, "Proceedings of the IEEE/CVF International Conference on Computer Vision"),
    "eccv": (_PROC, "Proceedings of the European Conference on Computer Vision"),
    "aaai": (_PROC, "Proceedings of the AAAI Conference on Artificial Intelligence"),
    "ijcai": (_PROC, "Proceedings of the International Joint Conference on Artificial Intelligence"),
    "kdd": (_PROC, "Proceedings of the ACM SIGKDD Conference on Knowledge Discovery and Data Mining"),
    "mlsys": (_PROC, "Proceedings of Machine Learning and Systems"),
    "isca": (_PROC, "Proceedings of the International Symposium on Computer Architecture"),
    "micro": (_PROC, "Proceedings of the IEEE/ACM International Symposium on Microarchitecture"),
    "hpca": (_PROC, "Proceedings of the IEEE International Symposium on High-Performance Computer Architecture"),
    "asplos": (_PROC, "Proceedings of the ACM International Conference on Architectural Support for Programming Languages and Operating Systems"),
    "osdi": (_PROC, "Proceedings of the USENIX Symposium on Operating Systems Design and Implementation"),
    "sosp": (_PROC, "Proceedings of the ACM Symposium on Operating Systems Principles"),
    "nsdi": (_PROC, "Proceedings of the USENIX Symposium on Networked Systems Design and Implementation"),
    "eurosys": (_PROC, "Proceedings of the European Conference on Computer Systems"),
    "atc": (_PROC, "Proceedings of the USENIX Annual Technical Conference"),
    "sc": (_PROC, "Proceedings of the International Conference for High Performance Computing, Networking, Storage and Analysis"),
    "dac": (_PROC, "Proceedings of the ACM/IEEE Design Automation Conference"),
    "fpga": (_PROC, "Proceedings of the ACM/SIGDA International Symposium on Field-Programmable Gate Arrays"),
    "ppopp": (_PROC, "Proceedings of the ACM SIGPLAN Symposium on Principles and Practice of Parallel Programming"),
    "cgo": (_PROC, "Proceedings of the IEEE/ACM International Symposium on Code Generation and Optimization"),
    "pldi": (_PROC, "Proceedings of the ACM SIGPLAN Conference on Programming Language Design and Implementation"),
    "pact": (_PROC, "Proceedings of the International Conference on Parallel Architectures and Compilation Techniques"),
    "ics": (_PROC, "Proceedings of the ACM International Conference on Supercomputing"),
    "icpp": (_PROC, "Proceedings of the International Conference on Parallel Processing"),
    "ipdps": (_PROC, "Proceedings of the IEEE International Parallel and Distributed Processing Symposium"),
    "hpdc": (_PROC, "Proceedings of the International Symposium on High-Performance Parallel and Distributed Computing"),
    "cluster": (_PROC, "Proceedings of the IEEE International Conference on Cluster Computing"),
    "socc": (_PROC, "Proceedings of the ACM Symposium on Cloud Computing"),
    "sigcomm": (_PROC, "Proceedings of the ACM SIGCOMM Conference"),
    "sigmod": (_PROC, "Proceedings of the ACM SIGMOD International Conference on Management of Data"),
    "icde": (_PROC, "Proceedings of the IEEE International Conference on Data Engineering"),
    "podc": (_PROC, "Proceedings of the ACM Symposium on Principles of Distributed Computing"),
    "fast": (_PROC, "Proceedings of the USENIX Conference on File and Storage Technologies"),
    "middleware": (_PROC, "Proceedings of the International Middleware Conference"),
    "infocom": (_PROC, "Proceedings of the IEEE Conference on Computer Communications"),
    "mobisys": (_PROC, "Proceedings of the Annual International Conference on Mobile Systems, Applications and Services"),
    "mobicom": (_PROC, "Proceedings of the Annual International Conference on Mobile Computing and Networking"),
    "sensys": (_PROC, "Proceedings of the ACM Conference on Embedded Networked Sensor Systems"),
    "rtss": (_PROC, "Proceedings of the IEEE Real-Time Systems Symposium"),
    "rtas": (_PROC, "Proceedings of the IEEE Real-Time and Embedded Technology and Applications Symposium"),
    "ispass": (_PROC, "Proceedings of the IEEE International Symposium on Performance Analysis of Systems and Software"),
    "iccad": (_PROC, "Proceedings of the IEEE/ACM International Conference on Computer-Aided Design"),
    "aspdac": (_PROC, "Proceedings of the Asia and South Pacific Design Automation Conference"),
    "euromlsys": (_PROC, "Proceedings of the Workshop on Machine Learning and Systems"),
    "bmvc": (_PROC, "Proceedings of the British Machine Vision Conference"),
    "wacv": (_PROC, "Proceedings of the IEEE/CVF Winter Conference on Applications of Computer Vision"),
    "icassp": (_PROC, "Proceedings of the IEEE International Conference on Acoustics, Speech and Signal Processing"),
    "interspeech": (_PROC, "Proceedings of Interspeech"),
    "aistats": (_PROC, "Proceedings of the International Conference on Artificial Intelligence and Statistics"),
    "colt": (_PROC, "Proceedings of the Conference on Learning Theory"),
    "conll": (_PROC, "Proceedings of the Conference on Computational Natural Language Learning"),
    "sigir": (_PROC, "Proceedings of the International ACM SIGIR Conference on Research and Development in Information Retrieval"),
    "sigkdd": (_PROC, "Proceedings of the ACM SIGKDD Conference on Knowledge Discovery and Data Mining"),
    "tmlr": ("article", "Transactions on Machine Learning Research"),
    "ijcv": ("article", "International Journal of Computer Vision"),
    "tpds": ("article", "IEEE Transactions on Parallel and Distributed Systems"),
    "taco": ("article", "ACM Transactions on Architecture and Code Optimization"),
    "tkde": ("article", "IEEE Transactions on Knowledge and Data Engineering"),
    "tnnls": ("article", "IEEE Transactions on Neural Networks and Learning Systems"),
    "tnn": ("article", "IEEE Transactions on Neural Networks"),
    "toplas": ("article", "ACM Transactions on Programming Languages and Systems"),
    "fitee": ("article", "Frontiers of Information Technology & Electronic Engineering"),
    "pr": ("article", "Pattern Recognition"),
    "prl": ("article", "Pattern Recognition Letters"),
    "jmlr": ("article", "Journal of Machine Learning Research"),
    "tpami": ("article", "IEEE Transactions on Pattern Analysis and Machine Intelligence"),
    "tacl": ("article", "Transactions of the Association for Computational Linguistics"),
}  # fmt: skip
# Import reads the full names back to the venues: name (lowercase, no "Proceedings of
# the") -> key, and how a key is spelled where upper case is not its name.
_FULL_NAMES = {_name_key(name): key for key, (_, name) in VENUES.items() if key not in ("nips", "sigkdd")}
_SHORT_NAMES = {
    "neurips": "NeurIPS",
    "mlsys": "MLSys",
    "eurosys": "EuroSys",
    "ppopp": "PPoPP",
    "euromlsys": "EuroMLSys",
    "mobisys": "MobiSys",
    "mobicom": "MobiCom",
    "sensys": "SenSys",
    "socc": "SoCC",
    "interspeech": "Interspeech",
    "middleware": "Middleware",
}
_FINDINGS = re.compile(
    r"Findings of the Association for Computational Linguistics:\s*([A-Za-z]+)(?:\s+((?:19|20)\d{2}))?"
)
_JOURNAL_WORDS = re.compile(r"\b(journal|transactions|letters|magazine|review|nature|science)\b", re.I)
_PROC_WORDS = re.compile(r"\b(proceedings|conference|workshop|symposium|in proc)\b", re.I)


_ACL_ID = re.compile(r"acl:(\d{4})\.(findings-)?([a-z]+)(?:-[a-z]+)?\.\d+$")


def acl_venue(paper_id: str) -> str | None:
    """The venue an ACL Anthology id names: ``acl:2024.findings-emnlp.831`` -> "EMNLP 2024 Findings"."""
    m = _ACL_ID.match(paper_id)
    if not m or m.group(3) not in VENUES:
        return None
    return f"{m.group(3).upper()} {m.group(1)}" + (" Findings" if m.group(2) else "")


def venue_fields(venue: str | None, journal_ref: str | None) -> tuple[str, dict[str, str], str | None]:
    """(entry type, fields, year) for where a paper appeared: the venue a list or .bib gave
    ("NeurIPS 2023", "ACL Findings 2024") or arXiv's journal reference. Known venues get
    their full name; a year in the venue text is the publication year."""
    for given, text in ((True, venue), (False, journal_ref)):
        text = _TRACK.sub(_track_spelled, " ".join((text or "").split()))
        if not text or re.search(r"\barxiv\b", text, re.I):
            continue
        m = re.search(r"\b(19|20)\d{2}\b", text)
        year = m.group(0) if m else None
        words = re.findall(r"[A-Za-z]+", text)
        key = next((w.lower() for w in words if w.lower() in VENUES), None)
        if key == "micro" and re.search(r"\bieee\s+micro\b", text, re.I):  # the magazine, not the symposium
            return "article", {"journal": "IEEE Micro"}, year
        if key is not None and _WORKSHOP.search(text):  # a workshop at the venue: as given
            return _PROC, {"booktitle": text}, year
        if key is not None and len(words) <= 4:
            kind, name = VENUES[key]
            if re.search(r"\bfindings\b", text, re.I):
                return (
                    _PROC,
                    {
                        "booktitle": f"Findings of the Association for Computational Linguistics: {key.upper()}{' ' + year if year else ''}"
                    },
                    year,
                )
            return kind, {("journal" if kind == "article" else "booktitle"): name}, year
        if _JOURNAL_WORDS.search(text) and not _PROC_WORDS.search(text):
            return "article", {"journal": text}, year
        if given or _PROC_WORDS.search(text) or key is not None:
            return _PROC, {"booktitle": text}, year
        # A venue names where the paper appeared ("SIGMOD 2025"); arXiv's journal reference
        # may be any remark, so one that names no venue is a note.
        return "misc", {"note": text}, None
    return "misc", {}, None


# The lists' marks of a workshop or an oral at a venue: "ICLRw 2018", "CVPRo 2019"
_TRACK = re.compile(r"\b([A-Z][A-Za-z]*[A-Z])([wo])\b")
_WORKSHOP = re.compile(r"\bworkshops?\b", re.I)


def _track_spelled(m: re.Match[str]) -> str:
    """ "ICLRw" as "ICLR Workshop", "CVPRo" (an oral) as "CVPR"; another word as it is."""
    stem, mark = m.group(1), m.group(2)
    if stem.lower() not in VENUES:
        return m.group(0)
    return stem + " Workshop" if mark == "w" else stem


def short_title(title: str) -> str:
    """A label for an author-less entry: the title's name before a colon, else its first words."""
    flat = " ".join(title.split())
    head = flat.split(":", 1)[0].strip()
    if head and len(head) <= 40 and head != flat:
        return head
    words = flat.split()
    return " ".join(words[:4]) + (" ..." if len(words) > 4 else "")


_JR = re.compile(r"(?i:jr|sr)\.?|II|III|IV")  # a name's "Jr" part


def bibtex_name(name: str) -> str:
    """An author's name as BibTeX reads it back as the same name: one with a "Jr" part
    written ``von Last, Jr, First`` (``King, Jr., Martin Luther``: else BibTeX takes "Jr." for
    the last name); one holding a comma or the word "and", or "others" itself, braced whole."""
    words = " ".join(str(name).split()).split(" ")
    if "," in name or any(w.lower() == "and" for w in words) or name.strip().lower() == "others":
        return "{" + latex_escape(name) + "}"
    if len(words) >= 3 and _JR.fullmatch(words[-1]):
        last = len(words) - 2
        while last > 1 and words[last - 1][:1].islower():  # von: "Ludwig van Beethoven Jr."
            last -= 1
        von_last, first = " ".join(words[last:-1]), " ".join(words[:last])
        return f"{latex_escape(von_last)}, {latex_escape(words[-1])}, {latex_escape(first)}"
    return latex_escape(name)


def _field(name: str, value: str) -> str:
    return f"  {name} = {{{value}}},"


def render(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy | None = None) -> str:
    """BibTeX that pdflatex, BibTeX/natbib and biber accept: @inproceedings/@article where
    the venue is known (with arXiv's eprint fields kept), else arXiv-style @misc."""
    keys = citekeys(records)
    out = [entry(rec, keys[rec["id"]]) for rec in sorted(records, key=lambda r: keys[r["id"]])]
    return "\n\n".join(out) + ("\n" if out else "")


def entry(rec: Mapping[str, Any], key: str) -> str:
    """One paper's BibTeX entry under ``key`` (entries are separated by a blank line)."""
    venue = rec.get("venue") or (None if rec.get("journal_ref") else acl_venue(rec["id"]))
    kind, where, venue_year = venue_fields(venue, rec.get("journal_ref"))
    lines = [f"@{kind}{{{key},"]
    lines.append(_field("title", latex_title(rec.get("title") or "")))
    names, more = named_authors(rec.get("authors") or [])
    authors = [bibtex_name(a) for a in names]
    if authors:
        lines.append(_field("author", " and ".join([*authors, ET_AL] if more else authors)))
    else:
        # natbib styles label and sort an author-less entry by its key field; without
        # one every such entry is "Anonymous (2024a)", and past 26 of a year, "(2024{)".
        lines.append(_field("key", latex_title(short_title(rec.get("title") or rec["id"]))))
    for name, value in where.items():
        lines.append(_field(name, latex_escape(value)))
    year = venue_year or rec.get("year")
    if year:
        lines.append(_field("year", str(year)))
    arxiv = rec.get("arxiv_id")
    if arxiv:
        lines.append(_field("eprint", arxiv))
        lines.append(_field("archivePrefix", "arXiv"))
        primary = rec.get("primary_category") or ((rec.get("categories") or [None])[0])
        if primary:
            lines.append(_field("primaryClass", latex_escape(primary)))
    doi = rec.get("doi") or doi_of_id(rec["id"])
    if doi:
        lines.append(_field("doi", _SPECIAL_RE.sub(lambda m: _LATEX_SPECIALS[m.group(0)], doi)))
    url = rec.get("url") or (f"https://arxiv.org/abs/{arxiv}" if arxiv else None)
    if url:
        lines.append(_field("url", _URL_SPELLING.sub(lambda m: _URL_SPELLINGS[m.group(0)], url)))
    lines[-1] = lines[-1].rstrip(",")
    lines.append("}")
    return "\n".join(lines)


# A url as the url package and biblatex read it (verbatim): % and # escaped, which import
# undoes; a space, a brace or a backslash, which would end the value or break LaTeX,
# percent-encoded (the same link).
_URL_SPELLINGS = {"%": r"\%", "#": r"\#", " ": "%20", "{": "%7B", "}": "%7D", "\\": "%5C"}
_URL_SPELLING = re.compile(r"[%# {}\\]")
