"""Tests that kill the mutants issue 11 found surviving the whole suite: each pins one
behaviour a user would notice if a comparison flipped, an anchor dropped or a line went."""

from __future__ import annotations

import pytest

from efmcat.catalog import Catalog
from efmcat.ids import paper_id_from_link, parse_paper_id, try_parse_arxiv_id
from efmcat.taxonomy import load_taxonomy


@pytest.mark.parametrize(
    "text",
    [
        "10.48550/arXiv.2210.17323xyz",  # the DOI regex's $ anchor
        "arXiv:2210.17323xyz",
        "2210.17323 trailing",
        "hep-th/99010011",  # 8 digits: old-style ids have 7
        "hep-th/990100",  # 6 digits
        "x2210.17323",  # the ^ anchor
    ],
)
def test_junk_around_ids_is_not_an_id(text):
    assert try_parse_arxiv_id(text) is None


def test_old_style_id_has_seven_digits():
    assert str(try_parse_arxiv_id("hep-th/9901001")) == "hep-th/9901001"


@pytest.mark.parametrize(
    "link, expected",
    [
        ("https://aclanthology.org/2023.acl-long.123.pdf", "acl:2023.acl-long.123"),
        ("https://aclanthology.org/P19-1001/", "acl:P19-1001"),
        ("https://openreview.net/forum?id=OdnNBxlShZG", "openreview:OdnNBxlShZG"),
        ("https://openreview.net/pdf?id=OdnNBxlShZG", "openreview:OdnNBxlShZG"),
        ("https://ieeexplore.ieee.org/document/9999999", "ieee:9999999"),
        ("https://doi.org/10.1145/3600006.3613165", "doi:10.1145/3600006.3613165"),
    ],
)
def test_non_arxiv_links_get_stable_ids(link, expected):
    assert paper_id_from_link(link) == expected
    assert parse_paper_id(link) == expected


def test_manual_tag_over_an_auto_tag_becomes_manual(cli, mini_db):
    with Catalog(mini_db) as cat:
        cat.replace_auto_tags("2210.17323", {"memory": 3.5})
        assert {r["node"]: r["origin"] for r in cat.tag_rows("2210.17323")}["memory"] == "auto"
    r = cli("tag", "2210.17323", "memory")
    assert r.exit_code == 0, r.output
    with Catalog(mini_db) as cat:
        rows = {r["node"]: r for r in cat.tag_rows("2210.17323")}
        assert rows["memory"]["origin"] == "manual"
        cat.replace_auto_tags("2210.17323", {})  # what retag does when the rules no longer fire
        assert "memory" in {r["node"] for r in cat.tag_rows("2210.17323")}


def test_auto_tag_never_overrides_manual_or_curated(mini_db):
    with Catalog(mini_db) as cat:
        cat.set_tag("2210.17323", "memory", "manual", 1.0)
        cat.set_tag("2210.17323", "memory", "auto", 0.5)
        cat.set_tag("2210.17323", "quantization", "auto", 0.5)  # curated in the seeds
        rows = {r["node"]: r["origin"] for r in cat.tag_rows("2210.17323")}
    assert (rows["memory"], rows["quantization"]) == ("manual", "curated")


def _parse(text):
    from efmcat.formats.markdown_list import parse_markdown_list

    return parse_markdown_list(text, "x.md", load_taxonomy())


def test_markdown_year_in_parentheses():
    res = _parse("- Some Method (2023) [Paper](https://openreview.net/forum?id=abcXYZ)\n")
    assert [(e.paper.id, e.paper.year) for e in res.entries] == [("openreview:abcXYZ", 2023)]


def test_bold_title_paragraph_line_is_imported():
    res = _parse("# Quantization\n\n**Bold Title Of A Paper** [[Paper]](https://arxiv.org/abs/2210.17323)\n")
    assert [(e.line, e.paper.id, e.paper.title) for e in res.entries] == [
        (3, "2210.17323", "Bold Title Of A Paper")
    ]
    assert res.entries[0].tags == ["quantization"]


# -- ids: survivors of tools/mutate.py --------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("arXiv:HEP-TH/9901001", "hep-th/9901001"),
        ("HEP-TH/9901001", "hep-th/9901001"),
        ("math.gt/0309136", "math/0309136"),
        ("MATH.GT/0309136", "math/0309136"),
    ],
)
def test_old_style_case_is_fixed(text, expected):
    assert str(try_parse_arxiv_id(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://arxiv.org/abs/2210.17323/x",
        "https://arxiv.org/abs/2210.17323junk",
        "https://doi.org/10.48550/arXiv.2210.17323doi.org/zzz",
    ],
)
def test_junk_after_an_arxiv_url_is_not_an_id(text):
    assert try_parse_arxiv_id(text) is None


def test_arxiv_ids_are_immutable_and_hashable():
    import dataclasses

    a = try_parse_arxiv_id("2210.17323v2")
    assert {a, try_parse_arxiv_id("2210.17323v2")} == {a}
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.version = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "link, expected",
    [
        ("https://example.com/paper?id=5", "url:example.com/paper?id=5"),
        ("https://openreview.net/forum?id=", "url:openreview.net/forum?id="),
        ("https://openreview.net/forum", "url:openreview.net/forum"),
        ("https://aclanthology.org/2023.acl-long.123/extra", "url:aclanthology.org/2023.acl-long.123/extra"),
        (
            "https://aclanthology.org.evil.com/2023.acl-long.123/",
            "url:aclanthology.org.evil.com/2023.acl-long.123",
        ),
    ],
)
def test_links_that_only_look_like_stable_ids(link, expected):
    assert paper_id_from_link(link) == expected


