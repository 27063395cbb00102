"""Titles of Markdown list rows whose bold part is only the paper's name: "**GPTQ**: Accurate
Post-Training Quantization ..." is the whole title, not "GPTQ"; a bold part that is the
whole title (followed by links, authors or a venue) stays the title alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from efmcat.formats.markdown_list import parse_markdown_list
from efmcat.taxonomy import load_taxonomy

GPTQ = "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"
AWQ = "AWQ: Activation-aware Weight Quantization"
QLORA = "QLoRA: Efficient Finetuning of Quantized LLMs"


def _titles(text: str) -> list[tuple[str, str]]:
    res = parse_markdown_list(text, "x.md", load_taxonomy())
    return [(e.paper.id, e.paper.title) for e in res.entries]


def test_bold_name_then_colon_then_title_in_a_bullet():
    text = (
        "## Quantization\n\n"
        "- **GPTQ**: Accurate Post-Training Quantization for Generative Pre-trained Transformers "
        "[[Paper]](https://arxiv.org/abs/2210.17323)\n"
    )
    assert _titles(text) == [("2210.17323", GPTQ)]


def test_bold_name_inside_the_link_text():
    text = "- [**AWQ**: Activation-aware Weight Quantization](https://arxiv.org/abs/2306.00978)\n"
    assert _titles(text) == [("2306.00978", AWQ)]


def test_bold_name_in_a_table_cell():
    text = (
        "| Title | Year | Link |\n|---|---|---|\n"
        "| **QLoRA**: Efficient Finetuning of Quantized LLMs | 2023 | [Link](https://arxiv.org/abs/2305.14314) |\n"
    )
    assert _titles(text) == [("2305.14314", QLORA)]


def test_bold_name_in_a_paragraph_line():
    text = "**QLoRA**: Efficient Finetuning of Quantized LLMs [[Paper]](https://arxiv.org/abs/2305.14314)\n"
    assert _titles(text) == [("2305.14314", QLORA)]


@pytest.mark.parametrize(
    "row",
    [
        "- **QLoRA:** Efficient Finetuning of Quantized LLMs [[Paper]](https://arxiv.org/abs/2305.14314)",
        "- __QLoRA__: Efficient Finetuning of Quantized LLMs [[Paper]](https://arxiv.org/abs/2305.14314)",
        "- [**QLoRA**](https://arxiv.org/abs/2305.14314): Efficient Finetuning of Quantized LLMs",
        "- **[QLoRA](https://arxiv.org/abs/2305.14314)**: Efficient Finetuning of Quantized LLMs",
        "- [NeurIPS'23] **QLoRA**: Efficient Finetuning of Quantized LLMs [[Paper]](https://arxiv.org/abs/2305.14314)",
        "- **QLoRA**: *Efficient Finetuning of Quantized LLMs* [[Paper]](https://arxiv.org/abs/2305.14314)",
        "- **QLoRA**：Efficient Finetuning of Quantized LLMs [[Paper]](https://arxiv.org/abs/2305.14314)",
    ],
)
def test_other_spellings_of_a_bold_name_and_a_colon(row: str):
    assert _titles(row + "\n") == [("2305.14314", QLORA)]


@pytest.mark.parametrize(
    "row",
    [
        # authors, a venue or a year after the title's words are not part of it
        "- **QLoRA**: Efficient Finetuning of Quantized LLMs. Tim Dettmers, Artidoro Pagnoni. "
        "NeurIPS 2023 [[Paper]](https://arxiv.org/abs/2305.14314)",
        "- **QLoRA**: Efficient Finetuning of Quantized LLMs *Dettmers et al.* [[Paper]](https://arxiv.org/abs/2305.14314)",
        "- **QLoRA**: Efficient Finetuning of Quantized LLMs, NeurIPS 2023, [[Paper]](https://arxiv.org/abs/2305.14314)",
        "- **QLoRA**: Efficient Finetuning of Quantized LLMs (NeurIPS'23) [[Paper]](https://arxiv.org/abs/2305.14314)",
        "- **QLoRA**: Efficient Finetuning of Quantized LLMs - 2023 [[Paper]](https://arxiv.org/abs/2305.14314)",
    ],
)
def test_the_title_ends_before_authors_and_venue(row: str):
    assert _titles(row + "\n") == [("2305.14314", QLORA)]


def test_a_title_with_commas_is_not_taken_for_authors():
    text = "- **FCA**: Fast, Cheap, and Accurate Inference [[Paper]](https://arxiv.org/abs/2301.00021)\n"
    assert _titles(text) == [("2301.00021", "FCA: Fast, Cheap, and Accurate Inference")]


def test_a_title_with_vs_and_a_second_colon_is_kept_whole():
    text = (
        "- **PvQ**: Pruning vs. Quantization: Which Is Better? [[Paper]](https://arxiv.org/abs/2307.02973)\n"
    )
    assert _titles(text) == [("2307.02973", "PvQ: Pruning vs. Quantization: Which Is Better?")]


@pytest.mark.parametrize(
    ("row", "title"),
    [
        # the bold part is the whole title
        (
            "- **Sparse Mixtures at Scale** [[Paper]](https://arxiv.org/abs/2301.00021)",
            "Sparse Mixtures at Scale",
        ),
        # "**Title.** Authors. Venue" (hemingkx/SpeculativeDecodingPapers' blog section)
        (
            "- **Prompt Lookup Decoding.** Apoorv Saxena. 2023.11. [[Paper]](https://arxiv.org/abs/2301.00021)",
            "Prompt Lookup Decoding.",
        ),
        (
            "- **Medusa: Simple LLM Decoding Heads.** Princeton, UIUC. 2023.09. [[Paper]](https://arxiv.org/abs/2301.00021)",
            "Medusa: Simple LLM Decoding Heads.",
        ),
        # a colon after a bold title, then authors or a venue only
        (
            "- **Sparse Mixtures at Scale**: Ana Smith, Bo Wang, Chen Li [[Paper]](https://arxiv.org/abs/2301.00021)",
            "Sparse Mixtures at Scale",
        ),
        (
            "- **Sparse Mixtures at Scale**: Smith et al. [[Paper]](https://arxiv.org/abs/2301.00021)",
            "Sparse Mixtures at Scale",
        ),
        (
            "- **Sparse Mixtures at Scale**: ICLR 2023 [[Paper]](https://arxiv.org/abs/2301.00021)",
            "Sparse Mixtures at Scale",
        ),
        (
            "- **Sparse Mixtures at Scale**: [[Paper]](https://arxiv.org/abs/2301.00021)",
            "Sparse Mixtures at Scale",
        ),
        # a bold title that has its own colon: what follows its colon is a note
        (
            "- **Medusa: Simple LLM Decoding Heads**: multiple heads [[Paper]](https://arxiv.org/abs/2301.00021)",
            "Medusa: Simple LLM Decoding Heads",
        ),
        # no colon: the words after a bold part may be anything (authors, a venue)
        ("- **Sparse Mixtures** Ana Smith [[Paper]](https://arxiv.org/abs/2301.00021)", "Sparse Mixtures"),
        # a bracketed remark in bold is not the title
        (
            "- [Scaling Laws for Neural Language Models](https://arxiv.org/abs/2001.08361) [**From OpenAI**]",
            "Scaling Laws for Neural Language Models",
        ),
    ],
)
def test_a_bold_part_that_is_the_whole_title_stays_alone(row: str, title: str):
    assert [t for _, t in _titles(row + "\n")] == [title]


def test_the_cli_imports_the_whole_titles(cli, tmp_path: Path):
    md = tmp_path / "pb.md"
    md.write_text(
        "## Quantization\n\n"
        "- **GPTQ**: Accurate Post-Training Quantization for Generative Pre-trained Transformers "
        "[[Paper]](https://arxiv.org/abs/2210.17323)\n"
        "- [**AWQ**: Activation-aware Weight Quantization](https://arxiv.org/abs/2306.00978)\n",
        encoding="utf-8",
    )
    r = cli("import", str(md))
    assert r.exit_code == 0, r.output
    titles = {}
    for pid in ("2210.17323", "2306.00978"):
        shown = cli("show", pid, "--json")
        assert shown.exit_code == 0, shown.output
        titles[pid] = json.loads(shown.stdout)["title"]
    assert titles == {"2210.17323": GPTQ, "2306.00978": AWQ}


def test_a_venue_after_a_long_title_is_still_cut():
    from efmcat.formats.markdown_list import TAIL_SPAN

    long_words = " ".join(["Quantization"] * 20)
    assert len(long_words) > TAIL_SPAN
    line = f"- **GPTQ**: {long_words}, ICLR 2023 [[Paper]](https://arxiv.org/abs/2210.17323)"
    assert _titles(line) == [("2210.17323", f"GPTQ: {long_words}")]


@pytest.mark.parametrize(
    "authors",
    ["Ana Smith, Bo Wang", "Ana Smith, Bo Wang and Chen Li", "Xiao, Lin, Seznec, Wu", "Frantar et al."],
)
def test_a_bold_title_followed_by_authors_stays_the_title_alone(authors):
    line = f"- **Sparse Mixtures at Scale**: {authors} [[Paper]](https://arxiv.org/abs/2301.00021)"
    assert _titles(line) == [("2301.00021", "Sparse Mixtures at Scale")]


@pytest.mark.parametrize(
    ("name", "rest", "arxiv"),
    [
        ("LayerSkip", "Enabling Early Exit Inference and Self-Speculative Decoding", "2404.16710"),
        ("ST-MoE", "Designing Stable and Transferable Sparse Expert Models", "2202.08906"),
        ("Scatterbrain", "Unifying Sparse and Low-rank Attention", "2110.15343"),
    ],
)
def test_two_capitalised_phrases_joined_by_and_are_a_subtitle_not_authors(name, rest, arxiv):
    line = f"- **{name}**: {rest} [[Paper]](https://arxiv.org/abs/{arxiv})"
    assert _titles(line) == [(arxiv, f"{name}: {rest}")]


def test_a_nested_line_that_only_names_its_link_is_no_paper():
    """ml-systems: "  - arxiv version (2023): [link](...)" under a TKDE paper and
    "  - slides: [link](...)" under an RTAS paper became papers titled "arxiv version (2023)"
    and "slides". A short title before its link ("GPTQ: [arxiv](...)") is still a paper."""
    text = (
        "## Training\n\n"
        "- [TKDE'24] [Improving Automatic Parallel Training via Balanced Memory Workload "
        "Optimization](https://ieeexplore.ieee.org/abstract/document/10449463)\n"
        "  - extended version of Galvatron (VLDB'23)\n"
        "  - arxiv version (2023): [link](https://arxiv.org/abs/2307.02031)\n"
        "- [RTAS'24] [Demystifying NVIDIA GPU Internals](https://www.cs.unc.edu/~jbakita/rtas24-private.pdf)\n"
        "  - slides: [link](https://www.cs.unc.edu/~jbakita/rtas24_slides.pdf)\n"
        "- GPTQ: [arxiv](https://arxiv.org/abs/2210.17323)\n"
        "- Extended version: [Long Context Serving at Scale](https://arxiv.org/abs/2401.00001)\n"
    )
    assert _titles(text) == [
        ("ieee:10449463", "Improving Automatic Parallel Training via Balanced Memory Workload Optimization"),
        ("url:cs.unc.edu/~jbakita/rtas24-private.pdf", "Demystifying NVIDIA GPU Internals"),
        ("2210.17323", "GPTQ"),
        ("2401.00001", "Long Context Serving at Scale"),  # the link names the paper: its title
    ]


def test_a_link_text_that_goes_on_to_the_next_line_is_one_title():
    """MingSun-Tse's list wraps a link's text before its "](url)": the title is the whole text,
    and "](https://arxiv.org/abs/1810.00208)" is no author."""
    text = (
        "- 2019-MLsys-[To compress or not to compress: Understanding the Interactions between "
        "Adversarial Attacks and Neural Network Compression\n"
        "    ](https://arxiv.org/abs/1810.00208)\n"
    )
    res = parse_markdown_list(text, "x.md", load_taxonomy())
    [e] = res.entries
    assert (e.paper.id, e.paper.authors) == ("1810.00208", [])
    assert e.paper.title == (
        "To compress or not to compress: Understanding the Interactions between Adversarial "
        "Attacks and Neural Network Compression"
    )


@pytest.mark.parametrize(
    "first",
    [
        "- [A Paper on Pruning Large Models](https://arxiv.org/abs/2301.00774)",
        "- **A Paper on Pruning Large Models** [[paper](https://arxiv.org/abs/2301.00774)",  # a stray [
    ],
)
def test_an_indented_authors_line_stays_the_authors(first):
    [e] = parse_markdown_list(first + "\n  Ana Smith, Bo Wang\n", "x.md", load_taxonomy()).entries
    assert (e.paper.title, e.paper.authors) == ("A Paper on Pruning Large Models", ["Ana Smith", "Bo Wang"])


def test_a_rows_year_and_venue_repeated_in_its_link_text_are_no_title():
    text = (
        "-   2018-ECCV-[2018-ECCV-Learning deep representations with probabilistic knowledge transfer]"
        "(http://openaccess.thecvf.com/content_ECCV_2018/html/Passalis_ECCV_2018_paper.html)\n"
        "-   2021-ICLR-[2021: A Year of Sparse Models](https://arxiv.org/abs/2101.00001)\n"
        "- [2023-GPT-4 Assisted Pruning of Large Models](https://arxiv.org/abs/2301.00775)\n"
    )
    assert [t for _, t in _titles(text)] == [
        "Learning deep representations with probabilistic knowledge transfer",
        "2021: A Year of Sparse Models",  # no "YEAR-VENUE-" before it: the title as written
        "2023-GPT-4 Assisted Pruning of Large Models",  # the row has no such prefix of its own
    ]


def test_a_cross_reference_to_another_section_is_no_part_of_the_title():
    text = (
        "- [SIGMOD'21] Heterogeneity-Aware Distributed Machine Learning Training via Partial Reduce "
        "[also in [2.10](#210-communication-optimization)]\n"
    )
    res = parse_markdown_list(text, "x.md", load_taxonomy(), linkless=True)
    assert [e.paper.title for e in res.entries] == [
        "Heterogeneity-Aware Distributed Machine Learning Training via Partial Reduce"
    ]
    linked = "- Tensor Programs for Sparse Models [also in [2.1](#21-x)] [[paper](https://arxiv.org/abs/2301.00774)]\n"
    assert _titles(linked) == [("2301.00774", "Tensor Programs for Sparse Models")]


def test_a_nickname_run_into_the_surname_is_spaced():
    text = (
        "|Title|\n|---|\n|[Exploiting Inter-Layer Expert Affinity](https://arxiv.org/abs/2401.08383) <br> "
        "Hari Subramoni, Dhabaleswar K. (DK)Panda |\n"
    )
    [e] = parse_markdown_list(text, "x.md", load_taxonomy()).entries
    assert e.paper.authors == ["Hari Subramoni", "Dhabaleswar K. (DK) Panda"]


def test_authors_written_after_the_titles_link_in_a_bullet():
    """horseee's topic pages: "[Title](url). Authors. [[Paper]](url)": 88 papers had none."""
    text = (
        "* [![Star](https://img.shields.io/github/stars/a/b.svg)](https://github.com/a/b) "
        "[FlashAttention-2: Faster Attention with Better Parallelism](https://arxiv.org/abs/2307.08691). "
        "Tri Dao. [[Paper]](https://arxiv.org/abs/2307.08691)\n"
        "* [Efficiently Scaling Transformer Inference](https://arxiv.org/abs/2211.05102). Reiner Pope, "
        "Sholto Douglas, Aakanksha Chowdhery. [[Paper]](https://arxiv.org/abs/2211.05102)\n"
        "* [A Paper on Pruning](https://arxiv.org/abs/2301.00774). we study the pruning of large "
        "models. [[Paper]](https://arxiv.org/abs/2301.00774)\n"  # a sentence, not names
    )
    res = parse_markdown_list(text, "x.md", load_taxonomy())
    assert [e.paper.authors for e in res.entries] == [
        ["Tri Dao"],
        ["Reiner Pope", "Sholto Douglas", "Aakanksha Chowdhery"],
        [],
    ]
