"""Hostile input files end in bounded time with a clear message (issue 11, case 3)."""

from __future__ import annotations

import json

import pytest

from efmcat.catalog import Catalog

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
papers: [*h]
"""


def _run(cli, tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    r = cli("import", str(path))
    assert "Traceback" not in r.output
    return path, r


def _empty(tmp_path):
    db = tmp_path / "catalog.db"
    if not db.exists():
        return True
    with Catalog(db) as cat:
        return cat.count() == 0


def test_yaml_billion_laughs_is_refused(cli, tmp_path):
    path, r = _run(cli, tmp_path, "bomb.yaml", BOMB)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}:2: YAML aliases (*a) are not supported: write the value out\n",
    )
    assert _empty(tmp_path)


@pytest.mark.parametrize(
    "text", ["papers: " + "[" * 5000 + "]" * 5000, "papers: " + "{a: " * 3000 + "1" + "}" * 3000]
)
def test_deep_yaml_is_refused(cli, tmp_path, text):
    path, r = _run(cli, tmp_path, "deep.yaml", text + "\n")
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:1: nested more than 100 levels deep\n")


def test_deep_taxonomy_is_refused(cli, tmp_path, mini_db):
    tax = tmp_path / "tax.yaml"
    tax.write_text("areas: " + "[" * 5000 + "]" * 5000 + "\n")
    r = cli("explain", "2210.17323", "--taxonomy", str(tax))
    assert r.exit_code == 1
    assert r.stderr == f"Error: {tax}:1: nested more than 100 levels deep\n"


def test_deep_json_line_is_refused(cli, tmp_path):
    line = (
        json.dumps({"id": "2301.00001", "title": "x"})[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    path, r = _run(cli, tmp_path, "deep.jsonl", line + "\n")
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:1: JSON nested too deeply\n")


def test_overlong_json_line_is_refused(cli, tmp_path, monkeypatch):
    import efmcat.formats.jsonl_snapshot as snap

    monkeypatch.setattr(snap, "MAX_LINE", 1000)
    good = json.dumps({"id": "2301.00001", "title": "x"})
    long = json.dumps({"id": "2301.00002", "title": "x" * 2000})
    path, r = _run(cli, tmp_path, "long.jsonl", good + "\n" + long + "\n")
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:2: line longer than 1000 characters\n")
    assert _empty(tmp_path)


def test_markdown_bracket_flood_is_skipped_quickly(cli, tmp_path):
    n = 15_000
    flood = "- " + "[" * (n // 2) + "](" * (n // 4)
    text = f"# Quantization\n\n{flood}\n- [GPTQ](https://arxiv.org/abs/2210.17323)\n"
    path, r = _run(cli, tmp_path, "flood.md", text)
    assert r.exit_code == 0, r.output
    assert f"Warning: {path}:3: skipped: 3750 links in 15002 characters: not a list row\n" in r.stderr
    assert "Added 1 paper, updated 0" in r.stderr


def test_markdown_overlong_line_is_skipped(cli, tmp_path):
    text = "- [GPTQ](https://arxiv.org/abs/2210.17323)\n" + "x" * 25_000 + "\n"
    path, r = _run(cli, tmp_path, "long.md", text)
    assert r.exit_code == 0
    assert f"Warning: {path}:2: skipped: line longer than 20000 characters\n" in r.stderr


def test_markdown_file_of_dense_lines_is_refused_as_a_whole(cli, tmp_path):
    line = "- " + "[a](" * 40 + "x" * 2000  # 40 links in 2162 characters: under the line bound
    path, r = _run(cli, tmp_path, "dense.md", (line + "\n") * 100)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}:47: too many links for one Markdown list; split the file\n",
    )


def test_skipped_lines_are_summarised_after_twenty(cli, tmp_path):
    text = ("x" * 20_001 + "\n") * 25
    path, r = _run(cli, tmp_path, "many.md", text)
    assert r.stderr.count("skipped: line longer") == 20
    assert f"Warning: {path}: 5 more lines malformed or skipped (--json lists them all)\n" in r.stderr


def test_bibtex_huge_field_is_refused(cli, tmp_path):
    text = "@misc{ok, title={Fine}, eprint={2210.17323}}\n@misc{a,\n title = {" + "x " * 800_000 + "},\n}\n"
    path, r = _run(cli, tmp_path, "big.bib", text)
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:2: entry longer than 50000 characters\n")
    assert _empty(tmp_path)


def test_file_size_caps(cli, tmp_path, monkeypatch):
    import efmcat.importer as importer

    monkeypatch.setitem(importer.MAX_FILE_BYTES, "md", 100)
    path, r = _run(cli, tmp_path, "big.md", "- [GPTQ](https://arxiv.org/abs/2210.17323)\n" * 10)
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}: 430 bytes; a md file may have at most 100\n")


def test_default_caps_are_the_documented_ones():
    import efmcat.importer as importer
    from efmcat import yamlio
    from efmcat.formats import jsonl_snapshot

    assert importer.MAX_FILE_BYTES == {
        "md": 32_000_000,
        "bibtex": 4_000_000,
        "yaml": 32_000_000,
        "json": 200_000_000,
    }
    assert (importer.MD_MAX_LINE, importer.BIB_MAX_ENTRY, yamlio.MAX_DEPTH, jsonl_snapshot.MAX_LINE) == (
        20_000,
        50_000,
        100,
        1_000_000,
    )
