"""similar, sql and browse: related papers, read-only SQL, the Datasette page over HTTP."""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from efmcat.catalog import Catalog

EXE = shutil.which("efmcat", path=str(Path(sys.executable).parent)) or shutil.which("efmcat")


# -- similar ------------------------------------------------------------------------------------
def test_similar_finds_the_paper_on_the_same_subject(cli, mini_db):
    r = cli("similar", "2210.17323", "--json")
    assert r.exit_code == 0, r.stderr
    hits = json.loads(r.stdout)
    assert hits[0]["id"] == "2306.00978"  # GPTQ -> AWQ: both weight-only quantization
    assert "2210.17323" not in [h["id"] for h in hits]
    assert hits[0]["shared_tags"] == ["quantization", "weight-only-ptq"]
    assert "quantization" in hits[0]["shared_terms"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_similar_plain_output_gives_the_reason(cli, mini_db):
    r = cli("similar", "https://arxiv.org/abs/2210.17323v2", "--limit", "1")
    assert r.exit_code == 0
    assert r.stderr == (
        "Papers like 2210.17323: GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers\n"
    )
    score, pid, year, _title, why = r.stdout.rstrip("\n").split("\t")
    assert (pid, year) == ("2306.00978", "2023")
    assert why.endswith("; tags: quantization, weight-only-ptq; lists: mini: Model Design / Quantization")
    assert float(score) > 0


def _papers(db, *papers, sources=()):
    from efmcat.models import Paper

    with Catalog(db) as c, c.transaction():
        for pid, title, authors in papers:
            c.upsert_paper(Paper(id=pid, title=title, authors=authors))
        for pid, source, section in sources:
            c.conn.execute(
                "INSERT INTO sources (paper_id, source, locator, section) VALUES (?, ?, ?, ?)",
                (pid, source, section, section),
            )


def test_similar_finds_papers_a_list_files_under_the_same_heading_and_says_so(cli, tmp_path):
    db = tmp_path / "c.db"
    _papers(
        db,
        ("2401.00001", "Medusa: draft heads", []),
        ("2401.00002", "EAGLE: feature uncertainty", []),  # no word in common with Medusa
        ("2401.00003", "Zebra stripes", []),
        *[(f"2401.001{i:02d}", f"Filler paper {i}", []) for i in range(20)],
        sources=[
            ("2401.00001", "spec", "Drafting"),
            ("2401.00002", "spec", "Drafting"),
            ("2401.00003", "spec", "Other"),
        ],
    )
    r = cli("similar", "2401.00001", "--db", str(db), "--json")
    hits = json.loads(r.stdout)
    assert [h["id"] for h in hits] == ["2401.00002"]
    assert hits[0]["shared_sections"] == [{"source": "spec", "section": "Drafting"}]
    assert hits[0]["shared_terms"] == [] and hits[0]["shared_authors"] == []
    # the heading's idf: log(23 papers / 2 under it), SECTION_POINTS each
    assert hits[0]["score"] == round(8.0 * math.log(23 / 2), 2)
    plain = cli("similar", "2401.00001", "--db", str(db)).stdout
    assert plain.rstrip("\n").split("\t")[-1] == "lists: spec: Drafting"


def test_similar_finds_papers_by_the_same_authors_and_says_so(cli, tmp_path):
    db = tmp_path / "c.db"
    _papers(
        db,
        ("2401.00001", "Alpha method", ["Elias Frantar", "Dan Alistarh", "others"]),
        ("2401.00002", "Beta system", ["Dan Alistarh"]),
        ("2401.00003", "Gamma study", ["Dan Alistarhson", "Elias"]),  # neither name whole
        ("2401.00004", "Delta study", ["others"]),  # "et al." is nobody's name
        ("2401.00005", "Epsilon study", ["Xiaoyang Elias", "Frantar Zhang"]),  # two authors' words
        ("2401.00006", "Zeta study", ["Elias Frantars"]),  # the same stem, another name
        *[(f"2401.001{i:02d}", f"Filler paper {i}", []) for i in range(20)],
    )
    hits = json.loads(cli("similar", "2401.00001", "--db", str(db), "--json").stdout)
    # --author's rule: whole words of one author's name (the index's phrase alone matched
    # "Xiaoyang Elias", "Frantar Zhang" and, stemmed, "Elias Frantars")
    assert [(h["id"], h["shared_authors"]) for h in hits] == [("2401.00002", ["Dan Alistarh"])]
    assert hits[0]["score"] == round(4.0 * math.log(26 / 2), 2)


def test_similar_looks_up_a_papers_first_authors_only(cli, tmp_path, monkeypatch):
    from efmcat import similar

    monkeypatch.setattr(similar, "MAX_AUTHORS", 2)
    db = tmp_path / "c.db"
    _papers(
        db,
        ("2401.00001", "Alpha", ["Ann Lee", "Bo Chen", "Cy Dunn"]),
        ("2401.00002", "Beta", ["Cy Dunn"]),  # the third author: not looked up
        ("2401.00003", "Gamma", ["Bo Chen"]),
        *[(f"2401.001{i:02d}", f"Filler paper {i}", []) for i in range(20)],
    )
    hits = json.loads(cli("similar", "2401.00001", "--db", str(db), "--json").stdout)
    assert [(h["id"], h["shared_authors"]) for h in hits] == [("2401.00003", ["Bo Chen"])]


def test_similar_scores_words_as_the_pools_sql_does(mini_db):
    """similar re-scores every candidate in Python (text_score); for the papers the pool's
    SQL found, the two agree."""
    from efmcat import similar
    from efmcat.stemming import index_terms

    with Catalog(mini_db) as cat:
        conn = cat.conn
        checked = 0
        for (pid,) in conn.execute("SELECT id FROM papers ORDER BY id").fetchall():
            paper = cat.get_paper(pid)
            terms = similar.distinctive_terms(cat, paper)
            if not terms:
                continue
            self_n = conn.execute("SELECT n FROM papers WHERE id = ?", (pid,)).fetchone()[0]
            rows = conn.execute(
                similar._pool_sql(len(terms)), similar._pool_params(terms, self_n, 100)
            ).fetchall()
            for n, sql_score in rows:
                title, abstract = conn.execute(
                    "SELECT title, abstract FROM papers WHERE n = ?", (n,)
                ).fetchone()
                ts, abs_ = index_terms(conn, [title, abstract or ""], only=[t.stem for t in terms])
                shared = [t for t in terms if t.stem in ts or t.stem in abs_]
                assert similar.text_score(shared, set(ts), set(abs_)) == pytest.approx(sql_score, rel=1e-9)
                checked += 1
        assert checked > 15  # the pool members of every paper of the small catalog


def test_similar_leaves_out_a_heading_or_author_with_too_many_papers(cli, tmp_path, monkeypatch):
    from efmcat import similar

    monkeypatch.setattr(similar, "NEIGHBOUR_CAP", 3)
    db = tmp_path / "c.db"
    _papers(
        db,
        *[(f"2401.0000{i}", f"Paper {i}", ["Wei Wang"] if i < 5 else ["Ann Lee"]) for i in range(1, 7)],
        sources=[(f"2401.0000{i}", "big", "All") for i in range(1, 5)]
        + [("2401.00001", "big", "Few"), ("2401.00005", "big", "Few")],
    )
    hits = json.loads(cli("similar", "2401.00001", "--db", str(db), "--json").stdout)
    # Wei Wang and "All" have 4 papers each, over the cap of 3: only the small heading counts
    assert [(h["id"], h["shared_sections"], h["shared_authors"]) for h in hits] == [
        ("2401.00005", [{"source": "big", "section": "Few"}], [])
    ]


def test_similar_errors(cli, mini_db):
    r = cli("similar", "2401.99999")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: no paper 2401.99999 in the catalog (`efmcat add 2401.99999` fetches it from arXiv)\n",
    )
    r = cli("similar", "nonsense")
    assert (r.exit_code, r.stderr) == (1, "Error: not an arXiv id or paper link: nonsense\n")


