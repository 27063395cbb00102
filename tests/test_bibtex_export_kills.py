"""The BibTeX export's pieces, exactly: non-ASCII spelled for pdflatex, venues, citekeys
and one whole entry; and the import's value decoding. (Written for survivors of
tools/mutate.py.)"""

from __future__ import annotations

import pytest

from efmcat.formats import bibtex as b


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("a·b ≈ c", r"a$\cdot$b $\approx$ c"),
        ("x ≤ y ≥ z ± ∞", r"x $\leq$ y $\geq$ z $\pm$ $\infty$"),
        ("β-VAE and Ω", r"$\beta$-VAE and $\Omega$"),
        ("Ölçek", r"{\"O}l{\c{c}}ek"),
        ("Łukasz", r"{\L}ukasz"),
        ("naïve", r"na{\"\i}ve"),
        ("H₂O x²", r"H$_2$O x$^2$"),
        ("plain ASCII_text & 50%", r"plain ASCII\_text \& 50\%"),
        ("ο", "ο"),  # Greek omicron: its spelling "o" would not read back, so it is kept
    ],
)
def test_latex_escape_spells_what_pdflatex_reads(text, latex):
    assert b.latex_escape(text) == latex
    assert b.decode_text(latex) == text  # and it reads back


def test_a_brace_without_a_partner_is_spelled_as_a_symbol():
    """BibTeX counts \\{ and \\} as braces: one unpaired would end the field (and the entry) early."""
    assert b.latex_escape("{x} and y}") == r"\{x\} and y\textbraceright{}"
    assert b.latex_escape("a}b{c") == r"a\textbraceright{}b\textbraceleft{}c"
    assert b.latex_title("Ann {LLaMA") == r"Ann \textbraceleft{}{LLaMA}"
    assert b.decode_text(r"a\textbraceright{}b\textbraceleft{}c") == "a}b{c"


def test_latex_title_protects_capitals():
    assert b.latex_title("GPTQ: Accurate Post-Training Quantization for LLaMA") == (
        "{GPTQ}: Accurate {Post-Training} Quantization for {LLaMA}"
    )


@pytest.mark.parametrize(
    ("title", "latex"),
    [  # a sentence-casing style lowered these: "efficient n:m sparsity", "3d integration"
        ("Efficient N:M Sparsity", "Efficient {N:M} Sparsity"),
        ("3D Integration of 70B Models", "{3D} Integration of {70B} Models"),
        ("I/O-Aware Attention", "{I/O-Aware} Attention"),
        ("FP8_LM: Training", r"{FP8\_LM}: Training"),
        ("Speculative Decoding in 2024", "Speculative Decoding in 2024"),  # no capital inside
    ],
)
def test_latex_title_protects_digits_and_joined_words(title, latex):
    assert b.latex_title(title) == latex


@pytest.mark.parametrize(
    ("venue", "journal_ref", "expected"),
    [
        (
            "NeurIPS 2023",
            None,
            ("inproceedings", {"booktitle": "Advances in Neural Information Processing Systems"}, "2023"),
        ),
        (
            "ACL Findings 2024",
            None,
            (
                "inproceedings",
                {"booktitle": "Findings of the Association for Computational Linguistics: ACL 2024"},
                "2024",
            ),
        ),
        (None, "Journal of Foo 12 (2021)", ("article", {"journal": "Journal of Foo 12 (2021)"}, "2021")),
        ("Some Workshop on Things", None, ("inproceedings", {"booktitle": "Some Workshop on Things"}, None)),
        (None, "arXiv preprint", ("misc", {}, None)),
        (
            "arXiv 2023",
            "TMLR 2024",
            ("article", {"journal": "Transactions on Machine Learning Research"}, "2024"),
        ),
        (
            "Proceedings of the Big Long ICML Conference 2022",
            None,
            ("inproceedings", {"booktitle": "Proceedings of the Big Long ICML Conference 2022"}, "2022"),
        ),
        (None, "Nice paper 2020", ("misc", {"note": "Nice paper 2020"}, None)),
        ("  ", None, ("misc", {}, None)),
    ],
)
def test_venue_fields(venue, journal_ref, expected):
    assert b.venue_fields(venue, journal_ref) == expected


