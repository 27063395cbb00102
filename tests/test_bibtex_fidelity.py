"""BibTeX fidelity: url-like fields read verbatim, venues and DOIs read back as exported,
duplicate citekeys keep both entries, and an export -> import -> export round trip of a
representative sample gives the same text."""

from __future__ import annotations

import json

import pytest

from efmcat.catalog import Catalog
from efmcat.formats import bibtex as b
from efmcat.ids import paper_id_from_link
from efmcat.models import Paper


def _one(text: str) -> Paper:
    result = b.parse_bibtex(text, "t.bib")
    assert len(result.entries) == 1, result
    return result.entries[0].paper


# -- 1. url, doi and eprint are verbatim ---------------------------------------------------
def test_a_url_keeps_its_tilde_and_ampersand():
    paper = _one(
        "@misc{k1,\n title={Tilde Url Paper About Pruning}, year={2020},\n"
        " url={https://example.org/~me/p.pdf?a=1&b=2}}\n"
    )
    assert paper.url == "https://example.org/~me/p.pdf?a=1&b=2"
    assert paper.id == "url:example.org/~me/p.pdf?a=1&b=2"


def test_an_openreview_url_names_its_paper_exactly():
    paper = _one(
        "@inproceedings{k, title={Some Pruning Paper Title}, year={2017},\n"
        " url={https://openreview.net/forum?id=BylSPv9gx&noteId=BylSPv9gx}}\n"
    )
    assert paper.id == "openreview:BylSPv9gx"
    assert paper.url == "https://openreview.net/forum?id=BylSPv9gx&noteId=BylSPv9gx"


@pytest.mark.parametrize(
    ("written", "url"),
    [
        (r"https://e.org/a\_b\%20c\#frag", "https://e.org/a_b%20c#frag"),  # LaTeX escapes undone
        (r"\url{https://e.org/x~y}", "https://e.org/x~y"),  # a url wrapped in \url{}
        ("{https://e.org/a}", "https://e.org/a"),  # doubled braces
        ("https://e.org/a_b--c''d", "https://e.org/a_b--c''d"),  # no LaTeX ligatures in a url
    ],
)
def test_url_escapes_are_read_back(written, url):
    assert _one(f"@misc{{k, title={{A Paper With A Link}}, url={{{written}}}}}\n").url == url


def test_a_doi_is_verbatim_and_names_the_paper():
    paper = _one("@article{k, title={A Paper With A Doi}, doi={10.1/a\\_b~c}, year=2020}\n")
    assert (paper.id, paper.doi) == ("doi:10.1/a_b~c", "10.1/a_b~c")


def test_a_doi_with_a_link_to_openreview_keeps_the_openreview_id():
    """The id a link gives a paper (openreview:, acl:, ieee:) is how every other import names
    it; a DOI beside the link is the paper's DOI, not its name."""
    paper = _one(
        "@inproceedings{k, title={A Paper On Anthology Things}, doi={10.18653/v1/2023.acl-long.1},\n"
        " url={https://aclanthology.org/2023.acl-long.1}}\n"
    )
    assert (paper.id, paper.doi) == ("acl:2023.acl-long.1", "10.18653/v1/2023.acl-long.1")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/~me/p.pdf?a=1&b=2",
        "https://openreview.net/forum?id=BylSPv9gx&noteId=BylSPv9gx",
        "https://link.springer.com/content/pdf/10.1007%2F978-3-030-01237-3_14.pdf",
        "https://e.org/x#y_z^w$v",
        "https://e.org/{odd}\\path",
    ],
)
def test_exported_urls_read_back_as_they_were(url):
    rec = {"id": paper_id_from_link(url), "title": "A Paper With A Link", "year": 2020, "url": url}
    paper = _one(b.entry(rec, "k"))
    expected = url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")  # no braces in a .bib url
    assert paper.url == expected


# -- 2. venues and DOIs read back ------------------------------------------------------------
def test_a_venue_that_is_not_a_known_one_is_a_booktitle():
    assert b.venue_fields("VLDB 2025", None) == ("inproceedings", {"booktitle": "VLDB 2025"}, "2025")
    assert b.venue_fields("VLDB", None) == ("inproceedings", {"booktitle": "VLDB"}, None)
    assert b.venue_fields(None, "Nice paper 2020") == ("misc", {"note": "Nice paper 2020"}, None)


