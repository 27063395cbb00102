"""efmcat.build and efmcat.edit: what mutation testing showed the suite let through (build
26 / 40, edit 38 / 40): the build's report and progress, the state of the file it leaves,
and the edges of what an edit accepts."""

from __future__ import annotations

import sqlite3

import pytest

from efmcat.build import build_catalog
from efmcat.edit import check_value


def test_a_build_reports_what_it_wrote(mini_seeds, tmp_path):
    out = tmp_path / "c.db"
    report = build_catalog(mini_seeds, out)
    assert (report.path, report.papers, report.tags, report.files, report.unverified) == (
        out,
        8,
        18,
        ["mini.yaml"],  # the file's name, not its source ("mini")
        1,
    )
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT count(*) FROM papers").fetchone()[0] == report.papers
        assert db.execute("SELECT count(*) FROM tags WHERE origin = 'curated'").fetchone()[0] == report.tags


def _many_seeds(tmp_path, n: int):
    seeds = tmp_path / "many"
    seeds.mkdir()
    rows = "".join(
        f"- id: '2401.{i:05d}'\n  title: 'Paper {i} on post-training quantization of LLMs'\n"
        f"  year: 2024\n  tags: [quantization]\n"
        for i in range(1, n + 1)
    )
    (seeds / "many.yaml").write_text(f"source: many\npapers:\n{rows}", encoding="utf-8")
    return seeds


@pytest.mark.parametrize(
    ("auto_tag", "calls"),
    [
        (True, [(100, 402), (200, 402), (201, 402), (402, 402)]),  # a step a paper written, then tagged
        (False, [(100, 201), (200, 201)]),
    ],
)
def test_a_build_reports_progress_every_hundred_papers_then_per_page_tagged(tmp_path, auto_tag, calls):
    seen = []
    report = build_catalog(
        _many_seeds(tmp_path, 201),
        tmp_path / "c.db",
        auto_tag=auto_tag,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen == calls
    assert (report.papers, report.tags, report.unverified) == (201, 201, 0)


def test_a_build_leaves_one_compact_file_and_no_stale_journal_beside_it(mini_seeds, tmp_path):
    """A -wal left beside the output by an earlier catalog of that name would be replayed
    into the fresh file on its first open: the build removes both. The file itself is
    vacuumed, in rollback-journal mode (one file to ship)."""
    out = tmp_path / "c.db"
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"c.db{suffix}").write_bytes(b"stale")
    build_catalog(mini_seeds, out)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("c.db")) == ["c.db"]
    with sqlite3.connect(out) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0


@pytest.mark.parametrize(("year", "ok"), [(1899, False), (1900, True), (2100, True), (2101, False)])
def test_an_edited_year_lies_between_1900_and_2100(year, ok):
    if ok:
        assert check_value("year", year) == year
    else:
        with pytest.raises(
            ValueError, match=f"year must be a year from 1900 to 2100, such as 2023, not '{year}'"
        ):
            check_value("year", year)


@pytest.mark.parametrize("name", ["url", "pdf_url"])
def test_an_edited_link_is_one_link_without_spaces(name):
    assert check_value(name, "https://example.org/paper.pdf") == "https://example.org/paper.pdf"
    with pytest.raises(ValueError) as exc:
        check_value(name, "https://example.org/a paper.pdf")
    assert str(exc.value) == (
        f"{name} must be a link starting with http:// or https://, not 'https://example.org/a paper.pdf'"
    )
