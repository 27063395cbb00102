"""Import of Markdown paper lists: tables, badges, bullet and numbered lists."""

from __future__ import annotations

import json

from conftest import FIXTURES
from efmcat.catalog import Catalog
from efmcat.formats.markdown_list import heading_node, parse_markdown_list
from efmcat.taxonomy import load_taxonomy

IMPORT = FIXTURES / "import"


def _import(cli, *files, extra=()):
    return cli("import", *[str(IMPORT / f) for f in files], "--json", *extra)


def test_survey_table_counts_ids_and_malformed_links(cli, tmp_path):
    result = _import(cli, "survey_table.md")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    f = report["files"][0]
    assert (f["rows"], f["papers"], f["arxiv"], f["non_arxiv"], f["duplicates"]) == (10, 8, 6, 2, 2)
    assert f["malformed"] == [{"line": 18, "link": "https://arxiv.org/abs/203.05527"}]
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("2210.17323").year == 2022
        # The first row's title is the paper's; the other row's title stays in sources.
        titles = {s["locator"]: s["title"] for s in cat.sources_of("2208.07339")}
        assert titles == {
            "survey_table.md:15": "LLM.int8(): 8-bit Matrix Multiplication for Transformers at Scale",
            "survey_table.md:16": "GPTQ: Accurate Post-Training Quantization for Generative Pretrained Transformers",
        }
        assert cat.sources_of("2306.00978")[0]["section"] == (
            "A Survey-Style Paper List / Model Design / Quantization"
        )
        tags = {r["node"]: r["origin"] for r in cat.tag_rows("2301.00774")}
        assert tags["sparsification"] == "curated"  # "### Pruning" names the node
        assert {r["node"]: r["origin"] for r in cat.tag_rows("2309.06180")}["memory-management"] == "curated"
        assert cat.has("url:arxiv.org/abs/203.05527")


def test_html_comment_rows_are_ignored(tmp_path):
    text = (IMPORT / "survey_table.md").read_text()
    res = parse_markdown_list(text, "x.md", load_taxonomy())
    assert all(e.line != 6 for e in res.entries)


def test_badges_br_and_authors(cli, tmp_path):
    result = _import(cli, "badges_table.md")
    assert result.exit_code == 0, result.output
    f = json.loads(result.stdout)["files"][0]
    # news bullets, anchor and relative links are not papers
    assert (f["rows"], f["papers"], f["arxiv"], f["non_arxiv"]) == (5, 5, 3, 2)
    assert f["malformed"] == [{"line": 17, "link": "https://arxiv.org/abs/2407.11681mini"}]
    with Catalog(tmp_path / "catalog.db") as cat:
        p = cat.get_paper("2301.00774")  # title linked to GitHub, paper link in the Links column
        assert p.title == "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot"
        assert p.authors == ["Elias Frantar", "Dan Alistarh"]
        assert cat.get_paper("openreview:hO0c2tG2xL").authors == ["Berivan Isik", "Hermann Kumbong"]
        assert "kv-cache-compression" in {r["node"] for r in cat.tag_rows("2402.02750")}


def test_a_full_stop_between_two_names_parts_authors_an_initials_does_not():
    rows = [
        "|[EntropyRank](https://arxiv.org/abs/2308.13399) <br> Alexander Tsvetkov. Alon Kipnis |",
        "|[B](https://arxiv.org/abs/2308.13400) <br> J. R. Smith, Ana Lee Jr. Bo |",
    ]
    text = "| Title |\n|:--|\n" + "\n".join(rows) + "\n"
    res = parse_markdown_list(text, "x.md", load_taxonomy())
    assert [e.paper.authors for e in res.entries] == [
        ["Alexander Tsvetkov", "Alon Kipnis"],
        ["J. R. Smith", "Ana Lee Jr. Bo"],  # "J." is an initial, "Jr." no name of two small letters
    ]


def test_bullet_and_numbered_lists(cli, tmp_path):
    result = _import(cli, "bullets.md")
    assert result.exit_code == 0, result.output
    f = json.loads(result.stdout)["files"][0]
    assert (f["papers"], f["arxiv"], f["non_arxiv"]) == (5, 4, 1)
    with Catalog(tmp_path / "catalog.db") as cat:
        assert (
            cat.get_paper("2211.17192").title == "Fast Inference from Transformers via Speculative Decoding"
        )
        assert cat.get_paper("2302.01318").title == (
            "Accelerating Large Language Model Decoding with Speculative Sampling"
        )
        assert cat.get_paper("2401.15077").authors == ["Yuhui Li", "Fangyun Wei"]
        assert cat.get_paper("2309.17453").title == "Efficient Streaming Language Models with Attention Sinks"
        assert cat.has("doi:10.1109/emc2-nips53020.2019.00016")
        assert not any(i.startswith("url:example.com") for i in [p.id for p in cat.iter_papers()])
        assert "speculative-decoding" in {r["node"] for r in cat.tag_rows("2211.17192")}


