"""``discover``: what is new on arXiv in the field, as a ranked shortlist of candidates.

Candidates come from one arXiv ``search_query`` (by default a watch query built from the
taxonomy: each area's name and strongest plain terms, OR-ed, over the watched categories,
restricted to a ``submittedDate`` window) paged newest first, or from an arXiv RSS/Atom
listing feed (a URL or a local file). Each candidate is scored by the auto-tagger without
touching the catalog; papers already catalogued are marked, rejected ones left out.

State lives in the catalog's ``meta`` table as JSON:

* ``discover.runs``: per query key (``default``, ``query:<text>``, ``feed:<url>``, each
  followed by the filters of the run, ``|min-score=20|tag=decoding|limit=5``, when it had
  any: what a filtered run leaves out is still new to a run without them) the end of the
  last successful window and the ids shown in it. The next run's window starts
  :data:`LAG_DAYS` before that end (arXiv announces a paper up to a few days after its
  submission date, so a window that started exactly at the last run would miss those),
  and the ids already shown are not shown again. A run that did not read its whole window
  (the page cap, or an empty page before the total) keeps its start (``next_since``) for
  the next run, remembering only the ids it showed.
* ``discover.rejected``: ids the user rejected (``--reject``); they never come back.

Like ``fetch``, httpx and feedparser are imported only when a run needs them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from efmcat.catalog import Catalog, json_dict, utcnow
from efmcat.errors import InvalidIdError, OfflineError, ParseError, UsageError
from efmcat.ids import try_parse_arxiv_id
from efmcat.models import Paper
from efmcat.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from efmcat.arxiv import ArxivClient

WATCH_CATEGORIES = ("cs.LG", "cs.CL", "cs.AR", "cs.DC", "cs.PF", "cs.PL", "cs.AI")
DEFAULT_DAYS = 7  # window of a first run
LAG_DAYS = 3  # overlap of a run's window with the previous one (announcement lag)
PAGE_SIZE = 100
MAX_PAGES = 5
EMPTY_PAGE_RETRIES = 2  # an empty page before totalResults is asked again (arXiv sends them now and then)
TERMS_PER_AREA = 5  # plain terms per area in the watch query
MIN_TERM_WEIGHT = 2.5
DEFAULT_ADD_SCORE = 3.0  # --add without --min-score: the tagger's default area threshold
RUNS_KEY = "discover.runs"
REJECTED_KEY = "discover.rejected"
_PHRASE_OK = re.compile(r"^[a-z0-9][a-z0-9 .-]*$")
# A paper is about machine learning at all when arXiv files it under one of these, or when
# its title or abstract names the subject. The area rules alone cannot say it: "mobile",
# "microcontroller", "FPGA" and "memory footprint" are hardware and memory words in any
# field, and the watch query reads cs.AR, cs.DC, cs.PF and cs.PL, where most papers are
# not about models (every catalogued paper with an abstract names one of these words).
ML_CATEGORIES = frozenset({"cs.LG", "cs.CL", "cs.AI", "cs.CV", "cs.NE", "stat.ML"})
_ML_WORDS = re.compile(
    r"\b(?:neural|deep[- ]learning|machine[- ]learning|learn(?:ing|ed|s|t)?"
    r"|(?:language|foundation|vision|diffusion|generative|ml|dl) models?|[mv]?llms?|slms?"
    r"|transformers?|[dcr]nns?|gnns?|gpt\w*|bert\w*|llama\w*|vit|attention|embeddings?"
    r"|artificial intelligence|ai|mixture[- ]of[- ]experts|moe|fine-?tun\w*|pre-?train\w*"
    r"|training|chatbots?|speech recognition|computer vision|nlp|recommendation models?|dlrm"
    r"|tensor programs?|mamba)\b",
    re.IGNORECASE,
)


# -- queries ---------------------------------------------------------------------------------
def area_terms(taxonomy: Taxonomy, per_area: int = TERMS_PER_AREA) -> dict[str, list[str]]:
    """Search phrases per area: its strongest plain terms (no wildcards, no patterns).

    The area's name comes first when a strong wildcard term of the area covers it, then the
    area's own rule terms, then its subtopics', strongest first (a bare name like "Training"
    would match too much; arXiv's search has no wildcards)."""
    out: dict[str, list[str]] = {}
    for area in taxonomy.areas:
        name = area.name.lower()
        own = (area.rules or {}).get("terms") or {}
        # The name leads when a strong wildcard term of the area covers it ('quantiz*').
        phrases = [
            name
            for term, weight in own.items()
            if float(weight) >= MIN_TERM_WEIGHT
            and str(term).endswith("*")
            and name.startswith(str(term).lower()[:-1])
        ][:1]
        weighted: list[tuple[int, float, str]] = []
        for i, nid in enumerate(taxonomy.descendants(area.id)):
            terms = (taxonomy.get(nid).rules or {}).get("terms") or {}
            for term, weight in terms.items():
                t = " ".join(str(term).lower().split())
                if float(weight) >= MIN_TERM_WEIGHT and _PHRASE_OK.match(t) and len(t) > 2:
                    weighted.append((min(i, 1), -float(weight), t))
        for _, _, t in sorted(weighted):
            if len(phrases) >= per_area:
                break
            if t not in phrases:
                phrases.append(t)
        out[area.id] = phrases or [area.name.lower()]
    return out


def _phrase(field_: str, text: str) -> str:
    return f'{field_}:"{text}"' if " " in text or "-" in text else f"{field_}:{text}"


def watch_query(taxonomy: Taxonomy, categories: Sequence[str] = WATCH_CATEGORIES) -> str:
    """The default watch query (without its date window): one request per page for all areas."""
    cats = " OR ".join(f"cat:{c}" for c in categories)
    groups = []
    for phrases in area_terms(taxonomy).values():
        terms = " OR ".join(f"{_phrase('ti', p)} OR {_phrase('abs', p)}" for p in phrases)
        groups.append(f"({terms})")
    return f"({cats}) AND ({' OR '.join(groups)})"


def _stamp(when: datetime) -> str:
    when = when.astimezone(timezone.utc)
    return f"{when.year:04d}{when:%m%d%H%M}"  # %Y leaves year 1 unpadded on some platforms


def window_query(query: str, since: datetime, until: datetime) -> str:
    """``query`` restricted to papers first submitted in [since, until]."""
    return f"({query}) AND submittedDate:[{_stamp(since)} TO {_stamp(until)}]"


def parse_since(text: str) -> datetime:
    """``--since``: a date (YYYY-MM-DD, midnight UTC) or an ISO date-time (UTC unless given)."""
    s = text.strip()
    try:
        when = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--since must be a date (YYYY-MM-DD) or an ISO date-time, got '{text}'") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def _day(when: datetime) -> str:
    return f"{when.year:04d}-{when:%m-%d %H:%M}"


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _published(paper: Paper) -> datetime | None:
    return _when(paper.published)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


# -- fetching ----------------------------------------------------------------------------------
@dataclass
class Fetched:
    papers: list[Paper] = field(default_factory=list)
    pages: int = 0
    complete: bool = True  # False when the page cap (or an empty page) stopped the paging
    empty_at: int | None = None  # the offset of the empty page that stopped it, if one did


def search_window(
    client: ArxivClient,
    query: str,
    since: datetime,
    until: datetime,
    *,
    page_size: int = PAGE_SIZE,
    max_pages: int = MAX_PAGES,
) -> Fetched:
    """Every paper of ``query`` first submitted in [since, until], newest first.

    Pages until the total is reached, a page ends before ``since`` or ``max_pages`` pages
    were read. Papers outside the window are dropped, repeats across pages too."""
    out = Fetched()
    seen: set[str] = set()
    full = window_query(query, since, until)
    start = 0
    empty = 0  # empty pages in a row at ``start``
    while True:
        if out.pages >= max_pages:
            out.complete = False
            break
        page = client.search(
            full, start=start, max_results=page_size, sort_by="submittedDate", sort_order="descending"
        )
        if not page.papers and start < page.total:
            # arXiv's API sends an empty page now and then although more results exist: asked
            # again (not counted as a page read), then the run is incomplete
            if empty < EMPTY_PAGE_RETRIES:
                empty += 1
                continue
            out.complete, out.empty_at = False, start
            break
        empty = 0
        out.pages += 1
        oldest: datetime | None = None
        for paper in page.papers:
            when = _published(paper)
            if when is not None:
                oldest = when if oldest is None else min(oldest, when)
            if paper.id in seen or when is None or not since <= when <= until:
                continue
            seen.add(paper.id)
            out.papers.append(paper)
        start += len(page.papers)
        if not page.papers or start >= page.total or (oldest is not None and oldest < since):
            break
    return out


_ANNOUNCE = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*(\S+)\s*(?:Abstract:\s*)?", re.IGNORECASE)


def read_feed_text(source: str, client: ArxivClient) -> str:
    """The body of a feed: an http(s) URL through the polite client (its delay, retries and
    errors, pointed at the feed for one request), ``-`` standard input, else a local file."""
    from efmcat.arxiv import MAX_BODY_BYTES  # a file or stdin is held to what arXiv may send
    from efmcat.inputs import read_bytes

    if source == "-":
        try:
            data = read_bytes("-", MAX_BODY_BYTES)
            _check_feed_size(len(data), "stdin")
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"cannot read the feed from stdin: not UTF-8 (byte {exc.start})") from exc
        except OSError as exc:
            raise ParseError(f"cannot read the feed from stdin: {exc.strerror or exc}") from exc
    if re.match(r"^https?://", source, re.IGNORECASE):
        from efmcat.arxiv import check_url

        check_url(source, "--feed")  # a URL that cannot work is a usage error, not a network fault
        api = client.url
        client.url = source
        try:
            return client.get(None)  # the URL as given, its query string too
        finally:
            client.url = api
    try:
        data = read_bytes(source, MAX_BODY_BYTES)  # /dev/zero, a 200 MB file: no further than the bound
        _check_feed_size(len(data), source)
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ParseError(f"cannot read feed {source}: {exc.strerror or exc}") from exc


