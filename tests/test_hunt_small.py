"""Five small defects a user found on the shipped catalog: a curly single quote left as
written in the (ASCII) BibTeX export, a JSON error cut off mid-sentence, broken JSON on
stdin imported as Markdown, an empty SQL query called a write, and a long query echoed
whole when nothing matches."""

from __future__ import annotations

import io
import json
import sys

import pytest

from efmcat import fastpath
from efmcat.catalog import Catalog
from efmcat.importer import sniff_format
from efmcat.textsafe import no_match

# -- 1. the BibTeX export is ASCII: curly single quotes too, read back as written -------------
QUOTED_BIB = """@misc{k,
  title = {Verifying and Improving Halide\u2019s Term Rewriting System},
  author = {Conan O\u2019Brien},
  year = {2023},
  eprint = {2301.00001},
  archivePrefix = {arXiv}
}
@misc{s,
  title = {S\u2019MoRE: \u2018Structural\u2019 Mixture of Residual Experts},
  author = {Ana Wang},
  year = {2025},
  eprint = {2504.06426},
  archivePrefix = {arXiv}
}
"""


def _titles_and_authors(db) -> dict[str, tuple[str, list[str]]]:
    with Catalog(db) as cat:
        return {p.id: (p.title, p.authors) for p in cat.iter_papers()}


def test_curly_single_quotes_export_as_ascii_latex_and_read_back(cli, tmp_path):
    source, copy = tmp_path / "source.db", tmp_path / "copy.db"
    bib, exported = tmp_path / "quotes.bib", tmp_path / "out.bib"
    bib.write_text(QUOTED_BIB, encoding="utf-8")
    assert cli("import", str(bib), "--db", str(source)).exit_code == 0
    r = cli("export", "-f", "bibtex", "--db", str(source), "-o", str(exported))
    assert r.exit_code == 0, r.output
    text = exported.read_text(encoding="utf-8")
    assert text.isascii(), [line for line in text.splitlines() if not line.isascii()]
    assert "Halide\\textquoteright{}s" in text
    assert "S\\textquoteright{}{MoRE}: \\textquoteleft{}Structural\\textquoteright{}" in text
    r = cli("import", str(exported), "--db", str(copy))
    assert r.exit_code == 0, r.output
    assert _titles_and_authors(copy) == _titles_and_authors(source)
    assert _titles_and_authors(copy)["2301.00001"] == (
        "Verifying and Improving Halide\u2019s Term Rewriting System",
        ["Conan O\u2019Brien"],
    )


# -- 2, 3. broken JSON: the whole reason with its place, from a file or from stdin ------------
def test_broken_json_file_says_the_whole_reason(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"bad json\n', encoding="utf-8")
    r = cli("import", str(bad))
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == f"Error: {bad}:1: not valid JSON: invalid control character at line 1 column 11\n"


def test_a_json_error_on_a_later_line_names_it(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"id": "2301.00001"},,\n]\n', encoding="utf-8")
    r = cli("import", str(bad))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {bad}:2: not valid JSON: expecting value at line 2 column 24\n",
    )


def test_a_jsonl_error_names_the_files_line_and_the_column_in_it(cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "2301.00001", "title": "A"}\n{"id": "2301.00002", "title": bad}\n', encoding="utf-8"
    )
    r = cli("import", str(bad))
    assert (r.exit_code, r.stderr) == (  # was "at line 1 column 31" on the file's line 2
        1,
        f"Error: {bad}:2: not a JSON object: expecting value at column 31\n",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"bad json\n', "stdin:1: not valid JSON: invalid control character at line 1 column 11"),
        ('\ufeff  {\n  "id": "2301.00001",\n', "stdin:3: not valid JSON: expecting property name "
         "enclosed in double quotes at line 3 column 1"),
        ('["2301.00001",\n', "stdin:2: not valid JSON: expecting value at line 2 column 1"),
    ],
)  # fmt: skip
def test_broken_json_on_stdin_is_a_json_error_not_markdown(cli, tmp_path, content, message):
    r = cli("import", "-", "--db", str(tmp_path / "c.db"), input=content)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {message}\n")


