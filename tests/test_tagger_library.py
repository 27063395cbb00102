"""The tagger as a library: rule kinds in explanations, the model switch, retag's default,
manual tags over auto areas, the order of explained tags (see tools/mutate.py)."""

from __future__ import annotations

import pytest

from efmcat.catalog import Catalog
from efmcat.models import Paper
from efmcat.tagger import (
    area_scores,
    auto_tags,
    compile_rules,
    explain_paper,
    retag,
    rule_tags,
    score_paper,
    tag_manually,
    tokens,
)
from efmcat.taxonomy import parse_taxonomy

TINY = """\
areas:
  - id: quantization
    name: Quantization
    rules:
      terms: {quantiz*: 3, low-bit: 2}
      not: {quantum: 5}
    children:
      - id: kv-cache-quant
        name: KV-cache quantization
        rules:
          terms: {kv cache quantization: 4}
  - id: memory
    name: Memory
    rules:
      terms: {kv cache: 3}
  - id: hardware
    name: Hardware
    rules:
      terms: {fpga: 3}
      categories: {cs.AR: 2}
"""


@pytest.fixture
def tiny():
    return parse_taxonomy(TINY, "tiny.yaml")


@pytest.fixture
def cat(tmp_path):
    c = Catalog(tmp_path / "c.db")
    c.upsert_paper(Paper(id="2401.00001", title="Low-bit quantization of a KV cache on an FPGA"))
    yield c
    c.close()


def test_explained_hits_say_which_rules_add_and_which_subtract(tiny):
    scores = score_paper(tiny, "Quantization for quantum circuits", explain=True)
    hits = {(h.kind, h.rule, h.weight) for h in scores["quantization"].hits}
    assert hits == {("term", "quantiz*", 3.0), ("not", "quantum", -5.0)}


class _FakeModel:
    def tags(self, taxonomy, title, abstract, categories):
        return {"hardware": 0.9}


def test_auto_tags_uses_the_model_given_and_the_rules_without_one(tiny):
    title = "Low-bit quantization of a KV cache"
    assert (
        auto_tags(tiny, title, model=None) == rule_tags(tiny, title) == {"quantization": 10.0, "memory": 6.0}
    )
    assert auto_tags(tiny, title, model=_FakeModel()) == {"hardware": 0.9}


def test_retag_writes_unless_it_is_a_dry_run(cat, tiny):
    seen, planned = retag(cat, taxonomy=tiny, dry_run=True)
    assert seen == 1 and planned
    assert cat.tag_rows("2401.00001") == []
    seen, done = retag(cat, taxonomy=tiny)
    assert done == planned
    assert set(cat.tags_of(["2401.00001"])["2401.00001"]) == set(planned[0].added)


def test_a_manual_subtopic_makes_an_auto_area_manual_and_leaves_a_curated_one(cat, tiny):
    cat.replace_auto_tags("2401.00001", {"quantization": 4.0})
    assert tag_manually(cat, "2401.00001", ["kv-cache-quant"], tiny) == ("2401.00001", ["kv-cache-quant"])
    origins = {r["node"]: r["origin"] for r in cat.tag_rows("2401.00001")}
    assert origins == {"quantization": "manual", "kv-cache-quant": "manual"}
    cat.replace_auto_tags("2401.00001", {})  # retag cannot take the area away now
    assert sorted(cat.tags_of(["2401.00001"])["2401.00001"]) == ["kv-cache-quant", "quantization"]

    cat.upsert_paper(Paper(id="2401.00002", title="T"))
    cat.set_tag("2401.00002", "quantization", "curated", 1.0)
    assert tag_manually(cat, "2401.00002", ["kv-cache-quant"], tiny) == ("2401.00002", ["kv-cache-quant"])
    rows = {r["node"]: (r["origin"], r["score"]) for r in cat.tag_rows("2401.00002")}
    assert rows == {"quantization": ("curated", 1.0), "kv-cache-quant": ("manual", 1.0)}


