"""arXiv identifier parsing and stable ids for papers that have none.

Pure functions, no I/O. ``parse_arxiv_id`` accepts every form a user pastes
(bare ids, ``arXiv:`` prefixes, abs/pdf/html URLs, the arXiv DOI) and returns
the canonical unversioned id plus the version, or raises ``InvalidIdError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from efmcat.errors import InvalidIdError

# New-style ids: YYMM.NNNN (0704-1412) or YYMM.NNNNN (1501 on), month 01-12.
_MONTH = r"(?:0[1-9]|1[0-2])"
_NEW = (
    rf"(?P<new>(?:07(?:0[4-9]|1[0-2])|0[89]{_MONTH}|1[0-4]{_MONTH})\.[0-9]{{4}}"
    rf"|(?:1[5-9]|[2-9][0-9]){_MONTH}\.[0-9]{{5}})"
)
# Old-style ids: archive[.SUBJ]/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136 (stored as
# math/0309136: the subject class is not part of the id).
_OLD = rf"(?P<old>[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{{2}})?/[0-9]{{2}}{_MONTH}[0-9]{{3}})"
_VERSION = r"(?:v(?P<version>[1-9]\d*))?"
# re.ASCII: no other scripts' digits, and IGNORECASE folds ASCII letters only.
_ID_RE = re.compile(rf"(?:{_NEW}|{_OLD}){_VERSION}", re.ASCII)
_BARE_RE = re.compile(rf"^(?:arxiv:)?{_ID_RE.pattern}$", re.IGNORECASE | re.ASCII)
_DOI_RE = re.compile(rf"^(?:doi:)?10\.48550/arxiv\.{_ID_RE.pattern}$", re.IGNORECASE | re.ASCII)
_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org", "browse.arxiv.org"}
_PATH_RE = re.compile(rf"^/(?:abs|pdf|html|format|ps)/{_ID_RE.pattern}(?:\.pdf)?/?$", re.ASCII)
_FTP_RE = re.compile(r"^/ftp/arxiv/papers/[0-9]{4}/(?P<rest>.+?)(?:\.pdf)?$", re.ASCII)
# pages that show an arXiv paper under its id: Hugging Face's paper pages, alphaXiv
_MIRRORS = {"huggingface.co", "www.huggingface.co", "alphaxiv.org", "www.alphaxiv.org"}
_MIRROR_RE = re.compile(rf"^/(?:papers|abs|overview)/{_ID_RE.pattern}/?$", re.ASCII)


@dataclass(frozen=True, order=True)
class ArxivId:
    """A canonical arXiv id (unversioned) and an optional version number."""

    id: str
    version: int | None = None

    def __str__(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id

    @property
    def is_old_style(self) -> bool:
        return "/" in self.id

    @property
    def year(self) -> int:
        """The year the id was given in: its YYMM (``2307.09288`` -> 2023), after the slash
        in an old-style id (``cs/0112017`` -> 2001, ``hep-th/9901001`` -> 1999; arXiv
        began in 1991)."""
        yy = int(self.id.rpartition("/")[2][:2])
        return (1900 if self.is_old_style and yy >= 91 else 2000) + yy


def _from_match(m: re.Match[str]) -> ArxivId:
    new, old, version = m.group("new"), m.group("old"), m.group("version")
    ident = new if new else old
    assert ident is not None
    if old:  # the case-insensitive patterns let "HEP-TH/..." or "math.gt/..." through
        archive, _, number = _case_fix(ident).partition("/")
        # The subject class names a listing, not the paper: arXiv's id (its API, its abs
        # pages) is archive/YYMMNNN, so math.GT/0309136 and math/0309136 are one paper.
        ident = f"{archive.partition('.')[0]}/{number}"
    return ArxivId(ident, int(version) if version else None)


def _case_fix(text: str) -> str:
    """Old-style archives are lower case, subject classes upper case: normalise a pasted id."""
    if "/" in text:
        archive, _, number = text.partition("/")
        if "." in archive:
            name, _, subj = archive.partition(".")
            archive = f"{name.lower()}.{subj.upper()}"
        else:
            archive = archive.lower()
        return f"{archive}/{number.lower()}"
    return text.lower()


def try_parse_arxiv_id(text: str) -> ArxivId | None:
    """Like :func:`parse_arxiv_id` but returns None for text that is not an arXiv id."""
    if not isinstance(text, str):
        return None
    s = text.strip()
    if not s:
        return None
    m = _BARE_RE.match(s)
    if m is None:
        prefix = re.match(r"^arxiv:", s, re.IGNORECASE | re.ASCII)
        if prefix:
            m = _BARE_RE.match(_case_fix(s[prefix.end() :]))
        else:
            m = _BARE_RE.match(_case_fix(s)) if "/" in s and "://" not in s else None
    if m:
        return _from_match(m)
    m = _DOI_RE.match(s)
    if m:
        return _from_match(m)
    if re.match(r"^(?:https?://)?(?:dx\.)?doi\.org/10\.48550/", s, re.IGNORECASE | re.ASCII):
        return try_parse_arxiv_id(s.split("doi.org/", 1)[1])
    return _from_url(s)


def _from_url(s: str) -> ArxivId | None:
    if "://" not in s:
        if not re.match(r"^(?:www\.|export\.|browse\.)?arxiv\.org/", s, re.IGNORECASE | re.ASCII):
            return None
        s = "https://" + s
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"}:
        return None
    host = (parts.hostname or "").lower()
    if host in _MIRRORS:
        m = _MIRROR_RE.match(unquote(parts.path))
        return _from_match(m) if m else None
    if host not in _HOSTS:
        return None
    path = unquote(parts.path)
    m = _PATH_RE.match(path)
    if m:
        return _from_match(m)
    m = _FTP_RE.match(path)
    if m:
        inner = _ID_RE.fullmatch(m.group("rest"))
        return _from_match(inner) if inner else None
    return None


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse any pasted form of an arXiv id; raise InvalidIdError naming the input."""
    parsed = try_parse_arxiv_id(text)
    if parsed is None:
        shown = text.strip() if isinstance(text, str) else repr(text)  # (a !r here would quote str too)
        raise InvalidIdError(f"not an arXiv id: {shown}")
    return parsed


