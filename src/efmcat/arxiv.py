"""The arXiv API client: id_list batches, search paging, politeness, retries, Atom parsing.

httpx and feedparser are imported here and nowhere on the CLI's start-up path: import this
module from inside a command. Configuration comes from the environment unless given:
``EFMCAT_ARXIV_URL`` (default https://export.arxiv.org/api/query), ``EFMCAT_ARXIV_DELAY``
(seconds between requests, default 3, as arXiv asks), ``EFMCAT_ARXIV_BACKOFF`` (first retry
wait, default 1 s) and ``EFMCAT_ARXIV_TIMEOUT`` (read timeout, default 30 s).

Bounds: a body is read as a stream and abandoned past ``MAX_BODY_BYTES`` (decompressed, so a
gzip bomb stops there); one request (all its bytes) may take ``EFMCAT_ARXIV_REQUEST_TIMEOUT``
seconds (default 60; checked as bytes arrive, so add at most one read timeout), and all the
requests of one client (one command) ``EFMCAT_ARXIV_DEADLINE`` seconds (default 900). A
``Retry-After`` longer than ``MAX_RETRY_WAIT`` ends the command at once instead of sleeping;
every wait of a second or more is announced ("waiting N s") through ``notify``.

Every fault becomes a typed error: ``NetworkError`` (unreachable at once: a DNS failure or a
refused connection is not retried, the message says what to do; timeouts and 429/5xx after
the last attempt) or ``ArxivAPIError`` (an arXiv error entry, a body that is not an arXiv
feed). Nothing here touches the catalog.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import feedparser
import httpx

from efmcat import __version__
from efmcat.errors import ArxivAPIError, NetworkError, OfflineError, UsageError
from efmcat.ids import ArxivId, parse_arxiv_id, try_parse_arxiv_id
from efmcat.models import Paper, spaced_name

DEFAULT_URL = "https://export.arxiv.org/api/query"
DEFAULT_DELAY = 3.0
DEFAULT_BACKOFF = 1.0
DEFAULT_READ_TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
MAX_BATCH = 100  # ids per id_list request
MAX_ATTEMPTS = 4
MAX_RETRY_WAIT = 120.0  # a Retry-After longer than this gives up instead of sleeping
MAX_BODY_BYTES = 20_000_000  # a 100-paper answer is ~300 KB
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_DEADLINE = 900.0
MAX_REDIRECTS = 5
MIN_REQUEST_SLICE = 0.1  # no request starts with less of the command's deadline left than this
USER_AGENT = f"efmcat/{__version__} (efficient-LLM paper catalog; polite arXiv API client)"
_RETRY_STATUS = {429, 500, 502, 503, 504}


def _env_seconds(name: str, default: float, *, positive: bool = False) -> float:
    """A number of seconds from the environment; ``positive``: 0 is refused too (a timeout
    of 0 s cannot let any request through: it was retried and reported as a network fault)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):  # also rejects nan
        raise UsageError(f"{name} must be a number of seconds, got '{raw}'")
    if positive and value == 0:
        raise UsageError(f"{name} must be more than 0 seconds, got '{raw}'")
    return value


def api_url() -> str:
    return os.environ.get("EFMCAT_ARXIV_URL") or DEFAULT_URL


