"""Exports: BibTeX (keys, escaping), CSV (formula-safe), JSON, JSON lines, YAML round trip."""

from __future__ import annotations

import csv
import io
import json

from conftest import FIXTURES
from efmcat.formats import bibtex, csv_format

IMPORT = FIXTURES / "import"


def _rec(pid, title, authors, year, **kw):
    base = {
        "id": pid,
        "arxiv_id": pid if ":" not in pid else None,
        "title": title,
        "authors": authors,
        "year": year,
    }
    return {**base, **kw}


def test_bibtex_keys_are_stable_and_unique():
    recs = [
        _rec("2301.00002", "Sparse things", ["Ana Smith"], 2023),
        _rec("2301.00001", "Sparse other things", ["Bo Smith"], 2023),
        _rec("2210.17323", "GPTQ: Accurate quantization", ["Elias Frantar"], 2022),
        _rec("openreview:x", "The Müller method", ["Jörg Müller"], 2021),
    ]
    keys = bibtex.citekeys(recs)
    assert keys == {
        "2301.00001": "smith2023sparsea",
        "2301.00002": "smith2023sparseb",
        "2210.17323": "frantar2022gptq",
        "openreview:x": "muller2021muller",
    }
    assert bibtex.citekeys(list(reversed(recs))) == keys


def test_bibtex_entry_escapes_specials():
    rec = _rec(
        "2208.07339",
        "LLM.int8(): 8-bit & 100% {fast} #1 under_score",
        ["Tim Dettmers"],
        2022,
        primary_category="cs.LG",
        doi="10.1/x_y",
        journal_ref="NeurIPS 2022",
    )
    text = bibtex.render([rec])
    assert text == (
        "@misc{dettmers2022llmint8,\n"
        "  title = {{LLM.int8}(): 8-bit \\& 100\\% \\{fast\\} \\#1 under\\_score},\n"
        "  author = {Tim Dettmers},\n"
        "  year = {2022},\n"
        "  eprint = {2208.07339},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.LG},\n"
        "  doi = {10.1/x\\_y},\n"
        "  journal = {NeurIPS 2022},\n"
        "  url = {https://arxiv.org/abs/2208.07339}\n"
        "}\n"
    )


def test_bibtex_export_reimports(cli, tmp_path):
    assert cli("import", str(IMPORT / "refs.bib")).exit_code == 0
    out = tmp_path / "out.bib"
    assert cli("export", "--format", "bibtex", "-o", str(out)).exit_code == 0
    import bibtexparser

    lib = bibtexparser.parse_string(out.read_text())
    assert not lib.failed_blocks
    assert len(lib.entries) == 7  # the link-less entry comes back under its title id
    assert len({e.key for e in lib.entries}) == 7
    second = cli("export", "--format", "bibtex").stdout
    assert second == out.read_text()


def test_csv_neutralises_formulas():
    recs = [_rec("2301.00001", '=HYPERLINK("http://x")', ["+Eve", "@bob"], 2023, tags=["quantization"])]
    rows = list(csv.reader(io.StringIO(csv_format.render(recs))))
    header, row = rows
    assert header[:5] == ["id", "arxiv_id", "version", "title", "authors"]
    assert row[3] == '\'=HYPERLINK("http://x")'
    assert row[4] == "'+Eve; @bob"
    assert csv_format.safe_cell("-1") == "'-1"
    assert csv_format.safe_cell("fine") == "fine"


def test_json_and_jsonl(cli, mini_db):
    data = json.loads(cli("export", "--format", "json").stdout)
    lines = cli("export", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(x) for x in lines] == data
    assert data[0]["id"] == "2205.14135"
    assert {"id", "title", "tags", "areas"} <= set(data[0])


def test_yaml_round_trip(cli, tmp_path, monkeypatch):
    src = tmp_path / "src.db"
    for f in ("survey_table.md", "refs.bib", "snapshot.jsonl"):
        assert cli("import", str(IMPORT / f), "--db", str(src)).exit_code == 0
    first = tmp_path / "1.yaml"
    assert cli("export", "--format", "yaml", "--db", str(src), "-o", str(first)).exit_code == 0
    empty = tmp_path / "empty.db"
    assert cli("import", str(first), "--db", str(empty)).exit_code == 0
    again = cli("export", "--format", "yaml", "--db", str(empty)).stdout
    assert again == first.read_text()
    assert "id: url:arxiv.org/abs/203.05527" in again


def test_yaml_with_unknown_tag_names_the_line(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: x\npapers:\n- id: '2301.00774'\n  title: SparseGPT\n  tags: [nope-node]\n")
    result = cli("import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {bad}:3: unknown taxonomy node 'nope-node'; `efmcat taxonomy` lists the nodes"
    )
