"""Exports: BibTeX (keys, escaping), CSV (formula-safe), JSON, JSON lines, YAML round trip."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import FIXTURES
from efmcat.formats import bibtex, csv_format

IMPORT = FIXTURES / "import"


def _rec(pid, title, authors, year, **kw):
    base = {
        "id": pid,
        "arxiv_id": pid if ":" not in pid else None,
        "title": title,
        "authors": authors,
        "year": year,
    }
    return {**base, **kw}


def test_bibtex_keys_are_stable_and_unique():
    recs = [
        _rec("2301.00002", "Sparse things", ["Ana Smith"], 2023),
        _rec("2301.00001", "Sparse other things", ["Bo Smith"], 2023),
        _rec("2210.17323", "GPTQ: Accurate quantization", ["Elias Frantar"], 2022),
        _rec("openreview:x", "The Müller method", ["Jörg Müller"], 2021),
    ]
    keys = bibtex.citekeys(recs)
    assert keys == {
        "2301.00001": "smith2023sparsea",
        "2301.00002": "smith2023sparseb",
        "2210.17323": "frantar2022gptq",
        "openreview:x": "muller2021muller",
    }
    assert bibtex.citekeys(list(reversed(recs))) == keys


def test_bibtex_entry_escapes_specials():
    rec = _rec(
        "2208.07339",
        "LLM.int8(): 8-bit & 100% {fast} #1 under_score",
        ["Tim Dettmers"],
        2022,
        primary_category="cs.LG",
        doi="10.1/x_y",
        journal_ref="NeurIPS 2022",
    )
    text = bibtex.render([rec])
    assert text == (
        "@inproceedings{dettmers2022llmint8,\n"
        "  title = {{LLM.int8}(): 8-bit \\& 100\\% \\{fast\\} \\#1 under\\_score},\n"
        "  author = {Tim Dettmers},\n"
        "  booktitle = {Advances in Neural Information Processing Systems},\n"
        "  year = {2022},\n"
        "  eprint = {2208.07339},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.LG},\n"
        "  doi = {10.1/x\\_y},\n"
        "  url = {https://arxiv.org/abs/2208.07339}\n"
        "}\n"
    )


def test_bibtex_export_reimports(cli, tmp_path):
    assert cli("import", str(IMPORT / "refs.bib")).exit_code == 0
    out = tmp_path / "out.bib"
    assert cli("export", "--format", "bibtex", "-o", str(out)).exit_code == 0
    import bibtexparser

    lib = bibtexparser.parse_string(out.read_text())
    assert not lib.failed_blocks
    assert len(lib.entries) == 7  # the link-less entry comes back under its title id
    assert len({e.key for e in lib.entries}) == 7
    second = cli("export", "--format", "bibtex").stdout
    assert second == out.read_text()


def test_csv_neutralises_formulas():
    recs = [_rec("2301.00001", '=HYPERLINK("http://x")', ["+Eve", "@bob"], 2023, tags=["quantization"])]
    rows = list(csv.reader(io.StringIO(csv_format.render(recs))))
    header, row = rows
    assert header[:5] == ["id", "arxiv_id", "version", "title", "authors"]
    assert row[3] == '\'=HYPERLINK("http://x")'
    assert row[4] == "'+Eve; @bob"
    assert csv_format.safe_cell("-1") == "'-1"
    assert csv_format.safe_cell("fine") == "fine"


def test_csv_carries_the_venue_and_the_readers_own_columns(cli, mini_db):
    """A reading list in a spreadsheet: venue, status, star and note, the abstract last."""
    assert cli("edit", "2205.14135", "--venue", "NeurIPS 2022").exit_code == 0
    assert cli("status", "2205.14135", "reading").exit_code == 0
    assert cli("star", "2205.14135").exit_code == 0
    assert cli("note", "2205.14135", "=tiling, recompute").exit_code == 0
    r = cli("export", "--format", "csv")
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert list(rows[0])[-6:] == ["areas", "status", "starred", "note", "curator_note", "abstract"]
    flash = next(row for row in rows if row["id"] == "2205.14135")
    assert (flash["venue"], flash["status"], flash["starred"], flash["note"]) == (
        "NeurIPS 2022",
        "reading",
        "1",
        "'=tiling, recompute",  # a note is neutralised like any cell
    )
    assert {row["starred"] for row in rows if row["id"] != "2205.14135"} == {"0"}


def test_json_and_jsonl(cli, mini_db):
    data = json.loads(cli("export", "--format", "json").stdout)
    lines = cli("export", "--format", "jsonl").stdout.splitlines()
    assert [json.loads(x) for x in lines] == data
    assert data[0]["id"] == "2205.14135"
    assert {"id", "title", "tags", "areas"} <= set(data[0])


def test_yaml_round_trip(cli, tmp_path, monkeypatch):
    src = tmp_path / "src.db"
    for f in ("survey_table.md", "refs.bib", "snapshot.jsonl"):
        assert cli("import", str(IMPORT / f), "--db", str(src)).exit_code == 0
    first = tmp_path / "1.yaml"
    assert cli("export", "--format", "yaml", "--db", str(src), "-o", str(first)).exit_code == 0
    empty = tmp_path / "empty.db"
    assert cli("import", str(first), "--db", str(empty)).exit_code == 0
    again = cli("export", "--format", "yaml", "--db", str(empty)).stdout
    assert again == first.read_text()
    assert "id: url:arxiv.org/abs/203.05527" in again


def test_yaml_with_unknown_tag_names_the_line(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: x\npapers:\n- id: '2301.00774'\n  title: SparseGPT\n  tags: [nope-node]\n")
    result = cli("import", str(bad))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {bad}:3: unknown taxonomy node 'nope-node'; `efmcat taxonomy` lists the nodes"
    )


def test_bibtex_is_ascii_for_pdflatex():
    rec = _rec(
        "2306.14048",
        "H₂O: Heavy-Hitter Oracle for Efficient Generative Inference of Large Language Models",
        ["Zhenyu Zhang", "Jörg Müller", "Łukasz Kaiser", "François Naïve"],
        2023,
        primary_category="cs.LG",
        venue="NeurIPS 2023",
    )
    text = bibtex.render([rec])
    assert text.isascii()
    assert text == (
        "@inproceedings{zhang2023h2o,\n"
        "  title = {{H$_2$O}: {Heavy-Hitter} Oracle for Efficient Generative Inference of Large Language Models},\n"
        '  author = {Zhenyu Zhang and J{\\"o}rg M{\\"u}ller and {\\L}ukasz Kaiser and Fran{\\c{c}}ois Na{\\"\\i}ve},\n'
        "  booktitle = {Advances in Neural Information Processing Systems},\n"
        "  year = {2023},\n"
        "  eprint = {2306.14048},\n"
        "  archivePrefix = {arXiv},\n"
        "  primaryClass = {cs.LG},\n"
        "  url = {https://arxiv.org/abs/2306.14048}\n"
        "}\n"
    )


@pytest.mark.parametrize(
    ("venue", "journal_ref", "expected"),
    [
        (
            "ICLR 2023",
            None,
            ("inproceedings", {"booktitle": "International Conference on Learning Representations"}, "2023"),
        ),
        (
            "EMNLP 2023 Findings",
            None,
            (
                "inproceedings",
                {"booktitle": "Findings of the Association for Computational Linguistics: EMNLP 2023"},
                "2023",
            ),
        ),
        ("TMLR", None, ("article", {"journal": "Transactions on Machine Learning Research"}, None)),
        (
            None,
            "Journal of Machine Learning Systems 4(2), 2024",
            ("article", {"journal": "Journal of Machine Learning Systems 4(2), 2024"}, "2024"),
        ),
        (
            None,
            "Proceedings of the 40th International Conference on Machine Learning, PMLR 202, 2023",
            (
                "inproceedings",
                {
                    "booktitle": "Proceedings of the 40th International Conference on Machine Learning, PMLR 202, 2023"
                },
                "2023",
            ),
        ),
        (None, "10 pages, 3 figures", ("misc", {"note": "10 pages, 3 figures"}, None)),
        ("arXiv preprint", None, ("misc", {}, None)),
    ],
)
def test_bibtex_venues(venue, journal_ref, expected):
    assert bibtex.venue_fields(venue, journal_ref) == expected


def test_bibtex_keeps_the_users_citekeys(cli, tmp_path):
    bib = tmp_path / "mine.bib"
    bib.write_text(
        "@article{frantar2023gptq,\n  title={GPTQ: Accurate Post-Training Quantization},\n"
        "  author={Frantar, Elias},\n  journal={arXiv preprint arXiv:2210.17323},\n  year={2022}\n}\n"
        "@inproceedings{MyWanda,\n  title={A Simple and Effective Pruning Approach for Large Language Models},\n"
        "  author={Sun, Mingjie},\n  booktitle={ICLR 2024},\n  eprint={2306.11695},\n  archivePrefix={arXiv}\n}\n",
        encoding="utf-8",
    )
    assert cli("import", str(bib)).exit_code == 0
    text = cli("export", "--format", "bibtex").stdout
    assert "@misc{frantar2023gptq,\n  title = {{GPTQ}: Accurate {Post-Training} Quantization}" in text
    assert "@inproceedings{MyWanda,\n" in text
    r = cli("show", "2306.11695")
    assert "Citekey:     MyWanda\n" in r.stdout
    # A re-import with another key keeps the first; the user's edit wins over both.
    again = tmp_path / "again.bib"
    again.write_text(bib.read_text().replace("MyWanda", "sun2024wanda"))
    assert cli("import", str(again)).exit_code == 0
    assert "@inproceedings{MyWanda,\n" in cli("export", "--format", "bibtex").stdout


def test_a_bib_key_of_the_users_counts_as_a_change_and_an_own_exports_keys_are_not_the_users(
    cli, tmp_path, mini_db
):
    """A .bib key given to a paper without one changed the paper but said "1 unchanged"; an
    efmcat BibTeX export re-imported stored every generated key as the user's own."""
    from efmcat.catalog import Catalog

    own = tmp_path / "own.bib"
    assert cli("export", "--format", "bibtex", "-o", str(own)).exit_code == 0
    r = cli("import", str(own))
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 0, 8 unchanged; 0 tags."
    with Catalog(mini_db) as cat:
        assert cat.conn.execute("SELECT count(*) FROM papers WHERE citekey IS NOT NULL").fetchone()[0] == 0
    assert cli("export", "--format", "bibtex").stdout == own.read_text()  # the same keys, generated
    mine = tmp_path / "mine.bib"
    mine.write_text(own.read_text().replace("@misc{frantar2022gptq,", "@misc{GPTQ22,", 1))
    assert "@misc{GPTQ22," in mine.read_text()
    r = cli("import", str(mine))
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 1, 7 unchanged; 0 tags."
    assert "Citekey:     GPTQ22\n" in cli("show", "2210.17323").stdout
    r = cli("import", str(mine))  # the key is the paper's now: no change
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 0, 8 unchanged; 0 tags."


