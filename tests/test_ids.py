"""efmcat.ids: every pasted form of an arXiv id, property-tested with hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from efmcat.errors import InvalidIdError
from efmcat.ids import ArxivId, parse_arxiv_id, parse_paper_id, try_parse_arxiv_id

months = st.integers(1, 12)
versions = st.none() | st.integers(1, 30)


@st.composite
def new_style(draw) -> ArxivId:
    """A real-shaped new-style id: 4-digit numbers 0704-1412, 5-digit from 1501."""
    five = draw(st.booleans())
    if five:
        yy, digits = draw(st.integers(15, 99)), 5
    else:
        yy, digits = draw(st.integers(7, 14)), 4
    mm = draw(st.integers(4 if yy == 7 else 1, 12))
    number = draw(st.integers(0, 10**digits - 1))
    return ArxivId(f"{yy:02d}{mm:02d}.{number:0{digits}d}", draw(versions))


ARCHIVES = ["hep-th", "hep-ph", "quant-ph", "cond-mat", "astro-ph", "math", "cs", "gr-qc", "q-bio", "nucl-th"]


@st.composite
def old_style(draw) -> ArxivId:
    """A canonical old-style id: archive/YYMMNNN (a subject class is no part of it)."""
    archive = draw(st.sampled_from(ARCHIVES))
    yy = draw(st.sampled_from([91, 95, 99, 0, 3, 7]))
    number = f"{yy:02d}{draw(months):02d}{draw(st.integers(1, 999)):03d}"
    return ArxivId(f"{archive}/{number}", draw(versions))


any_id = new_style() | old_style()


def text_of(a: ArxivId) -> str:
    return str(a)


FORMS = [
    lambda s: s,
    lambda s: f"arXiv:{s}",
    lambda s: f"arxiv:{s}",
    lambda s: f"ARXIV:{s}",
    lambda s: f"https://arxiv.org/abs/{s}",
    lambda s: f"http://arxiv.org/abs/{s}",
    lambda s: f"https://www.arxiv.org/abs/{s}",
    lambda s: f"https://export.arxiv.org/abs/{s}",
    lambda s: f"https://browse.arxiv.org/abs/{s}",
    lambda s: f"https://arxiv.org/pdf/{s}",
    lambda s: f"https://arxiv.org/pdf/{s}.pdf",
    lambda s: f"http://arxiv.org/pdf/{s}.pdf",
    lambda s: f"https://arxiv.org/html/{s}",
    lambda s: f"arxiv.org/abs/{s}",
    lambda s: f"https://arxiv.org/abs/{s}?context=cs#section",
]


@given(
    any_id,
    st.sampled_from(FORMS),
    st.sampled_from(["", " ", "\t", "\n", "  \n"]),
    st.sampled_from(["", " ", "\n"]),
)
def test_every_form_parses_to_the_same_canonical_id(aid, form, before, after):
    assert parse_arxiv_id(before + form(str(aid)) + after) == aid


@given(any_id)
def test_canonical_text_round_trips(aid):
    parsed = parse_arxiv_id(str(aid))
    assert parsed == aid
    assert str(parsed) == (f"{aid.id}v{aid.version}" if aid.version else aid.id)
    assert "v" not in parsed.id.split("/")[-1]
    assert parsed.is_old_style == ("/" in aid.id)


@given(new_style())
def test_doi_forms(aid):
    unversioned = ArxivId(aid.id)
    assert parse_arxiv_id(f"10.48550/arXiv.{aid.id}") == unversioned
    assert parse_arxiv_id(f"https://doi.org/10.48550/arXiv.{aid.id}") == unversioned
    assert parse_arxiv_id(f"doi:10.48550/ARXIV.{aid.id}") == unversioned


@given(new_style())
def test_ftp_pdf_path(aid):
    yymm = aid.id[:4]
    assert parse_arxiv_id(f"https://arxiv.org/ftp/arxiv/papers/{yymm}/{aid}.pdf") == aid


@given(old_style())
def test_old_style_case_is_normalised(aid):
    archive, _, number = aid.id.partition("/")
    shouted = f"{archive.upper()}/{number}"
    assert parse_arxiv_id(shouted).id == aid.id
    assert parse_arxiv_id(f"arXiv:{archive.lower()}/{number}").id == aid.id


@given(old_style(), st.sampled_from(["GT", "AG", "AI", "LG", "CO", "PR", "gt"]))
def test_a_subject_class_names_the_same_paper(aid, subject):
    """math.GT/0309136 is math/0309136 (arXiv's own id for it), in every pasted form."""
    archive, _, number = aid.id.partition("/")
    with_subject = f"{archive}.{subject}/{number}" + (f"v{aid.version}" if aid.version else "")
    forms = [with_subject, f"arXiv:{with_subject}"]
    if subject.isupper():  # as arXiv writes its links
        forms.append(f"https://arxiv.org/abs/{with_subject}")
    for form in forms:
        assert parse_arxiv_id(form) == aid


@given(st.text(max_size=40))
def test_arbitrary_text_never_crashes_and_errors_name_the_input(text):
    parsed = try_parse_arxiv_id(text)
    if parsed is None:
        with pytest.raises(InvalidIdError) as exc:
            parse_arxiv_id(text)
        assert str(exc.value) == f"not an arXiv id: {text.strip()}"
    else:
        assert parse_arxiv_id(parsed.__str__()) == parsed  # whatever parses has a canonical form


@given(any_id, st.sampled_from(["x", "0", ".1", "/", "v", "v0", "-", "..", "é"]))
def test_trailing_junk_is_rejected(aid, junk):
    text = str(aid) + junk
    parsed = try_parse_arxiv_id(text)
    # Only a digit can make another valid id: a longer version, or a 4-digit id grown to 5.
    if parsed is not None:
        assert junk == "0"
        if aid.version:
            assert parsed == ArxivId(aid.id, aid.version * 10)
        else:
            assert parsed.id == aid.id + "0" and parsed.id.startswith(aid.id[:4])


@settings(max_examples=200)
@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99999), st.sampled_from([3, 4, 5, 6]))
def test_new_style_digit_count_follows_the_year(yy, mm, number, digits):
    text = f"{yy:02d}{mm:02d}.{number % 10**digits:0{digits}d}"
    parsed = try_parse_arxiv_id(text)
    valid_month = 1 <= mm <= 12
    four = digits == 4 and (7 < yy <= 14 or (yy == 7 and mm >= 4))
    five = digits == 5 and yy >= 15
    assert (parsed is not None) == (valid_month and (four or five))


