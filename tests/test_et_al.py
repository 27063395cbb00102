"""An author list known to be incomplete (BibTeX's "and others", a list's "et al.") stays so:
stored ending with ``others``, exported as BibTeX's ``and others`` and shown as "et al."."""

from __future__ import annotations

import csv
import io
import json

import pytest

from efmcat.catalog import Catalog
from efmcat.models import ET_AL, Paper, author_line, with_et_al


@pytest.mark.parametrize(
    ("names", "stored"),
    [
        (["Ana Smith", "Bo Wang et al."], ["Ana Smith", "Bo Wang", ET_AL]),
        (["Mengzhou Xia et al"], ["Mengzhou Xia", ET_AL]),  # no dot, as the metadata writes it
        (["Ana Smith", "Bo Wang, et al."], ["Ana Smith", "Bo Wang", ET_AL]),
        (["Ana Smith et.al."], ["Ana Smith", ET_AL]),
        (["Ana Smith", "et al."], ["Ana Smith", ET_AL]),
        (["Ana Smith", "Others"], ["Ana Smith", ET_AL]),
        # a name added after "others" (in the editor): the list still goes on
        (["Ana Smith", "others", "Bo Wang"], ["Ana Smith", "Bo Wang", ET_AL]),
        (["Alet Alba", "Ketal Roy"], ["Alet Alba", "Ketal Roy"]),  # "et al" inside words is a name
        (["Ana Smith", "Bo Etal"], ["Ana Smith", "Bo Etal"]),  # a surname, not "et al"
        (["Ana Smith", ""], ["Ana Smith"]),
        ([], []),
    ],
)
def test_with_et_al(names, stored):
    assert with_et_al(names) == stored
    assert with_et_al(stored) == stored  # stored lists are read back as they are


def test_author_line():
    assert author_line(["Ana Smith", "Bo Wang", ET_AL]) == "Ana Smith, Bo Wang et al."
    assert author_line(["Ana Smith", "Bo Wang"]) == "Ana Smith, Bo Wang"
    assert author_line([ET_AL]) == "et al."
    assert author_line([]) == ""


BIB = (
    "@misc{team,\n  title = {A Paper By Many},\n  author = {Smith, Ana and Bo Wang and others},\n"
    "  eprint = {2301.00001},\n  archivePrefix = {arXiv},\n  year = {2023}\n}\n"
)


def _export(cli, db, fmt):
    r = cli("export", "--format", fmt, "--db", str(db))
    assert r.exit_code == 0, r.output
    return r.stdout


def test_bibtex_and_others_round_trips_and_shows_as_et_al(cli, tmp_path):
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    r = cli("import", str(tmp_path / "refs.bib"))
    assert r.exit_code == 0, r.output
    db = tmp_path / "catalog.db"
    with Catalog(db) as cat:
        assert cat.get_paper("2301.00001").authors == ["Ana Smith", "Bo Wang", "others"]
    bib = _export(cli, db, "bibtex")
    assert "  author = {Ana Smith and Bo Wang and others},\n" in bib
    r = cli("show", "2301.00001")
    assert "Authors:     Ana Smith, Bo Wang et al.\n" in r.stdout
    (row,) = list(csv.DictReader(io.StringIO(_export(cli, db, "csv"))))
    assert row["authors"] == "Ana Smith; Bo Wang; et al."
    (rec,) = json.loads(_export(cli, db, "json"))
    assert rec["authors"] == ["Ana Smith", "Bo Wang", "others"]
    # and the JSON export imports back as the same incomplete list
    (tmp_path / "back.json").write_text(json.dumps([rec]), encoding="utf-8")
    r = cli("import", str(tmp_path / "back.json"), "--db", str(tmp_path / "copy.db"))
    assert r.exit_code == 0, r.output
    assert _export(cli, tmp_path / "copy.db", "bibtex") == bib


def test_a_list_of_others_alone_exports_without_an_author(cli, tmp_path):
    with Catalog(tmp_path / "catalog.db") as cat:
        cat.upsert_paper(Paper(id="2301.00002", title="Nobody Named Here", year=2023, authors=[ET_AL]))
    bib = _export(cli, tmp_path / "catalog.db", "bibtex")
    assert "author" not in bib
    assert "@misc{arxiv2301.00002," in bib  # no author: the key of its arXiv id


def test_markdown_list_authors_ending_et_al(cli, tmp_path):
    (tmp_path / "list.md").write_text(
        "# Pruning\n\n- **A Paper By Many** [[Paper](https://arxiv.org/abs/2301.00003)]\n"
        "  *Ana Smith, Bo Wang et al.*\n",
        encoding="utf-8",
    )
    r = cli("import", str(tmp_path / "list.md"))
    assert r.exit_code == 0, r.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2301.00003").authors == ["Ana Smith", "Bo Wang", "others"]


