"""Scale: streamed search/list/export, paged retag and check, progress callbacks and bars.

No timing here (speed goals live in bench/bench_scale.py); these tests hold the streamed
paths equal to the whole-list ones and the progress callbacks honest."""

from __future__ import annotations

import io
import json
import types

import pytest

from conftest import FIXTURES
from efmcat.catalog import Catalog
from efmcat.taxonomy import load_taxonomy

SNAPSHOT = FIXTURES / "import" / "snapshot.jsonl"
BAR_MARKS = ("━", "\x1b[", "Exporting", "Importing", "Re-tagging", "Checking")


def _snapshot_lines(n: int) -> str:
    words = ["quantization", "attention", "kernel", "sparse", "memory", "language", "model", "serving"]
    lines = []
    for i in range(n):
        title = " ".join(words[(i + k) % len(words)] for k in range(5)).capitalize()
        rec = {
            "id": f"2401.{i:05d}",
            "title": title,
            "authors": f"Ana Smith, Bo Wang{i % 3}",
            "abstract": f"We study {title.lower()} for large language models, case {i}.",
            "categories": "cs.LG cs.CL",
            "versions": [{"version": "v1", "created": "Mon, 8 Jan 2024 10:00:00 GMT"}],
        }
        lines.append(json.dumps(rec))
    return "\n".join(lines) + "\n"


@pytest.fixture
def big(tmp_path):
    """A catalog of 23 imported snapshot papers (several batches and pages when those are small)."""
    src = tmp_path / "snap.jsonl"
    src.write_text(_snapshot_lines(23), encoding="utf-8")
    path = tmp_path / "big.db"
    from efmcat.importer import import_files

    with Catalog(path) as cat:
        import_files(cat, [src])
    return path


def _increasing(calls: list[tuple[int, int | None]], total: int) -> None:
    counts = [done for done, _ in calls]
    assert counts == sorted(counts), calls
    assert len(set(counts)) > 2, calls  # more than a start and an end
    assert counts[-1] == total
    assert calls[-1][1] == total


def test_import_progress_counts_rows_in_batches(tmp_path, monkeypatch):
    from efmcat import importer

    monkeypatch.setattr(importer, "BATCH", 5)
    src = tmp_path / "snap.jsonl"
    src.write_text(_snapshot_lines(23), encoding="utf-8")
    calls: list[tuple[int, int | None]] = []
    with Catalog(tmp_path / "c.db") as cat:
        report = importer.import_files(cat, [src], progress=lambda d, t: calls.append((d, t)))
        assert report.added == 23 == cat.count()
    written = [c for c in calls if c[1] is not None]
    _increasing(written, 23)
    assert [d for d, _ in written] == [0, 5, 10, 15, 20, 23]


def test_export_streams_the_same_text_with_progress(big, monkeypatch):
    from efmcat import export

    tax = load_taxonomy()
    with Catalog(big, create=False) as cat:
        for fmt in ("md", "bibtex", "csv", "json", "jsonl", "yaml"):
            text, n = export.export_catalog(cat, fmt, taxonomy=tax)
            whole = export.select_records(cat, tax)
            assert n == len(whole) == 23
            # The streamed writers give what the formats' render() gives for the whole list.
            if fmt in ("csv", "json", "yaml", "bibtex"):
                module = __import__(f"efmcat.formats.{export.EXPORTERS[fmt]}", fromlist=["render"])
                assert text == module.render(whole, tax), fmt
            calls: list[tuple[int, int | None]] = []
            out = io.StringIO()
            monkeypatch.setattr(export, "_counting", _every_record(export._counting))
            assert (
                export.export_to(
                    cat, fmt, out, taxonomy=tax, progress=lambda d, t, calls=calls: calls.append((d, t))
                )
                == 23
            )
            monkeypatch.undo()
            assert out.getvalue() == text, fmt
            _increasing(calls, 46 if fmt == "bibtex" else 23)  # bibtex reads the selection twice


def _every_record(counting):
    """export._counting reporting every record (instead of every 1,000), for a small catalog."""

    def wrapped(records, progress, total, start=0):
        if progress is None:
            yield from records
            return
        done = start
        for rec in counting(records, None, total):
            yield rec
            done += 1
            progress(done, total)

    return wrapped


def test_jsonl_export_of_a_query_is_sorted_by_id(big):
    from efmcat.export import export_catalog

    with Catalog(big, create=False) as cat:
        text, n = export_catalog(cat, "jsonl", query="kernel")
    ids = [json.loads(line)["id"] for line in text.splitlines()]
    assert n == len(ids) > 1 and ids == sorted(ids)


