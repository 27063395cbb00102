"""Network faults from a loopback fake arXiv: every one ends in one line, exit 3, in bounded
time (issue 11, cases 2 and 3). The client library is tested directly and through the CLI."""

from __future__ import annotations

import gzip
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from arxiv_server import Reply, client_for, feed_xml
from efmcat.arxiv import ArxivClient
from efmcat.catalog import Catalog
from efmcat.errors import ArxivAPIError, NetworkError


def _cli_add(cli, server, monkeypatch, *ids):
    monkeypatch.setenv("EFMCAT_ARXIV_URL", server.url)
    return cli("add", *ids)


def test_redirect_loop(server, cli, monkeypatch, tmp_path):
    server.script += [Reply(302, "", {"Location": "{url}?again=1"})] * 20
    with client_for(server) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == f"arXiv at {server.url} redirected more than 5 times (a redirect loop?)"
    assert exc.value.exit_code == 3
    server.script[:] = [Reply(302, "", {"Location": "{url}?again=1"})] * 20
    r = _cli_add(cli, server, monkeypatch, "2310.19102")
    assert r.exit_code == 3
    assert r.stderr.endswith(
        f"Error: arXiv at {server.url} redirected more than 5 times (a redirect loop?)\n"
    )
    assert "Traceback" not in r.output


def test_bad_gzip_body(server, cli, monkeypatch):
    server.script.append(Reply(raw=b"this is not gzip at all", headers={"Content-Encoding": "gzip"}))
    r = _cli_add(cli, server, monkeypatch, "2310.19102")
    assert r.exit_code == 3, r.output
    last = r.stderr.splitlines()[-1]
    assert last.startswith(f"Error: arXiv at {server.url} sent a body that cannot be decoded (")
    assert "Traceback" not in r.output


def test_gzip_bomb_stops_at_the_decompressed_cap(server):
    bomb = gzip.compress(b"<" * 50_000_000)  # 50 MB that compress to ~50 KB
    assert len(bomb) < 200_000
    server.script.append(Reply(raw=bomb, headers={"Content-Encoding": "gzip"}))
    with client_for(server, max_body=1_000_000) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == f"arXiv at {server.url} sent more than 1000000 bytes; gave up reading"
    assert len(server.requests) == 1


def test_huge_plain_body_is_refused(server):
    server.script.append(Reply(body="x" * 3_000_000))
    with client_for(server, max_body=1_000_000) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert "sent more than 1000000 bytes" in str(exc.value)


def test_default_body_cap_is_documented_size():
    from efmcat import arxiv

    assert arxiv.MAX_BODY_BYTES == 20_000_000


def test_trickling_server_is_given_up_on(server):
    """One byte every 0.05 s: the read timeout never fires, the request time bound does."""
    server.script += [Reply(body=feed_xml([]), trickle=0.05)] * 2
    t0 = time.monotonic()
    with client_for(server, request_timeout=0.3, max_attempts=2) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value).startswith(
        f"arXiv at {server.url} did not answer in time: timed out (the answer took longer than 0.3"
    )
    assert len(server.requests) == 2
    assert time.monotonic() - t0 < 10


def test_command_deadline(server):
    server.script += [Reply(503, "busy")] * 10
    with client_for(server, backoff_base=0.5, deadline=0.6) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == (
        f"gave up on arXiv at {server.url}: over 0.6 s for this command (EFMCAT_ARXIV_DEADLINE); "
        "last problem: HTTP 503"
    )


def test_no_request_starts_on_a_sliver_of_the_deadline(server, monkeypatch):
    """A backoff that would leave under MIN_REQUEST_SLICE of the deadline gives up at once,
    with the last real problem, instead of sending a request that cannot finish."""
    server.script += [Reply(503, "busy")] * 3
    slept: list[float] = []
    with (
        client_for(server, backoff_base=1.0, deadline=0.6, sleep=slept.append) as c,
        pytest.raises(NetworkError) as exc,
    ):
        # the backoff after the first 503 leaves 0.05 s of the deadline
        monkeypatch.setattr("efmcat.arxiv.random.uniform", lambda a, b: c._deadline - time.monotonic() - 0.05)
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == (
        f"gave up on arXiv at {server.url}: over 0.6 s for this command (EFMCAT_ARXIV_DEADLINE); "
        "last problem: HTTP 503"
    )
    assert (len(server.requests), slept) == (1, [])