def check_url(url: str, name: str = "EFMCAT_ARXIV_URL") -> str:
    """``url`` if it is an http(s) URL with a host; else a usage error at once (retrying a
    URL that cannot work would read as a network fault)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host or url != url.strip():
        raise UsageError(f"{name} must be an http:// or https:// URL, got '{url}'")
    return url


@dataclass
class FetchResult:
    """One id_list answer: the papers found and the requested ids arXiv left out."""

    papers: list[Paper] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


@dataclass
class SearchPage:
    """One page of a search_query answer."""

    papers: list[Paper]
    total: int
    start: int
    items_per_page: int


class ArxivClient:
    """A polite arXiv API client. Use as a context manager or call :meth:`close`.

    ``delay`` is the minimum time between the end of one request and the start of the next
    (retries included); ``backoff_base`` the first retry wait, doubled per attempt, with jitter;
    a ``Retry-After`` header wins when it asks for longer."""

    def __init__(
        self,
        url: str | None = None,
        *,
        delay: float | None = None,
        backoff_base: float | None = None,
        read_timeout: float | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        notify: Callable[[str], None] | None = None,
        request_timeout: float | None = None,
        deadline: float | None = None,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.url = check_url(url) if url else check_url(api_url())
        self.delay = _env_seconds("EFMCAT_ARXIV_DELAY", DEFAULT_DELAY) if delay is None else delay
        self.backoff_base = (
            _env_seconds("EFMCAT_ARXIV_BACKOFF", DEFAULT_BACKOFF) if backoff_base is None else backoff_base
        )
        read = (
            _env_seconds("EFMCAT_ARXIV_TIMEOUT", DEFAULT_READ_TIMEOUT, positive=True)
            if read_timeout is None
            else read_timeout
        )
        self.max_attempts = max(1, max_attempts)
        self.request_timeout = (
            _env_seconds("EFMCAT_ARXIV_REQUEST_TIMEOUT", DEFAULT_REQUEST_TIMEOUT, positive=True)
            if request_timeout is None
            else request_timeout
        )
        total = (
            _env_seconds("EFMCAT_ARXIV_DEADLINE", DEFAULT_DEADLINE, positive=True)
            if deadline is None
            else deadline
        )
        if self.delay > total and delay is None:  # no second request could ever be made
            raise UsageError(
                f"EFMCAT_ARXIV_DELAY ({self.delay:g} s) is longer than the command's deadline "
                f"({total:g} s, EFMCAT_ARXIV_DEADLINE)"
            )
        self.deadline_seconds = total
        self._deadline = time.monotonic() + total
        self.max_body = max_body
        self._notify = notify if notify is not None else _to_stderr
        self._sleep = sleep
        self._last_done: float | None = None
        self.requests_made = 0
        self._read_timeout, self._connect_timeout = read, connect_timeout
        self._http = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(read, connect=connect_timeout),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- HTTP ---------------------------------------------------------------------------
    def _wait_politely(self, at_least: float = 0.0, why: str = "") -> None:
        wait = at_least
        if self._last_done is not None:
            wait = max(wait, self._last_done + self.delay - time.monotonic())
        if wait > 0:
            if time.monotonic() + wait + MIN_REQUEST_SLICE > self._deadline:
                raise self._past_deadline(why, waiting=wait)
            if wait >= 1 and why:
                self._notify(f"arXiv: {why}; waiting {wait:.0f} s before retrying")
            self._sleep(wait)

    def _past_deadline(self, why: str, waiting: float = 0.0) -> NetworkError:
        last = f"; last problem: {why}" if why else ""
        if waiting and not why and time.monotonic() + waiting > self._deadline:
            # the polite delay itself would pass the deadline: no time has run out yet
            return NetworkError(
                f"gave up on arXiv at {self.url}: the delay of {self.delay:g} s (EFMCAT_ARXIV_DELAY) "
                f"would pass this command's {self.deadline_seconds:g} s (EFMCAT_ARXIV_DEADLINE)"
            )
        return NetworkError(
            f"gave up on arXiv at {self.url}: over {self.deadline_seconds:g} s for this command "
            f"(EFMCAT_ARXIV_DEADLINE){last}"
        )

    def _backoff(self, attempt: int) -> float:
        base = self.backoff_base * 2 ** (attempt - 1)
        return base * random.uniform(0.75, 1.25)

    def _fetch(self, params: dict[str, str | int] | None) -> tuple[int, str, httpx.Headers]:
        """One request, its body read as a stream within the size and time bounds."""
        started = time.monotonic()
        own_limit = started + self.request_timeout
        limit = min(own_limit, self._deadline)
        # No wait for a byte may outlast the command's deadline (a server that never answers).
        left = max(MIN_REQUEST_SLICE, self._deadline - started)
        timeout = httpx.Timeout(min(self._read_timeout, left), connect=min(self._connect_timeout, left))
        with self._http.stream("GET", self.url, params=params, timeout=timeout) as response:
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():  # decompressed bytes
                size += len(chunk)
                if size > self.max_body:
                    raise NetworkError(
                        f"arXiv at {self.url} sent more than {self.max_body} bytes; gave up reading"
                    )
                if time.monotonic() > limit:
                    raise _TooSlow(
                        f"the answer took longer than {limit - started:g} s", by_deadline=limit < own_limit
                    )
                chunks.append(chunk)
            body = b"".join(chunks).decode(response.encoding or "utf-8", errors="replace")
            return response.status_code, body, response.headers

    def get(self, params: dict[str, str | int] | None) -> str:
        """GET the API with ``params`` (None: the URL as it is, its own query string kept);
        the body of a 200 answer, after retries."""
        retry_wait = 0.0
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            self._wait_politely(retry_wait, problem)
            retry_after: float | None = None
            self.requests_made += 1
            try:
                status, body, headers = self._fetch(params)
            except httpx.TimeoutException as exc:
                kind = "connect" if isinstance(exc, httpx.ConnectTimeout) else "read"
                problem = f"timed out ({kind} timeout)"
                if time.monotonic() + MIN_REQUEST_SLICE >= self._deadline:  # the command's time is up
                    raise self._past_deadline(problem) from None
            except _TooSlow as exc:
                if exc.by_deadline:  # the command's time is up, not this request's
                    raise self._past_deadline(problem or "an answer was still arriving") from None
                problem = f"timed out ({exc})"
            except httpx.TooManyRedirects:
                raise NetworkError(
                    f"arXiv at {self.url} redirected more than {MAX_REDIRECTS} times (a redirect loop?)"
                ) from None
            except httpx.DecodingError as exc:
                raise NetworkError(
                    f"arXiv at {self.url} sent a body that cannot be decoded ({_transport_message(exc)})"
                ) from None
            except httpx.ConnectError as exc:  # DNS failure, connection refused: retrying will not help
                raise offline_error(self.url, _transport_message(exc)) from None
            except httpx.TransportError as exc:  # reset, broken connection, ...
                problem = _transport_message(exc)
            except httpx.HTTPError as exc:
                raise NetworkError(f"arXiv at {self.url} failed: {_transport_message(exc)}") from None
            else:
                if status == 200:
                    return body
                if status not in _RETRY_STATUS:
                    raise _http_error(self.url, status, body)
                problem = f"HTTP {status}"
                retry_after = _retry_after(headers)
                if retry_after is not None and retry_after > MAX_RETRY_WAIT:
                    raise NetworkError(
                        f"arXiv at {self.url} answered {problem} and asks to wait {retry_after:.0f} s "
                        "(Retry-After); try again later"
                    )
            finally:
                self._last_done = time.monotonic()
            if attempt < self.max_attempts:
                retry_wait = min(max(self._backoff(attempt), retry_after or 0.0), MAX_RETRY_WAIT)
        attempts = f"{self.max_attempts} attempt{'s' if self.max_attempts != 1 else ''}"
        if problem.startswith("HTTP"):
            raise NetworkError(f"arXiv at {self.url} kept failing: {problem} after {attempts}")
        if problem.startswith("timed out"):
            raise NetworkError(f"arXiv at {self.url} did not answer in time: {problem} after {attempts}")
        raise NetworkError(f"could not reach arXiv at {self.url}: {problem} after {attempts}")

    # -- API calls ------------------------------------------------------------------------
    def fetch_batch(self, ids: Sequence[ArxivId | str]) -> FetchResult:
        """Metadata of at most 100 papers in one id_list request (max_results = batch size)."""
        wanted = _dedupe([i if isinstance(i, ArxivId) else parse_arxiv_id(i) for i in ids])
        if not wanted:
            return FetchResult()
        if len(wanted) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} ids per request, got {len(wanted)}")
        body = self.get(
            {
                "id_list": ",".join(str(i) for i in wanted),
                "start": 0,
                "max_results": len(wanted),
            }
        )
        feed = parse_feed(body, self.url)
        by_id = {p.id: p for p in feed.papers}
        found = [by_id[w.id] for w in wanted if w.id in by_id]
        missing = [str(w) for w in wanted if w.id not in by_id]
        return FetchResult(found, missing)

    def iter_batches(
        self, ids: Iterable[ArxivId | str], batch_size: int = MAX_BATCH
    ) -> Iterator[tuple[list[ArxivId], FetchResult]]:
        """(batch, result) for each batch of at most ``batch_size`` ids, one request each."""
        wanted = _dedupe([i if isinstance(i, ArxivId) else parse_arxiv_id(i) for i in ids])
        size = max(1, min(batch_size, MAX_BATCH))
        for i in range(0, len(wanted), size):
            batch = wanted[i : i + size]
            yield batch, self.fetch_batch(batch)

    def fetch_papers(self, ids: Iterable[ArxivId | str]) -> list[Paper]:
        """Every paper arXiv has among ``ids`` (missing ones are left out), in ceil(N/100) requests."""
        out: list[Paper] = []
        for _, result in self.iter_batches(ids):
            out.extend(result.papers)
        return out

    def search(
        self,
        query: str,
        *,
        start: int = 0,
        max_results: int = 100,
        sort_by: str | None = None,
        sort_order: str | None = None,
    ) -> SearchPage:
        """One page of a ``search_query`` (arXiv's query syntax, e.g. ``all:quantization``)."""
        params: dict[str, str | int] = {"search_query": query, "start": start, "max_results": max_results}
        if sort_by:
            params["sortBy"] = sort_by
        if sort_order:
            params["sortOrder"] = sort_order
        feed = parse_feed(self.get(params), self.url)
        return SearchPage(feed.papers, feed.total, feed.start, feed.items_per_page)

    def iter_search(
        self, query: str, *, page_size: int = 100, limit: int | None = None, **kw
    ) -> Iterator[Paper]:
        """Every result of a search, page after page, until totalResults (or ``limit``)."""
        start, seen = 0, 0
        while True:
            size = page_size if limit is None else min(page_size, limit - seen)
            if size <= 0:
                return
            page = self.search(query, start=start, max_results=size, **kw)
            for paper in page.papers:
                yield paper
                seen += 1
            start += len(page.papers)
            if not page.papers or start >= page.total:
                return


def fetch_papers(ids: Iterable[ArxivId | str]) -> list[Paper]:
    """Convenience: fetch ``ids`` with a client configured from the environment."""
    with ArxivClient() as client:
        return client.fetch_papers(ids)


OFFLINE_HINT = (
    "offline? check the network and the proxy (HTTPS_PROXY), or set EFMCAT_ARXIV_URL to a reachable server"
)


def offline_error(url: str, problem: str) -> OfflineError:
    """The error for an unreachable API (no DNS answer, connection refused): what happened
    and what to do, on one line."""
    return OfflineError(f"could not reach arXiv at {url}: {problem}", OFFLINE_HINT)


def _dedupe(ids: Iterable[ArxivId]) -> list[ArxivId]:
    seen: dict[str, ArxivId] = {}
    for i in ids:
        seen.setdefault(i.id, i)
    return list(seen.values())


def _transport_message(exc: Exception) -> str:
    text = str(exc).strip()
    cause = exc.__cause__ or exc.__context__
    if not text and cause is not None:
        text = str(cause).strip()
    return text.rstrip(".") or type(exc).__name__  # it goes mid-sentence: "...: X; waiting 2 s"


class _TooSlow(Exception):
    """A request that went on past its time bound (e.g. a server trickling bytes)."""

    def __init__(self, message: str, *, by_deadline: bool = False) -> None:
        super().__init__(message)
        self.by_deadline = by_deadline  # the command's deadline fell before the request's own bound


def _to_stderr(message: str) -> None:
    import sys

    from efmcat.render import term

    sys.stderr.write(term(message) + "\n")


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _http_error(url: str, status: int, body: str) -> ArxivAPIError:
    message = _error_entry_message(body)
    if message:
        return ArxivAPIError(f"arXiv rejected the request: {message}")
    return ArxivAPIError(f"arXiv at {url} answered HTTP {status}")


# -- Atom parsing ---------------------------------------------------------------------------


@dataclass
class Feed:
    papers: list[Paper]
    total: int
    start: int
    items_per_page: int


def _clean(text: object) -> str | None:
    if text is None:
        return None
    s = " ".join(str(text).split())
    return s or None


def _text(text: object) -> str | None:
    """A title or abstract as the shipped catalog keeps them: its LaTeX as plain text."""
    from efmcat.latex import latex_to_text

    s = _clean(text)
    return None if s is None else latex_to_text(s) or None


def _is_error_entry(entry) -> bool:
    eid = str(entry.get("id", ""))
    return "arxiv.org/api/errors" in eid or (entry.get("title") == "Error" and "/abs/" not in eid)


def _error_entry_message(body: str) -> str | None:
    if not body or "<feed" not in body:
        return None
    parsed = feedparser.parse(body)
    for entry in parsed.entries:
        if _is_error_entry(entry):
            return _clean(entry.get("summary")) or "unknown error"
    return None


def parse_feed(body: str, url: str = "arXiv") -> Feed:
    """Parse an arXiv API Atom body (current or older format) into Papers.

    ArxivAPIError for an arXiv error entry or for anything that is not an arXiv Atom feed
    (an HTML page, truncated XML, an empty body)."""
    if not body or not body.strip():
        raise ArxivAPIError(f"arXiv at {url} sent an empty response instead of an Atom feed")
    parsed = feedparser.parse(body)
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        # A declared-vs-actual encoding mismatch is harmless; anything else is a broken body.
        if not isinstance(exc, (feedparser.CharacterEncodingOverride,)):
            raise ArxivAPIError(
                f"arXiv at {url} sent a response that is not a valid Atom feed ({_describe(exc)})"
            )
    version = str(parsed.get("version") or "")
    feed = parsed.get("feed", {})
    if not version.startswith("atom") or "opensearch_totalresults" not in feed:
        raise ArxivAPIError(f"arXiv at {url} sent a response that is not an arXiv Atom feed")
    for entry in parsed.entries:
        if _is_error_entry(entry):
            raise ArxivAPIError(
                f"arXiv rejected the request: {_clean(entry.get('summary')) or 'unknown error'}"
            )
    papers = [entry_to_paper(e, url) for e in parsed.entries]
    return Feed(
        papers=papers,
        total=_int(feed.get("opensearch_totalresults"), len(papers)),
        start=_int(feed.get("opensearch_startindex"), 0),
        items_per_page=_int(feed.get("opensearch_itemsperpage"), len(papers)),
    )


def _describe(exc: object) -> str:
    import re

    text = " ".join(str(exc).split()) if exc else ""
    text = re.sub(r"^<unknown>:(\d+):(\d+): ", r"line \1, column \2: ", text)
    return text or type(exc).__name__


def _int(value: object, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def entry_to_paper(entry, url: str = "arXiv") -> Paper:
    """One Atom entry (a feedparser dict) as a Paper with every field arXiv gives."""
    raw_id = str(entry.get("id", ""))
    aid = try_parse_arxiv_id(raw_id)
    if aid is None:
        raise ArxivAPIError(f"arXiv at {url} sent an entry with an id that is not an arXiv id: '{raw_id}'")
    title = _text(entry.get("title"))
    if title is None:  # a paper titled "0" is kept: only a missing or blank title falls back
        title = str(aid)
    published = entry.get("published") or None
    categories: list[str] = []
    for tag in entry.get("tags", []) or []:
        term = _clean(tag.get("term"))
        if term and term not in categories:
            categories.append(term)
    primary = entry.get("arxiv_primary_category")
    primary_term = _clean(primary.get("term")) if isinstance(primary, dict) else None
    pdf_url = None
    for link in entry.get("links", []) or []:
        if link.get("title") == "pdf" or link.get("type") == "application/pdf":
            pdf_url = link.get("href")
            break
    version_suffix = f"v{aid.version}" if aid.version else ""
    return Paper(
        id=aid.id,
        version=aid.version,
        title=title,
        authors=[
            spaced_name(n) for n in (_clean(a.get("name")) for a in entry.get("authors", []) or []) if n
        ],
        abstract=_text(entry.get("summary")),
        year=int(published[:4]) if published and published[:4].isdigit() else None,
        published=published,
        updated=entry.get("updated") or None,
        categories=categories,
        primary_category=primary_term or (categories[0] if categories else None),
        doi=_clean(entry.get("arxiv_doi")),
        journal_ref=_clean(entry.get("arxiv_journal_ref")),
        comment=_clean(entry.get("arxiv_comment")),
        url=f"https://arxiv.org/abs/{aid.id}",
        pdf_url=pdf_url or f"https://arxiv.org/pdf/{aid.id}{version_suffix}",
        source="arxiv",
        verified=True,
    )