def test_streamed_search_and_list_equal_the_lists(big):
    from efmcat.browse import iter_list_records, iter_search_records, list_records, search_records

    with Catalog(big, create=False) as cat:
        stream = iter_search_records(cat, "model", limit=None)
        assert isinstance(stream, types.GeneratorType)
        full = search_records(cat, "model", limit=None)
        assert list(stream) == full and len(full) == 23
        brief = list(iter_search_records(cat, "model", limit=None, brief=True))
        assert [{k: r[k] for k in ("id", "year", "title", "areas", "score")} for r in full] == brief
        listed = list_records(cat, sort="title")
        assert list(iter_list_records(cat, sort="title")) == listed
        assert [{k: r[k] for k in ("id", "year", "title", "areas")} for r in listed] == list(
            iter_list_records(cat, sort="title", brief=True)
        )


@pytest.mark.parametrize("brief", [False, True])
@pytest.mark.parametrize("limit", [1, 5, 22, 23, 40])
def test_a_limit_above_the_sql_limit_is_applied_as_rows_are_read(big, monkeypatch, brief, limit):
    from efmcat import searchsql

    with Catalog(big, create=False) as cat:
        in_sql = list(cat.iter_search("model", limit=limit, brief=brief))
        assert len(in_sql) == min(limit, 23)
        monkeypatch.setattr(searchsql, "SQL_LIMIT", 0)  # every limit is now the reader's
        sql, params = searchsql.ranking("model", [], [], limit)
        assert "LIMIT" not in sql and "limit" not in params
        assert list(cat.iter_search("model", limit=limit, brief=brief)) == in_sql


def test_bad_search_fails_before_anything_is_streamed(big):
    from efmcat.browse import iter_search_records
    from efmcat.errors import EfmcatError

    with Catalog(big, create=False) as cat, pytest.raises(EfmcatError, match="unknown source 'nope'"):
        iter_search_records(cat, "model", sources=["nope"])


def test_json_array_is_written_as_one_value(capsys):
    from efmcat import render

    for items in ([], [{"a": 1}], [{"a": [1, {"b": "x\ny"}]}, {"c": None}, 3]):
        render.write_json_array(iter(items))
        assert capsys.readouterr().out == render.dumps_json(items) + "\n"


def test_cli_search_and_list_json_stream_the_same_records(cli, big):
    from efmcat.browse import list_records, search_records

    with Catalog(big, create=False) as cat:
        found, listed = search_records(cat, "model", limit=50), list_records(cat)
    r = cli("search", "model", "--limit", "50", "--json", "--db", str(big))
    assert r.exit_code == 0 and json.loads(r.stdout) == found
    r = cli("list", "--json", "--db", str(big))
    assert r.exit_code == 0 and json.loads(r.stdout) == listed
    r = cli("list", "--db", str(big))
    assert r.stdout.splitlines()[0].split("\t")[0] == listed[0]["id"]


def test_retag_in_pages_with_progress(big, monkeypatch):
    from efmcat import tagger

    with Catalog(big) as cat:
        seen, changes = tagger.retag(cat, dry_run=True)
    monkeypatch.setattr(tagger, "PAGE", 4)
    calls: list[tuple[int, int | None]] = []
    with Catalog(big) as cat:
        # Make one paper's auto tags wrong, so retag has something to put right.
        pid = cat.conn.execute("SELECT min(paper_id) FROM tags WHERE origin = 'auto'").fetchone()[0]
        assert pid is not None
        cat.conn.execute("DELETE FROM tags WHERE paper_id = ? AND origin = 'auto'", (pid,))
        cat.conn.commit()
        seen2, changes2 = tagger.retag(cat, progress=lambda d, t: calls.append((d, t)))
        assert seen == seen2 == 23
        assert [c.paper_id for c in changes2] == [pid] and changes == []
        _increasing(calls, 23)
        assert [d for d, _ in calls] == [4, 8, 12, 16, 20, 23]
        assert tagger.retag(cat)[1] == []  # nothing left to change


def test_tag_papers_names_a_missing_paper(big):
    from efmcat.errors import PaperNotFoundError
    from efmcat.tagger import tag_papers

    with Catalog(big) as cat, pytest.raises(PaperNotFoundError, match=r"no paper 2401\.99999 in the catalog"):
        tag_papers(cat, ["2401.00001", "2401.99999"])


def test_check_progress_and_missing_metadata(big):
    from efmcat.check import check_catalog

    with Catalog(big) as cat:
        cat.conn.execute("UPDATE papers SET abstract = NULL WHERE id = '2401.00004'")
        cat.conn.commit()
        calls: list[tuple[int, int | None]] = []
        result = check_catalog(cat, progress=lambda d, t: calls.append((d, t)))
    _increasing(calls, 8)
    missing = [f for f in result.findings if f.kind == "missing-metadata"]
    assert missing and missing[0].papers == ["2401.00004"]


def test_citekeys_from_tuples_equal_citekeys():
    from efmcat.formats.bibtex import base_key, citekeys, citekeys_of

    recs = [
        {"id": "2401.00002", "authors": ["Ana Smith"], "year": 2024, "title": "Sparse kernels"},
        {"id": "2401.00001", "authors": ["Ana Smith"], "year": 2024, "title": "Sparse attention"},
        {
            "id": "2401.00003",
            "authors": ["Bo Wang"],
            "year": 2024,
            "title": "Kernels",
            "citekey": "smith2024sparse",
        },
    ]
    keys = citekeys(recs)
    assert keys == citekeys_of((r["id"], r.get("citekey"), base_key(r)) for r in recs)
    assert keys["2401.00003"] == "smith2024sparse" and keys["2401.00001"] != keys["2401.00002"]