def test_untagging_a_subtopic_gives_back_the_area_it_implied(cat, tiny):
    """`tag ID kv-cache-quant` then `untag ID kv-cache-quant` leaves the paper as it was: an
    area the tagger gives is its auto tag again, one it does not is gone; an area the user
    named stays theirs."""
    from efmcat.tagger import untag_manually

    cat.replace_auto_tags("2401.00001", {"quantization": 4.0})
    tag_manually(cat, "2401.00001", ["kv-cache-quant"], tiny)
    assert untag_manually(cat, "2401.00001", ["kv-cache-quant"], tiny) == ("2401.00001", ["kv-cache-quant"])
    rows = {r["node"]: (r["origin"], r["removed"]) for r in cat.tag_rows("2401.00001")}
    assert rows["quantization"] == ("auto", 0) and rows["kv-cache-quant"] == ("manual", 1)

    cat.upsert_paper(Paper(id="2401.00002", title="T"))  # nothing for the tagger
    tag_manually(cat, "2401.00002", ["kv-cache-quant"], tiny)
    assert untag_manually(cat, "2401.00002", ["kv-cache-quant"], tiny) == (
        "2401.00002", ["quantization", "kv-cache-quant"]
    )  # fmt: skip
    assert [(r["node"], r["removed"]) for r in cat.tag_rows("2401.00002")] == [("kv-cache-quant", 1)]

    cat.upsert_paper(Paper(id="2401.00003", title="T"))
    tag_manually(cat, "2401.00003", ["kv-cache-quant"], tiny)
    tag_manually(cat, "2401.00003", ["quantization"], tiny)  # named now: the user's own
    untag_manually(cat, "2401.00003", ["kv-cache-quant"], tiny)
    assert cat.tags_of(["2401.00003"])["2401.00003"] == ["quantization"]


def test_explained_tags_come_in_taxonomy_order(cat, tiny):
    tag_manually(cat, "2401.00001", ["hardware", "memory", "kv-cache-quant"], tiny)
    rows = explain_paper(cat, "2401.00001", tiny).tags
    assert [r["node"] for r in rows] == ["quantization", "kv-cache-quant", "memory", "hardware"]


def test_explain_says_when_a_paper_is_out_of_the_models_field(cat):
    cat.upsert_paper(Paper(id="2401.00003", title="A recipe for sourdough bread", abstract="Flour and salt."))
    e = explain_paper(cat, "2401.00003")
    assert (e.model, e.model_source) == ([], "out of field")
    cat.upsert_paper(
        Paper(
            id="2401.00004", title="GPTQ: post-training quantization", abstract="Weights to 4-bit and 3-bit."
        )
    )
    e = explain_paper(cat, "2401.00004")
    assert e.model and e.model_source == "shipped"


WEAK = """\
areas:
  - id: area
    name: Area
    rules:
      terms: {alpha: 1.35, heavy hitter: 1, heavy-hitter: 1}
    children:
      - id: sub
        name: Sub
        rules:
          terms: {beta: 1}
          not: {gamma: 2}
"""


def test_a_weak_subtopic_mention_still_counts_towards_its_area():
    tax = parse_taxonomy(WEAK, "weak.yaml")
    # area: 1.35 x 2 (title) = 2.7; sub: 1 x 0.75 (abstract) = 0.75, half of it to the area
    assert rule_tags(tax, "alpha", "beta") == {"area": 3.075}
    assert score_paper(tax, "alpha", "beta")["area"].assigned
    # alone, 2.7 < 3: the area only as the title's best evidence
    assert rule_tags(tax, "alpha", "") == {"area": 2.7}
    assert score_paper(tax, "alpha", "")["area"].note.startswith("the title's best evidence")
    assert rule_tags(tax, "", "beta") == {}  # the abstract alone is never best evidence


def test_area_scores_take_half_of_positive_subtopic_points_only():
    tax = parse_taxonomy(WEAK, "weak.yaml")
    c = compile_rules(tax)
    assert area_scores(c, {"area": 1.0, "sub": 4.0}) == {"area": 3.0}
    assert area_scores(c, {"area": 1.0, "sub": -4.0}) == {"area": 1.0}
    assert area_scores(c, {"sub": 0.5}) == {"area": 0.25}