def test_similar_with_nothing_in_common(cli, tmp_path):
    from efmcat.models import Paper

    db = tmp_path / "two.db"
    with Catalog(db) as c:
        c.upsert_paper(Paper(id="2401.00001", title="Zebra stripes"))
        c.upsert_paper(Paper(id="2401.00002", title="Quantum gravity"))
    r = cli("similar", "2401.00001", "--db", str(db))
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "No papers like 2401.00001 in the catalog.\n")


def test_similar_leaves_the_catalog_file_unchanged(cli, mini_db):
    before = mini_db.read_bytes()
    assert cli("similar", "2205.14135").exit_code == 0
    assert mini_db.read_bytes() == before


# -- sql -----------------------------------------------------------------------------------------
def test_sql_formats(cli, mini_db):
    q = "SELECT id, year FROM papers WHERE id IN ('2210.17323', '2205.14135') ORDER BY id"
    assert (
        cli("sql", q).stdout == "id          year\n----------  ------\n2205.14135  2022\n2210.17323  2022\n"
    )
    assert cli("sql", q, "--format", "csv").stdout == "id,year\n2205.14135,2022\n2210.17323,2022\n"
    assert json.loads(cli("sql", q, "-f", "json").stdout) == [
        {"id": "2205.14135", "year": 2022},
        {"id": "2210.17323", "year": 2022},
    ]
    assert (
        cli("sql", q, "-f", "nl").stdout
        == '{"id": "2205.14135", "year": 2022}\n{"id": "2210.17323", "year": 2022}\n'
    )
    authors = json.loads(
        cli("sql", "SELECT authors FROM papers WHERE id = '2210.17323'", "-f", "json").stdout
    )
    assert authors[0]["authors"][0] == "Elias Frantar"  # JSON columns come out as JSON
    assert cli("sql", q, "--json").stdout == cli("sql", q, "-f", "json").stdout  # as every listing takes it
    assert cli("sql", q, "--json", "-f", "json").exit_code == 0
    for other in ("csv", "table"):  # an explicit table too (it was quietly JSON)
        r = cli("sql", q, "--json", "-f", other)
        assert (r.exit_code, r.stderr) == (
            2,
            f"Error: --json and --format {other} ask for two formats: give one\n",
        )
    assert cli("sql", q, "-f", "table").stdout == cli("sql", q).stdout