def test_deadline_cutting_a_request_names_the_deadline(server):
    """A trickling answer cut by the command's deadline (not the request's own bound) says the
    command ran out of time, with the problem that led to the retry."""
    server.script += [Reply(503, "busy"), Reply(body=feed_xml([]), trickle=0.05)]
    with (
        client_for(server, deadline=1.0, request_timeout=30) as c,
        pytest.raises(NetworkError) as exc,
    ):
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == (
        f"gave up on arXiv at {server.url}: over 1 s for this command (EFMCAT_ARXIV_DEADLINE); "
        "last problem: HTTP 503"
    )
    assert len(server.requests) == 2


def test_deadline_cutting_the_first_request(server):
    server.script += [Reply(body=feed_xml([]), trickle=0.05)]
    with client_for(server, deadline=0.3, request_timeout=30) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == (
        f"gave up on arXiv at {server.url}: over 0.3 s for this command (EFMCAT_ARXIV_DEADLINE); "
        "last problem: an answer was still arriving"
    )
    assert len(server.requests) == 1


def test_deadline_from_the_environment(monkeypatch, server):
    monkeypatch.setenv("EFMCAT_ARXIV_DEADLINE", "12")
    monkeypatch.setenv("EFMCAT_ARXIV_REQUEST_TIMEOUT", "7")
    c = ArxivClient(server.url)
    assert (c.deadline_seconds, c.request_timeout) == (12.0, 7.0)
    c.close()


def test_huge_retry_after_gives_up_at_once(server, cli, monkeypatch):
    server.script.append(Reply(503, "busy", {"Retry-After": "100000"}))
    t0 = time.monotonic()
    r = _cli_add(cli, server, monkeypatch, "2310.19102")
    assert r.exit_code == 3
    assert r.stderr.splitlines()[-1] == (
        f"Error: arXiv at {server.url} answered HTTP 503 and asks to wait 100000 s (Retry-After); try again later"
    )
    assert len(server.requests) == 1
    assert time.monotonic() - t0 < 10


def test_retry_after_wait_is_announced(server):
    server.script.append(Reply(503, "busy", {"Retry-After": "1"}))
    server.add("2310.19102")
    said: list[str] = []
    slept: list[float] = []
    with client_for(server, notify=said.append, sleep=slept.append) as c:
        assert [p.id for p in c.fetch_batch(["2310.19102"]).papers] == ["2310.19102"]
    assert said == ["arXiv: HTTP 503; waiting 1 s before retrying"]
    assert slept and slept[0] >= 1


def test_retry_after_as_http_date(server):
    when = datetime.now(timezone.utc) + timedelta(seconds=3)
    server.script.append(Reply(503, "busy", {"Retry-After": format_datetime(when, usegmt=True)}))
    server.add("2310.19102")
    slept: list[float] = []
    with client_for(server, sleep=slept.append, notify=lambda m: None) as c:
        c.fetch_batch(["2310.19102"])
    assert 1.0 <= slept[0] <= 3.5  # the date, not the 0.01 s backoff


def test_504_is_retried(server):
    server.script.append(Reply(504, "gateway timeout"))
    server.add("2310.19102")
    with client_for(server) as c:
        assert [p.id for p in c.fetch_batch(["2310.19102"]).papers] == ["2310.19102"]
    assert len(server.requests) == 2


def test_backoff_doubles(server):
    server.script += [Reply(503, "busy")] * 3
    server.add("2310.19102")
    slept: list[float] = []
    with client_for(server, backoff_base=1.0, sleep=slept.append, notify=lambda m: None) as c:
        c.fetch_batch(["2310.19102"])
    assert len(slept) == 3
    assert 0.75 <= slept[0] <= 1.25 and 1.5 <= slept[1] <= 2.5 and 3.0 <= slept[2] <= 5.0


def test_html_400_without_error_entry(server):
    server.script.append(Reply(400, "<html><body>Bad Request</body></html>", {"Content-Type": "text/html"}))
    with client_for(server) as c, pytest.raises(ArxivAPIError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == f"arXiv at {server.url} answered HTTP 400"


def test_network_failure_leaves_the_catalog_unchanged(server, cli, monkeypatch, mini_db):
    before = mini_db.read_bytes()
    server.script += [Reply(302, "", {"Location": "{url}"})] * 20
    r = _cli_add(cli, server, monkeypatch, "2310.19102")
    assert r.exit_code == 3
    with Catalog(mini_db) as cat:
        assert not cat.has("2310.19102")
    assert len(before) > 0


# -- tests that kill tools/mutate.py's arxiv mutants --------------------------------------------
def test_redirect_loop_stops_after_five_redirects(server):
    server.script += [Reply(302, "", {"Location": "{url}?again=1"})] * 20
    with client_for(server) as c, pytest.raises(NetworkError):
        c.fetch_batch(["2310.19102"])
    assert len(server.requests) == 6  # the request and 5 redirects


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retried_statuses(server, status):
    server.script.append(Reply(status, "busy"))
    server.add("2310.19102")
    with client_for(server) as c:
        assert [p.id for p in c.fetch_batch(["2310.19102"]).papers] == ["2310.19102"]
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [400, 404, 501, 505])
def test_other_statuses_are_not_retried(server, status):
    server.script.append(Reply(status, "no"))
    with client_for(server) as c, pytest.raises(ArxivAPIError):
        c.fetch_batch(["2310.19102"])
    assert len(server.requests) == 1