@given(any_id.filter(lambda a: not a.is_old_style))
def test_unicode_digits_are_not_ids(aid):
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    assume(aid.id != aid.id.translate(arabic))
    assert try_parse_arxiv_id(aid.id.translate(arabic)) is None


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2310.19102", ArxivId("2310.19102")),
        ("https://arxiv.org/pdf/2306.00978v5.pdf", ArxivId("2306.00978", 5)),
        ("arXiv:2211.10438", ArxivId("2211.10438")),
        ("hep-th/9901001", ArxivId("hep-th/9901001")),
        ("math.GT/0309136v2", ArxivId("math/0309136", 2)),
        ("MATH.gt/0309136", ArxivId("math/0309136")),
        ("https://arxiv.org/abs/math.GT/0309136", ArxivId("math/0309136")),
        ("HEP-TH/9901001V3", ArxivId("hep-th/9901001", 3)),
        ("https://arxiv.org/abs/quant-ph/0201082v1", ArxivId("quant-ph/0201082", 1)),
        ("https://arxiv.org/ftp/arxiv/papers/1501/1501.00001.pdf", ArxivId("1501.00001")),
        ("  10.48550/arXiv.2310.19102\n", ArxivId("2310.19102")),
        ("0704.0001", ArxivId("0704.0001")),
        ("1412.9999v2", ArxivId("1412.9999", 2)),
    ],
)
def test_examples(text, expected):
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "abs/203.05527",
        "203.05527",
        "2310.1910",  # a five-digit era id missing a digit
        "1501.0001",  # four digits after 2014
        "0601.00001",  # before new-style ids existed
        "0703.0001",
        "2313.00001",  # month 13
        "2300.00001",
        "2310.19102v0",
        "2310.19102 v2",
        "arxiv 2310.19102",
        "arxıv:2310.19102",  # dotless i
        "２３１０.１９１０２",  # full-width digits
        "https://example.org/abs/2310.19102",
        "ftp://arxiv.org/abs/2310.19102",
        "https://arxiv.org/list/2310.19102",
        "https://arxiv.org/ftp/arxiv/papers/2310/arxiv:2310.19102.pdf",
        "hep-th/990100",
        "hep-th/9913001",
        "",
        "   ",
    ],
)
def test_rejected(text):
    assert try_parse_arxiv_id(text) is None
    with pytest.raises(InvalidIdError, match="not an arXiv id"):
        parse_arxiv_id(text)


