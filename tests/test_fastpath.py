"""The piped `efmcat search` fast path must behave exactly like the Typer command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from efmcat import fastpath


@pytest.mark.parametrize(
    "args",
    [
        ["quantization"],
        ["quantization", "--json"],
        ["quantization", "--limit", "2"],
        ["quantization", "-n", "1", "--json"],
        ["quantization", "--tag", "weight-only-ptq"],
        ["quantization", "-t", "hardware", "--json"],
        ["quantization", "--year=2022"],
        ["quantization", "--since", "2023", "--until", "2024"],
        ["quantization", "--author", "Dettmers"],
        ["quantization", "--author", "Dettmers", "--json"],  # the Catalog path (not the lean one)
        ["zzzz", "--author", "Dettmers"],
        ['"post-training quantization"'],
        ["zzzz"],
        ["quantiz*", "--json"],
        ["quantization", "--status", "unread"],
        ["quantization", "--starred", "--json"],
        ["ternary"],  # a word only in a user's note (set below)
        ["flash", "attention"],  # FlashAttention, by the word the two make
        ["paged attention", "--json"],
        ["quantization", "--status", "none"],
    ],
)
def test_fast_path_output_equals_cli_output(cli, mini_db, monkeypatch, args):
    cli("status", "2210.17323", "read")
    cli("star", "2306.00978")
    cli("note", "2208.07339", "ternary weights next")
    expected = cli("search", *args)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = fastpath.try_search(list(args))
    assert code == 0
    assert out.getvalue() == expected.stdout
    assert err.getvalue() == expected.stderr


@pytest.mark.parametrize(
    "args",
    [
        [],  # missing query: Typer reports it
        ["x", "--help"],
        ["x", "--limit", "0"],
        ["x", "--limit", "ten"],
        ["x", "--year"],
        ["x", "--bogus"],
        ["x", "-n5"],
        ["x", "--", "y"],
        ["-GPTQ"],
        ['"'],  # nothing to search for: the CLI prints the error
        ["x", "--tag", "nope"],  # unknown node: the CLI prints close matches
        ["x", "--year", "2022", "--since", "2021"],
        ["x", "--status", "done"],  # unknown status: the CLI prints the error
        ["x", "--section", ""],  # an empty section: the CLI says so (it filtered nothing)
        ["x", "--db", ""],  # an empty path: the CLI's usage error (it searched $EFMCAT_DB)
        ["x", "--db="],
    ],
)
def test_fast_path_leaves_everything_else_to_the_cli(mini_db, monkeypatch, args):
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert fastpath.try_search(list(args)) is None


def test_fast_path_leaves_default_catalog_creation_to_the_cli(monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert fastpath.try_search(["quantization"]) is None


def test_fast_path_does_not_import_typer(mini_db):
    code = (
        "import sys; from efmcat.fastpath import try_search; rc = try_search(['quantization', '--json']);"
        "sys.stderr.write('RC=%s TYPER=%s' % (rc, 'typer' in sys.modules))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stderr.endswith("RC=0 TYPER=False"), p.stderr
    assert len(json.loads(p.stdout)) == 3


# -- the lean path (efmcat.quicksearch): no Catalog class, no taxonomy module ---------------


def _full_rows(args: dict) -> list[dict]:
    from efmcat.browse import search_records
    from efmcat.catalog import Catalog

    with Catalog(os.environ["EFMCAT_DB"], create=False) as catalog:
        records = search_records(catalog, **args)
    return [{k: r[k] for k in ("id", "year", "title", "areas", "score")} for r in records]


@pytest.mark.parametrize(
    "args",
    [
        {"query": "quantization"},
        {"query": "quantization", "limit": 2},
        {"query": "quantiz*", "since": 2023},
        {"query": "quantization", "year": 2022},
        {"query": "quantization", "author": "Dettmers"},
        {"query": '"post-training quantization"'},
        {"query": "quantization", "status": "unread"},
        {"query": "ternary"},
        {"query": "zzzz"},
    ],
)
# tags read for all hits at once and the limit in the SQL, or two at a time and the limit
# applied as the rows are read
@pytest.mark.parametrize(("page", "sql_limit"), [(500, 10_000), (2, 1)])
def test_lean_rows_equal_the_library_search(cli, mini_db, monkeypatch, args, page, sql_limit):
    from efmcat import quicksearch, searchsql
    from efmcat.quicksearch import search_rows

    monkeypatch.setattr(quicksearch, "PAGE", page)
    monkeypatch.setattr(searchsql, "SQL_LIMIT", sql_limit)
    cli("note", "2208.07339", "ternary weights next")  # also caches the taxonomy's area map
    lean = list(search_rows(str(mini_db), **args))
    assert lean == _full_rows(args)
    if args["query"] != "zzzz":
        assert lean  # the cases above are not all empty


def test_lean_path_needs_the_cached_area_map(mini_db, monkeypatch, tmp_path):
    from efmcat import areamap
    from efmcat.quicksearch import search_rows
    from efmcat.taxonomy import load_taxonomy

    monkeypatch.setenv("EFMCAT_DATA_DIR", str(tmp_path / "fresh"))
    assert areamap.load_default() is None  # nothing loaded the taxonomy in this data dir yet
    assert search_rows(str(mini_db), "quantization") is None
    load_taxonomy()
    areas, area_of = areamap.load_default()
    assert areas[:6] == ["sparsification", "quantization", "attention", "memory", "compiler", "hardware"]
    assert area_of["weight-only-ptq"] == "quantization" and area_of["quantization"] == "quantization"
    assert list(search_rows(str(mini_db), "quantization"))


def test_lean_path_follows_a_users_taxonomy(cli, mini_db, tmp_path, monkeypatch):
    from efmcat import areamap
    from efmcat.quicksearch import search_rows
    from efmcat.taxonomy import load_taxonomy

    load_taxonomy()
    custom = tmp_path / "tax.yaml"
    custom.write_text("areas:\n  - id: quantization\n    name: Quantization\n", encoding="utf-8")
    monkeypatch.setenv("EFMCAT_TAXONOMY", str(custom))
    assert areamap.load_default() is None  # the packaged map is not taken for another taxonomy
    load_taxonomy()
    assert areamap.load_default() == (["quantization"], {"quantization": "quantization"})
    rows = list(search_rows(str(mini_db), "quantization"))
    assert rows and all(r["areas"] in ([], ["quantization"]) for r in rows)
    custom.write_text("areas:\n  - id: hardware\n    name: Hardware\n", encoding="utf-8")
    os.utime(custom, (1, 1))  # an edited taxonomy has another key: no stale map is read
    assert areamap.load_default() is None


def test_lean_path_leaves_other_schema_versions_to_the_catalog(mini_db):
    import sqlite3

    from efmcat.quicksearch import search_rows
    from efmcat.taxonomy import load_taxonomy

    load_taxonomy()
    conn = sqlite3.connect(mini_db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    assert search_rows(str(mini_db), "quantization") is None


def test_lean_rows_stream_from_the_cursor(cli, mini_db):
    """An all-hits search streams: nothing is read before the first row is asked for."""
    import inspect

    from efmcat.quicksearch import search_rows

    cli("note", "2208.07339", "cache the taxonomy's area map")
    rows = search_rows(str(mini_db), "quantization", limit=None)
    assert inspect.isgenerator(rows)
    assert len(list(rows)) > 1


def test_search_schema_is_the_catalogs():
    from efmcat.catalog import MIGRATIONS, SCHEMA_VERSION
    from efmcat.searchsql import SEARCH_SCHEMA

    assert SEARCH_SCHEMA == SCHEMA_VERSION == len(MIGRATIONS)


def test_lean_path_imports_no_heavy_module(cli, mini_db):
    cli("taxonomy")  # caches the area map, as any earlier efmcat command does
    code = (
        "import sys; from efmcat.fastpath import try_search; rc = try_search(['quantization']);"
        "heavy = sorted(m for m in ('typer', 'rich', 'efmcat.catalog', 'efmcat.taxonomy', 'efmcat.render',"
        " 'dataclasses', 'pathlib', 'json', 'typing') if m in sys.modules);"
        "sys.stderr.write('RC=%s HEAVY=%s' % (rc, heavy))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.stderr.endswith("RC=0 HEAVY=[]"), p.stderr
    assert p.stdout.count("\n") == 3 and "\t2210.17323\t2022\t" in p.stdout
