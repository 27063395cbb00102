"""The tagger's fast paths decide exactly as the plain definitions they replace.

Tokens (translate + split instead of a regular expression), term matching (only the
positions whose token starts a term, longer terms looked up by their second word) and the
model's log-odds (set intersections over dense weight vectors) are each compared with a
straightforward reference on the labelled papers and on generated text."""

from __future__ import annotations

import itertools
import math
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efmcat.labels import load_labels
from efmcat.model import _rule_values, shipped_model, text_features
from efmcat.tagger import (
    _count_terms,
    _fold,
    _prefilter,
    ascii_folded,
    compile_rules,
    field_scores,
    tokens,
)
from efmcat.taxonomy import load_taxonomy

_TOKEN = re.compile(r"[a-z0-9]+(?::[a-z0-9]+)*")


def reference_tokens(text: str) -> list[str]:
    return [_fold(t) for t in _TOKEN.findall(ascii_folded(text.lower()))]


def reference_count_terms(c, toks) -> list[tuple[int, int]]:
    """Every position, every candidate term, in turn: (term index, count) in order of first match."""
    counts: dict[int, int] = {}
    for i, tok in enumerate(toks):
        for ti in c.candidates(tok):
            key = c.terms[ti][0]
            if i + len(key) > len(toks):
                continue
            if all(toks[i + j].startswith(w) if pre else toks[i + j] == w for j, (w, pre) in enumerate(key)):
                counts[ti] = counts.get(ti, 0) + 1
    return list(counts.items())


def reference_logits(model, c, tt, at, categories, t_points, a_points) -> list[float]:
    z = list(model.bias)

    def add(flat, v=1.0):
        for i, w in zip(flat[::2], flat[1::2]):
            z[int(i)] += w * v

    for f in text_features(tt):
        add(model.title.get(f, []))
    for f in text_features(at or ()):
        add(model.abstract.get(f, []))
    for cat in {x.lower() for x in categories}:
        add(model.other.get("c:" + cat, []))
    for prefix, points in (("rt:", t_points), ("ra:", a_points)):
        for area, v in _rule_values(c, points).items():
            add(model.other.get(prefix + area, []), v)
    return z


@pytest.fixture(scope="module")
def papers():
    out = [(p.title, p.abstract, p.categories) for p in load_labels()]
    rng = random.Random(5)
    words = ["KV-cache", "N:M", "2:4", "w4a8", "W8A16", "quantized", "pruning", "İ", "ﬁne", "::", ":x", "a:"]
    words += ["sparse", "attention", "memory", "kernels", "Flash", "LLMs", "token", "évict", "low-rank"]
    for _ in range(300):
        out.append(
            (
                " ".join(rng.choices(words, k=rng.randint(1, 12))),
                " ".join(rng.choices(words, k=rng.randint(0, 60))) or None,
                rng.sample(["cs.LG", "cs.AR", "cs.PL", "cs.CL"], rng.randint(0, 2)),
            )
        )
    return out


def test_tokens_equal_the_regular_expression(papers):
    for title, abstract, _ in papers:
        assert tokens(title) == reference_tokens(title)
        assert tokens(abstract or "") == reference_tokens(abstract or "")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09:: -_.,'K\u0130\u00e9\u212a\ufb01\u00a0\n")), max_size=40))
def test_tokens_equal_the_regular_expression_on_any_text(text):
    assert tokens(text) == reference_tokens(text)


def test_term_counts_equal_trying_every_position(papers):
    c = compile_rules(load_taxonomy())
    for title, abstract, _ in papers:
        for text in (title, abstract or ""):
            toks = tokens(text)
            assert list(_count_terms(c, toks).items()) == reference_count_terms(c, toks)


def test_model_logits_equal_the_sum_over_features(papers):
    tax = load_taxonomy()
    c = compile_rules(tax)
    model = shipped_model()
    for title, abstract, cats in papers:
        tt, at = tokens(title), tokens(abstract) if abstract else None
        t, a, _ = field_scores(c, title, abstract, cats, tt, at)
        got = model._logits(c, tt, at, cats, t, a)
        want = reference_logits(model, c, tt, at, cats, t, a)
        assert all(math.isclose(x, y, abs_tol=1e-9) for x, y in zip(got, want, strict=True))