def test_error_message_names_the_input():
    with pytest.raises(InvalidIdError) as exc:
        parse_arxiv_id("  abs/203.05527 ")
    assert str(exc.value) == "not an arXiv id: abs/203.05527"


def test_title_id_is_stable_ascii_slug_and_parses_back():
    from efmcat.ids import parse_paper_id, title_id

    assert title_id("Quest: Query-aware sparsity for long-context transformers") == (
        "title:quest-query-aware-sparsity-for-long-context-transformers"
    )
    assert title_id("Réseaux  H₂O_net!") == "title:reseaux-h2onet"
    long = title_id("word " * 40)
    assert len(long) <= len("title:") + 60 and not long.endswith("-")
    assert title_id("???") == "title:untitled"
    assert parse_paper_id(title_id("A Paper")) == "title:a-paper"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2307.09288", 2023),
        ("0704.0001", 2007),
        ("cs/0112017", 2001),
        ("hep-th/9901001", 1999),
        ("hep-th/9108001", 1991),
    ],
)
def test_an_id_gives_the_year_it_was_given_in(text, year):
    assert parse_arxiv_id(text).year == year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1007/3-540-48319-5_14", "doi:10.1007/3-540-48319-5_14"),  # as papers print it
        ("10.1145/3669940.3707285", "doi:10.1145/3669940.3707285"),
        ("10.1145/ABC.DEF/", "doi:10.1145/abc.def"),  # as a doi.org link gives it
        ("https://doi.org/10.1145/ABC.DEF", "doi:10.1145/abc.def"),
        ("10.48550/arXiv.2210.17323", "2210.17323"),  # arXiv's own DOI: the arXiv paper
        ("DOI:10.1145/ABC.DEF", "doi:10.1145/abc.def"),  # the id, typed in capitals
        # a publisher's PDF named by its DOI: the DOI, not the file (show printed a DOI its id was not)
        (
            "https://link.springer.com/content/pdf/10.1007%2F978-3-030-01237-3_14.pdf",
            "doi:10.1007/978-3-030-01237-3_14",
        ),
        (
            "https://link.springer.com/content/pdf/10.1007/S10994-009-5152-4.PDF",
            "doi:10.1007/s10994-009-5152-4",
        ),
        ("https://example.org/10.1007/a.pdfs", "doi:10.1007/a.pdfs"),
    ],
)
def test_a_bare_doi_is_the_doi_id_its_link_gives(text, expected):
    assert parse_paper_id(text) == expected


@pytest.mark.parametrize("text", ["10.1145", "10.12/abc", "10.1145/", "2210.17323/x"])
def test_what_is_no_doi_stays_an_error(text):
    with pytest.raises(InvalidIdError, match="not an arXiv id or paper link"):
        parse_paper_id(text)


def test_doi_of_id_gives_the_doi_a_doi_id_names():
    from efmcat.ids import doi_of_id

    assert doi_of_id("doi:10.1145/3373376.3378508") == "10.1145/3373376.3378508"
    assert doi_of_id("doi:10.1007/978-3-030.PDF") == "10.1007/978-3-030"  # the file's suffix, not the DOI's
    assert doi_of_id("doi:10.1007/a.pdfs") == "10.1007/a.pdfs"
    assert doi_of_id("2210.17323") is None and doi_of_id("url:doi.org/10.1/x") is None


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://huggingface.co/papers/2306.00978", "2306.00978"),
        ("https://www.alphaxiv.org/abs/2306.00978v2", "2306.00978v2"),
        ("https://alphaxiv.org/overview/2306.00978", "2306.00978"),
        ("https://huggingface.co/meta-llama/Llama-2-7b", None),  # a model page, not a paper
        ("https://huggingface.co/papers/trending", None),
    ],
)
def test_paper_pages_that_show_an_arxiv_paper_give_its_id(link, expected):
    """A list linking Hugging Face's paper page dropped the row (no arXiv id, no paper host)."""
    from efmcat.ids import try_parse_arxiv_id

    parsed = try_parse_arxiv_id(link)
    assert (None if parsed is None else str(parsed)) == expected