# ---------------------------------------------------------------------------
# Stable ids for papers without an arXiv id.

_OPENREVIEW_RE = re.compile(r"^(?:www\.)?openreview\.net$", re.IGNORECASE)
_ACL_RE = re.compile(r"^(?:www\.)?aclanthology\.org$", re.IGNORECASE)
_ACL_ID_RE = re.compile(r"^/(?P<id>(?:\d{4}\.[a-z0-9-]+\.\d+|[A-Z]\d{2}-\d{4}))(?:\.pdf)?/?$", re.IGNORECASE)
_DOI_ANY_RE = re.compile(r"(?P<doi>10\.\d{4,9}/[^\s?#]+)")
_PREFIXED_RE = re.compile(r"^(?P<scheme>openreview|acl|doi|ieee|url|title):(?P<rest>\S.*)$", re.IGNORECASE)


def paper_id_from_link(link: str) -> str | None:
    """The catalog id a link stands for: an arXiv id, ``openreview:ID``, ``acl:ID``,
    ``ieee:NUMBER``, ``doi:DOI``, else ``url:host/path``. None for text that is not a link."""
    if not isinstance(link, str) or not link.strip():
        return None
    s = link.strip()
    arxiv = try_parse_arxiv_id(s)
    if arxiv is not None:
        return arxiv.id
    if "://" not in s:
        return None
    try:
        parts = urlsplit(s)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return None
    if _OPENREVIEW_RE.match(host):
        ids = parse_qs(parts.query).get("id")
        if ids and ids[0]:
            return f"openreview:{ids[0]}"
    if _ACL_RE.match(host):
        m = _ACL_ID_RE.match(parts.path)
        if m:
            return f"acl:{m.group('id')}"
    if host.endswith("ieeexplore.ieee.org"):
        m = re.search(r"/document/(\d+)", parts.path)
        if m:
            return f"ieee:{m.group(1)}"
    m = _DOI_ANY_RE.search(unquote(parts.path))
    if m:
        doi = m.group("doi").rstrip("/")
        # a publisher's PDF named by its DOI (Springer's /content/pdf/10.1007/....pdf)
        return f"doi:{doi[:-4] if doi.lower().endswith('.pdf') else doi}".lower()
    path = re.sub(r"/+$", "", parts.path)
    query = f"?{parts.query}" if parts.query else ""
    return f"url:{host.removeprefix('www.')}{path}{query}"


