"""The shipped expert sets: what they hold and how the second and third were put together."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from efmcat.evaluate import load_labelled
from efmcat.taxonomy import load_taxonomy

DATA = Path(__file__).resolve().parent.parent / "data"


def _rows(name: str) -> list[dict]:
    return [
        json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.mark.parametrize("name", ["expert_labels.jsonl", "expert_labels_2.jsonl", "expert_labels_3.jsonl"])
def test_an_expert_set_is_150_papers_labelled_with_the_taxonomys_areas(name):
    papers = load_labelled(DATA / name)
    areas = {a.id for a in load_taxonomy().areas}
    assert len(papers) == len({p.id for p in papers}) == 150
    assert all(p.title and p.labels <= areas for p in papers)


def test_the_second_set_is_of_papers_nobody_tuned_on_and_not_in_the_first():
    first = {r["id"] for r in _rows("expert_labels.jsonl")}
    lists = {r["id"]: set(r["lists"]) for r in _rows("labels.jsonl")}
    second = _rows("expert_labels_2.jsonl")
    assert not first & {r["id"] for r in second}
    dev = _sampler().DEV_LISTS
    assert all(lists[r["id"]] and not lists[r["id"]] & dev for r in second)


def test_the_third_set_is_of_dev_list_papers_in_neither_earlier_set():
    earlier = {r["id"] for name in ("expert_labels.jsonl", "expert_labels_2.jsonl") for r in _rows(name)}
    lists = {r["id"]: set(r["lists"]) for r in _rows("labels.jsonl")}
    lists.update({r["id"]: set(r["lists"]) for r in _sampler().GONE})  # the table's, as drawn
    lists.update({pid: set(as_drawn) for pid, as_drawn in _sampler().AS_DRAWN.items()})
    third = _rows("expert_labels_3.jsonl")
    dev = _sampler().DEV_LISTS
    assert not earlier & {r["id"] for r in third}
    assert all(lists[r["id"]] & dev for r in third)


@pytest.mark.parametrize(
    ("name", "adjudicated"), [("expert_labels_2.jsonl", 12), ("expert_labels_3.jsonl", 12)]
)
def test_a_blind_sets_labels_are_the_judges_agreement_or_the_adjudication(name, adjudicated):
    rows = _rows(name)
    for r in rows:
        if r["judge_a"] == r["judge_b"]:
            assert r["labels"] == r["judge_a"] and "adjudicated" not in r
        else:
            assert r["adjudicated"]  # a reason for each paper the judges differed on
    assert sum("adjudicated" in r for r in rows) == adjudicated


def _sampler():
    path = DATA.parent / "tools" / "expert_sample.py"
    spec = importlib.util.spec_from_file_location("expert_sample", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("round_", "name"),
    [(1, "expert_labels.jsonl"), (2, "expert_labels_2.jsonl"), (3, "expert_labels_3.jsonl")],
)
def test_the_sampling_tool_draws_each_sets_papers(round_, name):
    """tools/expert_sample.py, run on the committed labels table, gives each set's papers
    (the second and third in the order they were judged in)."""
    drawn = [r["id"] for r in _sampler().sample(round_=round_)]
    judged = [r["id"] for r in _rows(name)]
    assert drawn == judged if round_ > 1 else sorted(drawn) == sorted(judged)


def test_the_sampling_tool_knows_three_rounds():
    with pytest.raises(ValueError, match="no round 4"):
        _sampler().sample(round_=4)


def test_the_sampling_tool_stops_quietly_when_its_reader_does():
    """`expert_sample.py --show | head`: no BrokenPipeError traceback."""
    import subprocess
    import sys

    tool = DATA.parent / "tools" / "expert_sample.py"
    proc = subprocess.Popen(
        [sys.executable, str(tool), "--show"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout.readline().startswith(b"## ")
    proc.stdout.close()  # as head does after its lines
    err = proc.stderr.read()
    assert (proc.wait(timeout=60), err) == (0, b"")
