"""Markdown list parsing, case by case: the rows that mutation testing showed untested
(tools/mutate.py formats/markdown_list). Each test is what a real list does."""

from __future__ import annotations

import pytest

from efmcat.formats.markdown_list import parse_markdown_list
from efmcat.taxonomy import load_taxonomy


def _entries(text: str) -> list[tuple[str, str]]:
    res = parse_markdown_list(text, "x.md", load_taxonomy())
    return [(e.paper.id, e.paper.title) for e in res.entries]


def _paper(text: str):
    res = parse_markdown_list(text, "x.md", load_taxonomy())
    assert len(res.entries) == 1, res.entries
    return res.entries[0].paper


def test_a_bold_generic_word_is_not_the_title():
    text = "- **Paper** [Efficient Attention Kernels](https://arxiv.org/abs/2301.00001)\n"
    assert _entries(text) == [("2301.00001", "Efficient Attention Kernels")]


def test_a_bold_title_is_the_title():
    text = "- **Sparse Mixtures at Scale** [[Paper]](https://arxiv.org/abs/2301.00021)\n"
    assert _entries(text) == [("2301.00021", "Sparse Mixtures at Scale")]


def test_years_in_parentheses_of_both_centuries():
    old = _paper("- [Optimal Brain Damage (1989)](https://proceedings.neurips.cc/paper/1989/x.html)\n")
    assert old.year == 1989
    new = _paper("- [Pruning Filters (2017)](https://openreview.net/forum?id=rJqFGTslg)\n")
    assert new.year == 2017


def test_a_table_link_column_and_its_fallback_to_the_row():
    text = (
        "| Title | Link |\n|---|---|\n"
        "| [Kernel Fusion Study](https://github.com/x/y) | [arXiv](https://arxiv.org/abs/2301.00002) |\n"
        "| [Weight Sharing Study](https://arxiv.org/abs/2301.00003) | |\n"
    )
    assert _entries(text) == [("2301.00002", "Kernel Fusion Study"), ("2301.00003", "Weight Sharing Study")]


def test_the_first_arxiv_link_of_a_row_is_the_paper():
    text = "- [Token Merging Revisited](https://arxiv.org/abs/2301.00004) [v2](https://arxiv.org/abs/2301.00005)\n"
    assert _entries(text) == [("2301.00004", "Token Merging Revisited")]


def test_a_table_row_with_one_non_paper_link_keeps_it():
    text = "| Title | Link |\n|---|---|\n| Serving Notes | [site](https://example.org/serving-notes) |\n"
    p = _paper(text)
    assert (p.title, p.url) == ("Serving Notes", "https://example.org/serving-notes")


def test_an_authors_line_of_600_characters_is_not_taken():
    names = ", ".join(f"Author Number{i}" for i in range(45))
    assert len(names) >= 600
    p = _paper(f"- [Long Author List Paper](https://arxiv.org/abs/2301.00006)<br>{names}\n")
    assert p.authors == []
    p = _paper("- [Short Author List Paper](https://arxiv.org/abs/2301.00007)<br>Ana Smith, Bo Wang\n")
    assert p.authors == ["Ana Smith", "Bo Wang"]


@pytest.mark.parametrize(
    "line", ["Ana Smith, Bo Wang, and Cy Li", "Ana Smith, Bo Wang and Cy Li", "Ana Smith, Bo Wang & Cy Li"]
)
def test_the_last_author_after_an_and_is_a_name_without_it(line):
    """The Oxford comma ("B, and C") left "and Cy Li" as an author (two shipped papers)."""
    p = _paper(f"- [Three Author Paper](https://arxiv.org/abs/2301.00009)<br>{line}\n")
    assert p.authors == ["Ana Smith", "Bo Wang", "Cy Li"]


def test_the_first_column_is_the_title_when_no_header_names_one():
    text = (
        "| Work | Link |\n|---|---|\n| Fast Attention Kernels | [arXiv](https://arxiv.org/abs/2301.00008) |\n"
    )
    assert _entries(text) == [("2301.00008", "Fast Attention Kernels")]


def test_indented_lines_continue_an_item_and_unindented_ones_do_not():
    text = (
        "- **Title Spread Over Lines**\n"
        "  *Ana Smith, Bo Wang* [pdf](https://arxiv.org/abs/2301.00009)\n"
        "- [Next Item Paper](https://arxiv.org/abs/2301.00010)\n"
        "**Paragraph Paper** [[Paper]](https://arxiv.org/abs/2301.00011)\n"
    )
    res = parse_markdown_list(text, "x.md", load_taxonomy())
    got = [(e.paper.id, e.paper.title, e.line) for e in res.entries]
    assert got == [
        ("2301.00009", "Title Spread Over Lines", 1),
        ("2301.00010", "Next Item Paper", 3),
        ("2301.00011", "Paragraph Paper", 4),
    ]
    assert res.entries[0].paper.authors == ["Ana Smith", "Bo Wang"]


def test_two_continuation_lines_join_one_item():
    text = (
        "- **Three Line Item**\n"
        "  Ana Smith, Bo Wang\n"
        "  [pdf](https://arxiv.org/abs/2301.00012)\n"
        "- [After It](https://arxiv.org/abs/2301.00013)\n"
    )
    assert _entries(text) == [("2301.00012", "Three Line Item"), ("2301.00013", "After It")]


def test_a_line_after_a_table_is_not_a_table_row():
    text = (
        "| Title | Link |\n|---|---|\n| Table Paper | [arXiv](https://arxiv.org/abs/2301.00014) |\n"
        "\n"
        "- [A blog post](https://example.com/blog) | news\n"
    )
    assert _entries(text) == [("2301.00014", "Table Paper")]


