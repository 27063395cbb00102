"""efmcat.arxiv against a real HTTP server on 127.0.0.1 serving Atom bodies in arXiv's formats."""

from __future__ import annotations

import itertools
import math
import socket

import pytest

from arxiv_server import Reply, client_for, entry_xml, feed_xml, fixture
from efmcat import __version__
from efmcat.arxiv import ArxivClient, parse_feed
from efmcat.errors import ArxivAPIError, NetworkError, OfflineError, UsageError


def test_single_id_every_field(server):
    server.script.append(Reply(body=fixture("single_2310.19102_2026format.xml")))
    with client_for(server) as c:
        result = c.fetch_batch(["2310.19102"])
    assert result.missing == []
    [p] = result.papers
    assert p.id == "2310.19102" and p.version == 3
    assert p.title == "Atom: Low-bit Quantization for Efficient and Accurate LLM Serving"
    assert p.abstract.startswith(
        "Written for the efmcat tests: serving many users at once needs throughput, and low-bit"
    )
    assert "  " not in p.abstract and "\n" not in p.abstract
    assert p.authors == ["Yilong Zhao", "Chien-Yu Lin", "Baris Kasikci"]
    assert p.published == "2023-10-29T18:33:50Z" and p.updated == "2024-04-16T02:11:40Z"
    assert p.year == 2023
    assert p.categories == ["cs.LG", "cs.CL"] and p.primary_category == "cs.LG"
    assert p.comment == "MLSys 2024, 16 pages"
    assert p.journal_ref is None and p.doi is None
    assert p.url == "https://arxiv.org/abs/2310.19102"
    assert p.pdf_url == "https://arxiv.org/pdf/2310.19102v3"
    assert p.source == "arxiv"
    [req] = server.requests
    assert req.params == {"id_list": "2310.19102", "start": "0", "max_results": "1"}
    assert req.headers["User-Agent"].startswith(f"efmcat/{__version__} ")


def test_versioned_id_and_a_title_of_zero(server):
    server.script.append(Reply(body=fixture("versioned_2105.04567v2_title0_2026format.xml")))
    with client_for(server) as c:
        [p] = c.fetch_batch(["arXiv:2105.04567v2"]).papers
    assert server.requests[0].params["id_list"] == "2105.04567v2"
    assert (p.id, p.version, p.title) == ("2105.04567", 2, "0")


def test_old_style_id(server):
    server.script.append(Reply(body=fixture("oldstyle_hep-th_9901001v2_2026format.xml")))
    with client_for(server) as c:
        [p] = c.fetch_batch(["https://arxiv.org/abs/hep-th/9901001"]).papers
    assert (p.id, p.version, p.year) == ("hep-th/9901001", 2, 1999)
    assert p.categories == ["hep-th", "gr-qc"] and p.primary_category == "hep-th"
    assert p.pdf_url == "https://arxiv.org/pdf/hep-th/9901001v2"
    assert p.url == "https://arxiv.org/abs/hep-th/9901001"


def test_older_response_format(server):
    server.script.append(Reply(body=fixture("classic2019_1801.06146_doi.xml")))
    with client_for(server) as c:
        [p] = c.fetch_batch(["1801.06146"]).papers
    assert p.title == "A Test Paper in the Older Response Format, with a Title Wrapped over Two Lines"
    assert p.abstract.startswith(
        "Written for the efmcat tests. The older format declares namespaces on each element"
    )
    assert p.authors == ["Jérémy Howard-Müller", "Sebastian Ruder"]
    assert p.doi == "10.18653/v1/P18-1031"
    assert p.journal_ref == "Proceedings of ACL 2018, pages 328-339"
    assert p.comment == "ACL 2018, fixed denominator in Equation 3"
    assert p.primary_category == "cs.CL" and p.categories == ["cs.CL", "cs.LG", "stat.ML"]
    assert p.version == 5 and p.published == "2018-01-18T17:54:52Z"
    assert p.pdf_url == "http://arxiv.org/pdf/1801.06146v5"


def test_non_ascii_authors(server):
    names = ("Łukasz Kaiser", "Jörg Müller", "Zoë Ångström", "韩松", "Ilya Sutskéver")
    server.add("2401.00001", authors=names, title="Sparse Mixtures — für Alle")
    with client_for(server) as c:
        [p] = c.fetch_batch(["2401.00001"]).papers
    assert p.authors == list(names)
    assert p.title == "Sparse Mixtures — für Alle"


def test_250_ids_cost_3_requests_with_max_results_set(server):
    ids = [f"2402.{n:05d}" for n in range(1, 251)]
    for i in ids:
        server.add(i)
    with client_for(server) as c:
        papers = c.fetch_papers(ids)
    assert [p.id for p in papers] == ids
    assert len(server.requests) == math.ceil(250 / 100) == 3
    sizes = [len(r.params["id_list"].split(",")) for r in server.requests]
    assert sizes == [100, 100, 50]
    assert [r.params["max_results"] for r in server.requests] == ["100", "100", "50"]


