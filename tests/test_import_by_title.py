"""An imported entry without an arXiv id (a title-only BibTeX entry, a DOI) that is a paper
the catalog already has merges into that paper by its title: one paper, once."""

from __future__ import annotations

import json

import pytest

from efmcat.catalog import Catalog
from efmcat.models import Paper

SMOOTHQUANT = "SmoothQuant: Accurate and Efficient Post-Training Quantization for Large Language Models"

BIB = r"""@inproceedings{xiao2023smoothquant,
  title={Smoothquant: Accurate and efficient post-training quantization for large language models},
  author={Xiao, Guangxuan and Lin, Ji},
  booktitle={International Conference on Machine Learning},
  year={2023}
}

@article{conf2024moba,
  title={{MoBA}: Mixture of Block Attention for Long-Context {LLMs}},
  doi={10.1234/moba.2025},
  year={2025}
}

@misc{short2020,
  title={Attention Models},
  year={2020}
}

@misc{other2021,
  title={A Paper Nobody Has Catalogued Yet},
  year={2021}
}
"""


@pytest.fixture
def catalog(tmp_path):
    path = tmp_path / "catalog.db"
    with Catalog(path) as cat, cat.transaction():
        cat.upsert_paper(Paper(id="2211.10438", title=SMOOTHQUANT, year=2022))
        cat.upsert_paper(
            Paper(id="2502.13189", title="MoBA: Mixture of Block Attention for Long-Context LLMs")
        )
        cat.upsert_paper(Paper(id="title:attention-models", title="Attention Models"))
    return path


def test_id_by_title(catalog):
    with Catalog(catalog) as cat, cat.transaction():
        assert (
            cat.id_by_title(
                "smoothquant -- ACCURATE and efficient Post Training quantization for large language models"
            )
            == "2211.10438"
        )
        assert (
            cat.id_by_title("SmoothQuant: Accurate and Efficient Quantization for Large Language Models")
            is None
        )
        assert cat.id_by_title("Attention Models") is None  # two words: too easily shared
        assert cat.id_by_title('NOT "quoted" AND (NEAR) * words: nothing') is None  # FTS syntax is only words
        # several papers under one title: the arXiv paper first, whatever was added first
        cat.upsert_paper(Paper(id="title:smoothquant-accurate", title=SMOOTHQUANT.upper()))
        cat.upsert_paper(Paper(id="doi:10.1/x", title=SMOOTHQUANT))
        assert cat.id_by_title(SMOOTHQUANT) == "2211.10438"
        cat.conn.execute("DELETE FROM papers WHERE id = '2211.10438'")
        assert cat.id_by_title(SMOOTHQUANT) == "title:smoothquant-accurate"


def test_a_title_that_spaces_a_name_otherwise_is_the_same_paper(catalog, cli, tmp_path):
    """Google Scholar's "Big bird: Transformers for longer sequences" is BigBird, 2007.14062:
    imported, it was a new title: record that check could not merge (similar-titles, not
    fixable). Found by its first three words or its last three when all of them miss."""
    with Catalog(catalog) as cat, cat.transaction():
        cat.upsert_paper(Paper(id="2007.14062", title="BigBird: Transformers for Longer Sequences"))
        cat.upsert_paper(
            Paper(id="2205.14135", title="FlashAttention: Fast and Memory-Efficient Exact Attention")
        )
        assert cat.id_by_title("Big bird: Transformers for longer sequences") == "2007.14062"
        assert cat.id_by_title("Flash Attention: Fast and memory-efficient exact attention") == "2205.14135"
        assert cat.id_by_title("Big bird: Transformers for shorter sequences") is None
    bib = tmp_path / "bb.bib"
    bib.write_text(
        "@inproceedings{zaheer2020big,\n  title={Big bird: Transformers for longer sequences},\n  year={2020}\n}\n"
    )
    r = cli("import", str(bib), "--db", str(catalog))
    assert r.exit_code == 0, r.output
    assert "  line 1: title:big-bird-transformers-for-longer-sequences -> 2007.14062\n" in r.stderr
    with Catalog(catalog) as cat:
        assert not cat.existing_ids(["title:big-bird-transformers-for-longer-sequences"])


def test_a_spacing_variant_is_found_among_hundreds_of_titles_sharing_its_ending(tmp_path):
    """The review's case: first or last three words matched past the lookup's limit of 200
    for a common ending; dropping one word, or two adjacent ones, keeps the lookup selective."""
    with Catalog(tmp_path / "c.db") as cat, cat.transaction():
        for i in range(300):
            cat.upsert_paper(Paper(id=f"2301.{i:05d}", title=f"Method{i} Pruning for Large Language Models"))
        cat.upsert_paper(
            Paper(id="2406.10594", title="BlockPruner: Fine-grained Pruning for Large Language Models")
        )
        assert cat.id_by_title("Block Pruner: Fine-grained Pruning for Large Language Models") == "2406.10594"
        assert cat.id_by_title("BlockPruner: Fine grained Pruning for Large Language Models") == "2406.10594"
        assert cat.id_by_title("Block Pruner: Coarse-grained Pruning for Large Language Models") is None


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("LLM.int8(): 8-bit Matrix Multiplication", "llmint88bitmatrixmultiplication"),
        ("Ré-thinking Attention   Sinks!", "rethinkingattentionsinks"),  # accents fold
        # where a title spaces its name is no difference
        ("Big bird: Transformers for longer sequences", "bigbirdtransformersforlongersequences"),
        ("BigBird: Transformers for Longer Sequences", "bigbirdtransformersforlongersequences"),
        ("Attention Models", None),  # two words: too easily shared
        ("大模型 LLM Compression Survey", None),  # letters ASCII cannot spell: not compared
        ("Straße der Modelle und Daten", None),
        ("", None),
        (None, None),
    ],
)
def test_title_key(title, key):
    from efmcat.ids import title_key

    assert title_key(title) == key


