"""Bootstrap intervals of the accuracy figures: papers drawn again, the figure scored again."""

from __future__ import annotations

import json
import random

import pytest

from efmcat.bootstrap import f1, intervals, macro
from efmcat.evaluate import list_agreement
from efmcat.labels import ListPaper

TP, FP, FN = ("a", 1, 0, 0), ("a", 0, 1, 0), ("a", 0, 0, 1)


def _plain_bootstrap(papers, nodes, over, resamples, seed):
    """The statistic written the slow way: every paper drawn on its own."""
    rng = random.Random(seed)
    per_node = {n: [] for n in nodes}
    macros = []
    for _ in range(resamples):
        sums: dict[str, list[int]] = {}
        for paper in rng.choices(papers, k=len(papers)):
            for node, tp, fp, fn in paper:
                c = sums.setdefault(node, [0, 0, 0])
                c[0], c[1], c[2] = c[0] + tp, c[1] + fp, c[2] + fn
        scores = {}
        for node, (tp, fp, fn) in sums.items():
            if tp + fn:
                scores[node] = 2 * tp / (2 * tp + fp + fn)
        for node in nodes:
            if node in scores:
                per_node[node].append(scores[node])
        got = [scores[n] for n in over if n in scores]
        if got:
            macros.append(sum(got) / len(got))

    def middle(values):
        values = sorted(values)
        last = len(values) - 1
        return (values[round(0.025 * last)], values[round(0.975 * last)]) if values else None

    return middle(macros), {n: middle(v) for n, v in per_node.items()}


def test_intervals_are_those_of_drawing_every_paper_on_its_own():
    papers = sorted(
        [((TP[0], 1, 0, 0), ("b", 0, 0, 1))] * 7
        + [(FN,)] * 5
        + [(FP, ("b", 1, 0, 0))] * 3
        + [(("b", 2, 0, 0),)] * 2
        + [(("c", 0, 1, 0),)] * 4
        + [()] * 9
    )
    got = intervals(papers, ["a", "b", "c"], ["a", "b"], resamples=300, seed=5)
    want_macro, want_nodes = _plain_bootstrap(papers, ["a", "b", "c"], ["a", "b"], 300, 5)
    assert got.macro == want_macro
    assert got.nodes == want_nodes
    assert got.nodes["c"] is None  # c has no positive in any draw: no F1 to measure
    assert got.macro[0] < got.macro[1]


def test_the_defaults_are_the_readmes_1000_draws_of_seed_0():
    b = (("b", 0, 1, 0), FN)
    papers = sorted(
        [(TP,)] * 130 + [(FN,)] * 90 + [(FP,)] * 40 + [()] * 50 + [(("b", 1, 0, 0),)] * 17 + [b] * 17
    )
    got = intervals(papers, ["a", "b"], ["a", "b"])
    assert (got.macro, got.nodes) == _plain_bootstrap(papers, ["a", "b"], ["a", "b"], 1000, 0)
    # (papers chosen so that one draw more, or another seed, moves the macro interval)
    assert intervals(papers, ["a", "b"], ["a", "b"], seed=1).macro != got.macro
    assert intervals(papers, ["a", "b"], ["a", "b"], resamples=1001).macro != got.macro


def test_same_papers_same_interval_and_alike_papers_a_point():
    papers = [(TP,)] * 30 + [(FN,)] * 30
    assert intervals(papers, ["a"], ["a"]) == intervals(list(reversed(papers)), ["a"], ["a"])
    assert intervals([(TP,)] * 20, ["a"], ["a"]).macro == (1.0, 1.0)
    assert intervals([(FN,)] * 20, ["a"], ["a"]).nodes == {"a": (0.0, 0.0)}


def test_the_interval_holds_the_figure_and_narrows_with_more_papers():
    few = intervals([(TP,)] * 20 + [(FN,)] * 20, ["a"], ["a"]).macro
    many = intervals([(TP,)] * 500 + [(FN,)] * 500, ["a"], ["a"]).macro
    figure = f1(1, 0, 1)  # 2/3
    assert few[0] < many[0] < figure < many[1] < few[1]
    # about two standard deviations of a binomial share either side (0.5 +- 0.016)
    assert many == pytest.approx((2 * 0.469 / 1.469, 2 * 0.531 / 1.531), abs=0.01)


def test_a_figure_of_nothing_has_no_interval():
    assert intervals([], ["a"], ["a"]).macro is None
    assert intervals([(FP,)] * 5, ["a"], ["a"]).nodes == {"a": None}
    assert f1(0, 3, 0) is None and f1(0, 0, 2) == 0.0
    assert macro([None, 0.5, None, 1.0]) == 0.75 and macro([None]) is None


def test_a_paper_two_lists_file_is_drawn_as_one():
    papers = [
        ListPaper(
            "1", "Pruning large language models", lists={"x": ["sparsification"], "y": ["sparsification"]}
        ),
        ListPaper("2", "Quantizing large language models", lists={"x": ["quantization"]}),
    ]
    others, rules = list_agreement(papers)
    assert others.papers == 2  # one instance in each list
    assert others.counted == {"1": {"sparsification": [2, 0, 0]}}
    assert rules.counted == {"1": {"sparsification": [2, 0, 0]}}