def test_generated_keys_step_around_the_users_keys():
    recs = [
        _rec("2210.17323", "GPTQ", ["Elias Frantar"], 2022, citekey="frantar2023gptq"),
        _rec("2301.00001", "GPTQ again", ["Elias Frantar"], 2023),
        _rec("2301.00002", "Other", ["Ana Smith"], 2023, citekey="frantar2023gptq"),
    ]
    assert bibtex.citekeys(recs) == {
        "2210.17323": "frantar2023gptq",
        "2301.00001": "frantar2023gptqa",
        "2301.00002": "smith2023other",  # a key already taken by another paper is not reused
    }


def test_acl_anthology_ids_name_their_venue():
    assert bibtex.acl_venue("acl:2024.findings-emnlp.831") == "EMNLP 2024 Findings"
    assert bibtex.acl_venue("acl:2023.acl-long.12") == "ACL 2023"
    assert bibtex.acl_venue("acl:2024.unlp-1.16") is None  # a workshop efmcat does not know
    rec = _rec(
        "acl:2024.findings-emnlp.831",
        "A paper",
        ["Ana Smith"],
        2024,
        url="https://aclanthology.org/2024.findings-emnlp.831",
    )
    assert bibtex.render([rec]).startswith(
        "@inproceedings{smith2024paper,\n  title = {A paper},\n  author = {Ana Smith},\n"
        "  booktitle = {Findings of the Association for Computational Linguistics: EMNLP 2024},\n  year = {2024},\n"
    )


