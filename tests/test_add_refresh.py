"""`efmcat add` and `efmcat refresh` against a loopback arXiv (tests/arxiv_server.py)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from arxiv_server import ArxivServer, Reply, fixture
from efmcat.catalog import Catalog
from efmcat.models import Paper

EXE = shutil.which("efmcat", path=str(Path(sys.executable).parent)) or shutil.which("efmcat")

ATOM = "Atom: Low-bit Quantization for Efficient and Accurate LLM Serving"
AWQ = "AWQ: Activation-aware Weight Quantization for LLM Compression and Acceleration"
SMOOTH = "SmoothQuant: Accurate and Efficient Post-Training Quantization for Large Language Models"


@pytest.fixture
def server(monkeypatch):
    s = ArxivServer().start()
    monkeypatch.setenv("EFMCAT_ARXIV_URL", s.url)
    monkeypatch.setenv("EFMCAT_ARXIV_BACKOFF", "0.01")
    s.add(
        "2310.19102",
        3,
        title=ATOM,
        authors=("Yilong Zhao", "Łukasz Kaiser"),
        published="2023-10-29T18:33:50Z",
    )
    s.add("2306.00978", 5, title=AWQ, authors=("Ji Lin", "Song Han"), published="2023-06-01T17:59:10Z")
    s.add("2211.10438", 7, title=SMOOTH, published="2022-11-18T18:59:33Z", doi="10.5555/smooth.2023")
    yield s
    s.stop()


def run(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    assert EXE, "the efmcat executable is not installed next to this Python"
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, env=dict(os.environ), input=input, timeout=60
    )


def db_path() -> Path:
    return Path(os.environ["EFMCAT_DB"])


def stored(pid: str):
    with Catalog(db_path()) as c:
        return c.get_paper(pid), c.tag_rows(pid)


def snapshot() -> bytes:
    path = db_path()
    assert not Path(str(path) + "-wal").exists()
    return path.read_bytes()


def test_add_three_forms_in_one_request_installed_cli(server):
    p = run("add", "2310.19102", "https://arxiv.org/pdf/2306.00978v5.pdf", "arXiv:2211.10438")
    assert p.returncode == 0, p.stderr
    assert p.stdout == (
        f"2310.19102v3\t2023\t{ATOM}\n2306.00978v5\t2023\t{AWQ}\n2211.10438v7\t2022\t{SMOOTH}\n"
    )
    assert p.stderr == "3 added, 0 already present, 0 not found, 0 invalid.\n"
    [req] = server.requests
    assert req.params["id_list"] == "2310.19102,2306.00978v5,2211.10438"
    assert req.params["max_results"] == "3"
    paper, _ = stored("2310.19102")
    assert paper.authors == ["Yilong Zhao", "Łukasz Kaiser"]
    assert (paper.version, paper.year, paper.primary_category) == (3, 2023, "cs.LG")
    assert (
        paper.url == "https://arxiv.org/abs/2310.19102"
        and paper.pdf_url == "https://arxiv.org/pdf/2310.19102v3"
    )
    assert paper.source == "arxiv" and paper.abstract.startswith(
        "An abstract of paper 2310.19102 about efficient inference"
    )
    assert stored("2211.10438")[0].doi == "10.5555/smooth.2023"
    shown = json.loads(run("show", "2306.00978", "--json").stdout)
    assert shown["title"] == AWQ


def test_add_every_id_form(server, cli):
    server.script += [
        Reply(body=fixture("versioned_2105.04567v2_title0_2026format.xml")),
        Reply(body=fixture("oldstyle_hep-th_9901001v2_2026format.xml")),
        Reply(body=fixture("classic2019_1801.06146_doi.xml")),
    ]
    for text in ("https://arxiv.org/abs/2105.04567v2", "HEP-TH/9901001", "10.48550/arXiv.1801.06146"):
        r = cli("add", text)
        assert r.exit_code == 0, r.stderr
    assert stored("2105.04567")[0].title == "0"
    assert stored("hep-th/9901001")[0].year == 1999
    classic = stored("1801.06146")[0]
    assert classic.journal_ref == "Proceedings of ACL 2018, pages 328-339"
    assert classic.authors[0] == "Jérémy Howard-Müller"


def test_invalid_missing_and_present_are_reported_good_ones_kept(server, cli):
    assert cli("add", "2310.19102").exit_code == 0
    r = cli("add", "2310.19102", "abs/203.05527", "2306.00978", "2301.99999")
    assert r.exit_code == 1
    assert r.stderr == (
        "Error: not an arXiv id: abs/203.05527\n"
        "Already in the catalog: 2310.19102 (use --force to fetch it again)\n"
        "Error: not found on arXiv: 2301.99999\n"
        "1 added, 1 already present, 1 not found, 1 invalid.\n"
    )
    assert r.stdout == f"2306.00978v5\t2023\t{AWQ}\n"
    assert server.requests[-1].params["id_list"] == "2306.00978,2301.99999"
    with Catalog(db_path()) as c:
        assert c.existing_ids(["2310.19102", "2306.00978", "2301.99999"]) == {"2310.19102", "2306.00978"}


def test_only_invalid_inputs_make_no_request(server, cli):
    r = cli("add", "abc", "2313.00001")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[:2] == ["Error: not an arXiv id: abc", "Error: not an arXiv id: 2313.00001"]
    assert server.requests == []


def test_add_file_of_250_ids_costs_three_requests(server, cli, tmp_path):
    ids = [f"2402.{n:05d}" for n in range(1, 251)]
    for i in ids:
        server.add(i)
    f = tmp_path / "ids.txt"
    f.write_text("# my reading list\n\n" + "\n".join(f"https://arxiv.org/abs/{i}" for i in ids) + "\n")
    r = cli("add", "--file", str(f))
    assert r.exit_code == 0, r.stderr
    assert r.stderr == "250 added, 0 already present, 0 not found, 0 invalid.\n"
    assert "\x1b[" not in r.stderr  # no progress bar when stderr is not a terminal
    assert [r.params["max_results"] for r in server.requests] == ["100", "100", "50"]
    with Catalog(db_path()) as c:
        assert c.count() == 250


def test_add_file_from_stdin_installed_cli(server):
    p = run("add", "--file", "-", input="2310.19102\n2211.10438  # SmoothQuant\n")
    assert p.returncode == 0, p.stderr
    assert server.requests[0].params["id_list"] == "2310.19102,2211.10438"


def test_tags_curated_from_seeds_and_manual(server, cli, mini_seeds, monkeypatch):
    from efmcat import paths

    monkeypatch.setattr(paths, "seeds_dir", lambda: mini_seeds)
    r = cli("add", "2306.00978", "2310.19102", "--tag", "fpga")
    assert r.exit_code == 0, r.stderr
    _, rows = stored("2306.00978")
    origins = {row["node"]: row["origin"] for row in rows}
    # mini.yaml tags AWQ with quantization, weight-only-ptq, hardware, edge-devices
    assert origins["weight-only-ptq"] == "curated" and origins["edge-devices"] == "curated"
    # fpga is the user's; hardware, which it implies, stays the curator's (an implied area
    # never replaces a given one, so untagging fpga cannot take hardware away)
    assert origins["fpga"] == "manual" and origins["hardware"] == "curated"
    _, rows = stored("2310.19102")
    assert {row["node"]: row["origin"] for row in rows}.get("fpga") == "manual"


def test_unknown_tag_fails_before_any_request(server, cli):
    r = cli("add", "2310.19102", "--tag", "quantisation")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: unknown taxonomy node 'quantisation'")
    assert server.requests == []


def test_force_fetches_again_and_keeps_notes(server, cli):
    cli("add", "2310.19102")
    with Catalog(db_path()) as c:
        c.set_note("2310.19102", "read this")
    server.add("2310.19102", 4, title=ATOM + " (v4)")
    r = cli("add", "2310.19102", "--force")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == "0 added, 1 updated, 0 already present, 0 not found, 0 invalid.\n"
    paper, _ = stored("2310.19102")
    assert (paper.version, paper.note) == (4, "read this")


def test_connection_refused_installed_cli_writes_nothing(server, monkeypatch):
    assert run("add", "2310.19102").returncode == 0
    before = snapshot()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/query"
    monkeypatch.setenv("EFMCAT_ARXIV_URL", url)
    p = run("add", "2306.00978", "2211.10438")
    assert p.returncode == 3
    assert p.stderr == (
        f"Error: could not reach arXiv at {url}: [Errno 111] Connection refused; offline? check the "
        "network and the proxy (HTTPS_PROXY), or set EFMCAT_ARXIV_URL to a reachable server\n"
    )
    assert "Traceback" not in p.stderr and p.stdout == ""
    assert snapshot() == before


@pytest.mark.parametrize(
    "reply,message",
    [
        (Reply(body=fixture("html_error_page.html")), "sent a response that is not an arXiv Atom feed"),
        (
            Reply(body=fixture("single_2310.19102_2026format.xml")[:700]),
            "sent a response that is not a valid Atom feed",
        ),
        (Reply(400, fixture("error_incorrect_id_format_http400_2026format.xml")), None),
    ],
)
def test_bad_answer_leaves_catalog_byte_for_byte(server, cli, reply, message):
    assert cli("add", "2310.19102").exit_code == 0
    before = snapshot()
    server.script.append(reply)
    r = cli("add", "2306.00978")
    assert r.exit_code == 3
    if message:
        assert r.stderr.startswith(f"Error: arXiv at {server.url} {message}")
    else:
        assert r.stderr == "Error: arXiv rejected the request: incorrect id format for abc\n"
    assert snapshot() == before


def test_failed_second_batch_keeps_the_first(server, cli, tmp_path):
    ids = [f"2402.{n:05d}" for n in range(1, 151)]
    for i in ids:
        server.add(i)
    server.script += [Reply(body=server.answer({"id_list": ",".join(ids[:100]), "max_results": "100"}).body)]
    server.script += [Reply(503, "busy")] * 4
    f = tmp_path / "ids.txt"
    f.write_text("\n".join(ids))
    r = cli("add", "--file", str(f))
    assert r.exit_code == 3
    assert r.stderr == (
        "Stored 100 papers before the failure.\n"
        "Not fetched: 50 papers (run the command again for them).\n"
        f"Error: arXiv at {server.url} kept failing: HTTP 503 after 4 attempts\n"
    )
    assert len(r.stdout.splitlines()) == 100
    with Catalog(db_path()) as c:
        assert c.count() == 100 and not c.has(ids[100])
    # the JSON report names the ids a script still has to add
    fresh = [f"2403.{n:05d}" for n in range(1, 102)]
    for i in fresh:
        server.add(i)
    server.script += [
        Reply(body=server.answer({"id_list": ",".join(fresh[:100]), "max_results": "100"}).body)
    ]
    server.script += [Reply(503, "busy")] * 4
    more = tmp_path / "more.txt"
    more.write_text("\n".join(fresh))
    r = cli("add", "--file", str(more), "--json")
    assert r.exit_code == 3
    report = json.loads(r.stdout)
    assert (len(report["added"]), report["failed"], report["not_done"]) == (100, [], [fresh[100]])


def test_failure_while_writing_a_batch_rolls_it_back(server, cli, monkeypatch):
    assert cli("add", "2310.19102").exit_code == 0
    before = snapshot()
    from efmcat.errors import CatalogError

    def broken(self, *a, **kw):
        raise CatalogError("disk full")

    monkeypatch.setattr(Catalog, "set_tag", broken)
    r = cli("add", "2306.00978", "2211.10438", "--tag", "fpga")
    assert r.exit_code == 1 and r.stderr == "Error: disk full\n"
    assert snapshot() == before


def test_malformed_delay_is_one_line(server, cli):
    r = cli("add", "2310.19102", env={"EFMCAT_ARXIV_DELAY": "three"})
    assert r.exit_code == 2
    assert r.stderr == "Error: EFMCAT_ARXIV_DELAY must be a number of seconds, got 'three'\n"
    assert server.requests == []


def test_force_prints_what_it_stored_and_says_unchanged_when_nothing_is_new(server, cli):
    """add --force printed arXiv's title over the title the user edited (the stored one),
    and a second --force with nothing new said "1 updated"."""
    cli("add", "2310.19102")
    assert cli("edit", "2310.19102", "--title", "Atom (my title)").exit_code == 0
    server.add("2310.19102", 4, title=ATOM + " (v4)")
    r = cli("add", "2310.19102", "--force")
    assert r.stdout == "2310.19102v4\t2023\tAtom (my title)\n"
    assert r.stderr == "0 added, 1 updated, 0 already present, 0 not found, 0 invalid.\n"
    r = cli("add", "2310.19102", "--force", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["updated"], data["unchanged"]) == ([], ["2310.19102"])
    r = cli("add", "2310.19102", "--force")
    assert (r.stdout, r.stderr) == ("", "0 added, 1 unchanged, 0 already present, 0 not found, 0 invalid.\n")


def test_a_fetch_keeps_the_first_source_and_records_arxiv_as_the_fields_provenance(server, cli, mini_db):
    """refresh (and add --force) set a listed paper's ``source`` to "arxiv" (README: the
    first source) and left ``provenance`` naming the list for the title arXiv gave."""
    with Catalog(mini_db) as c:
        before = c.get_paper("2306.00978")
        assert before.source != "arxiv"
        c.set_provenance("2306.00978", {"title": "a list", "venue": "the list's line"})
    server.add("2306.00978", 6, title="AWQ: Activation-aware Weight Quantization for On-Device LLMs")
    assert cli("refresh", "2306.00978").exit_code == 0
    with Catalog(mini_db) as c:
        assert c.get_paper("2306.00978").source == before.source
        provenance = c.provenance_of("2306.00978")
    assert provenance["title"] == "arXiv API" and provenance["venue"] == "the list's line"
    assert provenance["published"] == "arXiv API" and provenance["authors"] == "arXiv API"
    assert cli("add", "2310.19102").exit_code == 0  # a new paper: what arXiv gave
    with Catalog(mini_db) as c:
        assert c.get_paper("2310.19102").source == "arxiv"
        assert c.provenance_of("2310.19102") == {
            f: "arXiv API" for f in ("title", "authors", "abstract", "year", "published")
        }


def test_refresh_records_versions_titles_keeps_notes_and_manual_tags(server, cli, mini_db):
    # mini.yaml has 2306.00978 without version, dates or categories: refresh fills them in.
    with Catalog(mini_db) as c:
        c.set_note("2306.00978", "my note")
        c.set_tag("2306.00978", "fpga", "manual", 1.0)
    assert cli("refresh", "2306.00978").exit_code == 0
    paper, rows = stored("2306.00978")
    assert (paper.version, paper.published, paper.note) == (5, "2023-06-01T17:59:10Z", "my note")
    assert paper.categories == ["cs.LG", "cs.CL"]
    origins = {r["node"]: r["origin"] for r in rows}
    assert origins["fpga"] == "manual" and origins["weight-only-ptq"] == "curated"
    server.add("2306.00978", 6, title="AWQ: Activation-aware Weight Quantization for On-Device LLMs")
    r = cli("refresh", "https://arxiv.org/abs/2306.00978")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == (
        "2306.00978\tnew version\tv5 -> v6\n"
        f"2306.00978\tnew title\t{AWQ} -> AWQ: Activation-aware Weight Quantization for On-Device LLMs\n"
    )
    assert r.stderr == (
        "Refreshed 1 paper: 1 updated, 0 unchanged, 1 new version, 1 changed title, 0 not found.\n"
    )
    assert stored("2306.00978")[0].note == "my note"


def test_a_failed_refresh_says_what_its_earlier_batches_stored(server, cli, tmp_path):
    """The first batch's new versions are committed before the second fails: printed, and
    counted on stderr, as add does (refresh said only the error)."""
    ids = [f"2402.{n:05d}" for n in range(1, 151)]
    for i in ids:
        server.add(i)
    f = tmp_path / "ids.txt"
    f.write_text("\n".join(ids))
    assert cli("add", "--file", str(f)).exit_code == 0
    with Catalog(db_path()) as c, c.transaction():  # fetched a while ago (stamps are to the second)
        c.conn.execute("UPDATE papers SET fetched_at = '2026-01-01T00:00:00Z'")
    for i in ids:
        server.add(i, version=2)
    server.script += [Reply(body=server.answer({"id_list": ",".join(ids[:100]), "max_results": "100"}).body)]
    server.script += [Reply(503, "busy")] * 4
    r = cli("refresh", "--all")
    assert r.exit_code == 3
    assert r.stderr == (
        "Refreshed 100 papers before the failure.\n"
        "Not fetched: 50 papers (run the command again for them).\n"
        f"Error: arXiv at {server.url} kept failing: HTTP 503 after 4 attempts\n"
    )
    assert r.stdout.splitlines()[0] == f"{ids[0]}\tnew version\tv1 -> v2"
    assert len(r.stdout.splitlines()) == 100
    # Run again, it goes on where it stopped: the 50 not fetched first (they were fetched
    # longest ago), then the others (it repeated the same 100 and never reached the rest).
    # --json: the papers never fetched are not_done, not "unchanged"
    for i in ids:
        server.add(i, version=3)
    first = ids[100:] + ids[:50]
    server.script += [Reply(body=server.answer({"id_list": ",".join(first), "max_results": "100"}).body)]
    server.script += [Reply(503, "busy")] * 4
    report = json.loads(cli("refresh", "--all", "--json").stdout)
    assert report["updated"] == first and report["unchanged"] == [] and report["not_done"] == ids[50:100]


def test_ctrl_c_between_batches_says_what_add_stored(server, cli, tmp_path, monkeypatch):
    """Ctrl-C during the second request: the first batch is committed; add prints it and
    counts it before 'interrupted' (it said only that)."""
    from efmcat.arxiv import ArxivClient

    ids = [f"2402.{n:05d}" for n in range(1, 151)]
    for i in ids:
        server.add(i)
    real = ArxivClient.fetch_batch
    calls = []

    def second_interrupted(self, batch):
        calls.append(batch)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, batch)

    monkeypatch.setattr(ArxivClient, "fetch_batch", second_interrupted)
    f = tmp_path / "ids.txt"
    f.write_text("\n".join(ids))
    r = cli("add", "--file", str(f))
    assert r.exit_code == 130
    assert r.stderr == (
        "Stored 100 papers before the failure.\n"
        "Not fetched: 50 papers (run the command again for them).\n"
        "Error: interrupted; the changes made before it were written\n"
    )
    assert len(r.stdout.splitlines()) == 100


def test_refresh_all_skips_non_arxiv_and_reports_missing(server, cli, mini_db):
    r = cli("refresh", "--all")
    assert r.exit_code == 1
    # mini.yaml has six arXiv papers (the server knows only 2306.00978) and two others
    assert "Error: not found on arXiv: 2205.14135\n" in r.stderr
    assert r.stderr.endswith(
        "Refreshed 1 paper: 1 updated, 0 unchanged, 0 new versions, 0 changed titles, 5 not found.\n"
    )
    ids = server.requests[0].params["id_list"].split(",")
    assert "openreview:OdnNBxlShZG" not in ids and len(server.requests) == 1


def test_refresh_older_than(server, cli):
    cli("add", "2310.19102", "2306.00978")
    n = len(server.requests)
    r = cli("refresh", "--older-than", "1")
    assert (r.exit_code, r.stderr) == (0, "Nothing to refresh.\n")
    assert len(server.requests) == n
    r = cli("refresh", "--older-than", "0")
    assert r.exit_code == 0 and r.stderr.startswith("Refreshed 2 papers:")


def test_refresh_needs_a_selection(cli):
    r = cli("refresh")
    assert (r.exit_code, r.stderr) == (2, "Error: give paper ids, --all or --older-than DAYS\n")
    r = cli("refresh", "2310.19102")
    assert (r.exit_code, r.stderr) == (1, "Error: not in the catalog: 2310.19102\n")


def test_cli_import_does_not_load_http_libraries():
    code = "import sys, efmcat.cli; print(sorted(m for m in ('httpx', 'feedparser', 'efmcat.arxiv', 'efmcat.fetch') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_added_and_refreshed_papers_record_arxiv_as_a_source(tmp_path):
    """`show` and `check` name where a paper came from: arXiv's own title is kept as a source."""
    from efmcat.catalog import Catalog
    from efmcat.fetch import AddReport, RefreshReport, _refresh_batch, _store_batch
    from efmcat.models import Paper
    from efmcat.taxonomy import load_taxonomy

    cat = Catalog(tmp_path / "s.db")
    paper = Paper(id="2401.00001", title="First title", url="https://arxiv.org/abs/2401.00001", version=1)
    _store_batch(cat, [paper], set(), {}, {}, load_taxonomy(), AddReport())
    assert cat.sources_of("2401.00001") == [
        {
            "source": "arxiv",
            "locator": "",
            "title": "First title",
            "link": "https://arxiv.org/abs/2401.00001",
            "section": None,
        }
    ]
    newer = Paper(id="2401.00001", title="Second title", url="https://arxiv.org/abs/2401.00001", version=2)
    _refresh_batch(cat, [newer], RefreshReport())
    assert [s["title"] for s in cat.sources_of("2401.00001")] == ["Second title"]
    cat.close()