def _check_feed_size(size: int, source: str) -> None:
    from efmcat.arxiv import MAX_BODY_BYTES
    from efmcat.inputs import too_large

    if size > MAX_BODY_BYTES:  # read_bytes gave one byte more than the bound
        raise ParseError(too_large(f"feed {source}", MAX_BODY_BYTES) + " (an arXiv feed is well under 1 MB)")


def parse_listing_feed(text: str, source: str = "feed") -> list[Paper]:
    """Papers of an arXiv listing feed (RSS 2.0 or Atom from rss.arxiv.org), or of an arXiv
    API Atom answer. Replacements of older papers (``Announce Type: replace``) are skipped."""
    import feedparser

    parsed = feedparser.parse(text)
    if "opensearch_totalresults" in parsed.get("feed", {}):
        from efmcat.arxiv import parse_feed

        return parse_feed(text, source).papers
    name = "stdin" if source == "-" else source
    if parsed.get("bozo") and not parsed.entries:
        raise ParseError(f"{name} is not an RSS or Atom feed")
    if not parsed.get("version") and not parsed.entries:
        raise ParseError(f"{name} is not an RSS or Atom feed")
    papers: list[Paper] = []
    for entry in parsed.entries:
        paper = _feed_entry(entry)
        if paper is not None and paper.id not in {p.id for p in papers}:
            papers.append(paper)
    return papers