@pytest.mark.skipif(
    __import__("shutil").which("pdflatex") is None or __import__("shutil").which("bibtex") is None,
    reason="pdflatex and bibtex are not installed",
)
@pytest.mark.parametrize(
    "preamble", ["\\usepackage[numbers]{natbib}", "\\usepackage[backend=bibtex]{biblatex}"]
)
def test_bibtex_export_compiles_with_pdflatex(cli, mini_db, tmp_path, preamble):
    import subprocess

    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    with Catalog(mini_db) as c:
        c.upsert_paper(Paper(id="2306.14048", title="H₂O: Heavy-Hitter Oracle for Efficient Generative Inference",
                             authors=["Zhenyu Zhang", "Jörg Müller", "Łukasz Kaiser", "Piotr Piękos"],
                             venue="NeurIPS 2023"))  # fmt: skip
        for i in range(30):  # more author-less papers of one year than natbib has letters
            c.upsert_paper(
                Paper(id=f"2401.{i:05d}", title=f"Paper {i}: 100% & #{i} under_score ~ café", year=2024)
            )
    assert cli("export", "--format", "bibtex", "-o", str(tmp_path / "refs.bib")).exit_code == 0
    biblio = (
        "\\printbibliography"
        if "biblatex" in preamble
        else "\\bibliographystyle{plainnat}\\bibliography{refs}"
    )
    extra = "\\addbibresource{refs.bib}" if "biblatex" in preamble else ""
    (tmp_path / "doc.tex").write_text(
        f"\\documentclass{{article}}{preamble}{extra}\\usepackage{{url}}\\begin{{document}}\\nocite{{*}}{biblio}\\end{{document}}\n"
    )

    def run(*cmd):
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    run("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc")
    bib = run("bibtex", "doc")
    assert bib.returncode == 0, bib.stdout
    run("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc")
    final = run("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc")
    assert final.returncode == 0, final.stdout[-2000:]
    assert "Citation" not in final.stdout or "undefined" not in final.stdout
    bbl = (tmp_path / "doc.bbl").read_text()
    assert "H$_2$O" in bbl and 'M{\\"u}ller' in bbl