def test_model_tags_agree_with_explain(papers):
    tax = load_taxonomy()
    model = shipped_model()
    for title, abstract, cats in itertools.islice(papers, 0, None, 7):
        tags = model.tags(tax, title, abstract, cats)
        for d in model.explain(tax, title, abstract, cats):
            assert (d.area in tags) == d.assigned
            if d.by == "model":  # the model's probability
                assert tags[d.area] == round(d.probability, 3)
            elif d.assigned:  # the rules' score, as for a subtopic
                assert tags[d.area] == pytest.approx(d.rule_score, abs=5e-4)


PATTERNS = [
    r"\bw\d{1,2}a\d{1,2}\b",
    r"\bW4",
    r"kv\s*cache",
    r"\bk\d",
    r"ab\d+c",
    r"\bsparse\b",
    r"x\d",
    r"\bbikini",
]


def test_pattern_prefilters_are_built_where_they_pay():
    got = {p: (f.pattern if f else None) for p in PATTERNS for f in [_prefilter(p)]}
    assert got == {
        r"\bw\d{1,2}a\d{1,2}\b": r"w\d",
        r"\bW4": "w4",
        r"kv\s*cache": "kv",
        r"\bk\d": r"k\d",
        r"ab\d+c": r"ab\d",
        r"\bsparse\b": "[sſ]par[sſ]e",  # 's' also matches 'ſ' case-insensitively, which lowering keeps
        r"x\d": r"x\d",
        r"\bbikini": "b[iı]k[iı]n[iı]",  # and 'i' matches 'ı'
    }


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("wWaA4١ 16kKK\u212aſsS\u0130\u0131iInxbc_-:")), max_size=30))
def test_a_pattern_never_matches_where_its_prefilter_does_not(text):
    for p in PATTERNS:
        f = _prefilter(p)
        if f is not None and re.search(p, text, re.IGNORECASE):
            assert f.search(text.lower()), (p, text)


def reference_scan(c, model, text, title: bool):
    """What the automaton must find in one field: term counts on the tokens, and the known
    words and adjacent pairs of the field's text features."""
    toks = tokens(text)
    known = model._index()[0 if title else 1]
    words, pairs = set(), set()
    for f in text_features(toks):
        first, _, second = f.partition(" ")
        vec, after = known.get(first, (None, None))
        if not second and vec is not None:
            words.add(first)
        if second and (after or {}).get(second) is not None:
            pairs.add((first, second))
    return _count_terms(c, toks), words, pairs


TRICKY = ["quantis", "Quantisation", "compress", "compresses", "reduces", "KVs", "kv caches", "the KV-cache"]
TRICKY += [
    "key-value caches",
    "Shrinking the KV cache",
    "bias",
    "class",
    "N:M",
    "2:4",
    "::",
    "İ",
    "ſ",
    "٤bit",
]
TRICKY += ["quantized", "W4A16", "low-bit", "sparse attention", "mixture-of-experts", "LLMs", "ﬁne-tuning"]


@pytest.fixture(scope="module")
def tricky_texts(papers):
    rng = random.Random(11)
    texts = [t for p in papers for t in (p[0], p[1]) if t]
    texts += [" ".join(rng.choices(TRICKY, k=rng.randint(1, 15))) for _ in range(400)]
    return texts


def test_the_automaton_finds_what_the_tokens_give(tricky_texts):
    from efmcat.fastmatch import FIELD_ABSTRACT, FIELD_TITLE, build

    tax = load_taxonomy()
    c = compile_rules(tax)
    model = shipped_model()
    m = build(c, *model._index()[:2])  # every known word and pair
    assert m is not None
    for text in tricky_texts:
        for title, where in ((True, FIELD_TITLE), (False, FIELD_ABSTRACT)):
            counts, features, low = m.field(text, where)
            want_counts, want_words, want_pairs = reference_scan(c, model, text, title)
            # a word's name is a str, a pair's a tuple: the one mapping keeps them apart
            words = {f for f in features if isinstance(f, str)}
            pairs = {f for f in features if isinstance(f, tuple)}
            assert (dict(counts), words, pairs) == (want_counts, want_words, want_pairs), text
            assert low == text.lower()