def test_what_only_json_starts_with_is_sniffed_as_json_and_markdown_stays_markdown():
    json_heads = {
        '{"bad json\n': "json",  # was Markdown: imported as nothing
        '{\n  "id": "2301.00001"\n}\n': "json",  # one object over several lines: was Markdown
        '["2301.00001"]': "json",  # was Markdown
        '{"id": "2301.00001"}\n{"id": "2301.00002"}\n': "jsonl",
        '[{"id"': "json",
        "[]": "json",
    }
    markdown_heads = [
        "[Title](https://arxiv.org/abs/2301.00001)\n",
        "[![Awesome](https://awesome.re/badge.svg)](https://awesome.re)\n",
        "[1] A reference\n",
        "{% include header.md %}\n",
        "{{< toc >}}\n",
    ]
    assert {head: sniff_format(head) for head in json_heads} == json_heads
    assert [sniff_format(head) for head in markdown_heads] == [None] * len(markdown_heads)


# -- 4. an empty SQL query --------------------------------------------------------------------
def test_an_empty_sql_query_says_so(cli, mini_db):
    for query in ("", "   \n\t", "-- nothing here", "/* nor here */ ;"):
        r = cli("sql", "--", query)
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", "Error: empty query: give a SELECT statement\n")
    # comment marks inside a query (or a string) do not make it empty
    r = cli("sql", "/* -- */ SELECT '--' AS a", "-f", "csv")
    assert (r.exit_code, r.stdout) == (0, "a\n--\n")


# -- 5. a long query that matches nothing is shown cut ----------------------------------------
LONG = "zq" * 50_000
SHOWN = "No papers match '" + "zq" * 40 + "\u2026'."


def test_no_match_cuts_a_long_query_only():
    assert no_match("x" * 80) == "No papers match '" + "x" * 80 + "'."
    assert no_match("x" * 81) == "No papers match '" + "x" * 80 + "\u2026'."
    assert (
        no_match("x" * 81, filtered=True)
        == "No papers match '" + "x" * 80 + "\u2026' with the filters given."
    )
    assert no_match("\x1b" * 100) == "No papers match '" + "\\x1b" * 80 + "\u2026'."  # cut, then escaped


@pytest.mark.parametrize("piped", [False, True])
def test_a_long_query_is_cut_on_every_search_path(cli, mini_db, monkeypatch, piped):
    if piped:  # the lean path and the fast path (a tag filter) answer without Typer
        for args, expected in (
            ([LONG], SHOWN),
            ([LONG, "--tag", "quantization"], SHOWN[:-1] + " with the filters given."),
        ):
            out, err = io.StringIO(), io.StringIO()
            monkeypatch.setattr(sys, "stdout", out)
            monkeypatch.setattr(sys, "stderr", err)
            assert fastpath.try_search(args) == 0
            assert (out.getvalue(), err.getvalue()) == ("", expected + "\n")
    else:
        r = cli("search", LONG)
        assert (r.exit_code, r.stdout, r.stderr) == (0, "", SHOWN + "\n")


