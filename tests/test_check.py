"""efmcat check: duplicates, wrong id-title pairs, malformed ids, and --fix."""

from __future__ import annotations

import json

from conftest import FIXTURES
from efmcat.catalog import Catalog

IMPORT = FIXTURES / "import"


def _findings(cli):
    result = cli("check", "--json")
    return result, json.loads(result.stdout)


def test_check_finds_the_list_mistakes(cli):
    assert cli("import", str(IMPORT / "survey_table.md")).exit_code == 0
    result, data = _findings(cli)
    assert result.exit_code == 1
    kinds = data["counts"]
    assert kinds["id-title-conflict"] == 1
    assert kinds["duplicate-rows"] == 2
    assert kinds["malformed-id"] == 1
    conflict = next(f for f in data["findings"] if f["kind"] == "id-title-conflict")
    assert conflict["papers"] == ["2208.07339"]
    assert {s["locator"] for s in conflict["sources"]} == {"survey_table.md:15", "survey_table.md:16"}
    malformed = next(f for f in data["findings"] if f["kind"] == "malformed-id")
    assert malformed["message"] == "url:arxiv.org/abs/203.05527: not a valid arXiv id (survey_table.md:18)"
    versions = next(f for f in data["findings"] if f["kind"] == "versions")
    assert versions["message"] == "2208.07339 is linked as unversioned, v2"
    # one finding lists every paper without metadata: counted once, its papers apart
    assert kinds["missing-metadata"] == 1
    missing = next(f for f in data["findings"] if f["kind"] == "missing-metadata")
    assert data["papers_by_kind"]["missing-metadata"] == len(missing["papers"]) > 1
    assert data["papers_by_kind"]["id-title-conflict"] == 1


def test_plain_output_names_file_and_line(cli):
    cli("import", str(IMPORT / "survey_table.md"))
    result = cli("check")
    assert result.exit_code == 1
    assert (
        "ERROR id-title-conflict: 2208.07339 carries 2 different titles: "
        '"LLM.int8(): 8-bit Matrix Multiplication for Transformers at Scale" (survey_table.md:15); '
        '"GPTQ: Accurate Post-Training Quantization for Generative Pretrained Transformers" (survey_table.md:16)'
    ) in result.stdout
    assert "INFO duplicate-rows: 2306.00978 is listed 2 times in survey_table.md" in result.stdout


def test_clean_catalog_exits_zero(cli, mini_db):
    result, data = _findings(cli)
    assert data["problems"] == 0, data
    assert result.exit_code == 0


def test_fix_merges_only_safe_duplicates(cli, tmp_path):
    """The OpenReview page comes in first, the arXiv paper later as a YAML record (a list or
    BibTeX import would merge the two itself; records keep their ids)."""
    first = tmp_path / "one.md"
    first.write_text(
        "## Quantization\n\n"
        "- **SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot** "
        "[Paper](https://openreview.net/forum?id=abc)\n"
    )
    record = tmp_path / "two.yaml"
    record.write_text(
        "source: two\npapers:\n- id: '2301.00774'\n"
        "  title: 'SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot'\n"
    )
    md = tmp_path / "three.md"
    md.write_text(
        "- **Same Title Twice** [Paper](https://arxiv.org/abs/2301.00001)\n"
        "- **Same title twice** [Paper](https://arxiv.org/abs/2301.00002)\n"
    )
    for f in (first, record, md):
        assert cli("import", str(f)).exit_code == 0
    result = cli("check", "--fix", "--json")
    data = json.loads(result.stdout)
    assert data["fixed"] == ["merged openreview:abc into 2301.00774 (same title)"]
    assert result.exit_code == 1  # the two arXiv ids with one title are left to a human
    left = [f for f in data["findings"] if f["kind"] == "same-title"]
    assert [f["papers"] for f in left] == [["2301.00001", "2301.00002"]]
    with Catalog(tmp_path / "catalog.db") as cat:
        assert not cat.has("openreview:abc")
        assert "one.md:3" in [s["locator"] for s in cat.sources_of("2301.00774")]
        assert "quantization" in cat.tags_of(["2301.00774"])["2301.00774"]


def test_json_rows_spell_out_what_schema_v5_stores_as_null(cli, tmp_path):
    """A source row's link that is its paper's own arXiv page is stored as NULL (schema v5);
    check --json shows it as it was given, as do the titles."""
    lst = tmp_path / "l.md"
    lst.write_text(
        "# List\n\n## Quantization\n\n"
        "- [GPTQ: Accurate Post-Training Quantization](https://arxiv.org/abs/2210.17323)\n"
        "- [GPTQ again](https://arxiv.org/abs/2210.17323v2)\n",
        encoding="utf-8",
    )
    assert cli("import", str(lst)).exit_code == 0
    with Catalog(tmp_path / "catalog.db") as cat:
        stored = cat.conn.execute("SELECT locator, link FROM sources ORDER BY locator").fetchall()
    assert [tuple(r) for r in stored] == [("l.md:5", None), ("l.md:6", "https://arxiv.org/abs/2210.17323v2")]
    report = json.loads(cli("check", "--json").stdout)
    rows = {(s["locator"], s["title"], s["link"]) for f in report["findings"] for s in f["sources"]}
    assert rows == {
        ("l.md:5", "GPTQ: Accurate Post-Training Quantization", "https://arxiv.org/abs/2210.17323"),
        ("l.md:6", "GPTQ again", "https://arxiv.org/abs/2210.17323v2"),
    }


