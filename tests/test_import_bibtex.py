"""BibTeX import: every style of arXiv id, LaTeX to Unicode, errors naming the line."""

from __future__ import annotations

import json

from conftest import FIXTURES
from efmcat.catalog import Catalog

IMPORT = FIXTURES / "import"


def test_bibtex_styles(cli, tmp_path):
    result = cli("import", str(IMPORT / "refs.bib"), "--json")
    assert result.exit_code == 0, result.output
    f = json.loads(result.stdout)["files"][0]
    assert (f["rows"], f["papers"], f["arxiv"], f["non_arxiv"]) == (7, 7, 5, 2)
    assert f["skipped"] == []
    with Catalog(tmp_path / "catalog.db") as cat:
        ids = {p.id for p in cat.iter_papers()}
        # eprint+archivePrefix, "arXiv preprint arXiv:", Ar{X}iv:, a pdf url, the arXiv DOI
        assert {"2301.00774", "2310.08659", "2208.07339", "2205.14135", "2309.06180"} <= ids
        flash = cat.get_paper("2205.14135")
        assert flash.title == "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
        assert flash.authors[-1] == "Christopher Ré"
        assert cat.get_paper("2208.07339").title.startswith("LLM.int8(): 8-bit")
        assert cat.get_paper("2301.00774").primary_category == "cs.LG"
        assert cat.get_paper("doi:10.1109/emc2-nips53020.2019.00016").year == 2019
        assert cat.sources_of("2310.08659")[0]["locator"] == "refs.bib:13"
        # an entry with no arXiv id, DOI or URL is kept under a title id
        nolink = cat.get_paper("title:a-paper-without-any-link")
        assert (nolink.authors, nolink.year, nolink.journal_ref) == (
            ["Some Nobody"],
            2020,
            "Journal of Things",
        )
        assert cat.sources_of(nolink.id)[0]["locator"] == "refs.bib:50"


