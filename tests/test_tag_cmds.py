"""The tag, untag, retag, explain and eval commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def test_explain_shows_tags_scores_and_rules(cli, mini_db):
    r = cli("explain", "2210.17323")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("2210.17323  GPTQ: Accurate Post-Training Quantization")
    assert "  quantization               tagged   curated  score 1" in r.stdout
    assert "quantization: " in r.stdout and "'post-training quantization'" in r.stdout


def test_explain_says_which_list_headings_its_curated_tags_come_from(cli, mini_db):
    """ "hardware tagged curated score 1" on vLLM said nothing of why; show did."""
    r = cli("explain", "2210.17323")
    assert (
        "\nCurated from the headings of the lists that file it:\n  mini: Model Design / Quantization\n"
        in r.stdout
    )
    assert json.loads(cli("explain", "2210.17323", "--json").stdout)["curated_from"] == [
        "mini: Model Design / Quantization"
    ]
    assert cli("untag", "2210.17323", "quantization").exit_code == 0  # no curated tag left
    assert "Curated from" not in cli("explain", "2210.17323").stdout


def test_explain_json(cli, mini_db):
    data = json.loads(cli("explain", "2210.17323", "--json").stdout)
    assert data["id"] == "2210.17323"
    q = next(s for s in data["scores"] if s["node"] == "quantization")
    assert q["assigned"] and q["hits"]


def test_tag_and_untag_print_changes(cli, mini_db):
    r = cli("tag", "2210.17323", "fpga")
    assert r.exit_code == 0
    assert r.stderr == "Tagged 2210.17323 with hardware, fpga.\n"
    r = cli("untag", "2210.17323", "quantization")
    assert r.stderr == "Removed quantization, weight-only-ptq from 2210.17323.\n"
    r = cli("untag", "2210.17323", "quantization")  # its removal was recorded by the first
    assert r.stderr == "2210.17323 is already kept from quantization.\n"
    r = cli("untag", "2210.17323", "attention")
    assert r.stderr == "2210.17323 had none of attention; recorded that it should not get them.\n"
    shown = json.loads(cli("show", "2210.17323", "--json").stdout)
    assert shown["areas"] == ["hardware"]


def test_manual_tags_survive_retag_all(cli, mini_db):
    cli("tag", "2205.14135", "fpga")
    cli("untag", "2205.14135", "attention")
    r = cli("retag", "--all")
    assert r.exit_code == 0
    assert r.stderr == "Re-tagged 8 papers: 0 changed.\n"
    shown = json.loads(cli("show", "2205.14135", "--json").stdout)
    assert "attention" not in shown["areas"] and "hardware" in shown["areas"]


def test_retag_dry_run_prints_differences_and_writes_nothing(cli, mini_db):
    import sqlite3

    with sqlite3.connect(mini_db) as conn:
        conn.execute("DELETE FROM tags WHERE paper_id LIKE '22%'")
    r = cli("retag", "--all", "--dry-run")
    assert r.exit_code == 0
    assert r.stdout  # "<id>  +node ...  # title" lines
    assert all("  +" in line or "  -" in line for line in r.stdout.splitlines())
    gptq = [line for line in r.stdout.splitlines() if line.startswith("2210.17323  ")]
    assert gptq and gptq[0].endswith(
        "  # GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"
    )  # the title to judge the change by
    assert r.stderr.endswith("would change (dry run, nothing written).\n")
    again = cli("retag", "--all", "--dry-run")
    assert again.stdout == r.stdout


def test_retag_needs_ids_or_all(cli, mini_db):
    r = cli("retag")
    assert r.exit_code == 2
    assert r.stderr == "Error: give paper ids or --all (not both)\n"


def test_unknown_node_lists_close_matches(cli, mini_db):
    r = cli("tag", "2210.17323", "quantisation")
    assert r.exit_code == 1
    assert r.stderr == "Error: unknown taxonomy node 'quantisation'; did you mean quantization?\n"


def test_unknown_paper(cli, mini_db):
    r = cli("explain", "2401.00001")
    assert (
        r.stderr
        == "Error: no paper 2401.00001 in the catalog (`efmcat add 2401.00001` fetches it from arXiv)\n"
    )


def test_bad_taxonomy_file_names_the_line(cli, mini_db, tmp_path):
    bad = tmp_path / "tax.yaml"
    bad.write_text("areas:\n  - id: quantization\n    name: Q\n    rules:\n      terms: {x: high}\n")
    r = cli("explain", "2210.17323", "--taxonomy", str(bad))
    assert r.exit_code == 1
    assert (
        r.stderr
        == f"Error: {bad}:2: rules of 'quantization': weight of 'x' in 'terms' must be a number, not 'high'\n"
    )
    r = cli("explain", "2210.17323", env={"EFMCAT_TAXONOMY": str(bad)})
    assert r.exit_code == 1 and "rules of 'quantization'" in r.stderr


def test_eval_on_a_labelled_file(cli):
    path = str(FIXTURES / "labels" / "horseee.jsonl")
    r = cli("eval", path, "--split", "test", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    # the rules' rows where they always were, then the shipped model's (what tagging
    # uses) on the same papers
    assert [(d["set"], d["mode"]) for d in data] == [
        (path, "title"),
        (path, "title+abstract"),
        (f"{path}, model", "title"),
        (f"{path}, model", "title+abstract"),
    ]
    assert data[0]["papers"] == data[2]["papers"] > 200 and 0 < data[0]["macro_f1"] <= 1
    # the shipped model was trained on these papers: said, with where to look instead
    assert r.stderr == (
        f"{path}: the shipped model was trained on 217 of these 218 papers "
        "(efmcat eval --expert FILE scores a model trained without them)\n"
    )
    md = cli("eval", path, "--markdown")
    assert md.stdout.startswith("| labelled set | fields | papers | sparsification |")
    assert md.stdout.count(f"| {path}, model |") == 2


def test_eval_of_a_file_the_model_never_saw_says_nothing_on_stderr(cli, tmp_path):
    unseen = tmp_path / "mine.jsonl"
    unseen.write_text(
        json.dumps(
            {"id": "2611.00001", "title": "Post-Training Quantization of LLMs", "labels": ["quantization"]}
        )
        + "\n",
        encoding="utf-8",
    )
    r = cli("eval", str(unseen), "--json")
    assert r.exit_code == 0 and r.stderr == ""
    rows = [(d["set"], d["mode"], d["papers"], d["macro_f1"]) for d in json.loads(r.stdout)]
    assert rows == [
        (str(unseen), "title", 1, 1.0),
        (str(unseen), "title+abstract", 0, None),
        (f"{unseen}, model", "title", 1, 1.0),
        (f"{unseen}, model", "title+abstract", 0, None),
    ]


def test_eval_of_the_default_sets_has_no_model_rows(cli):
    r = cli("eval", "--json")
    assert r.exit_code == 0, r.output
    assert not any(d["set"].endswith(", model") for d in json.loads(r.stdout))


def test_eval_reads_labels_areas_or_a_labels_tables_lists(cli, tmp_path):
    rows = [
        {"id": "2611.00001", "title": "Post-Training Quantization of LLMs", "labels": ["quantization"]},
        {"id": "2611.00002", "title": "KV Cache Eviction with Heavy Hitters", "areas": ["kv-cache-eviction"]},
        {
            "id": "2611.00003",
            "title": "Sparse Attention for Long Documents",
            "lists": {"a": ["attention"], "b": ["compiler"]},
        },
    ]
    f = tmp_path / "mixed.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    r = cli("eval", str(f), "--json", "--errors")
    assert r.exit_code == 0, r.output
    title = json.loads(r.stdout)[0]
    assert title["papers"] == 3
    # a subtopic label counts for its area; a table row's lists give the union of their areas
    assert [(e["id"], e["missed"]) for e in title["errors"]] == [("2611.00003", ["compiler"])]


SECTION_ROWS = [  # as a list's heading-to-area mapping writes them: a row per list section
    {
        "arxiv_id": "2611.00001",
        "list": "org/awesome-a",
        "heading_path": "Awesome A > Quantization",
        "areas": ["quantization"],
        "title_hint": "KV Cache Quantization to 2 Bits",
    },
    {
        "arxiv_id": "2611.00001",
        "list": "org/awesome-b",
        "heading_path": "Awesome B > KV Cache",
        "areas": ["KV cache compression"],
        "title_hint": "KV Cache Quantization to 2 Bits",
    },
    {
        "arxiv_id": "2611.00002",
        "list": "org/awesome-b",
        "heading_path": "Awesome B > Speculative Decoding",
        "areas": ["speculative_decoding", "serving", "no-such-area"],
        "title_hint": "Draft and Verify Speculative Decoding",
    },
    {
        "arxiv_id": "2611.00003",
        "list": "org/awesome-a",
        "heading_path": "Awesome A > Misc",
        "areas": [],
        "title_hint": "A Mixed Heading",
    },
]


def test_section_rows_read_as_a_labelled_set_and_a_labels_table(cli, tmp_path):
    """A paper's rows join (each list's areas, their union for eval); labels in a list's
    own spelling are the taxonomy's nodes; a subtopic gives its area; an unknown label is
    kept out of the areas."""
    from efmcat.evaluate import load_labelled
    from efmcat.labels import load_labels

    f = tmp_path / "sections.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in SECTION_ROWS), encoding="utf-8")
    table = {p.id: (p.title, p.lists, p.subtopics) for p in load_labels(f)}
    assert table == {
        "2611.00001": (
            "KV Cache Quantization to 2 Bits",
            {"org/awesome-a": ["quantization"], "org/awesome-b": ["memory"]},
            {"org/awesome-b": ["kv-cache-compression"]},
        ),
        "2611.00002": (
            "Draft and Verify Speculative Decoding",
            {"org/awesome-b": ["memory", "decoding"]},
            {"org/awesome-b": ["serving", "speculative-decoding"]},
        ),
        "2611.00003": ("A Mixed Heading", {"org/awesome-a": []}, {}),
    }
    labelled = {p.id: (p.title, p.labels) for p in load_labelled(f)}
    assert labelled == {
        "2611.00001": ("KV Cache Quantization to 2 Bits", {"quantization", "memory"}),
        "2611.00002": (
            "Draft and Verify Speculative Decoding",
            {"memory", "decoding"},
        ),  # no-such-area: not scored
        "2611.00003": ("A Mixed Heading", set()),
    }
    r = cli("eval", str(f), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["papers"] == 3
    r = cli("eval", "--agreement", "--labels", str(f), "--json")  # the lists against each other
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["papers"] == 2  # 2611.00001, in both lists, once per list


def test_eval_names_what_a_bad_labelled_row_lacks(cli):
    cases = [
        ('{"id": "1", "title": "x"}', "no 'labels' (nor 'areas' or 'lists')"),
        ('{"title": "x", "labels": []}', "no 'id'"),
        ('{"id": "1", "title": "x", "labels": "quantization"}', "labels must be a list of node ids"),
        (
            '{"id": "1", "title": "x", "lists": {"a": "memory"}}',
            "lists must map each list to a list of node ids",
        ),
        ("[1, 2]", "a line must be a JSON object"),
        ('{"id": "1", "title": ["x"], "labels": []}', "title must be text"),
        ('{"id": "1", "title": "x", "abstract": 5, "labels": []}', "abstract must be text or null"),
        (
            '{"id": "1", "title": "x", "categories": [1], "labels": []}',
            "categories must be a list of category names",
        ),
    ]
    for line, why in cases:
        r = cli("eval", "-", input=line + "\n")
        assert (r.exit_code, r.stdout, r.stderr) == (
            1,
            "",
            f"Error: stdin:1: not a labelled paper: {why}\n",
        ), line


def _catalog_of(path: Path, *papers) -> None:
    from efmcat.catalog import Catalog

    with Catalog(path) as cat, cat.transaction():
        for paper in papers:
            cat.upsert_paper(paper)


def test_eval_reads_a_paper_given_by_its_id_alone_from_the_catalog(cli, isolated):
    from efmcat.records import Paper

    _catalog_of(
        isolated / "catalog.db",
        Paper(
            id="2611.00001",
            title="Post-Training Quantization of LLMs",
            abstract="We prune and quantize.",
            categories=["cs.LG"],
        ),
    )
    rows = [
        {"arxiv_id": "2611.00001", "list": "a", "areas": ["quantization"], "title_hint": ""},
        {"id": "2611.00002", "labels": ["memory"]},  # in neither the file nor the catalog
        {"id": "2611.00003", "title": None, "labels": ["memory"]},
    ]
    r = cli("eval", "-", "--json", input="".join(json.dumps(x) + "\n" for x in rows))
    assert r.exit_code == 0, r.output
    assert r.stderr == "stdin: 2 papers with no title (here or in the catalog) left out\n"
    data = json.loads(r.stdout)
    # the catalog's title and abstract: scored in both modes
    assert [(d["mode"], d["papers"], d["macro_f1"]) for d in data[:2]] == [
        ("title", 1, 1.0),
        ("title+abstract", 1, 1.0),
    ]

    # no paper with a title at all: an error, not an empty table
    r = cli("eval", "-", input=json.dumps(rows[1]) + "\n")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "",
        "Error: stdin: no paper has a title (here or in the catalog): nothing to score\n",
    )


def test_eval_names_labels_it_cannot_score_and_refuses_an_unknown_split(cli, tmp_path):
    f = tmp_path / "typo.jsonl"
    rows = [
        {"id": "x1", "title": "GPTQ quantization of LLMs", "labels": ["quantisation"]},
        {"id": "x2", "title": "Pruning LLMs", "labels": ["sparsification"], "split": "dev"},
    ]
    f.write_text("".join(json.dumps(x) + "\n" for x in rows), encoding="utf-8")
    r = cli("eval", str(f), "--json")
    assert r.exit_code == 0
    assert r.stderr == (
        f"{f}: not scored: unknown taxonomy node 'quantisation'; did you mean quantization?\n"
        f"{f}: 1 paper with only unknown labels left out\n"
    )
    r = cli("eval", str(f), "--split", "test")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr.endswith("Error: no labelled paper is in split 'test' (the splits: dev)\n")
    r = cli("eval", "--split", "bogus")  # the checkout's sets
    assert (r.exit_code, r.stdout, r.stderr) == (
        2,
        "",
        "Error: no labelled paper is in split 'bogus' (the splits: test, tune)\n",
    )


def test_eval_reads_untitled_rows_by_any_id_form_and_without_a_catalog_leaves_them_out(cli, isolated):
    from efmcat.records import Paper

    rows = [
        {"id": "x1", "title": "GPTQ quantization of LLMs", "labels": ["quantization"], "split": 1},
        {"id": "arXiv:2611.00001v2", "title": " ", "labels": ["quantization"], "split": 1},
    ]
    text = "".join(json.dumps(x) + "\n" for x in rows)
    r = cli("eval", "-", "--json", "--db", str(isolated / "none.db"), input=text)
    assert r.exit_code == 0, r.output
    assert r.stderr == (
        f"no catalog at {isolated / 'none.db'}: papers given without a title cannot be read from it\n"
        "stdin: 1 paper with no title (here or in the catalog) left out\n"
    )
    _catalog_of(isolated / "catalog.db", Paper(id="2611.00001", title="Post-Training Quantization"))
    r = cli("eval", "-", "--json", "--split", "1", input=text)  # a numbered split, as text
    assert (r.exit_code, r.stderr) == (0, "")
    assert json.loads(r.stdout)[0]["papers"] == 2


def test_a_labelled_file_with_every_title_never_opens_the_catalog(cli, tmp_path):
    f = tmp_path / "mine.jsonl"
    f.write_text(json.dumps({"id": "1", "title": "KV cache eviction", "labels": ["memory"]}) + "\n")
    r = cli("eval", str(f), "--db", str(tmp_path / "missing.db"))
    assert r.exit_code == 0 and r.stderr == ""


def test_load_labelled_joins_rows_and_fills_only_what_they_lack(tmp_path):
    from efmcat.evaluate import load_labelled
    from efmcat.records import Paper

    rows = [
        {"id": "1", "title": "", "labels": ["memory"]},
        {"id": "1", "title": "KV cache eviction", "labels": ["attention"], "categories": ["cs.CL"]},
        {"id": "2", "labels": ["quantization"], "abstract": "Own abstract."},
        {"id": "3", "labels": ["hardware"]},
    ]
    f = tmp_path / "rows.jsonl"
    f.write_text("".join(json.dumps(x) + "\n" for x in rows), encoding="utf-8")
    catalog = {
        "1": Paper(id="1", title="Catalog title", abstract="Catalog abstract."),
        "2": Paper(id="2", title="  GPTQ  ", abstract="Catalog abstract.", categories=["cs.LG"]),
    }
    heard: list[str] = []
    papers = load_labelled(f, lookup=catalog.get, progress=heard.append)
    got = [(p.id, p.title, p.abstract, p.categories, sorted(p.labels)) for p in papers]
    assert got == [
        ("1", "KV cache eviction", None, ["cs.CL"], ["attention", "memory"]),  # its second row's title
        ("2", "GPTQ", "Own abstract.", ["cs.LG"], ["quantization"]),  # the row's abstract kept
    ]
    assert heard == [f"{f}: 1 paper with no title (here or in the catalog) left out"]
    # no lookup: the same paper left out, and the message says where it looked
    heard.clear()
    assert [p.id for p in load_labelled(f, progress=heard.append)] == ["1"]
    assert heard == [f"{f}: 2 papers with no title (here) left out"]


def test_leave_one_list_out_never_tests_a_paper_without_a_title():
    from efmcat.evaluate import lolo_splits, subtopic_eval
    from efmcat.labels import ListPaper

    papers = [
        ListPaper("1", "Quantized LLMs", lists={"a": ["quantization"]}),
        ListPaper("2", "", lists={"a": ["memory"]}),
        ListPaper("3", "Pruned LLMs", lists={"b": ["sparsification"]}),
    ]
    splits = {
        name: ([p.id for p in train], [p.id for p in test]) for name, train, test in lolo_splits(papers)
    }
    assert splits == {"a": (["3"], ["1"]), "b": (["1"], ["3"])}
    # nor scores its subtopics
    papers[0].subtopics = {"a": ["weight-only-ptq"]}
    papers[1].subtopics = {"a": ["kv-cache-eviction"]}
    assert subtopic_eval(papers, modes=["title"])[0].papers == 1


def test_a_labels_table_names_what_a_bad_row_lacks_as_eval_does(cli):
    """--labels reads section rows too: one line naming what is wrong, as eval FILE says it."""
    cases = [
        ('{"title": "x", "list": "a", "areas": ["quantization"]}', "no 'id'"),
        (
            '{"arxiv_id": "1", "title_hint": "x", "list": 5, "areas": []}',
            "list must be the name of the list (text)",
        ),
        ('{"arxiv_id": "1", "title_hint": "x", "list": "a"}', "no 'labels' (nor 'areas' or 'lists')"),
    ]
    for line, why in cases:
        r = cli("eval", "--lolo", "--labels", "-", input=line + "\n")
        assert (r.exit_code, r.stdout, r.stderr) == (
            1,
            "",
            f"Error: stdin:1: not a labelled paper: {why}\n",
        ), line


def test_labelled_rows_take_categories_as_arxiv_writes_them(tmp_path):
    from efmcat.evaluate import load_labelled
    from efmcat.labels import load_labels

    row = {"id": "1", "title": "x", "categories": "cs.LG cs.AR", "labels": [], "lists": {"a": ["memory"]}}
    f = tmp_path / "one.jsonl"
    f.write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert load_labelled(f)[0].categories == ["cs.LG", "cs.AR"]
    assert load_labels(f)[0].categories == ["cs.LG", "cs.AR"]


def test_a_labels_table_row_with_a_number_for_abstract_is_one_line(cli, tmp_path):
    f = tmp_path / "labels.jsonl"
    f.write_text('{"id": "1", "title": "t", "abstract": 5, "lists": {"x": ["memory"]}}\n', encoding="utf-8")
    r = cli("train", "--labels", str(f), "--no-manual", "-o", str(tmp_path / "m.json"))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {f}:1: not a labelled paper: abstract must be text or null\n",
    )
    assert not (tmp_path / "m.json").exists()


def test_evaluate_scores_the_model_it_is_given():
    from efmcat.evaluate import Labelled, evaluate

    class Fixed:  # a model that tags every paper memory
        def tags(self, taxonomy, title, abstract, categories):
            return {"memory": 1.0}

    papers = [Labelled("1", "Post-Training Quantization of LLMs", {"quantization"})]
    rules = evaluate(papers, "title")
    model = evaluate(papers, "title", model=Fixed())
    assert (rules.areas["quantization"].tp, rules.areas["memory"].fp) == (1, 0)
    assert (model.areas["quantization"].tp, model.areas["memory"].fp) == (0, 1)


def test_eval_and_train_read_stdin_for_dash(cli, tmp_path):
    labelled = (FIXTURES / "labels" / "horseee.jsonl").read_text(encoding="utf-8")
    from_file = cli("eval", str(FIXTURES / "labels" / "horseee.jsonl"), "--json")
    from_stdin = cli("eval", "-", "--json", input=labelled)
    assert from_stdin.exit_code == 0, from_stdin.output
    got, want = json.loads(from_stdin.stdout), json.loads(from_file.stdout)
    assert [(d["mode"], d["papers"], d["macro_f1"]) for d in got] == [
        (d["mode"], d["papers"], d["macro_f1"]) for d in want
    ]
    bad = cli("eval", "-", input='{"id": "1"}\n')
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: stdin:1: not a labelled paper:")
    rows = [
        {"id": f"2401.{i:05d}", "title": t, "abstract": None, "categories": [], "lists": {"a": [area]}}
        for i, (t, area) in enumerate(
            [("Weight quantization of LLMs", "quantization"), ("Sparse attention kernels", "attention")] * 6
        )
    ]
    out = tmp_path / "model.json"
    r = cli(
        "train",
        "--labels",
        "-",
        "--no-manual",
        "-o",
        str(out),
        input="".join(json.dumps(x) + "\n" for x in rows),
    )
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text(encoding="utf-8"))
    bad = cli("train", "--labels", "-", "--no-manual", "-o", str(out), input="not json\n")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error: stdin:1:")


def test_taxonomy_from_stdin(cli, mini_db):
    yaml_text = (
        "areas:\n  - id: quantization\n    name: Quantization\n    rules:\n      terms: {quantization: 2}\n"
    )
    r = cli("taxonomy", "--taxonomy", "-", "--json", input=yaml_text)
    assert r.exit_code == 0, r.output
    assert [n["id"] for n in json.loads(r.stdout)] == ["quantization"]
    plain = cli("taxonomy", "--taxonomy", "-", input=yaml_text)  # no core area: no footnote for one
    assert plain.stdout == "quantization                       3  Quantization\n"
    r = cli("explain", "2210.17323", "--taxonomy", "-", input=yaml_text)
    assert r.exit_code == 0, r.output
    bad = cli("taxonomy", "--taxonomy", "-", input="areas: 3\n")
    assert bad.exit_code == 1
    assert bad.stderr == "Error: stdin:1: a taxonomy needs a non-empty list 'areas'\n"
    again = cli("taxonomy", "--json")  # the next command is back on the shipped taxonomy
    assert len(json.loads(again.stdout)) > 6


def test_explain_says_when_serving_yields_to_the_papers_method(cli, mini_db):
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    with Catalog(mini_db) as cat, cat.transaction():
        cat.upsert_paper(
            Paper(id="2311.03285", title="S-LoRA: Serving Thousands of Concurrent LoRA Adapters")
        )
    r = cli("explain", "2311.03285")
    assert r.exit_code == 0, r.output
    assert (
        "  memory: 3.00 / 3 not assigned (yields to fine-tuning: it stands only on serving)"
        " (incl. 3.00 from subtopics)\n" in r.stdout
    )
    assert "  serving: 6.00 / 3 not assigned (yields to fine-tuning: it stands only on serving)\n" in r.stdout
    with Catalog(mini_db) as cat, cat.transaction():
        cat.upsert_paper(
            Paper(id="1607.04381", title="DSD: Dense-Sparse-Dense Training for Deep Neural Networks")
        )
    r = cli("explain", "1607.04381")
    assert (
        "  sparsification: 2.00 / 3 assigned (the title's best evidence: no node reaches its threshold,"
        " and 0.2 of it is enough)\n" in r.stdout
    )


def test_a_labelled_sets_rows_train_as_one_list_named_after_the_file(tmp_path):
    """{"id", "title", "labels"} rows (eval FILE's shape) were no labels table row nor a
    section row: train read them as papers with no area and trained on none of them."""
    from efmcat.labels import load_labels

    f = tmp_path / "mine.jsonl"
    rows = [
        {"id": "x1", "title": "Quantization of LLMs", "labels": ["quantization"]},
        {"id": "x2", "title": "KV cache eviction", "areas": ["kv-cache-eviction"]},
    ]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    got = {p.id: (p.lists, p.subtopics) for p in load_labels(f)}
    assert got == {
        "x1": ({str(f): ["quantization"]}, {}),
        "x2": ({str(f): ["memory"]}, {str(f): ["kv-cache-eviction"]}),
    }


def test_eval_takes_macro_f1_over_the_core_areas_of_a_taxonomy_file(cli, tmp_path):
    """A taxonomy file's own core areas are what macro-F1 is over (the table's columns too);
    one that marks none core is scored over every area."""
    rules = {"quantization": "quantization", "distillation": "distillation", "memory": "cache"}

    def taxonomy_file(name: str, core: set[str]) -> str:
        f = tmp_path / name
        f.write_text(
            "areas:\n"
            + "".join(
                f"  - id: {a}\n    name: {a.title()}\n    core: {str(a in core).lower()}\n"
                f"    rules:\n      terms: {{{term}: 2}}\n"
                for a, term in rules.items()
            ),
            encoding="utf-8",
        )
        return str(f)

    rows = [
        ("Post-Training Quantization of LLMs", "quantization"),
        ("Knowledge Distillation for Small Models", "distillation"),
        ("KV Cache Eviction", "memory"),
        ("Model Distillation at Scale", "quantization"),  # distillation's false positive
    ]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(
        "".join(
            json.dumps({"id": f"2611.0000{i}", "title": t, "labels": [a]}) + "\n"
            for i, (t, a) in enumerate(rows)
        ),
        encoding="utf-8",
    )
    two_core = taxonomy_file("two.yaml", {"quantization", "distillation"})
    r = cli("eval", str(labelled), "--json", "--taxonomy", two_core)
    assert r.exit_code == 0, r.output
    title = json.loads(r.stdout)[0]
    assert {a: s["f1"] for a, s in title["areas"].items()} == {"quantization": 0.667, "distillation": 0.667}
    assert title["macro_f1"] == 0.667  # memory is not core
    md = cli("eval", str(labelled), "--markdown", "--taxonomy", two_core).stdout
    assert md.splitlines()[0] == (
        "| labelled set | fields | papers | quantization | distillation | macro-F1 | 95% interval | micro-F1 |"
    )
    none_core = taxonomy_file("none.yaml", set())
    title = json.loads(cli("eval", str(labelled), "--json", "--taxonomy", none_core).stdout)[0]
    assert {a: s["f1"] for a, s in title["areas"].items()} == {
        "quantization": 0.667,
        "distillation": 0.667,
        "memory": 1.0,
    }
    assert title["macro_f1"] == 0.778  # every area


def test_ctrl_c_while_retag_prints_says_the_changes_were_written(cli, mini_db, monkeypatch):
    """The retag is committed before its changes are printed: a Ctrl-C then says so (it said
    "interrupted", as if nothing had been written)."""
    from efmcat.catalog import Catalog
    from efmcat.cli import tag_cmds

    def drop_auto_tags() -> None:
        with Catalog(mini_db) as c:
            c.conn.execute("DELETE FROM tags WHERE origin = 'auto'")
            c.conn.commit()

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    drop_auto_tags()
    monkeypatch.setattr(tag_cmds, "write_text", interrupted)
    r = cli("retag", "--all")
    assert (r.exit_code, r.stderr) == (130, "Error: interrupted; the changes made before it were written\n")
    assert cli("retag", "--all", "--dry-run").stderr.endswith(
        ": 0 would change (dry run, nothing written).\n"
    )
    drop_auto_tags()
    r = cli("retag", "--all", "--dry-run")  # a dry run writes nothing: its Ctrl-C is plain
    assert (r.exit_code, r.stderr) == (130, "Error: interrupted\n")


def test_explain_says_which_manual_area_a_subtopic_implies(cli, mini_db):
    assert cli("tag", "2205.14135", "fpga").exit_code == 0
    lines = cli("explain", "2205.14135").stdout.splitlines()
    assert "  hardware                   tagged   manual  (implied by a subtopic)" in lines
    assert "  fpga                       tagged   manual  score 1" in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--labels", "x.jsonl"), "--labels is for --lolo, --expert, --agreement and --subtopics"),
        (("--markdown", "--json"), "--markdown prints the table; --json is another output"),
        (("--lolo", "--markdown", "--errors"), "--markdown prints the table; --errors is another output"),
    ],
)
def test_eval_options_that_would_be_ignored_are_refused(cli, mini_db, args, message):
    """--labels without an evaluation that reads it, --errors or --json beside --markdown:
    each was dropped without a word (a hunt saw it)."""
    r = cli("eval", *args)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", f"Error: {message}\n")


def test_explain_says_an_area_the_tagger_gives_was_removed_by_the_user(cli, mini_db):
    """It read "memory: assigned by the rules" for an area the user had untagged (Tags said
    removed); the tagger would give it, the paper does not have it (a hunt saw it)."""
    assert cli("untag", "2205.14135", "attention").exit_code == 0
    out = cli("explain", "2205.14135").stdout
    assert "  attention                  removed  manual\n" in out
    assert "  attention: assigned by the rules, removed by you (the rules decide;" in out
    lines = [line for line in out.splitlines() if line.startswith("  attention: ") and "/ " in line]
    assert any(" assigned, removed by you" in line for line in lines), lines


TWO_ROWS = (
    '{"id": "t5", "title": "GPTQ: post-training quantization of LLMs", "labels": ["quantisation"]}\n'
    '{"id": "t6", "title": "SparseGPT: pruning LLMs in one shot", "labels": ["sparsification"]}\n'
)
UNKNOWN = "not scored: unknown taxonomy node 'quantisation'; did you mean quantization?"


def test_eval_leaves_out_a_paper_whose_labels_are_all_unknown(cli):
    """GPTQ labelled 'quantisation' was scored as a paper of no area: its right tag counted
    as a false positive (README: an unknown label "is not scored")."""
    r = cli("eval", "-", "--json", "--errors", input=TWO_ROWS)
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[:2] == [
        f"stdin: {UNKNOWN}",
        "stdin: 1 paper with only unknown labels left out",
    ]
    title = json.loads(r.stdout)[0]
    assert (title["set"], title["papers"], title["errors"]) == ("stdin", 1, [])
    assert title["areas"]["quantization"]["fp"] == 0
    r = cli("eval", "-", input=TWO_ROWS.splitlines()[0] + "\n")
    assert (r.exit_code, r.stderr.splitlines()[-1]) == (
        1,
        "Error: stdin: no paper has a label of the taxonomy: nothing to score",
    )


def test_eval_of_a_seeds_file_names_its_unknown_labels_as_jsonl_does(cli, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        'papers:\n- id: "2210.17323"\n  title: GPTQ post-training quantization\n  tags: [quantisation]\n'
        '- id: "2301.00774"\n  title: "SparseGPT: pruning LLMs in one shot"\n  tags: [sparsification]\n',
        encoding="utf-8",
    )
    r = cli("eval", str(f), "--json")
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[:2] == [f"{f}: {UNKNOWN}", f"{f}: 1 paper with only unknown labels left out"]
    assert json.loads(r.stdout)[0]["papers"] == 1


@pytest.mark.parametrize("text", ["", "\n\n", "papers: []\n"])
def test_eval_of_an_empty_labelled_set_is_an_error(cli, tmp_path, text):
    f = tmp_path / ("empty.yaml" if "papers" in text else "empty.jsonl")
    f.write_text(text, encoding="utf-8")
    r = cli("eval", str(f))
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", f"Error: {f}: no labelled paper: nothing to score\n")


def test_stdin_and_files_are_read_no_further_than_their_bound(cli, monkeypatch, tmp_path):
    """`add --file - < /dev/zero`, `eval -`, `train --labels -`, `--taxonomy -` read until
    the memory ran out; a 60 MB --taxonomy file was parsed (320 MB)."""
    import efmcat.inputs
    import efmcat.taxonomy

    monkeypatch.setattr(efmcat.inputs, "MAX_TEXT_BYTES", 2_000_000)
    big = "x" * 2_000_001
    r = cli("eval", "-", input=big)
    assert (r.exit_code, r.stderr) == (1, "Error: cannot read labelled set stdin: larger than 2 MB\n")
    r = cli("add", "--file", "-", input=big)
    assert (r.exit_code, r.stderr) == (1, "Error: cannot read stdin: larger than 2 MB\n")
    monkeypatch.setattr(efmcat.taxonomy, "MAX_TAXONOMY_BYTES", 1_000_000)
    f = tmp_path / "big.yaml"
    f.write_text("#" * 1_000_001, encoding="utf-8")
    r = cli("taxonomy", "--taxonomy", str(f))
    assert (r.exit_code, r.stderr) == (1, f"Error: cannot read taxonomy {f}: larger than 1 MB\n")