@pytest.mark.parametrize(
    "args",
    [
        ["import", "SNAP"],
        ["export", "--format", "bibtex"],
        ["export", "--format", "jsonl", "-o", "OUT"],
        ["retag", "--all"],
        ["check"],
    ],
)
def test_no_progress_bar_when_stderr_is_not_a_terminal(cli, big, tmp_path, args):
    from efmcat.cli import progress

    progress.DELAY = 0  # a bar would show at once, were stderr a terminal
    try:
        args = [
            str(SNAPSHOT) if a == "SNAP" else str(tmp_path / "out.jsonl") if a == "OUT" else a for a in args
        ]
        r = cli(*args, "--db", str(big))
    finally:
        progress.DELAY = 0.5
    assert r.exit_code in (0, 1), r.output
    assert not any(mark in r.stderr for mark in BAR_MARKS), r.stderr


def test_progress_bar_only_on_a_terminal(monkeypatch):
    from efmcat.cli import progress

    with progress.progress_bar("Working") as bar:
        assert bar is None  # pytest's stderr is no terminal
    monkeypatch.setattr(progress, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(progress, "DELAY", 0)
    with progress.progress_bar("Working") as bar:
        assert callable(bar)
        for done in range(0, 11):
            bar(done, 10)
        bar(12, None)  # a total that is not known yet


def test_export_to_a_file_is_atomic_on_error(big, tmp_path):
    from efmcat.errors import EfmcatError
    from efmcat.export import export_to, open_output

    out = tmp_path / "x.csv"
    with pytest.raises(EfmcatError), Catalog(big, create=False) as cat, open_output(out) as fh:
        export_to(cat, "csv", fh, sources=["nope"])
    assert not out.exists() and not list(tmp_path.glob(".x.csv.*"))


def test_plain_lines_equal_paper_rows():
    from efmcat import render

    recs = [
        {
            "id": "2401.00001",
            "year": 2024,
            "title": "A  title\twith\x1b[31m escape",
            "areas": ["memory"],
            "score": 1.23456,
        },
        {"id": "x:\u202e", "year": None, "title": None, "areas": [], "score": 0},
        {"id": "2401.00002", "year": 2023, "title": "Plain", "areas": ["attention", "memory"]},
    ]
    for with_score in (False, True):
        out = io.StringIO()
        render.write_papers_plain(iter(recs), out, with_score=with_score)
        assert out.getvalue() == "".join("\t".join(row) + "\n" for row in render.paper_rows(recs, with_score))


def test_title_blocks_of_a_large_catalog_still_pair_near_identical_titles(monkeypatch):
    from efmcat import check

    monkeypatch.setattr(check, "EXHAUSTIVE", 3)
    monkeypatch.setattr(check, "BLOCK", 2)
    titles = [
        "sparse attention for long context",  # 0
        "a sparse attention for long context",  # 1: differs at the start, shares the end with 0
        "sparse attention for long contexts",  # 2: differs at the end, shares the start with 0
        "kernel fusion on gpus",  # 3
        "sparse kernels",  # 4
    ]
    pairs = {(a, b) for block in check._blocks(titles) for a in block for b in block if a < b}
    assert {(0, 1), (0, 2)} <= pairs
    assert (0, 3) not in pairs and (3, 4) not in pairs
    monkeypatch.setattr(check, "EXHAUSTIVE", 5000)
    assert check._blocks(titles) == [[0, 1, 2, 3, 4]]


def test_indented_json_is_the_json_modules_text():
    import random

    from efmcat.render import dumps_indented

    rng = random.Random(3)
    pieces = ["", "a", "é\u2028", '"q"\\', "\x00\x1f", "\ud800", "日本", "x\ny"]

    def value(depth: int):
        kind = rng.randrange(9 if depth < 3 else 6)
        if kind == 0:
            return rng.choice(pieces)
        if kind == 1:
            return rng.randint(-(10**20), 10**20)
        if kind == 2:
            return rng.choice([0.1, -2.5e-300, 1e300, float("nan"), float("inf"), 3.0])
        if kind == 3:
            return rng.choice([True, False, None])
        if kind in (4, 5):
            return rng.choice(pieces) * rng.randint(0, 3)
        if kind in (6, 7):
            return {rng.choice(pieces) + str(i): value(depth + 1) for i in range(rng.randint(0, 4))}
        return [value(depth + 1) for _ in range(rng.randint(0, 4))]

    for _ in range(300):
        v = value(0)
        for level in (0, 1, 2):
            want = json.dumps(v, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)
            assert dumps_indented(v, level) == want