@pytest.mark.parametrize(
    ("field", "year", "venue"),
    [
        ("booktitle={Advances in Neural Information Processing Systems}", "2022", "NeurIPS 2022"),
        ("booktitle={Proceedings of Machine Learning and Systems}", "2024", "MLSys 2024"),
        ("booktitle={International Conference on Machine Learning}", "2023", "ICML 2023"),
        ("booktitle={Findings of the Association for Computational Linguistics: EMNLP 2023}", "", "EMNLP 2023 Findings"),
        ("journal={Transactions on Machine Learning Research}", "2024", "TMLR 2024"),
        ("booktitle={NeurIPS}", "2022", "NeurIPS"),
        ("booktitle={SIGMOD 2025}", "2025", "SIGMOD 2025"),
        ("journal={IEEE Transactions on Parallel and Distributed Systems}", "", "TPDS"),
        ("journal={IEEE Transactions on Computers}", "", "IEEE Transactions on Computers"),
        ("journal={arXiv preprint arXiv:2310.0865}", "2023", None),
    ],
)  # fmt: skip
def test_a_booktitle_or_journal_is_the_venue(field, year, venue):
    year_field = f", year={{{year}}}" if year else ""
    paper = _one(f"@inproceedings{{k, title={{A Paper At A Venue}}, {field}{year_field}}}\n")
    assert paper.venue == venue


def test_a_known_venues_full_name_is_the_venue_not_a_journal_reference_too():
    """An own BibTeX export read back into its catalog 'updated' 1,294 papers: the booktitle
    the export writes for a venue filled their empty journal reference."""
    known = _one(
        "@inproceedings{k, title={A Paper}, booktitle={Advances in Neural Information Processing Systems}, year={2014}}\n"
    )
    assert (known.venue, known.journal_ref) == ("NeurIPS 2014", None)
    other = _one("@article{k, title={A Paper}, journal={Journal of Things}, year={2014}}\n")
    assert (other.venue, other.journal_ref) == ("Journal of Things", "Journal of Things")


def test_a_misc_note_is_read_back_as_the_journal_reference():
    paper = _one("@misc{k, title={A Paper With A Note}, note={Nice paper 2020}, year=2019}\n")
    assert (paper.journal_ref, paper.venue) == ("Nice paper 2020", None)


def test_a_doi_id_exports_its_doi():
    rec = {"id": "doi:10.1145/3694715.3695978", "title": "A Systems Paper", "year": 2024,
           "url": "https://gts3.org/assets/papers/2024/iyer:e3.pdf"}  # fmt: skip
    text = b.entry(rec, "k")
    assert "  doi = {10.1145/3694715.3695978}," in text
    paper = _one(text)
    assert (paper.id, paper.doi, paper.url) == (
        "doi:10.1145/3694715.3695978",
        "10.1145/3694715.3695978",
        "https://gts3.org/assets/papers/2024/iyer:e3.pdf",
    )


def test_a_doi_id_made_from_a_pdf_link_exports_the_doi_without_pdf():
    url = "https://link.springer.com/content/pdf/10.1007%2F978-3-030-01237-3_14.pdf"
    rec = {"id": "doi:10.1007/978-3-030-01237-3_14.pdf", "title": "A Vision Paper", "url": url}
    text = b.entry(rec, "k")
    assert r"  doi = {10.1007/978-3-030-01237-3\_14}," in text
    assert _one(text).id == "doi:10.1007/978-3-030-01237-3_14"  # the DOI the link names, not its file


# -- 3. duplicate citekeys ----------------------------------------------------------------
DUP = (
    "@misc{k, title={First Paper On Pruning Things}, year=2020}\n"
    "@string{conf = {Some Venue}}\n"
    "@misc{k, title={Second Paper On Quantization Things}, year=2021, booktitle=conf,\n"
    "  author={R{\\'e}, Christopher}}\n"
)


def test_entries_sharing_a_citekey_are_all_read():
    result = b.parse_bibtex(DUP, "dup.bib")
    assert result.rows == 2
    got = [(e.line, e.paper.title, e.citekey) for e in result.entries]
    # the second entry is read whole (@string, LaTeX) and leaves the key to the first
    assert got == [
        (1, "First Paper On Pruning Things", "k"),
        (3, "Second Paper On Quantization Things", None),
    ]
    second = result.entries[1].paper
    assert (second.authors, second.venue, second.year) == (["Christopher Ré"], "Some Venue", 2021)