def test_one_rule_written_two_ways_counts_once():
    tax = parse_taxonomy(WEAK, "weak.yaml")
    assert score_paper(tax, "heavy hitter")["area"].score == 2.0


def test_where_a_rule_fired_says_how_often():
    tax = parse_taxonomy(WEAK, "weak.yaml")
    hits = score_paper(tax, "alpha", "alpha and alpha", explain=True)["area"].hits
    assert [(h.where, h.points) for h in hits] == [("title, abstract x2", 2.7 + 1.35)]
    hits = score_paper(tax, "", "alpha", explain=True)["area"].hits
    assert [(h.where, h.points) for h in hits] == [("abstract, not in title", 1.35 * 0.75 * 0.5)]


def test_four_letter_plurals_are_folded():
    assert tokens("Bits gaps class LLMs") == ["bit", "gap", "class", "llm"]
    assert tokens("bus gas") == ["bus", "gas"]


def test_auto_tags_default_to_the_shipped_model():
    from efmcat.model import shipped_model
    from efmcat.taxonomy import load_taxonomy

    tax = load_taxonomy()
    title, abstract = "GPTQ: post-training quantization", "Weights to 4-bit and 3-bit."
    assert auto_tags(tax, title, abstract) == shipped_model().tags(tax, title, abstract, ())


def test_category_evidence_is_explained_only_when_asked(tiny):
    explained = score_paper(tiny, "FPGA", categories=["cs.AR", "CS.AR"], explain=True)["hardware"]
    assert [(h.kind, h.rule, h.weight, h.where, h.points) for h in explained.hits] == [
        ("term", "fpga", 3.0, "title", 6.0),
        ("category", "cs.AR", 2.0, "category", 2.0),
    ]
    plain = score_paper(tiny, "FPGA", categories=["cs.AR"])["hardware"]
    assert (plain.score, plain.hits) == (8.0, [])


SETTLE = """\
areas:
  - id: method
    name: Method
    rules:
      terms: {lora: 3, adapter: 0.5, tuning: 0.4}
  - id: systems
    name: Systems
    rules:
      terms: {kv cache: 3, memory: 0.5}
    children:
      - id: serve
        name: Serve
        rules:
          terms: {serving: 3}
          yields: true
"""


def test_a_yielding_node_alone_gives_way_to_another_area():
    tax = parse_taxonomy(SETTLE, "settle.yaml")
    # serving alone: systems stands on serve only, and the paper has another area
    assert rule_tags(tax, "LoRA serving") == {"method": 6.0}
    scores = score_paper(tax, "LoRA serving")
    assert not scores["systems"].assigned and not scores["serve"].assigned
    assert scores["systems"].note == "yields to method: it stands only on serve"
    assert scores["serve"].note == "yields to method: it stands only on serve"
    # no other area: serving keeps its area; own evidence of the area: it stands
    assert rule_tags(tax, "Serving chat models") == {"systems": 3.0, "serve": 6.0}
    assert rule_tags(tax, "LoRA serving with a KV cache") == {"method": 6.0, "systems": 9.0, "serve": 6.0}
    assert all(not s.note for s in score_paper(tax, "LoRA serving with a KV cache").values())
    # the model's fused path settles the same way
    assert auto_tags(tax, "LoRA serving", model=None) == {"method": 6.0}


def test_a_paper_no_node_assigns_takes_its_titles_best_evidence():
    tax = parse_taxonomy(SETTLE, "settle.yaml")
    # adapter 0.5 x 2 = 1.0 of 3 (a third) against memory's 1.0 of 3: a tie, the first area wins
    assert rule_tags(tax, "Adapter memory") == {"method": 1.0}
    assert rule_tags(tax, "Memory") == {"systems": 1.0}
    score = score_paper(tax, "Memory")["systems"]
    assert score.assigned and score.note.startswith(
        "the title's best evidence: no node reaches its threshold"
    )
    # tuning 0.4 x 2 = 0.8 of 3 is more than a fifth; 0.5 x 0.75 in the abstract is not used
    assert rule_tags(tax, "Tuning") == {"method": 0.8}
    assert rule_tags(tax, "Efficient inference", "adapter memory adapter") == {}
    assert rule_tags(tax, "Birds") == {}


