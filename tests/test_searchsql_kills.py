"""efmcat.searchsql's checks and filters, exactly: the messages a user reads, the WHERE
conditions and arguments each filter gives, and where a limit is applied (the SQL or
first(), never both, never neither). (Written for survivors of tools/mutate.py.)"""

from __future__ import annotations

import pytest

from efmcat import searchsql
from efmcat.errors import UsageError


@pytest.mark.parametrize("limit", [None, 1, searchsql.MAX_LIMIT])
def test_limits_in_range_pass(limit):
    searchsql.check_limit(limit)


@pytest.mark.parametrize("limit", [0, -3, searchsql.MAX_LIMIT + 1])
def test_limits_out_of_range_are_refused(limit):
    with pytest.raises(UsageError) as exc:
        searchsql.check_limit(limit)
    assert str(exc.value) == f"--limit must be between 1 and 1000000000, not {limit}"


@pytest.mark.parametrize(
    ("year", "since", "until"),
    [
        (None, None, None),
        (0, None, None),
        (9999, None, None),
        (None, 2020, 2020),
        (None, 2020, None),
        (None, None, 1),
    ],
)
def test_years_in_range_pass(year, since, until):
    searchsql.check_years(year, since, until)


@pytest.mark.parametrize(
    ("year", "since", "until", "message"),
    [
        (10000, None, None, "--year must be a year between 0 and 9999, not 10000"),
        (-1, None, None, "--year must be a year between 0 and 9999, not -1"),
        (None, 10000, None, "--since must be a year between 0 and 9999, not 10000"),
        (None, None, 10000, "--until must be a year between 0 and 9999, not 10000"),
        (2022, 2021, None, "use --year, or --since/--until, not both"),
        (2022, None, 2023, "use --year, or --since/--until, not both"),
        (None, 2024, 2023, "--since 2024 is after --until 2023"),
    ],
)
def test_years_out_of_range_or_mixed_are_refused(year, since, until, message):
    with pytest.raises(UsageError) as exc:
        searchsql.check_years(year, since, until)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("kwargs", "where", "args"),
    [
        ({}, [], []),
        ({"starred": False}, [], []),
        ({"starred": True}, ["p.starred = 1"], []),
        (
            {"sources": ["a", "b"]},
            ["p.id IN (SELECT paper_id FROM sources WHERE source IN (?,?))"],
            ["a", "b"],
        ),
        (
            {"section": "Q_1%"},
            ["p.id IN (SELECT paper_id FROM sources WHERE section LIKE ? ESCAPE '\\')"],
            ["%Q\\_1\\%%"],
        ),
        (
            {"sources": ["a"], "section": "Q"},
            ["p.id IN (SELECT paper_id FROM sources WHERE source IN (?) AND section LIKE ? ESCAPE '\\')"],
            ["a", "%Q%"],
        ),
        ({"kinds": ("paper", "repo")}, ["p.kind IN (?,?)"], ["paper", "repo"]),
        ({"status": "unread"}, ["(p.status IS NULL OR p.status <> 'read')"], []),
        ({"status": "reading"}, ["p.status = ?"], ["reading"]),
        (
            {"nodes": ["a", "b"]},
            ["p.id IN (SELECT paper_id FROM tags WHERE removed = 0 AND node IN (?,?))"],
            ["a", "b"],
        ),
        ({"year": 2022}, ["p.year = ?"], [2022]),
        ({"year": 0}, ["p.year = ?"], [0]),
        ({"since": 2021, "until": 2023}, ["p.year >= ?", "p.year <= ?"], [2021, 2023]),
        ({"until": 0}, ["p.year <= ?"], [0]),
        ({"author": " Dettmers "}, [searchsql.AUTHOR_SQL], [" dettmers "]),
        ({"author": 'Daniel Y. Fu-Li "'}, [searchsql.AUTHOR_SQL], [" daniel y fu li "]),
        ({"author": "J.R.R. Tol_kien"}, [searchsql.AUTHOR_SQL], [" jrr tol_kien "]),
        ({"author": None}, [], []),
    ],
)
def test_filter_clauses_exactly(kwargs, where, args):
    assert searchsql.filter_clauses(**kwargs) == (where, args)


@pytest.mark.parametrize("section", ["", "   "])
def test_an_empty_section_is_an_error_not_every_paper(section):
    with pytest.raises(UsageError) as exc:
        searchsql.filter_clauses(section=section)
    assert str(exc.value) == f"--section needs some text of a heading, not '{section}'"


def test_a_section_longer_than_a_heading_is_a_usage_error_not_sqlites(cli, mini_db):
    """120,000 characters gave "catalog error: LIKE or GLOB pattern too complex" (exit 1)."""
    assert len("x" * searchsql.MAX_SECTION) == 1000
    searchsql.filter_clauses(section="x" * searchsql.MAX_SECTION)  # a long heading is fine
    for args in (["list"], ["search", "quantization"]):
        r = cli(*args, "--section", "x" * 1001)
        assert (r.exit_code, r.stderr) == (
            2,
            "Error: --section is some text of a heading: at most 1000 characters, not 1001\n",
        )


def test_an_empty_author_is_an_error_not_every_paper():
    with pytest.raises(UsageError, match=r"^--author needs a name, not ''$"):
        searchsql.filter_clauses(author="")


def test_number_params_names_each_positional_mark_in_order():
    assert searchsql.number_params("a = ? AND b IN (?,?) AND c = :all", 3) == (
        "a = :f0 AND b IN (:f1,:f2) AND c = :all"
    )


def test_ranking_passes_the_filters_arguments_by_name():
    where, args = searchsql.filter_clauses(year=2022, author="Wang")
    sql, params = searchsql.ranking("sparse attention", where, args, 5)
    assert (params["f0"], params["f1"], params["limit"]) == (2022, " wang ", 5)
    assert "p.year = :f0" in sql and "'.', '') || ' ', :f1) > 0" in sql and "?" not in sql
    assert sql.endswith(" LIMIT :limit")


@pytest.mark.parametrize("limit", [None, 1, 3, 4, 9])
def test_a_limit_is_applied_once_by_the_sql_or_by_first(monkeypatch, limit):
    monkeypatch.setattr(searchsql, "SQL_LIMIT", 3)
    params: dict[str, object] = {}
    clause = searchsql.limit_clause(limit, params)
    in_sql = limit is not None and limit <= 3
    assert clause == (" LIMIT :limit" if in_sql else "")
    assert params == ({"limit": limit} if in_sql else {})
    rows = list(range(20))[:limit] if in_sql else list(range(20))  # what the SQL gives back
    assert list(searchsql.first(iter(rows), limit)) == list(range(20))[:limit]