def test_add_merges_the_record_the_catalog_had_without_an_arxiv_id(server, cli, tmp_path):
    """SmoothQuant known by its DOI (with a note, a star and a manual tag), then added from
    arXiv: one paper, the arXiv one, carrying the DOI record's sources and the user's data."""
    md = tmp_path / "conf.md"
    md.write_text(
        f"## Quantization\n- [{SMOOTH.lower()}](https://doi.org/10.5555/icml.2023)\n", encoding="utf-8"
    )
    assert cli("import", str(md)).exit_code == 0
    assert cli("note", "doi:10.5555/icml.2023", "read the appendix").exit_code == 0
    assert cli("star", "doi:10.5555/icml.2023").exit_code == 0
    assert cli("tag", "doi:10.5555/icml.2023", "hardware").exit_code == 0
    r = cli("add", "2211.10438", "--json")
    assert r.exit_code == 0, r.stderr
    assert (
        r.stderr.splitlines()[0]
        == "Merged doi:10.5555/icml.2023 into 2211.10438, its arXiv paper (same title)."
    )
    assert json.loads(r.stdout)["merged"] == [{"id": "doi:10.5555/icml.2023", "paper": "2211.10438"}]
    with Catalog(db_path()) as c:
        assert not c.has("doi:10.5555/icml.2023")
        p = c.get_paper("2211.10438")
        assert (p.title, p.note, p.starred) == (SMOOTH, "read the appendix", True)
        conf = next(s for s in c.sources_of("2211.10438") if s["source"] == "conf.md")
        assert (conf["locator"], conf["link"]) == ("conf.md:2", "https://doi.org/10.5555/icml.2023")
        assert {r["node"]: r["origin"] for r in c.tag_rows("2211.10438")}["hardware"] == "manual"


