"""Imported fields are type-checked, files are what they claim, and odd paths say what they
are (issue 11, case 4). Every failure names file:line and leaves the catalog unchanged."""

from __future__ import annotations

import json
import os

import pytest

from efmcat.catalog import Catalog

GOOD = {"id": "2301.00001", "title": "Quantized weights", "authors": "A. Author", "categories": "cs.LG"}


def _jsonl(tmp_path, *records, name="in.jsonl", raw_lines=()):
    path = tmp_path / name
    lines = [json.dumps(r) for r in records] + list(raw_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _count(tmp_path):
    db = tmp_path / "catalog.db"
    if not db.exists():
        return 0
    with Catalog(db) as cat:
        return cat.count()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("title", ["a", "b"], "title must be text, not a list"),
        ("title", 42, "title must be text, not a number"),
        ("abstract", {"x": 1}, "abstract must be text, not a mapping"),
        ("versions", 3, "versions must be a list, not int"),
        ("versions", ["v1"], "versions must be a list of {version, created} objects"),
        ("authors_parsed", 7, "authors_parsed must be a list of [last, first, suffix] lists"),
        ("authors_parsed", [7], "authors_parsed must be a list of [last, first, suffix] lists"),
        ("authors_parsed", [[1, 2]], "authors_parsed must be a list of text, but holds a number"),
        ("authors", [1, 2], "authors must be a list of text, but holds a number"),
        ("categories", 5, "categories must be a list of text, not a number"),
        ("doi", True, "doi must be text, not true/false"),
        ("title", "bad \ud800 text", "title holds a lone surrogate (\\ud800), not text"),
    ],
)
def test_jsonl_field_types(cli, tmp_path, field, value, message):
    path = _jsonl(tmp_path, GOOD, {**GOOD, "id": "2301.00002", field: value})
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:2: {message}\n")
    assert _count(tmp_path) == 0


def test_jsonl_nan_title(cli, tmp_path):
    path = _jsonl(tmp_path, GOOD, raw_lines=['{"id": "2301.00002", "title": NaN}'])
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:2: title must be text, not a number\n")


def test_jsonl_huge_year_from_published(cli, tmp_path):
    path = _jsonl(tmp_path, {**GOOD, "published": "123456789012345678901234567890-01-01"})
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}:1: year (from published) 1234 is not a year between 1900 and 2100\n",
    )


def _seeds(tmp_path, paper_yaml: str):
    path = tmp_path / "seeds.yaml"
    path.write_text("source: mine\npapers:\n" + paper_yaml, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "paper, message",
    [
        (
            "  - id: '../../etc/passwd'\n    title: X\n",
            "'../../etc/passwd' is not a paper id (an arXiv id, or openreview:, acl:, doi:, ieee:, url:, title:)",
        ),
        (
            "  - id: '2210.17323v2'\n    title: X\n",
            "id '2210.17323v2' is not in its canonical form: write 2210.17323",
        ),
        ("  - id: 2210.17323\n    title: X\n", "id 2210.17323 must be quoted text ('2210.17323')"),
        ("  - id: 'title:a b'\n    title: X\n", "id 'title:a b' holds spaces or control characters"),
        ("  - id: '2210.17323'\n    title: [a, b]\n", "title must be text, not a list"),
        (
            "  - id: '2210.17323'\n    title: X\n    year: 123456789012345678901234567890\n",
            "year 123456789012... is not a year between 1900 and 2100",
        ),
        (
            "  - id: '2210.17323'\n    title: X\n    year: '20x3'\n",
            "year must be a whole number, not text ('20x3')",
        ),
        ("  - id: '2210.17323'\n    title: X\n    year: .nan\n", "year must be a whole number, not nan"),
        (
            "  - id: '2210.17323'\n    title: X\n    authors: {a: 1}\n",
            "authors must be a list of text, not a mapping",
        ),
        (
            "  - id: '2210.17323'\n    title: X\n    tags: [1, 2]\n",
            "tags must be a list of text, but holds a number",
        ),
        (
            "  - id: '2210.17323'\n    title: \"bad \\ud800\"\n",
            "title holds a lone surrogate (\\ud800), not text",
        ),
        (
            "  - id: '2210.17323'\n    title: X\n    verified: maybe\n",
            "verified must be true or false, not 'maybe'",
        ),
        (
            "  - id: '2210.17323'\n    title: X\n    version: -3\n",
            "version must be a whole number from 1 to 1000, not -3",
        ),
    ],
)
def test_seeds_field_types(cli, tmp_path, paper, message):
    path = _seeds(tmp_path, paper)
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:3: {message}\n")
    assert _count(tmp_path) == 0


