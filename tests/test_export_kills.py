"""efmcat.export: what mutation testing showed the suite let through (21 / 40 with every
export test run): the progress an export reports, a query's Markdown without the empty
core sections of a whole-catalog list, one source's own list, and a file that cannot be
written or a stdout without ``isatty``. (Two helpers that only tests used,
``source_sections`` and ``write_output``, left the module.)"""

from __future__ import annotations

import io
import sys
from itertools import pairwise

import pytest

from efmcat.catalog import Catalog
from efmcat.errors import EfmcatError
from efmcat.export import export_to, open_output
from efmcat.models import Paper

N = 2001  # past two of the progress steps of 1,000 papers


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "c.db"
    with Catalog(path) as cat, cat.transaction():
        for i in range(1, N + 1):
            pid = f"2401.{i:05d}"
            cat.upsert_paper(Paper(id=pid, title=f"Paper {i} on post-training quantization", year=2024))
            cat.set_tag(pid, "quantization", "curated", 1.0)
            if i <= 3:
                cat.add_source(pid, "mylist", f"README.md:{10 + i}", section="Quantization")
    return path


@pytest.fixture
def cat(many):
    with Catalog(many, create=False) as c:
        yield c


def test_an_export_reports_progress_every_thousand_papers_and_at_the_end(cat):
    seen = []
    n = export_to(cat, "jsonl", io.StringIO(), progress=lambda d, t: seen.append((d, t)))
    assert n == N
    assert seen == [(0, N), (1000, N), (2000, N), (N, N)]


def test_a_bibtex_export_counts_its_two_passes(cat):
    seen = []
    out = io.StringIO()
    assert export_to(cat, "bibtex", out, progress=lambda d, t: seen.append((d, t))) == N
    assert seen[:4] == [(0, 2 * N), (1000, 2 * N), (2000, 2 * N), (N, 2 * N)]  # pass 1: keys
    assert seen[-1] == (2 * N, 2 * N)  # pass 2: the entries, a page at a time
    assert all(a[0] <= b[0] for a, b in pairwise(seen))
    assert out.getvalue().startswith("@") and out.getvalue().endswith("}\n")


def test_the_progress_total_of_one_source_counts_its_papers(cat):
    seen = []
    out = io.StringIO()
    assert export_to(cat, "md", out, sources=["mylist"], progress=lambda d, t: seen.append((d, t))) == 3
    assert seen == [(0, 3), (3, 3)]
    # one source: its own list, under its own name and sections
    assert out.getvalue().startswith("# mylist: paper list\n")
    assert "\n## Quantization\n" in out.getvalue()


def test_a_querys_markdown_has_only_the_areas_it_found(cat):
    whole = io.StringIO()
    export_to(cat, "md", whole)
    assert "## Compiler\n\nNo papers in this area." in whole.getvalue()
    found = io.StringIO()
    assert export_to(cat, "md", found, query="paper 7 quantization") >= 1
    assert "## Compiler" not in found.getvalue() and "## Quantization" in found.getvalue()


def test_an_export_to_a_folder_that_does_not_exist_is_one_error(tmp_path):
    target = tmp_path / "missing" / "out.md"
    with pytest.raises(EfmcatError) as exc, open_output(target) as fh:
        fh.write("never")
    assert str(exc.value) == f"cannot write {target}: No such file or directory"
    assert not (tmp_path / "missing").exists()


def test_an_export_over_a_folder_is_one_error_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "exports" / "out.md"
    target.mkdir(parents=True)  # the whole file is written, then cannot replace a folder
    with pytest.raises(EfmcatError) as exc, open_output(target) as fh:
        fh.write("all of it")
    assert str(exc.value) == f"cannot write {target}: it is a directory"  # said before anything is written
    assert [p.name for p in target.parent.iterdir()] == ["out.md"]


def test_a_stdout_that_cannot_say_whether_it_is_a_terminal_is_written_plainly(monkeypatch):
    class Bare:  # no isatty: a wrapper some tools put in place of stdout
        def __init__(self) -> None:
            self.text = ""

        def write(self, text: str) -> int:
            self.text += text
            return len(text)

    bare = Bare()
    monkeypatch.setattr(sys, "stdout", bare)
    with open_output("-") as fh:
        fh.write("\x1b[31mred\x1b[0m\n")
    assert bare.text == "\x1b[31mred\x1b[0m\n"  # not a terminal: written as it is


@pytest.mark.parametrize("selection", [{"tags": ["quantization"]}, {"starred": True}])
def test_any_selection_leaves_the_empty_core_sections_out(tmp_path, selection):
    with Catalog(tmp_path / "c.db") as cat:
        with cat.transaction():
            cat.upsert_paper(Paper(id="2210.17323", title="GPTQ", year=2022))
            cat.set_tag("2210.17323", "quantization", "curated", 1.0)
            cat.set_starred(["2210.17323"])
        out = io.StringIO()
        assert export_to(cat, "md", out, **selection) == 1
    assert "## Compiler" not in out.getvalue() and "## Quantization" in out.getvalue()


def test_an_export_that_fails_half_way_leaves_no_file(tmp_path):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "list.md"
    with pytest.raises(RuntimeError), open_output(target) as fh:
        fh.write("half")
        raise RuntimeError("stopped")
    assert list((tmp_path / "out").iterdir()) == []