def test_add_leaves_a_title_two_arxiv_papers_share(server, cli, tmp_path):
    md = tmp_path / "conf.md"
    md.write_text(
        f"## Quantization\n- [{SMOOTH}](https://arxiv.org/abs/2301.00001)\n- [{SMOOTH}](https://doi.org/10.5555/icml.2023)\n",
        encoding="utf-8",
    )
    assert cli("import", str(md)).exit_code == 0  # the DOI row merged into the arXiv id the list gives
    with Catalog(db_path()) as c:
        assert c.existing_ids(["2301.00001", "doi:10.5555/icml.2023"]) == {"2301.00001"}
        c.upsert_paper(Paper(id="title:smoothquant", title=SMOOTH))
    r = cli("add", "2211.10438")
    assert r.exit_code == 0, r.stderr
    assert "Merged" not in r.stderr  # two arXiv papers under one title: a human decides (check)
    with Catalog(db_path()) as c:
        assert c.existing_ids(["2301.00001", "2211.10438", "title:smoothquant"]) == {
            "2301.00001",
            "2211.10438",
            "title:smoothquant",
        }


def test_an_id_file_with_a_byte_order_mark_reads(server, cli, tmp_path):
    server.add("2611.00036")
    f = tmp_path / "ids.txt"
    f.write_bytes("\ufeff2611.00036\n".encode())
    r = cli("add", "--file", str(f))
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("2611.00036v1\t")


