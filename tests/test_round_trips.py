"""Every export format the importer reads round-trips exactly (issue 11, case 5): export,
import into an empty catalog, export again gives the same text, hostile titles included."""

from __future__ import annotations

import json

import pytest

from efmcat.catalog import Catalog

HOSTILE = [
    "A | pipe",
    "Star *bold* _u_ \\back",
    "Link [x](http://e.com) inside",
    "Code `x` <b>tag</b> &amp;",
    "Hash # mid ## end",
    "Emoji :smile: 🚀 ~tilde~",
    "Brackets [note] {braces} \\{escaped\\}",
    "Trailing backslash \\",
    "<!-- comment --> after -- dash --- em",
    "**already bold**",
    "x^2 and $math$ 50% off",
    "Ends with colon:",
    "Ré ünïcode — ok",
    "LaTeX ligatures: it''s ``quoted'' ?`x !`y a---b",
]
EXT = {"md": "md", "bibtex": "bib", "json": "json", "jsonl": "jsonl", "yaml": "yaml"}


@pytest.fixture
def hostile_db(cli, tmp_path):
    recs = [
        {"id": f"2301.{i:05d}", "title": t, "categories": "cs.LG", "abstract": "words"}
        for i, t in enumerate(HOSTILE)
    ]
    src = tmp_path / "h.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    db = tmp_path / "h.db"
    r = cli("import", str(src), "--db", str(db), "--tag", "quantization")
    assert r.exit_code == 0, r.output
    return db


def _import_record(cli, tmp_path, title: str, *args: str, **fields) -> None:
    """Import one efmcat JSON record of paper 2401.00001 (``fields``: tags, manual_tags, ...)."""
    src = tmp_path / "record.json"
    src.write_text(json.dumps([{"id": "2401.00001", "arxiv_id": "2401.00001", "title": title, **fields}]))
    r = cli("import", str(src), *args)
    assert r.exit_code == 0, r.output


def _titles(db):
    with Catalog(db) as cat:
        return {p.id: p.title for p in cat.iter_papers()}


def _round_trip(cli, tmp_path, source_db, fmt):
    first = tmp_path / f"first.{EXT[fmt]}"
    again = tmp_path / f"again.{EXT[fmt]}"
    copy = tmp_path / f"copy-{fmt}.db"
    assert cli("export", "--format", fmt, "--db", str(source_db), "-o", str(first)).exit_code == 0
    r = cli("import", str(first), "--db", str(copy))
    assert r.exit_code == 0, r.output
    assert cli("export", "--format", fmt, "--db", str(copy), "-o", str(again)).exit_code == 0
    return first, again, copy


@pytest.mark.parametrize("fmt", ["md", "bibtex", "json", "jsonl", "yaml"])
def test_hostile_titles_round_trip(cli, tmp_path, hostile_db, fmt):
    first, again, copy = _round_trip(cli, tmp_path, hostile_db, fmt)
    assert _titles(copy) == _titles(hostile_db)
    assert again.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["md", "json", "jsonl", "yaml"])
def test_mini_catalog_round_trips_exactly(cli, tmp_path, mini_db, fmt):
    first, again, copy = _round_trip(cli, tmp_path, mini_db, fmt)
    assert again.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    assert set(_titles(copy)) == set(_titles(mini_db))  # title-only papers too


def test_markdown_header_link_is_not_a_paper(cli, tmp_path, mini_db):
    first, _, copy = _round_trip(cli, tmp_path, mini_db, "md")
    assert "2409.01990" not in _titles(copy)
    assert "(arXiv 2409.01990)" in first.read_text()


def test_whole_catalog_markdown_lists_papers_without_an_area(cli, tmp_path, mini_db):
    with Catalog(mini_db) as cat, cat.transaction():
        cat.conn.execute("DELETE FROM tags WHERE paper_id = '2210.17323'")
    text = cli("export", "--format", "md", "--db", str(mini_db)).stdout
    assert "## Not in an area" in text
    assert "[arXiv:2210.17323](https://arxiv.org/abs/2210.17323)" in text
    assert "- [Not in an area](#not-in-an-area) (1)" in text


def test_bibtex_keeps_literal_braces(cli, tmp_path):
    bib = tmp_path / "b.bib"
    bib.write_text(
        "@misc{k, title = {Keep \\{these\\} and {GPTQ} x\\textasciicircum{}2 a~b}, eprint = {2210.17323}}\n"
    )
    assert cli("import", str(bib)).exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2210.17323").title == "Keep {these} and GPTQ x^2 a b"