def test_latex_spellings_that_pdflatex_has_without_packages():
    assert bibtex.to_latex("Ré Kühn Çelik naïve Dvořák Łukasz ß") == (
        "R{\\'e} K{\\\"u}hn {\\c{C}}elik na{\\\"\\i}ve Dvo{\\v{r}}{\\'a}k {\\L}ukasz {\\ss}"
    )
    assert bibtex.to_latex("Piękos") == "Piekos"  # \\k needs T1 fonts: the ogonek is dropped
    assert bibtex.to_latex("x² CO₂ α–β “q”") == "x$^2$ CO$_2$ $\\alpha$--$\\beta$ ``q''"


def test_a_bibtex_key_is_the_catalogs_whatever_the_selection(cli, tmp_path):
    """Two Smith 2016 "Deep ..." papers are smith2016deepa and smith2016deepb in the whole
    export; exporting the quantization one alone gave it smith2016deep (one key, two papers
    in two .bib files). A paper of another year is no candidate (its key differs anyway)."""
    seeds = tmp_path / "p.yaml"
    seeds.write_text(
        "papers:\n"
        "  - {id: '1601.00001', title: Deep pruning of networks, authors: [Ann Smith], year: 2016, tags: [sparsification]}\n"
        "  - {id: '1601.00002', title: Deep quantization of networks, authors: [Bob Smith], year: 2016, tags: [quantization]}\n"
        "  - {id: '1701.00003', title: Deep quantization again, authors: [Cy Smith], year: 2017, tags: [quantization]}\n",
        encoding="utf-8",
    )
    assert cli("import", str(seeds)).exit_code == 0
    whole = cli("export", "--format", "bibtex").stdout
    alone = cli("export", "--format", "bibtex", "--tag", "quantization").stdout
    assert "@misc{smith2016deepa," in whole and "@misc{smith2016deepb," in whole
    assert [line for line in alone.splitlines() if line.startswith("@")] == [
        "@misc{smith2016deepb,",
        "@misc{smith2017deep,",
    ]


