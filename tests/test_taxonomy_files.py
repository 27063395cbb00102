"""Taxonomy files a user writes: what loading one checks (two levels, ``core`` a boolean),
taxonomies whose rules have no terms (the automaton of no words), the compiled-taxonomy
cache of an edited file whose size and mtime did not change, and ``train``'s word on
labels the taxonomy does not know."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from efmcat import areamap, taxonomy
from efmcat.fastmatch import FIELD_ABSTRACT, FIELD_TITLE, build
from efmcat.tagger import compile_rules
from efmcat.taxonomy import load_taxonomy, parse_taxonomy, set_default_path

REPO = Path(__file__).resolve().parent.parent
TWO_LEVELS = "(the taxonomy has two levels: areas and their subtopics)"


@pytest.fixture(autouse=True)
def no_default_taxonomy():
    yield
    set_default_path(None)


# -- two levels ------------------------------------------------------------------------------

DEEP = """\
areas:
  - id: quantization
    name: Quantization
    rules:
      terms: {quantiz*: 3}
    children:
      - id: weight-only-ptq
        name: Weight-only PTQ
        rules:
          terms: {post-training quantization: 3}
        children:
          - {id: gptq-family, name: GPTQ family, rules: {terms: {gptq: 3}}}
"""


def test_a_subtopic_with_children_is_an_error_of_its_file_and_line(cli, mini_db, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text(DEEP, encoding="utf-8")
    message = (
        f"Error: {deep}:7: children of 'weight-only-ptq': a subtopic cannot have children {TWO_LEVELS}\n"
    )
    for args in (["taxonomy"], ["retag", "2210.17323"], ["explain", "2210.17323"]):
        r = cli(*args, "--taxonomy", str(deep))
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", message), args
    empty = DEEP.split("        children:\n")[0] + "        children: []\n"  # no third level
    assert [n.id for n in parse_taxonomy(empty, "own.yaml")] == ["quantization", "weight-only-ptq"]


def test_the_shipped_taxonomy_with_a_third_level_fails_to_load(tmp_path):
    text = (REPO / "src" / "efmcat" / "taxonomy.yaml").read_text(encoding="utf-8")
    anchor = "      - id: weight-only-ptq\n"
    line = text[: text.index(anchor)].count("\n") + 1
    at = text.index(
        "      - id: weight-activation-quant\n"
    )  # after weight-only-ptq's rules, whatever they hold
    deep = text[:at] + "        children:\n          - {id: gptq-family, name: GPTQ family}\n" + text[at:]
    with pytest.raises(taxonomy.TaxonomyError) as err:
        parse_taxonomy(deep, "tx_deep.yaml")
    assert str(err.value) == (
        f"tx_deep.yaml:{line}: children of 'weight-only-ptq': a subtopic cannot have children {TWO_LEVELS}"
    )


@pytest.mark.parametrize(
    ("second", "key", "line", "first"),
    [
        ("    rules:\n      categories: {cs.AR: 3}\n", "rules", 7, 5),  # YAML kept the second rules only
        ("    id: b\n", "id", 7, 2),  # the node was quietly 'b'
    ],
)
def test_a_key_given_twice_in_a_taxonomy_is_an_error_of_its_line(second, key, line, first):
    text = "areas:\n  - id: a\n    name: A\n    core: true\n    rules:\n      terms: {quantiz*: 3}\n" + second
    with pytest.raises(taxonomy.TaxonomyError) as err:
        parse_taxonomy(text, "dup.yaml")
    assert str(err.value) == f"dup.yaml:{line}: '{key}' is given twice in one mapping (first on line {first})"


def test_a_key_given_twice_in_a_seeds_file_is_an_error_of_its_line(tmp_path):
    from efmcat.errors import ParseError
    from efmcat.formats.seeds import parse_seeds

    with pytest.raises(ParseError) as err:
        parse_seeds('papers:\n- id: "2210.17323"\n  title: GPTQ\n  title: Other\n', "s.yaml")
    assert str(err.value) == "s.yaml:4: 'title' is given twice in one mapping (first on line 3)"


# -- core is a boolean -------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "shown"), [('"false"', "'false'"), ("1", "1")])
def test_core_must_be_true_or_false(cli, mini_db, tmp_path, value, shown):
    own = tmp_path / "own.yaml"
    own.write_text(f"areas:\n  - id: arch\n    name: Architecture\n    core: {value}\n", encoding="utf-8")
    r = cli("taxonomy", "--taxonomy", str(own))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {own}:2: core of 'arch' must be true or false, not {shown}\n",
    )
    text = (
        "areas:\n  - {id: a, name: A, core: true}\n  - {id: b, name: B, core: false}\n  - {id: c, name: C}\n"
        "  - id: d\n    name: D\n    core:\n"  # left empty: not core, as it always read
    )
    assert parse_taxonomy(text, "own.yaml").core_areas == ("a",)


# -- rules without terms -------------------------------------------------------------------------

NO_TERMS = {
    "categories": "areas:\n  - id: arch\n    name: Architecture\n    rules:\n      categories: {cs.AR: 3}\n",
    "patterns": "areas:\n  - id: arch\n    name: Architecture\n    rules:\n      patterns: {'\\bgptq\\b': 3}\n",
    "bare": "areas:\n  - id: arch\n    name: Architecture\n",
}


@pytest.mark.parametrize("kind", sorted(NO_TERMS))
def test_an_automaton_of_no_words_matches_nothing(kind):
    m = build(compile_rules(parse_taxonomy(NO_TERMS[kind], "own.yaml")), {}, {})
    assert m is not None
    assert m.field("GPTQ: Accurate Quantization", FIELD_TITLE) == ({}, {}, "gptq: accurate quantization")
    assert m.abstract("") == ({}, {}, "")
    assert m.title("x")[0] == {} and m.field("a b", FIELD_ABSTRACT)[0] == {}


@pytest.mark.parametrize("kind", sorted(NO_TERMS))
def test_a_taxonomy_without_terms_tags_and_evaluates(cli, mini_db, tmp_path, kind):
    own = tmp_path / "own.yaml"
    own.write_text(NO_TERMS[kind], encoding="utf-8")
    mine = tmp_path / "mine.jsonl"
    mine.write_text(
        '{"id": "2210.17323", "title": "GPTQ: Accurate Quantization", "categories": ["cs.AR"], "labels": ["arch"]}\n',
        encoding="utf-8",
    )
    r = cli("eval", str(mine), "--taxonomy", str(own))
    assert r.exit_code == 0, r.stderr
    f1, p = ("0.000", "  n/a") if kind == "bare" else ("1.000", "1.000")  # a category or a pattern found it
    row = f"  arch             P {p}  R {f1}  F1 {f1} [{f1}-{f1}]  (support 1, fp 0)\n"
    head = f"1 paper: macro-F1 {f1} (95% interval {f1}-{f1}), micro-F1 {f1}\n"
    none = "0 papers: macro-F1 n/a (95% interval n/a), micro-F1 n/a\n"
    assert r.stdout == (
        f"{mine} [title] {head}{row}{mine} [title+abstract] {none}"
        f"{mine}, model [title] {head}{row}{mine}, model [title+abstract] {none}"
    )
    r = cli("retag", "--all", "--dry-run", "--taxonomy", str(own))
    assert r.exit_code == 0, r.stderr
    r = cli("explain", "2210.17323", "--taxonomy", str(own))
    assert r.exit_code == 0, r.stderr


# -- the cache of an edited file ---------------------------------------------------------------

C_A = "areas:\n  - id: quant\n    name: Q\n    rules:\n      terms: {'quantiz*': 3}\n"
C_B = "areas:\n  - id: prune\n    name: Q\n    rules:\n      terms: {'pruning*': 3}\n"


def _same_stat(path: Path, text: str) -> None:
    """Write ``text`` and give the file the time stamp every version gets (as cp -p, rsync -t
    or tar leave it)."""
    path.write_text(text, encoding="utf-8")
    stamp = 1_717_243_200  # 2024-06-01 12:00 UTC
    os.utime(path, (stamp, stamp))


def test_an_edited_taxonomy_of_the_same_size_and_mtime_is_read_again(cli, mini_db, tmp_path, monkeypatch):
    assert len(C_A) == len(C_B)
    cz = tmp_path / "cz.yaml"
    _same_stat(cz, C_A)
    r = cli("retag", "2210.17323", "--dry-run", "--taxonomy", str(cz))
    assert r.exit_code == 0, r.stderr
    assert "+quant" in r.stdout and "+prune" not in r.stdout
    key = areamap.cache_key(str(cz))
    new_process(monkeypatch)
    _same_stat(cz, C_B)
    assert areamap.cache_key(str(cz)) != key  # the caches are named by the content, not the stat
    r = cli("retag", "2210.17323", "--dry-run", "--taxonomy", str(cz))
    assert r.exit_code == 0, r.stderr
    assert "+quant" not in r.stdout


def new_process(monkeypatch) -> None:
    monkeypatch.setattr(taxonomy, "_cache", {})  # as a new process starts: only the cache files are left


def test_the_cache_files_follow_the_content_in_a_process_and_the_next(tmp_path, monkeypatch):
    cz = tmp_path / "cz.yaml"
    monkeypatch.setenv("EFMCAT_TAXONOMY", str(cz))
    _same_stat(cz, C_A)
    first = load_taxonomy(cz)
    assert [n.id for n in first] == ["quant"]
    assert load_taxonomy(cz) is first  # the same content: the same object, its compiled rules kept
    _same_stat(cz, C_B)
    assert [n.id for n in load_taxonomy(cz)] == ["prune"]  # in the same process
    # what a piped search reads (the area map beside the cache) follows the file too
    assert areamap.load_default() == (["prune"], {"prune": "prune"})
    new_process(monkeypatch)
    _same_stat(cz, C_A)
    assert [n.id for n in load_taxonomy(cz)] == ["quant"]
    assert areamap.load_default() == (["quant"], {"quant": "quant"})
    new_process(monkeypatch)

    def no_yaml(*args, **kwargs):
        raise AssertionError("parsed the YAML again")

    monkeypatch.setattr(taxonomy, "parse_taxonomy", no_yaml)
    assert [n.id for n in load_taxonomy(cz)] == ["quant"]  # an unchanged file: the cache is read
    monkeypatch.undo()
    monkeypatch.setenv("EFMCAT_TAXONOMY", str(cz))
    _same_stat(cz, C_B)  # edited, size and mtime kept, and nothing has loaded it since:
    assert areamap.load_default() is None  # a piped search finds no map (it read quant's)


# -- train and labels the taxonomy does not know ------------------------------------------------


def _rows(shape: str, counts: dict[str, int]) -> str:
    """Labelled rows of the shipped labels table, ``counts[label]`` of them given ``label``
    (a typo or an area): as a labelled set ({id, title, labels}) or a labels table's rows."""
    wanted = {"quantisation": "quantization", "sparsification": "sparsification", "memory": "memory"}
    shipped = [json.loads(line) for line in (REPO / "data" / "labels.jsonl").read_text().splitlines()]
    out, used = [], set()
    for label, n in counts.items():
        area = wanted[label]
        picked = [
            r
            for r in shipped
            if r["title"]
            and r["id"] not in used
            and [area] == sorted({a for v in r["lists"].values() for a in v})
        ][:n]
        for r in picked:
            used.add(r["id"])
            if shape == "set":
                out.append({"id": r["id"], "title": r["title"], "labels": [label]})
            else:
                out.append({"id": r["id"], "title": r["title"], "lists": {"mine": [label]}})
    return "".join(json.dumps(r) + "\n" for r in out)