def test_importing_twice_changes_nothing(cli, tmp_path):
    assert _import(cli, "survey_table.md").exit_code == 0
    db = tmp_path / "catalog.db"
    with Catalog(db) as cat:
        before = [list(r) for r in cat.conn.execute("SELECT * FROM papers ORDER BY id")]
        tags_before = [list(r) for r in cat.conn.execute("SELECT * FROM tags ORDER BY 1, 2")]
    second = json.loads(_import(cli, "survey_table.md").stdout)
    assert (second["added"], second["updated"], second["unchanged"], second["tags_added"]) == (0, 0, 8, 0)
    with Catalog(db) as cat:
        assert [list(r) for r in cat.conn.execute("SELECT * FROM papers ORDER BY id")] == before
        assert [list(r) for r in cat.conn.execute("SELECT * FROM tags ORDER BY 1, 2")] == tags_before


def test_dry_run_writes_nothing(cli, tmp_path):
    result = cli("import", str(IMPORT / "survey_table.md"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would add 8 papers" in result.stderr
    assert "added   2210.17323  GPTQ" in result.stderr
    assert "Dry run: nothing was written." in result.stderr
    assert not (tmp_path / "catalog.db").exists()  # not even a new empty catalog
    Catalog(tmp_path / "catalog.db").close()  # an empty catalog that was there stays
    assert cli("import", str(IMPORT / "survey_table.md"), "--dry-run").exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.count() == 0


def test_tag_option_adds_manual_tags(cli, tmp_path):
    result = cli("import", str(IMPORT / "bullets.md"), "--tag", "hardware")
    assert result.exit_code == 0, result.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert {"node": "hardware", "origin": "manual", "score": 1.0, "removed": 0} in cat.tag_rows(
            "2211.17192"
        )


def test_a_tag_options_subtopic_implies_its_area_which_untag_gives_back(cli, tmp_path):
    """import --tag qat: qat is the user's (1.0), quantization implied (0.5), so untagging
    qat takes quantization with it, as after `efmcat tag` (it stayed a manual area)."""
    from efmcat.tagger import IMPLIED

    assert cli("import", str(IMPORT / "bullets.md"), "--tag", "qat").exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        rows = {r["node"]: (r["origin"], r["score"]) for r in cat.tag_rows("2211.17192")}
    assert rows["qat"] == ("manual", 1.0) and rows["quantization"] == ("manual", IMPLIED)
    assert cli("untag", "2211.17192", "qat").exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert "quantization" not in cat.tags_of(["2211.17192"])["2211.17192"]


def test_a_tag_options_subtopic_over_a_removed_area_leaves_the_removal_to_come_back(cli, tmp_path):
    """untag quantization, then import the paper again with --tag qat: quantization is
    implied while qat stands; untagging qat gives the user's removal back, as after `tag`
    (import wrote 0.5 over the removal, so untag handed the area to the tagger)."""
    from efmcat.tagger import IMPLIED_OVER_REMOVAL

    assert cli("import", str(IMPORT / "bullets.md")).exit_code == 0
    assert cli("untag", "2211.17192", "quantization").exit_code == 0
    assert cli("import", str(IMPORT / "bullets.md"), "--tag", "qat").exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        rows = {r["node"]: (r["origin"], r["score"], r["removed"]) for r in cat.tag_rows("2211.17192")}
    assert rows["quantization"] == ("manual", IMPLIED_OVER_REMOVAL, 0)
    assert cli("untag", "2211.17192", "qat").exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        rows = {r["node"]: (r["origin"], r["removed"]) for r in cat.tag_rows("2211.17192")}
    assert rows["quantization"] == ("manual", 1)


def test_unknown_tag_is_an_error(cli):
    result = cli("import", str(IMPORT / "bullets.md"), "--tag", "quantisation-typo")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown taxonomy node 'quantisation-typo'")


def test_missing_file(cli, tmp_path):
    result = cli("import", str(tmp_path / "nope.md"))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: no such file: {tmp_path / 'nope.md'}"


def test_heading_node_mapping():
    tx = load_taxonomy()
    assert heading_node("Quantization", tx) == "quantization"
    assert heading_node("K-V Cache", tx) == "memory"
    assert heading_node("Network Pruning / Sparsity", tx) == "sparsification"
    assert heading_node("🚀 Updates", tx) is None
    # headings any list may write (each gave no tag): a lead word, a plural, a common pairing
    for heading, node in [
        ("Sparsity", "sparsification"),
        ("Pruning & Sparsity", "sparsification"),
        ("Model Pruning", "sparsification"),
        ("Model Quantization", "quantization"),
        ("Efficient Attention", "attention"),
        ("Compilers", "compiler"),
        ("Tensor Compilers", "compiler"),
        ("Hardware Accelerators", "hardware"),
    ]:
        assert heading_node(heading, tx) == node, heading
    assert heading_node("Quantization & Pruning", tx) is None  # two areas: no one node
    assert heading_node("Papers", tx) is None


def test_an_old_style_arxiv_link_gives_the_year(cli, tmp_path):
    src = tmp_path / "old.md"
    src.write_text("## Quantization\n\n- [A paper from 1999](https://arxiv.org/abs/hep-th/9901001)\n")
    assert cli("import", str(src)).exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.get_paper("hep-th/9901001").year == 1999


def test_a_record_updated_then_merged_into_its_arxiv_paper_in_one_import(cli, tmp_path):
    """The first list has an ACL page; the second updates it (authors) and lists the arXiv
    paper of the same title: the page merges into it, and re-tagging the updated page (no
    more in the catalog) failed the whole import ("no paper acl:... in the catalog")."""
    title = "Efficient Widget Quantization for Large Language Models"
    first, second = tmp_path / "a.md", tmp_path / "b.md"
    first.write_text(f"## Quantization\n\n- [{title}](https://aclanthology.org/2023.emnlp-main.362/)\n")
    second.write_text(
        f"## Quantization\n\n- [{title}](https://aclanthology.org/2023.emnlp-main.362/)<br>Ana Smith, Bo Wang\n"
        f"- [{title}](https://arxiv.org/abs/2310.00001)\n"
    )
    r = cli("import", str(first), str(second))
    assert r.exit_code == 0, r.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert not cat.has("acl:2023.emnlp-main.362")
        assert cat.get_paper("2310.00001").authors == ["Ana Smith", "Bo Wang"]


def test_links_in_parentheses_autolinks_and_written_out_arxiv_ids_are_read():
    """Each of these rows gave 0 rows, with no warning: the bare-link pattern skipped a link
    after "(" or "<", and "arXiv:ID" was not read at all. What a link taken out leaves in the
    title ("( ).", "< >") goes too."""
    text = (
        "# Quantization\n\n"
        "- AWQ: Activation-aware Weight Quantization (https://arxiv.org/abs/2306.00978).\n"
        "- SmoothQuant: Accurate Post-Training Quantization <https://arxiv.org/abs/2211.10438v2>\n"
        "- Wanda: A Simple and Effective Pruning Approach, arXiv:2306.11695\n"
    )
    res = parse_markdown_list(text, "l.md", load_taxonomy())
    assert [(e.paper.id, e.paper.title) for e in res.entries] == [
        ("2306.00978", "AWQ: Activation-aware Weight Quantization"),
        ("2211.10438", "SmoothQuant: Accurate Post-Training Quantization"),
        ("2306.11695", "Wanda: A Simple and Effective Pruning Approach"),
    ]


def test_a_markdown_lists_entries_are_kept_on_disk_and_read_alike(tmp_path):
    """A long list's parsed entries go to a spool (its memory grew 1.6 MB per 1,000 rows),
    read back as the same entries, as often as the import reads them."""
    from efmcat.importer import parse_file
    from efmcat.spool import SpooledEntries
    from efmcat.taxonomy import load_taxonomy

    md = tmp_path / "list.md"
    rows = [f"- [Paper {i} on pruning](https://arxiv.org/abs/2301.{i:05d})" for i in range(1, 2501)]
    md.write_text("# List\n\n## Pruning\n\n" + "\n".join(rows) + "\n")
    tax = load_taxonomy()
    in_memory = parse_file(md, "md", tax)
    spooled = parse_file(md, "md", tax, spooled=True)
    try:
        assert isinstance(in_memory.entries, list)
        assert isinstance(spooled.entries, SpooledEntries)
        assert len(spooled.entries) == len(in_memory.entries) == 2500 and spooled.entries
        assert list(spooled.entries) == in_memory.entries
        assert list(spooled.entries) == in_memory.entries  # a second pass reads it again
        assert (spooled.rows, spooled.skipped) == (in_memory.rows, in_memory.skipped)
    finally:
        spooled.entries.close()


def test_an_import_closes_the_spools_of_its_markdown_lists(cli, tmp_path, monkeypatch):
    from efmcat import spool

    closed = []
    monkeypatch.setattr(spool.SpooledEntries, "close", lambda self: closed.append(len(self)))
    good = tmp_path / "good.md"
    good.write_text("## Pruning\n\n- [Wanda](https://arxiv.org/abs/2306.11695)\n")
    assert cli("import", str(good)).exit_code == 0
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    assert cli("import", str(good), str(bad)).exit_code == 1  # a failed import closes it too
    assert closed == [1, 1]