def test_one_attempt_means_one_request(server):
    server.script += [Reply(503, "busy")] * 3
    with client_for(server, max_attempts=1) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == f"arXiv at {server.url} kept failing: HTTP 503 after 1 attempt"
    assert len(server.requests) == 1 and c.requests_made == 1


def test_request_parameters_and_count(server):
    server.add("2310.19102")
    with client_for(server) as c:
        c.fetch_batch(["2310.19102"])
        assert c.requests_made == 1
    assert server.requests[0].params == {"id_list": "2310.19102", "start": "0", "max_results": "1"}


def test_client_closes_its_connection(server):
    with client_for(server) as c:
        pass
    assert c._http.is_closed


def test_body_cap_is_exact(server):
    body = feed_xml([])
    size = len(body.encode())
    server.script += [Reply(body=body), Reply(body=body)]
    with client_for(server, max_body=size) as c:
        assert c.fetch_batch(["2310.19102"]).papers == []
    with client_for(server, max_body=size - 1) as c, pytest.raises(NetworkError):
        c.fetch_batch(["2310.19102"])


@pytest.mark.parametrize("raw, expected", [("", 3.0), ("  ", 3.0), ("0", 0.0), ("2.5", 2.5)])
def test_delay_setting(monkeypatch, raw, expected):
    monkeypatch.setenv("EFMCAT_ARXIV_DELAY", raw)
    c = ArxivClient("http://127.0.0.1:9/")
    assert c.delay == expected
    c.close()


@pytest.mark.parametrize("raw", ["-1", "inf", "nan", "soon"])
def test_bad_delay_setting(monkeypatch, raw):
    from efmcat.errors import UsageError

    monkeypatch.setenv("EFMCAT_ARXIV_DELAY", raw)
    with pytest.raises(UsageError) as exc:
        ArxivClient("http://127.0.0.1:9/")
    assert str(exc.value) == f"EFMCAT_ARXIV_DELAY must be a number of seconds, got '{raw}'"


@pytest.mark.parametrize(
    "name", ["EFMCAT_ARXIV_TIMEOUT", "EFMCAT_ARXIV_REQUEST_TIMEOUT", "EFMCAT_ARXIV_DEADLINE"]
)
def test_a_timeout_of_zero_is_a_usage_error_before_any_request(monkeypatch, name):
    """0 s let no request through: it was retried four times and reported as a network fault."""
    from efmcat.errors import UsageError

    monkeypatch.setenv(name, "0")
    with pytest.raises(UsageError) as exc:
        ArxivClient("http://127.0.0.1:9/")
    assert str(exc.value) == f"{name} must be more than 0 seconds, got '0'"


def test_a_delay_longer_than_the_deadline_is_a_usage_error(monkeypatch, cli):
    monkeypatch.setenv("EFMCAT_ARXIV_DELAY", "99999999999")
    r = cli("add", "2401.00021")
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: EFMCAT_ARXIV_DELAY (1e+11 s) is longer than the command's deadline (900 s, EFMCAT_ARXIV_DEADLINE)\n",
    )


def test_whitespace_body_is_an_empty_response(server):
    server.script.append(Reply(body="   \n"))
    with client_for(server) as c, pytest.raises(ArxivAPIError) as exc:
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == f"arXiv at {server.url} sent an empty response instead of an Atom feed"


ENTRY = """  <entry>
    <id>http://arxiv.org/abs/2310.19102v2</id>
    <title>{title}</title>
    <updated>2023-11-01T00:00:00Z</updated>
    {published}
    <summary>An abstract.</summary>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    {links}
    <author><name>Ada Lovelace</name></author>
  </entry>"""


def _entry(title="A title", published="<published>2023-10-30T17:59:01Z</published>", links=""):
    from efmcat.arxiv import parse_feed

    [paper] = parse_feed(feed_xml([ENTRY.format(title=title, published=published, links=links)])).papers
    return paper