def test_yields_must_be_true_false_or_node_ids():
    from efmcat.errors import TaxonomyError

    with pytest.raises(TaxonomyError, match="yields must be true, false or a list of node ids, not 'often'"):
        parse_taxonomy(SETTLE.replace("yields: true", "yields: often"), "settle.yaml")
    with pytest.raises(
        TaxonomyError, match="rules of 'serve': yields to 'nowhere', which is no node of the taxonomy"
    ):
        parse_taxonomy(SETTLE.replace("yields: true", "yields: [nowhere]"), "settle.yaml")
    with pytest.raises(TaxonomyError, match="rules of 'serve': yields to 'systems' of its own area"):
        parse_taxonomy(SETTLE.replace("yields: true", "yields: [systems]"), "settle.yaml")


TARGETED = """\
areas:
  - id: attn
    name: Attn
    rules:
      terms: {attention: 3}
    children:
      - id: long
        name: Long
        rules:
          terms: {long context: 3}
          yields: [tokens]
  - id: sparse
    name: Sparse
    rules:
      terms: {pruning: 3}
    children:
      - id: tokens
        name: Tokens
        rules:
          terms: {prompt compression: 3}
  - id: memory
    name: Memory
    rules:
      terms: {kv cache: 3}
"""


def test_a_node_can_yield_to_named_nodes_only():
    tax = parse_taxonomy(TARGETED, "targeted.yaml")
    # long context beside prompt compression (a named node): the setting, not the area
    assert rule_tags(tax, "Prompt compression for long context") == {"sparse": 3.0, "tokens": 6.0}
    scores = score_paper(tax, "Prompt compression for long context")
    assert scores["attn"].note == "yields to sparse: it stands only on long"
    assert scores["long"].note == "yields to sparse: it stands only on long"
    # beside another area, or beside the named node's area without the node, it stands
    assert rule_tags(tax, "Long context kv cache") == {"attn": 3.0, "long": 6.0, "memory": 6.0}
    assert rule_tags(tax, "Long context pruning") == {"sparse": 6.0, "attn": 3.0, "long": 6.0}
    # its area's own evidence stands beside the named node
    assert rule_tags(tax, "Long context attention prompt compression") == {
        "attn": 9.0,
        "long": 6.0,
        "sparse": 3.0,
        "tokens": 6.0,
    }
    # the fused path of auto_tags settles the same way
    assert auto_tags(tax, "Prompt compression for long context", model=None) == {"sparse": 3.0, "tokens": 6.0}


SIBLINGS = """\
areas:
  - id: quant
    name: Quant
    rules:
      terms: {quantization: 3}
    children:
      - id: ptq
        name: PTQ
        rules:
          terms: {post-training: 3, weight-only: 3}
          yields: [wa]
      - id: wa
        name: WA
        rules:
          terms: {w8a8: 3}
  - id: attn
    name: Attn
    rules:
      terms: {attention: 3}
"""