def test_seeds_ids_validated_by_build(cli, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "x.yaml").write_text("source: x\npapers:\n  - id: '../../etc/passwd'\n    title: X\n")
    r = cli("build", "--seeds", str(seeds), "-o", str(tmp_path / "out.db"))
    assert r.exit_code == 1
    assert "'../../etc/passwd' is not a paper id" in r.stderr


# -- content against format -----------------------------------------------------------------
def test_efmcats_own_csv_is_refused_not_read_as_a_markdown_list(cli, tmp_path):
    """A CSV export fed back once added each row as a junk paper (its whole line as the
    title, exit 0): by name or by content (efmcat's header row), it is refused."""
    from efmcat.catalog import Catalog
    from efmcat.records import Paper

    with Catalog(tmp_path / "catalog.db") as c, c.transaction():
        c.upsert_paper(Paper(id="2210.17323", title="GPTQ", year=2022))
    table = tmp_path / "all.csv"
    assert cli("export", "--format", "csv", "-o", str(table)).exit_code == 0
    renamed = tmp_path / "all.txt"
    renamed.write_text(table.read_text(encoding="utf-8"), encoding="utf-8")
    tsv = tmp_path / "mine.tsv"
    tsv.write_text("title\tlink\nGPTQ\thttps://arxiv.org/abs/2210.17323\n", encoding="utf-8")
    excel = tmp_path / "excel.txt"  # saved again by a spreadsheet: semicolons, a BOM
    excel.write_bytes(b"\xef\xbb\xbf" + table.read_text(encoding="utf-8").replace(",", ";").encode())
    for path in (table, renamed, tsv, excel):
        r = cli("import", str(path))
        assert (r.exit_code, r.stderr) == (
            1,
            f"Error: {path}: CSV is an export for spreadsheets, not an import format: "
            "import efmcat's JSON, JSONL or YAML export instead\n",
        )
    r = cli("import", "-", input=excel.read_text(encoding="utf-8"))  # was read as a Markdown list
    assert r.exit_code == 1 and "CSV is an export for spreadsheets" in r.stderr, r.output
    assert _count(tmp_path) == 1


def test_jsonl_in_a_bib_file_is_refused(cli, tmp_path):
    path = _jsonl(tmp_path, GOOD, name="refs.bib")
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}: the name says bibtex but the content is jsonl; rename the file or give --format jsonl\n",
    )
    r = cli("import", str(path), "--format", "jsonl")
    assert r.exit_code == 0 and _count(tmp_path) == 1


def test_bom_prefixed_jsonl_without_extension(cli, tmp_path):
    path = tmp_path / "dump"
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps(GOOD) + "\n").encode())
    r = cli("import", str(path))
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith(f"{path} (jsonl): 1 row, 1 paper,")
    assert _count(tmp_path) == 1


def test_bib_with_no_entries_is_refused(cli, tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text("This is a plain text file, not BibTeX.\n")
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}: no bibtex entries found: is it another format? (--format)\n",
    )


def test_markdown_with_no_paper_link_is_refused_and_makes_no_catalog(cli, tmp_path, mini_db):
    """Notes or a README with no list row in them: refused as a .bib without entries is (it
    created an empty catalog and said "0 rows"); an empty Markdown export still imports."""
    path = tmp_path / "notes.md"
    path.write_text("# Reading notes\n\nNothing linked here yet.\n")
    new = tmp_path / "new.db"
    r = cli("import", str(path), "--db", str(new))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}: no paper links found: is it another format? (--format)\n",
    )
    assert not new.exists()
    empty = tmp_path / "empty.md"
    assert cli("export", "--format", "md", "--query", "zzzz", "-o", str(empty)).exit_code == 0
    r = cli("import", str(empty))
    assert (r.exit_code, r.stderr.splitlines()[-1]) == (0, "Added 0 papers, updated 0, 0 unchanged; 0 tags.")


def test_an_empty_yaml_export_imports_as_nothing(cli, tmp_path, mini_db):
    """export --format yaml of no paper writes `papers: []`: it imports (it was "no yaml
    entries found"), as empty json, jsonl, md and bib exports do; a YAML file that is no
    seeds file is still refused."""
    path = tmp_path / "e.yaml"
    assert cli("export", "--format", "yaml", "--query", "zzzz", "-o", str(path)).exit_code == 0
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr.splitlines()[-1]) == (
        0,
        "Added 0 papers, updated 0, 0 unchanged; 0 tags.",
    ), r.stderr
    other = tmp_path / "other.yaml"
    other.write_text("title: not a seeds file\n")
    r = cli("import", str(other))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {other}:1: a seeds file is a mapping with a list 'papers'\n",
    )


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: "/dev/null", "/dev/null is a device, not a file"),
        (lambda tmp: str(tmp), "{p} is a folder: name the files to import"),
        (
            lambda tmp: (os.mkfifo(tmp / "fifo"), str(tmp / "fifo"))[1],
            "{p} is a FIFO (named pipe), not a file: save the data to a file first",
        ),
        (lambda tmp: str(tmp / "missing.md"), "no such file: {p}"),
    ],
)
def test_import_odd_paths_say_what_they_are(cli, tmp_path, make, message):
    p = make(tmp_path)
    r = cli("import", p)
    assert (r.exit_code, r.stderr) == (1, f"Error: {message.format(p=p)}\n")


