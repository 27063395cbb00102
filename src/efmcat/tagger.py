"""Rule-based auto-tagging from the ``rules`` blocks of the taxonomy, with explanations.

A node's rules (all optional)::

    rules:
      terms:       {quantization: 3, quantiz*: 2, "post-training quantization": 4}
      patterns:    {'\\bw\\d+a\\d+\\b': 3}     # regular expressions, case-insensitive
      not:         {quantum: 4}              # terms whose weight is subtracted
      categories:  {cs.AR: 1.5}              # arXiv category priors
      threshold:   3                         # score needed to assign the node (default 3)

Terms are words or phrases matched on whole tokens, case-insensitively; hyphens and
spaces are the same ("4-bit" = "4 bit") and a plural "s" is ignored. A trailing ``*``
makes the last word a prefix. A rule contributes its weight times TITLE_WEIGHT when it
matches the title and ABSTRACT_WEIGHT (a little more for repeated mentions) when it
matches the abstract; the abstract's points of an area the title gives no evidence for
(ABSTRACT_ALONE) count half. An area is also scored with its subtopics' evidence, and a
subtopic that is assigned implies its area. Everything is deterministic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import TYPE_CHECKING, Any

from efmcat.models import IMPLIED, IMPLIED_OVER_REMOVAL, implied

if TYPE_CHECKING:
    from efmcat.catalog import Catalog
    from efmcat.taxonomy import Taxonomy

TITLE_WEIGHT = 2.0
ABSTRACT_WEIGHT = 0.75
ABSTRACT_REPEAT = 0.25  # added per further mention in the abstract, at most ABSTRACT_REPEATS times
ABSTRACT_REPEATS = 2
# An area the title gives no evidence for counts its abstract points at this share: a
# passing mention in the abstract ("... with a custom CUDA kernel") is not the paper's
# claim, so an area from the abstract alone needs twice the evidence. (A power of two: the
# discounted sums are exact, whichever order they are added in.)
ABSTRACT_ALONE = 0.5
CHILD_SHARE = 0.5  # share of subtopic evidence that counts towards the area
DEFAULT_THRESHOLD = 3.0
# A paper no node's rules assign still takes the area its title gives the most evidence for,
# when that reaches this share of the area's threshold: a paper of the field is about something.
FALLBACK_SHARE = 0.2
RULE_KEYS = ("terms", "patterns", "not", "categories", "threshold", "yields")

_TOKEN = re.compile(r"[a-z0-9]+(?::[a-z0-9]+)*")
_LONE_COLON = re.compile(r"(?<![a-z0-9]):|:(?![a-z0-9])")
_KEEP = frozenset("abcdefghijklmnopqrstuvwxyz0123456789:")


# ---------------------------------------------------------------------------------
# Validation (called by the taxonomy loader)


def _is_number(value: Any) -> bool:
    """A finite number: YAML's .nan and .inf are floats too (a NaN weight silently disabled
    its term; an infinite one stored scores of inf, which JSON cannot write)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_rules(rules: dict) -> str | None:
    """A description of what is wrong with one node's rules, or None."""
    if not rules:
        return None
    if not isinstance(rules, dict):
        return "must be a mapping"
    for key in rules:
        if key not in RULE_KEYS:
            return f"unknown rule key '{key}' (use {', '.join(RULE_KEYS)})"
    if "threshold" in rules:
        t = rules["threshold"]
        if not _is_number(t) or t <= 0:
            return f"threshold must be a positive number, not {t!r}"
    if "yields" in rules:
        y = rules["yields"]
        if not isinstance(y, bool) and not (
            isinstance(y, list) and y and all(isinstance(n, str) and n.strip() for n in y)
        ):
            return f"yields must be true, false or a list of node ids, not {y!r}"
    for key in ("terms", "patterns", "not", "categories"):
        block = rules.get(key)
        if block is None:
            continue
        if not isinstance(block, dict):
            return f"'{key}' must be a mapping of {'pattern' if key == 'patterns' else 'term'} to weight"
        for rule, weight in block.items():
            if not isinstance(rule, str) or not rule.strip():
                return f"'{key}' has an empty or non-text rule {rule!r}"
            if not _is_number(weight):
                return f"weight of '{rule}' in '{key}' must be a number, not {weight!r}"
            if key == "patterns":
                try:
                    re.compile(rule)
                except re.error as exc:
                    return f"pattern '{rule}' is not a regular expression: {exc}"
            elif key in ("terms", "not"):
                problem = _term_problem(rule)
                if problem:
                    return f"term '{rule}' in '{key}' {problem}"
    return None


def _term_problem(term: str) -> str | None:
    if any("*" in w.rstrip("*") or w.endswith("**") for w in term.split()):
        return "may only use '*' at the end of a word (a prefix)"
    if not _term_tokens(term):
        return "has no letters or digits"
    return None


# ---------------------------------------------------------------------------------
# Compilation


def _fold(token: str) -> str:
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


_FOLDED: dict[str, str] = {}
# bytes.translate's table: every byte but a-z, 0-9 and ":" becomes a space
_SEPARATORS = bytes(i if chr(i) in _KEEP else 32 for i in range(256))


def ascii_folded(low: str) -> str:
    """``low`` (lowered text) with what compatibility decomposition (NFKD) takes to ASCII
    taken there and the combining marks dropped: the ligatures of text copied from PDFs
    ("ﬁne-tuning"), accents ("Nyström") and full-width letters read as plain letters.
    ASCII text comes back as it is, at the cost of one ``isascii``."""
    if low.isascii():
        return low
    import unicodedata  # only text beyond ASCII needs it, as in ids.py

    decomposed = unicodedata.normalize("NFKD", low)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def separated(low: str) -> str:
    """``low`` (lowered text), :func:`ascii_folded`, with every character but ``a-z``,
    ``0-9`` and ``:`` made a space (a test holds it equal to that definition). Through
    bytes: each character still beyond ASCII becomes one ``?`` (the ASCII codec's
    replacement), then a 256-byte table maps every byte: about twice as fast as
    str.translate with a mapping on ASCII text."""
    return ascii_folded(low).encode("ascii", "replace").translate(_SEPARATORS).decode("ascii")


def spaced_words(s: str) -> str:
    """``s`` (a :func:`separated` text) with the colons that join no two letters or digits
    made spaces too."""
    i = s.find(":")
    if i < 0:
        return s
    last = len(s) - 1
    while i >= 0:  # a few colons, each found by a one-character search
        if i == 0 or i == last or s[i - 1] in " :" or s[i + 1] in " :":
            return _LONE_COLON.sub(" ", s)
        i = s.find(":", i + 2)
    return s