def test_sql_full_text_and_tags(cli, mini_db):
    q = ("SELECT p.id FROM papers_fts JOIN papers p ON p.n = papers_fts.rowid "
         "WHERE papers_fts MATCH 'quantization' AND p.id IN (SELECT paper_id FROM tags WHERE node = 'weight-only-ptq') ORDER BY p.id")  # fmt: skip
    assert cli("sql", q, "-f", "csv").stdout == "id\n2210.17323\n2306.00978\n"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "DELETE FROM papers",
            "Error: cannot run the query: only reading queries (SELECT, WITH) are allowed\n",
        ),
        ("DROP TABLE tags", "Error: cannot run the query: only reading queries (SELECT, WITH) are allowed\n"),
        (
            "ATTACH 'other.db' AS o",
            "Error: cannot run the query: only reading queries (SELECT, WITH) are allowed\n",
        ),
        (
            "PRAGMA user_version = 1",
            "Error: cannot run the query: only reading queries (SELECT, WITH) are allowed\n",
        ),
        (
            "SELECT 1; DELETE FROM papers",
            "Error: cannot run the query: You can only execute one statement at a time.\n",
        ),
        ("SELEC id FROM papers", 'Error: cannot run the query: near "SELEC": syntax error\n'),
    ],
)
def test_sql_is_read_only(cli, mini_db, query, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = mini_db.read_bytes()
    r = cli("sql", query)
    assert (r.exit_code, r.stderr) == (1, message)
    assert mini_db.read_bytes() == before
    assert not (tmp_path / "other.db").exists()


def test_sql_on_a_wal_catalog_leaves_no_wal_files(cli, mini_db):
    """A mode=ro connection made the -wal and -shm files and could not remove them; every
    other command leaves none, nor does sql now."""
    import sqlite3

    con = sqlite3.connect(mini_db)
    assert con.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    con.close()
    r = cli("sql", "SELECT count(*) AS n FROM papers", "--format", "csv")
    assert (r.exit_code, r.stdout.split()) == (0, ["n", "8"])
    assert sorted(p.name for p in mini_db.parent.glob(mini_db.name + "*")) == [mini_db.name]
    r = cli("sql", "DELETE FROM papers")  # still read-only
    assert (
        r.exit_code == 1 and cli("sql", "SELECT count(*) FROM papers", "-f", "csv").stdout.split()[1] == "8"
    )


def test_sql_missing_catalog_and_bad_format(cli, tmp_path, mini_db):
    missing = tmp_path / "nope.db"
    assert cli("sql", "SELECT 1", "--db", str(missing)).stderr == f"Error: no catalog at {missing}\n"
    r = cli("sql", "SELECT 1", "-f", "xml")
    assert (r.exit_code, r.stderr) == (2, "Error: unknown format 'xml': use one of table, csv, json, nl\n")


# -- browse --------------------------------------------------------------------------------------
def test_browse_without_datasette_says_how_to_install(cli, mini_db, monkeypatch):
    from efmcat import web

    monkeypatch.setattr(web, "datasette_available", lambda: False)
    r = cli("browse")
    assert (r.exit_code, r.stderr) == (1, 'Error: Datasette is not installed: pip install "efmcat[web]"\n')


def test_browse_with_a_broken_datasette_is_one_line_before_anything_is_served(cli, mini_db, monkeypatch):
    """A Datasette that is installed but fails to import raised in the server process, which
    replaces efmcat's: a traceback after "Serving ...". It is checked first now."""
    import importlib

    from efmcat import web

    real = importlib.import_module

    def broken(name, *args, **kwargs):
        if name == "datasette.cli":
            raise ImportError("cannot import name 'x' from 'click'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(web, "datasette_available", lambda: True)
    monkeypatch.setattr(web.importlib, "import_module", broken)
    monkeypatch.setattr(web.os, "execv", lambda *a: pytest.fail("served"))
    r = cli("browse")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        "Error: Datasette is installed but cannot be loaded (cannot import name 'x' from 'click'): "
        'pip install "efmcat[web]"\n'
    )


def test_browse_on_a_port_in_use_is_one_line_before_anything_is_served(cli, mini_db, monkeypatch):
    import socket

    from efmcat import web

    monkeypatch.setattr(web, "datasette_available", lambda: True)
    monkeypatch.setattr(web, "serve", lambda *a, **k: pytest.fail("served on a taken port"))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = cli("browse", "--port", str(port))
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith(f"Error: port {port} on 127.0.0.1 is in use (")
    assert r.stderr.endswith("): give another with --port\n") and r.stderr.count("\n") == 1


def test_browse_snapshot_has_areas_tags_links(mini_db, tmp_path):
    import sqlite3

    from efmcat.web import prepare

    before = mini_db.read_bytes()
    site = prepare(mini_db, tmp_path / "site")
    assert mini_db.read_bytes() == before
    con = sqlite3.connect(site.database)
    row = con.execute("SELECT areas, tags, link, pdf FROM papers WHERE id = '2210.17323'").fetchone()
    assert json.loads(row[0]) == ["quantization"]
    assert json.loads(row[1]) == ["quantization", "weight-only-ptq"]
    assert row[2:] == ("https://arxiv.org/abs/2210.17323", "https://arxiv.org/pdf/2210.17323")
    hits = con.execute(
        "SELECT id FROM papers WHERE n IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH 'GPTQ') ORDER BY id"
    ).fetchall()
    assert hits == [("2210.17323",)]
    meta = json.loads(site.metadata.read_text())
    assert set(meta["databases"]["efmcat"]["queries"]) == {
        "papers_per_area_and_year",
        "recently_added",
        "unread_in_area",
    }


def test_browse_links_a_paper_known_by_its_doi_alone(mini_db, tmp_path):
    """The doi column holds no DOI the id names (an import leaves it empty): the page's link
    comes from the id, as `open` and the exports take it."""
    import sqlite3

    from efmcat.models import Paper
    from efmcat.web import prepare

    with Catalog(mini_db) as cat, cat.transaction():
        cat.upsert_paper(Paper(id="doi:10.9999/test.12345", title="A Paper Known Only By Its DOI"))
        cat.upsert_paper(Paper(id="doi:10.1007/978-3-030-01237-3_14.pdf", title="A Paper Named By Its PDF"))
    con = sqlite3.connect(prepare(mini_db, tmp_path / "site").database)
    links = dict(con.execute("SELECT id, link FROM papers WHERE id LIKE 'doi:%'").fetchall())
    assert links == {
        "doi:10.9999/test.12345": "https://doi.org/10.9999/test.12345",
        "doi:10.1007/978-3-030-01237-3_14.pdf": "https://doi.org/10.1007/978-3-030-01237-3_14",
    }


def test_browse_replaces_its_own_snapshot_and_nothing_else(mini_db, tmp_path):
    """A --dir holding the catalog as efmcat.db (or another database of that name, or a
    metadata.json not written with a snapshot) is refused: the snapshot replaced the catalog
    with its own reshaped copy (its search indexes dropped)."""
    import shutil

    from efmcat.errors import UsageError
    from efmcat.web import prepare

    site = prepare(mini_db, tmp_path / "site")
    prepare(mini_db, tmp_path / "site")  # its own snapshot: replaced
    assert site.database.is_file()

    home = tmp_path / "home"
    home.mkdir()
    catalog = home / "efmcat.db"
    shutil.copy(mini_db, catalog)
    before = catalog.read_bytes()
    with pytest.raises(UsageError) as exc:
        prepare(catalog, home)
    assert str(exc.value) == f"{catalog} is the catalog itself: give --dir another folder"
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(mini_db, other / "efmcat.db")
    with pytest.raises(UsageError) as exc:
        prepare(mini_db, other)
    assert str(exc.value) == f"{other / 'efmcat.db'} is not a browse snapshot: give --dir another folder"
    assert catalog.read_bytes() == before and (other / "efmcat.db").read_bytes() == mini_db.read_bytes()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "metadata.json").write_text("{}")
    with pytest.raises(UsageError) as exc:
        prepare(mini_db, mine)
    assert str(exc.value) == f"{mine / 'metadata.json'} is not a browse snapshot's: give --dir another folder"
    with pytest.raises(UsageError) as exc:  # it wrote the snapshot into the current folder
        prepare(mini_db, "")
    assert str(exc.value) == "--dir needs a folder, not ''"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(UsageError) as exc:
        prepare(mini_db, tmp_path / "afile")
    assert str(exc.value) == f"--dir {tmp_path / 'afile'} is a file, not a folder"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read().decode("utf-8")