def test_edit_keeps_others_last_and_removes_it_when_asked(cli, tmp_path):
    with Catalog(tmp_path / "catalog.db") as cat:
        cat.upsert_paper(Paper(id="2301.00004", title="A Paper By Many", authors=["Ana Smith", ET_AL]))
    r = cli("edit", "2301.00004", "--add-author", "Bo Wang")
    assert r.exit_code == 0, r.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2301.00004").authors == ["Ana Smith", "Bo Wang", "others"]
    r = cli("edit", "2301.00004", "--remove-author", "Cy Chen")
    assert r.exit_code == 1
    assert r.stderr == "Error: 2301.00004 has no author 'Cy Chen' (its authors: Ana Smith, Bo Wang et al.)\n"
    r = cli("edit", "2301.00004", "--add-author", "Cy Chen et al.")  # the name, and more
    assert r.exit_code == 0, r.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2301.00004").authors == ["Ana Smith", "Bo Wang", "Cy Chen", "others"]
    r = cli("edit", "2301.00004", "--remove-author", "Cy Chen")
    assert r.exit_code == 0, r.output
    r = cli("edit", "2301.00004", "--remove-author", "et al.")
    assert r.exit_code == 0, r.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2301.00004").authors == ["Ana Smith", "Bo Wang"]


@pytest.mark.parametrize(
    "authors",
    [
        {"authors": ["Ana Smith", "Bo Wang et al."]},
        {"authors": "Ana Smith, Bo Wang, et al."},
        {"authors_parsed": [["Smith", "Ana", ""], ["Wang", "Bo", ""], ["al.", "et", ""]]},
    ],
)
def test_snapshot_authors_ending_et_al(cli, tmp_path, authors):
    rec = {"id": "2301.00005", "title": "A Paper By Many", "abstract": "Text.", "categories": "cs.LG"}
    rec["versions"] = [{"version": "v1", "created": "Mon, 2 Jan 2023 00:00:00 GMT"}]
    (tmp_path / "s.jsonl").write_text(json.dumps({**rec, **authors}) + "\n", encoding="utf-8")
    r = cli("import", str(tmp_path / "s.jsonl"))
    assert r.exit_code == 0, r.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2301.00005").authors == ["Ana Smith", "Bo Wang", "others"]


def test_check_counts_a_list_of_others_alone_as_no_authors(cli, tmp_path):
    with Catalog(tmp_path / "catalog.db") as cat:
        cat.upsert_paper(Paper(id="2301.00006", title="Nobody Named", abstract="Text.", authors=[ET_AL]))
        cat.upsert_paper(Paper(id="2301.00007", title="Some Named", abstract="Text.", authors=["A B", ET_AL]))
    r = cli("check")
    assert "INFO missing-metadata: 1 paper lacks authors or an abstract" in r.stdout
    assert "2301.00006" in r.stdout and "2301.00007" not in r.stdout


def test_the_editor_says_what_others_means():
    from efmcat.edit import record_yaml

    line = "# Authors: '- others' says the list goes on (BibTeX's 'and others', shown 'et al.').\n"
    assert line in record_yaml(Paper(id="2301.00008", title="T", authors=["A B", ET_AL]))
    assert line not in record_yaml(Paper(id="2301.00008", title="T", authors=["A B"]))


def test_fetch_completes_a_list_that_goes_on(cli, tmp_path, monkeypatch):
    import sys
    import types

    import efmcat

    asked = []

    def fetch_papers(ids):
        asked.append(list(ids))
        return [Paper(id="2301.00001", title="A Paper By Many", authors=["Ana Smith", "Bo Wang", "Cy Lee"])]

    fake = types.ModuleType("efmcat.arxiv")
    fake.fetch_papers = fetch_papers
    monkeypatch.setitem(sys.modules, "efmcat.arxiv", fake)
    monkeypatch.setattr(efmcat, "arxiv", fake, raising=False)
    # the abstract is there: only the authors' "and others" asks arXiv
    (tmp_path / "refs.bib").write_text(
        BIB.replace("  year", "  abstract = {Text.},\n  year"), encoding="utf-8"
    )
    r = cli("import", str(tmp_path / "refs.bib"), "--fetch")
    assert r.exit_code == 0, r.output
    assert asked == [["2301.00001"]]
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2301.00001").authors == ["Ana Smith", "Bo Wang", "Cy Lee"]
    r = cli("import", str(tmp_path / "refs.bib"), "--fetch")  # now whole in the catalog: not asked
    assert r.exit_code == 0, r.output
    assert asked == [["2301.00001"]]