def test_one_of_two_missing(server):
    server.add("2403.00001")
    with client_for(server) as c:
        result = c.fetch_batch(["2403.00001", "2403.00002"])
    assert [p.id for p in result.papers] == ["2403.00001"]
    assert result.missing == ["2403.00002"]


def test_empty_answer_reports_the_id_missing(server):
    server.script.append(Reply(body=fixture("empty_totalresults0_2026format.xml")))
    with client_for(server) as c:
        result = c.fetch_batch(["2301.99999"])
    assert result.papers == [] and result.missing == ["2301.99999"]


def test_http_400_error_entry_is_the_message_and_not_retried(server):
    server.script.append(Reply(400, fixture("error_incorrect_id_format_http400_2026format.xml")))
    with client_for(server) as c, pytest.raises(ArxivAPIError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == "arXiv rejected the request: incorrect id format for abc"
    assert exc.value.exit_code == 3
    assert len(server.requests) == 1


def test_429_with_retry_after_then_200(server):
    server.script.append(Reply(429, "Rate exceeded.", {"Retry-After": "0.3", "Content-Type": "text/plain"}))
    server.add("2310.19102", 3)
    with client_for(server) as c:
        [p] = c.fetch_batch(["2310.19102"]).papers
    assert p.version == 3
    assert len(server.requests) == 2
    assert server.requests[1].time - server.requests[0].time >= 0.3


def test_503_twice_then_200(server):
    server.script += [Reply(503, "busy"), Reply(503, "busy")]
    server.add("2310.19102")
    with client_for(server) as c:
        assert [p.id for p in c.fetch_batch(["2310.19102"]).papers] == ["2310.19102"]
    assert len(server.requests) == 3
    gaps = [b.time - a.time for a, b in zip(server.requests, server.requests[1:])]
    assert gaps[1] > gaps[0] * 1.1  # exponential backoff (0.01 then 0.02, with jitter ±25%)


def test_503_four_times_gives_up(server):
    server.script += [Reply(503, "busy")] * 4
    with client_for(server) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == f"arXiv at {server.url} kept failing: HTTP 503 after 4 attempts"
    assert len(server.requests) == 4


def test_read_timeout_then_200(server):
    server.script.append(Reply(delay=1.0, body=feed_xml([])))
    server.add("2310.19102")
    with client_for(server, read_timeout=0.5) as c:
        assert [p.id for p in c.fetch_batch(["2310.19102"]).papers] == ["2310.19102"]
    assert len(server.requests) == 2


def test_html_body_is_an_error(server):
    server.script.append(Reply(body=fixture("html_error_page.html"), headers={"Content-Type": "text/html"}))
    with client_for(server) as c, pytest.raises(ArxivAPIError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == f"arXiv at {server.url} sent a response that is not an arXiv Atom feed"


def test_truncated_xml_is_an_error(server):
    body = fixture("single_2310.19102_2026format.xml")
    server.script.append(Reply(body=body[: len(body) // 2]))
    with client_for(server) as c, pytest.raises(ArxivAPIError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value).startswith(
        f"arXiv at {server.url} sent a response that is not a valid Atom feed (line "
    )


def test_empty_body_is_an_error(server):
    server.script.append(Reply(body=""))
    with client_for(server) as c, pytest.raises(ArxivAPIError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == f"arXiv at {server.url} sent an empty response instead of an Atom feed"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_refused_fails_at_once_and_says_what_to_do():
    url = f"http://127.0.0.1:{_closed_port()}/api/query"
    slept: list[float] = []
    with (
        ArxivClient(url, delay=0, backoff_base=0.01, sleep=slept.append) as c,
        pytest.raises(NetworkError) as exc,
    ):
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == (
        f"could not reach arXiv at {url}: [Errno 111] Connection refused; offline? check the network "
        "and the proxy (HTTPS_PROXY), or set EFMCAT_ARXIV_URL to a reachable server"
    )
    assert isinstance(exc.value, OfflineError)
    assert exc.value.problem == f"could not reach arXiv at {url}: [Errno 111] Connection refused"
    assert exc.value.exit_code == 3
    assert (c.requests_made, slept) == (1, [])  # one attempt, no retry wait


def test_dns_failure_fails_at_once():
    import httpx

    def no_dns(request):
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    slept: list[float] = []
    url = "http://arxiv.invalid/api/query"
    transport = httpx.MockTransport(no_dns)
    with (
        ArxivClient(url, delay=0, transport=transport, sleep=slept.append) as c,
        pytest.raises(NetworkError) as exc,
    ):
        c.fetch_batch(["2310.19102"])
    assert str(exc.value).startswith(
        f"could not reach arXiv at {url}: [Errno -2] Name or service not known; offline? "
    )
    assert (c.requests_made, slept) == (1, [])


def test_timeouts_are_still_retried():
    import httpx

    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    slept: list[float] = []
    transport = httpx.MockTransport(slow)
    with (
        ArxivClient("http://127.0.0.1:9/api/query", delay=0, transport=transport, sleep=slept.append) as c,
        pytest.raises(NetworkError) as exc,
    ):
        c.fetch_batch(["2310.19102"])
    assert str(exc.value).endswith("timed out (read timeout) after 4 attempts")
    assert (c.requests_made, len(slept)) == (4, 3)


def test_delay_between_requests_measured_by_the_server(server):
    for i in range(3):
        server.add(f"2404.0000{i + 1}")
    with client_for(server, delay=0.25) as c:
        for i in range(3):
            c.fetch_batch([f"2404.0000{i + 1}"])
    times = [r.time for r in server.requests]
    assert len(times) == 3
    assert all(b - a >= 0.25 for a, b in itertools.pairwise(times))


def test_delay_applies_across_retries(server):
    server.script += [Reply(503, "busy")]
    server.add("2404.00001")
    with client_for(server, delay=0.25, backoff_base=0.001) as c:
        c.fetch_batch(["2404.00001"])
    assert server.requests[1].time - server.requests[0].time >= 0.25


def test_delay_from_the_environment(monkeypatch):
    monkeypatch.setenv("EFMCAT_ARXIV_DELAY", "1.5")
    with ArxivClient("http://127.0.0.1:9/") as c:
        assert c.delay == 1.5
    monkeypatch.setenv("EFMCAT_ARXIV_DELAY", "soon")
    with pytest.raises(UsageError) as exc:
        ArxivClient("http://127.0.0.1:9/")
    assert str(exc.value) == "EFMCAT_ARXIV_DELAY must be a number of seconds, got 'soon'"
    monkeypatch.delenv("EFMCAT_ARXIV_DELAY")
    with ArxivClient("http://127.0.0.1:9/") as c:
        assert c.delay == 3.0


def test_endpoint_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("EFMCAT_ARXIV_URL", server.url)
    server.add("2310.19102")
    with ArxivClient(delay=0) as c:
        assert c.url == server.url
        assert [p.id for p in c.fetch_papers(["2310.19102"])] == ["2310.19102"]
    monkeypatch.delenv("EFMCAT_ARXIV_URL")
    with ArxivClient(delay=0) as c:
        assert c.url == "https://export.arxiv.org/api/query"


def test_search_pages_until_total(server):
    for n in range(1, 26):
        server.add(f"2405.{n:05d}")
    with client_for(server) as c:
        page = c.search("all:quantization", start=10, max_results=10)
        assert (page.total, page.start, page.items_per_page, len(page.papers)) == (25, 10, 10, 10)
        assert page.papers[0].id == "2405.00011"
        server.requests.clear()
        papers = list(c.iter_search("all:quantization", page_size=10))
    assert len(papers) == 25
    assert [(r.params["start"], r.params["max_results"]) for r in server.requests] == [
        ("0", "10"),
        ("10", "10"),
        ("20", "10"),
    ]
    assert all(r.params["search_query"] == "all:quantization" for r in server.requests)


def test_parse_feed_error_entry_in_a_200_body():
    with pytest.raises(ArxivAPIError) as exc:
        parse_feed(fixture("error_incorrect_id_format_http400_2026format.xml"))
    assert str(exc.value) == "arXiv rejected the request: incorrect id format for abc"


def test_parse_feed_keeps_entry_order_and_dedupes_categories():
    body = feed_xml(
        [entry_xml("2406.00002", categories=("cs.LG", "cs.LG", "cs.AI")), entry_xml("2406.00001")]
    )
    feed = parse_feed(body)
    assert [p.id for p in feed.papers] == ["2406.00002", "2406.00001"]
    assert feed.papers[0].categories == ["cs.LG", "cs.AI"]


def test_a_title_and_abstract_come_with_their_latex_as_plain_text(server):
    """As the shipped catalog keeps them: `add` and `refresh` give the same text it does."""
    server.script.append(
        Reply(
            body=feed_xml(
                [
                    entry_xml(
                        "2401.00001",
                        title="$\\mu$P for 4-bit \\textit{LLMs}",
                        summary="A 2-4\\(\\times\\) speedup at \\(W_{4}A_{8}\\), see \\url{https://x.org}.",
                    )
                ]
            )
        )
    )
    with client_for(server) as c:
        [p] = c.fetch_batch(["2401.00001"]).papers
    assert p.title == "μP for 4-bit LLMs"
    assert p.abstract == "A 2-4× speedup at W4A8, see https://x.org."