@pytest.mark.skipif(
    __import__("importlib").util.find_spec("datasette") is None, reason="datasette is not installed"
)
def test_browse_serves_search_facets_and_queries_over_http(mini_db, tmp_path):
    assert EXE, "the efmcat executable is not installed next to this Python"
    with Catalog(mini_db) as c:
        c.set_status(["2210.17323"], "read")
    port = _free_port()
    proc = subprocess.Popen(
        [EXE, "browse", "--port", str(port), "--dir", str(tmp_path / "site")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ), text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/efmcat"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/-/versions.json")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"browse did not start: {proc.communicate(timeout=5)}") from None
                time.sleep(0.3)
        status, body = _get(f"{base}/papers.json?_search=quantization&_shape=array&_col=id")
        assert status == 200
        assert {r["id"] for r in json.loads(body)} >= {"2210.17323", "2306.00978", "2208.07339"}
        status, body = _get(f"{base}/papers.json?_facet=year&_facet_array=areas&_size=0")
        facets = json.loads(body)["facet_results"]
        areas = {r["value"]: r["count"] for r in facets["areas"]["results"]}
        assert areas["quantization"] == 3
        status, page = _get(f"{base}/papers?_facet_array=tags")
        assert status == 200 and "weight-only-ptq" in page
        status, body = _get(f"{base}/unread_in_area.json?area=quantization&_shape=array")
        assert [r["id"] for r in json.loads(body)] == ["2306.00978", "2208.07339"]
        with pytest.raises(urllib.error.HTTPError):  # no writes through the page
            urllib.request.urlopen(
                urllib.request.Request(f"{base}/papers/-/insert", data=b"{}", method="POST"), timeout=10
            )
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=15)
    assert out == ""  # Datasette's start-up lines and access log are messages: stderr
    assert "GET /efmcat/papers.json" in err
    assert err.startswith(f"Serving 8 papers from {mini_db} at http://127.0.0.1:{port}/efmcat/papers\n")