TYPO = "not trained on: unknown taxonomy node 'quantisation'; did you mean quantization?"


@pytest.mark.parametrize("shape", ["set", "table"])
def test_train_says_which_labels_the_taxonomy_does_not_know(cli, mini_db, tmp_path, shape):
    labels = tmp_path / "mine.jsonl"
    labels.write_text(_rows(shape, {"quantisation": 8, "sparsification": 8, "memory": 8}), encoding="utf-8")
    r = cli("train", "--labels", str(labels), "--no-manual", "-o", str(tmp_path / "m.json"))
    assert r.exit_code == 0, r.stderr
    lines = r.stderr.splitlines()
    assert lines[0] == f"{labels}: {TYPO}"
    assert lines[1].startswith("Training on ")
    r = cli("train", "--labels", "-", "--no-manual", "-o", str(tmp_path / "m.json"), input=labels.read_text())
    assert r.exit_code == 0, r.stderr
    assert r.stderr.splitlines()[:2] == [f"stdin: {TYPO}", lines[1]]  # stdin: read once, trained on the same
    labels.write_text(_rows(shape, {"sparsification": 8, "memory": 8}), encoding="utf-8")
    r = cli("train", "--labels", str(labels), "--no-manual", "-o", str(tmp_path / "m.json"))
    assert r.exit_code == 0, r.stderr
    assert r.stderr.startswith("Training on 16 labelled papers (0 with your manual decisions)...\n")