def test_a_users_key_of_another_year_keeps_a_selections_keys_the_catalogs(cli, tmp_path):
    """A .bib gave LLM.int8() (2022) the key lin2023awq: AWQ (2023) is lin2023awqa in the
    whole export, and so in a selection of it alone (it was lin2023awq there)."""
    seeds = tmp_path / "p.yaml"
    seeds.write_text(
        "papers:\n"
        "  - {id: '2208.07339', title: LLM.int8, authors: [Tim Dettmers], year: 2022, tags: [quantization]}\n"
        "  - {id: '2306.00978', title: 'AWQ: Activation-aware Weight Quantization', authors: [Ji Lin], year: 2023, tags: [quantization]}\n",
        encoding="utf-8",
    )
    bib = tmp_path / "ck.bib"
    bib.write_text(
        "@article{lin2023awq, title={LLM.int8}, year={2022}, eprint={2208.07339}, archivePrefix={arXiv}}\n"
    )
    assert cli("import", str(seeds)).exit_code == 0
    assert cli("import", str(bib)).exit_code == 0
    whole = cli("export", "--format", "bibtex").stdout
    alone = cli("export", "--format", "bibtex", "--query", "AWQ").stdout
    assert "@misc{lin2023awqa,\n  title = {{AWQ}" in whole
    assert [line for line in alone.splitlines() if line.startswith("@")] == ["@misc{lin2023awqa,"]


@pytest.mark.parametrize(
    "args",
    [
        ("export", "-f", "json", "-o", "{db}"),
        ("export", "-f", "md", "-o", "{db}-wal"),
        ("train", "-o", "{db}"),
        ("train", "--no-manual", "-o", "{db}"),
    ],
)
def test_an_output_that_is_the_catalog_itself_is_refused(cli, mini_db, args):
    """export and train wrote their output over the catalog (a hunt found it); build refused."""
    before = mini_db.read_bytes()
    out = str(mini_db)
    r = cli(*[a.format(db=out) for a in args])
    target = args[-1].format(db=out)
    assert (r.exit_code, r.stdout, r.stderr) == (
        2,
        "",
        f"Error: {target} is the catalog itself: give -o another file\n",
    )
    assert mini_db.read_bytes() == before


def test_a_doi_id_gives_its_doi_in_every_format(cli, tmp_path):
    """arxiv_id comes from an arXiv id; doi was null for doi: papers (223 shipped) in JSON,
    CSV and show, while the BibTeX export wrote it (a hunt saw it)."""
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    db = tmp_path / "c.db"
    with Catalog(db) as c:
        c.upsert_paper(Paper(id="doi:10.1007/3-540-48319-5_14", title="SIPR", url="https://example.org/sipr"))
    shown = json.loads(cli("show", "doi:10.1007/3-540-48319-5_14", "--json", "--db", str(db)).stdout)
    assert shown["doi"] == "10.1007/3-540-48319-5_14"
    assert (
        "DOI:         10.1007/3-540-48319-5_14\n"
        in cli("show", "doi:10.1007/3-540-48319-5_14", "--db", str(db)).stdout
    )
    rows = list(csv.DictReader(io.StringIO(cli("export", "-f", "csv", "--db", str(db)).stdout)))
    assert rows[0]["doi"] == "10.1007/3-540-48319-5_14"
    # exported and imported again: the same records
    out = tmp_path / "b.json"
    assert cli("export", "-f", "json", "-o", str(out), "--db", str(db)).exit_code == 0
    again = tmp_path / "again.db"
    assert cli("import", str(out), "--db", str(again)).exit_code == 0
    assert cli("export", "-f", "json", "--db", str(again)).stdout == out.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [("export", "-f", "json"), ("train",)])
def test_an_output_that_is_a_hard_link_to_the_catalog_is_refused(cli, mini_db, tmp_path, command):
    """Another name of the same file (a hard link; another case on macOS): train wrote the
    model over the catalog through it (the review found it)."""
    import os

    link = tmp_path / "other-name.db"
    os.link(mini_db, link)
    before = mini_db.read_bytes()
    r = cli(*command, "-o", str(link))
    assert (r.exit_code, r.stderr) == (2, f"Error: {link} is the catalog itself: give -o another file\n")
    assert mini_db.read_bytes() == before