def test_sql_streams_its_rows_and_an_error_midway_is_one_line(mini_db):
    """csv, json and nl print rows as SQLite steps to them (a query of millions of rows
    neither waits nor fills memory: it read them all first); an error on a later row is
    the same one line as one on the first."""
    import io

    from efmcat.errors import QueryError
    from efmcat.sqlquery import run_query

    lines: list[str] = []

    class Reader(io.StringIO):
        def write(self, text):
            lines.append(text)
            if len(lines) == 3:
                raise BrokenPipeError  # the reader has what it wanted, as `| head -2`
            return len(text)

    # Row 1,000 fails: read all first, nothing would be written before the error.
    late_error = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000) "
        "SELECT CASE WHEN x = 1000 THEN abs(-9223372036854775807 - 1) ELSE x END AS x FROM c"
    )
    with pytest.raises(BrokenPipeError):
        run_query(mini_db, late_error, "csv", out=Reader())
    assert lines == ["x\n", "1\n", "2\n"]
    bad = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 5) "
        "SELECT CASE WHEN x = 4 THEN abs(-9223372036854775807 - 1) ELSE x END FROM c"
    )
    with pytest.raises(QueryError, match=r"^cannot run the query: integer overflow$"):
        run_query(mini_db, bad, "nl", out=io.StringIO())