@pytest.mark.parametrize("how", ["option", "env"])
def test_train_and_eval_read_labels_by_the_taxonomy_given(cli, mini_db, tmp_path, how):
    """--taxonomy FILE was only the tagger's: the labels were checked against the shipped
    taxonomy, so a node of the user's file was "unknown" (EFMCAT_TAXONOMY worked)."""
    tax = tmp_path / "mine.yaml"
    shipped = (REPO / "src" / "efmcat" / "taxonomy.yaml").read_text(encoding="utf-8")
    tax.write_text(shipped.replace("- id: quantization\n", "- id: quantisation\n", 1), encoding="utf-8")
    labels = tmp_path / "mine.jsonl"
    rows = [
        json.loads(line)
        for line in _rows("table", {"quantisation": 16, "sparsification": 16, "memory": 16}).splitlines()
    ]
    for i, r in enumerate(rows):  # two lists, each with 8 papers of each area: one trains, one is tested
        r["lists"] = {"ab"[i % 2]: r["lists"]["mine"]}
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    given = ["--taxonomy", str(tax)] if how == "option" else []
    env = {"EFMCAT_TAXONOMY": str(tax)} if how == "env" else None
    r = cli("train", "--labels", str(labels), "--no-manual", "-o", str(tmp_path / "m.json"), *given, env=env)
    assert r.exit_code == 0, r.stderr
    assert r.stderr.startswith("Training on 48 labelled papers (0 with your manual decisions)...\n")
    r = cli("eval", "--lolo", "--labels", str(labels), "--json", *given, env=env)
    assert r.exit_code == 0, r.stderr
    assert "unknown taxonomy node" not in r.stderr
    assert json.loads(r.stdout)[0]["areas"]["quantisation"]["support"] == 16