def tokens(text: str) -> list[str]:
    """Lowercased word tokens with a plural 's' folded away.

    The same tokens as ``_TOKEN.findall(text.lower())``, folded (a test holds them equal):
    the lowered text with every other character made a space is split on whitespace, after
    the colons that join no two letters or digits are made spaces too."""
    raw = _words(text)
    out = list(map(_FOLDED.get, raw))
    if None in out:  # tokens seen for the first time
        i = out.index(None)
        while True:
            t = raw[i]
            out[i] = f = _fold(t)
            if len(_FOLDED) < 500_000:
                _FOLDED[t] = f
            try:
                i = out.index(None, i + 1)
            except ValueError:
                break
    return out


def written(text: str) -> dict[str, str]:
    """Each token of ``text`` (as :func:`tokens` folds it) -> the word as the text first
    writes it, lowered: 'thi' -> 'this', 'head' -> 'heads' (for showing features)."""
    out: dict[str, str] = {}
    for word in _words(text):
        out.setdefault(_fold(word), word)
    return out


def _words(text: str) -> list[str]:
    """The words of ``text`` before :func:`tokens` folds them (lowered, separated)."""
    return spaced_words(separated(text.lower())).split()


def _term_tokens(term: str) -> list[tuple[str, bool]]:
    """A term as (token, is_prefix) pairs; a word ending in '*' is a prefix."""
    out: list[tuple[str, bool]] = []
    for word in term.strip().lower().split():
        prefix = word.endswith("*")
        toks = _TOKEN.findall(word.rstrip("*"))
        out.extend((_fold(t), False) for t in toks)
        if prefix and toks:
            out[-1] = (toks[-1], True)
    return out


@dataclass
class _Rule:
    node: str
    kind: str  # term, pattern, not, category
    text: str
    weight: float


@dataclass
class Compiled:
    """A taxonomy's rules, indexed for one pass over each field's tokens."""

    terms: list[tuple[tuple[tuple[str, bool], ...], list[int]]] = field(default_factory=list)
    exact: dict[str, list[int]] = field(default_factory=dict)  # first token -> term indexes
    prefix: dict[str, list[int]] = field(default_factory=dict)  # first-token prefix -> term indexes
    prefix_lengths: list[int] = field(default_factory=list)
    patterns: list[tuple[re.Pattern[str], list[int], re.Pattern[str] | None]] = field(
        default_factory=list
    )  # (pattern, rule ids, prefilter)
    categories: dict[str, list[int]] = field(default_factory=dict)
    rules: list[_Rule] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)
    parent: dict[str, str | None] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    rank: dict[str, int] = field(default_factory=dict)  # node -> its place in order
    info: dict[str, tuple[str | None, float]] = field(default_factory=dict)  # node -> (parent, threshold)
    area: dict[str, str] = field(default_factory=dict)  # node -> its area (itself for an area)
    children: dict[str, list[str]] = field(default_factory=dict)  # area -> its subtopics, in order
    yields: frozenset[str] = frozenset()  # nodes whose evidence alone yields to another area
    # nodes whose evidence alone yields only to the nodes named (yields: [ids]), when assigned
    yields_to: dict[str, frozenset[str]] = field(default_factory=dict)
    yielding: frozenset[str] = frozenset()  # the areas that hold a node of either kind (or are one)
    # subtopics dropped when a sibling their yields list names is assigned (weight-only PTQ
    # beside weight-activation quantization: SmoothQuant's post-training terms)
    yields_sibling: dict[str, frozenset[str]] = field(default_factory=dict)
    _cands: dict[str, list[int]] = field(default_factory=dict)
    term_rules: list[tuple[tuple[str, float], ...]] = field(default_factory=list)  # per term: (node, weight)
    _hot: dict[str, _Plan] = field(default_factory=dict)  # tokens that start some term
    _seen: set[str] = field(default_factory=set)  # tokens whose candidates are known

    _term_points: tuple[list, list] | None = field(default=None, repr=False, compare=False)
    _matcher: list = field(default_factory=list, repr=False, compare=False)

    def matcher(self) -> Any:
        """An automaton of these rules' terms alone (:mod:`efmcat.fastmatch`, ~10 ms to
        build, at first use), or None without pyahocorasick."""
        if not self._matcher:
            from efmcat import fastmatch

            self._matcher.append(fastmatch.build(self, {}, {}))
        return self._matcher[0]

    def term_points(self) -> tuple[list[tuple[tuple[str, float], ...]], list[tuple]]:
        """Per term its (node, points) in the title (weight x TITLE_WEIGHT), and per term and
        number of abstract matches (1 to ABSTRACT_REPEATS + 1; index 0 unused) its (node,
        points) in the abstract: the products :func:`points_of` sums, made once."""
        if self._term_points is None:
            factors = [_abstract_factor(n) for n in range(1, ABSTRACT_REPEATS + 2)]
            title = [tuple((node, w * TITLE_WEIGHT) for node, w in rules) for rules in self.term_rules]
            abstract = [
                ((), *(tuple((node, w * f) for node, w in rules) for f in factors))
                for rules in self.term_rules
            ]
            self._term_points = (title, abstract)
        return self._term_points

    def candidates(self, tok: str) -> list[int]:
        found = self._cands.get(tok)
        if found is None:
            found = list(self.exact.get(tok, ()))
            for n in self.prefix_lengths:
                if n <= len(tok):
                    found.extend(self.prefix.get(tok[:n], ()))
            if len(self._cands) < 200_000:
                self._cands[tok] = found
        return found

    def _plan(self, found: list[int]) -> _Plan:
        """A starting token's candidate terms, as (rank, term index[, key]) by how they match:
        one-word terms, longer terms by their exact second word, longer terms with a prefix second word."""
        singles: list[tuple[int, int]] = []
        by_second: dict[str, list[tuple[int, int, tuple]]] = {}
        loose: list[tuple[int, int, tuple]] = []
        for rank, ti in enumerate(found):
            key = self.terms[ti][0]
            if len(key) == 1:
                singles.append((rank, ti))
            elif key[1][1]:
                loose.append((rank, ti, key))
            else:
                by_second.setdefault(key[1][0], []).append((rank, ti, key))
        return tuple(singles), by_second, tuple(loose)

    def starters(self, toks: Sequence[str]) -> dict[str, _Plan]:
        """The tokens of ``toks`` that start some term, with their candidate terms."""
        hot = self._hot
        seen = self._seen
        if seen.issuperset(toks):
            return hot
        new = set(toks) - seen
        local = None  # only once the caches are full: this paper's starters beside them
        for tok in new:
            found = self.candidates(tok)
            plan = self._plan(found) if found else None
            if len(seen) < 200_000:
                seen.add(tok)
                if plan is not None:
                    hot[tok] = plan
            elif plan is not None:
                if local is None:
                    local = dict(hot)
                local[tok] = plan
        return hot if local is None else local


_Plan = tuple  # (singles, by_second, loose): see Compiled._plan


