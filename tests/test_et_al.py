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
        (["Ana Smith", "others", "Bo Wang"], ["Ana Smith", "Bo Wang"]),  # only last means more
        (["Alet Alba", "Ketal Roy"], ["Alet Alba", "Ketal Roy"]),  # "et al" inside words is a name
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
    assert "@misc{anon2023nobody," in bib


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
    r = cli("edit", "2301.00004", "--remove-author", "et al.")
    assert r.exit_code == 0, r.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2301.00004").authors == ["Ana Smith", "Bo Wang"]