def test_summary_counts_a_kind_by_its_severity():
    """Similar titles across id schemes are a problem, within one a note: the summary counts
    each finding where its own severity puts it, and says "1 problem"."""
    from efmcat.check import CheckResult, Finding

    def f(kind, severity):
        return Finding(kind, severity, "...", ["x"])

    result = CheckResult(
        [
            f("similar-titles", "warning"),
            f("similar-titles", "info"),
            f("similar-titles", "info"),
            f("versions", "info"),
        ],
        papers=10,
    )
    assert (
        result.summary()
        == "Checked 10 papers: 1 problem (1 similar-titles); notes: 2 similar-titles, 1 versions."
    )
    result.findings.append(f("same-title", "error"))
    assert result.summary() == (
        "Checked 10 papers: 2 problems (1 similar-titles, 1 same-title); notes: 2 similar-titles, 1 versions."
    )


def test_a_title_ascii_cannot_spell_is_reported_not_merged(cli, tmp_path):
    """A Chinese title whose ASCII words equal another paper's title: same-title is reported
    (a human can tell), but --fix does not merge them."""
    from efmcat.models import Paper

    with Catalog(tmp_path / "catalog.db") as cat, cat.transaction():
        cat.upsert_paper(Paper(id="2401.00001", title="LLM Compression Survey"))
        cat.upsert_paper(Paper(id="title:llm-compression-survey", title="大模型 LLM Compression Survey"))
    result = cli("check", "--fix", "--json")
    data = json.loads(result.stdout)
    assert data["fixed"] == []
    same = [f for f in data["findings"] if f["kind"] == "same-title"]
    assert [(f["papers"], f["fixable"]) for f in same] == [
        (["2401.00001", "title:llm-compression-survey"], False)
    ]


def test_a_title_spaced_otherwise_is_the_same_title_reported_as_fix_merges_it(cli, tmp_path):
    """check reported "Block Pruner: ..." beside BlockPruner as similar titles, not fixable,
    and --fix then merged them (its key ignores spacing): the report and the fix agree now."""
    from efmcat.models import Paper

    with Catalog(tmp_path / "catalog.db") as cat, cat.transaction():
        cat.upsert_paper(
            Paper(id="2406.10594", title="BlockPruner: Fine-grained Pruning for Large Language Models")
        )
        cat.upsert_paper(
            Paper(
                id="title:block-pruner-fine",
                title="Block Pruner: Fine-grained Pruning for Large Language Models",
            )
        )
    data = json.loads(cli("check", "--json").stdout)
    assert [(f["kind"], f["papers"], f["fixable"]) for f in data["findings"] if "title" in f["kind"]] == [
        ("same-title", ["2406.10594", "title:block-pruner-fine"], True)
    ]
    data = json.loads(cli("check", "--fix", "--json").stdout)
    assert len(data["fixed"]) == 1 and "title:block-pruner-fine" in data["fixed"][0]


def test_fix_gives_a_legacy_subject_class_id_arxivs_id(cli, tmp_path, monkeypatch):
    """An older efmcat stored math.GT/0309136 as written; arXiv's id is math/0309136. check
    warns; --fix renames it (tags follow), or merges it where both are held."""
    db = tmp_path / "old.db"
    monkeypatch.setenv("EFMCAT_DB", str(db))
    with Catalog(db) as cat, cat.transaction():
        for pid, title in (
            ("math.GT/0309136", "Old Style Paper One"),
            ("hep-th.XX/9901001", "Two"),
            ("arXiv:2301.00002", "Three"),  # any id not in its canonical form
        ):
            cat.conn.execute(
                "INSERT INTO papers(id, title, kind, added_at) VALUES (?, ?, 'paper', '2026-01-01')",
                (pid, title),
            )
        cat.conn.execute(
            "INSERT INTO tags(paper_id, node, origin, score) VALUES ('math.GT/0309136', 'quantization', 'manual', 1)"
        )
        cat.conn.execute(
            "INSERT INTO papers(id, title, kind, added_at, note, user_fields) "
            "VALUES ('hep-th/9901001', 'Two', 'paper', '2026-01-01', NULL, '[]')"
        )
    r = cli("check", "--json")
    legacy = sorted(f["papers"][0] for f in json.loads(r.stdout)["findings"] if f["kind"] == "legacy-id")
    assert legacy == ["arXiv:2301.00002", "hep-th.XX/9901001", "math.GT/0309136"]
    r = cli("check", "--fix", "--json")
    assert sorted(json.loads(r.stdout)["fixed"])[:3] == [
        "merged hep-th.XX/9901001 into hep-th/9901001 (arXiv's id)",
        "renamed arXiv:2301.00002 to 2301.00002 (arXiv's id)",
        "renamed math.GT/0309136 to math/0309136 (arXiv's id)",
    ]
    with Catalog(db) as cat:
        ids = sorted(r[0] for r in cat.conn.execute("SELECT id FROM papers"))
        assert ids == ["2301.00002", "hep-th/9901001", "math/0309136"]
        assert [r[0] for r in cat.conn.execute("SELECT node FROM tags WHERE paper_id = 'math/0309136'")] == [
            "quantization"
        ]