def test_generated_keys_use_the_first_author_and_a_suffix_when_shared():
    records = [
        {
            "id": "2401.00001",
            "authors": ["Ana Wang", "Bo Chen"],
            "year": 2024,
            "title": "The Sparse attention",
        },
        {"id": "2401.00002", "authors": ["Wang, Ana"], "year": 2024, "title": "Sparse things"},
        {"id": "2401.00003", "authors": ["Bo Chen", "Ana Wang"], "year": 2023, "title": "Kernels"},
    ]
    assert b.citekeys(records) == {
        "2401.00001": "wang2024sparsea",
        "2401.00002": "wang2024sparseb",
        "2401.00003": "chen2023kernels",
    }
    assert [b._suffix(i) for i in (0, 1, 25, 26, 27, 701, 702)] == ["a", "b", "z", "aa", "ab", "zz", "aaa"]


def test_one_entry_exactly():
    rec = {
        "id": "2210.17323",
        "arxiv_id": "2210.17323",
        "title": "GPTQ: Accurate Post-Training Quantization",
        "authors": ["Elias Frantar", "Dan Alistarh"],
        "year": 2022,
        "venue": "ICLR 2023",
        "categories": ["cs.LG", "cs.CL"],
        "doi": "10.1/x_y",
    }
    assert b.entry(rec, "frantar2022gptq") == "\n".join(
        [
            "@inproceedings{frantar2022gptq,",
            "  title = {{GPTQ}: Accurate {Post-Training} Quantization},",
            "  author = {Elias Frantar and Dan Alistarh},",
            "  booktitle = {International Conference on Learning Representations},",
            "  year = {2023},",
            "  eprint = {2210.17323},",
            "  archivePrefix = {arXiv},",
            "  primaryClass = {cs.LG},",
            r"  doi = {10.1/x\_y},",
            "  url = {https://arxiv.org/abs/2210.17323}",
            "}",
        ]
    )


def test_an_author_less_entry_gets_a_key_field():
    rec = {"id": "doi:10.1/z", "title": "A Survey: of Things", "year": 2021, "url": "https://e.org/a b#c%"}
    assert b.entry(rec, "anon2021survey") == "\n".join(
        [
            "@misc{anon2021survey,",
            "  title = {A Survey: of Things},",
            "  key = {A Survey},",
            "  year = {2021},",
            "  doi = {10.1/z},",
            r"  url = {https://e.org/a%20b\#c\%}",
            "}",
        ]
    )


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("{Caf\\'e}", "Café"),
        # bibtexparser gives a value without its delimiters: quotes left are the text's own
        ('"quoted"', '"quoted"'),
        ("{GPTQ} for {LLaMA}", "GPTQ for LLaMA"),
        ("{x}", "x"),
        ("{unbalanced", "unbalanced"),
        ("a\\textasciicircum{}b", "a^b"),
        ("a\\^{}b", "a^b"),
        ("H$_2$O \\copyright{} \\pounds{}", "H₂O © £"),
    ],
)
def test_decode_text(raw, text):
    assert b.decode_text(raw) == text


def test_author_names_drop_others_and_turn_last_first():
    assert b._author_names("Wang, Ana and others and {Big Org} and {} and Bo Chen") == [
        "Ana Wang",
        "Big Org",
        "Bo Chen",
    ]


def test_an_import_skips_an_untitled_entry_and_keeps_a_venues_year():
    text = (
        "@misc{notitle,\n  author = {Ana Wang},\n  year = {2020}\n}\n\n"
        "@inproceedings{frantar,\n  title = {{GPTQ}},\n  booktitle = {ICLR},\n  year = {2023},\n"
        "  eprint = {2210.17323}\n}\n\n"
        "@misc{undated,\n  title = {Undated},\n  eprint = {2210.17324}\n}\n\n"
        "@misc{latest,\n  title = {FP8 Quantization},\n  year = {2024},\n  eprint = {2208.09225},\n"
        "  archivePrefix = {arXiv}\n}\n"
    )
    result = b.parse_bibtex(text, "refs.bib")
    assert result.skipped == [(1, "entry notitle has no title")]
    assert [(e.paper.id, e.paper.year, e.citekey) for e in result.entries] == [
        ("2210.17323", 2023, "frantar"),  # a venue's year, not the arXiv id's
        ("2210.17324", 2022, "undated"),  # none given: the arXiv id's
        ("2208.09225", 2022, "latest"),  # arXiv's BibTeX gives its latest version's: the id's
    ]


def test_keys_numbered_on_disk_skip_a_suffix_a_user_took():
    from efmcat.scratch import scratch_db

    items = [("id1", "xa", "q"), ("id2", None, "x"), ("id3", None, "x"), ("id4", None, "y")]
    want = {"id1": "xa", "id2": "xb", "id3": "xc", "id4": "y"}
    assert b.citekeys_of(items) == want
    with scratch_db() as db:
        assert b.number_keys(db, items) == 4
        assert dict((pid, key) for key, pid in db.execute("SELECT key, id FROM keys")) == want