def _prefilter(pattern: str) -> re.Pattern[str] | None:
    """A case-sensitive regular expression that matches a text's lowered form wherever the
    case-insensitive ``pattern`` matches the text (a necessary condition, cheap to test), or
    None.

    Python's ``re`` scans for a pattern's literal first letter at C speed only when matching
    case-sensitively; ``\\bw\\d{1,2}a\\d{1,2}\\b`` case-insensitively costs ~20 us per
    abstract, ``w\\d`` on the lowered text ~1 us. Built from the pattern's leading letters
    and digit classes (after any anchors): ASCII letters and digits, lowered, a letter with
    extra case forms as the class of them lowered (``s`` also matches ``ſ`` and ``i`` ``ı``
    case-insensitively, which lowering keeps: ``[sſ]``, ``[iı]``), and ``\\d`` (digits have
    no case). Without those classes, "sparse ... attention" and "training ... billion" had
    none, and their case-insensitive scans of every abstract halved the tagger's speed."""
    try:  # re's private parser: where it is not (Python 3.10) or looks otherwise, no prefilter
        from re import _casefix, _constants, _parser

        items = list(_parser.parse(pattern, re.IGNORECASE))
        extra_cases = _casefix._EXTRA_CASES
    except Exception:
        return None
    digit = [(_constants.IN, [(_constants.CATEGORY, _constants.CATEGORY_DIGIT)])]
    parts: list[str] = []
    for op, av in items:
        if op is _constants.AT and not parts:
            continue
        if op is _constants.LITERAL:
            ch = chr(av).lower()
            forms = [chr(x).lower() for x in extra_cases.get(ord(ch), ())]
            # each form one character lowered, as _matches' positions need
            if ch.isascii() and ch.isalnum() and all(len(f) == 1 for f in forms):
                parts.append(f"[{ch}{''.join(forms)}]" if forms else ch)
                continue
        elif op is _constants.IN and [(op, av)] == digit:
            parts.append(r"\d")
            continue
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and av[0] >= 1 and list(av[2]) == digit:
            parts.append(r"\d")  # at least one digit, then an unknown number: the prefilter ends
        break
    return re.compile("".join(parts)) if len(parts) >= 2 else None


def compile_rules(taxonomy: Taxonomy) -> Compiled:
    """The compiled rules of ``taxonomy`` (cached on the taxonomy object)."""
    cached = getattr(taxonomy, "_tagger_compiled", None)
    if cached is not None:
        return cached
    c = Compiled()
    term_index: dict[tuple[tuple[str, bool], ...], int] = {}
    pattern_index: dict[str, int] = {}
    for node in taxonomy:
        c.order.append(node.id)
        c.parent[node.id] = node.parent
        rules = node.rules or {}
        c.thresholds[node.id] = float(rules.get("threshold", DEFAULT_THRESHOLD))
        seen: set[tuple[str, tuple[tuple[str, bool], ...]]] = set()
        for kind, sign in (("terms", 1.0), ("not", -1.0)):
            for text, weight in (rules.get(kind) or {}).items():
                key = tuple(_term_tokens(text))
                if (kind, key) in seen:  # "heavy hitter" and "heavy-hitter" are one rule
                    continue
                seen.add((kind, key))
                rid = len(c.rules)
                c.rules.append(_Rule(node.id, "term" if sign > 0 else "not", text, sign * float(weight)))
                if key not in term_index:
                    term_index[key] = len(c.terms)
                    c.terms.append((key, []))
                c.terms[term_index[key]][1].append(rid)
        for text, weight in (rules.get("patterns") or {}).items():
            rid = len(c.rules)
            c.rules.append(_Rule(node.id, "pattern", text, float(weight)))
            if text not in pattern_index:
                pattern_index[text] = len(c.patterns)
                c.patterns.append((re.compile(text, re.IGNORECASE), [], _prefilter(text)))
            c.patterns[pattern_index[text]][1].append(rid)
        for cat, weight in (rules.get("categories") or {}).items():
            rid = len(c.rules)
            c.rules.append(_Rule(node.id, "category", cat, float(weight)))
            c.categories.setdefault(cat.lower(), []).append(rid)
    for ti, (key, _) in enumerate(c.terms):
        first, is_prefix = key[0]
        if is_prefix:
            c.prefix.setdefault(first, []).append(ti)
        else:
            c.exact.setdefault(first, []).append(ti)
    c.prefix_lengths = sorted({len(p) for p in c.prefix})
    c.rank = {n: i for i, n in enumerate(c.order)}
    c.info = {n: (c.parent[n], c.thresholds[n]) for n in c.order}
    c.area = {n: c.parent[n] or n for n in c.order}
    c.children = {n: [] for n in c.order if c.parent[n] is None}
    for n in c.order:
        if c.parent[n] is not None:
            c.children[c.parent[n]].append(n)
    c.yields = frozenset(n.id for n in taxonomy if (n.rules or {}).get("yields") is True)
    named = {
        n.id: frozenset(n.rules["yields"])
        for n in taxonomy
        if isinstance((n.rules or {}).get("yields"), list)
    }
    # a sibling named is settled apart (_without_yielding_siblings): the area-level weighing
    # (and its cost on every paper of the area) sees only the other nodes named
    siblings = {
        n: frozenset(t for t in to if None is not c.parent[n] == c.parent.get(t)) for n, to in named.items()
    }
    c.yields_sibling = {n: to for n, to in siblings.items() if to}
    c.yields_to = {n: to - siblings[n] for n, to in named.items() if to - siblings[n]}
    c.yielding = frozenset(c.area[n] for n in (*c.yields, *c.yields_to))
    c.term_rules = [tuple((c.rules[r].node, c.rules[r].weight) for r in rids) for _, rids in c.terms]
    taxonomy._tagger_compiled = c  # type: ignore[attr-defined]
    return c


# ---------------------------------------------------------------------------------
# Scoring


@dataclass
class Hit:
    """One rule that fired for a paper."""

    kind: str  # term, not, pattern, category
    rule: str
    weight: float
    where: str  # "title", "abstract x2", "title, abstract", "category"
    points: float


@dataclass
class NodeScore:
    node: str
    score: float
    threshold: float
    assigned: bool = False
    hits: list[Hit] = field(default_factory=list)
    from_subtopics: float = 0.0
    note: str = ""  # why a paper-level rule (settle) changed ``assigned``