def test_train_into_a_missing_folder_fails_before_training(cli, mini_db, tmp_path):
    """It trained (seconds) and then failed on the path; now as export says it, at once."""
    out = tmp_path / "no" / "such" / "m.json"
    r = cli("train", "-o", str(out))
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        f"Error: cannot write {out}: No such file or directory\n",
    )


def test_train_into_a_folder_fails_before_training(cli, mini_db, tmp_path):
    """-o naming a folder (or "", which is "."): it trained first, then said so."""
    r = cli("train", "-o", str(tmp_path))
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        f"Error: cannot write {tmp_path}: it is a directory\n",
    )


def test_a_markdown_export_keeps_a_papers_unverified_id(cli, tmp_path):
    """118 `title:` papers of the shipped catalog came back verified from their own Markdown
    export. A row's record says `verified` where it is not what the id implies (a `title:`
    paper unverified), so older exports, which said nothing, read right too."""
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    db = tmp_path / "c.db"
    with Catalog(db) as cat:
        cat.upsert_paper(
            Paper(id="title:some-system-paper", title="Some System Paper", year=2020, verified=False)
        )
        cat.upsert_paper(Paper(id="title:a-checked-paper", title="A Checked Paper", year=2020, verified=True))
        cat.upsert_paper(Paper(id="2210.17323", title="GPTQ", year=2022, verified=False))
        cat.upsert_paper(Paper(id="2306.00978", title="AWQ", year=2023))
    md = tmp_path / "l.md"
    assert cli("export", "--format", "md", "--db", str(db), "-o", str(md)).exit_code == 0
    text = md.read_text()
    assert text.count('"verified":') == 2  # the checked title: paper, the unverified arXiv one
    for name, body in (
        ("back", text),
        ("old", text.replace(',"verified":true', "").replace(',"verified":false', "")),
    ):
        copy = tmp_path / f"{name}.md"
        copy.write_text(body)
        assert cli("import", str(copy), "--db", str(tmp_path / f"{name}.db")).exit_code == 0
        with Catalog(tmp_path / f"{name}.db") as cat:
            got = {
                pid: cat.get_paper(pid).verified
                for pid in ("title:some-system-paper", "title:a-checked-paper", "2210.17323", "2306.00978")
            }
        want = {
            "title:some-system-paper": False,
            "title:a-checked-paper": True,
            "2210.17323": False,
            "2306.00978": True,
        }
        if name == "old":  # an export before the key: a title: paper unverified, the rest verified
            want |= {"title:a-checked-paper": False, "2210.17323": True}
        assert got == want, name
    r = cli("import", str(md), "--db", str(db))
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 0, 4 unchanged; 0 tags."


def test_a_bibtex_subset_read_into_another_catalog_keeps_the_keys_it_cites(cli, tmp_path):
    """Keys a base key shares are numbered over the whole catalog: a selection's
    "smith2023efficientb" is "smith2023efficienta" in a catalog without the first paper. Read
    into an empty catalog, or one numbering them otherwise, the file's keys stay (so
    \\cite{...} still finds them) and export again as written; into the catalog it came from,
    no key is stored and nothing changes."""
    from efmcat.catalog import Catalog

    src = tmp_path / "three.json"
    papers = [
        {"id": f"2301.0000{i}", "title": f"Efficient thing {i}", "authors": ["Ann Smith"], "year": 2023}
        for i in (1, 2, 3)
    ]
    src.write_text(json.dumps(papers))
    home = tmp_path / "home.db"
    assert cli("import", str(src), "--db", str(home)).exit_code == 0
    for pid in ("2301.00002", "2301.00003"):
        assert cli("tag", pid, "quantization", "--db", str(home)).exit_code == 0
    part = tmp_path / "part.bib"
    assert (
        cli(
            "export", "--format", "bibtex", "--tag", "quantization", "-o", str(part), "--db", str(home)
        ).exit_code
        == 0
    )
    text = part.read_text()
    assert "@misc{smith2023efficientb," in text and "@misc{smith2023efficientc," in text
    fresh = tmp_path / "fresh.db"
    r = cli("import", str(part), "--db", str(fresh))
    assert r.stderr.splitlines()[-1] == "Added 2 papers, updated 0, 0 unchanged; 0 tags."
    assert cli("export", "--format", "bibtex", "--db", str(fresh)).stdout == text
    # back into the catalog it came from: the keys are its own, none is stored
    r = cli("import", str(part), "--db", str(home))
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 0, 2 unchanged; 0 tags."
    with Catalog(home) as cat:
        assert cat.conn.execute("SELECT count(*) FROM papers WHERE citekey IS NOT NULL").fetchone()[0] == 0
    # a catalog holding the two papers (without the first) numbers them a and b: the file's
    # keys become theirs, and each paper counts as updated, listed in the dry run too
    other = tmp_path / "other.db"
    assert cli("import", str(src), "--db", str(other)).exit_code == 0
    assert cli("rm", "2301.00001", "--yes", "--db", str(other)).exit_code == 0
    r = cli("import", str(part), "--dry-run", "--db", str(other))
    assert "  updated 2301.00002  Efficient thing 2\n" in r.stderr
    r = cli("import", str(part), "--db", str(other))
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 2, 0 unchanged; 0 tags."
    assert cli("export", "--format", "bibtex", "--db", str(other)).stdout == text