def test_train_names_the_unknown_labels_before_saying_too_few_are_left(cli, mini_db, tmp_path):
    labels = tmp_path / "mine.jsonl"
    labels.write_text(_rows("set", {"quantisation": 8, "memory": 4}), encoding="utf-8")
    r = cli("train", "--labels", str(labels), "--no-manual", "-o", str(tmp_path / "m.json"))
    assert (r.exit_code, r.stderr) == (
        1,
        f"{labels}: {TYPO}\n"
        "Error: too few labelled papers to learn from: no area has 5 papers with it and 5 without "
        "(an area with fewer is left to the rules)\n",
    )


def test_rules_compile_in_the_same_order_from_the_yaml_and_from_the_cache():
    """The JSON cache sorted the rules' keys: a first run (YAML) and the next (cache) added
    points up in other orders and explain listed the hits in other orders."""
    from efmcat.tagger import compile_rules
    from efmcat.taxonomy import PACKAGED, Taxonomy, parse_taxonomy

    parsed = parse_taxonomy(PACKAGED.read_text(encoding="utf-8"), str(PACKAGED))  # the YAML itself
    cached = Taxonomy.from_json(parsed.to_json())
    rules = [(r.node, r.kind, r.text) for r in compile_rules(parsed).rules]
    assert [(r.node, r.kind, r.text) for r in compile_rules(cached).rules] == rules