def test_a_markdown_list_that_starts_with_a_quoted_link_title_is_markdown(cli, tmp_path):
    from efmcat.importer import sniff_format

    md = '["Attention Is All You Need"](https://arxiv.org/abs/1706.03762)\n'
    assert sniff_format(md) is None  # Markdown
    assert sniff_format('["a", "b"]') == sniff_format('["a"]\n') == sniff_format("[]") == "json"
    (tmp_path / "q.md").write_text(md, encoding="utf-8")
    r = cli("import", str(tmp_path / "q.md"))
    assert r.exit_code == 0, r.stderr
    assert "1 arXiv id" in r.stderr


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "ck.json",
            '[{"id": "2401.00001", "arxiv_id": "2401.00001", "title": "A", "citekey": "bad key}"}]',
            "ck.json:1: citekey 'bad key}' cannot hold spaces, commas, braces, quotes, % or #",
        ),
        (
            "js.json",
            '[{"id": "2401.00001", "arxiv_id": "2401.00001", "title": "A", "url": "javascript:alert(1)"}]',
            "js.json:1: url must be a link starting with http:// or https://, not 'javascript:alert(1)'",
        ),
        (
            "pdf.jsonl",
            '{"id": "2401.00001", "arxiv_id": "2401.00001", "title": "A", "pdf_url": "www.x.org/a.pdf"}\n',
            "pdf.jsonl:1: pdf_url must be a link starting with http:// or https://, not 'www.x.org/a.pdf'",
        ),
        (
            "nl.json",
            '[{"id": "2401.00001", "arxiv_id": "2401.00001", "title": "A", "url": "https://x.org/a\\n"}]',
            "nl.json:1: url must be a link starting with http:// or https://, not 'https://x.org/a\\n'",
        ),
        (
            "link.yaml",
            'papers:\n- title: A\n  link: "javascript:alert(1)"\n',
            "link.yaml:2: link must be a link starting with http:// or https://, not 'javascript:alert(1)'",
        ),
        (
            "kind.yaml",
            'papers:\n- id: "2401.00001"\n  title: A\n  kind: bogus\n',
            "kind.yaml:2: kind must be one of paper, repo, blog, slides, post, page, report, not 'bogus'",
        ),
    ],
)
def test_import_checks_the_values_edit_refuses(cli, tmp_path, name, content, message):
    """A citekey BibTeX cannot read back, a link that is no web link, an unknown kind: import
    took them (then export wrote broken BibTeX, and edit failed on the untouched field)."""
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    db = tmp_path / "c.db"
    r = cli("import", str(f), "--db", str(db))
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {tmp_path}/{message}\n")
    assert not db.exists()


def test_an_exported_doi_id_with_capitals_imports_lowered(cli, tmp_path):
    """doi: ids are lowercase now; a backup from before kept a DOI's capitals, and import
    refused it as not canonical."""
    f = tmp_path / "old.json"
    f.write_text('[{"id": "doi:10.1145/ABC.Def", "arxiv_id": null, "title": "A paper"}]', encoding="utf-8")
    db = tmp_path / "c.db"
    assert cli("import", str(f), "--db", str(db)).exit_code == 0
    assert json.loads(cli("show", "DOI:10.1145/ABC.Def", "--json", "--db", str(db)).stdout)["id"] == (
        "doi:10.1145/abc.def"
    )


def test_a_bibtex_url_that_is_no_web_link_is_left_out(cli, tmp_path):
    """A .bib file's url = {javascript:...} was stored, opened and exported as a link; the
    entry imports without it (a third party's file: the rest of the entry is good)."""
    f = tmp_path / "x.bib"
    f.write_text(
        "@article{a, title={A Paper on Things}, year={2024}, doi={10.1145/1.2}, url={javascript:alert(1)}}\n",
        encoding="utf-8",
    )
    db = tmp_path / "c.db"
    assert cli("import", str(f), "--db", str(db)).exit_code == 0
    shown = json.loads(cli("show", "doi:10.1145/1.2", "--json", "--db", str(db)).stdout)
    assert shown["url"] == "https://doi.org/10.1145/1.2"


def test_a_json_records_note_must_be_text(cli, tmp_path):
    """YAML takes a number as text (note: 1984); JSON says it is not text."""
    f = tmp_path / "n.json"
    f.write_text(
        '[{"id": "2401.00001", "arxiv_id": "2401.00001", "title": "A", "note": 5}]', encoding="utf-8"
    )
    r = cli("import", str(f), "--db", str(tmp_path / "c.db"))
    assert (r.exit_code, r.stderr) == (1, f"Error: {f}:1: note must be text, not a number\n")
