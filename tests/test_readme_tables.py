"""The README's accuracy tables are what `efmcat eval` prints today, row for row.

Slow (the leave-one-list-out table trains nine models): `.ci/run` runs it with `-m slow -n 0`. The
per-list and some-lists tables of `--lolo` train as many models again each: they are left
out, to keep CI under five minutes; compare them by hand when the tagger changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "args",
    [
        ["--lolo"],
        ["--expert"],
        ["--expert", "data/expert_labels_2.jsonl"],
        ["--expert", "data/expert_labels_3.jsonl"],
        ["--agreement"],
        ["--subtopics"],
        [],
    ],
    ids=lambda a: " ".join(a) or "plain",
)  # fmt: skip
def test_every_row_of_an_accuracy_table_is_in_the_readme(cli, args, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)  # data/expert_labels_2.jsonl
    r = cli("eval", *args, "--markdown")
    assert r.exit_code == 0, r.stderr
    missing = [row for row in r.stdout.splitlines() if row not in README.splitlines()]
    assert missing == []
