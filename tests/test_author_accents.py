"""--author ignores case and diacritics both ways (Re is Ré, Muller is Müller, Lukasz is
Łukasz, Assenmacher is Aßenmacher), as full-text search does, and still matches whole words
of one author's name (searchsql.AUTHOR_SQL, searchsql.fold)."""

from __future__ import annotations

import io
import os
import sqlite3
import sys

import pytest

from efmcat import fastpath, searchsql
from efmcat.catalog import Catalog
from efmcat.models import Paper

FLASH = "2205.14135"  # stores "Christopher Ré"
DEJAVU = "2310.17157"  # stores "Christopher Re"
ACCENTED = "2401.00001"  # Łukasz, Aßenmacher, Søren, Müller, Ñúñez, Dupré
PLAIN = "2401.00002"  # the same names without their marks
APART = "2401.00003"  # "... Tri", "Đào ...": two authors, not Tri Dao


@pytest.fixture
def papers():
    with Catalog(os.environ["EFMCAT_DB"]) as cat:
        for pid, title, authors in [
            (FLASH, "FlashAttention: fast exact attention", ["Tri Dao", "Daniel Y. Fu", "Christopher Ré"]),
            (DEJAVU, "Deja Vu: contextual sparsity of attention heads", ["Zichang Liu", "Christopher Re"]),
            (
                ACCENTED,
                "Sparse attention kernels",
                [
                    "Łukasz Kaiser",
                    "Matthias Aßenmacher",
                    "Søren Hauberg",
                    "Jürgen Müller",
                    "José Ñúñez",
                    "Renée Dupré",
                ],
            ),
            (
                PLAIN,
                "Attention sinks",
                ["Lukasz Kaiser", "Matthias Assenmacher", "Soren Hauberg", "Jurgen Muller", "Jose Nunez"],
            ),
            (APART, "Linear attention", ["Minh Tri", "Đào Wu"]),
        ]:
            cat.upsert_paper(Paper(id=pid, title=title, authors=authors, year=2023))


def _ids(text: str) -> list[str]:
    return sorted(line.split("\t")[0] for line in text.splitlines() if line.strip())


def _listed(cli, name: str) -> list[str]:
    r = cli("list", "--author", name)
    assert r.exit_code == 0, r.stderr
    return _ids(r.stdout)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Christopher Re", [FLASH, DEJAVU]),  # was Deja Vu alone
        ("Christopher Ré", [FLASH, DEJAVU]),  # was FlashAttention alone
        ("CHRISTOPHER RÉ", [FLASH, DEJAVU]),
        ("christopher re\u0301", [FLASH, DEJAVU]),  # the accent typed as a combining mark
        ("Muller", [ACCENTED, PLAIN]),
        ("MÜLLER", [ACCENTED, PLAIN]),
        ("Jose Nunez", [ACCENTED, PLAIN]),
        ("josé ñúñez", [ACCENTED, PLAIN]),
        ("Lukasz Kaiser", [ACCENTED, PLAIN]),  # ł, ø and ß have no combining mark to drop
        ("ŁUKASZ", [ACCENTED, PLAIN]),
        ("Soren Hauberg", [ACCENTED, PLAIN]),
        ("Søren", [ACCENTED, PLAIN]),
        ("Assenmacher", [ACCENTED, PLAIN]),
        ("Aßenmacher", [ACCENTED, PLAIN]),
        ("Renee Dupre", [ACCENTED]),
    ],
)
def test_list_author_ignores_accents_and_case_both_ways(cli, papers, name, expected):
    assert _listed(cli, name) == expected


def test_folding_keeps_whole_words_of_one_authors_name(cli, papers):
    assert _listed(cli, "Tri Đào") == [FLASH]  # not Minh Tri, Đào Wu
    assert _listed(cli, "tri dao") == [FLASH]
    assert _listed(cli, "Dao Wu") == [APART]
    assert _listed(cli, "Liu Christopher") == []  # two authors of Deja Vu
    assert _listed(cli, "Re") == [FLASH, DEJAVU]  # not Renée
    assert _listed(cli, "Mull") == []
    assert _listed(cli, "Asenmacher") == []  # ß is two letters


def test_search_author_ignores_accents(cli, papers):
    for name in ("Christopher Re", "Christopher Ré"):
        r = cli("search", "attention", "--author", name)
        assert r.exit_code == 0, r.stderr
        assert sorted(line.split("\t")[1] for line in r.stdout.splitlines()) == [FLASH, DEJAVU], name


@pytest.mark.parametrize("name", ["Christopher Re", "christopher ré", "Muller", "Łukasz"])
def test_piped_fast_path_ignores_accents_as_the_cli_does(cli, papers, monkeypatch, name):
    from efmcat.quicksearch import search_rows

    cli("taxonomy")  # caches the area map the lean path needs
    lean = search_rows(os.environ["EFMCAT_DB"], "attention", author=name)
    assert lean is not None  # the lean path itself answered, on its own connection
    expected = [FLASH, DEJAVU] if "christopher" in name.lower() else [ACCENTED, PLAIN]
    assert sorted(r["id"] for r in lean) == expected
    full = cli("search", "attention", "--author", name)
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert fastpath.try_search(["attention", "--author", name]) == 0
    assert (out.getvalue(), err.getvalue()) == (full.stdout, full.stderr)
    assert sorted(line.split("\t")[1] for line in out.getvalue().splitlines()) == expected


def test_efmcat_connections_fold_and_a_bare_connection_still_runs_the_sql(papers):
    """AUTHOR_SQL is plain SQL: any connection runs it (accent-sensitive, SQLite's lower());
    the catalog's connection folds."""
    where, args = searchsql.filter_clauses(author="Christopher Re")
    sql = f"SELECT p.id FROM papers p WHERE {' AND '.join(where)} ORDER BY p.id"
    conn = sqlite3.connect(os.environ["EFMCAT_DB"])
    try:
        assert [r[0] for r in conn.execute(sql, args)] == [DEJAVU]
    finally:
        conn.close()
    with Catalog(os.environ["EFMCAT_DB"]) as cat:
        assert [r[0] for r in cat.conn.execute(sql, args)] == [FLASH, DEJAVU]
