"""Import papers from Markdown paper lists (awesome-list READMEs).

Handles the shapes real lists use: tables (the survey's ``Title | Year | Subfield | Link``,
horseee's ``Title & Authors | Introduction | Links`` with badges and ``<br>``), bullet and
numbered lists; the title in bold, as link text, or as plain text next to a ``[Paper]``
link; HTML comments, emoji, authors lines. Every row gives an :class:`Entry` with its line
number and heading path; headings that name a taxonomy node become tags.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from efmcat.entries import Entry, ParseResult
from efmcat.ids import paper_id_from_link, title_id, try_parse_arxiv_id
from efmcat.models import Paper, with_et_al
from efmcat.taxonomy import Taxonomy

# Headings of real lists that name a taxonomy node in other words (lower case, after
# normalising punctuation). Headings equal to a node's id or name need no entry here.
HEADING_NODES: dict[str, str] = {
    # the survey's list (arXiv 2409.01990)
    "pruning": "sparsification",
    "k v cache": "memory",
    "kv cache": "memory",
    "efficient cache eviction": "kv-cache-eviction",
    "efficient retrieval augmented models": "rag",
    "efficient transformer architecture design": "efficient-architecture",
    "efficient transformers architecture design": "efficient-architecture",
    "mixture of expert": "moe",
    "mixed precision training": "low-precision-training",
    "fine tuning with system optimization": "fine-tuning",
    # horseee/Awesome-Efficient-LLM
    "network pruning sparsity": "sparsification",
    "network pruning": "sparsification",
    "efficient moe": "moe",
    "kv cache compression": "kv-cache-compression",
    "efficient architecture of llm": "efficient-architecture",
    "hardware system serving": "serving",
    "inference acceleration": "decoding",
    "efficient fine tuning": "fine-tuning",
    "efficient training": "training",
    # headings any list may write
    "sparsity": "sparsification",
    "pruning sparsity": "sparsification",
    "pruning and sparsity": "sparsification",
    "sparsity and pruning": "sparsification",
    "tensor compiler": "compiler",
    "ml compiler": "compiler",
    "hardware accelerator": "hardware",
    "accelerator": "hardware",
}
# words a heading may put before a node's name ("Model Pruning", "Efficient Attention")
_HEADING_LEAD = ("model ", "efficient ", "llm ")

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_BR = re.compile(r"<\s*/?\s*br\s*/?\s*>", re.I)
_TAG = re.compile(r"</?[a-z][^>]*>", re.I)
# An HTML anchor, as some lists write their links: <a href="URL" target="_blank">text</a>.
_A_TAG = re.compile(
    r"<a\s[^>]*?\bhref\s*=\s*[\"']([^\"'<>]*)[\"'][^>]*>([^<]*(?:<(?!/a\s*>)[^<]*)*)</a\s*>", re.I
)
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_BARE_URL = re.compile(r"\bhttps?://[^\s)<>|\]]+", re.I)
# "arXiv:2306.11695" (or "arXiv 2306.11695v2") written out, not linked
_ARXIV_TEXT = re.compile(r"\barxiv:?\s*(\d{4}\.\d{4,5}(?:v\d+)?)\b", re.I)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
# A GitHub emoji shortcode (":fire:", ":+1:", ":-1:"): a word of its own (no letter or colon
# touching it), with a letter or a sign, so that "Beyond 2:4: exploring", "V:N:M" and
# "q:k:v:" keep their colons.
_EMOJI_CODE = re.compile(r"(?<![\w:]):(?=[a-z0-9_-]*[a-z+-])[a-z0-9_+-]+:(?![\w:])")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_VENUE_YEAR = re.compile(r"(?:'|’|\b20)(\d{2})\b")
_ARXIV_HOST = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/", re.I)
_GENERIC = {
    "paper", "link", "pdf", "arxiv", "code", "github", "project", "website", "page", "blog", "slides",
    "openreview", "acl", "doi", "url", "html", "abs", "here", "demo", "video", "homepage", "poster",
    "repo", "official", "tweet", "news", "talk", "model", "models", "weights", "checkpoint",
}  # fmt: skip
# Link texts that are a date or a venue tag, not a title: "[11 Jan 2021]", "[ICML2021]", "arxiv'21".
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATE_OR_VENUE = re.compile(
    rf"^\W*(?:(?:\d{{1,2}}\s+)?(?:{_MONTHS})[a-z]*\.?,?\s*\d{{2,4}}|[A-Za-z][A-Za-z&-]{{1,12}}\s*'?\s*\d{{2,4}}|\d{{4}}(?:[.-]\d{{1,2}})*)\W*$",
    re.I,
)
_BRACKET_NOTE = re.compile(r"\[\s*(?:\*\*|__)[^\[\]]*(?:\*\*|__)\s*\](?!\()")
_BRACKET_DATE = re.compile(rf"\[\s*(?:\d{{1,2}}\s+)?(?:{_MONTHS})[a-z]*\.?\s*\d{{4}}\s*\]", re.I)
_PAPER_HOSTS = (
    "openreview.net", "aclanthology.org", "doi.org", "ieeexplore.ieee.org", "dl.acm.org",
    "proceedings.", "papers.nips.cc", "papers.neurips.cc", "openaccess.thecvf.com",
    "ojs.aaai.org", "link.springer.com", "jmlr.org", "sciencedirect.com", "semanticscholar.org",
    # systems venues' own pages (OSDI, ATC, NSDI, FAST at USENIX; MLSys; VLDB; IEEE CS; AAAI; IJCAI)
    "usenix.org", "mlsys.org", "vldb.org", "computer.org", "aaai.org", "ijcai.org", "cv-foundation.org",
    "neurips.cc", "nips.cc",
)  # fmt: skip


def norm_heading(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def heading_node(text: str, taxonomy: Taxonomy) -> str | None:
    """The taxonomy node a heading names, if any."""
    key = norm_heading(_clean_text(text))
    if not key:
        return None
    keys = [key]
    for lead in _HEADING_LEAD:
        if key.startswith(lead):
            keys.append(key[len(lead) :])
    keys += [" ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in k.split()) for k in list(keys)]
    for k in keys:  # as written first, then without a lead word, then without plurals
        for node in taxonomy:
            if k == norm_heading(node.id) or k == norm_heading(node.name):
                return node.id
        node = HEADING_NODES.get(k)
        if node in taxonomy:
            return node
    return None


_LATEX_FONT = re.compile(r"\\(?:textbf|textit|texttt|textsc|emph|mathbf)\{([^{}]*)\}")  # \textbf{Hy}brid


def _clean_text(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _LATEX_FONT.sub(r"\1", text)
    text = _TAG.sub(" ", text)
    text = _EMOJI_CODE.sub(" ", text)
    text = text.replace("**", "").replace("__", "")
    text = re.sub(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]", " ", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>])", r"\1", text)
    return " ".join(text.split()).strip(" -–—:;,|")


def _split_cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells, buf, depth, i = [], [], 0, 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s):
            buf.append(s[i : i + 2])
            i += 2
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == "|" and depth == 0:
            cells.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    cells.append("".join(buf))
    return [c.strip() for c in cells]


def _strip_decor(text: str) -> str:
    text = _BADGE.sub(" ", text)
    text = _IMAGE.sub(" ", text)
    text = _IMG_TAG.sub(" ", text)
    if "<a" in text or "<A" in text:
        text = _A_TAG.sub(lambda m: f" [{_TAG.sub(' ', m.group(2)).strip()}]({m.group(1).strip()}) ", text)
    return text


def _links(text: str) -> list[tuple[str, str]]:
    """(label, url) of every link that is not a badge or image, in order."""
    text = _strip_decor(text)
    out = [(m.group(1), m.group(2)) for m in _LINK.finditer(text)]
    rest = _LINK.sub(" ", text)
    out += [("", u.rstrip(".,;")) for u in _BARE_URL.findall(rest)]
    out += [("", f"https://arxiv.org/abs/{i}") for i in _ARXIV_TEXT.findall(_BARE_URL.sub(" ", rest))]
    return [(lab, url) for lab, url in out if url and not url.startswith("#")]


def _is_external(url: str) -> bool:
    return bool(re.match(r"^https?://", url, re.I)) or bool(_ARXIV_HOST.match(url))


def _is_paper_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower() if "://" in url else ""
    return any(h in host for h in _PAPER_HOSTS) or url.lower().split("?")[0].endswith(".pdf")


_TITLE_STOP = re.compile(
    r"\[|https?://|<|(?<=\S)\s+[*_](?=\S)|\s\|"
    r"|(?<!\bvs)(?<!\bal)(?<!\betc)(?<!\b[A-Za-z])\.\s+(?=[A-Z])"
)
_NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "dos", "del"}
TAIL_SPAN = 80
_TITLE_TAIL = re.compile(r"(?:\s*[,;(–—]|\s+-)\s*([^,;()–—]+?)\)?\s*$")


def _looks_like_authors(text: str) -> bool:
    """Whether words are names, not a title's: "Frantar et al.", three names or more ("Ana
    Smith, Bo Wang, Chen Li"; four surnames or more: "Xiao, Lin, Seznec, Wu"), or two full
    names between commas ("Ana Smith, Bo Wang"). Two capitalised phrases joined by "and"
    are a subtitle ("Enabling Early Exit Inference and Self-Speculative Decoding")."""
    if re.search(r"\bet\s+al\b", text, re.I):
        return True
    parts = _name_parts(text, 4)
    if parts is None or len(parts) < 2:
        return False
    if len(parts) >= 4:
        return True
    full_names = all(2 <= len(p) <= 4 for p in parts)
    return full_names and (len(parts) == 3 or ("," in text and all(len(p) <= 3 for p in parts)))


def _bold_title(text: str, m: re.Match[str]) -> str:
    """The title a bold span gives: the bold text, or more where the bold is only its name.

    "[**AWQ**: Activation-aware Weight Quantization](url)": the bold is part of a link's text,
    which is the title. "**GPTQ**: Accurate Post-Training ... [[Paper]](url)" (or "**GPTQ:**
    ..."): a short bold name, a colon, then the title's words up to the first link, bracket,
    italics (authors) or bare URL. Otherwise ("**Title.** Authors. Venue", "**Title** [pdf]")
    the bold text alone."""
    bold = _clean_text(m.group(1) or m.group(2))
    end = m.end()
    for lm in _LINK.finditer(text):
        if lm.start(1) <= m.start() and m.end() <= lm.end(1):
            if _clean_text(_BOLD.sub(" ", lm.group(1))):  # the link text is more than the bold
                label = _clean_text(lm.group(1))
                return label if label.lower() not in _GENERIC else bold
            end = lm.end()  # "[**GPTQ**](url): Accurate ...": the name links the paper
            break
    raw = (m.group(1) or m.group(2)).strip()
    after = text[end:]
    if raw.endswith((":", "：")):
        rest = after
    else:
        colon = re.match(r"\s*[:：]", after)
        if not colon:
            return bold
        rest = after[colon.end() :]
    name = bold.rstrip(" :：")
    if not name or ":" in name or "：" in name or len(name.split()) > 8:
        return bold  # "**A Whole Title: With Its Subtitle**: notes": the bold is the title
    # The title's words end where a link, a bracketed note, a bare URL, an HTML tag, an
    # italic authors/venue run or a new sentence ("... Transformers. Frantar et al.") begins;
    # a venue or year after them ("..., ICLR 2023", "(2023)") is not part of the title.
    stop = _TITLE_STOP.search(rest)
    words = _clean_text(rest[: stop.start()] if stop else rest).strip("*_ ")
    # A venue or year is short: look for one in the last TAIL_SPAN characters only (the
    # pattern, tried from every separator, would re-scan a long title to its end each time).
    cut = max(len(words) - TAIL_SPAN, 0)
    tail = _TITLE_TAIL.search(words, cut)
    if tail and _DATE_OR_VENUE.match(tail.group(1)):
        words = words[: tail.start()].strip(" -–—:;,|")
    if (
        len(words.split()) < 2
        or words.lower() in _GENERIC
        or _DATE_OR_VENUE.match(words)
        or _looks_like_authors(words)
    ):
        return bold
    return f"{name}: {words}"


# Plain text that only names the link after it: a few words that say what kind of link it
# is ("slides:", "arxiv version (2023):"), ending in a colon ("GPTQ: [paper](url)" is a title).
_LINK_LABEL = re.compile(r"([^:]{1,40}):")
_LINK_WORDS = _GENERIC | {
    "version", "extended", "full", "video", "talk", "poster", "preprint", "journal", "conference", "supplementary",
}  # fmt: skip


def _names_a_link(text: str) -> bool:
    """Whether ``text`` (a list item's words outside its links) only names the link after it."""
    m = _LINK_LABEL.fullmatch(text)
    if m is None:
        return False
    words = re.findall(r"[a-z]+", re.sub(r"\([^)]*\)", " ", m.group(1).lower()))  # "(2023)": a date
    return bool(words) and all(w in _LINK_WORDS for w in words)


_EMPTY_BRACKETS = re.compile(r"\[\s*\]|\(\s*\)|<\s*>")  # what a link taken out leaves behind


_ALSO_IN = re.compile(r"\s*\[\s*also\s+in\b[^\[\]]*\]", re.I)


def _title_from(segment_text: str) -> tuple[str | None, int]:
    """The title in a piece of text: bold, else a non-generic link text, else plain text.

    Returns (title, strength): 3 bold, 2 link text, 1 plain text."""
    text = _strip_decor(segment_text)
    text = _BRACKET_NOTE.sub(" ", text)  # "[**From OpenAI**]": a remark, not the title
    m = _BOLD.search(text)
    if m:
        title = _clean_text(m.group(1) or m.group(2))
        if title and title.lower() not in _GENERIC:
            return _bold_title(text, m), 3
    for lm in _LINK.finditer(text):
        label = _clean_text(lm.group(1))
        if (
            label
            and not lm.group(2).startswith("#")  # "[2.10](#anchor)": a link to a section of the list
            and label.lower().strip(" .[]") not in _GENERIC
            and not label.lower().startswith("http")
            and not _DATE_OR_VENUE.match(label)
            and not (lm.group(1).startswith("[") and lm.group(1).endswith("]"))  # "[[AI Open]](url)": a venue
        ):
            return label, 2
    # (a link inside brackets, "Title [[EMNLP 2023](url)]", leaves "[ ]" behind: dropped)
    plain = _clean_text(
        _EMPTY_BRACKETS.sub(
            " ", _BRACKET_DATE.sub(" ", _ARXIV_TEXT.sub(" ", _BARE_URL.sub(" ", _LINK.sub(" ", text))))
        )
    )
    plain = _ALSO_IN.sub("", plain).strip()  # "Title [also in [2.10](#anchor)]": a cross-reference
    plain = re.sub(r"\s+[.,;]+$", "", plain)  # "Title (https://...)." leaves " ." behind
    if plain:
        return plain, 1
    return None, 0


def _year_of(cells: dict[str, str], row_text: str, arxiv: str | None) -> int | None:
    for name, value in cells.items():
        if "year" in name:
            v = _clean_text(value)
            if _YEAR.match(v):
                return int(v)
    m = re.search(r"\((?:19|20)(\d{2})\)", row_text)
    if m:
        return 2000 + int(m.group(1)) if m.group(0)[1:3] == "20" else 1900 + int(m.group(1))
    badge = re.search(r"img\.shields\.io/badge/[^)]*?(?:'|%27|’)(\d{2})", row_text)
    if badge:
        return 2000 + int(badge.group(1))
    parsed = try_parse_arxiv_id(arxiv) if arxiv else None
    return parsed.year if parsed else None


class _State:
    def __init__(self, name: str, taxonomy: Taxonomy, linkless: bool = False, entries: Any = None) -> None:
        self.name = name
        self.taxonomy = taxonomy
        self.linkless = linkless
        self.headings: list[tuple[int, str]] = []
        self.result = (
            ParseResult(source=name) if entries is None else ParseResult(source=name, entries=entries)
        )
        self._tags: dict[tuple[str, ...], list[str]] = {}  # per heading path: every row under it asks

    @property
    def section(self) -> str | None:
        return " / ".join(h for _, h in self.headings) or None

    def tags(self) -> list[str]:
        path = tuple(h for _, h in self.headings)
        if path not in self._tags:
            out = []
            for h in path:
                node = heading_node(h, self.taxonomy)
                if node and node not in out:
                    out.append(node)
            self._tags[path] = out
        return list(self._tags[path])


_ROW_PREFIX = re.compile(r"^(?:19|20)\d{2}-[A-Za-z][A-Za-z0-9&]*-(?=\S)")  # a year-venue- row prefix


def _make_entry(
    st: _State,
    line_no: int,
    row_text: str,
    title_text: str,
    link_text: str,
    cells: dict[str, str],
    *,
    in_table: bool,
    authors_text: str | None = None,
) -> None:
    res = st.result
    links = [(lab, url) for lab, url in _links(link_text) if _is_external(url)]
    if not links:
        links = [(lab, url) for lab, url in _links(row_text) if _is_external(url)]
    title, strength = _title_from(title_text)
    prefix = _ROW_PREFIX.match(title or "")
    if prefix and row_text.count(prefix.group(0)) > 1 and (bare := title[prefix.end() :]):
        title = bare  # "2018-ECCV-[2018-ECCV-Learning deep ...]": the row's year and venue once more
    if not links and st.linkless and not in_table:
        _linkless_entry(st, line_no, title_text, authors_text)
        return
    if not title or not links:
        return
    if strength == 1 and _names_a_link(_LINK.sub(" ", _strip_decor(title_text)).strip()):
        # "  - slides: [link](url)", "  - arxiv version (2023): [link](url)": a nested line
        # giving the item above another link, not a paper titled "slides"
        return
    arxiv = None
    arxiv_link = None
    malformed = None
    for _, url in links:
        parsed = try_parse_arxiv_id(url)
        if parsed is not None:
            arxiv, arxiv_link = parsed, url
            break
        if _ARXIV_HOST.match(url) and malformed is None:
            malformed = url
    # In bullet lists only a link to a paper counts (not news, repos or other lists).
    if arxiv is None and not in_table and malformed is None and not any(_is_paper_host(u) for _, u in links):
        return
    res.rows += 1
    if arxiv is not None:
        pid, link = arxiv.id, arxiv_link
    else:
        paper_links = [u for _, u in links if _is_paper_host(u)]
        link = malformed or (paper_links[0] if paper_links else links[0][1])
        pid = paper_id_from_link(link if "://" in link else "https://" + link)
        if pid is None:
            return
        if malformed:
            res.malformed.append((line_no, malformed))
    authors: list[str] = []
    if authors_text:
        cleaned = _clean_text(authors_text).strip("*_ ")  # "*Ana Smith, Bo Wang*": italics
        if cleaned and len(cleaned) < 600:
            # "GenAI and Infra Teams at Meta": one author
            one = "," not in cleaned and _TEAM.search(cleaned)
            parts = [cleaned] if one else _AUTHOR_SEP.split(cleaned)
            authors = with_et_al(n for p in parts if (n := _author_name(p)) and len(n) < 80)
    year = _year_of(cells, row_text, arxiv.id if arxiv else None)
    is_arxiv = arxiv is not None
    paper = Paper(
        id=pid,
        title=title,
        version=arxiv.version if arxiv else None,
        authors=authors,
        year=year,
        url=f"https://arxiv.org/abs/{pid}" if is_arxiv else link,
        pdf_url=f"https://arxiv.org/pdf/{pid}" if is_arxiv else None,
        source=st.name,
        verified=False,
    )
    res.entries.append(Entry(paper=paper, line=line_no, link=link, section=st.section, tags=st.tags()))


# A bullet that names its venue and year before the title and links nowhere: "- [SC'20]
# ZeRO: Memory Optimizations Toward Training Trillion Parameter Models"
_VENUE_TAGS = re.compile(r"^\s*((?:\[[^\[\]]*\]\s*)+)(?!\()")
_TAGGED_YEAR = re.compile(r"'(\d{2})\b")
_TRAILING_NOTE = re.compile(
    r"\s*(?:\((?:[^()]*`[^()]*)\)|\[[^\[\]]*\])\s*$"
)  # "(`PTD-P`)", "[**From OpenAI**]"


# "B, and C", "B & C", and a full stop between two names ("Alexander Tsvetkov. Alon Kipnis"),
# after a word of two small letters or more: not an initial's ("J. Smith") nor "Jr." or "St."
_AUTHOR_SEP = re.compile(r"\s*,\s*(?:and\s+|&\s*)?|\s+(?:and|&)\s+|(?<=[a-zß-ÿ]{2})\.\s+(?=[A-Z][a-z])")


def _linkless_entry(st: _State, line_no: int, title_text: str, authors_text: str | None) -> None:
    """A paper a list names by venue and title alone (parse_markdown_list's ``linkless``):
    its id is the title's (``title:``); a bullet without a venue tag is no paper."""
    text = _strip_decor(title_text)
    m = _VENUE_TAGS.match(text)
    if not m or not _TAGGED_YEAR.search(m.group(1)):
        return
    title = text[m.end() :]
    while (note := _TRAILING_NOTE.search(title)) is not None and note.start() > 0:
        title = title[: note.start()]
    title = _ALSO_IN.sub("", _clean_text(title)).rstrip(" .")
    if len(title.split()) < 3 or "](" in title or "http" in title:
        return
    year = _TAGGED_YEAR.search(m.group(1))
    st.result.rows += 1
    paper = Paper(
        id=title_id(title),
        title=title,
        authors=[],
        year=(2000 if int(year.group(1)) < 50 else 1900) + int(year.group(1)) if year else None,  # '98: 1998
        source=st.name,
        verified=False,
    )
    st.result.entries.append(Entry(paper=paper, line=line_no, link=None, section=st.section, tags=st.tags()))


_TEAM = re.compile(r"\b(?:teams?|group|consortium|lab)\b", re.I)


def _author_name(text: str) -> str:
    """A name as a list writes it, without its marks: "Jingyu Liu*" (equal contribution),
    "Ferdinando Fioretto." (the sentence's end); an initial's or "Jr." period stays."""
    name = text.strip().rstrip("*†‡").strip()
    last = name.rsplit(" ", 1)[-1][:-1]
    if name.endswith(".") and len(last) > 1 and last.isalpha() and last.lower() not in ("jr", "sr"):
        name = name[:-1]  # "Di He." too; an initial ("A.", "Y.X.") keeps its period
    return name


def _table_row(st: _State, line_no: int, line: str, header: list[str]) -> None:
    cells = _split_cells(line)
    names = [norm_heading(h) for h in header] if header else []
    by_name = {names[i] if i < len(names) else f"col{i}": c for i, c in enumerate(cells)}
    title_idx = next((i for i, n in enumerate(names) if "title" in n or n in ("paper", "name")), 0)
    title_cell = cells[title_idx] if title_idx < len(cells) else cells[0]
    link_idx = [i for i, n in enumerate(names) if n in ("link", "links", "paper", "pdf", "url", "arxiv")]
    link_text = " ".join(cells[i] for i in link_idx if i < len(cells) and i != title_idx)
    # The title cell may hold "badges <br> title <br> authors".
    segments = [s for s in _BR.split(title_cell) if _clean_text(_strip_decor(s))]
    title_seg, authors_text = title_cell, None
    if len(segments) > 1:
        scored = [(_title_from(s)[1], i) for i, s in enumerate(segments)]
        best = max(scored, key=lambda t: (t[0], -t[1]))[1]
        title_seg = segments[best]
        if best + 1 < len(segments):
            authors_text = segments[best + 1]
    _make_entry(
        st,
        line_no,
        line,
        title_seg,
        (link_text + " " + title_cell) if link_text else line,
        by_name,
        in_table=True,
        authors_text=authors_text,
    )


_AUTHORS_AFTER_LINK = re.compile(r"\]\(https?://[^)\s]+\)\.\s+([^\[\]]{3,600}?)\.?\s*\[\[")


def _name_parts(text: str, most_words: int) -> list[list[str]] | None:
    """The words of each part of ``text`` split at commas and "and", when every part reads
    as a person's name (at most ``most_words`` capitalised words or particles); else None."""
    parts = [p.split() for p in re.split(r",|\band\b", text) if p.strip()]
    named = all(
        len(p) <= most_words and all(w[:1].isupper() or w in _NAME_PARTICLES for w in p) for p in parts
    )
    return parts if parts and named else None


def _list_item(st: _State, line_no: int, body: str) -> None:
    segments = [s for s in _BR.split(body) if _clean_text(_strip_decor(s))]
    if not segments:
        return
    title_seg = segments[0]
    authors_text = segments[1] if len(segments) > 1 else None
    if authors_text and "[" in authors_text:  # "*Authors*. [[pdf](url)], 2023.04."
        authors_text = authors_text[: authors_text.index("[")].strip().rstrip(".")
    if authors_text is None and (m := _AUTHORS_AFTER_LINK.search(title_seg)) and _name_parts(m.group(1), 5):
        authors_text = m.group(1)  # "[Title](url). Tri Dao, Bo Wang. [[Paper]](url)" (horseee's bullets)
    # "Title. Authors. [Paper](url)" on one line: keep the part before the first link as title.
    _make_entry(st, line_no, body, title_seg, body, {}, in_table=False, authors_text=authors_text)


def _is_continuation(line: str) -> bool:
    """An indented line that goes on with the list item above (not a new item or block)."""
    if not line[:1].isspace() or not line.strip():
        return False
    stripped = line.strip()
    return not (
        _LIST_ITEM.match(line) or _HEADING.match(line) or stripped.startswith(("|", "```", "~~~", ">"))
    )


def parse_markdown_list(
    text: str, name: str, taxonomy: Taxonomy, *, linkless: bool = False, entries: Any = None
) -> ParseResult:
    """Parse a Markdown paper list. Never fails on odd rows: it skips what is not a paper.

    ``linkless``: a bullet naming a venue and year before a title (``- [SC'20] ZeRO: ...``)
    is a paper even with no link (a ``title:`` id); without it such a bullet is skipped.
    ``entries``: where the entries go (anything with ``append``; default a new list)."""
    st = _State(name, taxonomy, linkless, entries)
    # Blank out HTML comments but keep their newlines so line numbers stay right.
    text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines = text.splitlines()
    header: list[str] = []
    in_table = False
    fence = None
    idx = -1
    while idx + 1 < len(lines):
        idx += 1
        line = lines[idx]
        line_no = idx + 1
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
            continue
        if fence:
            continue
        m = _HEADING.match(line)
        if m:
            level, heading = len(m.group(1)), _clean_text(m.group(2))
            while st.headings and st.headings[-1][0] >= level:
                st.headings.pop()
            st.headings.append((level, heading))
            in_table = False
            continue
        if stripped.startswith("|") or (in_table and "|" in stripped):
            if _SEPARATOR.match(stripped):
                continue
            nxt = lines[idx + 1].strip() if idx + 1 < len(lines) else ""
            if not in_table and _SEPARATOR.match(nxt):
                header = _split_cells(stripped)
                in_table = True
                continue
            if not in_table:
                in_table, header = True, []
            _table_row(st, line_no, stripped, header)
            continue
        in_table = False
        li = _LIST_ITEM.match(line)
        if li:
            body = li.group(2)
            # Indented continuation lines belong to the item ("- **Title**" then "  *Authors* [pdf](url)").
            while idx + 1 < len(lines) and _is_continuation(lines[idx + 1]):
                idx += 1
                # a link's text that goes on to the next line ("[To compress ...\n  ](url)")
                # is one title, not a title and an authors line
                nxt = lines[idx].strip()
                wrapped = body.count("[") > body.count("]") and "](" in nxt
                body += (" " if wrapped else "<br>") + nxt
            _list_item(st, line_no, body)
            continue
        if stripped and ("](" in stripped or "http" in stripped) and not stripped.startswith(">"):
            # A paragraph line such as "**Title** [[Paper]](url)".
            _make_entry(st, line_no, stripped, stripped, stripped, {}, in_table=False)
    return st.result
