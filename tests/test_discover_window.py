"""discover.search_window with a stub client: how it pages a window (what a mutation run of
the loop showed the end-to-end tests let through: the retry count of empty pages, where
the paging stops, repeats across pages, the window's edges)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from efmcat.discover import EMPTY_PAGE_RETRIES, search_window
from efmcat.models import Paper

UNTIL = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
SINCE = UNTIL - timedelta(days=3)


@dataclass
class Page:
    papers: list[Paper]
    total: int


class Stub:
    """Answers pages of ``papers`` (newest first) by their start; ``empties[start]`` empty
    answers come first at that start, as arXiv sends them now and then."""

    def __init__(self, papers: list[Paper], empties: dict[int, int] | None = None) -> None:
        self.papers, self.empties, self.asked = papers, dict(empties or {}), []

    def search(self, query, *, start, max_results, sort_by, sort_order) -> Page:
        self.asked.append(start)
        if self.empties.get(start):
            self.empties[start] -= 1
            return Page([], len(self.papers))
        return Page(self.papers[start : start + max_results], len(self.papers))


def p(n: int, before_until: timedelta | None) -> Paper:
    when = None if before_until is None else (UNTIL - before_until).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Paper(id=f"2611.{n:05d}", title=f"Paper {n}", published=when)


def window(stub: Stub, page_size: int = 2):
    got = search_window(stub, "cat:cs.LG", SINCE, UNTIL, page_size=page_size, max_pages=10)
    return [x.id for x in got.papers], got.complete, got.empty_at


def test_an_empty_page_is_asked_again_twice_at_each_start_then_the_run_is_incomplete():
    six = [p(i, timedelta(hours=i)) for i in range(1, 7)]
    assert EMPTY_PAGE_RETRIES == 2
    stub = Stub(six, {2: 2, 4: 2})  # twice at two starts: each start has its own retries
    assert window(stub) == ([x.id for x in six], True, None)
    assert stub.asked == [0, 2, 2, 2, 4, 4, 4]
    stub = Stub(six, {2: 3})
    assert window(stub) == ([x.id for x in six[:2]], False, 2)
    assert stub.asked == [0, 2, 2, 2]


def test_paging_stops_at_the_page_that_reaches_back_before_the_window():
    # page 2 holds a paper in the window and one before it: the next page is not asked for
    papers = [p(1, timedelta(days=1)), p(2, timedelta(days=2)), p(3, timedelta(days=2.5)),
              p(4, timedelta(days=4)), p(5, timedelta(days=5)), p(6, timedelta(days=6))]  # fmt: skip
    stub = Stub(papers)
    assert window(stub) == (["2611.00001", "2611.00002", "2611.00003"], True, None)
    assert stub.asked == [0, 2]


def test_a_page_ending_on_the_windows_first_second_is_not_the_last():
    papers = [
        p(1, timedelta(days=1)),
        p(2, timedelta(days=3)),
        p(3, timedelta(days=3)),
        p(4, timedelta(days=4)),
    ]
    stub = Stub(papers)  # papers 2 and 3 were submitted in the window's first second
    assert window(stub) == (["2611.00001", "2611.00002", "2611.00003"], True, None)
    assert stub.asked == [0, 2]


def test_a_paper_is_kept_once_and_only_inside_the_window():
    papers = [
        p(9, timedelta(hours=-1)),  # after the window: skipped, the rest of the page still read
        p(1, timedelta(0)),  # on its last second: kept
        p(3, timedelta(days=1)),
        p(3, timedelta(days=1)),  # served again on the next page (new submissions shift the pages)
        p(2, None),  # no date: skipped
        p(4, timedelta(days=5)),
    ]
    stub = Stub(papers)
    assert window(stub, page_size=3) == (["2611.00001", "2611.00003"], True, None)
    assert stub.asked == [0, 3]


def test_empty_pages_at_the_first_start_are_asked_again_as_well():
    two = [p(1, timedelta(hours=1)), p(2, timedelta(hours=2))]
    stub = Stub(two, {0: 2})
    assert window(stub) == (["2611.00001", "2611.00002"], True, None)
    assert stub.asked == [0, 0, 0]


def test_a_feed_file_or_stdin_is_read_no_further_than_an_arxiv_answer_may_be(cli, tmp_path, monkeypatch):
    """--feed /dev/zero was read until the kernel killed efmcat (no Error line)."""
    import efmcat.arxiv

    monkeypatch.setattr(efmcat.arxiv, "MAX_BODY_BYTES", 1000)
    big = tmp_path / "big.xml"
    big.write_text("<rss>" + " " * 2000 + "</rss>", encoding="utf-8")
    r = cli("discover", "--feed", str(big))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: cannot read feed {big}: larger than 0 MB (an arXiv feed is well under 1 MB)\n",
    )
    r = cli("discover", "--feed", "-", input=big.read_text())
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: cannot read feed stdin: larger than 0 MB (an arXiv feed is well under 1 MB)\n",
    )