@pytest.mark.parametrize("days", ["nan", "-1", "1e300", "inf"])
def test_refresh_older_than_out_of_range_is_a_usage_error(cli, mini_db, days):
    r = cli("refresh", "--older-than", days)
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: --older-than must be a number of days from 0 to 3650000, not ")


def test_import_fetch_says_which_ids_arxiv_does_not_know(server, cli, tmp_path):
    """import --fetch reported nothing for a list's id arXiv lacks (a typo in a link): it
    was stored under the list's title, unverified, and --json said fetched 1, unfetched []."""
    md = tmp_path / "list.md"
    md.write_text(
        "## Quantization\n\n- [Atom](https://arxiv.org/abs/2310.19102)\n"
        "- [A paper with a typo](https://arxiv.org/abs/2402.09999)\n",
        encoding="utf-8",
    )
    r = cli("import", str(md), "--fetch", "--json")
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert (report["fetched"], report["not_found"], report["unfetched"]) == (1, ["2402.09999"], [])
    assert r.stderr.endswith(
        "Warning: not found on arXiv: 1 id of the list (2402.09999); kept with the list's title only: "
        "check their links\n"
    )


def test_an_id_file_comment_may_follow_a_tab():
    from efmcat.fetch import read_id_lines

    text = "# header\n2402.00024\t# a tab, then a comment\n2310.19102  # spaces\nhttps://arxiv.org/abs/2306.00978#x\n"
    assert read_id_lines(text) == ["2402.00024", "2310.19102", "https://arxiv.org/abs/2306.00978#x"]


