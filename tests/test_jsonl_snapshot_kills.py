"""efmcat.formats.jsonl_snapshot at its edges: the years of old-style ids without a date,
the plain path's year bounds, authors_parsed with short lists, and line numbers.
(Written for survivors of tools/mutate.py.)"""

from __future__ import annotations

import json

import pytest

from efmcat.errors import ParseError
from efmcat.formats.jsonl_snapshot import _plain_paper, iter_snapshot, record_to_paper


@pytest.mark.parametrize(
    ("pid", "year"),
    [("hep-th/9101001", 1991), ("hep-th/9201001", 1992), ("hep-th/0101001", 2001), ("2401.00001", 2024)],
)
def test_the_year_of_an_undated_record_comes_from_its_id(pid, year):
    paper = record_to_paper({"id": pid, "title": "T"}, "s.jsonl:1", "s.jsonl")
    assert paper.year == year


@pytest.mark.parametrize("y", [1900, 2100])
def test_the_plain_path_takes_the_first_and_last_year(y):
    rec = {
        "id": "1501.00001",
        "title": "T",
        "categories": "cs.LG",
        "authors_parsed": [["Wang", "Ana", ""]],
        "versions": [{"version": "v1", "created": f"Mon, 2 Apr {y} 19:18:42 GMT"}],
    }
    fast = _plain_paper(rec, "s.jsonl")
    assert fast is not None and fast.year == y
    assert fast == record_to_paper(rec, "s.jsonl:1", "s.jsonl")


@pytest.mark.parametrize(
    ("parsed", "authors"),
    [
        ([["Wang"]], ["Wang"]),
        ([["Wang", "Ana"]], ["Ana Wang"]),
        ([["Wang", "", "Jr."]], ["Wang Jr."]),
        ([["Wang", "Ana", "Jr."], ["", "", ""]], ["Ana Wang Jr."]),
        ([[]], []),
    ],
)
def test_authors_parsed_of_any_length(parsed, authors):
    rec = {"id": "2401.00001", "title": "T", "authors_parsed": parsed}
    assert record_to_paper(rec, "s.jsonl:1", "s.jsonl").authors == authors


def test_a_record_with_no_versions_takes_the_general_path():
    rec = {
        "id": "2401.00001",
        "title": "T",
        "categories": "cs.LG",
        "authors_parsed": [["W", "A", ""]],
        "versions": [],
    }
    assert _plain_paper(rec, "s.jsonl") is None
    assert record_to_paper(rec, "s.jsonl:1", "s.jsonl").year == 2024


def test_line_numbers_count_blank_lines(tmp_path):
    path = tmp_path / "s.jsonl"
    rec = {"id": "2401.00001", "title": "T"}
    path.write_text(
        json.dumps(rec) + "\n\n" + json.dumps({**rec, "id": "2401.00002"}) + "\n[1]\n", encoding="utf-8"
    )
    got = []
    with pytest.raises(ParseError) as exc:
        for e in iter_snapshot(path):
            got.append((e.line, e.paper.id))
    assert got == [(1, "2401.00001"), (3, "2401.00002")]
    assert str(exc.value) == f"{path}:4: not a JSON object"