def test_model_tags_are_the_same_without_the_automaton(papers, tricky_texts, monkeypatch):
    tax = load_taxonomy()
    model = shipped_model()
    cases = [(t, a, k) for t, a, k in papers] + [(t, t, ["cs.LG"]) for t in tricky_texts[-400:]]
    monkeypatch.setattr(model, "_tagged", 10**9)  # past AUTOMATON_AFTER: the automaton from the first paper
    fast = [model.tags(tax, t, a, k) for t, a, k in cases]
    assert model._matcher is not None and model._matcher[1] is not None
    monkeypatch.setattr(type(model), "_matcher_for", lambda self, c: None)
    assert [model.tags(tax, t, a, k) for t, a, k in cases] == fast


def test_packed_vectors_sum_exactly():
    from efmcat.model import _lane, _pack, _unpack

    flats = [[0, 1.2345, 3, -0.0001], [1, -99.9999, 3, 0.5], [2, 0.0007]]
    packed = [_pack(f, 4) for f in flats]
    assert _unpack(sum(packed), 3, 4) == [1.2345, -99.9999, 0.0007, 0.4999]
    assert [_lane(sum(packed), 3, i) for i in range(4)] == [1.2345, -99.9999, 0.0007, 0.4999]
    assert _unpack(sum(packed * 1000), 3000, 4) == [1234.5, -99999.9, 0.7, 499.9]
    assert _unpack(0, 0, 4) == [0.0, 0.0, 0.0, 0.0]


# ---------------------------------------------------------------------------------------
# The inference fast path (Model._tags_scanned and the tables it reads) against the plain
# definitions: multiplied-out term points, the rule features' vectors, the title and
# category caches, the separation of non-ASCII text.


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_separated_text_keeps_only_letters_digits_and_colons_on_any_text(text):
    from efmcat.tagger import _KEEP, separated

    low = text.lower()
    assert separated(low) == "".join(ch if ch in _KEEP else " " for ch in ascii_folded(low))


def reference_points(c, text, counts, factor):
    """Node -> points, each term's weight times its factor, summed in term order, then the
    patterns (the definition points_of's tables replace)."""
    from efmcat.tagger import TITLE_WEIGHT

    out: dict[str, float] = {}
    for ti in sorted(counts):
        f = TITLE_WEIGHT if factor is None else factor(counts[ti])
        for rid in c.terms[ti][1]:
            rule = c.rules[rid]
            out[rule.node] = out.get(rule.node, 0.0) + rule.weight * f
    for pattern, rids, _ in c.patterns:
        found = pattern.findall(text)
        if found:
            f = TITLE_WEIGHT if factor is None else factor(len(found))
            for rid in rids:
                rule = c.rules[rid]
                out[rule.node] = out.get(rule.node, 0.0) + rule.weight * f
    return out


def test_term_points_from_the_tables_equal_weight_times_factor(tricky_texts):
    from efmcat.tagger import _abstract_factor, points_of

    c = compile_rules(load_taxonomy())
    rng = random.Random(3)
    for text in tricky_texts:
        counts = _count_terms(c, tokens(text))
        # counts beyond what the texts give: the tables stop at ABSTRACT_REPEATS + 1
        more = {ti: rng.randint(1, 6) for ti in rng.sample(range(len(c.terms)), 8)}
        for cs in (counts, more, {**counts, **more}):
            for factor in (None, _abstract_factor):
                got = points_of(c, text, cs, factor)
                # equal values in the same order (the order decides later float sums)
                assert list(got.items()) == list(reference_points(c, text, cs, factor).items())


def test_rule_feature_vectors_equal_the_rule_values_times_the_weights(papers):
    tax = load_taxonomy()
    c = compile_rules(tax)
    model = shipped_model()
    other = model._index()[2]
    for title, abstract, cats in papers:
        t, a, _ = field_scores(c, title, abstract, cats)
        for prefix, points in (("rt:", t), ("ra:", a)):
            want = [
                tuple(w * v for w in other[prefix + node])
                for node, v in _rule_values(c, points).items()
                if prefix + node in other
            ]
            got: list = []
            model._add_rules(c, got, prefix, points)
            assert got == want