def test_ids_by_titles_and_loose_titles(catalog):
    from efmcat.ids import title_key

    with Catalog(catalog) as cat, cat.transaction():
        cat.upsert_paper(Paper(id="doi:10.1145/1", title=SMOOTHQUANT.upper()))
        cat.upsert_paper(Paper(id="hep-th/9901001", title="An Old Paper On Strings"))
        cat.upsert_paper(Paper(id="title:llm-compression-survey", title="大模型 LLM Compression Survey"))
        cat.upsert_paper(Paper(id="title:llm-compression-survey-2", title="LLM Compression Survey"))
        key = title_key(SMOOTHQUANT)
        found = cat.ids_by_titles([key, None, "no such paper at all"])
        assert found == {key: ["2211.10438", "doi:10.1145/1"]}  # arXiv first
        keys = [key, "llmcompressionsurvey", "anoldpaperonstrings", None, "nosuchpaper"]
        assert cat.loose_titles(keys) == {
            key: ["doi:10.1145/1"],
            "llmcompressionsurvey": ["title:llm-compression-survey-2"],
        }  # old-style arXiv ids have no prefix; two words, or CJK letters: not compared
        assert cat.loose_titles([key]) == {key: ["doi:10.1145/1"]}  # only the titles asked for
        assert cat.loose_titles([]) == {} and cat.has_loose()
        assert cat.id_by_title("大模型 LLM Compression Survey") is None
        assert cat.id_by_title("LLM Compression Survey") == "title:llm-compression-survey-2"


def test_has_loose_reads_only_records_without_an_arxiv_id(tmp_path):
    with Catalog(tmp_path / "loose.db") as cat:
        assert not cat.has_loose()
        with cat.transaction():
            cat.upsert_paper(Paper(id="hep-th/9901001", title="An Old Paper On Strings"))
            cat.upsert_paper(Paper(id="2211.10438", title=SMOOTHQUANT))
        assert not cat.has_loose()  # old- and new-style arXiv ids are not loose
        with cat.transaction():
            cat.upsert_paper(Paper(id="url:example.org/a.pdf", title="A Paper Found On The Web"))
        assert cat.has_loose()


@pytest.mark.parametrize("scan_at", [300, 0])  # a query per entry; one pass over the catalog
def test_bibtex_entries_merge_into_the_papers_their_titles_name(cli, catalog, tmp_path, monkeypatch, scan_at):
    monkeypatch.setattr("efmcat.importer.TITLE_SCAN_AT", scan_at)
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    r = cli("import", str(bib))
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[:4] == [
        f"{bib} (bibtex): 4 rows, 4 papers, 2 arXiv ids, 2 non-arXiv links, 0 duplicates merged",
        f"{bib}: 2 entries without an arXiv id matched a paper by title:",
        "  line 1: title:smoothquant-accurate-and-efficient-post-training -> 2211.10438",
        "  line 8: doi:10.1234/moba.2025 -> 2502.13189",
    ]
    with Catalog(catalog) as cat:
        ids = {p.id for p in cat.iter_papers()}
        assert ids == {
            "2211.10438",
            "2502.13189",
            "title:attention-models",
            "title:a-paper-nobody-has-catalogued-yet",
        }
        sq = cat.get_paper("2211.10438")
        # the paper keeps its title, year and own arXiv URL; the entry fills what it lacked
        # (the booktitle, a known venue's full name, is its venue, not a journal reference too)
        assert (sq.title, sq.year, sq.url, sq.venue, sq.journal_ref) == (
            SMOOTHQUANT,
            2022,
            "https://arxiv.org/abs/2211.10438",
            "ICML 2023",
            None,
        )
        assert sq.authors == ["Guangxuan Xiao", "Ji Lin"]
        assert [s["locator"] for s in cat.sources_of("2211.10438")] == ["refs.bib:1"]
        moba = cat.get_paper("2502.13189")
        assert (moba.doi, moba.url) == ("10.1234/moba.2025", "https://arxiv.org/abs/2502.13189")
        assert cat.sources_of("2502.13189")[0]["link"] == "https://doi.org/10.1234/moba.2025"
        assert sq.citekey == "xiao2023smoothquant"  # the export keeps the key the .bib gave it