def _feed_entry(entry: Any) -> Paper | None:
    aid = None
    for raw in (entry.get("id"), entry.get("guid"), entry.get("link")):
        if raw:
            raw = re.sub(r"^oai:arXiv\.org:", "", str(raw), flags=re.IGNORECASE)
            aid = try_parse_arxiv_id(raw)
            if aid is not None:
                break
    if aid is None:
        return None
    summary = str(entry.get("summary") or "")
    kind = str(entry.get("arxiv_announce_type") or "")
    m = _ANNOUNCE.match(summary)
    if m:
        kind = kind or m.group(1)
        summary = summary[m.end() :]
    if kind.lower().startswith("replace"):
        return None
    authors: list[str] = []
    for a in entry.get("authors") or []:
        authors += [n.strip() for n in str(a.get("name") or "").split(",") if n.strip()]
    categories = list(
        dict.fromkeys(str(t.get("term")).strip() for t in entry.get("tags") or [] if t.get("term"))
    )
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = _iso(datetime(*stamp[:6], tzinfo=timezone.utc)) if stamp else None
    title = " ".join(str(entry.get("title") or "").split()) or str(aid)
    return Paper(
        id=aid.id,
        version=aid.version,
        title=title,
        authors=authors,
        abstract=" ".join(summary.split()) or None,
        year=int(published[:4]) if published else None,
        published=published,
        categories=categories,
        primary_category=categories[0] if categories else None,
        url=f"https://arxiv.org/abs/{aid.id}",
        source="arxiv",
        verified=False,
    )