def _count_terms(c: Compiled, toks: Sequence[str]) -> dict[int, int]:
    """Term index -> number of matches in ``toks``, counted in the order of trying each
    position and, at a position, each candidate term in turn (a test holds this equal to
    that plain loop): only positions whose token starts some term are visited, and longer
    terms are looked up by their second word."""
    counts: dict[int, int] = {}
    get = counts.get
    n = len(toks)
    plans = c.starters(toks)
    for i in compress(range(n), map(plans.__contains__, toks)):
        singles, by_second, loose = plans[toks[i]]
        extra = None
        if i + 1 < n and (by_second or loose):
            group = by_second.get(toks[i + 1])
            for entries in (group, loose) if group else (loose,):
                for rank, ti, key in entries:
                    k = len(key)
                    if i + k > n:
                        continue
                    for j in range(1, k):
                        want, is_prefix = key[j]
                        got = toks[i + j]
                        if not (got.startswith(want) if is_prefix else got == want):
                            break
                    else:
                        if extra is None:
                            extra = []
                        extra.append((rank, ti))
        if extra is not None:
            if singles:
                extra.extend(singles)
            if len(extra) > 1:
                extra.sort()
            for _, ti in extra:
                counts[ti] = get(ti, 0) + 1
        else:
            for _, ti in singles:
                counts[ti] = get(ti, 0) + 1
    return counts


def _field_hits(c: Compiled, text: str, toks: Sequence[str] | None = None) -> dict[int, int]:
    """Rule id -> number of matches in one field (``toks``: its tokens, if already known)."""
    out: dict[int, int] = {}
    if not text:
        return out
    for ti, k in _count_terms(c, tokens(text) if toks is None else toks).items():
        for rid in c.terms[ti][1]:
            out[rid] = k
    low = text.lower() if c.patterns else ""
    for pattern, rids, pre in c.patterns:
        found = _matches(pattern, pre, text, low)
        if found:
            for rid in rids:
                out[rid] = found
    return out


def _matches(pattern: re.Pattern[str], pre: re.Pattern[str] | None, text: str, low: str) -> int:
    """How many times ``pattern`` matches ``text`` (as ``findall`` counts them). With a
    prefilter, only where it matches the lowered text: every match starts where its
    leading letters do, and a case-insensitive scan of a whole abstract is slow in ``re``
    (~13 us) where a lowered literal's is not (a lowered text of another length: findall)."""
    if pre is None or len(low) != len(text):
        return len(pattern.findall(text)) if pre is None or pre.search(low) else 0
    count = pos = 0
    while (m := pre.search(low, pos)) is not None:
        hit = pattern.match(text, m.start())
        if hit is not None:
            count += 1
            pos = max(hit.end(), m.start() + 1)
        else:
            pos = m.start() + 1
    return count


def _abstract_factor(count: int) -> float:
    return ABSTRACT_WEIGHT + ABSTRACT_REPEAT * min(count - 1, ABSTRACT_REPEATS)


def score_paper(
    taxonomy: Taxonomy,
    title: str,
    abstract: str | None = None,
    categories: Iterable[str] = (),
    *,
    explain: bool = False,
) -> dict[str, NodeScore]:
    """Score every node that some rule fired for; ``assigned`` marks the tags to give."""
    c = compile_rules(taxonomy)
    in_title = _field_hits(c, title or "")
    in_abstract = _field_hits(c, abstract or "")
    title_points = _title_points(c, in_title)
    claimed = claimed_areas(c, title_points) if in_abstract else frozenset()
    own: dict[str, float] = {}
    hits: dict[str, list[Hit]] = {}
    for rid in sorted(set(in_title) | set(in_abstract)):
        rule = c.rules[rid]
        points = 0.0
        where = []
        if rid in in_title:
            points += rule.weight * TITLE_WEIGHT
            where.append("title")
        if rid in in_abstract:
            k = in_abstract[rid]
            f = _abstract_factor(k)
            if (c.parent[rule.node] or rule.node) not in claimed:
                f *= ABSTRACT_ALONE
                where.append(f"abstract x{k}, not in title" if k > 1 else "abstract, not in title")
            else:
                where.append(f"abstract x{k}" if k > 1 else "abstract")
            points += rule.weight * f
        own[rule.node] = own.get(rule.node, 0.0) + points
        if explain:
            hits.setdefault(rule.node, []).append(
                Hit(rule.kind, rule.text, rule.weight, ", ".join(where), points)
            )
    for cat in dict.fromkeys(x.lower() for x in categories):
        for rid in c.categories.get(cat, ()):
            rule = c.rules[rid]
            own[rule.node] = own.get(rule.node, 0.0) + rule.weight
            if explain:
                hits.setdefault(rule.node, []).append(
                    Hit("category", rule.text, rule.weight, "category", rule.weight)
                )

    out: dict[str, NodeScore] = {}
    for node, score in own.items():
        out[node] = NodeScore(node, score, c.thresholds[node], hits=hits.get(node, []))
    # Subtopics first, then areas with a share of their subtopics' positive evidence.
    for node, ns in out.items():
        if c.parent[node] is not None:
            ns.assigned = ns.score >= ns.threshold
    for node, ns in list(out.items()):
        parent = c.parent[node]
        if parent is not None and ns.score > 0:
            area = out.get(parent)
            if area is None:
                area = out[parent] = NodeScore(parent, 0.0, c.thresholds[parent])
            area.from_subtopics += CHILD_SHARE * ns.score
    for node, ns in out.items():
        if c.parent[node] is None:
            ns.score += ns.from_subtopics
            ns.assigned = ns.score >= ns.threshold
    for node, ns in out.items():
        parent = c.parent[node]
        if ns.assigned and parent is not None:
            out[parent].assigned = True
    rank = c.rank
    out = {n: out[n] for n in sorted(out, key=rank.__getitem__)}
    ruled = {n: ns.score for n, ns in out.items() if ns.assigned}
    settled = settle(c, own, ruled, title_points)
    if settled.keys() != ruled.keys():
        _note_settled(c, own, out, settled)
    return out


def _note_settled(
    c: Compiled, own: dict[str, float], out: dict[str, NodeScore], settled: dict[str, float]
) -> None:
    """Mark in ``out`` what :func:`settle` changed, and why."""
    held = ", ".join(n for n in settled if c.parent[n] is None)
    ruled = {n for n, ns in out.items() if ns.assigned}
    scored = {n: ns.score for n, ns in out.items() if ns.assigned}
    drop = _yielded(c, ruled)
    for node, ns in out.items():
        if node in settled and not ns.assigned:
            ns.assigned = True
            ns.note = f"the title's best evidence: no node reaches its threshold, and {FALLBACK_SHARE:g} of it is enough"
        elif (
            ns.assigned
            and node not in settled
            and (over := [t for t in _outscored_by(c, node, scored) if t in settled])
        ):
            ns.assigned = False
            ns.note = f"yields to {', '.join(over)}, assigned beside it with a score as high"
        elif ns.assigned and node not in settled:
            area = c.area[node]
            weak = [
                f"{n}'s own terms" if n == area else n
                for n in (area, *c.children[area])
                if n in drop and own.get(n, 0.0) > 0
            ]
            ns.assigned = False
            ns.note = f"yields to {held}: it stands only on {', '.join(weak)}"


