"""`efmcat discover` against a loopback arXiv that replays search pages (tests/arxiv_server.py)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from arxiv_server import ArxivServer, Reply
from efmcat.catalog import Catalog
from efmcat.models import Paper

FEEDS = Path(__file__).parent / "fixtures" / "discover"
NOW = datetime.now(timezone.utc).replace(microsecond=0)

QUANT = "Low-bit Weight Quantization of Large Language Models with INT4 Kernels"
QUANT_ABS = "We quantize weights to 4 bits; int4 quantization keeps accuracy of large language models."
KV = "Compressing the KV Cache for Long-Context Serving"
KV_ABS = "The key-value cache dominates memory; we evict and merge KV cache entries."
SPEC = "Speculative Decoding with a Tiny Drafter"
SPEC_ABS = "A drafter proposes tokens that the model verifies; speculative decoding is faster."
BIRDS = "On the Migration Routes of Birds"
BIRDS_ABS = "We track birds across continents."


def iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class WindowServer(ArxivServer):
    """Answers search_query like arXiv: the submittedDate range filters, newest first, paged.

    ``fail[n]`` replaces the answer to the n-th request (1-based) by a canned reply."""

    def __init__(self) -> None:
        super().__init__()
        self.published: dict[str, str] = {}
        self.fail: dict[int, Reply] = {}

    def put(self, arxiv_id: str, published: datetime, title: str, summary: str, **kw) -> None:
        self.published[arxiv_id] = iso(published)
        self.add(arxiv_id, title=title, summary=summary, published=iso(published), **kw)

    def answer(self, params: dict[str, str]) -> Reply:
        n = len(self.requests)
        if n in self.fail:
            return self.fail[n]
        if "search_query" not in params:
            return super().answer(params)
        from arxiv_server import feed_xml

        m = re.search(r"submittedDate:\[(\d{12}) TO (\d{12})\]", params["search_query"])
        ids = list(self.papers)
        if m:
            lo, hi = m.groups()
            ids = [i for i in ids if lo <= re.sub(r"\D", "", self.published[i])[:12] <= hi]
        ids.sort(key=lambda i: self.published[i], reverse=True)
        start, per = int(params.get("start", 0)), int(params.get("max_results", 10))
        page = [self.papers[i] for i in ids[start : start + per]]
        return Reply(body=feed_xml(page, total=len(ids), start=start, per_page=per))


@pytest.fixture
def server(monkeypatch):
    s = WindowServer().start()
    monkeypatch.setenv("EFMCAT_ARXIV_URL", s.url)
    monkeypatch.setenv("EFMCAT_ARXIV_BACKOFF", "0.01")
    yield s
    s.stop()


def four(server: WindowServer) -> None:
    server.put("2611.00001", NOW - timedelta(days=1), QUANT, QUANT_ABS)
    server.put("2611.00002", NOW - timedelta(days=2), KV, KV_ABS)
    server.put("2611.00003", NOW - timedelta(days=3, hours=1), SPEC, SPEC_ABS)
    server.put("2611.00004", NOW - timedelta(days=4, hours=1), BIRDS, BIRDS_ABS)


def db() -> Catalog:
    import os

    return Catalog(os.environ["EFMCAT_DB"])


def now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def stamps(t0: datetime, t1: datetime, back: timedelta = timedelta(0), fmt: str = "%Y%m%d%H%M") -> set[str]:
    """The ways a time between t0 and t1 (minus ``back``) can be printed (a minute may turn)."""
    return {(t0 - back).strftime(fmt), (t1 - back).strftime(fmt)}


def window(query: str) -> tuple[str, str]:
    return re.search(r" AND submittedDate:\[(\d{12}) TO (\d{12})\]$", query).groups()


def ids_of(stdout: str) -> list[str]:
    return [line.split("\t")[1] for line in stdout.splitlines()]


def searches(server: WindowServer) -> list[dict[str, str]]:
    return [r.params for r in server.requests if "search_query" in r.params]


def test_lists_window_ranked_with_areas_and_remembers_the_run(server, cli):
    four(server)
    server.put("2610.00009", NOW - timedelta(days=9), QUANT + " II", QUANT_ABS)  # before the window
    t0 = now()
    r = cli("discover", "--json")
    t1 = now()
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["id"] for x in rows] == ["2611.00001", "2611.00002", "2611.00003", "2611.00004"]
    assert [x["score"] for x in rows] == [25.38, 23.62, 17.88, 0]
    first = rows[0]
    assert first["areas"] == ["quantization", "compiler"] and first["in_catalog"] is False
    assert first["topics"] == ["weight-only-ptq"]
    assert first["title"] == QUANT and first["published"] == iso(NOW - timedelta(days=1))
    assert rows[-1]["areas"] == [] and rows[-1]["score"] == 0
    assert {"id", "title", "published", "areas", "score", "in_catalog"} <= set(first)
    [q] = searches(server)
    assert q["sortBy"] == "submittedDate" and q["sortOrder"] == "descending"
    assert (q["start"], q["max_results"]) == ("0", "100")
    lo, hi = window(q["search_query"])
    assert lo in stamps(t0, t1, timedelta(days=7)) and hi in stamps(t0, t1)
    assert q["search_query"].startswith("((cat:cs.LG OR cat:cs.CL OR cat:cs.AR OR cat:cs.DC")
    assert "abs:quantization" in q["search_query"] and 'abs:"kv cache"' in q["search_query"]
    m = re.fullmatch(r"From (.{16}) to (.{16}) UTC: 4 papers in 1 page, 4 candidates\.\n", r.stderr)
    assert m, r.stderr
    assert m.group(1) in stamps(t0, t1, timedelta(days=7), "%Y-%m-%d %H:%M")
    assert m.group(2) in stamps(t0, t1, fmt="%Y-%m-%d %H:%M")
    with db() as c:
        runs = json.loads(c.get_meta("discover.runs"))
    assert iso(t0) <= runs["default"]["until"] <= iso(t1)
    assert sorted(runs["default"]["seen"]) == ["2611.00001", "2611.00002", "2611.00003", "2611.00004"]


def test_plain_output_marks_papers_in_the_catalog(server, cli):
    four(server)
    server.put("2611.00005", NOW - timedelta(hours=5), QUANT + " (v2)", QUANT_ABS)
    with db() as c:
        from efmcat.models import Paper

        with c.transaction():
            c.upsert_paper(Paper(id="2611.00002", title=KV), fetched_at=iso(NOW))
    r = cli("discover", "--min-score", "1")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert [ln.split("\t")[1:4] for ln in lines] == [
        ["2611.00005", (NOW - timedelta(hours=5)).strftime("%Y-%m-%d"), "new"],
        ["2611.00001", (NOW - timedelta(days=1)).strftime("%Y-%m-%d"), "new"],
        ["2611.00002", (NOW - timedelta(days=2)).strftime("%Y-%m-%d"), "in-catalog"],
        ["2611.00003", (NOW - timedelta(days=3, hours=1)).strftime("%Y-%m-%d"), "new"],
    ]
    assert lines[0].split("\t")[0] == "25.38"
    assert lines[0].split("\t")[4:] == ["quantization,compiler", QUANT + " (v2)"]
    assert r.stderr.endswith(
        "5 papers in 1 page, 4 candidates, 1 already in the catalog, 1 below the filters.\n"
    )


def test_paging_across_three_pages(server, cli):
    for k in range(230):
        server.put(f"2611.{10000 + k}", NOW - timedelta(minutes=10 * k + 1), f"{QUANT} {k}", QUANT_ABS)
    r = cli("discover", "--json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 230 and len({x["id"] for x in rows}) == 230
    # Equal scores: newest first.
    assert [x["id"] for x in rows[:2]] == ["2611.10000", "2611.10001"]
    assert [(q["start"], q["max_results"]) for q in searches(server)] == [
        ("0", "100"),
        ("100", "100"),
        ("200", "100"),
    ]
    assert "230 papers in 3 pages, 230 candidates." in r.stderr


def test_page_cap_warns_and_stops(server, cli):
    for k in range(230):
        server.put(f"2611.{10000 + k}", NOW - timedelta(minutes=10 * k + 1), f"{QUANT} {k}", QUANT_ABS)
    r = cli("discover", "--max-pages", "2", "--limit", "3")
    assert r.exit_code == 0, r.stderr
    assert ids_of(r.stdout) == ["2611.10000", "2611.10001", "2611.10002"]
    assert len(searches(server)) == 2
    assert r.stderr.startswith(
        "Warning: stopped after 2 pages (--max-pages); older papers of the window were not read: "
        "the next run starts where this one did.\n"
    )
    first = window(searches(server)[0]["search_query"])[0]
    r = cli("discover", "--max-pages", "2", "--limit", "3")
    assert window(searches(server)[-1]["search_query"])[0] == first  # the window's start, kept
    assert ids_of(r.stdout) == ["2611.10003", "2611.10004", "2611.10005"]  # the shown ones are not again


def test_an_empty_page_before_the_total_is_asked_again(server, cli):
    for k in range(230):
        server.put(f"2611.{10000 + k}", NOW - timedelta(minutes=10 * k + 1), f"{QUANT} {k}", QUANT_ABS)
    from arxiv_server import feed_xml

    server.fail[2] = Reply(body=feed_xml([], total=230, start=100, per_page=100))
    r = cli("discover", "--json")
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)) == 230
    assert [q["start"] for q in searches(server)] == ["0", "100", "100", "200"]
    assert "230 papers in 3 pages, 230 candidates." in r.stderr


def test_empty_pages_for_good_leave_the_window_to_the_next_run(server, cli):
    """arXiv sends an empty page now and then while totalResults says more: the run was
    taken as complete (135 of 235 papers skipped, no warning) and the next window began
    after it."""
    for k in range(230):
        server.put(f"2611.{10000 + k}", NOW - timedelta(minutes=10 * k + 1), f"{QUANT} {k}", QUANT_ABS)
    from arxiv_server import feed_xml

    for n in (2, 3, 4):
        server.fail[n] = Reply(body=feed_xml([], total=230, start=100, per_page=100))
    r = cli("discover", "--json")
    assert r.exit_code == 0, r.stderr
    assert len(json.loads(r.stdout)) == 100
    assert r.stderr.startswith(
        "Warning: arXiv sent an empty page at result 100 (asked three times); older papers of the "
        "window were not read: the next run starts where this one did.\n"
    )
    assert "100 papers in 1 page, 100 candidates." in r.stderr
    first = window(searches(server)[0]["search_query"])[0]
    with db() as c:
        run = json.loads(c.get_meta("discover.runs"))["default"]
    assert run["next_since"] == run["since"] and len(run["seen"]) == 100
    r = cli("discover", "--json")
    assert window(searches(server)[-1]["search_query"])[0] == first
    assert len(json.loads(r.stdout)) == 130  # the rest, not the 100 shown
    with db() as c:
        assert "next_since" not in json.loads(c.get_meta("discover.runs"))["default"]


def test_window_boundary_with_since(server, cli):
    day = (NOW - timedelta(days=3)).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    server.put("2611.00010", midnight, QUANT, QUANT_ABS)  # exactly at the start: in
    server.put("2611.00011", midnight - timedelta(seconds=1), KV, KV_ABS)  # a second before: out
    server.put("2611.00012", midnight + timedelta(minutes=1), SPEC, SPEC_ABS)
    t0 = now()
    r = cli("discover", "--since", day.isoformat(), "--json")
    t1 = now()
    assert r.exit_code == 0, r.stderr
    assert sorted(x["id"] for x in json.loads(r.stdout)) == ["2611.00010", "2611.00012"]
    [q] = searches(server)
    lo, hi = window(q["search_query"])
    assert lo == f"{day:%Y%m%d}0000" and hi in stamps(t0, t1)


def test_paper_published_before_the_range_minute_is_dropped_even_if_served(server, cli):
    # A server that ignores the date range: the client still keeps only the window.
    four(server)
    server.put("2610.00001", NOW - timedelta(days=30), QUANT, QUANT_ABS)
    server.fail[1] = Reply(
        body=ArxivServer.answer(server, {"search_query": "x", "start": "0", "max_results": "100"}).body
    )
    r = cli("discover", "--since", (NOW - timedelta(days=2, hours=12)).isoformat(), "--json")
    assert r.exit_code == 0, r.stderr
    assert sorted(x["id"] for x in json.loads(r.stdout)) == ["2611.00001", "2611.00002"]
    assert len(searches(server)) == 1  # the page reached before the window: no more pages


def test_empty_window(server, cli):
    server.put("2610.00001", NOW - timedelta(days=30), QUANT, QUANT_ABS)
    r = cli("discover")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == ""
    assert r.stderr.endswith(": 0 papers in 1 page, 0 candidates.\n")
    assert cli("discover", "--json").stdout == "[]\n"
    with db() as c:
        assert "default" in json.loads(c.get_meta("discover.runs"))


def test_503_mid_paging_is_retried_without_duplicates(server, cli):
    for k in range(230):
        server.put(f"2611.{10000 + k}", NOW - timedelta(minutes=10 * k + 1), f"{QUANT} {k}", QUANT_ABS)
    server.fail[2] = Reply(503, "busy", {"Retry-After": "0"})
    r = cli("discover", "--json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) == 230 and len({x["id"] for x in rows}) == 230
    assert [q["start"] for q in searches(server)] == ["0", "100", "100", "200"]


def test_503_for_good_fails_and_remembers_nothing(server, cli):
    four(server)
    for n in range(1, 5):
        server.fail[n] = Reply(503, "busy", {"Retry-After": "0"})
    r = cli("discover", "--add")
    assert r.exit_code == 3
    assert r.stdout == ""
    assert r.stderr == f"Error: arXiv at {server.url} kept failing: HTTP 503 after 4 attempts\n"
    with db() as c:
        assert c.get_meta("discover.runs") is None and c.count() == 0


def test_state_across_runs_shows_only_what_is_new_and_never_the_rejected(server, cli):
    four(server)
    t0 = now()
    assert ids_of(cli("discover").stdout) == ["2611.00001", "2611.00002", "2611.00003", "2611.00004"]
    t1 = now()
    again = cli("discover")
    assert again.exit_code == 0 and again.stdout == ""
    assert again.stderr.endswith("2 papers in 1 page, 0 candidates, 2 shown before.\n")
    # The next window starts 3 days before the end of the last one (arXiv's announcement lag).
    lo, _ = window(searches(server)[-1]["search_query"])
    assert lo in stamps(t0, t1, timedelta(days=3))

    server.put("2611.00020", NOW - timedelta(hours=1), KV + " again", KV_ABS)
    server.put("2611.00021", NOW - timedelta(hours=2), QUANT + " again", QUANT_ABS)
    r = cli("discover", "--reject", "2611.00021", "arXiv:2611.00001v2")
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr == "Rejected 2 papers: 2611.00021, 2611.00001\n"
    r = cli("discover", "--reject", "")
    assert (r.exit_code, r.stderr) == (1, "Error: empty id\n")  # as explain "" says it
    r = cli("discover", "--reject", "2611.00021", "2611.00022")  # once is enough: said so
    assert (r.exit_code, r.stderr) == (0, "Rejected 1 paper: 2611.00022\nAlready rejected: 2611.00021\n")
    r = cli("discover")
    assert ids_of(r.stdout) == ["2611.00020"]
    assert r.stderr.endswith("4 papers in 1 page, 1 candidate, 1 shown before, 2 rejected.\n")
    # An explicit --since shows the window again, but not the rejected ones.
    r = cli("discover", "--since", (NOW - timedelta(days=7)).date().isoformat())
    assert ids_of(r.stdout) == ["2611.00020", "2611.00002", "2611.00003", "2611.00004"]
    # A custom --query has its own state.
    r = cli("discover", "--query", "all:quantization")
    assert ids_of(r.stdout) == ["2611.00020", "2611.00002", "2611.00003", "2611.00004"]
    assert searches(server)[-1]["search_query"].startswith("(all:quantization) AND submittedDate:[")
    with db() as c:
        runs = json.loads(c.get_meta("discover.runs"))
        assert sorted(runs) == ["default", "query:all:quantization"]
        assert sorted(json.loads(c.get_meta("discover.rejected"))) == [
            "2611.00001",
            "2611.00021",
            "2611.00022",
        ]


def test_add_stores_candidates_above_the_threshold_tagged(server, cli):
    four(server)
    r = cli("discover", "--add", "--json")
    assert r.exit_code == 0, r.stderr
    rows = {x["id"]: x for x in json.loads(r.stdout)}
    added = sorted(i for i, x in rows.items() if x["added"])
    assert added == ["2611.00001", "2611.00002", "2611.00003"]  # not the birds (score 0 < 3)
    assert all(rows[i]["in_catalog"] for i in added) and not rows["2611.00004"]["in_catalog"]
    assert r.stderr.endswith("4 papers in 1 page, 4 candidates, 3 added.\n")
    with db() as c:
        assert c.count() == 3
        paper = c.get_paper("2611.00001")
        assert paper.title == QUANT and paper.version == 1 and paper.verified
        assert "quantization" in c.tags_of(["2611.00001"])["2611.00001"]
    assert [r.params for r in server.requests if "id_list" in r.params] == []  # no refetch
    # --min-score sets the threshold; papers in the catalog are marked, not added again.
    r = cli("discover", "--since", (NOW - timedelta(days=7)).isoformat(), "--add", "--min-score", "0")
    assert r.exit_code == 0, r.stderr
    assert [ln.split("\t")[3] for ln in r.stdout.splitlines()] == [
        "in-catalog",
        "in-catalog",
        "in-catalog",
        "added",
    ]
    with db() as c:
        assert c.count() == 4


def test_papers_not_about_machine_learning_rank_last_marked_and_are_never_added(server, cli):
    """A cs.AR paper on testing microcontrollers scores high on hardware words ("microcontroller")
    but names no model: it comes after every paper about machine learning, is marked
    off-field, and --add leaves it; one about models in cs.AR alone counts by its words."""
    server.put(
        "2611.30001",
        NOW - timedelta(days=1),
        "Microcontroller Based Testing of Digital IP-Core",
        "A microcontroller drives test vectors into a digital IP core on an FPGA board and "
        "compares its outputs; the set-up costs little and runs on a mobile power supply.",
        categories=("cs.AR",),
    )
    server.put("2611.30002", NOW - timedelta(days=2), SPEC, SPEC_ABS)
    server.put(
        "2611.30003",
        NOW - timedelta(days=3),
        "An FPGA Design for Sparse Matrix Kernels",
        "We map sparse kernels of neural networks to an FPGA.",
        categories=("cs.AR",),
    )
    r = cli("discover", "--json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [x["id"] for x in rows] == ["2611.30002", "2611.30003", "2611.30001"]
    assert [x["in_field"] for x in rows] == [True, True, False]
    assert rows[2]["score"] > rows[0]["score"] > rows[1]["score"] > 3  # ranked by field first
    assert r.stderr.endswith("3 papers in 1 page, 3 candidates, 1 off-field.\n")
    r = cli("discover", "--since", (NOW - timedelta(days=7)).isoformat(), "--add")
    assert r.exit_code == 0, r.stderr
    assert [ln.split("\t")[3] for ln in r.stdout.splitlines()] == ["added", "added", "off-field"]
    assert r.stderr.endswith("3 papers in 1 page, 3 candidates, 1 off-field, 2 added.\n")
    with db() as c:
        assert c.existing_ids(["2611.30001", "2611.30002", "2611.30003"]) == {"2611.30002", "2611.30003"}


def test_in_field_reads_the_categories_then_the_words():
    from efmcat.discover import in_field

    def paper(title: str, abstract: str | None = None, cats: tuple[str, ...] = ("cs.AR",)) -> Paper:
        return Paper(id="2611.00001", title=title, abstract=abstract, categories=list(cats))

    assert in_field(paper("Timing Closure for RISC-V Cores", cats=("cs.AR", "cs.LG")))
    assert not in_field(paper("Timing Closure for RISC-V Cores", "Static timing of a core."))
    assert in_field(paper("Timing Closure", "Placement for a DNN accelerator."))
    assert in_field(paper("A Systolic Array for LLM Inference"))
    assert in_field(paper("Garbage Collection", "We train a model to predict lifetimes; training is cheap."))
    assert not in_field(paper("Maintaining Attentional Focus", "Retraining staff."))  # words, not stems
    assert in_field(
        paper("Near-Memory Processing", "We speed up the table lookups of recommendation models.")
    )
    assert in_field(paper("Auto-Scheduling", "We tune tensor programs for new accelerators."))


def test_area_limit_and_min_score_filters(server, cli):
    four(server)
    r = cli("discover", "--area", "decoding", "--json")
    assert [x["id"] for x in json.loads(r.stdout)] == ["2611.00003"]
    r = cli("discover", "--since", "2000-01-01", "--min-score", "3", "--limit", "1")
    assert ids_of(r.stdout) == ["2611.00001"]
    # one under --min-score, two more that --limit cut (said apart: "3 below the filters" was both)
    assert r.stderr.endswith("4 papers in 1 page, 1 candidate, 1 below the filters, 2 past --limit.\n")
    r = cli("discover", "--since", "2000-01-01", "--limit", "2")
    assert r.stderr.endswith("4 papers in 1 page, 2 candidates, 2 past --limit.\n")


def test_a_filtered_run_does_not_use_up_what_its_filters_left_out(server, cli):
    """Each set of filters keeps its own state: `discover --limit 1` then `discover` showed
    the second run only what was new since the first, and the papers the limit left out
    never."""
    four(server)
    assert ids_of(cli("discover", "--limit", "1").stdout) == ["2611.00001"]
    assert ids_of(cli("discover", "--limit", "1").stdout) == ["2611.00002"]  # its own state: the next
    assert ids_of(cli("discover", "-t", "decoding", "--min-score", "5").stdout) == ["2611.00003"]
    r = cli("discover")
    assert ids_of(r.stdout) == ["2611.00001", "2611.00002", "2611.00003", "2611.00004"]
    with db() as c:
        runs = json.loads(c.get_meta("discover.runs"))
    assert sorted(runs) == ["default", "default|limit=1", "default|min-score=5|tag=decoding"]


def test_run_keys_name_the_query_and_the_filters_given():
    from efmcat.discover import run_key

    assert run_key(None, None, None, [], None) == "default"
    assert run_key("all:moe", None, 2.5, ["memory", "decoding", "memory"], 5) == (
        "query:all:moe|min-score=2.5|tag=decoding,memory|limit=5"
    )
    assert run_key(None, "cs.LG.xml", 0.0, [], None) == "feed:cs.LG.xml|min-score=0"


def _areas(title: str, abstract: str) -> list[str]:
    from efmcat.tagger import auto_tags
    from efmcat.taxonomy import load_taxonomy

    tax = load_taxonomy()
    return [n for n in auto_tags(tax, title, abstract, ["cs.LG", "cs.CL"]) if tax.nodes[n].parent is None]


def test_feed_file_rss(server, cli):
    with db() as c:
        from efmcat.models import Paper

        with c.transaction():
            c.upsert_paper(Paper(id="2611.20002", title="Speculative"), fetched_at=iso(NOW))
    r = cli("discover", "--feed", str(FEEDS / "cs_LG_rss_2026format.xml"), "--json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    # Replacements of old papers (AWQ, Atom) are not candidates.
    assert [x["id"] for x in rows] == ["2611.20001", "2611.20002", "2611.20003"]
    # areas are the tagger's (the shipped model with the rules): KV-cache quantization is
    # quantization and memory (its "Long-Context" setting also makes it attention by the
    # rules, which the shipped model leaves attention to: the tagger's call, not discover's)
    assert (rows[0]["areas"], rows[1]["areas"], rows[2]["areas"]) == (
        _areas(
            "KVSqueeze: 2-bit Key-Value Cache Quantization for Long-Context LLM Serving",
            "We quantize the key-value cache of large language models to 2 bits. KV cache quantization "
            "with per-channel keys keeps accuracy while the memory of the cache shrinks eightfold.",
        ),
        ["decoding"],
        [],
    )
    assert {"quantization", "memory"} <= set(rows[0]["areas"])
    assert rows[0]["authors"] == ["Mei Chen", "Jonas Weber", "Ana Souza"] and rows[1]["version"] == 2
    assert [x["in_catalog"] for x in rows] == [False, True, False]
    assert rows[0]["published"] == "2026-11-26T05:00:00Z"
    assert server.requests == []  # a file: no request
    assert r.stderr == "From the feed: 3 papers, 3 candidates, 1 already in the catalog.\n"
    again = cli("discover", "--feed", str(FEEDS / "cs_LG_rss_2026format.xml"))
    assert again.stdout == "" and again.stderr.endswith("3 shown before.\n")


def test_feed_url_keeps_its_query_and_a_candidate_arxiv_lacks_is_not_added_nor_forgotten(server, cli):
    """The feed URL is asked as given (its query string was dropped); a candidate --add cannot
    fetch is an error line and exit 1, and the next run shows it again."""
    with db() as c:  # a catalog with a paper: a failed command keeps its file (and the run)
        from efmcat.models import Paper

        c.upsert_paper(Paper(id="2401.00001", title="Some paper"), fetched_at=iso(NOW))
    body = (FEEDS / "cs_AR_atom_2026format.xml").read_text(encoding="utf-8")
    server.script.append(Reply(body=body, headers={"Content-Type": "application/atom+xml"}))
    feed_url = server.url.replace("/api/query", "/atom/cs.AR") + "?version=2.0"
    r = cli("discover", "--feed", feed_url, "--add")
    assert r.exit_code == 1, r.stderr
    assert server.requests[0].params == {"version": "2.0"}
    assert server.requests[1].params["id_list"] == "2611.20010"  # arXiv has no such paper here
    assert "Error: not found on arXiv: 2611.20010 (not added; the next run shows it again)\n" in r.stderr
    assert r.stderr.endswith(", 1 not found on arXiv.\n")
    with db() as c:
        assert not c.has("2611.20010")
    server.script.append(Reply(body=body, headers={"Content-Type": "application/atom+xml"}))
    again = cli("discover", "--feed", feed_url)
    assert ids_of(again.stdout) == ["2611.20010"] and again.exit_code == 0


def test_feed_atom_over_http_and_add_fetches_full_metadata(server, cli):
    body = (FEEDS / "cs_AR_atom_2026format.xml").read_text(encoding="utf-8")
    server.script.append(Reply(body=body, headers={"Content-Type": "application/atom+xml"}))
    server.put(
        "2611.20010",
        NOW - timedelta(days=2),
        "A Systolic FPGA Accelerator for Low-bit LLM Inference",
        "Systolic arrays on an FPGA for int4 quantized models.",
        categories=("cs.AR", "cs.LG"),
    )
    feed_url = server.url.replace("/api/query", "/atom/cs.AR")
    r = cli("discover", "--feed", feed_url, "--add")
    assert r.exit_code == 0, r.stderr
    assert ids_of(r.stdout) == ["2611.20010", "2611.20011"]
    assert r.stdout.splitlines()[0].split("\t")[3] == "added"
    first, second = server.requests
    assert first.params == {}
    assert second.params["id_list"] == "2611.20010"
    with db() as c:
        paper = c.get_paper("2611.20010")
        assert paper.verified and paper.authors == ["Ada Lovelace", "Charles Babbage"]
        assert "hardware" in c.tags_of(["2611.20010"])["2611.20010"]


def test_errors(server, cli, tmp_path):
    cases = [
        (("--query", "all:x", "--feed", "f.xml"), 2, "Error: give --query or --feed (not both)\n"),
        (
            ("--since", "last week"),
            2,
            "Error: --since must be a date (YYYY-MM-DD) or an ISO date-time, got 'last week'\n",
        ),
        (("--reject",), 2, "Error: give the arXiv ids to reject: efmcat discover --reject ID...\n"),
        (("2611.00001",), 2, "Error: ids are for --reject; to accept papers use --add or efmcat add ID\n"),
        (("--reject", "nonsense"), 1, "Error: not an arXiv id: nonsense\n"),
        (("--limit", "0"), 2, "Error: --limit must be between 1 and 1000000000, not 0\n"),
        (
            ("--limit", "1000000001"),
            2,
            "Error: --limit must be between 1 and 1000000000, not 1000000001\n",
        ),
        (("--since", "2999-01-01"), 2, "Error: --since 2999-01-01T00:00:00Z is in the future\n"),
        (("--min-score", "nan"), 2, "Error: --min-score must be a number, not nan\n"),
        (
            ("--feed", str(tmp_path / "missing.xml")),
            1,
            f"Error: cannot read feed {tmp_path / 'missing.xml'}: No such file or directory\n",
        ),
        # a URL that cannot work: at once, not four attempts and a network error (exit 3)
        (
            ("--feed", "http:///rss/cs.LG"),
            2,
            "Error: --feed must be an http:// or https:// URL, got 'http:///rss/cs.LG'\n",
        ),
        (
            ("--feed", "https://[::1"),
            2,
            "Error: --feed must be an http:// or https:// URL, got 'https://[::1'\n",
        ),
    ]
    for args, code, err in cases:
        r = cli("discover", *args)
        assert (r.exit_code, r.stderr) == (code, err), args
    bad = tmp_path / "bad.xml"
    bad.write_text("this is not a feed", encoding="utf-8")
    r = cli("discover", "--feed", str(bad))
    assert (r.exit_code, r.stderr) == (1, f"Error: {bad} is not an RSS or Atom feed\n")
    r = cli("discover", "--feed", "-", input="this is not a feed either")
    assert (r.exit_code, r.stderr) == (1, "Error: stdin is not an RSS or Atom feed\n")
    r = cli("discover", "--feed", "-", input=b"<rss>\xff</rss>")
    assert (r.exit_code, r.stderr) == (1, "Error: cannot read the feed from stdin: not UTF-8 (byte 5)\n")
    r = cli("discover", "--area", "quantisation")
    assert r.exit_code != 0 and r.stderr.startswith("Error: unknown taxonomy node 'quantisation'")
    assert server.requests == []


def test_cli_module_does_not_import_network_libraries():
    import subprocess
    import sys

    code = "import sys, efmcat.cli; print('httpx' in sys.modules, 'feedparser' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False False\n"


def test_seen_ids_are_forgotten_once_no_window_can_hold_them(server):
    from efmcat.arxiv import ArxivClient
    from efmcat.discover import discover

    four(server)
    with db() as c, ArxivClient() as client:
        first = discover(c, client=client)
        assert len(first.candidates) == 4
        # Ten days on, the window reaches back to 3 days before the last run: two papers.
        later = discover(c, client=client, now=NOW + timedelta(days=10))
        assert (later.candidates, later.fetched, later.seen) == ([], 2, 2)
        assert sorted(json.loads(c.get_meta("discover.runs"))["default"]["seen"]) == [
            "2611.00001",
            "2611.00002",
        ]
        latest = discover(c, client=client, now=NOW + timedelta(days=20))
        assert latest.fetched == 0
        run = json.loads(c.get_meta("discover.runs"))["default"]
    assert run["seen"] == {} and run["until"] == iso(NOW + timedelta(days=20))


def test_add_merges_a_record_the_catalog_held_without_an_arxiv_id(server, cli):
    """The KV-cache paper was known by its workshop page; --add brings its arXiv record and
    the page's record merges into it, which the summary says."""
    four(server)
    with db() as c, c.transaction():
        c.upsert_paper(
            Paper(id="url:example.org/kv-workshop", title=KV.upper(), url="https://example.org/kv-workshop")
        )
        c.set_note("url:example.org/kv-workshop", "the workshop version")
    r = cli("discover", "--add")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.endswith(
        "4 papers in 1 page, 4 candidates, 3 added, 1 earlier record merged into them.\n"
    )
    with db() as c:
        assert not c.has("url:example.org/kv-workshop")
        assert c.get_paper("2611.00002").note == "the workshop version"


def test_window_stamps_have_four_digit_years():
    from efmcat.discover import _stamp, window_query

    assert _stamp(datetime(1, 1, 1, tzinfo=timezone.utc)) == "000101010000"
    since, until = datetime(999, 2, 3, 4, 5, tzinfo=timezone.utc), datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert window_query("all:x", since, until) == "(all:x) AND submittedDate:[099902030405 TO 202601010000]"
    from efmcat.discover import DiscoverReport

    summary = DiscoverReport(key="default", since=since, until=until).summary()
    assert summary.startswith("From 0999-02-03 04:05 to 2026-01-01 00:00 UTC: 0 papers")