# -- ranking -----------------------------------------------------------------------------------
def in_field(paper: Paper) -> bool:
    """Whether ``paper`` is about machine learning at all: a machine-learning arXiv category
    (:data:`ML_CATEGORIES`), or a word of the subject in its title or abstract."""
    if ML_CATEGORIES.intersection(paper.categories or ()):
        return True
    return _ML_WORDS.search(f"{paper.title}\n{paper.abstract or ''}") is not None


@dataclass
class Candidate:
    paper: Paper
    score: float
    areas: list[str]
    topics: list[str]
    in_catalog: bool
    added: bool = False
    in_field: bool = True  # False: no ML category and no word of the subject (see in_field)

    def to_json(self) -> dict[str, Any]:
        p = self.paper
        return {
            "id": p.id,
            "version": p.version,
            "title": p.title,
            "authors": p.authors,
            "published": p.published,
            "categories": p.categories,
            "areas": self.areas,
            "topics": self.topics,
            "score": self.score,
            "in_catalog": self.in_catalog,
            "in_field": self.in_field,
            "added": self.added,
            "url": p.url or f"https://arxiv.org/abs/{p.id}",
        }


def rank(catalog: Catalog, papers: Iterable[Paper], taxonomy: Taxonomy) -> list[Candidate]:
    """Candidates scored by the rules: relevance = the best area rule score; papers about
    machine learning (:func:`in_field`) first, then most relevant first, newest first among
    equals. ``areas``/``topics`` are the nodes the tagger (the catalog's model with the
    rules) would assign."""
    from efmcat.tagger import auto_tags, score_paper, tagger_model

    papers = list(papers)
    present = catalog.existing_ids(p.id for p in papers)
    model = tagger_model(catalog) if papers else None
    out = []
    for p in papers:
        scores = score_paper(taxonomy, p.title, p.abstract, p.categories)
        area_scores = [s.score for n, s in scores.items() if taxonomy.get(n).is_area]
        assigned = list(auto_tags(taxonomy, p.title, p.abstract, p.categories, model=model))
        out.append(
            Candidate(
                paper=p,
                score=round(max(area_scores, default=0.0), 2),
                areas=[n for n in assigned if taxonomy.get(n).is_area],
                topics=[n for n in assigned if not taxonomy.get(n).is_area],
                in_catalog=p.id in present,
                in_field=in_field(p),
            )
        )
    out.sort(
        key=lambda c: (not c.in_field, -c.score, -(_published(c.paper) or _EPOCH).timestamp(), c.paper.id)
    )
    return out


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# -- state -------------------------------------------------------------------------------------
def _load(catalog: Catalog, key: str) -> dict[str, Any]:
    return json_dict(catalog.get_meta(key))


