"""The learned area tagger: one-vs-rest logistic regression on top of the taxonomy's rules.

Features of a paper (binary unless said):

- ``t:`` title words and word pairs, ``a:`` abstract words and word pairs (the tagger's
  tokens: lowercased, plural ``s`` folded; pairs and words without common stop words);
- ``c:`` its arXiv categories;
- ``rt:AREA`` / ``ra:AREA``: the rule score of each area from the title / the abstract,
  divided by the area's threshold and capped at 3 (the rules are features, not rivals);
- a bias per area.

Training is plain stochastic gradient descent on the log loss with an L2 penalty, in pure
Python: examples sorted by id, shuffled by a fixed seed, so the same labels always give
the same weights. Each paper with an abstract is also seen title-only, so one model
serves both. A threshold per area and per mode (title-only, with abstract) is chosen on
held-out predictions (k-fold by a hash of the id: the fold models never saw the papers
they predict), maximising F1. A rule is a precise override where it is certain: an area
the rules assign whose rule score reaches a level at which the rules were at least 90%
precise on the training papers is assigned whatever the model says (an area the rules
yield to another, ``yields`` in the taxonomy, is not certain, whatever its score).

The model judges only papers on which some node's rules reach half their threshold (it
learned from papers of the field only: a paper about birds is not its to judge), decides only the areas it was trained for, and only while the taxonomy's
rules for the area are the ones it was trained with (a fingerprint per area); other
nodes (a user's new areas, subtopics) are decided by the rules. This module is imported
only by commands that tag.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import random
import struct
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from efmcat import fastmatch
from efmcat.tagger import (
    CHILD_SHARE,
    _merge,
    area_scores,
    category_points,
    claimed_areas,
    compile_rules,
    decide,
    decided,
    field_scores,
    points_of,
    scanned_abstract,
    tokens,
    written,
)

if TYPE_CHECKING:
    from efmcat.taxonomy import Taxonomy

FORMAT = 1
PACKAGED = Path(__file__).with_name("model.json")
META_KEY = "tagger_model"

# Training settings, fixed before any evaluation (not tuned on a test list).
SEED = 13
EPOCHS = 12
LEARNING_RATE = 0.1
L2 = 1e-4
FOLDS = 3
MIN_POSITIVES = 5  # an area needs this many labelled papers to be learned
MIN_HELD_ABSTRACT = 20  # held-out positives with an abstract to choose that mode's own strategy
MIN_COUNT = 2  # a word or pair must occur in this many training papers
PRUNE = 0.005  # weights smaller than this are dropped from the shipped model
RULE_CAP = 3.0
OVERRIDE_PRECISION = 0.9
# What a logit's ceiling (Model._most) adds above its exact bound: far more than
# the rounding of the few dozen additions that sum a logit, so a ceiling below a threshold's
# logit means the exact logit is too.
CEILING_SLACK = 1e-6
FIELD_EVIDENCE = 0.5  # the model judges a paper only if some node's rules reach this share of their threshold
USER_WEIGHT = 3  # a user's manual decision counts as this many papers
LIST_BALANCE = False  # weigh each list's papers by the mean list size over the list's size
RULES_MARGIN = 0.2  # held-out F1 the model must gain over the rules to decide an area alone
EITHER_MARGIN = 0.03  # the same for adding the model's confident tags to the rules' ("either")
# A threshold chosen for the user's own decisions must add tags that are right at least this
# share of the time on all held-out papers: an area tagged by hand on papers the model cannot
# tell apart (a new area on eight decoding papers) had a threshold of 0.00 that tagged 579.
# 0.2 keeps the README's demo as it is with no guard (seven serving papers tagged hardware:
# 10 similar ones follow; 14 with the labels before the data fix of the same day, where 0.2
# kept them too); 0.3 lets 7 follow, 0.5 one.
USER_PRECISION = 0.2
AUTOMATON_AFTER = 300  # papers tagged token by token before the automaton (fastmatch) is built

# as tokens() gives them: 'this' and 'does' are 'thi' and 'doe' there (their plural 's' folded)
STOP = frozenset(
    fold
    for word in [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "over",
        "that",
        "the",
        "their",
        "this",
        "to",
        "towards",
        "toward",
        "via",
        "we",
        "what",
        "when",
        "where",
        "which",
        "while",
        "with",
        "without",
        "using",
        "use",
        "used",
        "based",
        "can",
        "do",
        "does",
        "how",
        "new",
        "not",
        "than",
        "then",
        "these",
        "those",
        "up",
        "vs",
    ]
    for fold in tokens(word)
)


def text_features(toks: Sequence[str]) -> set[str]:
    """Words and adjacent word pairs of one field, without stop words."""
    out = {t for t in toks if t not in STOP}
    prev = None
    for t in toks:
        if t in STOP:
            prev = None
            continue
        if prev is not None:
            out.add(prev + " " + t)
        prev = t
    return out


def rules_fingerprint(taxonomy: Taxonomy, area: str) -> str:
    """A short hash of an area's rules and its subtopics' rules (the model's rule features)."""
    nodes = [(n, taxonomy.nodes[n].rules) for n in taxonomy.descendants(area)]
    return f"{zlib.crc32(json.dumps(nodes, sort_keys=True).encode()):08x}"


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


Weights = dict[str, list[float]]  # feature -> [area index, weight, area index, weight, ...]


# A text feature's weights as one integer: lane i (LANE bits) holds area i's weight in
# units of 1/SCALE plus OFFSET. Weights are stored with 4 decimals (train rounds them), so
# the lanes are exact, and the sum of a paper's features is one C-speed sum() of integers:
# a lane sums to less than 2**64 for up to 2**23 features.
LANE = 64
OFFSET = 1 << 40
SCALE = 10_000
_LANE_MASK = (1 << LANE) - 1


def _pack(flat: list[float], n: int) -> int:
    """The packed vector of a feature's (area index, weight) pairs over ``n`` areas."""
    lanes = [OFFSET] * n
    for i, w in _pairs(flat):
        lanes[int(i)] += round(w * SCALE)
    return sum(v << (LANE * i) for i, v in enumerate(lanes))


def _unpack(total: int, count: int, n: int) -> list[float]:
    """Per area the weight sum of ``count`` packed vectors that sum to ``total``: its lanes
    read as n unsigned 64-bit integers of its bytes (least significant lane first)."""
    base = count * OFFSET
    lanes = _LANES.get(n)
    if lanes is None:
        lanes = _LANES[n] = struct.Struct(f"<{n}Q")
    return [(v - base) / SCALE for v in lanes.unpack(total.to_bytes(LANE // 8 * n, "little"))]


_LANES: dict[int, struct.Struct] = {}


def _lane(total: int, count: int, i: int) -> float:
    """Area i's weight sum of ``count`` packed vectors that sum to ``total``: item i of
    :func:`_unpack`."""
    return (((total >> (LANE * i)) & _LANE_MASK) - count * OFFSET) / SCALE


def _pairs(flat: list[float]) -> Iterable[tuple[int, float]]:
    """(area index, weight) pairs of one feature."""
    return zip(flat[::2], flat[1::2])


@dataclass
class Contribution:
    feature: str  # e.g. "title 'kv cache'", "abstract 'quantiz'", "category cs.AR", "rules(title) memory"
    weight: float  # its contribution to the area's log-odds


@dataclass
class AreaDecision:
    area: str
    probability: float
    threshold: float
    assigned: bool
    by: str  # "model", "rules", "rule override" or "" (not assigned)
    rule_score: float
    contributions: list[Contribution] = field(default_factory=list)
    strategy: str = "model"  # how this area is decided: model, either (model or rules), rules


@dataclass
class Model:
    areas: list[str]
    bias: list[float]
    title: Weights
    abstract: Weights
    other: Weights  # c: categories, rt:/ra: rule scores
    thresholds: dict[str, list[float]]  # "title" / "abstract" -> per area
    override: list[float | None]  # rule area score from which the rule decides
    rules: dict[str, str]  # area -> rules fingerprint it was trained with
    combine: dict[str, list[str]] = field(default_factory=dict)  # mode -> per area: model, either, rules
    info: dict[str, Any] = field(default_factory=dict)
    _active: tuple[Any, list[int]] | None = field(default=None, repr=False, compare=False)
    _dense: Any = field(default=None, repr=False, compare=False)
    _matcher: tuple[Any, Any] | None = field(default=None, repr=False, compare=False)
    _tagged: int = field(default=0, repr=False, compare=False)
    _cats: tuple[Any, dict] | None = field(default=None, repr=False, compare=False)
    _rules_of: tuple[Any, dict] | None = field(default=None, repr=False, compare=False)
    _plans: tuple[list[int], dict] | None = field(default=None, repr=False, compare=False)
    _titles: tuple[Any, dict] | None = field(default=None, repr=False, compare=False)
    _most_of: tuple[Any, list[float]] | None = field(default=None, repr=False, compare=False)

    # -- inference --------------------------------------------------------------------
    def active(self, taxonomy: Taxonomy) -> list[int]:
        """Indexes of the areas this model decides under ``taxonomy`` (same rules as in training)."""
        if self._active is not None and self._active[0] is taxonomy:
            return self._active[1]
        got = [
            i
            for i, a in enumerate(self.areas)
            if a in taxonomy.nodes
            and taxonomy.nodes[a].parent is None
            and rules_fingerprint(taxonomy, a) == self.rules.get(a)
        ]
        self._active = (taxonomy, got)
        return got

    def _index(
        self,
    ) -> tuple[dict[str, _Known], dict[str, _Known], dict[str, tuple[float, ...]]]:
        """Weight vectors (one weight per area), built once: per title word, its packed
        vector (:func:`_pack`) as a feature (or None) and the packed vectors of the pairs it
        starts (second word -> vector, or None); the same for the abstract; the other
        features (categories, rule scores) by name, as tuples."""
        if self._dense is None:
            n = len(self.areas)

            def dense(flat: list[float]) -> tuple[float, ...]:
                v = [0.0] * n
                for i, w in _pairs(flat):
                    v[int(i)] = w
                return tuple(v)

            def known(ws: Weights) -> dict[str, _Known]:
                words: dict = {}
                pairs: dict = {}
                for f, flat in ws.items():
                    first, _, second = f.partition(" ")
                    if second:
                        pairs.setdefault(first, {})[second] = _pack(flat, n)
                    else:
                        words[f] = _pack(flat, n)
                return {w: (words.get(w), pairs.get(w)) for w in sorted(words.keys() | pairs.keys())}

            self._dense = (
                known(self.title),
                known(self.abstract),
                {f: dense(w) for f, w in self.other.items()},
            )
        return self._dense

    def _logits(
        self,
        c: Any,
        title_toks: Sequence[str],
        abstract_toks: Sequence[str] | None,
        categories: Iterable[str],
        t_points: dict[str, float],
        a_points: dict[str, float],
    ) -> list[float]:
        t_known, a_known, _ = self._index()
        features: list[int] = []
        _add_text(features, title_toks, t_known)
        if abstract_toks:
            _add_text(features, abstract_toks, a_known)
        return self._finish(c, features, categories, t_points, a_points)

    def _finish(
        self,
        c: Any,
        features: list[int],
        categories: Iterable[str],
        t_points: dict[str, float],
        a_points: dict[str, float],
    ) -> list[float]:
        """The logits: the bias, the text ``features`` (packed vectors, summed at once), the
        categories' and the rule scores' weights, summed per area."""
        vectors: list[Sequence[float]] = [self.bias, _unpack(sum(features), len(features), len(self.areas))]
        other = self._index()[2]
        for cat in {x.lower() for x in categories}:
            v = other.get("c:" + cat)
            if v is not None:
                vectors.append(v)
        if t_points:
            self._add_rules(c, vectors, "rt:", t_points)
        if a_points:
            self._add_rules(c, vectors, "ra:", a_points)
        return list(map(sum, zip(*vectors)))

    def _add_rules(
        self, c: Any, vectors: list[Sequence[float]], prefix: str, points: dict[str, float]
    ) -> None:
        """Append the rule features' vectors of one field (``prefix`` rt: or ra:, ``points``
        its node points), in the order of :func:`_rule_values`: each node's weights times
        its value, kept per node and value, since values recur; nodes without weights are
        skipped."""
        weights = self._rule_weights(c, prefix)
        append = vectors.append
        for node, value in _rule_values(c, points).items():
            entry = weights.get(node)
            if entry is not None:
                w, by_value = entry
                v = by_value.get(value)
                append(_scaled(by_value, w, value) if v is None else v)

    def _rule_weights(self, c: Any, prefix: str) -> dict[str, tuple[tuple[float, ...], dict]]:
        """Node -> (its weights as the rule feature ``prefix``, its vectors by value so far),
        for the nodes of ``c`` that have weights."""
        if self._rules_of is None or self._rules_of[0] is not c:
            other = self._index()[2]
            self._rules_of = (
                c,
                {
                    pre: {n: (other[pre + n], {}) for n in c.order if pre + n in other}
                    for pre in ("rt:", "ra:")
                },
            )
        return self._rules_of[1][prefix]

    def _most(self, c: Any) -> list[float]:
        """Per area its bias plus the most the abstract's rule features can add to its logit,
        plus CEILING_SLACK: each feature with a positive weight for the area at its capped
        value RULE_CAP (a value is never negative, so the features of negative weight add
        nothing above zero). Kept per compiled rules."""
        if self._most_of is None or self._most_of[0] is not c:
            positive = [0.0] * len(self.areas)
            for w, _ in self._rule_weights(c, "ra:").values():
                for i, wi in enumerate(w):
                    if wi > 0:
                        positive[i] += wi * RULE_CAP
            self._most_of = (c, [b + p + CEILING_SLACK for b, p in zip(self.bias, positive)])
        return self._most_of[1]

    def warm(self, taxonomy: Taxonomy) -> None:
        """Get ready to tag many papers: build the lookup tables and the automaton now (in a
        parent process, so that forked tagging workers share them)."""
        self._tagged = max(self._tagged, AUTOMATON_AFTER)
        self._matcher_for(compile_rules(taxonomy))

    def _matcher_for(self, c: Any) -> Any:
        """The automaton of ``c``'s terms and the model features a decision may need
        (:meth:`_scanned_known`; None: not available)."""
        if self._matcher is None or self._matcher[0] is not c:
            self._matcher = (c, fastmatch.build(c, *self._scanned_known()))
        return self._matcher[1]

    def _scanned_known(self) -> tuple[dict[str, _Known], dict[str, _Known]]:
        """The title's and the abstract's known words and pairs (:meth:`_index`) that weigh
        in an area whose probability some mode compares with a threshold (strategy model or
        either): the only logits :meth:`_decide` sums. A feature of no weight there adds
        exactly nothing to those areas' lanes of the packed sum (its offset goes with its
        count), so the automaton need not find it: the shipped model, which compares only
        retrieval's, needs about a quarter of its features, and a smaller trie scans faster."""
        judged = [
            i for mode in ("title", "abstract") for i, s in enumerate(self._strategies(mode)) if s != "rules"
        ]

        def weighs(vec: int | None) -> bool:
            return vec is not None and any(_lane(vec, 1, i) != 0 for i in judged)

        def needed(known: dict[str, _Known]) -> dict[str, _Known]:
            out = {}
            for word, (vec, pairs) in known.items():
                kept = {second: pv for second, pv in (pairs or {}).items() if weighs(pv)}
                if weighs(vec) or kept:
                    out[word] = (vec if weighs(vec) else None, kept or None)
            return out

        t_known, a_known, _ = self._index()
        return needed(t_known), needed(a_known)

    def _strategies(self, mode: str) -> list[str]:
        """Per area how ``mode`` (title or abstract) decides it: model, either or rules."""
        return self.combine.get(mode) or ["model"] * len(self.areas)

    def tags(
        self, taxonomy: Taxonomy, title: str, abstract: str | None = None, categories: Iterable[str] = ()
    ) -> dict[str, float]:
        """The nodes to tag: model areas with their probability, the rest decided by the rules."""
        c = compile_rules(taxonomy)
        # The automaton takes about as long to build as the token path takes for a few
        # hundred papers: built once that many were tagged (the same tags either way).
        self._tagged += 1
        m = self._matcher_for(c) if self._tagged > AUTOMATON_AFTER else None
        if m is not None:  # every term and feature of a field in one scan (a test holds it equal)
            return self._tags_scanned(c, m, taxonomy, title, abstract, tuple(categories))
        categories = list(categories)
        tt = tokens(title or "")
        at = tokens(abstract) if abstract else None
        t, a, _ = field_scores(c, title, abstract, (), tt, at)
        own = _merge(t, a, category_points(c, categories))
        ruled = decide(c, own, t)
        active = self.active(taxonomy)
        if not active or not _in_field(c, own):
            # The model learned from papers of the field only: a paper with hardly any
            # evidence of the field (birds, proteins) is not its to judge.
            return ruled
        t_known, a_known, _ = self._index()
        features: list[int] = []  # the title's and abstract's known words and pairs (packed)
        _add_text(features, tt, t_known)
        if at:
            _add_text(features, at, a_known)
        z = self._finish(c, features, categories, t, a)
        return self._decide(c, z.__getitem__, own, ruled, active, abstract)

    def _tags_scanned(
        self,
        c: Any,
        m: Any,
        taxonomy: Taxonomy,
        title: str,
        abstract: str | None,
        categories: tuple[str, ...],
    ) -> dict[str, float]:
        """:meth:`tags` through the automaton ``m``: the same steps, each field scanned once
        for its terms and features; the title's rule points and rule features, and the
        categories' points and weights, looked up once per distinct title evidence and list
        of categories."""
        if title:
            counts, features, low = m.title(title)
            t, rt, claimed = self._title_rules(c, title, counts, low)
        else:
            t, rt, features, claimed = {}, (), {}, frozenset()
        if abstract:  # an area the title does not name needs more of the abstract
            a, a_features = scanned_abstract(c, m, abstract, claimed)
        else:
            a, a_features = {}, {}
        k, cat_vectors = self._categories(c, categories)
        own, ruled, in_field, rule_area = _judge(c, t, a, k)
        active = self.active(taxonomy)
        if not active or not in_field:
            return ruled  # not the model's to judge (see tags)
        bias = self.bias
        text: list[int] = []  # the text features' count and packed sum, once needed
        ra: list[Sequence[float]] = []  # the abstract's rule features' vectors, once needed

        def known(i: int) -> float:  # area i's weight sum of the title's and abstract's features
            if not text:
                text.extend(
                    (len(features) + len(a_features), sum(features.values()) + sum(a_features.values()))
                )
            return _lane(text[1], text[0], i)

        def logit(i: int) -> float:  # z[i] as _finish sums it: only the areas a decision needs
            if a and not ra:
                self._add_rules(c, ra, "ra:", a)
            return sum((bias[i], known(i), *map(operator.itemgetter(i), (*cat_vectors, *rt, *ra))))

        def ceiling(i: int) -> float:  # at least logit(i): the abstract's rule features at their most
            return sum((self._most(c)[i], known(i), *map(operator.itemgetter(i), (*cat_vectors, *rt))))

        return self._decide(c, logit, own, ruled, active, abstract, rule_area, ceiling)

    def _title_rules(
        self, c: Any, title: str, counts: dict[int, int], low: str
    ) -> tuple[dict[str, float], tuple[Sequence[float], ...], frozenset[str]]:
        """(node -> the title's rule points, the vectors of its rule features, the areas it
        claims (:func:`claimed_areas`)): kept by the title's evidence, the terms it matches
        and the patterns it matches (in the title a term counts the same however often it
        matches)."""
        key: tuple = tuple(sorted(counts))
        if c.patterns:  # which patterns match, as points_of finds them
            key = (
                key,
                *[
                    j
                    for j, (p, _, pre) in enumerate(c.patterns)
                    if (pre is None or pre.search(low)) and p.search(title)
                ],
            )
        if self._titles is None or self._titles[0] is not c:
            self._titles = (c, {})
        cache = self._titles[1]
        got = cache.get(key)
        if got is None:
            t = points_of(c, title, counts, None, low)
            vectors: list[Sequence[float]] = []
            if t:
                self._add_rules(c, vectors, "rt:", t)
            got = (t, tuple(vectors), claimed_areas(c, t))
            if len(cache) < 5_000:
                cache[key] = got
        return got

    def _categories(self, c: Any, categories: tuple[str, ...]) -> tuple[dict[str, float], list]:
        """(node -> the categories' rule points, the categories' weight vectors in the order
        :meth:`_finish` adds them), kept per list of categories."""
        if self._cats is None or self._cats[0] is not c:
            self._cats = (c, {})
        cache = self._cats[1]
        got = cache.get(categories)
        if got is None:
            other = self._index()[2]
            vectors = [other["c:" + x] for x in {x.lower() for x in categories} if "c:" + x in other]
            got = (category_points(c, categories), vectors)
            if len(cache) < 10_000:
                cache[categories] = got
        return got

    def _decide(
        self,
        c: Any,
        logit: Callable[[int], float],
        own: dict[str, float],
        ruled: dict[str, float],
        active: list[int],
        abstract: str | None,
        rule_area: dict[str, float] | None = None,
        ceiling: Callable[[int], float] | None = None,
    ) -> dict[str, float]:
        """The nodes to tag from the logits (``logit(i)``: area i's) and the rules' decisions
        ``ruled`` (``rule_area``: ``area_scores(c, own)``, if known). An area the model
        assigns scores its probability; one the rules assign (strategy rules or either, or a
        certain rule) scores the rules' score, as a subtopic does. So a logit is computed
        only to compare with a threshold (strategy model or either), and not even then when
        ``ceiling(i)``, a cheaper number known to be at least ``logit(i)``, falls short of it
        (most papers: the exact logit costs about a fifth of the paper's time)."""
        chosen: dict[str, float] = {}
        decided, judged, by_rules, overrides = self._plan(active, "abstract" if abstract else "title")
        for i, area, threshold in judged:  # as _by decides: the model first,
            if ceiling is None or _sigmoid(ceiling(i)) >= threshold:
                p = _sigmoid(logit(i))
                if p >= threshold:
                    chosen[area] = round(p, 3)
        for node, score in ruled.items():  # then the rules,
            if node in by_rules and node not in chosen:
                chosen[node] = score
        for area, level in overrides:  # then a certain rule: one the rules assign (not yield)
            if area not in chosen and area in ruled:
                if rule_area is None:
                    rule_area = area_scores(c, own)
                sc = rule_area.get(area, 0.0)
                if sc >= level:
                    chosen[area] = round(sc, 3)
        # the nodes the rules decide (a subtopic only with its area)
        parent = c.parent
        for node, score in ruled.items():
            if node not in decided:
                p = parent[node]
                if p is None or p not in decided or p in chosen:
                    chosen[node] = score
        if len(chosen) < 2:
            return chosen
        return {n: chosen[n] for n in sorted(chosen, key=c.rank.__getitem__)}

    def _plan(self, active: list[int], mode: str) -> tuple[frozenset[str], tuple, frozenset[str], tuple]:
        """How :meth:`_decide` decides the areas of ``active`` in ``mode``, kept with
        ``active``: (the areas, (index, area, threshold) of those the model may assign
        (strategy model or either), the areas the rules' decision assigns (strategy rules or
        either), (area, override level) of those a certain rule assigns)."""
        if self._plans is None or self._plans[0] is not active:
            self._plans = (active, {})
        plans = self._plans[1]
        got = plans.get(mode)
        if got is None:
            thresholds = self.thresholds[mode]
            combine = self._strategies(mode)
            areas = self.areas
            got = plans[mode] = (
                frozenset(areas[i] for i in active),
                tuple((i, areas[i], thresholds[i]) for i in active if combine[i] != "rules"),
                frozenset(areas[i] for i in active if combine[i] != "model"),
                tuple((areas[i], self.override[i]) for i in active if self.override[i] is not None),
            )
        return got

    def explain(
        self,
        taxonomy: Taxonomy,
        title: str,
        abstract: str | None = None,
        categories: Iterable[str] = (),
        *,
        top: int = 6,
    ) -> list[AreaDecision]:
        """Per area the model decides: probability, threshold, decision and the features that weighed most."""
        c = compile_rules(taxonomy)
        categories = list(categories)
        tt = tokens(title or "")
        at = tokens(abstract) if abstract else None
        t, a, k = field_scores(c, title, abstract, categories, tt, at)
        own = _merge(t, a, k)
        if not _in_field(c, own):
            return []  # not the model's to judge (see tags)
        rule_area = area_scores(c, own)
        z = self._logits(c, tt, at, categories, t, a)
        contrib: dict[int, list[Contribution]] = {i: [] for i in range(len(self.areas))}

        def add(label: str, ws: list[float], v: float = 1.0) -> None:
            for i, w in _pairs(ws):
                contrib[int(i)].append(Contribution(label, w * v))

        seen = written(title or ""), written(abstract or "")  # features as the text writes them
        for f in sorted(text_features(tt)):
            add(f"title '{_as_written(f, seen[0])}'", self.title.get(f, []))
        for f in sorted(text_features(at or ())):
            add(f"abstract '{_as_written(f, seen[1])}'", self.abstract.get(f, []))
        for cat in sorted({x.lower() for x in categories}):
            add(f"category {cat}", self.other.get("c:" + cat, []))
        for prefix, label, points in (("rt:", "title", t), ("ra:", "abstract", a)):
            for area, v in sorted(_rule_values(c, points).items()):
                add(f"rules({label}) {area} x{v:.2f}", self.other.get(prefix + area, []), v)
        mode = "abstract" if abstract else "title"
        thresholds = self.thresholds[mode]
        combine = self._strategies(mode)
        ruled = decide(c, own, t)
        out = []
        for i in self.active(taxonomy):
            area = self.areas[i]
            p = _sigmoid(z[i])
            by = _by(p, thresholds[i], combine[i], area in ruled, self.override[i], rule_area.get(area, 0.0))
            items = sorted(contrib[i], key=lambda x: (-abs(x.weight), x.feature))[:top]
            out.append(
                AreaDecision(
                    area,
                    p,
                    thresholds[i],
                    bool(by),
                    by,
                    round(rule_area.get(area, 0.0), 3),
                    items,
                    combine[i],
                )
            )
        return out

    # -- (de)serialisation ------------------------------------------------------------
    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "areas": self.areas,
            "bias": [round(b, 4) for b in self.bias],
            "thresholds": {m: [round(x, 4) for x in v] for m, v in sorted(self.thresholds.items())},
            "override": [None if o is None else round(o, 4) for o in self.override],
            "combine": self.combine,
            "rules": self.rules,
            "info": self.info,
            "weights": {"t": self.title, "a": self.abstract, "o": self.other},
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}")

        w = data["weights"]
        return cls(
            data["areas"],
            data["bias"],
            _without_stop_words(w["t"]),
            _without_stop_words(w["a"]),
            w["o"],
            data["thresholds"],
            data["override"],
            data["rules"],
            data.get("combine") or {},
            data.get("info") or {},
        )


def _without_stop_words(weights: dict[str, Any]) -> dict[str, Any]:
    """A model's word and pair weights less those of a stop word: a model trained before the
    stop words were read as tokens() folds them has 'thi' and 'thi approach', which text
    never gives (text_features drops them), but the token path would still count."""
    return {f: v for f, v in weights.items() if STOP.isdisjoint(f.split())}


def _judge(
    c: Any, t: dict[str, float], a: dict[str, float], k: dict[str, float]
) -> tuple[dict[str, float], dict[str, float], bool, dict[str, float]]:
    """(own, ruled, in field, area): ``own = _merge(t, a, k)``, ``ruled = decide(c, own, t)``,
    ``_in_field(c, own)`` and ``area_scores(c, own)`` in two passes (a test holds them equal)."""
    own = _merge(t, a, k)
    info = c.info
    score = dict(own)
    sget = score.get
    area: dict[str, float] = {}
    aget = area.get
    assigned: list[str] = []
    in_field = False
    for node, sc in own.items():  # decide's first pass, area_scores and _in_field
        p, threshold = info[node]
        if not in_field and sc >= FIELD_EVIDENCE * threshold:
            in_field = True
        if p is None:
            area[node] = aget(node, 0.0) + sc
        else:
            if sc >= threshold:
                assigned += (node, p)
            if sc > 0:
                share = CHILD_SHARE * sc
                score[p] = sget(p, 0.0) + share
                area[p] = aget(p, 0.0) + share
    return own, decided(c, own, score, assigned, area, t, _rounded), in_field, area


def _as_written(feature: str, forms: dict[str, str]) -> str:
    """A feature's words as the paper writes them ('attention head' -> 'attention heads')."""
    return " ".join(forms.get(w, w) for w in feature.split())


def _rounded(x: float) -> float:
    """``round(x, 3)``, kept: rule scores recur."""
    r = _ROUNDED.get(x)
    if r is None:
        r = round(x, 3)
        if len(_ROUNDED) < 10_000:
            _ROUNDED[x] = r
    return r


_ROUNDED: dict[float, float] = {}  # rule score -> round(score, 3)


def _in_field(c: Any, own: dict[str, float]) -> bool:
    """Whether some node's rules give the paper at least FIELD_EVIDENCE of their threshold."""
    th = c.thresholds
    return any(v >= FIELD_EVIDENCE * th[n] for n, v in own.items())


_Known = tuple  # (word vector or None, {second word: pair vector} or None)


def _scaled(by_value: dict, w: tuple[float, ...], value: float) -> tuple[float, ...]:
    """A rule feature's weights ``w`` times ``value``, kept in ``by_value``."""
    v = tuple(map(operator.mul, w, itertools.repeat(value)))
    if len(by_value) < 500:
        by_value[value] = v
    return v


def _add_text(vectors: list[Any], toks: Sequence[str], known: dict[str, _Known]) -> None:
    """Append the vectors of the known words and adjacent word pairs of one field, each once.

    One set intersection (C speed) finds the known words; only the positions whose word
    starts a known pair are looked at for pairs. Stop words never occur in known features,
    so they need no filtering here."""
    hits = known.keys() & toks
    if not hits:
        return
    firsts = []
    for w in hits:
        word, pairs = known[w]
        if word is not None:
            vectors.append(word)
        if pairs is not None:
            firsts.append(w)
    if not firsts:
        return
    starts = set(firsts).__contains__
    found = {}
    for i in itertools.compress(range(len(toks) - 1), map(starts, toks)):
        first, second = toks[i], toks[i + 1]
        v = known[first][1].get(second)
        if v is not None:
            found[first, second] = v
    vectors += found.values()


def _by(
    p: float, threshold: float, strategy: str, ruled: bool, override: float | None, rule_score: float
) -> str:
    """What assigns an area ("" if nothing): the model, the rules, or a certain rule."""
    if strategy != "rules" and p >= threshold:
        return "model"
    if strategy != "model" and ruled:
        return "rules"
    if override is not None and ruled and rule_score >= override:
        return "rule override"
    return ""


def _rule_values(c: Any, points: dict[str, float]) -> dict[str, float]:
    """Rule feature values: each area's score (with its subtopics' share) and each subtopic's
    score, over the node's threshold, capped."""
    out = {}
    for area, sc in area_scores(c, points).items():
        if sc > 0:
            out[area] = min(sc / c.thresholds[area], RULE_CAP)
    parent = c.parent
    for node, sc in points.items():  # and each subtopic's own score: finer evidence
        if sc > 0 and parent[node] is not None:
            out[node] = min(sc / c.thresholds[node], RULE_CAP)
    return out


# ---------------------------------------------------------------------------------------
# Loading


_shipped: list[Model | None] = []


def shipped_model() -> Model | None:
    """The model shipped with efmcat (``efmcat/model.json``), or None if there is none."""
    if not _shipped:
        try:
            _shipped.append(Model.from_json(PACKAGED.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            _shipped.append(None)
    return _shipped[0]


def catalog_model(catalog: Any) -> Model | None:
    """The catalog's own model (``efmcat train``), else the shipped one. A stored model that
    cannot be read (damaged, or written by another efmcat) is a CatalogError: tagging on
    with the shipped one would say nothing of the user's training being ignored."""
    text = catalog.get_meta(META_KEY)
    if text:
        try:
            return Model.from_json(text)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            from efmcat.errors import CatalogError

            raise CatalogError(
                f"the catalog's trained model cannot be read ({type(exc).__name__}: {str(exc)[:80]}): "
                "'efmcat train' trains it again, 'efmcat train --reset' goes back to the shipped model"
            ) from exc
    return shipped_model()


# ---------------------------------------------------------------------------------------
# Training


@dataclass
class Example:
    id: str
    title: str
    abstract: str | None
    categories: list[str]
    labels: set[str]  # areas
    weight: int = 1
    groups: tuple[str, ...] = ()  # where the labels come from (list names): held-out folds keep groups apart
    user: bool = False  # a manual decision of the catalog's user


@dataclass
class _Row:
    example: int
    full: bool  # with the abstract (else title-only)
    binary: set[str]
    real: dict[str, float]
    ruled: set[str]  # areas the rules alone assign


def _rows(examples: Sequence[Example], taxonomy: Taxonomy) -> list[_Row]:
    """Per example its title-only row and, with an abstract, its full row."""
    c = compile_rules(taxonomy)
    parent = c.parent
    out = []
    for k, ex in enumerate(examples):
        tt = tokens(ex.title or "")
        cats = {"c:" + x.lower() for x in ex.categories}
        t, _, kp = field_scores(c, ex.title, None, ex.categories, tt, None)
        rt = {"rt:" + a: v for a, v in _rule_values(c, t).items()}
        base = {"t:" + f for f in text_features(tt)} | cats
        ruled = {n for n in decide(c, _merge(t, kp), t) if parent[n] is None}
        out.append(_Row(k, False, base, rt, ruled))
        if ex.abstract:
            at = tokens(ex.abstract)
            _, a, _ = field_scores(c, ex.title, ex.abstract, (), tt, at)
            ra = {"ra:" + n: v for n, v in _rule_values(c, a).items()}
            ruled = {n for n in decide(c, _merge(t, a, kp), t) if parent[n] is None}
            out.append(_Row(k, True, base | {"a:" + f for f in text_features(at)}, rt | ra, ruled))
    return out


def _fit(
    xs: list[tuple[list[int], list[tuple[int, float]]]],
    ys: list[list[int]],
    n_features: int,
    n_areas: int,
    seed: int,
    sw: list[float] | None = None,
) -> tuple[list[list[float]], list[float]]:
    """SGD on the mean log loss + L2/2 |w|^2, one weight vector per area, fixed order."""
    weights = [[0.0] * n_features for _ in range(n_areas)]
    bias = []
    n = len(xs)
    for a in range(n_areas):
        pos = sum(y[a] for y in ys)
        pos = min(max(pos, 1), n - 1)
        bias.append(math.log(pos / (n - pos)))
    rng = random.Random(seed)
    order = list(range(n))
    exp = math.exp
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        lr = LEARNING_RATE / (1 + 0.5 * epoch)
        for r in order:
            idx, real = xs[r]
            y = ys[r]
            rate = lr if sw is None else lr * sw[r]
            for a in range(n_areas):
                w = weights[a]
                z = bias[a] + sum(map(w.__getitem__, idx))
                for i, v in real:
                    z += w[i] * v
                if z > 30:
                    p = 1.0
                elif z < -30:
                    p = 0.0
                else:
                    p = 1.0 / (1.0 + exp(-z))
                g = p - y[a]
                if -1e-4 < g < 1e-4:
                    continue
                step = rate * g
                for i in idx:
                    w[i] -= step
                for i, v in real:
                    w[i] -= step * v
                bias[a] -= step
        decay = (1 - lr * L2) ** n
        for w in weights:
            for i in range(n_features):
                w[i] *= decay
    return weights, bias


def _predict(weights: list[list[float]], bias: list[float], x: tuple[list[int], list[tuple[int, float]]]):
    idx, real = x
    out = []
    for a, w in enumerate(weights):
        z = bias[a] + sum(map(w.__getitem__, idx))
        for i, v in real:
            z += w[i] * v
        out.append(_sigmoid(z))
    return out


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _best_threshold(
    probs: list[float], truth: list[int], ruled: list[bool] | None = None
) -> tuple[float, float]:
    """(threshold, F1) with the best F1 on held-out predictions; with ``ruled``, a paper the
    rules assign counts as assigned whatever its probability (the "either" strategy)."""
    total = sum(truth)
    if ruled is None:
        ruled = [False] * len(probs)
    base_tp = sum(1 for y, r in zip(truth, ruled) if r and y)
    base_fp = sum(1 for y, r in zip(truth, ruled) if r and not y)
    rest = sorted(((p, y) for p, y, r in zip(probs, truth, ruled) if not r), key=lambda x: -x[0])
    best, best_t = _f1(base_tp, base_fp, total - base_tp), 1.0
    tp, fp = base_tp, base_fp
    for k, (p, y) in enumerate(rest):
        if y:
            tp += 1
        else:
            fp += 1
        if k + 1 < len(rest) and rest[k + 1][0] == p:
            continue
        f1 = _f1(tp, fp, total - tp)
        if f1 > best:
            nxt = rest[k + 1][0] if k + 1 < len(rest) else 0.0
            best, best_t = f1, (p + nxt) / 2  # midway to the next lower score
    return min(max(best_t, 0.01), 0.99), best


def _folds(examples: Sequence[Example], folds: int) -> list[set[int]]:
    """Held-out folds of example indexes: by group (list) when there are enough groups, so
    the thresholds are chosen on lists the fold model never saw; else by a hash of the id.
    An example whose groups fall in several folds is held out of each of them."""
    groups = sorted({g for e in examples for g in e.groups})
    out: list[set[int]] = [set() for _ in range(folds)]
    if len(groups) >= folds:
        fold_of = {g: i % folds for i, g in enumerate(groups)}
        for k, e in enumerate(examples):
            for g in e.groups:
                out[fold_of[g]].add(k)
            if not e.groups:
                out[zlib.crc32(e.id.encode()) % folds].add(k)
    else:
        for k, e in enumerate(examples):
            out[zlib.crc32(e.id.encode()) % folds].add(k)
    return out


def learnable_areas(examples: Sequence[Example], taxonomy: Taxonomy) -> list[str]:
    """The areas with enough labelled papers on both sides to be learned; EfmcatError when
    none has (said before a long training, not after it)."""
    areas = [
        a.id
        for a in taxonomy.areas
        if sum(e.weight for e in examples if a.id in e.labels) >= MIN_POSITIVES
        and sum(e.weight for e in examples if a.id not in e.labels) >= MIN_POSITIVES
    ]
    if not areas:
        from efmcat.errors import EfmcatError

        raise EfmcatError(
            f"too few labelled papers to learn from: no area has {MIN_POSITIVES} papers with it "
            f"and {MIN_POSITIVES} without (an area with fewer is left to the rules)"
        )
    return areas


def train(
    examples: Sequence[Example],
    taxonomy: Taxonomy,
    *,
    seed: int = SEED,
    folds: int = FOLDS,
    progress: Callable[[str], None] | None = None,
) -> Model:
    """Fit the model on labelled papers; deterministic for the same examples and taxonomy."""
    examples = sorted(examples, key=lambda e: e.id)
    c = compile_rules(taxonomy)
    areas = learnable_areas(examples, taxonomy)
    rows = _rows(examples, taxonomy)
    # Vocabulary: words and pairs of at least MIN_COUNT papers; rule features always.
    per_example: list[set[str]] = [set() for _ in examples]
    for row in rows:
        per_example[row.example] |= row.binary
    df: dict[str, int] = {}
    for feats in per_example:
        for f in feats:
            df[f] = df.get(f, 0) + 1
    vocab = sorted(f for f, n in df.items() if n >= MIN_COUNT)
    vocab += sorted({f for row in rows for f in row.real})
    index = {f: i for i, f in enumerate(vocab)}
    xs = [
        (
            [index[f] for f in sorted(row.binary) if f in index],
            [(index[f], v) for f, v in sorted(row.real.items())],
        )
        for row in rows
    ]
    ys = [[int(a in examples[row.example].labels) for a in areas] for row in rows]

    sizes: dict[str, int] = {}
    for e in examples:
        for g in e.groups:
            sizes[g] = sizes.get(g, 0) + 1
    mean_size = sum(sizes.values()) / len(sizes) if sizes else 1.0

    def balance(e: Example) -> float:
        if not LIST_BALANCE or not e.groups:
            return 1.0
        return min(max(sum(mean_size / sizes[g] for g in e.groups) / len(e.groups), 0.25), 4.0)

    def expand(sel: Iterable[int]):
        sx, sy, sw = [], [], []
        for r in sel:
            e = examples[rows[r].example]
            for _ in range(e.weight):
                sx.append(xs[r])
                sy.append(ys[r])
                sw.append(balance(e))
        return sx, sy, (sw if LIST_BALANCE else None)

    fold_sets = _folds(examples, folds)
    held: dict[str, list[tuple[list[float], list[int], set[str]]]] = {"title": [], "abstract": []}
    predicted: set[int] = set()
    for f, out_of_fold in enumerate(fold_sets):
        if progress:
            progress(f"held-out fold {f + 1}/{folds}")
        train_rows = [
            r for r in range(len(rows)) if not any(rows[r].example in s for s in fold_sets[f : f + 1])
        ]
        if not out_of_fold or len(train_rows) == len(rows):
            continue
        sx, sy, sw = expand(train_rows)
        w, b = _fit(sx, sy, len(vocab), len(areas), seed + f + 1, sw)
        for r, row in enumerate(rows):
            if row.example in out_of_fold and r not in predicted:
                predicted.add(r)
                held["abstract" if row.full else "title"].append(
                    (_predict(w, b, xs[r]), ys[r], row.ruled, examples[row.example].user)
                )
    thresholds: dict[str, list[float]] = {}
    combine: dict[str, list[str]] = {}
    heldout_f1: dict[str, dict[str, float]] = {}
    for mode in ("title", "abstract"):
        ts, cs, fs = [], [], {}
        for a, area in enumerate(areas):
            probs = [h[0][a] for h in held[mode]]
            truth = [h[1][a] for h in held[mode]]
            ruled = [area in h[2] for h in held[mode]]
            if sum(truth) < (MIN_HELD_ABSTRACT if mode == "abstract" else MIN_POSITIVES):
                # too few held-out positives to choose on: as in title-only mode
                ts.append(thresholds["title"][a] if mode == "abstract" else 0.5)
                cs.append(combine["title"][a] if mode == "abstract" else "model")
                continue
            t_model, f_model = _best_threshold(probs, truth)
            t_either, f_either = _best_threshold(probs, truth, ruled)
            f_rules = _f1_at(list(zip(probs, truth, ruled)), None)
            # The rules are the same on every list; the model must beat them by RULES_MARGIN.
            best = max(
                (f_model - RULES_MARGIN, 2, "model", t_model, f_model),
                (f_either - EITHER_MARGIN, 1, "either", t_either, f_either),
                (f_rules, 0, "rules", 1.0, f_rules),
            )
            if best[2] == "rules":
                # The user's own decisions, held out: where the model's tags added to the
                # rules' agree with them better than the rules alone, and cost the rest little,
                # the user's correction is what the tagger should learn.
                mine = [
                    (p, y, r)
                    for p, y, r, user in zip(probs, truth, ruled, (h[3] for h in held[mode]))
                    if user
                ]
                everyone = list(zip(probs, truth, ruled))
                t_user = _user_threshold(everyone, mine, f_rules - EITHER_MARGIN) if mine else None
                if t_user is not None:
                    f_user = _f1_at(everyone, t_user)
                    best = (f_user, 1, "either", t_user, f_user)
            ts.append(best[3])
            cs.append(best[2])
            fs[area] = round(best[4], 3)
        thresholds[mode], combine[mode], heldout_f1[mode] = ts, cs, fs
    if progress:
        progress("final fit")
    sx, sy, sw = expand(range(len(xs)))
    w, b = _fit(sx, sy, len(vocab), len(areas), seed, sw)
    packed: dict[str, Weights] = {"t": {}, "a": {}, "o": {}}
    for i, f in enumerate(vocab):
        pairs = [x for a in range(len(areas)) if abs(w[a][i]) >= PRUNE for x in (a, round(w[a][i], 4))]
        if not pairs:
            continue
        ns, _, name = f.partition(":")
        if ns == "t":
            packed["t"][name] = pairs
        elif ns == "a":
            packed["a"][name] = pairs
        else:
            packed["o"][f] = pairs
    override = _override_levels(examples, taxonomy, areas, c)
    return Model(
        areas,
        [round(x, 4) for x in b],  # as stored: the model in memory decides as the loaded one
        packed["t"],
        packed["a"],
        packed["o"],
        thresholds,
        override,
        {a: rules_fingerprint(taxonomy, a) for a in areas},
        combine,
        {
            "papers": len(examples),
            "with_abstract": sum(1 for e in examples if e.abstract),
            "user_decisions": sum(1 for e in examples if e.weight > 1),
            "seed": seed,
            "heldout_f1": heldout_f1,
        },
    )


def _override_levels(examples: Sequence[Example], taxonomy: Taxonomy, areas: list[str], c: Any):
    """Per area the lowest rule score (2, 3 or 4 times the threshold) at which the rules were
    at least OVERRIDE_PRECISION precise on these papers (title-only and with abstract), or None.
    Measured as :meth:`Model._decide` overrides: only where the rules' decision assigns the
    area (an area the rules yield to another is never certain, whatever its score)."""
    scores: list[tuple[dict[str, float], set[str]]] = []
    for ex in examples:
        for abstract in (None, ex.abstract) if ex.abstract else (None,):
            t, a, k = field_scores(c, ex.title, abstract, ex.categories)
            own = _merge(t, a, k)
            ruled = decide(c, own, t)
            scores.append(({x: v for x, v in area_scores(c, own).items() if x in ruled}, ex.labels))
    out: list[float | None] = []
    for area in areas:
        level = None
        for mult in (2, 3, 4):
            cut = mult * c.thresholds[area]
            hits = [area in labels for s, labels in scores if s.get(area, 0.0) >= cut]
            if len(hits) >= MIN_POSITIVES and sum(hits) / len(hits) >= OVERRIDE_PRECISION:
                level = cut
                break
        out.append(level)
    return out


# ---------------------------------------------------------------------------------------
# Training from the shipped labels and a catalog's manual decisions


def _f1_at(rows: list[tuple[float, int, bool]], threshold: float | None) -> float:
    """F1 over (probability, truth, ruled) rows of the rules' tags, plus the model's where its
    probability reaches ``threshold`` (None: the rules alone)."""
    tp = fp = fn = 0
    for p, y, r in rows:
        hit = r or (threshold is not None and p >= threshold)
        tp += hit and y
        fp += hit and not y
        fn += y and not hit
    return _f1(tp, fp, fn)


def _user_threshold(
    rows: list[tuple[float, int, bool]], mine: list[tuple[float, int, bool]], floor: float
) -> float | None:
    """The threshold at which the model's tags added to the rules' agree best with the user's
    own held-out decisions ``mine`` (the lowest on a tie), among those that keep the F1 of
    every held-out row ``rows`` at ``floor`` or above and whose added tags are right at least
    USER_PRECISION of the time on ``rows``; None where none beats the rules alone on
    ``mine``. Chosen among the probabilities of the user's papers the rules leave out."""
    best_t, best_f = None, _f1_at(mine, None)
    for t in sorted({p for p, _, r in mine if not r}, reverse=True):
        f = _f1_at(mine, t)
        if (
            f >= best_f
            and (best_t is not None or f > best_f)
            and _f1_at(rows, t) >= floor
            and _added_precision(rows, t) >= USER_PRECISION
        ):
            best_t, best_f = t, f
    return best_t


def _added_precision(rows: list[tuple[float, int, bool]], threshold: float) -> float:
    """Of the tags the model adds to the rules' at ``threshold`` on the held-out rows, the
    share that are right (1.0 when it adds none)."""
    added = [y for p, y, r in rows if not r and p >= threshold]
    return sum(added) / len(added) if added else 1.0


def user_examples(catalog: Any, taxonomy: Taxonomy) -> list[Example]:
    """Papers of the catalog with a manual decision (tag or untag), labelled with the areas
    they carry now: what the user added, minus what the user removed, plus the tags the
    user saw and left."""
    ids = [
        r[0]
        for r in catalog.conn.execute(
            "SELECT DISTINCT paper_id FROM tags WHERE origin = 'manual' ORDER BY paper_id"
        )
    ]
    out = []
    for pid in ids:
        p = catalog.get_paper(pid)
        rows = catalog.tag_rows(pid)
        labels = set(taxonomy.areas_of(r["node"] for r in rows if not r["removed"]))
        # No group: the user's papers are spread over the held-out folds by id, so areas only
        # the user labelled still get a threshold from predictions of unseen papers.
        out.append(Example(pid, p.title, p.abstract, list(p.categories), labels, USER_WEIGHT, user=True))
    return out


def training_examples(
    taxonomy: Taxonomy,
    labels: str | Path | None = None,
    catalog: Any = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> list[Example]:
    """The shipped (or given) labelled papers, with a catalog's manual decisions on top.

    ``progress`` hears each label of the file the taxonomy does not know, as ``eval FILE``
    names them (``mine.jsonl: not trained on: unknown taxonomy node 'quantisation'; did you
    mean quantization?``): no area is learned from it, and a paper with no other label is
    no example of any area."""
    examples: dict[str, Example] = {}
    for p in _read_labels(taxonomy, labels, progress):
        areas = p.areas()
        if areas and p.title:
            examples[p.id] = Example(
                p.id, p.title, p.abstract, p.categories, areas, 1, tuple(sorted(p.lists))
            )
    if catalog is not None:
        for ex in user_examples(catalog, taxonomy):
            examples[ex.id] = ex  # the user's decision replaces the lists' labels
    return list(examples.values())


def _read_labels(
    taxonomy: Taxonomy, labels: str | Path | None, progress: Callable[[str], None] | None
) -> list[Any]:
    """``load_labels(labels)``, telling ``progress`` the labels the taxonomy does not know."""
    from efmcat.labels import load_labels, report_unknown, shipped_labels

    unknown: set[str] = set()
    papers = load_labels(labels, unknown)
    if progress is not None and unknown:
        name = "stdin" if str(labels) == "-" else str(labels if labels is not None else shipped_labels())
        report_unknown(unknown, name, "not trained on", taxonomy, progress)
    return papers


def save_to_catalog(catalog: Any, model: Model | None) -> None:
    """Store a model as the catalog's own (None: drop it, back to the shipped model)."""
    with catalog.transaction():
        catalog.set_meta(META_KEY, None if model is None else model.to_json())