def test_matches_are_in_the_json_report(cli, catalog, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    r = cli("import", str(bib), "--json", "--dry-run")
    assert r.exit_code == 0, r.output
    f = json.loads(r.stdout)["files"][0]
    assert f["by_title"] == [
        {"line": 1, "id": "title:smoothquant-accurate-and-efficient-post-training", "paper": "2211.10438"},
        {"line": 8, "id": "doi:10.1234/moba.2025", "paper": "2502.13189"},
    ]
    with Catalog(catalog) as cat:
        assert cat.count() == 3  # a dry run writes nothing


def test_records_keep_their_ids(cli, catalog, tmp_path):
    """A YAML record (a backup, seeds) is restored under the id it was written with."""
    records = tmp_path / "backup.yaml"
    records.write_text(
        f"source: backup\npapers:\n- id: url:example.org/smoothquant\n  title: '{SMOOTHQUANT}'\n",
        encoding="utf-8",
    )
    r = cli("import", str(records))
    assert r.exit_code == 0, r.output
    assert "matched a paper by title" not in r.stderr
    with Catalog(catalog) as cat:
        assert cat.has("url:example.org/smoothquant") and cat.has("2211.10438")


LIST = """# Papers

## Distillation
- [On-policy distillation of language models](https://openreview.net/forum?id=OdnNBxlShZG)
- [On-Policy Distillation of Language Models](https://arxiv.org/abs/2306.13649)

## Two papers, one title
- [A Survey of Model Compression](https://arxiv.org/abs/2308.07633)
- [A survey of model compression](https://arxiv.org/abs/2401.00001)
- [A Survey of Model Compression](https://doi.org/10.1145/3600006)
"""


def test_a_list_row_merges_into_the_arxiv_paper_the_same_list_links(cli, tmp_path):
    """The row before the arXiv link merges too; a title two arXiv papers share names neither."""
    md = tmp_path / "list.md"
    md.write_text(LIST, encoding="utf-8")
    r = cli("import", str(md), "--json")
    assert r.exit_code == 0, r.output
    f = json.loads(r.stdout)["files"][0]
    assert f["by_title"] == [{"line": 4, "id": "openreview:OdnNBxlShZG", "paper": "2306.13649"}]
    assert (f["papers"], f["duplicates"]) == (4, 1)
    with Catalog(tmp_path / "catalog.db") as cat:
        assert {p.id for p in cat.iter_papers()} == {
            "2306.13649",
            "2308.07633",
            "2401.00001",
            "doi:10.1145/3600006",
        }
        assert [s["locator"] for s in cat.sources_of("2306.13649")] == ["list.md:4", "list.md:5"]


def test_an_arxiv_entry_absorbs_the_record_the_catalog_had_without_one(cli, tmp_path):
    """SCOP was listed by its NeurIPS page; a .bib brings its arXiv id: the page's record
    merges into the arXiv paper (its source row keeps the page's link)."""
    page = "https://papers.nips.cc/paper/2020/hash/7bcd-Abstract.html"
    md = tmp_path / "list.md"
    md.write_text(f"## Pruning\n- [SCOP: Scientific Control for Reliable Neural Network Pruning]({page})\n")
    assert cli("import", str(md)).exit_code == 0
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@misc{tang2020scop,\n  title={{SCOP}: Scientific Control for Reliable Neural Network Pruning},\n"
        "  eprint={2010.10732},\n  archivePrefix={arXiv}\n}\n",
        encoding="utf-8",
    )
    r = cli("import", str(bib), "--json")
    assert r.exit_code == 0, r.output
    old = "url:papers.nips.cc/paper/2020/hash/7bcd-Abstract.html"
    assert json.loads(r.stdout)["files"][0]["absorbed"] == [{"id": old, "paper": "2010.10732"}]
    with Catalog(tmp_path / "catalog.db") as cat:
        assert {p.id for p in cat.iter_papers()} == {"2010.10732"}
        rows = {s["locator"]: s["link"] for s in cat.sources_of("2010.10732")}
        assert rows == {"list.md:2": page, "refs.bib:1": None}  # None: the paper's own arXiv link
        assert "sparsification" in cat.tags_of(["2010.10732"])["2010.10732"]
    r = cli("import", str(bib))
    assert "its arXiv paper" not in r.stderr  # nothing left to merge


def test_a_dry_run_says_what_it_would_merge(cli, tmp_path):
    md = tmp_path / "list.md"
    md.write_text(
        "## Pruning\n- [SCOP: Scientific Control for Reliable Neural Network Pruning](https://doi.org/10.1145/3600006)\n"
    )
    assert cli("import", str(md)).exit_code == 0
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@misc{s,\n  title={SCOP: Scientific Control for Reliable Neural Network Pruning},\n  eprint={2010.10732}\n}\n"
    )
    r = cli("import", str(bib), "--dry-run")
    assert r.exit_code == 0, r.output
    assert f"{bib}: would merge doi:10.1145/3600006 into 2010.10732, its arXiv paper (same title)" in r.stderr
    with Catalog(tmp_path / "catalog.db") as cat:
        assert {p.id for p in cat.iter_papers()} == {"doi:10.1145/3600006"}
