"""efmcat.quicksearch (the piped search's lean path) on its own: the default limit of 20,
a limit of one, bad years refused before any SQL, and the rows equal to the library's.
(Written for survivors of tools/mutate.py.)"""

from __future__ import annotations

import json

import pytest

from efmcat.errors import UsageError
from efmcat.searchsql import SEARCH_SCHEMA


@pytest.fixture
def many(mini_db, tmp_path):
    """mini_db with 25 more papers that all say 'zebrafish', the area map cached."""
    from efmcat import importer
    from efmcat.catalog import Catalog
    from efmcat.taxonomy import load_taxonomy

    path = tmp_path / "z.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": f"2401.{i:05d}",
                    "title": f"Zebrafish {' '.join(['zebrafish'] * i)} quantization study {i}",
                    "abstract": "We quantize zebrafish models.",
                    "categories": "cs.LG",
                    "versions": [{"version": "v1", "created": "Mon, 2 Apr 2023 19:18:42 GMT"}],
                }
            )
            + "\n"
            for i in range(1, 26)
        ),
        encoding="utf-8",
    )
    with Catalog(mini_db) as catalog:
        importer.import_files(catalog, [path])
    load_taxonomy()
    return mini_db


def test_the_default_limit_is_twenty(many):
    from efmcat.quicksearch import search_rows

    assert len(list(search_rows(str(many), "zebrafish"))) == 20
    assert len(list(search_rows(str(many), "zebrafish", limit=None))) == 25


def test_a_limit_of_one_gives_the_best_hit(many):
    from efmcat.quicksearch import search_rows

    best = list(search_rows(str(many), "zebrafish", limit=1))
    assert len(best) == 1
    assert best == list(search_rows(str(many), "zebrafish", limit=25))[:1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year": 10000}, "--year must be a year between 0 and 9999, not 10000"),
        ({"year": 2022, "since": 2021}, "use --year, or --since/--until, not both"),
        ({"limit": 0}, "--limit must be between 1 and 1000000000, not 0"),
    ],
)
def test_bad_years_and_limits_are_refused(many, kwargs, message):
    from efmcat.quicksearch import search_rows

    with pytest.raises(UsageError) as exc:
        search_rows(str(many), "zebrafish", **kwargs)
    assert str(exc.value) == message


def test_starred_only_when_asked(many, cli):
    from efmcat.quicksearch import search_rows

    cli("star", "2401.00007")
    assert [r["id"] for r in search_rows(str(many), "zebrafish", starred=True)] == ["2401.00007"]
    assert len(list(search_rows(str(many), "zebrafish", starred=False))) == 20


@pytest.fixture
def opened(monkeypatch):
    """The connections search_rows opens, each with a flag set when it is closed."""
    import sqlite3

    from efmcat import quicksearch

    conns: list = []
    real_connect = sqlite3.connect

    class Tracked(sqlite3.Connection):
        closed = False

        def close(self):
            self.closed = True
            super().close()

    def connect(*args, **kwargs):
        conn = real_connect(*args, factory=Tracked, **kwargs)
        conns.append(conn)
        return conn

    monkeypatch.setattr(quicksearch.sqlite3, "connect", connect)  # the sqlite3 module itself
    return conns


def test_connections_are_closed_on_every_way_out(many, tmp_path, opened):
    import sqlite3
    from contextlib import closing

    from efmcat.quicksearch import search_rows

    other, broken = tmp_path / "other.db", tmp_path / "broken.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("PRAGMA user_version = 99")
    with closing(sqlite3.connect(broken)) as conn:
        conn.execute(f"PRAGMA user_version = {SEARCH_SCHEMA}")  # the version, not the tables
    opened.clear()
    assert len(list(search_rows(str(many), "zebrafish"))) == 20  # read to the end
    rows = search_rows(str(many), "zebrafish")
    next(rows)
    rows.close()  # abandoned after one row (a closed pipe)
    assert search_rows(str(other), "zebrafish") is None  # another schema: the full path decides
    with pytest.raises(sqlite3.OperationalError):
        search_rows(str(broken), "zebrafish")
    assert [c.closed for c in opened] == [True, True, True, True]