def test_a_colleagues_bibtex_keys_never_take_the_keys_of_your_papers(cli, tmp_path):
    """Their smith2023efficienta and ...b name other papers than yours: kept, they would have
    re-lettered yours (your a and b becoming c and d, a \\cite{} of yours naming their paper).
    Left, they are named on stderr; your papers' keys stay."""
    mine, theirs = tmp_path / "mine.db", tmp_path / "theirs.db"
    for db, ids in ((mine, (1, 2)), (theirs, (3, 4))):
        src = tmp_path / f"{db.stem}.json"
        src.write_text(
            json.dumps(
                [
                    {
                        "id": f"2301.0000{i}",
                        "title": f"Efficient thing {i}",
                        "authors": ["Ann Smith"],
                        "year": 2023,
                    }
                    for i in ids
                ]
            )
        )
        assert cli("import", str(src), "--db", str(db)).exit_code == 0
    before = cli("export", "--format", "bibtex", "--db", str(mine)).stdout
    assert "@misc{smith2023efficienta,\n  title = {Efficient thing 1}" in before
    bib = tmp_path / "theirs.bib"
    assert cli("export", "--format", "bibtex", "-o", str(bib), "--db", str(theirs)).exit_code == 0
    r = cli("import", str(bib), "--db", str(mine))
    assert r.exit_code == 0, r.output
    assert (
        "Note: 2 .bib keys not kept, as this catalog cites other papers by them (export --format bibtex "
        "gives these papers their own): smith2023efficienta (2301.00003), smith2023efficientb (2301.00004)\n"
    ) in r.stderr
    after = cli("export", "--format", "bibtex", "--db", str(mine)).stdout
    assert "@misc{smith2023efficienta,\n  title = {Efficient thing 1}" in after
    assert "@misc{smith2023efficientb,\n  title = {Efficient thing 2}" in after
    assert "@misc{smith2023efficientc,\n  title = {Efficient thing 3}" in after


def test_a_key_two_files_give_one_paper_is_counted_once(cli, tmp_path):
    """The first file's entry of the paper is the one a kept key updates: counts stay whole."""
    src = tmp_path / "p.json"
    papers = [{"id": "2301.00002", "title": "Efficient thing 2", "authors": ["Ann Smith"], "year": 2023}]
    src.write_text(json.dumps(papers))
    assert cli("import", str(src)).exit_code == 0
    entry = "@misc{smith2023efficientq,\n  title = {Efficient thing 2},\n  author = {Ann Smith},\n  year = {2023},\n  eprint = {2301.00002},\n  archivePrefix = {arXiv}%s\n}\n"
    a, b = tmp_path / "a.bib", tmp_path / "b.bib"
    a.write_text(entry % ",\n  abstract = {Something new.}")
    b.write_text(entry % "")
    r = cli("import", str(a), str(b), "--json")
    data = json.loads(r.stdout)
    assert (data["updated"], data["unchanged"]) == (1, 1)
    assert [(f["updated"], f["unchanged"]) for f in data["files"]] == [(1, 0), (0, 1)]
    assert [c["id"] for c in data["changes"]] == ["2301.00002"]
    assert (
        "@misc{smith2023efficientq,\n  title = {Efficient thing 2}"
        in cli("export", "--format", "bibtex").stdout
    )