@pytest.mark.parametrize(
    "text, message",
    [(None, "empty id"), ("  ", "empty id"), ("title:a\nb", "not an arXiv id or paper link: title:a\nb")],
)
def test_bad_paper_ids(text, message):
    from efmcat.errors import InvalidIdError

    with pytest.raises(InvalidIdError) as exc:
        parse_paper_id(text)  # type: ignore[arg-type]
    assert str(exc.value) == message


def test_title_id_cuts_near_sixty_characters():
    from efmcat.ids import title_id

    title = "Efficient Memory Management for Large Language Model Serving with PagedAttention and more words"
    assert title_id(title) == "title:efficient-memory-management-for-large-language-model-serving"
    assert title_id("a" * 61) == "title:" + "a" * 60


def test_openreview_look_alike_host():
    assert (
        paper_id_from_link("https://openreview.net.evil.com/forum?id=x")
        == "url:openreview.net.evil.com/forum?id=x"
    )


@pytest.mark.parametrize("link", [None, "", "   "])
def test_no_link(link):
    assert paper_id_from_link(link) is None  # type: ignore[arg-type]


def test_arxiv_ids_sort_by_id_then_version():
    ids = [try_parse_arxiv_id(t) for t in ("2301.00002", "2210.17323v2", "2210.17323v1")]
    assert [str(i) for i in sorted(ids)] == ["2210.17323v1", "2210.17323v2", "2301.00002"]


# -- markdown_list helpers: exact behaviour, so a flipped comparison shows --------------------
@pytest.mark.parametrize(
    "line, cells",
    [
        ("| a | b |", ["a", "b"]),
        ("| a | b", ["a", "b"]),
        ("a | b |", ["a", "b"]),
        ("| x \\| y | z |", ["x \\| y", "z"]),
        ("| [t](u) (p | q) | r |", ["[t](u) (p | q)", "r"]),
        ("| a (b) | c | d |", ["a (b)", "c", "d"]),
        ("|a|b|c|", ["a", "b", "c"]),
        ("| ends with escaped \\|", ["ends with escaped \\|"]),
    ],
)
def test_split_cells(line, cells):
    from efmcat.formats.markdown_list import _split_cells

    assert _split_cells(line) == cells


@pytest.mark.parametrize(
    "text, clean",
    [
        ("**Bold** title", "Bold title"),
        ("[A](http://x) :rocket: 🚀 <b>x</b>", "A x"),
        ("a \\| b \\* c \\[d\\]", "a | b * c [d]"),
        (" - lead: ", "lead"),
    ],
)
def test_clean_text(text, clean):
    from efmcat.formats.markdown_list import _clean_text

    assert _clean_text(text) == clean


def test_links_skip_images_badges_and_anchors():
    from efmcat.formats.markdown_list import _links

    text = "[A](http://a.com) ![img](i.png) [![b](x)](y) http://bare.com/x. [#](#anchor)"
    assert _links(text) == [("A", "http://a.com"), ("", "http://bare.com/x")]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("**T**", ("T", 3)),
        ("__U__ rest", ("U", 3)),
        ("[Paper](http://x) [Real Title](http://y)", ("Real Title", 2)),
        ("plain text [Paper](http://x)", ("plain text", 1)),
        ("[Paper](http://x)", (None, 0)),
    ],
)
def test_title_from(text, expected):
    from efmcat.formats.markdown_list import _title_from

    assert _title_from(text) == expected


def test_table_rows_heading_levels_and_fences():
    text = (
        "# Quantization\n"
        "## KV cache\n"
        "| Title | Year | Link |\n"
        "| --- | --- | --- |\n"
        "| **First Paper** | 2021 | [arXiv](https://arxiv.org/abs/2101.00001) |\n"
        "| Second (with | parens) | 2022 | [arXiv](https://arxiv.org/abs/2201.00002) |\n"
        "```\n"
        "- [Fenced](https://arxiv.org/abs/2301.00003)\n"
        "```\n"
        "# Sparsity\n"
        "- [Third](https://arxiv.org/abs/2301.00004)\n"
    )
    res = _parse(text)
    got = [(e.line, e.paper.id, e.paper.title, e.paper.year, e.section) for e in res.entries]
    assert got == [
        (5, "2101.00001", "First Paper", 2021, "Quantization / KV cache"),
        (6, "2201.00002", "Second (with | parens)", 2022, "Quantization / KV cache"),
        (11, "2301.00004", "Third", 2023, "Sparsity"),
    ]
    assert res.rows == 3


def test_year_column_wins_over_the_id():
    res = _parse(
        "| Title | Year | Link |\n| --- | --- | --- |\n| Old Work | 2019 | [arXiv](https://arxiv.org/abs/2210.17323) |\n"
    )
    assert [(e.paper.title, e.paper.year) for e in res.entries] == [("Old Work", 2019)]


def test_title_column_found_by_name():
    text = (
        "| Code | Name | Venue |\n| --- | --- | --- |\n"
        "| [code](https://github.com/x/y) | [My Title](https://arxiv.org/abs/2101.00001) | ICML |\n"
    )
    assert [(e.paper.id, e.paper.title) for e in _parse(text).entries] == [("2101.00001", "My Title")]


def test_rows_without_a_title_or_link_are_not_papers():
    res = _parse("- [Paper](https://arxiv.org/abs/2101.00001)\n- Just a title with no link\n")
    assert res.entries == []