def test_quote_lines_are_not_papers_but_paragraph_lines_are():
    text = (
        "> [Quoted Paper](https://arxiv.org/abs/2301.00015)\n"
        "**Paragraph Line Paper** [[Paper]](https://arxiv.org/abs/2301.00016)\n"
    )
    assert _entries(text) == [("2301.00016", "Paragraph Line Paper")]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.usenix.org/conference/osdi18/presentation/chen",
        "https://proceedings.mlsys.org/paper_files/paper/2024/hash/abc-Abstract-Conference.html",
        "https://mlsys.org/virtual/2024/poster/2631",
        "https://www.vldb.org/pvldb/vol17/p1-x.pdf",
        "https://www.computer.org/csdl/proceedings-article/isca/2023/01/1234",
    ],
)
def test_a_systems_venues_page_is_a_paper(url):
    """TVM, Orca and FastServe were missing from the catalog: rows linking only a USENIX
    (or MLSys, VLDB, IEEE CS) page were taken for no paper."""
    p = _paper(f"- [TVM: An Automated End-to-End Optimizing Compiler for Deep Learning]({url})\n")
    assert p.title == "TVM: An Automated End-to-End Optimizing Compiler for Deep Learning"
    assert p.id.startswith(("url:", "doi:"))


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # horseee's row: the ":4:" was taken for an emoji shortcode
        ("Beyond 2:4: exploring V:N:M sparsity", "Beyond 2:4: exploring V:N:M sparsity"),
        (":fire: Fast Attention", "Fast Attention"),
        ("Fast Attention :star2: :+1: :-1:", "Fast Attention"),
        ("Paper :fire:x", "Paper :fire:x"),  # not a word of its own
        ("see :q:k:v: heads", "see :q:k:v: heads"),
    ],
)
def test_emoji_shortcodes_go_and_ratios_stay(title, expected):
    assert _paper(f"- [{title}](https://arxiv.org/abs/2410.16135)\n").title == expected


# -- rows without a link (the ml-systems list names Megatron-LM, GPipe, ZeRO so) ---------------
LINKLESS = """# Distributed training

- [SC'21] Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM (`PTD-P` or `Megatron-LM v2`)
- [arxiv'20] Megatron-LM: Training Multi-Billion Parameter Language Models Using Model Parallelism
- [Survey :mag:] [IJCAI'22] Survey on Efficient Training of Large Neural Networks
- [NeurIPS'20] [Language Models are Few-Shot Learners](https://proceedings.neurips.cc/paper/2020/hash/1457c0d6bfcb4967418bfb8ac142f64a-Abstract.html)
- Distributed training frameworks and their tricks
- [OSDI'22] Orca
"""


def test_rows_without_a_link_are_papers_only_when_asked():
    res = parse_markdown_list(LINKLESS, "ml.md", load_taxonomy(), linkless=True)
    got = [(e.paper.id, e.paper.title, e.paper.year, e.link) for e in res.entries]
    assert got[:3] == [
        (
            "title:efficient-large-scale-language-model-training-on-gpu",
            "Efficient Large-Scale Language Model Training on GPU Clusters Using Megatron-LM",
            2021,
            None,
        ),
        (
            "title:megatron-lm-training-multi-billion-parameter-language-models",
            "Megatron-LM: Training Multi-Billion Parameter Language Models Using Model Parallelism",
            2020,
            None,
        ),
        (
            "title:survey-on-efficient-training-of-large-neural-networks",
            "Survey on Efficient Training of Large Neural Networks",
            2022,
            None,
        ),
    ]
    # a linked row as before; no venue tag, or a title of fewer than three words: no paper
    assert [e.paper.title for e in res.entries[3:]] == ["Language Models are Few-Shot Learners"]
    assert res.rows == 4
    (old,) = parse_markdown_list(
        "- [ISCA'98] A Paper From Before\n", "ml.md", load_taxonomy(), linkless=True
    ).entries
    assert old.paper.year == 1998
    plain = parse_markdown_list(LINKLESS, "ml.md", load_taxonomy())
    assert [e.paper.title for e in plain.entries] == ["Language Models are Few-Shot Learners"]


def test_a_link_inside_brackets_leaves_no_empty_brackets_in_the_title():
    assert _entries(
        "- Merging Experts into One: Improving Computational Efficiency of Mixture of Experts "
        "[[EMNLP 2023](https://arxiv.org/abs/2310.09832)]\n"
    ) == [
        ("2310.09832", "Merging Experts into One: Improving Computational Efficiency of Mixture of Experts")
    ]


def test_latex_font_commands_in_a_title_are_text():
    (entry,) = _entries(
        "- [HyC-LoRA: Memory Efficient LoRA Fine-tuning with \\textbf{Hy}brid Activation \\textbf{C}ompression]"
        "(https://mlsys.org/virtual/2025/poster/2975)\n"
    )
    assert entry[1] == "HyC-LoRA: Memory Efficient LoRA Fine-tuning with Hybrid Activation Compression"


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        (
            "*Jingyu Liu\\*, Xin Dong\\*, Ferdinando Fioretto.*",
            ["Jingyu Liu", "Xin Dong", "Ferdinando Fioretto"],
        ),
        ("*GenAI and Infra Teams at Meta*", ["GenAI and Infra Teams at Meta"]),  # a team, not two people
        ("*Martin Luther King Jr., A. B.*", ["Martin Luther King Jr.", "A. B."]),  # these periods stay
    ],
)
def test_list_authors_lose_their_marks(authors, expected):
    paper = _paper(f"- **A Paper About Things** [[Paper](https://arxiv.org/abs/2301.00001)]\n  {authors}\n")
    assert paper.authors == expected
