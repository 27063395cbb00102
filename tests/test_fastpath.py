"""The piped `efmcat search` fast path must behave exactly like the Typer command."""

from __future__ import annotations

import io
import json
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
        ['"post-training quantization"'],
        ["zzzz"],
        ["quantiz*", "--json"],
        ["quantization", "--status", "unread"],
        ["quantization", "--starred", "--json"],
        ["ternary"],  # a word only in a user's note (set below)
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
        ["a", "b"],  # two queries
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