def rejected_ids(catalog: Catalog) -> set[str]:
    return set(_load(catalog, REJECTED_KEY))


def reject(catalog: Catalog, ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """Remember ``ids`` as rejected (they are never shown again); returns them normalised:
    (those rejected now, those rejected before)."""
    parsed = []
    for text in ids:
        aid = try_parse_arxiv_id(text)
        if aid is None:
            raise InvalidIdError(f"not an arXiv id: {text.strip()}" if text.strip() else "empty id")
        parsed.append(aid.id)
    parsed = list(dict.fromkeys(parsed))
    if not parsed:
        raise UsageError("give the arXiv ids to reject")
    with catalog.transaction():
        state = _load(catalog, REJECTED_KEY)
        before = [pid for pid in parsed if pid in state]
        now = utcnow()
        for pid in parsed:
            state.setdefault(pid, now)
        catalog.set_meta(REJECTED_KEY, json.dumps(state, sort_keys=True))
    return [pid for pid in parsed if pid not in before], before


def last_run(catalog: Catalog, key: str) -> dict[str, Any] | None:
    run = _load(catalog, RUNS_KEY).get(key)
    return run if isinstance(run, dict) else None


# -- a run -------------------------------------------------------------------------------------
@dataclass
class DiscoverReport:
    key: str
    since: datetime | None
    until: datetime
    candidates: list[Candidate] = field(default_factory=list)  # shown, ranked
    fetched: int = 0  # papers in the window / feed
    pages: int = 0
    requests: int = 0
    complete: bool = True
    empty_at: int | None = None  # the offset of an empty page that left the window unread
    rejected: int = 0  # left out as rejected
    seen: int = 0  # left out as shown by an earlier run
    filtered: int = 0  # left out by --min-score / --area
    off_field: int = 0  # shown, ranked last and never added: not about machine learning
    over_limit: int = 0  # left out by --limit
    added: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)  # --add candidates the API did not return
    # (the catalog's id, the arXiv id): records without an arXiv id of added papers, merged
    merged: list[tuple[str, str]] = field(default_factory=list)
    remembered: bool = True  # False on a catalog this user cannot write: shown, not remembered

    def summary(self) -> str:
        if self.since is None:
            where = "From the feed"
        else:
            where = f"From {_day(self.since)} to {_day(self.until)} UTC"
        n = len(self.candidates)
        parts = [f"{where}: {self.fetched} paper{'s' if self.fetched != 1 else ''}"]
        if self.pages:
            parts[0] += f" in {self.pages} page{'s' if self.pages != 1 else ''}"
        parts.append(f"{n} candidate{'s' if n != 1 else ''}")
        marked = sum(c.in_catalog and not c.added for c in self.candidates)
        if marked:
            parts.append(f"{marked} already in the catalog")
        if self.seen:
            parts.append(f"{self.seen} shown before")
        if self.rejected:
            parts.append(f"{self.rejected} rejected")
        if self.off_field:
            parts.append(f"{self.off_field} off-field")
        if self.filtered:
            parts.append(f"{self.filtered} below the filters")
        if self.over_limit:
            parts.append(f"{self.over_limit} past --limit")
        if self.added:
            parts.append(f"{len(self.added)} added")
        if self.not_found:
            parts.append(f"{len(self.not_found)} not found on arXiv")
        if self.merged:
            parts.append(
                f"{len(self.merged)} earlier record{'s' if len(self.merged) != 1 else ''} merged into them"
            )
        return ", ".join(parts) + "."