def test_json_export_imports(cli, tmp_path, mini_db):
    out = tmp_path / "all.json"
    assert cli("export", "--format", "json", "--db", str(mini_db), "-o", str(out)).exit_code == 0
    r = cli("import", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith(f"{out} (json): 8 rows, 8 papers")


def test_json_import_errors_name_the_line(cli, tmp_path):
    path = tmp_path / "x.json"
    path.write_text(
        '[\n  {"id": "2301.00001", "arxiv_id": "2301.00001", "title": "ok"},\n  {"id": "2301.00002", "arxiv_id": null, "title": ["no"]}\n]\n'
    )
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:3: title must be text, not a list\n")


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_backup_restores_edits_into_a_catalog_holding_the_paper(cli, tmp_path, mini_db, fmt):
    """Edit a title and a note, export, import into a catalog that has the paper unedited:
    the edits come back (the title was kept as the catalog had it, yet claimed as the
    user's, so update never mended it); an edit the catalog has of its own stays."""
    import shutil

    shutil.copy(mini_db, tmp_path / "fresh.db")
    assert cli("edit", "2210.17323", "--title", "GPTQ (my title)").exit_code == 0
    assert cli("note", "2210.17323", "read section 3").exit_code == 0
    assert cli("edit", "2306.00978", "--year", "2030").exit_code == 0
    out = tmp_path / f"backup.{EXT[fmt]}"
    assert cli("export", "--format", fmt, "-o", str(out)).exit_code == 0
    fresh = str(tmp_path / "fresh.db")
    assert cli("edit", "2306.00978", "--year", "2031", "--db", fresh).exit_code == 0
    r = cli("import", str(out), "--db", fresh)
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[-1].startswith("Added 0 papers, updated 1, 7 unchanged")
    with Catalog(fresh) as cat:
        gptq, awq = cat.get_paper("2210.17323"), cat.get_paper("2306.00978")
    assert (gptq.title, gptq.note) == ("GPTQ (my title)", "read section 3")
    assert {"title", "note"} <= set(gptq.user_fields)
    assert awq.year == 2031  # the catalog's own edit
    assert "unchanged" in cli("import", str(out), "--db", fresh).stderr.splitlines()[-1]


@pytest.mark.parametrize("fmt", ["md", "json", "jsonl", "yaml"])
def test_a_backup_keeps_who_decided_each_tag(cli, tmp_path, mini_db, fmt):
    """A removal, a manual tag and the tagger's tags come back as they were: they came back
    as curated tags (the tagger's frozen, the user's removal lost, retag undid it)."""
    assert cli("untag", "2205.14135", "compiler").exit_code == 0  # the tagger's, removed
    assert cli("tag", "2208.07339", "low-bit").exit_code == 0
    out = tmp_path / f"backup.{EXT[fmt]}"
    assert cli("export", "--format", fmt, "-o", str(out)).exit_code == 0
    fresh = str(tmp_path / "fresh.db")
    r = cli("import", str(out), "--db", fresh)
    assert r.exit_code == 0, r.output
    with Catalog(fresh) as cat:
        rows = {
            pid: {(t["node"], t["origin"], t["removed"]) for t in cat.tag_rows(pid)}
            for pid in ("2205.14135", "2208.07339", "2210.17323")
        }
    assert rows["2205.14135"] == {
        ("attention", "curated", 0),
        ("io-aware-attention", "curated", 0),
        ("compiler", "manual", 1),
        ("kernel-optimization", "manual", 1),
    }
    assert ("low-bit", "manual", 0) in rows["2208.07339"]
    assert rows["2210.17323"] == {("quantization", "curated", 0), ("weight-only-ptq", "curated", 0)}
    retag = cli("retag", "--all", "--dry-run", "--db", fresh)
    assert retag.stderr == "Re-tagged 8 papers: 0 would change (dry run, nothing written).\n"
    again = tmp_path / f"again.{EXT[fmt]}"
    assert cli("export", "--format", fmt, "-o", str(again), "--db", fresh).exit_code == 0
    assert again.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")


def test_a_lists_subtopic_heading_does_not_bring_back_a_removed_area(cli, tmp_path, mini_db):
    """untag quantization, then import a list filing the paper under a quantization
    subtopic: the subtopic stays out (the area came back through it), and the report counts
    no tag it did not write."""
    src = tmp_path / "qat.md"
    src.write_text("## Quantization-aware training\n\n- [GPTQ](https://arxiv.org/abs/2210.17323)\n")
    assert cli("untag", "2210.17323", "quantization").exit_code == 0
    r = cli("import", str(src))
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 0, 1 unchanged; 0 tags."
    assert json.loads(cli("show", "2210.17323", "--json").stdout)["tags"] == []


def test_a_backup_keeps_an_implied_area_implied(cli, tmp_path, mini_db):
    """tag a subtopic (its area implied), restore: untagging the subtopic still takes the
    area with it (the backup named the area as the user's, so it stayed for good)."""
    assert cli("untag", "2205.14135", "attention").exit_code == 0
    assert cli("tag", "2205.14135", "kv-cache-quant").exit_code == 0  # implies quantization
    out = tmp_path / "b.json"
    assert cli("export", "--format", "json", "-o", str(out)).exit_code == 0
    rec = next(r for r in json.loads(out.read_text()) if r["id"] == "2205.14135")
    assert (rec["manual_tags"], rec["implied_tags"]) == (["quantization", "kv-cache-quant"], ["quantization"])
    assert (rec["removed_tags"], rec["auto_tags"]) == (
        ["attention", "io-aware-attention"],
        ["compiler", "kernel-optimization"],
    )
    fresh = str(tmp_path / "fresh.db")
    assert cli("import", str(out), "--db", fresh).exit_code == 0
    assert cli("untag", "2205.14135", "kv-cache-quant", "--db", fresh).exit_code == 0
    assert "quantization" not in json.loads(cli("show", "2205.14135", "--json", "--db", fresh).stdout)["tags"]


@pytest.mark.parametrize("fmt", ["md", "yaml", "jsonl"])
def test_every_backup_format_keeps_an_implied_area_implied(cli, tmp_path, mini_db, fmt):
    """As above, through the other backup formats (the Markdown rows' records had no
    implied_tags: the restored area stayed for good)."""
    assert cli("tag", "2205.14135", "kv-cache-quant").exit_code == 0  # implies quantization
    out = tmp_path / f"b.{fmt}"
    assert cli("export", "--format", fmt, "--kind", "any", "-o", str(out)).exit_code == 0
    fresh = str(tmp_path / "fresh.db")
    assert cli("import", str(out), "--db", fresh).exit_code == 0
    r = cli("untag", "2205.14135", "kv-cache-quant", "--db", fresh)
    assert (r.exit_code, r.stderr) == (0, "Removed quantization, kv-cache-quant from 2205.14135.\n")


def test_import_tag_over_a_backups_removal_remembers_it(cli, tmp_path):
    """A backup removing quantization, imported with --tag kv-cache-quant: the implied area
    remembers the removal (0.25), so untagging the subtopic removes it again."""
    from efmcat.models import IMPLIED_OVER_REMOVAL

    _import_record(
        cli, tmp_path, "A paper", "--tag", "kv-cache-quant", tags=[], removed_tags=["quantization"]
    )
    with Catalog(tmp_path / "catalog.db") as cat:
        rows = {r["node"]: (r["score"], r["removed"]) for r in cat.tag_rows("2401.00001")}
    assert rows["quantization"] == (IMPLIED_OVER_REMOVAL, 0)
    assert cli("untag", "2401.00001", "kv-cache-quant").exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert {r["node"]: r["removed"] for r in cat.tag_rows("2401.00001")}["quantization"] == 1


def test_a_backups_automatic_tags_come_back_as_the_taggers_without_tagging_again(cli, tmp_path):
    """A Markdown row has no abstract: tagging it again lost the tags the abstract gave (129
    on the shipped catalog). The exported automatic tags are written as automatic, with no
    score (retag gives one), and nothing else is added."""
    _import_record(
        cli,
        tmp_path,
        "Attention is what we study",
        tags=["memory", "offloading"],
        auto_tags=["memory", "offloading"],
    )
    with Catalog(tmp_path / "catalog.db") as cat:
        rows = {(r["node"], r["origin"], r["score"]) for r in cat.tag_rows("2401.00001")}
    assert rows == {("memory", "auto", None), ("offloading", "auto", None)}


@pytest.mark.parametrize("fmt", ["json", "jsonl", "yaml"])
def test_a_backup_keeps_the_lists_a_paper_is_listed_in(cli, tmp_path, fmt):
    """Restored, a paper is listed where it was (its source rows, sections and links), not
    in the backup file: `--section` and `--source` find it as before."""
    src = tmp_path / "mylist.md"
    src.write_text(
        "# My list\n## Quantization\n- [AWQ: Activation-aware Weight Quantization](https://arxiv.org/abs/2306.00978)\n"
    )
    first, second = str(tmp_path / "s1.db"), str(tmp_path / "s2.db")
    assert cli("import", str(src), "--db", first).exit_code == 0
    out = tmp_path / f"b.{EXT[fmt]}"
    assert cli("export", "--format", fmt, "-o", str(out), "--db", first).exit_code == 0
    assert cli("import", str(out), "--db", second).exit_code == 0
    shown = json.loads(cli("show", "2306.00978", "--json", "--db", second).stdout)
    assert [(s["source"], s["locator"], s["section"]) for s in shown["sources"]] == [
        ("mylist.md", "mylist.md:3", "My list / Quantization")
    ]
    r = cli("list", "--section", "Quantization", "--source", "mylist.md", "--db", second)
    assert r.exit_code == 0 and "2306.00978" in r.stdout, r.output


def test_a_backup_keeps_an_implied_area_over_a_removal(cli, tmp_path, mini_db):
    """untag quantization, tag a subtopic of it: the implied area remembers the removal
    (0.25); a backup listing it among both implied_tags and removed_tags restores that, so
    untagging the subtopic removes the area again (it came back as plain implied, 0.5)."""
    from efmcat.models import IMPLIED_OVER_REMOVAL

    assert cli("untag", "2210.17323", "quantization").exit_code == 0
    assert cli("tag", "2210.17323", "kv-cache-quant").exit_code == 0
    out = tmp_path / "b.yaml"
    assert cli("export", "--format", "yaml", "-o", str(out)).exit_code == 0
    fresh = str(tmp_path / "fresh.db")
    assert cli("import", str(out), "--db", fresh).exit_code == 0
    with Catalog(fresh) as cat:
        rows = {r["node"]: (r["origin"], r["score"], r["removed"]) for r in cat.tag_rows("2210.17323")}
    assert rows["quantization"] == ("manual", IMPLIED_OVER_REMOVAL, 0)
    assert cli("untag", "2210.17323", "kv-cache-quant", "--db", fresh).exit_code == 0
    assert json.loads(cli("show", "2210.17323", "--json", "--db", fresh).stdout)["tags"] == []
    again = tmp_path / "again.yaml"
    assert cli("export", "--format", "yaml", "-o", str(again)).exit_code == 0
    assert again.read_text() == out.read_text()


def test_import_tag_does_not_make_a_backups_named_area_implied(cli, tmp_path):
    """A backup where the user named quantization, imported with --tag weight-only-ptq:
    quantization stays the user's (1.0); untagging the subtopic left it gone."""
    _import_record(
        cli,
        tmp_path,
        "A paper",
        "--tag",
        "weight-only-ptq",
        tags=["quantization"],
        manual_tags=["quantization"],
    )
    assert cli("untag", "2401.00001", "weight-only-ptq").exit_code == 0
    assert json.loads(cli("show", "2401.00001", "--json").stdout)["tags"] == ["quantization"]


def test_a_yaml_backup_row_without_a_locator_is_an_error(cli, tmp_path):
    path = tmp_path / "yr.yaml"
    path.write_text(
        "source: efmcat-export\npapers:\n- id: '2401.00001'\n  title: A paper\n  rows: [{source: mylist, section: Quantization}]\n"
    )
    r = cli("import", str(path))
    assert (r.exit_code, r.stderr) == (1, f"Error: {path}:3: each of sources needs a source and a locator\n")


def test_a_named_area_over_its_curated_subtopic_stays_the_users(cli, tmp_path):
    """tags [quantization, weight-only-ptq], the user named quantization: the curated
    subtopic implies its area as curated, and the user's naming of it wins (manual, 1.0)."""
    _import_record(
        cli, tmp_path, "A paper", tags=["quantization", "weight-only-ptq"], manual_tags=["quantization"]
    )
    with Catalog(tmp_path / "catalog.db") as cat:
        rows = {r["node"]: (r["origin"], r["score"]) for r in cat.tag_rows("2401.00001")}
    assert rows == {"quantization": ("manual", 1.0), "weight-only-ptq": ("curated", 1.0)}


def test_a_backups_removal_alone_is_restored(cli, tmp_path):
    _import_record(cli, tmp_path, "Quantization of things", tags=[], removed_tags=["quantization"])
    with Catalog(tmp_path / "catalog.db") as cat:
        assert [(r["node"], r["origin"], r["removed"]) for r in cat.tag_rows("2401.00001")] == [
            ("quantization", "manual", 1)
        ]


def test_import_tag_reaches_an_entry_with_no_tags_of_its_own(cli, tmp_path):
    line = {
        "id": "2401.00002",
        "title": "A paper on nothing in particular",
        "categories": "cs.LG",
        "abstract": "Words.",
    }
    src = tmp_path / "s.jsonl"
    src.write_text(json.dumps(line) + "\n")
    assert cli("import", str(src), "--tag", "hardware").exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert ("hardware", "manual", 1.0) in {
            (r["node"], r["origin"], r["score"]) for r in cat.tag_rows("2401.00002")
        }


def test_a_yaml_backup_keeps_when_each_paper_was_added_and_its_source(cli, tmp_path, mini_db):
    """added_at became the import's time and source 'efmcat-export' (list --sort added and
    update's view of which papers are the release's changed after a YAML restore)."""
    out = tmp_path / "b.yaml"
    assert cli("export", "--format", "yaml", "--kind", "any", "-o", str(out)).exit_code == 0
    fresh = str(tmp_path / "fresh.db")
    assert cli("import", str(out), "--db", fresh).exit_code == 0

    def kept(*db):
        rows = json.loads(cli("export", "--format", "json", "--kind", "any", *db).stdout)
        return {r["id"]: (r["added_at"], r["source"]) for r in rows}

    before, after = kept(), kept("--db", fresh)
    assert before == after and all(a and s for a, s in before.values())


def test_a_hand_written_yaml_date_is_when_the_paper_was_added(cli, tmp_path):
    """YAML reads an unquoted 2024-09-03 as a date: 'added_at must be text, not date'."""
    f = tmp_path / "mine.yaml"
    f.write_text(
        'papers:\n- id: "2401.00001"\n  title: A\n  added_at: 2024-09-03\n'
        '- id: "2401.00002"\n  title: B\n  added_at: 2024-09-03 10:20:30\n',
        encoding="utf-8",
    )
    db = tmp_path / "c.db"
    assert cli("import", str(f), "--db", str(db)).exit_code == 0
    rows = json.loads(cli("export", "--format", "json", "--db", str(db)).stdout)
    assert [(r["id"], r["added_at"]) for r in rows] == [
        ("2401.00001", "2024-09-03T00:00:00Z"),
        ("2401.00002", "2024-09-03T10:20:30Z"),
    ]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_backup_imported_again_changes_nothing(cli, tmp_path, fmt):
    """A paper known by its DOI exports that DOI (the id names it); importing the backup into
    the catalog it came from is no change, not an update of every such paper."""
    src = tmp_path / "doi.json"
    src.write_text(
        json.dumps(
            [{"id": "doi:10.1145/3600006.3613165", "arxiv_id": None, "title": "Efficient Memory Management"}]
        )
    )
    assert cli("import", str(src)).exit_code == 0
    out = tmp_path / f"back.{EXT[fmt]}"
    assert cli("export", "--format", fmt, "-o", str(out)).exit_code == 0
    assert "10.1145/3600006.3613165" in out.read_text()
    r = cli("import", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 0, 1 unchanged; 0 tags."


def test_a_bibtex_export_imported_again_changes_nothing(cli, tmp_path):
    """What the BibTeX export writes out from a paper's other fields (its venue as the
    booktitle, spelled out; the venue an ACL Anthology id names; the primary category, or the
    first category as primaryClass) is no new information when the file comes back: the
    catalog it came from is left as it was (82 papers of the shipped catalog were 'updated')."""
    src = tmp_path / "papers.json"
    papers = [
        {
            "id": "2208.07339",
            "arxiv_id": "2208.07339",
            "title": "LLM.int8()",
            "year": 2022,
            "categories": [],
            "primary_category": "cs.LG",
        },
        {
            "id": "2311.03426",
            "arxiv_id": "2311.03426",
            "title": "GQKVA",
            "year": 2023,
            "categories": ["cs.LG", "cs.AI"],
        },
        {"id": "acl:2023.findings-emnlp.920", "arxiv_id": None, "title": "An ACL paper", "year": 2023},
        {
            "id": "1511.03575",
            "arxiv_id": "1511.03575",
            "title": "Federated Optimization",
            "venue": "NIPSw 2015",
            "year": 2015,
        },
        {
            "id": "ieee:80236",
            "arxiv_id": None,
            "title": "A simple procedure for pruning",
            "venue": "NN 1990",
            "year": 1990,
        },
    ]
    src.write_text(json.dumps(papers))
    assert cli("import", str(src)).exit_code == 0
    before = json.loads(cli("export", "--format", "json").stdout)
    bib = tmp_path / "all.bib"
    assert cli("export", "--format", "bibtex", "-o", str(bib)).exit_code == 0
    text = bib.read_text()
    for written in ("primaryClass = {cs.LG}", "EMNLP 2023", "NIPS Workshop 2015", "booktitle = {NN 1990}"):
        assert written in text
    r = cli("import", str(bib))
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[-1] == "Added 0 papers, updated 0, 5 unchanged; 0 tags."
    after = json.loads(cli("export", "--format", "json").stdout)
    fields = ("venue", "journal_ref", "categories", "primary_category")
    assert [[p.get(f) for f in fields] for p in after] == [[p.get(f) for f in fields] for p in before]


def test_a_bibtex_file_still_fills_what_the_catalog_lacks(cli, tmp_path):
    """Only what the catalog's own fields already say is left out: a .bib file's venue, journal
    reference and category that the record has nowhere still fill it."""
    src = tmp_path / "papers.json"
    src.write_text(
        json.dumps(
            [
                {"id": "2208.07339", "arxiv_id": "2208.07339", "title": "LLM.int8()", "year": 2022},
                {"id": "openreview:abc", "arxiv_id": None, "title": "A Paper Under Review"},
            ]
        )
    )
    assert cli("import", str(src)).exit_code == 0
    bib = tmp_path / "in.bib"
    bib.write_text(
        "@misc{a, title = {LLM.int8()}, eprint = {2208.07339}, archivePrefix = {arXiv}, primaryClass = {cs.LG},"
        " journal = {Some Workshop 2022}}\n"
        "@inproceedings{b, title = {A Paper Under Review}, booktitle = {Proceedings of ICLR 2023},"
        " url = {https://openreview.net/forum?id=abc}}\n"
    )
    r = cli("import", str(bib))
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[-1].startswith("Added 0 papers, updated 2, 0 unchanged;")
    rows = {p["id"]: p for p in json.loads(cli("export", "--format", "json").stdout)}
    assert rows["2208.07339"]["categories"] == ["cs.LG"]
    assert rows["2208.07339"]["primary_category"] == "cs.LG"
    assert rows["2208.07339"]["journal_ref"] == "Some Workshop 2022"
    assert rows["openreview:abc"]["venue"] == "Proceedings of ICLR 2023"  # a name as written


def test_an_acl_anthology_paper_has_the_venue_its_id_names(cli, tmp_path):
    """show and every export say where an ACL Anthology paper appeared, as its id names it,
    unless its record says otherwise (a .bib's "ACL 2021" used to end up in journal_ref only)."""
    src = tmp_path / "papers.json"
    src.write_text(
        json.dumps(
            [
                {"id": "acl:2021.acl-long.462", "arxiv_id": None, "title": "Shallow Aggressive Decoding"},
                {
                    "id": "acl:2023.findings-acl.1",
                    "arxiv_id": None,
                    "title": "A Findings Paper",
                    "venue": "ACL 2023",
                },
            ]
        )
    )
    assert cli("import", str(src)).exit_code == 0
    rows = {p["id"]: p["venue"] for p in json.loads(cli("export", "--format", "json").stdout)}
    assert rows == {"acl:2021.acl-long.462": "ACL 2021", "acl:2023.findings-acl.1": "ACL 2023"}
    assert "Venue:       ACL 2021" in cli("show", "acl:2021.acl-long.462").stdout