def test_a_subtopic_can_yield_to_a_sibling_assigned_beside_it():
    """SmoothQuant's post-training terms gave it weight-only PTQ beside W8A8 quantization."""
    from efmcat.errors import TaxonomyError

    tax = parse_taxonomy(SIBLINGS, "siblings.yaml")
    assert rule_tags(tax, "Post-training W8A8 quantization") == {"quant": 12.0, "wa": 6.0}  # both weigh
    scores = score_paper(tax, "Post-training W8A8 quantization")
    assert scores["ptq"].note == "yields to wa, assigned beside it with a score as high"
    assert not scores["ptq"].assigned
    assert scores["quant"].assigned and scores["quant"].note == ""
    assert auto_tags(tax, "Post-training W8A8 quantization", model=None) == {"quant": 12.0, "wa": 6.0}
    # scored above the sibling, it stands beside it (a weight quantizer naming W8A8 in passing)
    both = {"quant": 15.0, "ptq": 12.0, "wa": 6.0}
    assert rule_tags(tax, "Post-training weight-only W8A8 quantization") == both
    assert auto_tags(tax, "Post-training weight-only W8A8 quantization", model=None) == both
    # without the sibling it stands; the sibling does not yield back
    assert rule_tags(tax, "Post-training quantization") == {"quant": 9.0, "ptq": 6.0}
    assert rule_tags(tax, "W8A8 attention") == {"quant": 3.0, "wa": 6.0, "attn": 6.0}
    # a yields list may name a sibling, never its own area nor itself, nor one yielding back
    for target in ("quant", "ptq"):
        with pytest.raises(TaxonomyError, match=f"yields to '{target}' of its own area"):
            parse_taxonomy(SIBLINGS.replace("yields: [wa]", f"yields: [{target}]"), "siblings.yaml")
    mutual = SIBLINGS.replace("terms: {w8a8: 3}", "terms: {w8a8: 3}\n          yields: [ptq]")
    with pytest.raises(TaxonomyError, match="'ptq' and 'wa' yield to each other"):
        parse_taxonomy(mutual, "siblings.yaml")


def test_a_sibling_yield_weighs_scores_as_rule_tags_rounds_them():
    """1.1 + 2.2 is 3.3000000000000003 unrounded: score_paper kept the subtopic that rule_tags
    (rounded scores) dropped."""
    tax = parse_taxonomy(
        SIBLINGS.replace(
            "terms: {post-training: 3, weight-only: 3}", "terms: {alpha: 1.1, beta: 2.2}"
        ).replace("terms: {w8a8: 3}", "terms: {gamma: 3.3}"),
        "floats.yaml",
    )
    title = "alpha beta gamma quantization"
    ruled = rule_tags(tax, title)
    assert "ptq" not in ruled and "wa" in ruled
    scores = score_paper(tax, title)
    assert {n for n, s in scores.items() if s.assigned} == set(ruled)


def test_an_areas_own_terms_can_yield_while_its_subtopics_stand():
    tax = parse_taxonomy(
        """\
areas:
  - id: attn
    name: Attn
    rules:
      yields: true
      terms: {attention: 3}
    children:
      - id: sparse
        name: Sparse
        rules:
          terms: {sparse attention: 3}
  - id: quant
    name: Quant
    rules:
      terms: {quantization: 3}
""",
        "own.yaml",
    )
    assert rule_tags(tax, "Attention-aware quantization") == {"quant": 6.0}
    note = score_paper(tax, "Attention-aware quantization")["attn"].note
    assert note == "yields to quant: it stands only on attn's own terms"
    assert rule_tags(tax, "Sparse attention quantization") == {"attn": 9.0, "sparse": 6.0, "quant": 6.0}
    assert rule_tags(tax, "Attention") == {"attn": 6.0}  # no other area: it stays


def test_an_automatic_subtopic_does_not_hold_an_implied_area(tmp_path):
    """quantization auto, low-bit auto; tag qat, untag qat: quantization is the tagger's again
    (the automatic low-bit held it as a permanent manual 0.5)."""
    from efmcat.tagger import untag_manually
    from efmcat.taxonomy import load_taxonomy

    tax = load_taxonomy()
    with Catalog(tmp_path / "c.db") as c:
        c.upsert_paper(Paper(id="2401.00009", title="Binary and ternary quantization of networks"))
        retag(c, ["2401.00009"], taxonomy=tax)
        origins = {r["node"]: r["origin"] for r in c.tag_rows("2401.00009")}
        assert origins["quantization"] == origins["low-bit"] == "auto"
        tag_manually(c, "2401.00009", ["qat"], tax)
        untag_manually(c, "2401.00009", ["qat"], tax)
        rows = {r["node"]: (r["origin"], r["removed"]) for r in c.tag_rows("2401.00009")}
        assert rows["quantization"] == ("auto", 0) and rows["low-bit"] == ("auto", 0)


