"""Precision, recall and F1 of the tagger against labelled papers, per area and macro.

Labelled sets are either JSONL (one object a line: id, title, labels, and optionally
abstract, categories and split, as written by tools/derive_labels.py) or a seeds YAML
file (curated ``tags`` of each paper, mapped to their areas). Papers are compared at
the area level: a subtopic counts as its area. Macro-F1 is the mean over the core areas
(the shipped taxonomy's six; a taxonomy file's own, or every area when it marks none core)
that have at least one labelled paper in the set (an area with no positives has no recall
to measure; the table says so).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from efmcat.bootstrap import Intervals, f1, intervals, macro
from efmcat.errors import ParseError, UsageError
from efmcat.inputs import read_text
from efmcat.labels import (
    label_node,
    load_labels,
    not_labelled,
    per_list,
    raw_labels,
    report_unknown,
    row_id,
    row_text,
    shipped_labels,
)
from efmcat.render import count
from efmcat.taxonomy import CORE_AREAS, Taxonomy, load_taxonomy

MODES = ("title", "title+abstract")


@dataclass
class Labelled:
    id: str
    title: str
    labels: set[str]
    abstract: str | None = None
    categories: list[str] = field(default_factory=list)
    split: str | None = None


def load_labelled(
    path: str | Path,
    taxonomy: Taxonomy | None = None,
    *,
    lookup: Callable[[str], Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[Labelled]:
    """Read a labelled set (JSONL or seeds YAML); labels become taxonomy areas.

    A paper none of whose rows has a title (no ``title``, null or blank: a list's row may
    name a paper by its id alone) takes its title, and its abstract and categories where the
    rows give none, from ``lookup(id)`` (a catalog's paper, or None). A paper left without a
    title cannot be tagged: it is left out, and ``progress`` hears how many were."""
    taxonomy = taxonomy or load_taxonomy()
    text, name = read_text(path, "labelled set")  # "-" is stdin, read as JSON lines (eval -)
    p = Path(name)
    out: list[Labelled] = []
    if p.suffix in (".yaml", ".yml"):
        from efmcat.formats.seeds import read_seeds

        _, papers = read_seeds(p)
        for sp in papers:
            nodes = (label_node(x, taxonomy) for x in sp.tags)
            out.append(
                Labelled(
                    sp.paper.id,
                    sp.paper.title,
                    {taxonomy.area_of(x) if x in taxonomy else x for x in nodes},
                    sp.paper.abstract or None,
                    list(sp.paper.categories),
                )
            )
    else:
        _read_jsonl(text, p, taxonomy, out)
    if not out:
        raise ParseError(f"{name}: no labelled paper: nothing to score")
    unknown = {x for paper in out for x in paper.labels if x not in taxonomy}
    if unknown:
        if progress:
            report_unknown(unknown, name, "not scored", taxonomy, progress)
        # a paper all of whose labels are unknown is no example of "no area": left out
        kept = []
        for paper in out:
            known = {x for x in paper.labels if x in taxonomy}
            if known or not paper.labels:
                paper.labels = known
                kept.append(paper)
        if not kept:
            raise ParseError(f"{name}: no paper has a label of the taxonomy: nothing to score")
        if progress and len(kept) < len(out):
            progress(f"{name}: {count(len(out) - len(kept), 'paper')} with only unknown labels left out")
        out = kept
    titled = []
    for paper in out:
        if paper.title or _looked_up(paper, lookup):  # fills an untitled paper's text
            titled.append(paper)
    if len(titled) < len(out):
        where = "here or in the catalog" if lookup is not None else "here"
        if not titled:
            raise ParseError(f"{name}: no paper has a title ({where}): nothing to score")
        if progress:
            missing = len(out) - len(titled)
            progress(f"{name}: {count(missing, 'paper')} with no title ({where}) left out")
    return titled


def _read_jsonl(text: str, p: Path, taxonomy: Taxonomy, out: list[Labelled]) -> None:
    """The rows of a JSONL labelled set into ``out``: a paper's rows (one per list section) join."""
    at: dict[str, int] = {}  # a paper's place in out: its rows (one per list section) join
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            title, abstract, categories = row_text(rec, need_title=False)
            nodes = (label_node(x, taxonomy) for x in _raw_labels(rec))
            labels = {taxonomy.area_of(x) if x in taxonomy else x for x in nodes}
            split = rec.get("split")  # compared as text: a file may number its splits
            split = None if split is None else str(split)
            paper = Labelled(row_id(rec), title.strip(), labels, abstract, categories, split)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise not_labelled(p, n, exc) from exc
        if paper.id in at:
            seen = out[at[paper.id]]
            seen.labels |= paper.labels
            seen.title = seen.title or paper.title
            seen.abstract = seen.abstract or paper.abstract
            seen.categories = seen.categories or paper.categories
        else:
            at[paper.id] = len(out)
            out.append(paper)


def _looked_up(paper: Labelled, lookup: Callable[[str], Any] | None) -> bool:
    """Fill an untitled paper's text from ``lookup`` (its abstract and categories only where
    its rows give none); whether it now has a title."""
    found = lookup(paper.id) if lookup is not None else None
    if found is None or not (found.title or "").strip():
        return False
    paper.title = found.title.strip()
    paper.abstract = paper.abstract or found.abstract or None
    paper.categories = paper.categories or list(found.categories or [])
    return True


def _raw_labels(rec: dict) -> list[str]:
    """A labelled row's labels: ``labels`` or ``areas`` (node ids, or a list's own spelling
    of them), or the union of a labels table's ``lists`` (list name -> node ids), so that
    ``data/labels.jsonl`` reads too."""
    if "labels" not in rec and "areas" not in rec and "lists" in rec:
        return [x for nodes in per_list(rec["lists"], "lists").values() for x in nodes]
    return raw_labels(rec)


@dataclass
class AreaScore:
    area: str
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.support if self.support else None

    @property
    def f1(self) -> float | None:
        return f1(self.tp, self.fp, self.fn)


@dataclass
class EvalResult:
    name: str
    mode: str
    papers: int
    areas: dict[str, AreaScore]
    errors: list[dict[str, Any]] = field(default_factory=list)

    over: tuple[str, ...] = CORE_AREAS  # the nodes macro- and micro-F1 are taken over
    # per scored paper, its counts per node: node -> [tp, fp, fn] (the bootstrap's draws)
    counted: dict[str, dict[str, list[int]]] = field(default_factory=dict, repr=False)

    @property
    def macro_f1(self) -> float | None:
        return macro(self.areas[a].f1 for a in self.over if a in self.areas)

    @property
    def micro_f1(self) -> float | None:
        """F1 over every (paper, node of ``over``) decision pooled: weighs nodes by their support."""
        core = [self.areas[a] for a in self.over if a in self.areas]
        tp, fp, fn = (sum(getattr(s, k) for s in core) for k in ("tp", "fp", "fn"))
        return f1(tp, fp, fn)

    def intervals(self) -> Intervals:
        """95% bootstrap intervals (papers drawn with replacement, a fixed seed) of macro-F1
        and of each node's F1: how much the figures would move on other papers like these
        (computed afresh each call: about a second for a few thousand papers)."""
        return intervals(
            (tuple(sorted((n, *c) for n, c in per.items())) for per in self.counted.values()),
            list(self.areas),
            self.over,
        )

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        def ci(x: tuple[float, float] | None) -> list[float] | None:
            return None if x is None else [round(x[0], 3), round(x[1], 3)]

        ivs = self.intervals()

        return {
            "set": self.name,
            "mode": self.mode,
            "papers": self.papers,
            "macro_f1": r(self.macro_f1),
            "macro_f1_ci": ci(ivs.macro),
            "micro_f1": r(self.micro_f1),
            "areas": {
                a: {
                    "precision": r(s.precision),
                    "recall": r(s.recall),
                    "f1": r(s.f1),
                    "f1_ci": ci(ivs.nodes[a]),
                    "support": s.support,
                    "tp": s.tp,
                    "fp": s.fp,
                    "fn": s.fn,
                }
                for a, s in self.areas.items()
            },
        }


def _count(scores: dict[str, AreaScore], want: set[str], got: set[str], counts: dict[str, list[int]]) -> None:
    """Count one paper's decisions on the areas of ``scores``: ``want`` the labels, ``got`` the
    tagger's areas; each also added to the paper's ``counts`` (node -> [tp, fp, fn])."""
    for a, s in scores.items():
        if a in want and a in got:
            s.tp += 1
            k = 0
        elif a in got:
            s.fp += 1
            k = 1
        elif a in want:
            s.fn += 1
            k = 2
        else:
            continue
        counts.setdefault(a, [0, 0, 0])[k] += 1


def _tally(
    r: EvalResult,
    paper: Any,
    want: set[str],
    got: set[str],
    where: str | None = None,
    covered: set[str] | None = None,
) -> None:
    """:func:`_count` one paper into ``r`` on the areas of ``covered`` (default: all of
    ``r``'s), and keep an error row where it missed or added a node (``where``: the list it
    was tested in, if any)."""
    scores = r.areas if covered is None else {a: r.areas[a] for a in covered}
    _count(scores, want, got, r.counted.setdefault(paper.id, {}))
    missed = sorted((want - got) & scores.keys())
    extra = sorted((got - want) & scores.keys())
    if missed or extra:
        row: dict[str, Any] = {"id": paper.id}
        if where is not None:
            row["list"] = where
        r.errors.append(row | {"title": paper.title, "missed": missed, "extra": extra})


def _tagged_areas(taxonomy: Taxonomy, model: Any, paper: Any, abstract: str | None) -> set[str]:
    """The areas (nodes without a parent) a tagger gives ``paper``: ``model``'s, or the
    rules' where it is None."""
    from efmcat.tagger import rule_tags

    if model is None:
        tags = rule_tags(taxonomy, paper.title, abstract, paper.categories)
    else:
        tags = model.tags(taxonomy, paper.title, abstract, paper.categories)
    return {n for n in tags if taxonomy.nodes[n].parent is None}


def _two(x: float | None) -> str:
    """A figure of the Markdown tables: two decimals, or n/a."""
    return "n/a" if x is None else f"{x:.2f}"


def _three(x: float | None) -> str:
    """A macro-F1 of the Markdown tables: three decimals, or n/a. The goals are stated to
    two (0.75, 0.80), so two decimals would show 0.746 as a goal met."""
    return "n/a" if x is None else f"{x:.3f}"


def interval_text(x: tuple[float, float] | None) -> str:
    """A bootstrap interval as the tables and the plain report show it: 0.712-0.786, or n/a."""
    return "n/a" if x is None else f"{x[0]:.3f}-{x[1]:.3f}"


def _f1_cell(s: AreaScore) -> str:
    """F1 (precision/recall) of one node, as the Markdown tables show it."""
    return f"{_two(s.f1)} ({_two(s.precision)}/{_two(s.recall)})"


def evaluate(
    papers: Sequence[Labelled],
    mode: str = "title+abstract",
    *,
    name: str = "",
    taxonomy: Taxonomy | None = None,
    areas: Sequence[str] | None = None,
    model: Any = None,
) -> EvalResult:
    """Score the rule tagger (or ``model``, a :class:`efmcat.model.Model`) on ``papers``; in
    title+abstract mode only papers with an abstract count."""
    if mode not in MODES:
        raise UsageError(f"unknown mode '{mode}': use {' or '.join(MODES)}")
    taxonomy = taxonomy or load_taxonomy()
    use_abstract = mode == "title+abstract"
    if use_abstract:
        papers = [p for p in papers if p.abstract]
    over = scored_over(taxonomy)
    r = EvalResult(name, mode, len(papers), {a: AreaScore(a) for a in areas or over}, over=over)
    for p in papers:
        got = _tagged_areas(taxonomy, model, p, p.abstract if use_abstract else None)
        _tally(r, p, set(p.labels), got)
    return r


def default_sets() -> list[tuple[str, Path, str | None]]:
    """The labelled sets of a checkout: the horseee-derived set (tune and test halves) and seeds."""
    from efmcat.paths import seeds_dir

    repo = Path(__file__).resolve().parents[2]
    sets: list[tuple[str, Path, str | None]] = []
    horseee = repo / "tests" / "fixtures" / "labels" / "horseee.jsonl"
    if horseee.exists():
        sets.append(("horseee tune", horseee, "tune"))
        sets.append(("horseee test (held out)", horseee, "test"))
    seeds = seeds_dir()
    if seeds is not None:
        for f in sorted(seeds.glob("*.yaml")):
            sets.append((f"seeds/{f.name}", f, None))
    return sets


def run_eval(
    files: Sequence[str | Path] = (),
    *,
    split: str | None = None,
    modes: Sequence[str] = MODES,
    taxonomy: Taxonomy | None = None,
    model: Any = None,
    progress: Any = None,
    lookup: Callable[[str], Any] | None = None,
) -> list[EvalResult]:
    """Evaluate the rule tagger on the given labelled files (every default set when none) in
    each mode. ``model`` (a Model, or ``tagger.SHIPPED`` for the one shipped with efmcat,
    loaded only when files are given, as :func:`efmcat.tagger.auto_tags` reads it): each file's rules rows are followed by the model's on the
    same papers, named "SET, model", one per mode; the default sets get none, since the
    shipped model was trained on them. ``progress`` hears, per file, how many of its papers the
    shipped labels table (the shipped model's training set) holds, when it holds some.
    ``lookup`` gives the text of papers a file names without a title (:func:`load_labelled`)."""
    taxonomy = taxonomy or load_taxonomy()
    if not files:
        model = None
    elif isinstance(model, str):
        from efmcat.model import shipped_model

        model = shipped_model()
    trained = _shipped_label_ids() if model is not None else frozenset()
    named: set[str] = set()  # the splits the checkout's sets are named by (tune, test)
    if files:
        sets = [("stdin" if str(f) == "-" else str(f), Path(f), split) for f in files]
    else:
        sets = default_sets()
        named = {part for _, _, part in sets if part}
        if split is not None:
            sets = [s for s in sets if s[2] in (None, split)]
        if not sets:
            raise UsageError("no labelled sets found: give labelled files (JSONL or seeds YAML)")
    loaded = [
        (name, load_labelled(path, taxonomy, lookup=lookup, progress=progress), part)
        for name, path, part in sets
    ]
    if split is not None:
        splits = named | {p.split for _, papers, _ in loaded for p in papers if p.split}
        if split not in splits:
            known = f"the splits: {', '.join(sorted(splits))}" if splits else "no paper names a split"
            raise UsageError(f"no labelled paper is in split '{split}' ({known})")
    results = []
    for name, papers, part in loaded:
        if part is not None:
            papers = [p for p in papers if p.split == part]
        seen = sum(1 for p in papers if p.id in trained)
        if seen and progress:
            progress(
                f"{name}: the shipped model was trained on {seen} of these {len(papers)} papers "
                f"(efmcat eval --expert FILE scores a model trained without them)"
            )
        for mode in modes:
            results.append(evaluate(papers, mode, name=name, taxonomy=taxonomy))
        if model is not None:  # after the rules' rows, which keep their places
            for mode in modes:
                results.append(evaluate(papers, mode, name=f"{name}, model", taxonomy=taxonomy, model=model))
    return results


def _shipped_label_ids() -> frozenset[str]:
    """The ids of the shipped labels table (what the shipped model was trained on)."""
    return frozenset(p.id for p in load_labels()) if shipped_labels() is not None else frozenset()


def scored_over(taxonomy: Taxonomy) -> tuple[str, ...]:
    """The areas macro- and micro-F1 are taken over: the taxonomy's core areas (the shipped
    six), or every area of a taxonomy that marks none core."""
    return taxonomy.core_areas or tuple(a.id for a in taxonomy.areas)


def markdown_table(results: Sequence[EvalResult]) -> str:
    """The accuracy table: F1 (precision/recall) per core area (those the first row's
    macro-F1 is over), macro-F1 with its 95% bootstrap interval, micro-F1."""
    columns = results[0].over if results else CORE_AREAS
    head = (
        "| labelled set | fields | papers | "
        + " | ".join(columns)
        + " | macro-F1 | 95% interval | micro-F1 |"
    )
    sep = "|" + "---|" * (len(columns) + 6)
    rows = [head, sep]
    for r in results:
        cells = []
        for a in columns:
            s = r.areas.get(a)
            cells.append("n/a" if s is None or s.f1 is None else _f1_cell(s))
        rows.append(
            f"| {r.name} | {r.mode} | {r.papers} | "
            + " | ".join(cells)
            + f" | **{_three(r.macro_f1)}** | {interval_text(r.intervals().macro)} | {_two(r.micro_f1)} |"
        )
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------------------------
# Leave one list out: train on every curated list but one, test on that one.

LOLO_TAGGERS = {"rules": "rule tagger (today)", "model": "model"}  # tagger: its rows' name


def _lolo_row(held_out: str, tagger: str, mode: str, areas: list[str], over: tuple[str, ...]) -> EvalResult:
    """An empty row of :func:`leave_one_list_out`: the tagger's, of one held-out list (or
    pooled, ``held_out`` empty)."""
    name = LOLO_TAGGERS[tagger]
    return EvalResult(
        f"{held_out}: {name}" if held_out else name, mode, 0, {a: AreaScore(a) for a in areas}, over=over
    )


def lolo_splits(papers: Sequence[Any]) -> list[tuple[str, list[Any], list[Any]]]:
    """(held-out list, training papers, test papers) for each list.

    The test papers are those the list gives at least one area; every paper the list holds
    (even under a heading with no area, even if other lists have it too) is kept out of
    training, so no paper is both trained and tested on. Training papers need an area;
    papers with no title (a list's row may name a paper by its id alone) are neither
    trained nor tested on: there is nothing to tag."""
    names = sorted({name for p in papers for name in p.lists})
    out = []
    for name in names:
        test = [p for p in papers if p.lists.get(name) and p.title]
        train = [p for p in papers if name not in p.lists and p.areas() and p.title]
        out.append((name, train, test))
    return out


def leave_one_list_out(
    papers: Sequence[Any],
    *,
    taxonomy: Taxonomy | None = None,
    modes: Sequence[str] = MODES,
    lists: Sequence[str] | None = None,
    per_list: bool = False,
    progress: Any = None,
) -> list[EvalResult]:
    """Rules and model, per mode, pooled over the held-out lists (``lists``: only these held
    out; ``per_list``: a row per held-out list, named after it, instead of the pooled rows;
    a list with no paper to test in a mode has no row of that mode).

    A list is scored only on the areas it gives some paper (a list without a hardware
    section says nothing about whether its papers are hardware); the model of each fold is
    trained on the other lists with the default settings, thresholds chosen inside them."""
    from efmcat.model import Example, train

    splits = lolo_splits(papers)
    if not splits:
        raise UsageError("the labels table has no paper a list gives an area: no list to leave out")
    if lists is not None:
        known = [name for name, _, _ in splits]
        unknown = [name for name in lists if name not in known]
        if unknown:
            raise UsageError(
                f"no list '{unknown[0]}' gives a paper an area in the labels table: the lists are {', '.join(known)}"
            )
    taxonomy = taxonomy or load_taxonomy()
    areas = [a.id for a in taxonomy.areas]
    over = scored_over(taxonomy)
    results: dict[tuple[str, str, str], EvalResult] = {}
    folds = [
        (name, train_papers, test) for name, train_papers, test in splits if lists is None or name in lists
    ]
    examples = [
        [
            Example(p.id, p.title, p.abstract, p.categories, p.areas(), groups=tuple(sorted(p.lists)))
            for p in train_papers
        ]
        for _, train_papers, _ in folds
    ]
    for name, train_papers, test in folds:
        if progress:
            progress(f"{name}: training on {len(train_papers)} papers, testing on {len(test)}")
    models = _train_folds(examples, taxonomy, train)
    for (name, _, test), model in zip(folds, models):
        covered = {a for p in test for a in p.lists[name] if a in taxonomy.nodes}
        row = name if per_list else ""
        for mode in modes:
            use_abstract = mode == "title+abstract"
            for p in test:
                if use_abstract and not p.abstract:
                    continue
                abstract = p.abstract if use_abstract else None
                want = set(p.lists[name])
                for tagger in LOLO_TAGGERS:
                    got = _tagged_areas(taxonomy, model if tagger == "model" else None, p, abstract)
                    r = results.get((row, tagger, mode))
                    if r is None:
                        r = results[(row, tagger, mode)] = _lolo_row(row, tagger, mode, areas, over)
                    r.papers += 1
                    _tally(r, p, want, got, name, covered)
    rows = sorted({row for row, _, _ in results}) if per_list else [""]
    out = []
    for row in rows:
        for m in modes:
            for t in LOLO_TAGGERS:
                r = results.get((row, t, m))
                if r is None and not per_list:  # pooled rows always stand, empty or not
                    r = _lolo_row(row, t, m, areas, over)
                if r is not None:
                    out.append(r)
    return out


_FOLD_JOB: tuple[Any, ...] | None = None  # (examples per fold, taxonomy, train): what forked workers read


def _train_fold(i: int) -> Any:
    examples, taxonomy, train = _FOLD_JOB  # type: ignore[misc]
    return train(examples[i], taxonomy)


def _train_folds(examples: list[list[Any]], taxonomy: Taxonomy, train: Any) -> list[Any]:
    """One model per fold, trained deterministically; on a machine with more than one core
    the folds are trained in forked processes (at most FOLD_WORKERS), each model the same as
    one trained here (its seed and input order are its own): nine folds took 25-40 s in one.

    The pool is closed and joined once every fold is back, not terminated (what leaving
    ``with Pool`` does): terminating sent SIGTERM to idle workers, which ran the efmcat
    process's handler they were forked with, printed its traceback and, in about one run in
    four, left a queue's lock taken, so that ``eval --lolo`` waited for ever
    (:func:`efmcat.bulk.close_pool` says why)."""
    import multiprocessing
    import os

    from efmcat.bulk import pool_closed, worker_signals

    workers = min(FOLD_WORKERS, os.cpu_count() or 1, len(examples))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [train(ex, taxonomy) for ex in examples]
    global _FOLD_JOB
    _FOLD_JOB = (examples, taxonomy, train)
    pool = multiprocessing.get_context("fork").Pool(workers, initializer=worker_signals)
    try:
        with pool_closed(lambda: (pool, ())):  # map returned: no job is left in flight
            return pool.map(_train_fold, range(len(examples)))
    finally:
        _FOLD_JOB = None


FOLD_WORKERS = 2  # processes that train leave-one-list-out folds side by side


# ---------------------------------------------------------------------------------------
# The lists against each other: what the leave-one-list-out figure can hope for.

AGREEMENT_ROWS = ("the other lists' sections", "rule tagger (today)")


def list_agreement(papers: Sequence[Any], *, taxonomy: Taxonomy | None = None) -> list[EvalResult]:
    """How well the other lists' sections predict a list's, beside the rule tagger (titles).

    The test instances are those of :func:`leave_one_list_out` (a paper in a list that gives
    it an area, scored on the areas that list gives some paper) whose paper some other list
    also gives an area; the other lists' prediction is the union of their areas. So the first
    row is how far curators of the field agree with a list they did not write, the bar a
    tagger that learns from other lists is measured against."""
    splits = lolo_splits(papers)
    if not splits:
        raise UsageError("the labels table has no paper a list gives an area: no list to compare")
    taxonomy = taxonomy or load_taxonomy()
    areas = [a.id for a in taxonomy.areas]
    results = [
        EvalResult(name, mode, 0, {a: AreaScore(a) for a in areas}, over=scored_over(taxonomy))
        for name, mode in zip(AGREEMENT_ROWS, ("list sections", "title"))
    ]
    for name, _, test in splits:
        covered = {a for p in test for a in p.lists[name] if a in taxonomy.nodes}
        for p in test:
            others = p.areas(without=name)
            if not others:
                continue
            for r, got in zip(results, (others, _tagged_areas(taxonomy, None, p, None))):
                r.papers += 1
                _tally(r, p, set(p.lists[name]), got, name, covered)
    return results


# ---------------------------------------------------------------------------------------
# Subtopics: the rules' subtopics against the subtopics the lists' headings give.


def subtopic_eval(
    papers: Sequence[Any], *, taxonomy: Taxonomy | None = None, modes: Sequence[str] = MODES
) -> list[EvalResult]:
    """The rule tagger's subtopics (every node with a parent), per mode, against the lists'.

    A heading gives a subtopic where the lists were derived with one (``labels.jsonl``'s
    ``subtopics``); a list is scored only on the subtopics it gives some paper, and only on
    the papers it gives one, as :func:`leave_one_list_out` scores areas. The model does not
    decide subtopics (the rules do), so nothing is trained or left out. Macro-F1 is over
    every subtopic of the taxonomy with support."""
    from efmcat.tagger import rule_tags

    taxonomy = taxonomy or load_taxonomy()
    subtopics = tuple(n for n, node in taxonomy.nodes.items() if node.parent is not None)
    names = sorted({name for p in papers for name, subs in p.subtopics.items() if set(subs) & set(subtopics)})
    if not names:
        raise UsageError("the labels table gives no paper a subtopic of the taxonomy: nothing to score")
    results = []
    for mode in modes:
        r = EvalResult("rule tagger (today)", mode, 0, {n: AreaScore(n) for n in subtopics}, over=subtopics)
        for name in names:
            test = [p for p in papers if p.subtopics.get(name) and p.title]
            covered = {n for p in test for n in p.subtopics[name] if n in r.areas}
            for p in test:
                if mode == "title+abstract" and not p.abstract:
                    continue
                abstract = p.abstract if mode == "title+abstract" else None
                got = {n for n in rule_tags(taxonomy, p.title, abstract, p.categories) if n in r.areas}
                r.papers += 1
                _tally(r, p, set(p.subtopics[name]), got, name, covered)
        results.append(r)
    return results


def subtopic_table(results: Sequence[EvalResult], taxonomy: Taxonomy | None = None) -> str:
    """The subtopic accuracy table: a row per subtopic with support (most first), its area,
    and F1 (precision/recall) and support in each mode; macro-F1 (95% interval) last."""
    taxonomy = taxonomy or load_taxonomy()
    first = results[0]
    shown = sorted(
        (n for n in first.areas if any(r.areas[n].support for r in results)),
        key=lambda n: (-first.areas[n].support, n),
    )
    head = "| subtopic | area | " + " | ".join(f"{r.mode} F1 (P/R), support" for r in results) + " |"
    rows = [head, "|" + "---|" * (2 + len(results))]
    for n in shown:
        cells = [f"{_f1_cell(r.areas[n])}, {r.areas[n].support}" for r in results]
        rows.append(f"| {n} | {taxonomy.nodes[n].parent} | " + " | ".join(cells) + " |")
    rows.append(
        "| **macro-F1** | | "
        + " | ".join(
            f"**{_three(r.macro_f1)}** ({interval_text(r.intervals().macro)}; {r.papers} papers)"
            for r in results
        )
        + " |"
    )
    return "\n".join(rows) + "\n"


# ---------------------------------------------------------------------------------------
# Expert multi-labels: papers judged by hand, every area each genuinely contributes to.

EXPERT_TAGGERS = (("rules", "rule tagger (today)"), ("model", "model (trained without these papers)"))


def shipped_expert() -> Path | None:
    """data/expert_labels.jsonl of the wheel or the checkout."""
    pkg = Path(__file__).resolve().parent
    for candidate in (
        pkg / "data" / "expert_labels.jsonl",
        pkg.parent.parent / "data" / "expert_labels.jsonl",
    ):
        if candidate.is_file():
            return candidate
    return None


def expert_eval(
    expert: Sequence[Labelled],
    papers: Sequence[Any],
    *,
    taxonomy: Taxonomy | None = None,
    modes: Sequence[str] = MODES,
    progress: Any = None,
) -> list[EvalResult]:
    """Rules and a model trained on the labels table ``papers`` minus the expert papers, scored
    against the expert labels on every area of the taxonomy, per mode (rows: rules then model
    for each mode; in title+abstract mode only the papers with an abstract count).

    The model never sees an expert paper: every labelled paper whose id is in ``expert`` is
    dropped from its training set, whatever list it comes from."""
    from efmcat.model import Example, train

    taxonomy = taxonomy or load_taxonomy()
    for mode in modes:
        if mode not in MODES:
            raise UsageError(f"unknown mode '{mode}': use {' or '.join(MODES)}")
    if not expert:
        raise UsageError("the expert set has no papers")
    held = {p.id for p in expert}
    train_papers = [p for p in papers if p.id not in held and p.areas() and p.title]
    if progress:
        progress(
            f"training on {len(train_papers)} labelled papers "
            f"({len(papers) - len(train_papers)} left out: expert papers or no area), "
            f"testing on {len(expert)}"
        )
    model = train(
        [
            Example(p.id, p.title, p.abstract, p.categories, p.areas(), groups=tuple(sorted(p.lists)))
            for p in train_papers
        ],
        taxonomy,
    )
    areas = [a.id for a in taxonomy.areas]
    out = []
    for mode in modes:
        use_abstract = mode == "title+abstract"
        test = [p for p in expert if p.abstract] if use_abstract else list(expert)
        for tagger, name in EXPERT_TAGGERS:
            r = EvalResult(
                name, mode, len(test), {a: AreaScore(a) for a in areas}, over=scored_over(taxonomy)
            )
            for p in test:
                got = _tagged_areas(
                    taxonomy, model if tagger == "model" else None, p, p.abstract if use_abstract else None
                )
                _tally(r, p, set(p.labels), got)
            out.append(r)
    return out