WORDS = [*TRICKY, "sparse attention", "KV cache eviction", "N:M sparsity", "W8A8", "w4a16", "int4"]
WORDS += ["pruning", "distillation", "speculative decoding", "LoRA", "FPGA", "compiler", "TVM", "kernels"]
WORDS += ["the", "of", "a", "model", "language", "birds", "protein", "é", "—", "x", "s"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), max_size=12),
    st.one_of(st.none(), st.lists(st.sampled_from(WORDS), max_size=60)),
    st.lists(st.sampled_from(["cs.LG", "cs.AR", "cs.PL", "cs.CL", "cs.DC", "CS.AR", "q-bio.BM"]), max_size=3),
)
def test_the_scanned_path_tags_as_the_token_path(title, abstract, cats):
    """Model.tags through the automaton (with its caches, warm from earlier examples) gives
    what the token-by-token path gives, for any title, abstract and categories."""
    tax = load_taxonomy()
    c = compile_rules(tax)
    model = shipped_model()
    title_text = " ".join(title)
    abstract_text = None if abstract is None else " ".join(abstract)
    m = model._matcher_for(c)
    assert m is not None
    fast = model._tags_scanned(c, m, tax, title_text, abstract_text, tuple(cats))
    saved, model._tagged = model._tagged, 0  # the token path for the next call
    try:
        plain = model.tags(tax, title_text, abstract_text, cats)
    finally:
        model._tagged = saved
    assert list(fast.items()) == list(plain.items())


def reference_merge(*parts):
    """Node points of several parts summed part by part, node by node (what _merge does by dict union)."""
    out = {}
    for part in parts:
        for n, v in part.items():
            out[n] = out.get(n, 0.0) + v
    return out


def test_judge_equals_merge_decide_in_field_and_area_scores(papers, tricky_texts):
    from efmcat.model import _in_field, _judge, _merge
    from efmcat.tagger import area_scores, decide

    c = compile_rules(load_taxonomy())
    cases = [(t, a, k) for t, a, k in papers] + [(t, t, ["cs.AR", "cs.PL"]) for t in tricky_texts]
    for title, abstract, cats in cases:
        t, a, k = field_scores(c, title, abstract, cats)
        own, ruled, in_field, area = _judge(c, t, a, k)
        want = reference_merge(t, a, k)
        assert list(_merge(t, a, k).items()) == list(want.items())
        assert list(own.items()) == list(want.items())
        assert list(ruled.items()) == list(decide(c, want, t).items())
        assert in_field == _in_field(c, want)
        assert list(area.items()) == list(area_scores(c, want).items())


def test_tag_papers_reports_changes_in_taxonomy_order(mini_db):
    from efmcat.catalog import Catalog
    from efmcat.tagger import tag_papers

    tax = load_taxonomy()
    with Catalog(mini_db) as cat:
        ids = [r[0] for r in cat.conn.execute("SELECT id FROM papers ORDER BY id")]
        cat.conn.execute("DELETE FROM tags")
        with cat.transaction():
            for pid in ids:  # auto tags the tagger takes away
                for node in ("hardware", "fpga", "compiler"):
                    cat.set_tag(pid, node, "auto", 0.9)
        changes = tag_papers(cat, ids, tax)
    assert any(len(ch.added) > 1 for ch in changes) and any(len(ch.removed) > 1 for ch in changes)
    for ch in changes:
        assert (ch.added, ch.removed) == (tax.order(ch.added), tax.order(ch.removed))


def test_rule_tags_are_the_same_without_the_automaton(papers, tricky_texts, monkeypatch):
    from efmcat.tagger import rule_tags

    tax = load_taxonomy()
    cases = [(t, a, k) for t, a, k in papers] + [(t, t, ["cs.LG", "cs.AR"]) for t in tricky_texts[-400:]]
    cases += [(t, None, k) for t, _, k in papers]
    assert compile_rules(tax).matcher() is not None
    fast = [rule_tags(tax, t, a, k) for t, a, k in cases]
    monkeypatch.setattr(type(compile_rules(tax)), "matcher", lambda self: None)
    assert [list(rule_tags(tax, t, a, k).items()) for t, a, k in cases] == [list(f.items()) for f in fast]
    assert any(fast)