def test_entry_without_primary_category_or_pdf_link():
    p = _entry()
    assert (p.primary_category, p.categories) == ("cs.CL", ["cs.CL", "cs.LG"])
    assert p.pdf_url == "https://arxiv.org/pdf/2310.19102v2"
    assert (p.year, p.updated, p.verified, p.version) == (2023, "2023-11-01T00:00:00Z", True, 2)


def test_entry_with_a_blank_title_or_no_published_date():
    assert _entry(title="  ").title == "2310.19102v2"
    assert _entry(published="").year is None


def test_first_pdf_link_wins_and_either_mark_counts():
    links = (
        '<link href="https://example.org/a.pdf" title="pdf"/>'
        '<link href="https://example.org/b.pdf" type="application/pdf"/>'
    )
    assert _entry(links=links).pdf_url == "https://example.org/a.pdf"
    assert (
        _entry(links='<link href="https://example.org/b.pdf" type="application/pdf"/>').pdf_url
        == "https://example.org/b.pdf"
    )


def test_a_paper_titled_error_is_a_paper():
    from arxiv_server import entry_xml
    from efmcat.arxiv import parse_feed

    [p] = parse_feed(feed_xml([entry_xml("2310.19102", title="Error")])).papers
    assert (p.id, p.title) == ("2310.19102", "Error")


def test_atom_feed_without_opensearch_is_not_an_arxiv_feed():
    from efmcat.arxiv import parse_feed

    body = feed_xml([]).replace("opensearch:totalResults", "opensearch:other")
    with pytest.raises(ArxivAPIError) as exc:
        parse_feed(body, "U")
    assert str(exc.value) == "arXiv at U sent a response that is not an arXiv Atom feed"


def test_transport_messages_fall_back_to_the_cause():
    import httpx

    from efmcat.arxiv import _transport_message

    def raised(exc, cause=None, context=None):
        exc.__cause__, exc.__context__ = cause, context
        return exc

    assert _transport_message(raised(httpx.ConnectError("refused"), OSError("other"))) == "refused"
    assert _transport_message(raised(httpx.ConnectError(""), OSError("cause text"))) == "cause text"
    assert _transport_message(raised(httpx.ConnectError(""), None, OSError("context text"))) == "context text"
    assert _transport_message(raised(httpx.ConnectError(""))) == "ConnectError"


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1:8/api/query",
        "ftp://127.0.0.1/api",
        " http://127.0.0.1/api",
        "http://127.0.0.1/api ",
        "http://",
    ],
)
def test_an_api_url_that_cannot_work_is_a_usage_error_at_once(url, cli, monkeypatch):
    """Not retried as a network fault (it was: 4 attempts, 7 s, exit 3)."""
    from efmcat.errors import UsageError

    with pytest.raises(UsageError):
        ArxivClient(url)
    monkeypatch.setenv("EFMCAT_ARXIV_URL", url)
    t0 = time.monotonic()
    r = cli("add", "2310.19102")
    assert (r.exit_code, r.stderr) == (
        2,
        f"Error: EFMCAT_ARXIV_URL must be an http:// or https:// URL, got '{url}'\n",
    )
    assert time.monotonic() - t0 < 5


def test_a_server_that_never_answers_ends_at_the_commands_deadline(server):
    """The read timeout (30 s) is cut to what is left of the deadline."""
    server.script.append(Reply(body=feed_xml([]), delay=3.0))
    t0 = time.monotonic()
    with client_for(server, deadline=0.5, read_timeout=30) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])
    assert time.monotonic() - t0 < 2.0
    assert str(exc.value) == (
        f"gave up on arXiv at {server.url}: over 0.5 s for this command (EFMCAT_ARXIV_DEADLINE); "
        "last problem: timed out (read timeout)"
    )


def test_a_delay_longer_than_the_deadline_says_so(server):
    server.add("2310.19102")
    with client_for(server, delay=1000, deadline=5) as c, pytest.raises(NetworkError) as exc:
        c.fetch_batch(["2310.19102"])  # the first request waits for nothing
        c.fetch_batch(["2310.19102"])
    assert str(exc.value) == (
        f"gave up on arXiv at {server.url}: the delay of 1000 s (EFMCAT_ARXIV_DELAY) would pass "
        "this command's 5 s (EFMCAT_ARXIV_DEADLINE)"
    )


def test_a_transport_message_ends_no_sentence_mid_line():
    from efmcat.arxiv import _transport_message

    assert _transport_message(Exception("Server disconnected without sending a response.")) == (
        "Server disconnected without sending a response"
    )