def discover(
    catalog: Catalog,
    *,
    query: str | None = None,
    feed: str | None = None,
    since: str | datetime | None = None,
    min_score: float | None = None,
    areas: Sequence[str] = (),
    limit: int | None = None,
    add: bool = False,
    client: ArxivClient | None = None,
    taxonomy: Taxonomy | None = None,
    seeds: Path | None = None,
    now: datetime | None = None,
    max_pages: int = MAX_PAGES,
    page_size: int = PAGE_SIZE,
) -> DiscoverReport:
    """One discover run: fetch the window (or feed), rank, filter, optionally add, remember.

    The run is remembered (and ``--add`` stores its papers) in one transaction, only after
    every page was read; a network or API failure leaves the catalog as it was. On a catalog
    this user cannot write, a run without ``add`` is shown and not remembered."""
    if query is not None and feed is not None:
        raise UsageError("give --query or --feed (not both)")
    if query is not None and not query.strip():
        raise UsageError("--query must not be empty")
    if limit is not None:
        from efmcat.searchsql import check_limit

        check_limit(limit)  # 1 to MAX_LIMIT, as list and search take
    if max_pages < 1:
        raise UsageError("--max-pages must be at least 1")
    if min_score is not None and not -1e9 < min_score < 1e9:  # also nan
        raise UsageError(f"--min-score must be a number, not {min_score}")
    taxonomy = taxonomy or load_taxonomy()
    wanted_nodes = {taxonomy.get(a).id for a in areas}
    until = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    key = run_key(query, feed, min_score, [taxonomy.get(a).id for a in areas], limit)
    run = last_run(catalog, key)
    since_dt = parse_since(since) if isinstance(since, str) else since
    from_state = since_dt is None and run is not None
    if since_dt is None and feed is None:
        if run is not None and run.get("next_since"):  # the last run did not read its window
            since_dt = parse_since(run["next_since"])
        elif run is not None and run.get("until"):
            since_dt = parse_since(run["until"]) - timedelta(days=LAG_DAYS)
        else:
            since_dt = until - timedelta(days=DEFAULT_DAYS)
    if since_dt is not None and since_dt > until:
        raise UsageError(f"--since {_iso(since_dt)} is in the future")
    report = DiscoverReport(key=key, since=since_dt, until=until)

    from efmcat.fetch import client_session

    with client_session(client, report) as client:
        before = client.requests_made
        try:
            if feed is not None:
                papers = parse_listing_feed(read_feed_text(feed, client), feed)
                if since_dt is not None:
                    papers = [p for p in papers if (w := _published(p)) is None or w >= since_dt]
            else:
                assert since_dt is not None
                got = search_window(
                    client,
                    query if query is not None else watch_query(taxonomy),
                    since_dt,
                    until,
                    page_size=page_size,
                    max_pages=max_pages,
                )
                papers, report.pages, report.complete = got.papers, got.pages, got.complete
                report.empty_at = got.empty_at
        except OfflineError as exc:
            if feed is not None:  # EFMCAT_ARXIV_URL is the API's address, not the feed's
                hint = "offline? check the network and the proxy (HTTPS_PROXY), or save the feed and give it as --feed FILE"
            else:
                hint = f"{exc.hint}; discover also reads a saved listing: --feed FILE"
            raise OfflineError(exc.problem, hint) from exc
        report.fetched = len(papers)

        rejected = rejected_ids(catalog)
        shown_before = set((run or {}).get("seen", {})) if from_state else set()
        kept = []
        for p in papers:
            if p.id in rejected:
                report.rejected += 1
            elif p.id in shown_before:
                report.seen += 1
            else:
                kept.append(p)
        ranked = rank(catalog, kept, taxonomy)
        shown = [
            c
            for c in ranked
            if (min_score is None or c.score >= min_score)
            and (not wanted_nodes or wanted_nodes & set(c.areas + c.topics))
        ]
        report.filtered = len(ranked) - len(shown)
        if limit is not None:
            report.over_limit = max(0, len(shown) - limit)
            shown = shown[:limit]
        report.candidates = shown
        report.off_field = sum(not c.in_field and not c.in_catalog for c in shown)

        to_add: list[Candidate] = []
        if add:
            floor = DEFAULT_ADD_SCORE if min_score is None else min_score
            to_add = [c for c in shown if not c.in_catalog and c.in_field and c.score >= floor]
            if feed is not None and to_add:  # listing feeds carry partial metadata: fetch it
                full = {p.id: p for p in client.fetch_papers([c.paper.id for c in to_add])}
                # not added, and not remembered as shown: the next run offers them again
                report.not_found = [c.paper.id for c in to_add if c.paper.id not in full]
                to_add = [c for c in to_add if c.paper.id in full]
                for c in to_add:
                    c.paper = full[c.paper.id]
        report.requests = client.requests_made - before

    if not add and not catalog.writable():
        report.remembered = False  # a read-only catalog: the run is shown, not remembered
        return report
    with catalog.transaction():
        if to_add:
            report.merged = _store(catalog, [c.paper for c in to_add], taxonomy, seeds)
            for c in to_add:
                c.in_catalog = c.added = True
            report.added = [c.paper.id for c in to_add]
        fetched = {p.id for p in papers}
        missing = set(report.not_found)
        seen = [c for c in shown if c.paper.id not in missing]
        next_since = None if report.complete or since_dt is None else since_dt
        _remember(catalog, key, until, since_dt, run if from_state else None, seen, fetched, next_since)
    return report


