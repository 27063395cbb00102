"""``efmcat similar``: the papers most like one paper, offline: words, list headings, authors.

A "more like this" query. The paper's distinctive terms are its words (tokenized and
stemmed by FTS5 itself) weighted by tf-idf, title words counting more; document
frequencies come from counting MATCHes in ``papers_fts``. Candidates are the papers that
contain those terms, scored by the summed weights of the terms they share (more in their
title), one posting-list walk per term and field over ``titles_fts`` and the abstract
column of ``papers_fts``; the terms' document frequencies are held under a budget, so a query
costs the same at 100k papers as at 10k. The best candidates are then normalised for
abstract length. Papers a curated list files under the same heading, and papers by the same
authors, add each heading's and author's idf (and join the candidates with no word in
common). The best are lifted by the taxonomy tags they share with the paper. Each result
carries its reason: the terms, tags, headings and authors it shares. Nothing is
precomputed, so the answer always reflects the catalog as it is.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from efmcat.catalog import Catalog
from efmcat.models import Paper
from efmcat.query import WORDS_RE
from efmcat.stemming import index_terms
from efmcat.taxonomy import Taxonomy, load_taxonomy

MAX_TERMS = 20  # distinctive terms in the query
MAX_DF = 0.3  # terms in more than this share of papers say little about a paper...
MIN_CAP = 20  # ... in catalogs large enough for shares to mean something
MAX_LOOKUPS = 48  # terms of the paper whose document frequency is looked up
DF_SAMPLE = 20_000  # above this many papers, document frequencies are estimated on the newest ones
POSTINGS_BUDGET = 30_000  # the query's terms may occur in this many papers in all (bounds its time)
POOL = 100  # candidates from the query, re-ranked by length and shared tags
SUBTOPIC_BOOST = 0.35  # score x (1 + this) per shared subtopic tag
AREA_BOOST = 0.1  # ... and per shared area
_STOP = frozenset(  # words that say nothing about a paper's subject
    """a about above across after again against all almost also although always among amount an and
    another any approach approaches are around as at available based be because been before being
    below best better between both but by can cannot case cases challenge challenges compared
    computationally consider considerable considered could current demonstrate demonstrates
    different do does doing done down due during each easily effective effectively efficient
    efficiency either end enable enables enabling especially even ever every existing experiment
    experiments extensive extremely few first for found from further furthermore given good great
    has have having here high highly how however hundreds important improve improved improves
    improving in including increase increasingly into introduce is it its itself just key known
    language large larger largely last less like low make makes making many may method methods might
    model models more moreover most much must near nearly need needs new no non not novel number of
    often on one only open or order other others our out over overall paper particular per
    performance popular possible present previous prior problem problems propose proposed provide
    provides range rather recent recently relative remain remains require requires research result
    results same second several show shows significant significantly similar simple since so some
    state still strong study such superior than that the their them then there these they third this
    those three through thus to top two under up upon us use used uses using various very via was
    way we well were what when where whether which while who whose why widely will with within
    without work works would yet yield yielding""".split()  # noqa: SIM905
)
TITLE_BOOST = 2.5  # a word of the paper's title weighs this much more than one of its abstract
TITLE_HIT = 1.5  # a shared term in the candidate's title counts this much more
# Beside the words: a list heading that files both papers (curators group one line of work),
# and an author both share. Each adds its idf, log(papers / papers under it), times its
# points, as a term of that weight would. Chosen on eleven pairs of well-known papers (README,
# `efmcat similar`): 8 and 4 put the canonical neighbour at median rank 8.5, words alone 53.5.
SECTION_POINTS = 8.0
AUTHOR_POINTS = 4.0
NEIGHBOUR_CAP = 200  # a heading or an author with more papers than this says nothing
MAX_AUTHORS = 50  # a paper's first authors looked up (each is one FTS5 lookup)
# An author's name as the full-text index splits it (a dot parts "J.R.R." into j r r), for
# the phrase that finds candidates; each is then checked by --author's own rule
# (searchsql.AUTHOR_SQL: whole words of one author's name, not two authors' nor a stem).
_NAME_BREAKS = str.maketrans({'"': " ", ",": " ", "-": " ", ".": " "})


@dataclass
class Term:
    stem: str
    word: str  # a surface form from the paper (what the query and the reason show)
    weight: float
    df: int  # papers with the term (estimated above DF_SAMPLE papers)


@dataclass
class SimilarResult:
    paper: Paper
    terms: list[Term]  # the query: the paper's distinctive terms
    hits: list[dict[str, Any]]  # records, best first, with score, shared_terms, shared_tags


def distinctive_terms(
    catalog: Catalog, paper: Paper, limit: int = MAX_TERMS, *, papers: int | None = None
) -> list[Term]:
    """The paper's terms by tf-idf (title words weigh more), common and unique ones left out
    (``papers``: the catalog's count, if the caller has it)."""
    conn = catalog.conn
    words = [w.lower() for w in WORDS_RE.findall(f"{paper.title} {paper.abstract or ''}")]
    distinct = list(dict.fromkeys(w for w in words if w not in _STOP and not w.isdigit() and len(w) > 1))
    if not distinct:
        return []
    stem_of = {w: (s[0] if s else None) for w, s in zip(distinct, index_terms(conn, distinct))}
    title_words = {w.lower() for w in WORDS_RE.findall(paper.title)}
    tf: Counter[str] = Counter()
    in_title: set[str] = set()
    surface: dict[str, str] = {}
    for w in words:
        stem = stem_of.get(w)
        if stem is None:
            continue
        tf[stem] += 1
        if w in title_words:
            in_title.add(stem)
        surface.setdefault(stem, w)
    n = papers if papers is not None else max(catalog.count(), 1)
    # Document frequencies cost a walk of each term's posting list: ask for the title's
    # terms and the abstract's most frequent (then longest) ones only.
    stems = sorted(tf, key=lambda t: (t not in in_title, -tf[t], -len(t), t))[:MAX_LOOKUPS]
    df = _doc_freqs(conn, {stem: surface[stem] for stem in stems}, n)
    terms = []
    for stem, d in df.items():
        if d < 2 or d > max(MIN_CAP, MAX_DF * n):
            continue
        weight = (1 + math.log(tf[stem])) * math.log(n / d) * (TITLE_BOOST if stem in in_title else 1.0)
        terms.append(Term(stem, surface[stem], weight, d))
    terms.sort(key=lambda t: (-t.weight, t.stem))
    chosen, postings = [], 0
    for t in terms:
        if postings + t.df <= POSTINGS_BUDGET:
            chosen.append(t)
            postings += t.df
        if len(chosen) == limit:
            break
    return chosen


def _doc_freqs(conn: sqlite3.Connection, words: dict[str, str], n: int) -> dict[str, int]:
    """stem -> number of papers with it (counted on a MATCH, ten times faster than the
    fts5vocab table; above DF_SAMPLE papers, estimated from the newest DF_SAMPLE)."""
    top = int(conn.execute("SELECT coalesce(max(n), 0) FROM papers").fetchone()[0])
    sample = n > DF_SAMPLE
    out: dict[str, int] = {}
    for stem, word in words.items():
        q = _quote(word)
        if sample:
            seen = conn.execute(
                "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ? AND rowid > ?", (q, top - DF_SAMPLE)
            ).fetchone()[0]
            if seen:
                out[stem] = max(2, round(seen * n / DF_SAMPLE))
                continue
            sql = "SELECT count(*) FROM (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? LIMIT 2)"
        else:
            sql = "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ?"
        out[stem] = int(conn.execute(sql, (q,)).fetchone()[0])
    return out


def _pool_sql(count: int) -> str:
    """Candidates scored by the weights of the paper's terms they contain (x TITLE_HIT in
    their title): one posting-list walk per term and field, no bm25 over every match."""
    parts = []
    for i in range(count):
        parts.append(
            f"SELECT rowid AS n, {TITLE_HIT} * :w{i} AS s FROM titles_fts WHERE titles_fts MATCH :t{i}"
        )
        parts.append(f"SELECT rowid, :w{i} FROM papers_fts WHERE papers_fts MATCH 'abstract : ' || :t{i}")
    return (
        "SELECT n, sum(s) AS score FROM (" + " UNION ALL ".join(parts) + ") "
        "WHERE n <> :self GROUP BY n ORDER BY score DESC, n LIMIT :pool"
    )


def _pool_params(terms: Sequence[Term], self_n: int, pool: int) -> dict[str, Any]:
    params: dict[str, Any] = {"self": self_n, "pool": pool}
    for i, t in enumerate(terms):
        params[f"t{i}"] = _quote(t.word)
        params[f"w{i}"] = t.weight
    return params


@dataclass
class _Neighbours:
    """Papers that share a list heading or an author with the paper: points by key ``n``,
    and what each shares (for the reason)."""

    points: dict[int, float]
    sections: dict[int, list[dict[str, str]]]  # {"source": ..., "section": ...}
    authors: dict[int, list[str]]


def _neighbours(conn: sqlite3.Connection, paper: Paper, self_n: int, n: int) -> _Neighbours:
    """The papers under the paper's list headings and by its authors, each heading or author
    counting SECTION_POINTS or AUTHOR_POINTS times its idf; each lookup reads at most
    NEIGHBOUR_CAP + 1 rows, so the time does not grow with the catalog."""
    from efmcat.models import named_authors
    from efmcat.searchsql import AUTHOR_SQL, author_key, fold

    out = _Neighbours({}, {}, {})

    def add(members: list[int], points: float, label: Any, into: dict[int, list[Any]]) -> None:
        others = [m for m in dict.fromkeys(members) if m != self_n]
        if not others or len(members) > NEIGHBOUR_CAP:
            return
        weight = points * math.log(max(n, 2) / len(members))
        for m in others:
            out.points[m] = out.points.get(m, 0.0) + weight
            into.setdefault(m, []).append(label)

    headings = conn.execute(
        "SELECT DISTINCT source, section FROM sources WHERE paper_id = ? AND coalesce(section, '') <> '' "
        "ORDER BY source, section",
        (paper.id,),
    ).fetchall()
    for source, section in headings:
        members = conn.execute(
            "SELECT DISTINCT p.n FROM sources s JOIN papers p ON p.id = s.paper_id "
            "WHERE s.source = ? AND s.section = ? AND p.kind = 'paper' LIMIT ?",
            (source, section, NEIGHBOUR_CAP + 1),
        ).fetchall()
        add([m[0] for m in members], SECTION_POINTS, {"source": source, "section": section}, out.sections)
    names, _ = named_authors(paper.authors)
    for name in list(dict.fromkeys(names))[:MAX_AUTHORS]:
        words = str(fold(name)).translate(_NAME_BREAKS).split()
        if not words:
            continue
        found = [
            r[0]
            for r in conn.execute(
                "SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?",
                ("authors : " + _quote(" ".join(words)), 4 * NEIGHBOUR_CAP + 1),
            )
        ]
        if len(found) > 4 * NEIGHBOUR_CAP:  # a name this common says nothing
            continue
        members = conn.execute(
            f"SELECT p.n FROM papers p WHERE p.n IN ({','.join('?' * len(found))}) "
            f"AND p.kind = 'paper' AND {AUTHOR_SQL}",
            [*found, author_key(name)],
        ).fetchall()
        add([m[0] for m in members], AUTHOR_POINTS, name, out.authors)
    return out


def text_score(terms: Sequence[Term], in_title: set[str], in_abstract: set[str]) -> float:
    """What a candidate's words score, as the pool's SQL (``_pool_sql``) sums them: each
    shared term's weight, TITLE_HIT times in the title, once more in the abstract."""
    return sum(
        t.weight * ((TITLE_HIT if t.stem in in_title else 0.0) + (1.0 if t.stem in in_abstract else 0.0))
        for t in terms
    )


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def similar_papers(
    catalog: Catalog, text: str, *, limit: int = 10, taxonomy: Taxonomy | None = None
) -> SimilarResult:
    """The ``limit`` papers most like the one named by ``text`` (any pasted id form)."""
    from efmcat.records import records_for
    from efmcat.searchsql import check_limit

    check_limit(limit)  # 1 to MAX_LIMIT, as list and search take
    taxonomy = taxonomy or load_taxonomy()
    paper = catalog.get_paper(text if catalog.has(text) else catalog.pasted_id(text))
    conn = catalog.conn
    self_n = conn.execute("SELECT n FROM papers WHERE id = ?", (paper.id,)).fetchone()[0]
    size = max(catalog.count(), 1)
    terms = distinctive_terms(catalog, paper, papers=size)
    # The candidates (keys, in the order found): the best by the words, by the pool's SQL
    # score; the best neighbours by heading and author; the papers sharing most subtopics.
    # Each is scored below, the same way.
    pool: dict[int, None] = {}
    if terms:
        params = _pool_params(terms, self_n, max(POOL, limit * 3))
        pool.update((n, None) for n, _ in conn.execute(_pool_sql(len(terms)), params))
    near = _neighbours(conn, paper, self_n, size)
    pool.update(
        (n, None) for n in sorted(near.points, key=lambda m: (-near.points[m], m))[: max(POOL, limit * 3)]
    )
    # Shared tags lift candidates on the same subtopic; with few text matches, papers
    # sharing the most subtopics fill the list.
    own = set(catalog.tags_of([paper.id])[paper.id])
    subtopics = sorted(t for t in own if t in taxonomy and taxonomy.nodes[t].parent)
    if subtopics and len(pool) < limit:
        marks = ",".join("?" * len(subtopics))
        for n, _shared in conn.execute(
            f"SELECT p.n, count(*) AS c FROM tags t JOIN papers p ON p.id = t.paper_id "
            f"WHERE t.removed = 0 AND t.node IN ({marks}) AND p.n <> ? GROUP BY p.n ORDER BY c DESC, p.n LIMIT ?",
            [*subtopics, self_n, limit * 3],
        ):
            pool.setdefault(n, None)
    if not pool:
        return SimilarResult(paper, terms, [])
    from efmcat.catalog import _row_to_paper, rows_by_ids

    keys = list(pool)
    by_n: dict[int, Paper] = {
        row["n"]: _row_to_paper(row)
        for row in rows_by_ids(conn, "SELECT * FROM papers WHERE n IN ({}) AND kind = 'paper'", keys)
    }
    cands = [(n, by_n[n]) for n in keys if n in by_n]
    tags = catalog.tags_of([p.id for _, p in cands])
    texts = [t for _, p in cands for t in (p.title, p.abstract or "")]
    found = index_terms(conn, texts, only=[t.stem for t in terms])
    title_stems, abstract_stems = found[0::2], found[1::2]
    ranked = []
    for (n, p), ts, abs_ in zip(cands, title_stems, abstract_stems):
        in_title, in_abstract = set(ts), set(abs_)
        shared_terms = [t for t in terms if t.stem in in_title or t.stem in in_abstract]
        text = text_score(shared_terms, in_title, in_abstract)
        words = len({w.lower() for w in WORDS_RE.findall(f"{p.title} {p.abstract or ''}")})
        text /= math.sqrt(max(1.0, words / 40))  # long abstracts share words by chance
        shared = sorted(own & set(tags[p.id]))
        subs = sum(1 for t in shared if t in taxonomy and taxonomy.nodes[t].parent)
        boost = 1 + SUBTOPIC_BOOST * subs + AREA_BOOST * (len(shared) - subs)
        base = text + near.points.get(n, 0.0)
        score = (base or 0.1 * subs) * boost
        reason = (
            [t.word for t in shared_terms],
            taxonomy.order(shared),
            near.sections.get(n, []),
            near.authors.get(n, []),
        )
        ranked.append((score, p, reason))
    ranked.sort(key=lambda x: (-x[0], x[1].id))
    ranked = ranked[:limit]
    records = records_for(catalog, [p for _, p, _ in ranked], taxonomy)
    for rec, (score, _, (shared_terms, shared_tags, sections, authors)) in zip(records, ranked):
        rec["score"] = round(score, 2)
        rec["shared_terms"] = shared_terms
        rec["shared_tags"] = shared_tags
        rec["shared_sections"] = sections
        rec["shared_authors"] = authors
    return SimilarResult(paper, terms, records)