def test_a_removed_area_is_removed_again_after_tag_then_untag_of_a_subtopic(cat, tiny):
    from efmcat.tagger import untag_manually

    cat.replace_auto_tags("2401.00001", {"quantization": 4.0})
    untag_manually(cat, "2401.00001", ["quantization"], tiny)  # the user's removal
    tag_manually(cat, "2401.00001", ["kv-cache-quant"], tiny)
    assert sorted(cat.tags_of(["2401.00001"])["2401.00001"]) == ["kv-cache-quant", "quantization"]
    untag_manually(cat, "2401.00001", ["kv-cache-quant"], tiny)
    rows = {r["node"]: (r["origin"], r["removed"]) for r in cat.tag_rows("2401.00001")}
    assert rows["quantization"] == ("manual", 1)  # removed again, as the user had it
    assert cat.tags_of(["2401.00001"])["2401.00001"] == []


def test_manual_scores_name_what_was_named_and_imply_the_rest(tiny):
    from efmcat.tagger import IMPLIED, manual_scores

    assert manual_scores(tiny, ["kv-cache-quant"]) == {"quantization": IMPLIED, "kv-cache-quant": 1.0}
    assert manual_scores(tiny, ["kv-cache-quant", "Quantization"]) == {
        "quantization": 1.0,
        "kv-cache-quant": 1.0,
    }
    assert manual_scores(tiny, []) == {}


def test_untag_reads_the_default_taxonomy_when_given_none(tmp_path):
    from efmcat.tagger import untag_manually

    with Catalog(tmp_path / "c.db") as c:
        c.upsert_paper(Paper(id="2401.00009", title="T"))
        assert untag_manually(c, "2401.00009", ["qat"]) == ("2401.00009", [])
        assert [(r["node"], r["removed"]) for r in c.tag_rows("2401.00009")] == [("qat", 1)]


def test_an_implied_area_never_replaces_one_the_user_or_a_curator_gave(cat):
    """import --tag / add --tag / a merge write implied areas with set_tag: a named (1.0) or
    curated tag stays as it was (then untagging the subtopic cannot take it away)."""
    cat.set_tag("2401.00001", "quantization", "manual", 1.0)
    cat.set_tag("2401.00001", "quantization", "manual", 0.5)
    cat.upsert_paper(Paper(id="2401.00002", title="T"))
    cat.set_tag("2401.00002", "quantization", "curated", 1.0)
    cat.set_tag("2401.00002", "quantization", "manual", 0.5)
    rows = {
        (r["node"], r["origin"], r["score"])
        for pid in ("2401.00001", "2401.00002")
        for r in cat.tag_rows(pid)
    }
    assert rows == {("quantization", "manual", 1.0), ("quantization", "curated", 1.0)}
    assert cat.set_tag("2401.00001", "memory", "auto", 3.0) == 3.0
    assert cat.set_tag("2401.00001", "memory", "manual", 0.5) == 0.5  # over an automatic tag: implied
    assert ("memory", "manual", 0.5) in {
        (r["node"], r["origin"], r["score"]) for r in cat.tag_rows("2401.00001")
    }
    assert cat.set_tag("2401.00001", "memory", "auto", 3.0) is None  # weaker: not written


def test_an_implied_area_over_a_removal_remembers_it(cat):
    """A merge or import --tag writing an implied area over the user's removal stores
    IMPLIED_OVER_REMOVAL: untagging the subtopic then removes the area again."""
    from efmcat.tagger import IMPLIED, IMPLIED_OVER_REMOVAL

    cat.set_tag("2401.00001", "quantization", "manual", None, removed=True)
    assert cat.set_tag("2401.00001", "quantization", "manual", IMPLIED) == IMPLIED_OVER_REMOVAL
    assert [(r["node"], r["score"], r["removed"]) for r in cat.tag_rows("2401.00001")] == [
        ("quantization", IMPLIED_OVER_REMOVAL, 0)
    ]
    cat.upsert_paper(Paper(id="2401.00002", title="T"))
    cat.set_tag("2401.00002", "quantization", "auto", 4.0)  # not the user's removal: plain implied
    assert cat.set_tag("2401.00002", "quantization", "manual", IMPLIED) == IMPLIED