def run_key(
    query: str | None, feed: str | None, min_score: float | None, nodes: Sequence[str], limit: int | None
) -> str:
    """The state key of a run: its query (``default``, ``query:<text>``, ``feed:<url>``) and
    the filters it had, if any (a run with filters does not use up what they left out)."""
    key = "default" if query is None and feed is None else (f"query:{query}" if query else f"feed:{feed}")
    if min_score is not None:
        key += f"|min-score={min_score:g}"
    if nodes:
        key += "|tag=" + ",".join(sorted(set(nodes)))
    if limit is not None:
        key += f"|limit={limit}"
    return key


def _store(
    catalog: Catalog, papers: list[Paper], taxonomy: Taxonomy, seeds: Path | None
) -> list[tuple[str, str]]:
    """Add ``papers``; the records without an arXiv id merged into them (same title)."""
    from efmcat.fetch import AddReport, _store_batch, curated_tags

    added = AddReport()
    _store_batch(catalog, papers, set(), curated_tags(seeds), {}, taxonomy, added)
    return added.merged


def _remember(
    catalog: Catalog,
    key: str,
    until: datetime,
    since: datetime | None,
    previous: dict[str, Any] | None,
    shown: list[Candidate],
    fetched: set[str],
    next_since: datetime | None = None,
) -> None:
    runs = _load(catalog, RUNS_KEY)
    seen: dict[str, str] = dict((previous or {}).get("seen", {}))
    for c in shown:
        seen[c.paper.id] = c.paper.published or _iso(until)
    # Only ids that a later window can still contain are worth remembering: those read in
    # this run (a feed file or a listing may stay the same) and the recent ones.
    horizon = until - timedelta(days=LAG_DAYS + 1)
    if key.startswith("feed:"):
        horizon = until - timedelta(days=DEFAULT_DAYS)
    if next_since is not None:
        horizon = min(horizon, next_since)
    seen = {
        pid: when
        for pid, when in seen.items()
        if pid in fetched or (w := _when(when)) is None or w >= horizon
    }
    runs[key] = {
        "last_run": _iso(until),
        "since": _iso(since) if since is not None else None,
        "until": _iso(until),
        "seen": dict(sorted(seen.items())),
    }
    if next_since is not None:
        runs[key]["next_since"] = _iso(next_since)
    catalog.set_meta(RUNS_KEY, json.dumps(runs, sort_keys=True))
