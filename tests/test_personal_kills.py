"""efmcat.personal from Python: what mutation testing showed the CLI tests let through (32 /
40). The CLI always passes every argument, so the library's defaults and the choice of link
for a paper with several went untested."""

from __future__ import annotations

import pytest

from efmcat.catalog import Catalog
from efmcat.errors import EfmcatError
from efmcat.models import Paper
from efmcat.personal import open_paper, paper_link, set_note, set_starred


@pytest.fixture
def cat(tmp_path):
    with Catalog(tmp_path / "c.db") as c:
        with c.transaction():
            c.upsert_paper(Paper(id="2210.17323", title="GPTQ"))
        yield c


def test_a_note_is_replaced_unless_appended_to(cat):
    set_note(cat, "2210.17323", "first")
    assert set_note(cat, "2210.17323", "second").note == "second"
    assert set_note(cat, "2210.17323", "third", append=True).note == "second\n\nthird"
    # appending nothing (an editor closed without typing) wiped the note
    for nothing in ("", "  \n", None):
        assert set_note(cat, "2210.17323", nothing, append=True).note == "second\n\nthird"
    assert set_note(cat, "2210.17323", "").note is None  # replacing with nothing clears it


def test_set_starred_stars_by_default(cat):
    assert set_starred(cat, ["2210.17323"]) == ["2210.17323"]
    assert cat.get_paper("2210.17323").starred
    set_starred(cat, ["2210.17323"], False)
    assert not cat.get_paper("2210.17323").starred


@pytest.mark.parametrize(
    ("paper", "page", "pdf"),
    [
        (
            Paper(id="2210.17323", title="t"),
            "https://arxiv.org/abs/2210.17323",
            "https://arxiv.org/pdf/2210.17323",
        ),
        (  # the stored links come first
            Paper(
                id="2210.17323", title="t", url="https://example.org/p", pdf_url="https://example.org/p.pdf"
            ),
            "https://example.org/p",
            "https://example.org/p.pdf",
        ),
        (  # a paper without an arXiv id: its page, else its DOI
            Paper(id="doi:10.1145/1", title="t", url="https://example.org/p", doi="10.1145/1"),
            "https://example.org/p",
            None,
        ),
        (Paper(id="doi:10.1145/1", title="t", doi="10.1145/1"), "https://doi.org/10.1145/1", None),
    ],
)
def test_a_papers_link_is_its_page_or_pdf(paper, page, pdf):
    assert paper_link(paper) == page
    if pdf is None:
        with pytest.raises(EfmcatError, match="has no PDF link; open its page without --pdf") as exc:
            paper_link(paper, pdf=True)
        assert exc.value.exit_code == 1  # as a paper with no link at all
    else:
        assert paper_link(paper, pdf=True) == pdf


def test_a_paper_with_no_link_says_so():
    with pytest.raises(EfmcatError) as exc:
        paper_link(Paper(id="title:a-paper", title="A paper"))
    assert str(exc.value) == "title:a-paper has no link to open"
    assert exc.value.exit_code == 1  # what the catalog lacks, not a misused command


def test_open_paper_opens_the_page_in_the_browser_by_default(cat, monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda link: opened.append(link) or True)
    assert open_paper(cat, "2210.17323") == "https://arxiv.org/abs/2210.17323"
    assert opened == ["https://arxiv.org/abs/2210.17323"]
    assert open_paper(cat, "2210.17323", browse=False) == "https://arxiv.org/abs/2210.17323"
    assert len(opened) == 1