def test_importing_entries_sharing_a_citekey_adds_both(cli, tmp_path):
    bib = tmp_path / "dup.bib"
    bib.write_text(DUP, encoding="utf-8")
    r = cli("import", str(bib), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["added"] == 2
    with Catalog(tmp_path / "catalog.db") as cat:
        keys = {p.title: p.citekey for p in cat.iter_papers()}
    assert keys == {"First Paper On Pruning Things": "k", "Second Paper On Quantization Things": None}


# -- the round trip ---------------------------------------------------------------------------
SAMPLE = [
    Paper(id="2210.17323", title="GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers",
          authors=["Elias Frantar", "Dan Alistarh"], year=2022, categories=["cs.LG"], primary_category="cs.LG",
          venue="ICLR 2023"),
    Paper(id="2205.14135", title="FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness",
          authors=["Tri Dao", "Christopher Ré"], year=2022, categories=["cs.LG"], venue="NeurIPS 2022"),
    Paper(id="2301.00001", title="A Paper in Findings", authors=["Ana Wang"], year=2023, venue="EMNLP 2023 Findings"),
    Paper(id="2301.00002", title="A Journal Paper About Sparsity", authors=["Bo Chen"], year=2023, venue="TMLR"),
    Paper(id="2301.00003", title="An arXiv Paper Only", authors=["Bo Chen"], year=2023,
          journal_ref="Nice paper 2020"),
    Paper(id="doi:10.1145/3694715.3695978", title="A Systems Paper At SOSP", authors=["Ana Wang"], year=2024,
          url="https://gts3.org/assets/papers/2024/iyer:e3.pdf", venue="SOSP 2024"),
    Paper(id="doi:10.1007/978-3-030-01237-3_14", title="A Vision Paper From Springer", year=2018,
          url="https://link.springer.com/content/pdf/10.1007%2F978-3-030-01237-3_14.pdf", venue="ECCV 2018"),
    Paper(id="url:example.org/~me/p.pdf?a=1&b=2", title="Tilde Url Paper About Pruning", year=2020,
          url="https://example.org/~me/p.pdf?a=1&b=2", venue="SIGMOD 2025"),
    Paper(id="openreview:BylSPv9gx", title="An OpenReview Paper On Pruning", authors=["Hao Li"], year=2017,
          url="https://openreview.net/forum?id=BylSPv9gx&noteId=BylSPv9gx", venue="ICLR 2017"),
    Paper(id="ieee:9407245", title="An IEEE Paper With A DOI", authors=["Ana Wang"], year=2021,
          url="https://ieeexplore.ieee.org/document/9407245", doi="10.1109/ABC.2021.1", venue="TPDS 2021"),
    Paper(id="title:a-book-without-a-link", title="A Book Without A Link", authors=["Some Body"], year=1999,
          venue="Journal of Things"),
]  # fmt: skip


def _export(cli, db, out):
    r = cli("export", "--format", "bibtex", "--db", str(db), "-o", str(out))
    assert r.exit_code == 0, r.output
    return out.read_text(encoding="utf-8")


def test_a_representative_sample_round_trips_exactly(cli, tmp_path):
    source = tmp_path / "source.db"
    with Catalog(source) as cat:
        for paper in SAMPLE:
            cat.upsert_paper(paper)
    first = _export(cli, source, tmp_path / "first.bib")
    r = cli("import", str(tmp_path / "first.bib"), "--db", str(tmp_path / "copy.db"))
    assert r.exit_code == 0, r.output
    again = _export(cli, tmp_path / "copy.db", tmp_path / "again.bib")
    assert again == first
    with Catalog(tmp_path / "copy.db") as cat:
        copied = {p.id: p for p in cat.iter_papers()}
    assert set(copied) == {p.id for p in SAMPLE}  # every paper keeps its id
    # the id names the DOI (the export writes it): the column stays empty, as in the source
    assert copied["doi:10.1145/3694715.3695978"].doi is None
    assert "  doi = {10.1145/3694715.3695978}," in again
    assert copied["2205.14135"].venue == "NeurIPS 2022"
    assert copied["url:example.org/~me/p.pdf?a=1&b=2"].venue == "SIGMOD 2025"


def test_the_mini_catalog_round_trips_exactly(cli, tmp_path, mini_db):
    first = _export(cli, mini_db, tmp_path / "first.bib")
    r = cli("import", str(tmp_path / "first.bib"), "--db", str(tmp_path / "copy.db"))
    assert r.exit_code == 0, r.output
    assert _export(cli, tmp_path / "copy.db", tmp_path / "again.bib") == first


def test_a_doi_written_as_its_link_is_stored_as_the_doi():
    paper = _one(
        "@inproceedings{k, title={Some Findings Paper Title}, year={2023},\n"
        " doi={https://doi.org/10.18653/v1/2023.findings-emnlp.1}}\n"
    )
    assert (paper.id, paper.doi, paper.url) == (
        "doi:10.18653/v1/2023.findings-emnlp.1",
        "10.18653/v1/2023.findings-emnlp.1",
        "https://doi.org/10.18653/v1/2023.findings-emnlp.1",
    )


def test_verbatim_values_lose_a_bounded_number_of_enclosing_groups():
    """Each group taken off reads the whole value again: past VERBATIM_DEPTH they stay."""
    assert b.verbatim_text("{{{https://e.org/~a}}}") == "https://e.org/~a"
    deep = "{" * (b.VERBATIM_DEPTH + 2) + "x" + "}" * (b.VERBATIM_DEPTH + 2)
    assert b.verbatim_text(deep) == "{{x}}"


def test_an_exported_tilde_escape_reads_back_as_a_tilde():
    assert b.verbatim_text(r"https://e.org/\textasciitilde{}me/\_x\%20") == "https://e.org/~me/_x%20"


@pytest.mark.parametrize(
    ("field", "year", "venue"),
    [
        ("booktitle = {Proceedings of the European Conference on Computer Systems}", "2024", "EuroSys 2024"),
        (
            "booktitle = {Proceedings of the ACM SIGPLAN Symposium on Principles and Practice of Parallel Programming}",
            "2023",
            "PPoPP 2023",
        ),
        ("booktitle = {Advances in Neural Information Processing Systems, 2021}", "2022", "NeurIPS 2021"),
        ("journal = {CoRR}", "2021", None),
    ],
)
def test_venue_names_read_back(field, year, venue):
    paper = _one(f"@inproceedings{{k, title={{A Paper About Kernels}}, year={{{year}}}, {field}}}\n")
    assert paper.venue == venue


def test_entries_sharing_a_key_keep_the_files_order():
    result = b.parse_bibtex(
        "@misc{k, title={First Paper On Pruning}}\n"
        "@misc{k, title={Second Paper On Quantization}}\n"
        "@misc{j, title={Third Paper On Attention}}\n",
        "t.bib",
    )
    assert [(e.line, e.paper.title, e.citekey) for e in result.entries] == [
        (1, "First Paper On Pruning", "k"),
        (2, "Second Paper On Quantization", None),
        (3, "Third Paper On Attention", "j"),
    ]


def test_the_eprint_names_the_arxiv_paper_before_a_journal_note_does():
    paper = _one(
        "@article{k, title={Sparse Paper}, eprint={2310.08659}, archivePrefix={arXiv},\n"
        " journal={arXiv preprint arXiv:2208.07339}}\n"  # a copy-paste slip: the eprint wins
    )
    assert (paper.id, paper.url) == ("2310.08659", "https://arxiv.org/abs/2310.08659")


def test_eight_enclosing_groups_come_off_a_verbatim_value_and_no_more():
    assert b.verbatim_text("{" * 8 + "x" + "}" * 8) == "x"
    assert b.verbatim_text("{" * 10 + "x" + "}" * 10) == "{{x}}"


# -- 4. titles and author names: LaTeX read as text, text written as LaTeX that reads back ------
@pytest.mark.parametrize(
    ("written", "text"),
    [
        # a quote typed as an escape is a quote, not an umlaut on the word after it
        (r"The \"important\" tokens", 'The "important" tokens'),
        (r"\"Uber \"quote\" and Schr\"odinger", 'Über "quote" and Schrödinger'),
        (r"{\"U}ber Na\"{\i}ve Caf\'e", "Über Naïve Café"),
        (r"A \textit{very} \emph{important} {\bf bold} result", "A very important bold result"),
        (r"Pages 1--10 and---dashes, ``quotes''", "Pages 1–10 and—dashes, “quotes”"),
        # macros pylatexenc parsed and then dropped whole
        (r"Serving with \texttt{vLLM} and \textsf{SGLang}", "Serving with vLLM and SGLang"),
        (r"\mbox{GPT-4} Writes \LaTeX{} and \TeX", "GPT-4 Writes LaTeX and TeX"),
        # the value's delimiters are off already: its braces and quotes are the title's own
        ('"Ask Me Anything"', '"Ask Me Anything"'),
        ("{GPTQ} for {LLaMA}", "GPTQ for LLaMA"),
    ],
)
def test_latex_in_a_title_reads_as_text_and_exports_to_latex_that_reads_back(written, text):
    paper = _one(f"@misc{{k, title={{{written}}}, year=2024}}\n")
    assert paper.title == text
    again = b.entry({"id": "2401.00001", "title": paper.title, "year": 2024}, "k")
    assert _one(again).title == text


def test_a_name_quoted_with_escapes_keeps_its_quotes():
    paper = _one(
        r"@misc{k, title={T}, author={Dwayne \"The Rock\" Johnson and \"Rocky\" Balboa and M\"uller, J\"urgen}}"
        + "\n"
    )
    assert paper.authors == ['Dwayne "The Rock" Johnson', '"Rocky" Balboa', "Jürgen Müller"]


TRICKY_TITLES = [
    'The "important" tokens',
    '"Ask Me Anything": Quoted Whole "Titles"',
    "α-Entmax and β-VAE: Ω, Σ and αβγ",
    "Über “quotes” — dashes – and ‘single’ ones…",
    "50% cut & $5 cost_with #hash ~ and ^ and a \\ backslash",
    "Braces {like} this, and one alone: }",
    "{LLaMA and an open one",
    "H₂O x² at 2× speed ≤ 3 ± 1",
    "Ye Tian (田野) and Кириллица and Αλέξανδρος",
    "Schrödinger, Dvořák, Ölçek, İstanbul, Nguyễn",
    "``Already LaTeX'' -- written by hand",
]
TRICKY_NAMES = [
    "Zhaozhuo Xu",
    "Łukasz Kaiser",
    "Jürgen Schmidhuber",
    "Élie Bursztein",
    "Αλέξανδρος Παπαδόπουλος",
    "α Smith",
    "Σ Ω",
    "Ἀρχή Name",
    "Ye Tian (田野)",
    "Søren Kierkegaard",
    "Martin Luther King Jr.",
    "Charles de la Vallée Poussin",
    "Research and Development Team",
    'Dwayne "The Rock" Johnson',
    "Ann {B",
    "Li_Wei & Co",
]


def _bibtex_reads_whole(text: str) -> bool:
    """Whether BibTeX reads the entry to its last brace: BibTeX counts every brace, an
    escaped one (\\{ \\}) too, so one left unpaired ends the entry early."""
    depth = 0
    for i, char in enumerate(text):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and char == "}":
            return i == len(text) - 1
    return False


@pytest.mark.parametrize("title", TRICKY_TITLES)
def test_a_tricky_title_round_trips(title):
    text = b.entry({"id": "2401.00001", "title": title, "authors": ["Ana Wang"], "year": 2024}, "k")
    assert _bibtex_reads_whole(text), text
    assert _one(text).title == title


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_a_tricky_name_round_trips(name):
    rec = {"id": "2401.00001", "title": "A Paper", "authors": ["Ana Wang", name, "Bo Chen"], "year": 2024}
    text = b.entry(rec, "k")
    assert _bibtex_reads_whole(text), text
    assert _one(text).authors == ["Ana Wang", name, "Bo Chen"]


def test_tricky_titles_and_names_round_trip_through_the_catalog(cli, tmp_path):
    papers = [
        Paper(id=f"2401.{i:05d}", title=title, authors=TRICKY_NAMES[i : i + 3], year=2024)
        for i, title in enumerate(TRICKY_TITLES)
    ]
    with Catalog(tmp_path / "source.db") as cat:
        for paper in papers:
            cat.upsert_paper(paper)
    first = _export(cli, tmp_path / "source.db", tmp_path / "first.bib")
    r = cli("import", str(tmp_path / "first.bib"), "--db", str(tmp_path / "copy.db"))
    assert r.exit_code == 0, r.output
    with Catalog(tmp_path / "copy.db") as cat:
        copied = {p.id: (p.title, p.authors) for p in cat.iter_papers()}
    assert copied == {p.id: (p.title, p.authors) for p in papers}
    assert _export(cli, tmp_path / "copy.db", tmp_path / "again.bib") == first
