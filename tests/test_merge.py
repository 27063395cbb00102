"""efmcat.merge: a record without an arXiv id becomes part of its arXiv paper (check --fix,
imports, add). Library level: every piece of the record and of the user's data."""

from __future__ import annotations

import pytest

from efmcat.catalog import Catalog
from efmcat.merge import absorb_title_twins, merge_papers, merge_target
from efmcat.models import Paper

TITLE = "Layer-Condensed KV Cache for Efficient Inference of Large Language Models"
PAGE = "https://example.org/lckv.pdf"


@pytest.fixture
def cat(tmp_path):
    with Catalog(tmp_path / "c.db") as c:
        with c.transaction():
            c.upsert_paper(Paper(id="2405.10637", title=TITLE, year=2024))
            c.upsert_paper(
                Paper(
                    id="url:example.org/lckv.pdf",
                    title=TITLE.lower(),
                    url=PAGE,
                    authors=["Haoyi Wu", "Kewei Tu"],
                    doi="10.18653/v1/2024.acl-long.602",
                    venue="ACL 2024",
                    year=2024,
                )
            )
            old = "url:example.org/lckv.pdf"
            c.add_source(
                old, "acl.md", "acl.md:7", title=TITLE.lower(), link=None
            )  # NULL: the paper's own link
            c.set_tag(old, "memory", "curated", 1.0)
            c.set_tag(old, "kv-cache-compression", "manual", 1.0)
            c.set_tag(old, "attention", "manual", 1.0, removed=True)
            c.set_note(old, "the ACL version")
            c.set_user_fields(old, {"year": 2025})
            c.set_status([old], "read")
            c.set_starred([old])
            c.conn.execute("UPDATE papers SET citekey = 'wu2024layer' WHERE id = ?", (old,))
        yield c


def test_merge_moves_the_record_and_the_users_data(cat):
    with cat.transaction():
        merge_papers(cat, "url:example.org/lckv.pdf", "2405.10637")
    assert not cat.has("url:example.org/lckv.pdf")


def test_absorb_title_twins_costs_one_statement_without_loose_records(cat):
    with cat.transaction():
        merge_papers(cat, "url:example.org/lckv.pdf", "2405.10637")  # the fixture's one loose record
    statements: list[str] = []
    cat.conn.set_trace_callback(statements.append)
    try:
        assert absorb_title_twins(cat, ["2405.10637", "2401.99999"]) == []
    finally:
        cat.conn.set_trace_callback(None)
    assert len(statements) == 1, statements
    p = cat.get_paper("2405.10637")
    # the arXiv paper keeps its id, title and own links; empty fields are filled
    assert (p.id, p.title, p.url) == ("2405.10637", TITLE, "https://arxiv.org/abs/2405.10637")
    assert (p.authors, p.doi, p.venue) == (
        ["Haoyi Wu", "Kewei Tu"],
        "10.18653/v1/2024.acl-long.602",
        "ACL 2024",
    )
    # the user's own data goes along: the edited year, note, status, star, citekey
    assert (p.year, p.note, p.status, p.starred, p.citekey) == (
        2025,
        "the ACL version",
        "read",
        True,
        "wu2024layer",
    )
    assert {"year", "note"} <= set(p.user_fields)
    rows = {r["node"]: (r["origin"], r["removed"]) for r in cat.tag_rows("2405.10637")}
    assert rows == {
        "memory": ("curated", 0),
        "kv-cache-compression": ("manual", 0),
        "attention": ("manual", 1),
    }
    # the source row keeps the page's link and title, spelled out
    [src] = cat.sources_of("2405.10637")
    assert (src["locator"], src["link"], src["title"]) == ("acl.md:7", PAGE, TITLE.lower())


def test_merge_leaves_what_the_target_already_has(cat):
    with cat.transaction():
        cat.set_status(["2405.10637"], "to-read")
        cat.set_user_fields("2405.10637", {"year": 2023})
        cat.conn.execute("UPDATE papers SET citekey = 'mine' WHERE id = '2405.10637'")  # from a .bib
        merge_papers(cat, "url:example.org/lckv.pdf", "2405.10637")
    p = cat.get_paper("2405.10637")
    assert (p.year, p.status, p.citekey) == (2023, "to-read", "mine")


def test_merge_joins_two_notes_the_targets_first(cat):
    """Both records carry a note: the merged-away one is added to the target's (it was
    dropped, as an edited field the target has its own of)."""
    with cat.transaction():
        cat.set_note("2405.10637", "arXiv notes")
        merge_papers(cat, "url:example.org/lckv.pdf", "2405.10637")
    assert cat.get_paper("2405.10637").note == "arXiv notes\n\nthe ACL version"


def test_merge_joins_the_users_note_to_a_lists_note_on_the_target(cat):
    """The target's note came with the catalog (a curator's), not from the user: the
    user's note from the merged-away record joins it (it replaced it)."""
    with cat.transaction():
        cat.conn.execute("UPDATE papers SET note = 'Also listed as LCKV' WHERE id = '2405.10637'")
        merge_papers(cat, "url:example.org/lckv.pdf", "2405.10637")
    assert cat.get_paper("2405.10637").note == "Also listed as LCKV\n\nthe ACL version"


def test_merge_keeps_a_lists_note_on_the_merged_record_beside_the_users_note(cat):
    """The merged-away record's note came with its list (the curators'); the target's is
    the user's: both stay, each in its own field."""
    with cat.transaction():
        cat.conn.execute(
            "UPDATE papers SET curator_note = 'Listed by list X', user_fields = '[\"year\"]' WHERE id = ?",
            ("url:example.org/lckv.pdf",),
        )
        cat.set_note("2405.10637", "my note")
        merge_papers(cat, "url:example.org/lckv.pdf", "2405.10637")
    merged = cat.get_paper("2405.10637")
    assert (merged.note, merged.curator_note) == ("my note", "Listed by list X")


def test_merge_keeps_one_copy_of_a_note_the_target_holds(cat):
    with cat.transaction():
        cat.set_note("2405.10637", "mine: the ACL version")
        merge_papers(cat, "url:example.org/lckv.pdf", "2405.10637")
    assert cat.get_paper("2405.10637").note == "mine: the ACL version"


def test_absorb_title_twins(cat):
    with cat.transaction():
        # not arXiv ids, or not in the catalog: nothing to absorb, no error
        assert absorb_title_twins(cat, ["url:example.org/lckv.pdf", "2401.99999"]) == []
        twins = absorb_title_twins(cat, (i for i in ["2405.10637"]))  # a stream of ids, read twice
        assert twins == [("url:example.org/lckv.pdf", "2405.10637")]
    assert not cat.has("url:example.org/lckv.pdf")


def test_records_of_one_title_merge_into_their_only_arxiv_paper():
    """The one rule check reports by and check --fix and imports merge by."""
    assert merge_target(["doi:10.1/x", "2405.10637", "title:layer-condensed"]) == "2405.10637"
    assert merge_target(["doi:10.1/x", "title:layer-condensed"]) is None  # no arXiv paper
    assert merge_target(["2405.10637", "2405.10638", "doi:10.1/x"]) is None  # two: a human decides
    assert merge_target([]) is None