# -- search text that starts with a dash ------------------------------------------------------
def test_search_after_double_dash(cli, mini_db):
    r = cli("search", "--json", "--", "-quantization OR sparse")
    assert (r.exit_code, r.stderr, r.stdout) == (0, "", "[]\n")  # searched; no fts5 syntax error
    r = cli("search", "--json", "--", "-quantization OR attention")
    assert r.exit_code == 0, r.output
    found = json.loads(r.stdout)
    assert "2205.14135" in [rec["id"] for rec in found]  # FlashAttention
    for rec in found:
        assert "quantiz" not in (rec["title"] + " " + (rec["abstract"] or "")).lower()


# -- --taxonomy on every command ----------------------------------------------------------------
def test_every_command_takes_taxonomy(cli):
    import typer.main

    from efmcat.cli import app

    group = typer.main.get_command(app)
    missing = [
        name for name, cmd in group.commands.items() if not any("--taxonomy" in p.opts for p in cmd.params)
    ]
    assert missing == []


def test_taxonomy_option_is_used_by_search_and_list(cli, mini_db, tmp_path):
    from efmcat.taxonomy import PACKAGED

    custom = tmp_path / "tax.yaml"
    custom.write_text(PACKAGED.read_text().replace("id: quantization\n", "id: quantisation\n", 1))
    r = cli("list", "--tag", "quantisation", "--taxonomy", str(custom))
    assert "unknown taxonomy node" not in r.stderr
    r = cli("list", "--tag", "quantisation")
    assert r.exit_code == 1 and "unknown taxonomy node 'quantisation'" in r.stderr


@pytest.mark.parametrize("ext", ["json", "jsonl"])
def test_a_records_unknown_tag_is_refused_as_in_yaml(cli, tmp_path, ext):
    """JSON and JSONL records dropped an unknown tag in silence; YAML refuses it by line."""
    rec = {
        "id": "2501.00007",
        "arxiv_id": "2501.00007",
        "title": "Some quantization paper",
        "tags": ["quantization", "my-node"],
    }
    path = tmp_path / f"t.{ext}"
    path.write_text(json.dumps([rec] if ext == "json" else rec) + "\n")
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {path}:1: unknown taxonomy node 'my-node'; `efmcat taxonomy` lists the nodes\n",
    )
    assert not (tmp_path / "catalog.db").exists() or _count(tmp_path) == 0


def test_a_record_without_tag_decisions_keeps_its_tags_and_no_more(cli, tmp_path):
    """An export older than manual_tags/auto_tags: its tags come back curated, and the
    tagger adds none of its own (the record carries the whole classification)."""
    rec = {
        "id": "2401.00001",
        "arxiv_id": "2401.00001",
        "title": "Sparse attention with KV cache quantization",
        "tags": ["memory"],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps([rec]))
    assert cli("import", str(path)).exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert [(r["node"], r["origin"]) for r in cat.tag_rows("2401.00001")] == [("memory", "curated")]


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ([{"source": "mylist.md"}], "each of sources needs a source and a locator"),
        ([{"locator": "mylist.md:3"}], "each of sources needs a source and a locator"),
        (["mylist.md"], "each of sources must be a mapping, not text ('mylist.md')"),
        ("mylist.md", "sources must be a list, not text ('mylist.md')"),
    ],
)
def test_a_records_sources_are_checked(cli, tmp_path, sources, message):
    rec = {"id": "2401.00001", "arxiv_id": "2401.00001", "title": "A paper", "sources": sources}
    path = tmp_path / "s.json"
    path.write_text(json.dumps([rec]))
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:1: {message}\n")


def test_a_source_rows_number_reads_as_text(cli, tmp_path):
    """A YAML backup edited by hand: `section: 2024` is a number to YAML, text to efmcat."""
    path = tmp_path / "b.yaml"
    path.write_text(
        "source: efmcat-export\npapers:\n- id: '2401.00001'\n  title: A paper\n"
        "  rows:\n  - {source: mylist.md, file: 'mylist.md:3', section: 2024}\n"
    )
    assert cli("import", str(path)).exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert [(s["source"], s["section"]) for s in cat.sources_of("2401.00001")] == [("mylist.md", "2024")]
