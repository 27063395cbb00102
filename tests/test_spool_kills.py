"""efmcat.spool beyond "workers give what one process gives": which path parses a file, the
progress ticks, the taxonomy the workers filter tags with, and the spool closed on a bad file.
(Written for survivors of tools/mutate.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from efmcat import spool
from efmcat.errors import ParseError
from efmcat.taxonomy import load_taxonomy


def _write(path: Path, n: int) -> None:
    recs = [
        {
            "id": f"2401.{i:05d}",
            "title": f"Paper {i}",
            "categories": "cs.LG",
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
            "authors_parsed": [["Wang", "Ana", ""]],
        }
        for i in range(1, n + 1)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")


@pytest.fixture
def parallel_calls(monkeypatch) -> list[int]:
    """The worker counts _parse_in_workers was called with (it still does the work)."""
    calls: list[int] = []
    real = spool._parse_in_workers

    def spy(path, taxonomy, s, workers, tick):
        calls.append(workers)
        return real(path, taxonomy, s, workers, tick)

    monkeypatch.setattr(spool, "_parse_in_workers", spy)
    monkeypatch.setattr(spool, "CHUNK", 10)
    return calls


@pytest.mark.parametrize(
    ("kwargs", "parallel_bytes", "expected"),
    [
        ({"workers": 2}, 0, [2]),  # big enough, workers asked for: worker processes
        ({"workers": 3}, 10**9, []),  # below PARALLEL_BYTES: this process
        ({"workers": 1}, 0, []),  # one worker: this process
        ({}, 0, []),  # the default is one worker
    ],
)
def test_only_a_big_file_with_workers_is_parsed_by_workers(
    tmp_path, monkeypatch, parallel_calls, kwargs, parallel_bytes, expected
):
    monkeypatch.setattr(spool, "PARALLEL_BYTES", parallel_bytes)
    path = tmp_path / "s.jsonl"
    _write(path, 25)
    s = spool.spool_jsonl(path, **kwargs)
    try:
        assert [e.paper.id for e in s.entries()] == [f"2401.{i:05d}" for i in range(1, 26)]
    finally:
        s.close()
    assert parallel_calls == expected


@pytest.mark.parametrize("workers", [1, 2])
def test_tick_is_called_once_per_chunk(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(spool, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(spool, "CHUNK", 10)
    path = tmp_path / "s.jsonl"
    _write(path, 35)
    ticks: list[int] = []
    s = spool.spool_jsonl(path, workers=workers, tick=lambda: ticks.append(1))
    s.close()
    # one process: after entries 10, 20, 30; workers: after each of the 4 chunks (10+10+10+5)
    assert len(ticks) == (3 if workers == 1 else 4)


def test_workers_filter_tags_with_the_taxonomy(tmp_path, monkeypatch):
    monkeypatch.setattr(spool, "PARALLEL_BYTES", 0)
    path = tmp_path / "own.jsonl"
    rec = {
        "id": "2401.00001",
        "arxiv_id": "2401.00001",
        "title": "T",
        "tags": ["weight-only-ptq", "no-such-node"],
    }
    path.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    for workers in (1, 2):  # an unknown node is refused by line, as the seeds YAML does
        with pytest.raises(ParseError, match=r"own.jsonl:1: unknown taxonomy node 'no-such-node'"):
            spool.spool_jsonl(path, load_taxonomy(), workers=workers).close()
    rec["tags"] = ["weight-only-ptq"]
    path.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    for workers in (1, 2):
        s = spool.spool_jsonl(path, load_taxonomy(), workers=workers)
        try:
            assert [e.tags for e in s.entries()] == [["weight-only-ptq"]]
        finally:
            s.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_bad_file_closes_its_spool(tmp_path, monkeypatch, workers):
    monkeypatch.setattr(spool, "PARALLEL_BYTES", 0)
    closed: list[bool] = []
    real_close = spool.Spool.close

    def close(self):
        closed.append(True)
        real_close(self)

    monkeypatch.setattr(spool.Spool, "close", close)
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "2401.00001", "title": "T"}\n{not json\n', encoding="utf-8")
    with pytest.raises(ParseError, match=r"s\.jsonl:2: not a JSON object"):
        spool.spool_jsonl(path, workers=workers)
    assert closed == [True]


def test_a_spool_gives_back_what_was_added_across_chunks(monkeypatch):
    from efmcat.entries import Entry
    from efmcat.models import Paper

    monkeypatch.setattr(spool, "CHUNK", 3)
    s = spool.Spool()
    try:
        added = [Entry(Paper(id=f"2401.{i:05d}", title=f"P{i}"), i, section=str(i)) for i in range(7)]
        for e in added:
            s.add(e)
        assert s.count == 7
        assert list(s.entries()) == added
        assert list(s.entries()) == added  # read again from the start
    finally:
        s.close()
