"""Terminal layout at a given width: tables wrap between areas, `show` wraps its abstract
to the terminal and names each source file once."""

from __future__ import annotations

import pytest

from efmcat.catalog import Catalog
from efmcat.models import Paper

ABSTRACT = " ".join(f"word{i:02d} with-hyphenated-term" for i in range(40))
TITLE = "Grouped Key-Value Caches for Long Sequences: A Study of Memory Attention and Quantization"


@pytest.fixture
def layout_db(tmp_path, monkeypatch):
    """One paper in four areas, with a long abstract, listed at several lines of two files."""
    path = tmp_path / "layout.db"
    with Catalog(path) as catalog, catalog.transaction():
        catalog.upsert_paper(Paper(id="2401.00001", title=TITLE, year=2024, abstract=ABSTRACT))
        for node in ("sparsification", "attention", "memory", "quantization"):
            catalog.set_tag("2401.00001", node, "curated", 1.0)
        rows = [("README.md:17", "Pruning"), ("README.md:3", "Quantization"), ("README.md:40", "Quantization"),
                ("other.md:5", None), ("README.md:9", "Quantization")]  # fmt: skip
        for locator, section in rows:
            catalog.add_source("2401.00001", "mylist", f"me/list@abc123:{locator}", section=section)
        catalog.add_source("2401.00001", "survey", "line 12", section="Model Design / Quantization")
    monkeypatch.setenv("EFMCAT_DB", str(path))
    return path


@pytest.mark.parametrize("command", [["search", "caches"], ["list"]])
def test_tables_wrap_areas_between_words_at_60_columns(cli, layout_db, monkeypatch, command):
    monkeypatch.setattr("efmcat.cli.catalog_cmds.stdout_is_terminal", lambda: True)
    r = cli(*command, env={"COLUMNS": "60"})
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 60
    title_at, areas_at = lines[0].index("Title"), lines[0].index("Areas")
    areas = [line[areas_at:].strip() for line in lines[2:]]
    assert " ".join(areas).split() == ["sparsification,", "quantization,", "attention,", "memory"]
    # every title word whole: the title column wraps between words
    title = " ".join(line[title_at:areas_at] for line in lines[2:]).split()
    assert title == TITLE.split()


def test_pipes_keep_areas_comma_separated(cli, layout_db):
    r = cli("list")
    assert r.stdout == f"2401.00001\t2024\t{TITLE}\tsparsification,quantization,attention,memory\n"


@pytest.mark.parametrize("columns", [40, 60, 120])
def test_show_wraps_the_abstract_to_the_terminal_width(cli, layout_db, columns):
    r = cli("show", "2401.00001", env={"COLUMNS": str(columns)})
    assert r.exit_code == 0, r.stderr
    abstract = r.stdout.split("\n\n")[-1].splitlines()
    assert " ".join(abstract) == ABSTRACT
    assert max(len(line) for line in abstract) <= columns
    assert max(len(line) for line in abstract) > columns - len("with-hyphenated-term") - 2  # uses the width


def test_show_in_a_pipe_wraps_at_88(cli, layout_db, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    r = cli("show", "2401.00001")
    abstract = r.stdout.split("\n\n")[-1].splitlines()
    assert 80 < max(len(line) for line in abstract) <= 88


def test_show_names_each_source_file_once(cli, layout_db):
    r = cli("show", "2401.00001")
    listed = [line for line in r.stdout.splitlines() if line.startswith(("Listed in:", " " * 13))]
    assert listed == [
        "Listed in:   mylist me/list@abc123:README.md: Quantization (lines 3, 9, 40); Pruning (line 17)",
        "             mylist me/list@abc123:other.md (line 5)",  # no section: no colon before the line
        "             survey: Model Design / Quantization (line 12)",
    ]