def _title_points(c: Compiled, in_title: dict[int, int]) -> dict[str, float]:
    """Node -> points of the title's rule hits (rule id -> matches), summed in rule order as
    :func:`_field_points` sums them."""
    t: dict[str, float] = {}
    for rid in sorted(in_title):
        rule = c.rules[rid]
        t[rule.node] = t.get(rule.node, 0.0) + rule.weight * TITLE_WEIGHT
    return t


def claimed_areas(c: Compiled, t: dict[str, float]) -> frozenset[str]:
    """The areas the title's points ``t`` (node -> points) give positive evidence for."""
    return frozenset(n for n, v in area_scores(c, t).items() if v > 0) if t else frozenset()


def abstract_claims(c: Compiled, t: dict[str, float], a: dict[str, float]) -> dict[str, float]:
    """The abstract's points ``a`` as they count beside the title's points ``t``: those of an
    area (or its subtopics) the title gives no positive evidence for count ABSTRACT_ALONE.

    An abstract names much in passing (the GPU it ran on, the attention it keeps, the kernel
    it ships); what the title claims, the abstract confirms in full."""
    return discounted(c, a, claimed_areas(c, t)) if a else a


def discounted(c: Compiled, a: dict[str, float], claimed: frozenset[str]) -> dict[str, float]:
    """The abstract's points ``a`` beside a title that claims the areas ``claimed``
    (:func:`claimed_areas`): see :func:`abstract_claims`."""
    if not claimed:
        return {node: v * ABSTRACT_ALONE for node, v in a.items()}
    area = c.area
    return {node: v if area[node] in claimed else v * ABSTRACT_ALONE for node, v in a.items()}


def _own_scores(
    c: Compiled, title: str, abstract: str | None, categories: Iterable[str]
) -> tuple[dict[str, float], dict[str, float]]:
    """Each node's own rule score (what score_paper computes before areas are resolved), and
    the title's points alone."""
    t, a, k = field_scores(c, title, abstract, categories)
    return _merge(t, a, k), t


def field_scores(
    c: Compiled,
    title: str,
    abstract: str | None,
    categories: Iterable[str],
    title_tokens: Sequence[str] | None = None,
    abstract_tokens: Sequence[str] | None = None,
) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    """Each node's own rule points from the title, from the abstract (as they count beside
    the title: :func:`abstract_claims`) and from the categories.

    The points of :func:`_field_hits`' matches, summed in the same order, without building
    the per-rule table."""
    t = _field_points(c, title or "", title_tokens, None)
    a = abstract_claims(c, t, _field_points(c, abstract or "", abstract_tokens, _abstract_factor))
    return t, a, category_points(c, categories)


def category_points(c: Compiled, categories: Iterable[str]) -> dict[str, float]:
    """Node -> points of the paper's arXiv categories (each category once)."""
    rules = c.rules
    k: dict[str, float] = {}
    for cat in dict.fromkeys(x.lower() for x in categories):
        for rid in c.categories.get(cat, ()):
            rule = rules[rid]
            k[rule.node] = k.get(rule.node, 0.0) + rule.weight
    return k


def _field_points(
    c: Compiled, text: str, toks: Sequence[str] | None, factor: Callable[[int], float] | None
) -> dict[str, float]:
    """Node -> points of one field's rule matches (``factor``: of the match count; None: the title's)."""
    if not text:
        return {}
    return points_of(c, text, _count_terms(c, tokens(text) if toks is None else toks), factor)


def points_of(
    c: Compiled,
    text: str,
    counts: dict[int, int],
    factor: Callable[[int], float] | None,
    low: str | None = None,
) -> dict[str, float]:
    """Node -> points of one field: its term counts (term index -> matches) and its patterns
    (``low``: the text lowered, if known).

    A term's points in the title and in the abstract (by its number of matches, which
    counts up to ABSTRACT_REPEATS + 1) are multiplied out once per taxonomy
    (:meth:`Compiled.term_points`): the same products, summed in the same order."""
    out: dict[str, float] = {}
    get = out.get
    if factor is None or factor is _abstract_factor:
        title, abstract = c.term_points()
        if factor is None:
            for ti in sorted(
                counts
            ):  # in term order, so that the sums do not depend on how terms were counted
                for node, p in title[ti]:
                    out[node] = get(node, 0.0) + p
        else:
            top = ABSTRACT_REPEATS + 1
            for ti in sorted(counts):
                n = counts[ti]
                for node, p in abstract[ti][n if n < top else top]:
                    out[node] = get(node, 0.0) + p
    else:
        term_rules = c.term_rules
        for ti in sorted(counts):
            f = factor(counts[ti])
            for node, weight in term_rules[ti]:
                out[node] = get(node, 0.0) + weight * f
    if c.patterns:
        rules = c.rules
        if low is None:
            low = text.lower()
        for pattern, rids, pre in c.patterns:
            found = _matches(pattern, pre, text, low)
            if found:
                f = TITLE_WEIGHT if factor is None else factor(found)
                for rid in rids:
                    rule = rules[rid]
                    out[rule.node] = get(rule.node, 0.0) + rule.weight * f
    return out


def area_scores(c: Compiled, own: dict[str, float]) -> dict[str, float]:
    """Each area's rule score: its own points plus a share of its subtopics' positive points."""
    out: dict[str, float] = {}
    parent = c.parent
    for node, sc in own.items():
        p = parent[node]
        if p is None:
            out[node] = out.get(node, 0.0) + sc
        elif sc > 0:
            out[p] = out.get(p, 0.0) + CHILD_SHARE * sc
    return out


def decide(c: Compiled, own: dict[str, float], title: dict[str, float] | None = None) -> dict[str, float]:
    """The nodes the rules assign from each node's own points, with their (rounded) scores
    (``title``: the title's points, for :func:`settle`; None: ``own``)."""
    info = c.info
    score = dict(own)
    get = score.get
    assigned: list[str] = []
    areas: list[str] = []
    for node, sc in own.items():
        p, threshold = info[node]
        if p is None:
            areas.append(node)
        else:
            if sc >= threshold:
                assigned += (node, p)
            if sc > 0:
                score[p] = get(p, 0.0) + CHILD_SHARE * sc
                areas.append(p)
    return decided(c, own, score, assigned, areas, title)


def decided(
    c: Compiled,
    own: dict[str, float],
    score: dict[str, float],
    assigned: list[str],
    areas: Iterable[str],
    title: dict[str, float] | None,
    rounded: Callable[[float], float] | None = None,
) -> dict[str, float]:
    """:func:`decide`'s second pass, from its first: ``score`` (each node's own points, an
    area's with its subtopics' share), ``assigned`` (the subtopics that reach their
    threshold, each with its area) and ``areas`` (the areas in ``score``, each at least
    once). Adds the areas whose score reaches their threshold, then gives the assigned
    nodes in taxonomy order with their rounded scores, settled (:func:`settle`);
    ``rounded``: round to 3 places (None: :func:`round`)."""
    thresholds = c.thresholds
    chosen = set(assigned)
    for node in areas:
        if score[node] >= thresholds[node]:
            chosen.add(node)
    ordered = sorted(chosen, key=c.rank.__getitem__)
    ruled = (
        {n: round(score[n], 3) for n in ordered}
        if rounded is None
        else {n: rounded(score[n]) for n in ordered}
    )
    return settle(c, own, ruled, title)