def test_sql_reads_the_pragmas_that_describe_the_schema(cli, mini_db):
    for pragma in ("PRAGMA table_info(tags)", "PRAGMA TABLE_INFO(tags)"):  # as typed, any case
        r = cli("sql", pragma, "-f", "csv")
        assert r.exit_code == 0, r.stderr
        assert r.stdout.splitlines()[0] == "cid,name,type,notnull,dflt_value,pk"
    r = cli("sql", "SELECT count(*) AS n FROM pragma_index_list('tags')", "-f", "csv")
    assert (r.exit_code, r.stdout.splitlines()[0]) == (0, "n")
    r = cli("sql", "PRAGMA journal_mode = DELETE")  # a pragma with a value still writes: refused
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: cannot run the query: only reading queries (SELECT, WITH) are allowed\n",
    )


def test_similar_takes_a_limit_from_1_to_a_billion_as_list_does(cli, mini_db):
    for n in ("1000000001", "9223372036854775807"):
        r = cli("similar", "2210.17323", "-n", n)
        assert (r.exit_code, r.stdout, r.stderr) == (
            2,
            "",
            f"Error: --limit must be between 1 and 1000000000, not {n}\n",
        )


def test_sql_json_writes_an_overflowing_real_as_null(cli, mini_db):
    """SQLite's 1e999 is infinite; json and nl wrote Infinity, which no JSON reader takes."""
    r = cli("sql", "SELECT 1e999 AS big, 2.5 AS x", "-f", "json")
    assert json.loads(r.stdout) == [{"big": None, "x": 2.5}]
    assert json.loads(cli("sql", "SELECT -1e999 AS small", "-f", "nl").stdout) == {"small": None}


def test_browse_with_an_empty_dir_is_a_usage_error(cli, mini_db, monkeypatch, tmp_path):
    """`--dir ''` wrote the snapshot into the current folder (Typer read it as '.')."""
    from efmcat import web

    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setattr(web, "require_datasette", lambda: None)
    r = cli("browse", "--dir", "")
    assert (r.exit_code, r.stderr) == (2, "Error: --dir needs a folder, not ''\n")
    assert list(here.iterdir()) == []