def test_a_logits_ceiling_is_never_below_the_logit(papers, tricky_texts, monkeypatch):
    """Model._decide skips an area's logit when its ceiling falls short of the threshold: so
    the ceiling must be at least the logit, for every area, on every paper."""
    from efmcat.model import Model

    tax = load_taxonomy()
    c = compile_rules(tax)
    model = shipped_model()
    m = model._matcher_for(c)
    seen = []

    def spy(self, c, logit, own, ruled, active, abstract, rule_area=None, ceiling=None):
        seen.append([(ceiling(i), logit(i)) for i in active])
        return {}

    monkeypatch.setattr(Model, "_decide", spy)
    cases = [(t, a, k) for t, a, k in papers] + [(t, t, ["cs.AR", "cs.PL"]) for t in tricky_texts]
    for title, abstract, cats in cases:
        model._tags_scanned(c, m, tax, title, abstract, tuple(cats))
    pairs = [p for s in seen for p in s]
    assert len(seen) > 200 and all(top >= z for top, z in pairs)


def test_every_area_by_the_model_tags_as_the_token_path(papers, tricky_texts):
    """With every area decided by the model (as a user's model may be), the scanned path,
    which skips the logits whose ceiling falls short, tags as the token path."""
    from efmcat.model import Model

    tax = load_taxonomy()
    model = Model.from_json(shipped_model().to_json())
    n = len(model.areas)
    model.combine = {"title": ["model"] * n, "abstract": ["either"] * n}
    model.thresholds = {"title": [0.3] * n, "abstract": [0.05] * n}
    cases = [(t, a, k) for t, a, k in papers] + [(t, t, ["cs.LG"]) for t in tricky_texts[-400:]]
    model._tagged = 10**9  # past AUTOMATON_AFTER: the automaton from the first paper
    fast = [model.tags(tax, t, a, k) for t, a, k in cases]
    model._tagged = -(10**9)  # the token path
    plain = [model.tags(tax, t, a, k) for t, a, k in cases]
    assert sum(map(len, fast)) > len(cases) and fast == plain


def test_the_models_automaton_finds_the_features_that_weigh_in_a_compared_area(tricky_texts):
    """Model._matcher_for leaves out the features of no weight in the areas whose
    probability a mode compares (here: retrieval, with abstracts, as a user's model may
    compare it): it finds exactly the others; with every area compared, every feature."""
    from efmcat.fastmatch import FIELD_ABSTRACT, FIELD_TITLE
    from efmcat.model import Model, _lane

    tax = load_taxonomy()
    c = compile_rules(tax)
    shipped = shipped_model()
    one = Model.from_json(shipped.to_json())
    n = len(one.areas)
    one.combine = {"title": ["rules"] * n, "abstract": ["rules"] * n}
    retrieval = one.areas.index("retrieval")
    one.combine["abstract"][retrieval] = "model"
    everything = Model.from_json(shipped.to_json())
    everything.combine = {}  # every area by the model
    compared = {retrieval}
    for model, areas in ((one, compared), (everything, range(n))):
        m = model._matcher_for(c)
        left_out = 0
        for text in tricky_texts:
            for title, where in ((True, FIELD_TITLE), (False, FIELD_ABSTRACT)):
                _, features, _ = m.field(text, where)
                _, words, pairs = reference_scan(c, model, text, title)
                known = model._index()[0 if title else 1]
                vectors = {w: known[w][0] for w in words} | {p: known[p[0]][1][p[1]] for p in pairs}
                want = {f for f, v in vectors.items() if any(_lane(v, 1, i) for i in areas)}
                assert set(features) == want, text
                assert all(features[f] == vectors[f] for f in features)
                left_out += len(vectors) - len(want)
        assert (left_out > 100) if model is one else (left_out == 0)