def settle(
    c: Compiled, own: dict[str, float], ruled: dict[str, float], title: dict[str, float] | None = None
) -> dict[str, float]:
    """The rules' decisions ``ruled`` (node -> score, from each node's ``own`` points) after the
    two rules that weigh a paper's areas against each other:

    - **the title's best evidence**: a paper no node reaches its threshold for takes the
      area its ``title`` points (None: ``own``) give the highest score for its threshold,
      when that reaches FALLBACK_SHARE of it (the abstract alone does not: it names much in
      passing), scored as the area's rules score it;
    - **yielding**: an area that stands only on nodes marked ``yields`` (memory on serving
      alone) is dropped when the paper has an area that stands without them. Serving says
      where a method runs: a MoE serving system is sparsification, LoRA serving fine-tuning.
      A node marked ``yields: [ids]`` yields so only when one of those nodes is assigned:
      long context is the setting of a prompt-compression method, not its area."""
    if not ruled:
        best = best_evidence(c, own if title is None else title)
        return {} if best is None else {best: round(area_scores(c, own).get(best, 0.0), 3)}
    if not c.yielding.isdisjoint(ruled):
        drop = _yielded(c, ruled)
        weak = {a for a in ruled if a in c.yielding and not _stands(c, own, a, drop)}
        parent = c.parent
        if weak and not all(n in weak for n in ruled if parent[n] is None):
            ruled = {n: v for n, v in ruled.items() if n not in weak and parent[n] not in weak}
    return _without_yielding_siblings(c, ruled)


def _without_yielding_siblings(c: Compiled, ruled: dict[str, float]) -> dict[str, float]:
    """``ruled`` less each subtopic marked ``yields: [ids]`` beside a named sibling assigned
    with a score as high (:func:`_outscored_by`): W8A8 is weight-activation quantization,
    though it is post-training; a weight quantizer that names activation outliers in
    passing keeps its own subtopic."""
    if not c.yields_sibling or c.yields_sibling.keys().isdisjoint(ruled):
        return ruled
    return {n: v for n, v in ruled.items() if not _outscored_by(c, n, ruled)}


def _outscored_by(c: Compiled, node: str, ruled: dict[str, float]) -> list[str]:
    """The siblings ``node`` yields to that ``ruled`` assigns with at least its score (to the
    3 decimals scores are kept at, so rule_tags and score_paper, one rounded, agree)."""
    own = round(ruled.get(node, 0.0), 3)
    return sorted(t for t in c.yields_sibling.get(node, ()) if t in ruled and round(ruled[t], 3) >= own)


def best_evidence(c: Compiled, points: dict[str, float]) -> str | None:
    """The area ``points`` (node -> points) give the highest score for its threshold, if at
    least FALLBACK_SHARE of it (the first in taxonomy order on a tie)."""
    if not points:
        return None
    area = area_scores(c, points)
    best, top = None, FALLBACK_SHARE
    for node in c.order:
        if node in area and c.parent[node] is None:
            share = area[node] / c.thresholds[node]
            if share > top or (best is None and share == top):
                best, top = node, share
    return best


def _yielded(c: Compiled, ruled: Iterable[str]) -> frozenset[str]:
    """The nodes whose evidence yields beside the assigned nodes ``ruled``: those marked
    ``yields: true``, and those marked ``yields: [ids]`` when one of the ids is assigned."""
    if not c.yields_to:
        return c.yields
    targeted = [n for n, to in c.yields_to.items() if not to.isdisjoint(ruled)]
    return c.yields.union(targeted) if targeted else c.yields


def _stands(c: Compiled, own: dict[str, float], area: str, yields: frozenset[str]) -> bool:
    """Whether ``area`` reaches its threshold (or a subtopic reaches its own) without the
    evidence of the nodes ``yields`` (:func:`_yielded`)."""
    score = 0.0 if area in yields else own.get(area, 0.0)
    for child in c.children[area]:
        v = own.get(child, 0.0)
        if child in yields or v <= 0:
            continue
        if v >= c.thresholds[child]:
            return True
        score += CHILD_SHARE * v
    return score >= c.thresholds[area]


def rule_tags(
    taxonomy: Taxonomy, title: str, abstract: str | None = None, categories: Iterable[str] = ()
) -> dict[str, float]:
    """The nodes the rules alone assign, with their (rounded) scores.

    The same decisions as :func:`score_paper` (a test holds them equal) without building
    explanations; each field scanned once by the rules' automaton (:meth:`Compiled.matcher`),
    or token by token without pyahocorasick (a test holds the two equal)."""
    c = compile_rules(taxonomy)
    m = c.matcher()
    if m is None:
        own, t = _own_scores(c, title, abstract, categories)
        return decide(c, own, t)
    t = {}
    if title:
        counts, _, low = m.title(title)
        t = points_of(c, title, counts, None, low)
    a = scanned_abstract(c, m, abstract, claimed_areas(c, t))[0] if abstract else {}
    return decide(c, _merge(t, a, category_points(c, categories)), t)


def scanned_abstract(
    c: Compiled, m: Any, abstract: str, claimed: frozenset[str]
) -> tuple[dict[str, float], dict]:
    """(node -> the abstract's points beside a title that claims the areas ``claimed``
    (:func:`discounted`), the abstract's known words and pairs) through the automaton ``m``
    (:mod:`efmcat.fastmatch`)."""
    counts, features, low = m.abstract(abstract)
    return discounted(c, points_of(c, abstract, counts, _abstract_factor, low), claimed), features


def _merge(*parts: dict[str, float]) -> dict[str, float]:
    """The sum of node points ``parts``, added in order: each node's points in the order
    of the parts, the nodes in order of first appearance (a test holds it equal to adding
    each part's points one by one). Dict union copies the nodes of one part only at C
    speed; only the few nodes of two parts are added here."""
    out = parts[0]
    for part in parts[1:]:
        if part:
            both = out.keys() & part.keys()
            merged = out | part
            for n in both:
                merged[n] = out[n] + part[n]
            out = merged
    return dict(out) if out is parts[0] else out


SHIPPED = "shipped"


def auto_tags(
    taxonomy: Taxonomy,
    title: str,
    abstract: str | None = None,
    categories: Iterable[str] = (),
    *,
    model: Any = SHIPPED,
) -> dict[str, float]:
    """The nodes the tagger assigns, with their scores: the hot path of tagging on import.

    ``model`` is a :class:`efmcat.model.Model` (``SHIPPED``: the one shipped with efmcat;
    None: rules alone). The model decides the areas it was trained for under the same
    rules; other nodes (a user's new areas) are decided by the rules."""
    if isinstance(model, str):
        from efmcat.model import shipped_model

        model = shipped_model()
    if model is None:
        return rule_tags(taxonomy, title, abstract, categories)
    return model.tags(taxonomy, title, abstract, categories)