def test_keys_that_differ_only_in_case_are_one_key_to_bibtex():
    """BibTeX matches keys case-insensitively: a user's Dao2022FlashAttention beside the
    generated dao2022flashattention was a "Repeated entry", one paper lost."""
    from efmcat.scratch import scratch_db

    items = [
        ("2205.14135", None, "dao2022flashattention"),
        ("2307.08691", "Dao2022FlashAttention", "dao2023flashattention"),
        ("2401.00001", "GPTQ", "x"),
        ("2401.00002", "gptq", "y"),  # a second user's key that BibTeX reads as the first
    ]
    want = {
        "2205.14135": "dao2022flashattentiona",
        "2307.08691": "Dao2022FlashAttention",
        "2401.00001": "GPTQ",
        "2401.00002": "y",
    }
    assert b.citekeys_of(items) == want
    with scratch_db() as db:
        assert b.number_keys(db, items) == 4
        assert dict((pid, key) for key, pid in db.execute("SELECT key, id FROM keys")) == want


@pytest.mark.parametrize(
    ("venue", "expected"),
    [  # the lists' workshop and oral marks, journals by their abbreviations, a magazine
        ("ICLRw 2018", ("inproceedings", {"booktitle": "ICLR Workshop 2018"}, "2018")),
        ("NIPSw 2017", ("inproceedings", {"booktitle": "NIPS Workshop 2017"}, "2017")),
        ("CVPRo 2019", ("inproceedings", {"booktitle": b.VENUES["cvpr"][1]}, "2019")),
        ("SC workshop 2025", ("inproceedings", {"booktitle": "SC workshop 2025"}, "2025")),
        ("IEEE MICRO 2019", ("article", {"journal": "IEEE Micro"}, "2019")),
        ("MICRO 2019", ("inproceedings", {"booktitle": b.VENUES["micro"][1]}, "2019")),
        ("IJCV 2021", ("article", {"journal": "International Journal of Computer Vision"}, "2021")),
        (
            "TPDS 2023",
            ("article", {"journal": "IEEE Transactions on Parallel and Distributed Systems"}, "2023"),
        ),
        ("CGO 2023", ("inproceedings", {"booktitle": b.VENUES["cgo"][1]}, "2023")),
        ("Xw 2020", ("inproceedings", {"booktitle": "Xw 2020"}, "2020")),  # no venue's mark
    ],
)
def test_venue_marks_and_abbreviations(venue, expected):
    """ "ICLRw 2018" was a booktitle as given, "SC workshop" the SC conference, IJCV an
    @inproceedings with booktitle "IJCV 2021", IEEE Micro (a magazine) the MICRO symposium."""
    assert b.venue_fields(venue, None) == expected


def test_an_arxiv_paper_without_authors_has_the_key_of_its_id():
    """Its key does not change when papers are added beside it: "anon2024efficient" was
    shared, numbered a, b, c in id order, and an added paper renamed the others."""
    one = {"id": "2401.05391", "title": "Efficient Prompting", "year": 2024, "authors": []}
    other = {"id": "2401.00001", "title": "Efficient Attention", "year": 2024, "authors": []}
    assert b.base_key(one) == "arxiv2401.05391"
    assert b.citekeys([one]) == {"2401.05391": "arxiv2401.05391"}
    assert b.citekeys([one, other])["2401.05391"] == "arxiv2401.05391"
    old_style = {"id": "cs/0112017", "title": "Old", "year": 2001, "authors": []}
    assert b.base_key(old_style) == "arxivcs0112017"
    not_arxiv = {"id": "openreview:abc", "title": "Efficient Attention", "year": 2024, "authors": []}
    assert b.base_key(not_arxiv) == "anon2024efficient"


def test_one_character_with_no_faithful_spelling_keeps_only_itself_as_written():
    """A pasted ﬁ ligature (NFKD spells it "fi", which reads back otherwise) made the whole
    title raw Unicode, → and é included."""
    title = "Efﬁcient Post-Training Quantization → Café"
    assert b.latex_title(title) == "Efﬁcient {Post-Training} Quantization $\\rightarrow$ Caf{\\'e}"
    assert b.decode_text(b.latex_title(title)) == title  # reads back as written
    assert b.latex_escape("Zhang Wěi 张伟") == "Zhang W{\\v{e}}i 张伟"
