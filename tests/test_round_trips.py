"""Every export format the importer reads round-trips exactly (issue 11, case 5): export,
import into an empty catalog, export again gives the same text, hostile titles included."""

from __future__ import annotations

import json

import pytest

from efmcat.catalog import Catalog

HOSTILE = [
    "A | pipe",
    "Star *bold* _u_ \\back",
    "Link [x](http://e.com) inside",
    "Code `x` <b>tag</b> &amp;",
    "Hash # mid ## end",
    "Emoji :smile: 🚀 ~tilde~",
    "Brackets [note] {braces} \\{escaped\\}",
    "Trailing backslash \\",
    "<!-- comment --> after -- dash --- em",
    "**already bold**",
    "x^2 and $math$ 50% off",
    "Ends with colon:",
    "Ré ünïcode — ok",
    "LaTeX ligatures: it''s ``quoted'' ?`x !`y a---b",
]
EXT = {"md": "md", "bibtex": "bib", "json": "json", "jsonl": "jsonl", "yaml": "yaml"}


@pytest.fixture
def hostile_db(cli, tmp_path):
    recs = [
        {"id": f"2301.{i:05d}", "title": t, "categories": "cs.LG", "abstract": "words"}
        for i, t in enumerate(HOSTILE)
    ]
    src = tmp_path / "h.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    db = tmp_path / "h.db"
    r = cli("import", str(src), "--db", str(db), "--tag", "quantization")
    assert r.exit_code == 0, r.output
    return db


def _titles(db):
    with Catalog(db) as cat:
        return {p.id: p.title for p in cat.iter_papers()}


def _round_trip(cli, tmp_path, source_db, fmt):
    first = tmp_path / f"first.{EXT[fmt]}"
    again = tmp_path / f"again.{EXT[fmt]}"
    copy = tmp_path / f"copy-{fmt}.db"
    assert cli("export", "--format", fmt, "--db", str(source_db), "-o", str(first)).exit_code == 0
    r = cli("import", str(first), "--db", str(copy))
    assert r.exit_code == 0, r.output
    assert cli("export", "--format", fmt, "--db", str(copy), "-o", str(again)).exit_code == 0
    return first, again, copy


@pytest.mark.parametrize("fmt", ["md", "bibtex", "json", "jsonl", "yaml"])
def test_hostile_titles_round_trip(cli, tmp_path, hostile_db, fmt):
    first, again, copy = _round_trip(cli, tmp_path, hostile_db, fmt)
    assert _titles(copy) == _titles(hostile_db)
    assert again.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "json", "jsonl", "yaml"])
def test_mini_catalog_round_trips_exactly(cli, tmp_path, mini_db, fmt):
    first, again, copy = _round_trip(cli, tmp_path, mini_db, fmt)
    assert again.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    assert set(_titles(copy)) == set(_titles(mini_db))  # title-only papers too


def test_markdown_header_link_is_not_a_paper(cli, tmp_path, mini_db):
    first, _, copy = _round_trip(cli, tmp_path, mini_db, "md")
    assert "2409.01990" not in _titles(copy)
    assert "(arXiv 2409.01990)" in first.read_text()


def test_whole_catalog_markdown_lists_papers_without_an_area(cli, tmp_path, mini_db):
    with Catalog(mini_db) as cat, cat.transaction():
        cat.conn.execute("DELETE FROM tags WHERE paper_id = '2210.17323'")
    text = cli("export", "--format", "md", "--db", str(mini_db)).stdout
    assert "## Not in an area" in text
    assert "[arXiv:2210.17323](https://arxiv.org/abs/2210.17323)" in text
    assert "- [Not in an area](#not-in-an-area) (1)" in text


def test_bibtex_keeps_literal_braces(cli, tmp_path):
    bib = tmp_path / "b.bib"
    bib.write_text(
        "@misc{k, title = {Keep \\{these\\} and {GPTQ} x\\textasciicircum{}2 a~b}, eprint = {2210.17323}}\n"
    )
    assert cli("import", str(bib)).exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2210.17323").title == "Keep {these} and GPTQ x^2 a b"


def test_json_export_imports(cli, tmp_path, mini_db):
    out = tmp_path / "all.json"
    assert cli("export", "--format", "json", "--db", str(mini_db), "-o", str(out)).exit_code == 0
    r = cli("import", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith(f"{out} (json): 8 rows, 8 papers")


def test_json_import_errors_name_the_line(cli, tmp_path):
    path = tmp_path / "x.json"
    path.write_text(
        '[\n  {"id": "2301.00001", "arxiv_id": "2301.00001", "title": "ok"},\n  {"id": "2301.00002", "arxiv_id": null, "title": ["no"]}\n]\n'
    )
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:3: title must be text, not a list\n")
