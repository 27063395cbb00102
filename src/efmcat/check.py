"""Find the mistakes hand-made paper lists carry (the library behind ``efmcat check``).

Findings, each naming the papers and the sources (file:line when imported):

- ``duplicate-rows`` (info): one paper listed several times in one file of a source (the
  catalog holds it once; a note for the list's maintainers).
- ``same-title`` (warning): the same title under several ids; merging is safe (``--fix``)
  when exactly one of the ids is an arXiv id and the others are links.
- ``similar-titles`` (warning): near-identical titles (rapidfuzz) under different ids.
- ``renamed`` (info): an id listed under different titles that its note explains (a paper
  renamed between arXiv versions).
- ``id-title-conflict`` (error): one id carrying clearly different titles across sources:
  a row linked to another paper's arXiv id.
- ``arxiv-title-mismatch`` (error): a source title that disagrees with the arXiv metadata
  fetched for the id.
- ``malformed-id`` (error): an arXiv link that is not a valid id (``arxiv.org/abs/203.05527``).
- ``legacy-id`` (warning): an old-style id stored with its subject class by an older efmcat
  (``math.GT/0309136``, which arXiv calls ``math/0309136``); ``--fix`` renames it.
- ``versions`` (info): one paper linked at several arXiv versions.
- ``missing-metadata`` and ``non-arxiv`` (info): papers without authors or abstract; papers
  with no arXiv id.

Errors and warnings are problems (exit status 1); infos are not.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from efmcat.catalog import Catalog, url_sql
from efmcat.errors import InvalidIdError
from efmcat.ids import norm_title, parse_paper_id, title_key, try_parse_arxiv_id
from efmcat.merge import merge_papers, merge_target
from efmcat.models import ET_AL
from efmcat.render import count

SIMILAR = 92  # rapidfuzz ratio (0-100) of normalised titles for "near-identical"
CONFLICT = 60  # token_set_ratio below this: two titles name different papers
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


_ONE_FOR_ALL = frozenset({"missing-metadata", "non-arxiv"})  # one finding names all its papers


@dataclass
class Finding:
    kind: str
    severity: str
    message: str
    papers: list[str]
    sources: list[dict[str, Any]] = field(default_factory=list)
    fixable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    papers: int = 0

    @property
    def problems(self) -> int:
        return sum(1 for f in self.findings if f.severity in ("error", "warning"))

    def counts(self) -> dict[str, int]:
        """Findings per kind."""
        out: dict[str, int] = {}
        for f in self.findings:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out

    def papers_by_kind(self) -> dict[str, int]:
        """Distinct papers the findings of each kind name: what the summary counts for the
        kinds whose one finding lists all their papers (``missing-metadata``, ``non-arxiv``)."""
        named: dict[str, set[str]] = {}
        for f in self.findings:
            named.setdefault(f.kind, set()).update(f.papers)
        return {k: len(v) for k, v in named.items()}

    def summary(self) -> str:
        if not self.findings and not self.fixed:
            return f"Checked {count(self.papers, 'paper')}: no problems found."
        # a kind can be both (similar titles: a warning across id schemes, a note within one)
        kinds: dict[bool, dict[str, int]] = {True: {}, False: {}}
        for f in self.findings:
            of = kinds[f.severity != "info"]
            # one finding that lists every such paper is counted in papers ("1 non-arxiv" read as one)
            of[f.kind] = of.get(f.kind, 0) + (len(f.papers) if f.kind in _ONE_FOR_ALL else 1)
        problems = ", ".join(f"{n} {k}" for k, n in kinds[True].items())
        notes = ", ".join(
            f"{k} ({count(n, 'paper')})" if k in _ONE_FOR_ALL else f"{n} {k}" for k, n in kinds[False].items()
        )
        text = f"Checked {count(self.papers, 'paper')}: {count(self.problems, 'problem')}"
        text += f" ({problems})" if problems else ""
        text += f"; notes: {notes}" if notes else ""
        text += f"; fixed {len(self.fixed)}" if self.fixed else ""
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "papers": self.papers,
            "problems": self.problems,
            "counts": self.counts(),
            "papers_by_kind": self.papers_by_kind(),
            "fixed": self.fixed,
            "findings": [f.to_dict() for f in self.findings],
        }


def _src(pid: str, s: dict[str, Any]) -> dict[str, Any]:
    return {
        "paper_id": pid,
        "source": s["source"],
        "locator": s["locator"],
        "title": s["title"],
        "link": s["link"],
    }


def _paper_src(p: dict[str, Any]) -> dict[str, Any]:
    return {"paper_id": p["id"], "source": "catalog", "locator": "", "title": p["title"], "link": p["url"]}


def check_catalog(
    catalog: Catalog, *, fix: bool = False, progress: Callable[[int, int | None], None] | None = None
) -> CheckResult:
    """Every check over the catalog; ``progress(checks done, checks in all)`` as they go.

    Memory stays flat whatever the size of the catalog: papers and their source rows are read
    together, one paper at a time, off two cursors ordered by id; titles go to a scratch
    database on disk (efmcat.scratch), where SQL groups them for the same-title and
    similar-title checks. Only the findings are kept."""
    from efmcat.scratch import insert_all, scratch_db

    result = CheckResult()
    steps = 8
    tell = progress or (lambda done, total: None)
    tell(0, steps)
    if fix:
        result.fixed = _rename_legacy_ids(catalog) + _apply_safe_merges(catalog)
    tell(1, steps)
    f = result.findings
    missing: list[str] = []
    non_arxiv: list[str] = []
    titles: list[tuple[str, str, str]] = []  # a batch of (id, normalised title, key) for the scratch table
    with scratch_db() as db:
        # papers with a title, in id order: nt its words, k what imports compare (title_key)
        db.execute("CREATE TABLE t (id TEXT, nt TEXT, k TEXT)")
        for pid, paper, rows in _papers_with_sources(catalog):
            # One source row cannot be listed twice, at two versions or under two titles.
            if len(rows) > 1:
                f += _duplicate_rows(pid, rows)
                f += _versions(pid, rows)
            if paper is None:
                continue
            result.papers += 1
            if len(rows) > 1 or (rows and paper["fetched_at"]):
                f += _title_conflicts(paper, rows)
            f += _malformed(paper, rows)
            if paper["lacks"]:
                missing.append(pid)
            if try_parse_arxiv_id(pid) is None:
                non_arxiv.append(pid)
            t = norm_title(paper["title"])
            if t:
                titles.append((pid, t, title_key(paper["title"]) or t.replace(" ", "")))
                if len(titles) >= 1_000:
                    insert_all(db, "INSERT INTO t VALUES (?, ?, ?)", titles)
                    titles.clear()
        insert_all(db, "INSERT INTO t VALUES (?, ?, ?)", titles)
        tell(5, steps)
        db.execute("CREATE INDEX t_nt ON t (nt)")
        db.execute("CREATE INDEX t_k ON t (k)")
        f += _same_and_similar(catalog, db)
        tell(7, steps)
    f += _infos(missing, non_arxiv)
    tell(8, steps)
    f.sort(key=lambda x: (_SEVERITY_RANK[x.severity], x.kind, x.papers))
    return result


# Schema v5 stores an arXiv paper's own url, and a source row's title and link that are its
# paper's own, as NULL (catalog.py says why): check reads them spelled out, as they were.
_ONLY_ET_AL = f'["{ET_AL}"]'  # the authors of a list that names nobody: "et al." alone
_PAPER_COLUMNS = (
    f"SELECT p.id, p.title, p.year, {url_sql('p')} AS url, p.fetched_at, "
    "coalesce(p.curator_note || ' ', '') || coalesce(p.note, '') AS note, "
    f"(p.abstract IS NULL OR p.abstract = '' OR p.authors IS NULL OR p.authors IN ('', '[]', '{_ONLY_ET_AL}')) AS lacks "
    "FROM papers p"
)
_SOURCE_COLUMNS = (
    "SELECT s.paper_id, s.source, s.locator, coalesce(s.title, p.title) AS title, "
    f"coalesce(s.link, {url_sql('p')}) AS link, s.section "
    "FROM sources s LEFT JOIN papers p ON p.id = s.paper_id"
)


def _papers_with_sources(catalog: Catalog) -> Iterator[tuple[str, Any, list[Any]]]:
    """(id, paper row or None, its source rows in line order) of every paper and of every
    id the sources name, in id order: two cursors merged, one paper at a time. Rows are
    sqlite3.Row (titles, links and flags; abstracts and authors are never read)."""
    papers = catalog.conn.execute(_PAPER_COLUMNS + " ORDER BY p.id")
    sources = groupby(
        catalog.conn.execute(_SOURCE_COLUMNS + " ORDER BY s.paper_id, s.source, s.locator"),
        key=lambda r: r[0],
    )
    paper = next(papers, None)
    group = next(sources, None)
    while paper is not None or group is not None:
        if group is None or (paper is not None and paper["id"] < group[0]):
            yield paper["id"], paper, []
            paper = next(papers, None)
            continue
        rows = sorted(group[1], key=_line_order)
        if paper is not None and paper["id"] == group[0]:
            yield paper["id"], paper, rows
            paper = next(papers, None)
        else:
            yield group[0], None, rows
        group = next(sources, None)


def _sources_of(catalog: Catalog, pid: str) -> list[Any]:
    rows = catalog.conn.execute(
        _SOURCE_COLUMNS + " WHERE s.paper_id = ? ORDER BY s.source, s.locator", (pid,)
    )
    return sorted(rows, key=_line_order)


def _line_order(row: dict[str, Any]) -> tuple[str, int, str]:
    _, _, line = (row["locator"] or "").rpartition(":")
    return (row["source"], int(line) if line.isdigit() else 0, row["locator"] or "")


def _locators(rows: list[dict[str, Any]]) -> str:
    return ", ".join(r["locator"] or r["source"] for r in rows)


def _duplicate_rows(pid: str, rows: list[dict[str, Any]]) -> list[Finding]:
    out = []
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        # One file of a source: a list that spreads over pages (a README and its topic
        # pages) may name a paper once on each.
        file, _, line = (r["locator"] or "").rpartition(":")
        key = f"{r['source']} {file}" if line.isdigit() and file else r["source"]
        by_source.setdefault(key, []).append(r)
    for group in by_source.values():
        source = group[0]["source"]
        if len(group) > 1:
            out.append(
                Finding(
                    "duplicate-rows",
                    "info",
                    f"{pid} is listed {len(group)} times in {source} ({_locators(group)})",
                    [pid],
                    [_src(pid, r) for r in group],
                )
            )
    return out


def _title_conflicts(paper: dict[str, Any], rows: list[dict[str, Any]]) -> list[Finding]:
    from rapidfuzz import fuzz

    pid = paper["id"]
    titled = [r for r in rows if r["title"]]
    if paper["fetched_at"]:
        ref = norm_title(paper["title"])
        bad = [r for r in titled if fuzz.token_set_ratio(norm_title(r["title"]), ref) < CONFLICT]
        if not bad:
            return []
        return [
            Finding(
                "arxiv-title-mismatch",
                "error",
                f'{pid} is "{paper["title"]}" on arXiv, but {_locators(bad)} '
                f'call{"s" if len(bad) == 1 else ""} it "{bad[0]["title"]}"',
                [pid],
                [_paper_src(paper)] + [_src(pid, r) for r in bad],
            )
        ]
    # Cluster the titles this id carries; more than one cluster is a conflict.
    clusters: list[list[dict[str, Any]]] = []
    for r in titled:
        t = norm_title(r["title"])
        for c in clusters:
            if fuzz.token_set_ratio(t, norm_title(c[0]["title"])) >= CONFLICT:
                c.append(r)
                break
        else:
            clusters.append([r])
    if len(clusters) <= 1:
        return []
    names = "; ".join(f'"{c[0]["title"]}" ({_locators(c)})' for c in clusters)
    # A conflict the catalog settled: the paper's notes (the curators', the user's) name the other titles.
    note = (paper["note"] or "").lower()
    own = norm_title(paper["title"])
    settled = all(
        c[0]["title"].lower() in note or fuzz.token_set_ratio(norm_title(c[0]["title"]), own) >= CONFLICT
        for c in clusters
    )
    return [
        Finding(
            "renamed" if settled else "id-title-conflict",
            "info" if settled else "error",
            f"{pid} carries {len(clusters)} different titles: {names}"
            + (" (settled: the note names them)" if settled else ""),
            [pid],
            [_src(pid, r) for c in clusters for r in c],
        )
    ]


def _malformed(paper: dict[str, Any], rows: list[dict[str, Any]]) -> list[Finding]:
    pid = paper["id"]
    bad = pid.lower().startswith(("url:arxiv.org/", "url:export.arxiv.org/"))
    if not bad:
        try:
            canonical = parse_paper_id(pid)
        except InvalidIdError:
            bad = True
        else:
            if canonical != pid:  # stored by an older efmcat: math.GT/0309136
                return [
                    Finding(
                        "legacy-id",
                        "warning",
                        f"{pid}: arXiv names this paper {canonical}; `efmcat check --fix` renames it",
                        [pid],
                        [_src(pid, r) for r in rows] or [_paper_src(paper)],
                        fixable=True,
                    )
                ]
    if not bad:
        return []
    where = f" ({_locators(rows)})" if rows else ""
    return [
        Finding(
            "malformed-id",
            "error",
            f"{pid}: not a valid arXiv id{where}",
            [pid],
            [_src(pid, r) for r in rows] or [_paper_src(paper)],
        )
    ]


def _same_and_similar(catalog: Catalog, db: sqlite3.Connection) -> list[Finding]:
    """same-title and similar-titles from the scratch table ``t (id, nt)`` of normalised
    titles (in id order, indexed by nt): a paper's title, sources and ids are read from the
    catalog only for the titles a finding names."""
    from rapidfuzz import fuzz, process

    out: list[Finding] = []
    papers: dict[str, Any] = {}  # the few papers findings name

    def paper(pid: str) -> Any:
        if pid not in papers:
            papers[pid] = catalog.conn.execute(_PAPER_COLUMNS + " WHERE p.id = ?", (pid,)).fetchone()
        return papers[pid]

    def ids_of(t: str) -> list[str]:
        return [r[0] for r in db.execute("SELECT id FROM t WHERE nt = ? ORDER BY rowid", (t,))]

    def key_of(t: str) -> str:
        return db.execute("SELECT k FROM t WHERE nt = ? LIMIT 1", (t,)).fetchone()[0]

    def srcs(ids: list[str]) -> list[dict[str, Any]]:
        rows = []
        for pid in ids:
            rows += [_src(pid, r) for r in _sources_of(catalog, pid)] or [_paper_src(paper(pid))]
        return rows

    # one title as imports compare titles (spacing aside: "Big bird" is BigBird), as --fix merges
    same = db.execute(
        "SELECT k, id FROM t WHERE k IN (SELECT k FROM t GROUP BY k HAVING count(*) > 1) ORDER BY k, rowid"
    )
    for _, group in groupby(same, key=lambda r: r[0]):
        ids = [r[1] for r in group]
        out.append(
            Finding(
                "same-title",
                "warning",
                f'"{paper(ids[0])["title"]}" is in the catalog under {len(ids)} ids: {", ".join(ids)}',
                ids,
                srcs(ids),
                # what --fix merges: every title with the same key (title_key), one arXiv id
                fixable=merge_target(ids) is not None
                and None not in {title_key(paper(i)["title"]) for i in ids},
            )
        )
        papers.clear()
    # The distinct titles, numbered in the order of their first paper's id.
    db.execute(
        "CREATE TABLE ut AS SELECT nt FROM (SELECT nt, min(rowid) AS first FROM t GROUP BY nt) ORDER BY first"
    )
    if db.execute("SELECT count(*) FROM ut").fetchone()[0] < 2:
        return out
    seen: set[tuple[str, str]] = set()
    for choices in _title_blocks(db):
        for a, ta in enumerate(choices):
            # the closest few only: a thousand titles that differ in a number ("... number
            # 17") were half a million findings (930 MB, 100 s)
            for tb, score, b in process.extract(
                ta, choices, scorer=fuzz.ratio, score_cutoff=SIMILAR, limit=SIMILAR_PER_TITLE + 1
            ):
                pair = (ta, tb) if a < b else (tb, ta)  # named once, in the order of the titles
                if b == a or pair in seen or key_of(ta) == key_of(tb):  # same-title named it
                    continue
                seen.add(pair)
                ids_a, ids_b = ids_of(pair[0]), ids_of(pair[1])
                ids = sorted(ids_a + ids_b)
                # Two arXiv ids (or two ids of one scheme, e.g. a conference and a journal
                # DOI) are two records by construction: a note, not a problem.
                schemes = {"arxiv" if try_parse_arxiv_id(i) is not None else i.split(":", 1)[0] for i in ids}
                out.append(
                    Finding(
                        "similar-titles",
                        "info" if len(schemes) == 1 else "warning",
                        f"near-identical titles under different ids: "
                        f'{ids_a[0]} "{paper(ids_a[0])["title"]}" and '
                        f'{ids_b[0]} "{paper(ids_b[0])["title"]}" '
                        f"(similarity {int(score)})",
                        ids,
                        srcs(ids),
                    )
                )
                papers.clear()
    return out


EXHAUSTIVE = 5_000  # up to this many titles every pair is compared
BLOCK = 500  # a block larger than this is split by the next word
MAX_BLOCK = 5_000  # a block still larger (its first four words shared) is read in sorted runs
SIMILAR_PER_TITLE = 5  # similar titles named per title, the closest first


def _title_blocks(db: sqlite3.Connection) -> Iterator[list[str]]:
    """:func:`_blocks` over the scratch table ``ut (nt)`` of distinct titles (numbered by
    rowid), each block's titles in rowid order: the same blocks, computed on disk. Titles
    sorted as text come grouped by their first words (a space sorts before any letter or
    digit), and with their words reversed, by their last words: one pass in that order
    finds the groups over BLOCK titles (split by the next word), a second reads the blocks."""
    if db.execute("SELECT count(*) FROM ut").fetchone()[0] <= EXHAUSTIVE:
        yield [r[0] for r in db.execute("SELECT nt FROM ut ORDER BY rowid")]
        return
    db.create_function("reversed_words", 1, lambda t: " ".join(reversed(t.split())), deterministic=True)
    db.execute("CREATE TABLE ur AS SELECT rowid AS i, reversed_words(nt) AS rt FROM ut")
    db.execute("CREATE INDEX ut_nt ON ut (nt)")
    db.execute("CREATE INDEX ur_rt ON ur (rt, i)")
    for query, back in (
        ("SELECT rowid, nt FROM ut ORDER BY nt", None),  # first words
        ("SELECT i, rt FROM ur ORDER BY rt", lambda t: " ".join(reversed(t.split()))),  # last words
    ):
        split = _split_groups(t for _, t in db.execute(query))

        def block_of(row: tuple[int, str], split: list[set[tuple[str, ...]]] = split) -> tuple[str, ...]:
            words = [*row[1].split(maxsplit=4), "", "", "", ""][:4]
            d = 0
            while d < 3 and tuple(words[: d + 1]) in split[d]:
                d += 1
            return tuple(words[: d + 1])

        for _, group in groupby(db.execute(query), key=block_of):
            block = sorted(group)  # by number: the titles' order
            if len(block) > MAX_BLOCK:  # every pair would be 25M+ comparisons: runs of
                # neighbours in text order, overlapping, so a title meets those closest to it
                by_text = sorted(block, key=lambda r: r[1])
                step = MAX_BLOCK - BLOCK
                for i in range(0, len(by_text) - BLOCK, step):
                    run = sorted(by_text[i : i + MAX_BLOCK])
                    yield [t if back is None else back(t) for _, t in run]
                continue
            if len(block) > 1:
                yield [t if back is None else back(t) for _, t in block]


def _split_groups(titles: Iterator[str]) -> list[set[tuple[str, ...]]]:
    """From titles sorted as text: per depth 0-2, the groups of titles sharing their first
    depth+1 words that :func:`_blocks` splits by the next word (over BLOCK titles, a word
    there, inside a split group)."""
    big: list[set[tuple[str, ...]]] = [set(), set(), set()]
    current: list[tuple[str, ...] | None] = [None, None, None]
    counts = [0, 0, 0]

    def close(d: int) -> None:
        group = current[d]
        if group is not None and counts[d] > BLOCK and group[-1]:
            big[d].add(group)

    for t in titles:
        words = [*t.split(maxsplit=3), "", "", ""][:3]
        for d in range(3):
            prefix = tuple(words[: d + 1])
            if prefix != current[d]:
                close(d)
                current[d], counts[d] = prefix, 0
            counts[d] += 1
    for d in range(3):
        close(d)
    split = [big[0]]
    for d in (1, 2):
        split.append({g for g in big[d] if g[:d] in split[d - 1]})
    return split


def _blocks(titles: list[str]) -> list[list[int]]:
    """Groups of title indexes to compare pairwise (held in memory: the definition that
    :func:`_title_blocks` computes on disk, kept for the tests). Small catalogs: one group. Larger ones:
    titles grouped by their first word and, again, by their last word (two near-identical
    titles share one end or the other), a group that grows past BLOCK split by the next
    word in, so the work grows about linearly with the catalog instead of with its square."""
    if len(titles) <= EXHAUSTIVE:
        return [list(range(len(titles)))]
    out: list[list[int]] = []

    def first(t: str, depth: int) -> str:  # the depth-th word (not every title split and kept)
        w = t.split(maxsplit=depth + 1)
        return w[depth] if depth < len(w) else ""

    def last(t: str, depth: int) -> str:
        w = t.rsplit(maxsplit=depth + 1)
        return w[-depth - 1] if depth < len(w) else ""

    for word in (first, last):
        todo = [(list(range(len(titles))), 0)]
        while todo:
            members, depth = todo.pop()
            groups: dict[str, list[int]] = {}
            for i in members:
                groups.setdefault(word(titles[i], depth), []).append(i)
            for key, group in groups.items():
                if len(group) > BLOCK and key and depth < 3:
                    todo.append((group, depth + 1))
                elif len(group) > 1:
                    out.append(group)
    return out


def _versions(pid: str, rows: list[dict[str, Any]]) -> list[Finding]:
    versions: dict[int | None, list[dict[str, Any]]] = {}
    for r in rows:
        parsed = try_parse_arxiv_id(r["link"] or "") if r["link"] else None
        if parsed is not None and parsed.id == pid:
            versions.setdefault(parsed.version, []).append(r)
    if len([v for v in versions if v is not None]) > 1 or (None in versions and len(versions) > 1):
        named = ", ".join(f"v{v}" if v else "unversioned" for v in sorted(versions, key=lambda v: v or 0))
        return [
            Finding(
                "versions",
                "info",
                f"{pid} is linked as {named}",
                [pid],
                [_src(pid, r) for rs in versions.values() for r in rs],
            )
        ]
    return []


def _infos(missing: list[str], non_arxiv: list[str]) -> list[Finding]:
    out = []
    if missing:
        out.append(
            Finding(
                "missing-metadata",
                "info",
                f"{count(len(missing), 'paper')} {'lacks' if len(missing) == 1 else 'lack'} authors or an abstract (arXiv ones can be filled with "
                f"`efmcat refresh ID...`, or `--all`): {_sample(missing)}",
                missing,
            )
        )
    if non_arxiv:
        out.append(
            Finding(
                "non-arxiv",
                "info",
                f"{count(len(non_arxiv), 'paper')} {'has' if len(non_arxiv) == 1 else 'have'} no arXiv id: {_sample(non_arxiv)}",
                non_arxiv,
            )
        )
    return out


def _sample(ids: list[str], n: int = 8) -> str:
    return ", ".join(ids[:n]) + (f" and {len(ids) - n} more" if len(ids) > n else "")


# -- --fix -------------------------------------------------------------------------------------------
def _rename_legacy_ids(catalog: Catalog) -> list[str]:
    """Give every id not in its canonical form (the old-style arXiv ids an older efmcat stored
    with their subject class, math.GT/0309136) the id it stands for (math/0309136), as the
    legacy-id finding names them; where the catalog holds that one too, the two merge.
    Tags, sources and notes follow."""
    legacy = []  # (id, canonical id): few, read off one pass over the ids
    for (pid,) in catalog.conn.execute("SELECT id FROM papers ORDER BY id"):
        try:
            canonical = parse_paper_id(pid)
        except InvalidIdError:
            continue  # malformed: a finding of its own, with nothing to rename it to
        if canonical != pid:
            legacy.append((pid, canonical))
    done = []
    with catalog.transaction():
        for pid, canonical in legacy:
            if catalog.has(canonical):
                merge_papers(catalog, pid, canonical)
                done.append(f"merged {pid} into {canonical} (arXiv's id)")
            else:
                catalog.conn.execute("UPDATE papers SET id = ? WHERE id = ?", (canonical, pid))
                done.append(f"renamed {pid} to {canonical} (arXiv's id)")
    return done


def _apply_safe_merges(catalog: Catalog) -> list[str]:
    """Merge papers whose titles are identical when exactly one of them has an arXiv id
    (titles grouped in a scratch database on disk, not in memory)."""
    from efmcat.scratch import insert_all, scratch_db

    done = []
    with scratch_db() as db:
        db.execute("CREATE TABLE t (id TEXT, nt TEXT)")
        rows = catalog.conn.execute("SELECT id, title FROM papers ORDER BY id")
        # compared as imports compare them (a title too short, or CJK, merges nothing)
        keys = ((r["id"], title_key(r["title"]) or "") for r in rows)
        insert_all(db, "INSERT INTO t VALUES (?, ?)", keys)
        db.execute("CREATE INDEX t_nt ON t (nt)")
        same = db.execute(
            "SELECT nt, id FROM t WHERE nt <> '' AND nt IN (SELECT nt FROM t GROUP BY nt HAVING count(*) > 1) "
            "ORDER BY nt, rowid"
        )
        with catalog.transaction():
            for _, group in groupby(same, key=lambda r: r[0]):
                ids = [r[1] for r in group]
                into = merge_target(ids)
                if into is None:
                    continue
                for other in ids:
                    if other != into:
                        merge_papers(catalog, other, into)
                        done.append(f"merged {other} into {into} (same title)")
    return done