def test_many_papers_arxiv_does_not_know_are_listed_up_to_a_bound(server, cli, mini_db, monkeypatch):
    """A refresh against a mirror that knows none of 2,255 papers said 2,255 error lines:
    the first NOT_FOUND_SHOWN, then how many more (--json lists them all)."""
    from efmcat.cli import fetch_cmds

    monkeypatch.setattr(fetch_cmds, "NOT_FOUND_SHOWN", 2)
    r = cli("refresh", "--all")
    assert r.exit_code == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 3 and errors[0].startswith("Error: not found on arXiv: ")
    assert errors[2] == "Error: ... and 3 more not found on arXiv (--json lists them all)"
    failed = json.loads(cli("refresh", "--all", "--json").stdout)["failed"]
    assert len(failed) == 5


def test_a_nickname_arxiv_runs_into_the_surname_is_spaced(server, cli):
    """arXiv spells "Shaochen (Henry)Zhong" as the lists do; the catalog stores "Shaochen
    (Henry) Zhong" from every source, so a refresh does not undo the shipped spelling."""
    from efmcat.models import with_et_al

    server.add("2407.01527", 2, title="KV Cache Compression, But What Must We Give in Return?",
               authors=("Jiayi Yuan", "Shaochen (Henry)Zhong"))  # fmt: skip
    assert cli("add", "2407.01527").exit_code == 0
    shown = json.loads(cli("show", "2407.01527", "--json").stdout)
    assert shown["authors"] == ["Jiayi Yuan", "Shaochen (Henry) Zhong"]
    assert cli("refresh", "2407.01527").stderr.endswith(
        "1 unchanged, 0 new versions, 0 changed titles, 0 not found.\n"
    )
    assert with_et_al(["Hao (Mark)Chen", "Ana (B) Smith", "Bo  Wang"]) == [
        "Hao (Mark) Chen",
        "Ana (B) Smith",
        "Bo Wang",
    ]