def parse_paper_id(text: str) -> str:
    """Resolve what a user typed for ``show``/``tag``/... to a catalog id.

    Accepts every arXiv form, the prefixed ids efmcat gives non-arXiv papers
    (``openreview:...``), links to those sites, and a bare DOI (``10.1145/...``)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidIdError("empty id")
    s = text.strip()
    arxiv = try_parse_arxiv_id(s)
    if arxiv is not None:
        return arxiv.id
    m = _PREFIXED_RE.match(s)
    if m:
        scheme, rest = m.group("scheme").lower(), m.group("rest")
        return f"doi:{rest.lower()}" if scheme == "doi" else f"{scheme}:{rest}"  # DOIs ignore case
    linked = paper_id_from_link(s)
    if linked is not None:
        return linked
    if _BARE_DOI_RE.fullmatch(s):  # a DOI as papers print it: the doi: id a link to it gives
        return f"doi:{s.rstrip('/').lower()}"
    raise InvalidIdError(f"not an arXiv id or paper link: {s}")


_BARE_DOI_RE = re.compile(r"10\.\d{4,9}/\S+", re.ASCII)


def _ascii_words(title: str | None) -> tuple[str, list[str]]:
    """(``title`` decomposed (NFKD), its lowercase ASCII words): accents fold away, letters
    ASCII cannot spell drop out."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", title or "")
    return decomposed, re.findall(r"[a-z0-9]+", decomposed.encode("ascii", "ignore").decode().lower())


def norm_title(title: str | None) -> str:
    """A title as compared across sources: ASCII-folded, lowercase, its words (runs of a-z0-9)
    joined by single spaces ("LLM.int8(): 8-bit ..." -> "llm int8 8 bit ...")."""
    return " ".join(_ascii_words(title)[1])


TITLE_MATCH_WORDS = 3  # title_key: shorter titles match nothing (too easily shared)


def title_key(title: str | None) -> str | None:
    """What two records' titles are compared by to call them one paper (imports, ``add``,
    ``check``): :func:`norm_title`'s words run together, so that where a title spaces its
    name is no difference ("Big bird: Transformers for ..." is "BigBird: Transformers for
    ...", "Flash Attention" FlashAttention); or None when the title has fewer than
    TITLE_MATCH_WORDS words or letters that ASCII folding drops (a Chinese or Greek title
    would keep only its ASCII words, which another title may share)."""
    decomposed, words = _ascii_words(title)
    if len(words) < TITLE_MATCH_WORDS:
        return None
    if sum(ch.isalnum() for ch in decomposed) > sum(map(len, words)):
        return None
    return "".join(words)


def title_id(title: str, limit: int = 60) -> str:
    """A stable id for a paper known only by its title: ``title:`` and the title's lowercase
    ASCII words joined by '-', cut at a word boundary near ``limit`` characters (the rule
    tools/derive_seeds.py uses for the seeds)."""
    import unicodedata

    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    out = ""
    for word in re.findall(r"[a-z0-9]+", text.replace("_", "")):
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit and out:
            break
        out = candidate[:limit]
    return f"title:{out or 'untitled'}"


def doi_of_id(paper_id: str) -> str | None:
    """The DOI a ``doi:`` id names. An id made from a PDF link ends in ``.pdf``, which is
    the file's, not the DOI's."""
    if not paper_id.startswith("doi:"):
        return None
    return re.sub(r"\.pdf$", "", paper_id.removeprefix("doi:"), flags=re.I)