def _taxonomy(taxonomy: Taxonomy | None) -> Taxonomy:
    if taxonomy is not None:
        return taxonomy
    from efmcat.taxonomy import load_taxonomy

    return load_taxonomy()


def tagger_model(catalog: Catalog) -> Any:
    """The model that tags this catalog's papers: its own (``efmcat train``), else the shipped one."""
    from efmcat.model import catalog_model

    return catalog_model(catalog)


def _paper_auto_tags(
    catalog: Catalog, paper_id: str, taxonomy: Taxonomy, rows: list[dict], model: Any = None
) -> dict[str, float]:
    return _auto_tags_of(catalog.get_paper(paper_id), taxonomy, rows, model)


def _auto_tags_of(paper: Any, taxonomy: Taxonomy, rows: list[dict], model: Any = None) -> dict[str, float]:
    scores = auto_tags(taxonomy, paper.title, paper.abstract, paper.categories, model=model)
    # A manual removal of an area also keeps the tagger away from its subtopics.
    removed_areas = {r["node"] for r in rows if r["origin"] == "manual" and r["removed"]}
    if removed_areas:
        scores = {
            n: s
            for n, s in scores.items()
            if n not in removed_areas and not (set(taxonomy.ancestors(n)) & removed_areas)
        }
    return scores


@dataclass
class TagChange:
    paper_id: str
    added: list[str]
    removed: list[str]


CATALOG = "catalog"


def tag_papers(
    catalog: Catalog,
    ids: Iterable[str],
    taxonomy: Taxonomy | None = None,
    *,
    dry_run: bool = False,
    model: Any = CATALOG,
    progress: Callable[[int, int | None], None] | None = None,
    total: int | None = None,
) -> list[TagChange]:
    """(Re-)run the tagger over papers: their auto tags become exactly what the tagger assigns.

    ``model``: the catalog's model (default; see :func:`tagger_model`), a Model, or None for
    the rules alone. Curated and manual decisions are never touched. Returns the change in
    effective tags of each paper whose tags change; ``dry_run`` computes the changes
    without writing. Papers are read a page at a time (``ids`` may be a stream), their tags
    in bulk; ``progress(papers done, total)`` is called after each page."""
    from itertools import islice

    from efmcat.catalog import AutoTagWrites
    from efmcat.errors import no_paper

    taxonomy = _taxonomy(taxonomy)
    if isinstance(model, str):
        model = tagger_model(catalog)
    changes: list[TagChange] = []
    done = 0
    it = iter(ids)
    with catalog.dry_run() if dry_run else catalog.transaction():  # a dry run changes nothing of the file
        while page := list(islice(it, PAGE)):
            chunk = list(dict.fromkeys(page))  # a paper named twice is tagged once
            papers = catalog.texts_by_ids(chunk)
            rows_of = catalog.tag_rows_of(list(papers))
            writes = AutoTagWrites()
            for pid in chunk:
                if pid not in papers:
                    raise no_paper(pid)
                rows = rows_of.get(pid, [])
                scores = _auto_tags_of(papers[pid], taxonomy, rows, model)
                change = writes.plan(pid, rows, scores)  # no writes when the tags stand as they are
                if change["added"] or change["removed"]:
                    changes.append(
                        TagChange(pid, taxonomy.order(change["added"]), taxonomy.order(change["removed"]))
                    )
            if not dry_run:
                catalog.write_auto_tags(writes)
            done += len(page)
            if progress:
                progress(done, total)
    return changes


PAGE = 500  # papers tagged per page (read together, their tags in bulk)