def test_broken_bibtex_imports_nothing_and_names_the_line(cli, tmp_path):
    result = cli("import", str(IMPORT / "refs.bib"), str(IMPORT / "broken.bib"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {IMPORT / 'broken.bib'}:7: cannot parse entry broken2023: Unexpected block start: "
        "`@misc`. Was still looking for field-value closing `}`"
    )
    assert "Traceback" not in result.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.count() == 0


def _import_bib(cli, tmp_path, monkeypatch, text, name="refs.bib"):
    """Import ``text`` as a .bib file named ``name`` (in the current directory: messages
    name it as given); the CLI's result."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text, encoding="utf-8")
    return cli("import", name)


def test_authors_are_split_and_read_as_bibtex_does(cli, tmp_path, monkeypatch):
    result = _import_bib(
        cli,
        tmp_path,
        monkeypatch,
        "@misc{team,\n  title = {A Paper By A Team},\n  author = {King, Jr., Martin Luther and\n"
        "    {Research and {Dev and Ops} Team} and Touvron, Hugo and Ludwig van Beethoven and others},\n"
        "  year = {2023}\n}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "refs.bib (bibtex): 1 row, 1 paper, 0 arXiv ids, 1 non-arXiv link, 0 duplicates merged\n"
        "Added 1 paper, updated 0, 0 unchanged; 0 tags.\n"
    )
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("title:a-paper-by-a-team").authors == [
            "Martin Luther King Jr.",  # von Last, Jr, First
            "Research and Dev and Ops Team",  # an "and" in braces, at any depth, splits nothing
            "Hugo Touvron",
            "Ludwig van Beethoven",
            "others",  # "and others" is BibTeX's "et al.": kept last, so an export says it
        ]


def test_names_with_a_jr_or_an_and_export_as_bibtex_reads_them_and_round_trip(cli, tmp_path):
    from efmcat.models import Paper

    with Catalog(tmp_path / "source.db") as cat:
        cat.upsert_paper(
            Paper(
                id="2301.00001",
                title="A Paper By A Team",
                year=2023,
                authors=["Martin Luther King Jr.", "Research and Development Team", "Hugo Touvron"],
            )
        )

    def export(db, out):
        r = cli("export", "--format", "bibtex", "--db", str(db), "-o", str(out))
        assert r.exit_code == 0, r.output
        return out.read_text(encoding="utf-8")

    first = export(tmp_path / "source.db", tmp_path / "first.bib")
    assert (
        "  author = {King, Jr., Martin Luther and {Research and Development Team} and Hugo Touvron},\n"
        in first
    )
    r = cli("import", str(tmp_path / "first.bib"), "--db", str(tmp_path / "copy.db"))
    assert r.exit_code == 0, r.output
    assert export(tmp_path / "copy.db", tmp_path / "again.bib") == first
    with Catalog(tmp_path / "copy.db") as cat:
        assert cat.get_paper("2301.00001").authors == [
            "Martin Luther King Jr.",
            "Research and Development Team",
            "Hugo Touvron",
        ]


def test_arxiv_ids_in_semantic_scholar_volumes_and_howpublished_links(cli, tmp_path, monkeypatch):
    result = _import_bib(
        cli,
        tmp_path,
        monkeypatch,
        "@article{llama2,\n  title = {Llama 2: Open Foundation and Fine-Tuned Chat Models},\n"
        "  journal = {ArXiv},\n  volume = {abs/2307.09288},\n  year = {2023}\n}\n\n"
        "@misc{awq,\n  title = {AWQ: Activation-aware Weight Quantization},\n"
        "  howpublished = {\\url{https://arxiv.org/abs/2306.00978}},\n  year = {2023}\n}\n\n"
        "@misc{note,\n  title = {A Paper Noted On arXiv},\n"
        "  note = {Available at \\url{https://arxiv.org/pdf/2401.12345v2}.}\n}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "refs.bib (bibtex): 3 rows, 3 papers, 3 arXiv ids, 0 non-arXiv links, 0 duplicates merged"
    )
    with Catalog(tmp_path / "catalog.db") as cat:
        assert sorted(p.id for p in cat.iter_papers()) == ["2306.00978", "2307.09288", "2401.12345"]
        assert cat.get_paper("2401.12345").version == 2


def test_a_web_page_cited_by_howpublished_keeps_its_link(cli, tmp_path, monkeypatch):
    """Styles without a url field cite a blog post as howpublished = {\\url{...}}: that link is
    the entry's (it was dropped, the entry kept under a title: id with no link); a sentence
    that mentions a link is no address."""
    result = _import_bib(
        cli,
        tmp_path,
        monkeypatch,
        "@misc{ds,\n  title = {DeepSpeed Sparse Attention: Powering 10x Longer Sequences},\n"
        "  howpublished = {\\url{https://www.deepspeed.ai/2020/09/08/sparse-attention.html}},\n"
        "  year = {2020}\n}\n\n"
        "@misc{said,\n  title = {A Talk About Sparse Attention Kernels},\n"
        "  howpublished = {Talk at a workshop, slides at https://example.org/s.pdf},\n  year = {2021}\n}\n",
    )
    assert result.exit_code == 0, result.output
    with Catalog(tmp_path / "catalog.db") as cat:
        ids = sorted(p.id for p in cat.iter_papers())
        assert ids == [
            "title:a-talk-about-sparse-attention-kernels",
            "url:deepspeed.ai/2020/09/08/sparse-attention.html",
        ]
        ds = cat.get_paper("url:deepspeed.ai/2020/09/08/sparse-attention.html")
        assert ds.url == "https://www.deepspeed.ai/2020/09/08/sparse-attention.html"
        assert cat.get_paper("title:a-talk-about-sparse-attention-kernels").url is None


def test_a_malformed_arxiv_eprint_is_warned_about_like_a_malformed_link(cli, tmp_path, monkeypatch):
    result = _import_bib(
        cli,
        tmp_path,
        monkeypatch,
        "@misc{good,\n  title = {A Good Paper},\n  eprint = {2401.12345},\n  archivePrefix = {arXiv}\n}\n\n"
        "@misc{bad,\n  title = {A Malformed Eprint},\n  eprint = {2401.1234},\n  archivePrefix = {arXiv},\n"
        "  year = {2024}\n}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "refs.bib (bibtex): 2 rows, 2 papers, 1 arXiv id, 1 non-arXiv link, 0 duplicates merged\n"
        "Warning: refs.bib:7: malformed arXiv link 2401.1234 (entry bad)\n"
        "Added 2 papers, updated 0, 0 unchanged; 0 tags.\n"
    )
    with Catalog(tmp_path / "catalog.db") as cat:  # kept as before: under its title
        assert cat.get_paper("title:a-malformed-eprint").year == 2024


def test_a_dblp_crossref_gives_its_year_and_venue_and_is_not_a_paper(cli, tmp_path, monkeypatch):
    result = _import_bib(
        cli,
        tmp_path,
        monkeypatch,
        "@inproceedings{DBLP:conf/icml/FrantarA23,\n  author = {Elias Frantar and Dan Alistarh},\n"
        "  title = {SparseGPT: Massive Language Models Can be Accurately Pruned in One-Shot},\n"
        "  booktitle = {International Conference on Machine Learning, {ICML} 2023},\n"
        "  url = {https://proceedings.mlr.press/v202/frantar23a.html},\n"
        "  crossref = {DBLP:conf/icml/2023}\n}\n\n"
        "@inproceedings{DBLP:conf/icml/Other23,\n  author = {Ana Wang},\n"
        "  title = {A Paper Whose Booktitle Is Its Proceedings},\n"
        "  url = {https://proceedings.mlr.press/v202/wang23a.html},\n  crossref = {dblp:conf/icml/2023}\n}\n\n"
        "@proceedings{DBLP:conf/icml/2023,\n  editor = {Andreas Krause and Emma Brunskill},\n"
        "  title = {{ICML} 2023},\n  year = {2023},\n  url = {https://proceedings.mlr.press/v202/}\n}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "refs.bib (bibtex): 2 rows, 2 papers, 0 arXiv ids, 2 non-arXiv links, 0 duplicates merged"
    )
    with Catalog(tmp_path / "catalog.db") as cat:
        papers = {p.id: (p.year, p.venue) for p in cat.iter_papers()}
    assert papers == {
        "url:proceedings.mlr.press/v202/frantar23a.html": (
            2023,
            "International Conference on Machine Learning, ICML 2023",
        ),
        "url:proceedings.mlr.press/v202/wang23a.html": (2023, "ICML 2023"),  # the proceedings' title
    }


def test_an_old_style_arxiv_id_gives_the_year(cli, tmp_path, monkeypatch):
    result = _import_bib(
        cli,
        tmp_path,
        monkeypatch,
        "@misc{old,\n  title = {An Old Paper},\n  eprint = {cs/0112017},\n  archivePrefix = {arXiv}\n}\n\n"
        "@misc{older,\n  title = {An Older Paper},\n  eprint = {hep-th/9901001}\n}\n\n"
        "@misc{first,\n  title = {A Paper Of arXiv's First Year},\n  eprint = {hep-th/9108001}\n}\n",
    )
    assert result.exit_code == 0, result.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert {p.id: p.year for p in cat.iter_papers()} == {
            "cs/0112017": 2001,
            "hep-th/9901001": 1999,
            "hep-th/9108001": 1991,  # arXiv began in 1991: 91-99 are 19xx, the rest 20xx
        }


def test_values_joined_by_hash_are_joined(cli, tmp_path, monkeypatch):
    """BibTeX's # concatenation was stored as written: a title '"Concatenated " # "Title ..."'."""
    result = _import_bib(
        cli,
        tmp_path,
        monkeypatch,
        '@string{nips = "Advances in Neural Information Processing Systems"}\n'
        '@inproceedings{a2023, title = "Concatenated " # "Title about {KV} Cache Compression",\n'
        '  booktitle = nips # " 36", year = 2023, author = {A. Writer},\n'
        "  eprint = {2401.00001}, archivePrefix = {arXiv}}\n"
        "@misc{b, title = {C# for ML}, year = 2020, author = {B. Writer}}\n"
        '@misc{c, title = undefined # " x", year = 2020, author = {C. Writer}}\n',
    )
    assert result.exit_code == 0, result.output
    with Catalog(tmp_path / "catalog.db") as cat:
        papers = {p.id: (p.title, p.venue) for p in cat.iter_papers()}
    assert papers == {
        "2401.00001": (
            "Concatenated Title about KV Cache Compression",
            "Advances in Neural Information Processing Systems 36",
        ),
        "title:c-for-ml": ("C# for ML", None),  # a # inside braces is text
        "title:undefined-x": ('undefined # " x"', None),  # an undefined @string: left as written
    }


def test_a_change_is_listed_under_the_catalogs_title(cli, tmp_path, monkeypatch):
    """A .bib file's lower-cased title fills nothing of a paper the catalog has: the dry run
    listed "updated 2211.10438  Smoothquant: ..." as if the title changed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.json").write_text(
        json.dumps(
            [{"id": "2211.10438", "title": "SmoothQuant: Accurate and Efficient Post-Training Quantization"}]
        )
    )
    assert cli("import", "p.json").exit_code == 0
    (tmp_path / "sq.bib").write_text(
        "@inproceedings{sq,\n  title = {Smoothquant: Accurate and efficient post-training quantization},\n"
        "  booktitle = {International Conference on Machine Learning},\n"
        "  eprint = {2211.10438},\n  archivePrefix = {arXiv},\n  year = {2023}\n}\n"
    )
    r = cli("import", "sq.bib", "--dry-run")
    assert (
        "  updated 2211.10438  SmoothQuant: Accurate and Efficient Post-Training Quantization\n" in r.stderr
    )
    assert cli("import", "sq.bib").exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert (
            cat.get_paper("2211.10438").title
            == "SmoothQuant: Accurate and Efficient Post-Training Quantization"
        )