def test_eval_prints_the_intervals(cli, tmp_path):
    rows = [
        {"id": "1", "title": "Pruning large language models", "labels": ["sparsification"]},
        {"id": "2", "title": "Quantizing large language models", "labels": ["quantization"]},
        {"id": "3", "title": "A study of birds", "labels": ["quantization"]},
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = cli("eval", str(path))
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    # a draw of paper 3 alone scores 0: quantization missed, no sparsification to measure
    assert lines[0] == f"{path} [title] 3 papers: macro-F1 0.833 (95% interval 0.000-1.000), micro-F1 0.800"
    assert lines[1] == "  sparsification   P 1.000  R 1.000  F1 1.000 [1.000-1.000]  (support 1, fp 0)"
    assert lines[2] == "  quantization     P 1.000  R 0.500  F1 0.667 [0.000-1.000]  (support 2, fp 0)"
    data = json.loads(cli("eval", str(path), "--json").stdout)[0]
    assert data["macro_f1_ci"] == [0.0, 1.0]
    assert data["areas"]["quantization"]["f1_ci"] == [0.0, 1.0]
    md = cli("eval", str(path), "--markdown").stdout.splitlines()
    assert md[0].endswith("| macro-F1 | 95% interval | micro-F1 |")
    assert md[1] == "|" + "---|" * 12  # a column each: set, fields, papers, six areas, three figures
    assert md[2].endswith("| **0.833** | 0.000-1.000 | 0.80 |")
    assert md[3].endswith("| 0 | n/a | n/a | n/a | n/a | n/a | n/a | **n/a** | n/a | n/a |")  # no abstracts


def test_the_json_gives_intervals_to_three_decimals():
    from efmcat.evaluate import AreaScore, EvalResult

    r = EvalResult("set", "title", 0, {"sparsification": AreaScore("sparsification")})
    for i in range(40):  # 2 of 3 papers right: F1s of draws are fractions of many digits
        r.counted[str(i)] = {"sparsification": [1, 0, 0] if i % 3 else [0, 0, 1]}
    lo, hi = r.intervals().macro
    assert round(lo, 4) != round(lo, 3) and round(hi, 4) != round(hi, 3)
    data = r.to_dict()
    assert data["macro_f1_ci"] == [round(lo, 3), round(hi, 3)]
    assert data["areas"]["sparsification"]["f1_ci"] == [round(lo, 3), round(hi, 3)]


def test_a_large_set_is_drawn_per_pattern_and_reads_as_the_draw_paper_by_paper():
    papers = [(TP,)] * 2500 + [(FN,)] * 1250 + [(FP, ("b", 1, 0, 0))] * 625 + [(("b", 0, 0, 1),)] * 625
    exact = intervals(papers, ["a", "b"], ["a", "b"])
    counted = intervals(papers, ["a", "b"], ["a", "b"], exact_up_to=0)
    assert exact != counted  # another way of drawing ...
    assert counted.macro == pytest.approx(exact.macro, abs=0.005)  # ... the same interval
    for node in ("a", "b"):
        assert counted.nodes[node] == pytest.approx(exact.nodes[node], abs=0.005)


def test_a_draw_per_pattern_holds_every_paper_once_drawn():
    from efmcat.bootstrap import _draw

    rng = random.Random(3)
    cum = [700, 705, 706, 1000]  # patterns of 700, 5, 1 and 294 papers
    draws = [_draw(rng, cum, exact=False) for _ in range(300)]
    assert all(sum(d.values()) == 1000 for d in draws)
    pairs = [_draw(rng, [1, 2], exact=False) for _ in range(100)]  # often one paper left for the last
    assert all(sum(d.values()) == 2 for d in pairs)
    mean = [sum(d[i] for d in draws) / 300 for i in range(4)]
    assert mean == pytest.approx([700, 5, 1, 294], rel=0.1, abs=0.3)


@pytest.mark.parametrize(("n", "p"), [(50, 0.1), (40, 0.9), (40, 0.5), (100_000, 0.3), (10, 0.0), (10, 1.0)])
def test_binomial_draws_have_the_binomials_mean_and_spread(n, p):
    from efmcat.bootstrap import _binomial

    rng = random.Random(5)
    xs = [_binomial(rng, n, p) for _ in range(4000)]
    assert all(0 <= x <= n for x in xs)
    mean = sum(xs) / len(xs)
    var = sum((x - mean) ** 2 for x in xs) / len(xs)
    assert mean == pytest.approx(n * p, rel=0.03, abs=0.05)
    assert var == pytest.approx(n * p * (1 - p), rel=0.1, abs=0.05)


def test_a_binomial_expected_small_is_drawn_exactly():
    """Binomial(50, 0.02) is 0 with probability 0.98**50 = 0.364; a normal approximation
    (mean 1, rounded, kept at 0 or more) would say 0.31."""
    from efmcat.bootstrap import _binomial

    rng = random.Random(7)
    zeros = sum(_binomial(rng, 50, 0.02) == 0 for _ in range(8000)) / 8000
    assert zeros == pytest.approx(0.98**50, abs=0.02)
