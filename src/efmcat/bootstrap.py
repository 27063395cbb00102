"""How far an accuracy figure can be trusted: percentile bootstrap intervals over papers.

A macro-F1 over a few hundred papers, with one area holding a single positive, moves a
lot if a handful of papers were different. The interval says how much: draw the scored
papers again with replacement (as many as there were), score each draw the way the figure
was scored, and keep the middle 95% of the figures. Papers are drawn, not (paper, list)
instances, so a paper two lists file moves as one (its instances are not independent).

Each paper's contribution is a tuple of (node, tp, fp, fn) counts; papers with the same
contribution are drawn as one pattern, so a draw costs one random number per paper and
work per distinct pattern. Past EXACT_UP_TO papers that would grow with the set (a second
per 10,000 papers), so a draw takes each pattern's count at once, from the binomial of the
papers left (the multinomial, one pattern after another): exactly where that count is
expected to be small, by its normal approximation where it is large. Deterministic: a
fixed seed gives the same interval every run.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

RESAMPLES = 1000
LEVEL = 0.95
SEED = 0
EXACT_UP_TO = 20_000  # papers drawn one by one up to this many; beyond, counts per pattern
SMALL_MEAN = 30  # a binomial count expected below this is drawn exactly

Contribution = tuple[tuple[str, int, int, int], ...]  # (node, tp, fp, fn), nodes sorted


@dataclass(frozen=True)
class Intervals:
    """The bootstrap intervals of one result: macro-F1's and each node's F1 ((low, high), or
    None where no draw had a positive to measure)."""

    macro: tuple[float, float] | None
    nodes: dict[str, tuple[float, float] | None]


def f1(tp: int, fp: int, fn: int) -> float | None:
    """F1 of counts; None without a positive (no recall to measure)."""
    if not tp + fn:
        return None
    return 2 * tp / (2 * tp + fp + fn)


def macro(f1s: Iterable[float | None]) -> float | None:
    """The mean of the F1s that exist (nodes with a positive), or None."""
    got = [x for x in f1s if x is not None]
    return sum(got) / len(got) if got else None


def _percentiles(values: list[float], level: float) -> tuple[float, float] | None:
    """The (low, high) percentiles holding ``level`` of ``values`` between them."""
    if not values:
        return None
    values.sort()
    tail = (1 - level) / 2
    last = len(values) - 1
    return values[round(tail * last)], values[round((1 - tail) * last)]


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """A draw of Binomial(n, p): exact (waiting times between successes) when few are
    expected, else the normal approximation, rounded and kept in 0..n."""
    if p <= 0 or n <= 0:
        return 0
    if p >= 1:
        return n
    if p > 0.5:
        return n - _binomial(rng, n, 1 - p)
    if n * p < SMALL_MEAN:
        log_q = math.log1p(-p)
        got = at = 0
        while True:
            at += int(math.log(1.0 - rng.random()) / log_q) + 1
            if at > n:
                return got
            got += 1
    x = round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))
    return min(n, max(0, x))


def _draw(rng: random.Random, cum: list[int], exact: bool) -> Counter[int]:
    """How many of the papers, drawn again with replacement as many times as there are,
    fall in each pattern (by index; ``cum``: the patterns' cumulative paper counts)."""
    n = cum[-1]
    if exact:
        return Counter(rng.choices(range(len(cum)), cum_weights=cum, k=n))
    got: Counter[int] = Counter()
    left, before = n, 0
    for i, upto in enumerate(cum):
        if left == 0:
            break
        w, mass = upto - before, n - before
        k = left if w == mass else _binomial(rng, left, w / mass)
        if k:
            got[i] = k
        left -= k
        before = upto
    return got


def intervals(
    contributions: Iterable[Contribution],
    nodes: Sequence[str],
    over: Sequence[str],
    *,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
    seed: int = SEED,
    exact_up_to: int = EXACT_UP_TO,
) -> Intervals:
    """Intervals of each of ``nodes``' F1 and of the macro-F1 over ``over``, from one
    contribution per scored paper (an empty one for a paper with nothing to count); papers
    are drawn one by one up to ``exact_up_to`` of them, else counted per pattern."""
    patterns: Mapping[Contribution, int] = Counter(contributions)
    keys = sorted(patterns)
    n = sum(patterns.values())
    node_values: dict[str, list[float]] = {x: [] for x in nodes}
    macro_values: list[float] = []
    if n:
        cum = list(itertools.accumulate(patterns[k] for k in keys))
        rng = random.Random(seed)
        exact = n <= exact_up_to
        wanted = set(nodes) | set(over)
        for _ in range(resamples):
            counts: dict[str, list[int]] = {}
            for i, times in _draw(rng, cum, exact).items():
                for node, tp, fp, fn in keys[i]:
                    if node in wanted:
                        c = counts.setdefault(node, [0, 0, 0])
                        c[0] += times * tp
                        c[1] += times * fp
                        c[2] += times * fn
            scores = {node: f1(*c) for node, c in counts.items()}
            for node in nodes:
                x = scores.get(node)
                if x is not None:
                    node_values[node].append(x)
            m = macro(scores.get(node) for node in over)
            if m is not None:
                macro_values.append(m)
    return Intervals(
        _percentiles(macro_values, level),
        {node: _percentiles(node_values[node], level) for node in nodes},
    )
