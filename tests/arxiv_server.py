"""A fake arXiv API on 127.0.0.1 for the tests: a stdlib HTTP server in a thread.

By default it answers ``id_list`` queries from ``papers`` (id -> Atom entry XML) in the
current (2026) response format, dropping unknown ids as arXiv does, and ``search_query``
pages over every paper. ``script`` holds canned replies that are served first, in order
(status, body, headers, a delay before answering, or a dropped connection). Each request
is logged with the server's monotonic clock, its query parameters and its headers.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"

NS_2026 = (
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom"'
)


def entry_xml(
    arxiv_id: str,
    version: int = 1,
    *,
    title: str | None = None,
    authors: tuple[str, ...] = ("Ada Lovelace", "Charles Babbage"),
    summary: str | None = None,
    categories: tuple[str, ...] = ("cs.LG", "cs.CL"),
    published: str = "2023-10-30T17:59:01Z",
    updated: str | None = None,
    comment: str | None = None,
    journal_ref: str | None = None,
    doi: str | None = None,
) -> str:
    """One <entry> in the 2026 format."""
    title = f"Paper {arxiv_id}" if title is None else title
    summary = summary or f"An abstract of paper {arxiv_id} about efficient\n  inference of large models."
    vid = f"{arxiv_id}v{version}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(title)}</title>",
        f"    <updated>{updated or published}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
        f"    <summary>{escape(summary)}</summary>",
    ]
    lines += [f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in categories]
    lines.append(f"    <published>{published}</published>")
    if comment:
        lines.append(f"    <arxiv:comment>{escape(comment)}</arxiv:comment>")
    lines.append(f'    <arxiv:primary_category term="{categories[0]}"/>')
    if journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(journal_ref)}</arxiv:journal_ref>")
    for a in authors:
        lines += ["    <author>", f"      <name>{escape(a)}</name>", "    </author>"]
    if doi:
        lines.append(f"    <arxiv:doi>{escape(doi)}</arxiv:doi>")
        lines.append(f'    <link rel="related" href="https://doi.org/{escape(doi)}" title="doi"/>')
    lines.append("  </entry>")
    return "\n".join(lines)


def feed_xml(
    entries: list[str], *, query: str = "", total: int | None = None, start: int = 0, per_page: int = 10
) -> str:
    """A whole response body in the 2026 format."""
    total = len(entries) if total is None else total
    return "\n".join(
        [
            "<?xml version='1.0' encoding='UTF-8'?>",
            f"<feed {NS_2026}>",
            "  <id>https://arxiv.org/api/fakeFeedIdForTests0000000</id>",
            f"  <title>arXiv Query: {escape(query)}</title>",
            "  <updated>2026-04-12T22:10:19Z</updated>",
            f'  <link href="https://arxiv.org/api/query?{escape(query)}" type="application/atom+xml"/>',
            f"  <opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>",
            f"  <opensearch:totalResults>{total}</opensearch:totalResults>",
            f"  <opensearch:startIndex>{start}</opensearch:startIndex>",
            *entries,
            "</feed>",
            "",
        ]
    )


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@dataclass
class Reply:
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (read timeouts)
    drop: bool = False  # close the connection without an answer
    raw: bytes | None = None  # bytes to send instead of ``body`` (gzip bombs, bad gzip)
    trickle: float = 0.0  # seconds between single bytes of the body (a server that trickles)
    length: int | None = None  # Content-Length to announce (default: the real length)


@dataclass
class Logged:
    time: float
    params: dict[str, str]
    headers: dict[str, str]


class ArxivServer:
    def __init__(self) -> None:
        self.papers: dict[str, str] = {}
        self.script: list[Reply] = []
        self.requests: list[Logged] = []
        self.stopping = False
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                with server._lock:
                    server.requests.append(Logged(time.monotonic(), params, dict(self.headers.items())))
                    reply = server.script.pop(0) if server.script else None
                if reply is None:
                    reply = server.answer(params)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                data = reply.raw if reply.raw is not None else reply.body.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/atom+xml; charset=utf-8", **reply.headers}
                    for k, v in headers.items():
                        self.send_header(k, v.replace("{url}", server.url))
                    self.send_header(
                        "Content-Length", str(reply.length if reply.length is not None else len(data))
                    )
                    self.end_headers()
                    if reply.trickle:
                        for i in range(len(data)):
                            self.wfile.write(data[i : i + 1])
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                            if server.stopping:
                                break
                    else:
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # a client that hung up mid-answer (a test of size or time bounds)

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/query"

    def start(self) -> ArxivServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping = True
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, arxiv_id: str, version: int = 1, **kw) -> None:
        self.papers[arxiv_id] = entry_xml(arxiv_id, version, **kw)

    def answer(self, params: dict[str, str]) -> Reply:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        if params.get("id_list"):
            entries = []
            for raw in params["id_list"].split(","):
                key = raw.rsplit("v", 1)[0] if "v" in raw.split("/")[-1] else raw
                if key in self.papers:
                    entries.append(self.papers[key])
            per = int(params.get("max_results", 10))
            return Reply(body=feed_xml(entries[:per], query=query, per_page=per))
        start, per = int(params.get("start", 0)), int(params.get("max_results", 10))
        entries = list(self.papers.values())
        return Reply(
            body=feed_xml(
                entries[start : start + per], query=query, total=len(entries), start=start, per_page=per
            )
        )


def client_for(server: ArxivServer, **kw: object):
    """An ArxivClient for ``server`` with no politeness delay and a short backoff."""
    from efmcat.arxiv import ArxivClient

    kw.setdefault("delay", 0.0)
    kw.setdefault("backoff_base", 0.01)
    return ArxivClient(server.url, **kw)