def retag(
    catalog: Catalog,
    ids: Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    taxonomy: Taxonomy | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> tuple[int, list[TagChange]]:
    """Re-run the tagger over ``ids`` (every paper when None): (papers seen, changes).

    Every paper is read a page at a time in id order, so memory does not grow with the
    catalog (only with the changes reported)."""
    if ids is None:
        total = catalog.count()
        changes = tag_papers(
            catalog, _all_ids(catalog), taxonomy, dry_run=dry_run, progress=progress, total=total
        )
        return total, changes
    ids = list(dict.fromkeys(catalog.pasted_id(i) for i in ids))  # a paper named twice is tagged once
    return len(ids), tag_papers(catalog, ids, taxonomy, dry_run=dry_run, progress=progress, total=len(ids))


def _all_ids(catalog: Catalog, page: int = 1000) -> Iterator[str]:
    """Every paper id in id order, read a page at a time (the unique index on id)."""
    rows = catalog.conn.execute("SELECT id FROM papers ORDER BY id LIMIT ?", (page,)).fetchall()
    while rows:
        for r in rows:
            yield r[0]
        rows = catalog.conn.execute(
            "SELECT id FROM papers WHERE id > ? ORDER BY id LIMIT ?", (rows[-1][0], page)
        ).fetchall()


def manual_scores(taxonomy: Taxonomy, nodes: Sequence[str]) -> dict[str, float]:
    """``--tag`` nodes (checked: UnknownNodeError) with the areas they imply, as manual tag
    scores: 1.0 for what the user named, IMPLIED for what it implies."""
    named = {taxonomy.get(n).id for n in nodes}
    return {n: 1.0 if n in named else IMPLIED for n in taxonomy.with_ancestors(named)}


@dataclass
class HandTagged:
    """What ``tag`` did: the nodes newly on the paper, and of the nodes named that it
    already had, those the tagger had given (now the user's), those a subtopic the user
    tagged implied (now named), and those a curator or the user had (left as they are)."""

    paper: str
    added: list[str]
    made_manual: list[str]  # were the tagger's
    kept: list[str]
    named: list[str] = field(default_factory=list)  # areas a tagged subtopic implied, now named


def tag_manually(
    catalog: Catalog, paper: str, nodes: Sequence[str], taxonomy: Taxonomy | None = None
) -> tuple[str, list[str]]:
    """Record manual tags (and the areas they imply): (paper id, nodes newly effective)."""
    done = tag_by_hand(catalog, paper, nodes, taxonomy)
    return done.paper, done.added


def tag_by_hand(
    catalog: Catalog, paper: str, nodes: Sequence[str], taxonomy: Taxonomy | None = None
) -> HandTagged:
    """Record manual tags (and the areas they imply), saying what changed (HandTagged)."""
    taxonomy = _taxonomy(taxonomy)
    wanted = [taxonomy.get(n).id for n in nodes]  # UnknownNodeError before any write
    pid = catalog.pasted_id(paper)
    made_manual: list[str] = []
    named: list[str] = []
    with catalog.transaction():
        rows = {r["node"]: r for r in catalog.tag_rows(pid)}
        before = {n for n, r in rows.items() if not r["removed"]}
        for node in wanted:
            for n in [node, *taxonomy.ancestors(node)]:
                row = rows.get(n)
                # an auto tag (of the node or of an area it implies) becomes a manual decision,
                # so that retag cannot take it away; curated and manual ones stay as they are,
                # but an implied area the user now names is theirs
                keep = row is not None and not row["removed"] and row["origin"] != "auto"
                if not keep or (n == node and implied(row)):
                    if n == node and n in before:
                        (named if implied(row) else made_manual).append(n)
                    score = catalog.set_tag(pid, n, "manual", 1.0 if n == node else IMPLIED)
                    rows[n] = {"node": n, "origin": "manual", "score": score, "removed": 0}
        after = {n for n, r in rows.items() if not r["removed"]}
    changed = set(made_manual) | set(named)
    return HandTagged(
        pid,
        taxonomy.order(after - before),
        taxonomy.order(made_manual),
        taxonomy.order(n for n in wanted if n in before and n not in changed),
        taxonomy.order(named),
    )


@dataclass
class HandUntagged:
    """What ``untag`` did: the nodes no longer on the paper, the nodes named that it did not
    have whose removal is now recorded (re-tagging will not give them), and those whose
    removal was recorded already."""

    paper: str
    removed: list[str]
    recorded: list[str]
    already: list[str]


def untag_manually(
    catalog: Catalog, paper: str, nodes: Sequence[str], taxonomy: Taxonomy | None = None
) -> tuple[str, list[str]]:
    """Record manual removals: (paper id, nodes no longer effective).

    Removing an area also removes its subtopics present on the paper; the removal is
    remembered, so re-tagging never brings the tags back."""
    done = untag_by_hand(catalog, paper, nodes, taxonomy)
    return done.paper, done.removed


def untag_by_hand(
    catalog: Catalog, paper: str, nodes: Sequence[str], taxonomy: Taxonomy | None = None
) -> HandUntagged:
    """Record manual removals (see untag_manually), saying what changed (HandUntagged)."""
    taxonomy = _taxonomy(taxonomy)
    wanted = [taxonomy.get(n).id for n in nodes]
    pid = catalog.pasted_id(paper)
    recorded: list[str] = []
    already: list[str] = []
    with catalog.transaction():
        rows = {r["node"]: r for r in catalog.tag_rows(pid)}
        before = {n for n, r in rows.items() if not r["removed"]}
        for node in wanted:
            for n in taxonomy.descendants(node):
                row = rows.get(n)
                present = row is not None and not row["removed"]
                done = row is not None and row["origin"] == "manual" and row["removed"]
                if n == node and done:
                    already.append(n)
                if (n == node or present) and not done:
                    if n == node and not present:
                        recorded.append(n)
                    catalog.set_tag(pid, n, "manual", None, removed=True)
                    rows[n] = {"node": n, "origin": "manual", "score": None, "removed": 1}
        _release_implied(catalog, pid, rows, {a for n in wanted for a in taxonomy.ancestors(n)}, taxonomy)
        after = {n for n, r in rows.items() if not r["removed"]}
    return HandUntagged(
        pid,
        taxonomy.order(before - after),
        taxonomy.order(dict.fromkeys(recorded)),
        taxonomy.order(dict.fromkeys(n for n in already if n not in recorded)),
    )


def _release_implied(
    catalog: Catalog, pid: str, rows: dict[str, dict], parents: set[str], taxonomy: Taxonomy
) -> None:
    """Parents a manual subtopic tag implied, and that no tag below them implies any more,
    go back to the tagger: tagged automatically if it gives them, else not at all (``tag``
    then ``untag`` of a subtopic leaves the paper as it was)."""

    def decided(row: dict | None) -> bool:  # a subtopic the user or a curator gave the paper
        return row is not None and not row["removed"] and row["origin"] != "auto"

    free = [
        a
        for a in taxonomy.order(parents)
        if implied(rows.get(a)) and not any(d != a and decided(rows.get(d)) for d in taxonomy.descendants(a))
    ]
    if not free:
        return
    text = catalog.texts_by_ids([pid])[pid]
    scores = _auto_tags_of(text, taxonomy, list(rows.values()), tagger_model(catalog))
    for a in free:
        removed_before = rows[a]["score"] == IMPLIED_OVER_REMOVAL
        catalog.drop_tag(pid, a)
        del rows[a]
        if removed_before:  # the user had removed it: removed again
            catalog.set_tag(pid, a, "manual", None, removed=True)
            rows[a] = {"node": a, "origin": "manual", "score": None, "removed": 1}
        elif a in scores:
            catalog.set_tag(pid, a, "auto", scores[a])
            rows[a] = {"node": a, "origin": "auto", "score": scores[a], "removed": 0}


@dataclass
class Explanation:
    paper_id: str
    title: str
    tags: list[dict[str, Any]]  # stored rows: node, origin, score, removed
    scores: list[NodeScore]
    model: list[Any] = field(default_factory=list)  # efmcat.model.AreaDecision per area the model decides
    model_source: str = ""  # "catalog" (efmcat train), "shipped", "out of field", or "" (rules alone)
    # where curated tags come from: each list heading that files the paper ("list: heading")
    curated_from: list[str] = field(default_factory=list)


def explain_paper(catalog: Catalog, paper: str, taxonomy: Taxonomy | None = None) -> Explanation:
    """Why a paper carries its tags: the stored rows, per area the model's score and its
    weightiest features, and per node the rules that fired."""
    from efmcat.model import META_KEY

    taxonomy = _taxonomy(taxonomy)
    pid = catalog.pasted_id(paper)
    p = catalog.get_paper(pid)
    scores = score_paper(taxonomy, p.title, p.abstract, p.categories, explain=True)
    rows = catalog.tag_rows(pid)
    rank = {n: i for i, n in enumerate(taxonomy.nodes)}
    rows.sort(key=lambda r: (rank.get(r["node"], len(rank)), r["node"]))
    model = tagger_model(catalog)
    decisions = [] if model is None else model.explain(taxonomy, p.title, p.abstract, p.categories)
    source = "" if model is None else ("catalog" if catalog.get_meta(META_KEY) else "shipped")
    if model is not None and not decisions and model.active(taxonomy):
        source = "out of field"  # hardly any evidence of the field: the rules decide
    curated_from: list[str] = []
    if any(r["origin"] == "curated" for r in rows):
        for src in catalog.sources_of(pid):
            heading = f"{src['source']}: {src['section']}" if src.get("section") else None
            if heading and heading not in curated_from:
                curated_from.append(heading)
    return Explanation(
        pid,
        p.title,
        rows,
        list(scores.values()),
        decisions,
        source if decisions or source == "out of field" else "",
        curated_from,
    )
