"""The search SQL and its filters, shared by Catalog.search and the piped-search fast path.

This module is on the start-up path of ``efmcat search ... | head`` (see efmcat.fastpath),
so it imports nothing beyond efmcat.query and efmcat.errors (``re`` only; ``unicodedata``
when a name with an accent is first folded): no dataclasses, pathlib, json or typing.
Everything here works on a plain sqlite3 connection; efmcat's own connections also get
:func:`register`'s lower(), for --author.
"""

from __future__ import annotations

import re

from efmcat.errors import UsageError
from efmcat.query import to_fts_any, to_fts_excluded, to_fts_groups, to_fts_query, typed_words

TYPE_CHECKING = False  # typing itself is not imported on this path
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Iterator
    from typing import TypeVar

    _T = TypeVar("_T")

# The schema this SQL is written for (catalog.SCHEMA_VERSION; a test keeps them equal). The
# fast path leaves any other catalog to the full CLI, which migrates it or says why not.
SEARCH_SCHEMA = 7
YEAR_RANGE = (0, 9999)
MAX_LIMIT = 1_000_000_000
STATUSES = ("to-read", "reading", "read")
# What paper results show unless told otherwise: papers, not the repos and posts lists link.
DEFAULT_KINDS: tuple[str, ...] = ("paper",)

# Search score: a field-weighted sum of bm25 (BM25F-like). Weights of title and abstract.
# The title's bm25 comes from its own index (titles_fts); the abstract's from papers_fts
# with weights (0, 1, 0) under an ``abstract :`` column filter: the abstract's own idf, and
# the whole row's length for normalisation, which the abstract is almost all of.
TITLE_WEIGHT = 2.0
ABSTRACT_WEIGHT = 1.0
# The user's notes (notes_fts) count like an abstract: a paper matches when all the words
# are in its record (papers_fts), all are in its note, or (MIXED_SQL, for a query of several
# words) each is in one of the two: "thesis gptq" finds GPTQ with "thesis" in its note.
# A note that holds every word scores at least 1 (its bm25 rank at most -1.0 in SEARCH_SQL):
# with few notes a word in half of them has no idf (FTS5 floors it at 1e-6), so a match
# found only in the user's notes scored 0.00, as if it matched nothing.

# The search SQL; {filters} holds the optional WHERE on papers p. Shared with bench/.
# A paper that several curated lists name is a landmark of the field: its relevance is
# multiplied by 1 + LISTED_BOOST for every list beyond the first (GPTQ, listed by three
# lists, outranks a one-list paper that says "quantization" a little more often).
LISTED_BOOST = 0.25
# A paper the query names: the one-word name before its title's colon is the query's words
# ("lora" is "LoRA: Low-Rank Adaptation ...", "triton" "Triton: an intermediate language
# ...", "flash attention" "FlashAttention: ..."), or a title of at least NAMED_TITLE_WORDS
# words is (a title pasted whole); both folded, spaces and hyphens dropped, and of the query
# only the words a paper must hold, without quotes or a last colon. Its relevance is
# multiplied by 1 + NAMED_BOOST: without it a title that names LoRA twice ("S-LoRA: ... LoRA
# Adapters") and an abstract outranked LoRA itself (26th for "lora"). Not a name of several
# words, nor a short title: "Speculative Decoding: Performance or Illusion?" and "Large
# Language Model Pruning" are topics, what "speculative decoding" and "large language model
# pruning" ask for. Only the titles that begin with the query's words (an FTS5 ``^``
# phrase, :lead; NAMED_SQL marks them) are read to compare, so a query with many hits costs
# no more: a factor computed on every hit row made "model" a quarter slower at 100k papers.
NAMED_BOOST = 4.0
NAMED_TITLE_WORDS = 5
NAME_KEY_SQL = "replace(replace(lower({x}), ' ', ''), '-', '')"
_NAME = "trim(substr(t.title, 1, instr(t.title, ':') - 1))"
_TITLE_WORDS = "length(trim(t.title)) - length(replace(trim(t.title), ' ', '')) + 1"
NAMED_SQL = (
    """
        UNION ALL
        SELECT rowid, 0, 0, 1 FROM titles_fts WHERE titles_fts MATCH :lead
        AND EXISTS (SELECT 1 FROM papers t WHERE t.n = titles_fts.rowid AND ("""
    + f":key = {NAME_KEY_SQL.format(x='t.title')} AND {_TITLE_WORDS} >= {NAMED_TITLE_WORDS}"
    + f" OR :key = {NAME_KEY_SQL.format(x=_NAME)} AND instr({_NAME}, ' ') = 0"
    + "))"
)
SEARCH_SQL = """
SELECT g.n AS n, g.rank * (1.0 + {lb} * max(0, (
    SELECT count(DISTINCT s.source) FROM sources s WHERE s.paper_id = (SELECT id FROM papers WHERE n = g.n)
) - 1)) * (1.0 + {nb} * g.named) AS rank FROM (
    SELECT n, sum(r) AS rank, max(hit) AS hit, max(named) AS named FROM (
        SELECT rowid AS n, rank AS r, 1 AS hit, 0 AS named FROM papers_fts WHERE papers_fts MATCH :all
        UNION ALL
        SELECT rowid, {tw} * rank, 0, 0 FROM titles_fts WHERE titles_fts MATCH :any
        UNION ALL
        SELECT rowid, {aw} * bm25(papers_fts, 0.0, 1.0, 0.0), 0, 0 FROM papers_fts
        WHERE papers_fts MATCH 'abstract : (' || :any || ')'
        UNION ALL
        SELECT rowid, min(rank, -1.0), 1, 0 FROM notes_fts WHERE notes_fts MATCH :all{mixed}{named}
    ) GROUP BY n
) g {join}
WHERE g.hit = 1 {filters}
ORDER BY 2, g.n
"""


# A paper whose note holds some of the words and whose record the rest: every note with any
# of the words whose paper has each group of alternatives (:g0, :g1, ...) in its note or in
# its record. Each group's notes and records are read once, as rowid sets SQLite builds for
# the statement (an IN subquery, built when first needed: not at all without notes), then
# tested per note. Not an EXISTS lookup by rowid per note and group: FTS5 answers each in
# 0.03-0.3 ms, and with a note on each of 100k papers a piped 5-word search took 16 s (0.45 s
# now), on each of 1M papers 169 s (3.9 s; docs/SPEED.md). The ``+`` keeps the rowid test a
# test: without it SQLite plans it as FTS5 lookups by rowid (a MULTI-INDEX OR), which FTS5
# then refuses ("unable to use function MATCH"). It adds a hit, not a score (0): the title
# and abstract rows score it as any paper.
MIXED_SQL = """
        UNION ALL
        SELECT nf.rowid, 0, 1, 0 FROM notes_fts AS nf WHERE notes_fts MATCH :any AND {each}"""
MIXED_GROUP = (
    "(+nf.rowid IN (SELECT rowid FROM notes_fts WHERE notes_fts MATCH :g{i})"
    " OR +nf.rowid IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH :g{i}))"
)


def mixed_sql(groups: list[str], params: dict[str, object]) -> str:
    """MIXED_SQL for ``groups`` (setting their parameters), or nothing for one group (the
    record and note rows already find every paper then)."""
    if len(groups) < 2:
        return ""
    for i, group in enumerate(groups):
        params[f"g{i}"] = group
    return MIXED_SQL.format(each=" AND ".join(MIXED_GROUP.format(i=i) for i in range(len(groups))))


def check_limit(limit: int | None) -> None:
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}, not {limit}")


def check_years(year: int | None, since: int | None, until: int | None) -> None:
    lo, hi = YEAR_RANGE
    for name, value in (("--year", year), ("--since", since), ("--until", until)):
        if value is not None and not lo <= value <= hi:
            raise UsageError(f"{name} must be a year between {lo} and {hi}, not {value}")
    if year is not None and (since is not None or until is not None):
        raise UsageError("use --year, or --since/--until, not both")
    if since is not None and until is not None and since > until:
        raise UsageError(f"--since {since} is after --until {until}")


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# characters of --section (a heading is a line; SQLite refuses LIKE patterns past 50,000 bytes)
MAX_SECTION = 1000


def check_section_text(section: str) -> None:
    """UsageError for a --section that cannot name a heading: blank (it matched every
    heading) or longer than MAX_SECTION (SQLite: "LIKE or GLOB pattern too complex")."""
    if not section.strip():
        raise UsageError(f"--section needs some text of a heading, not '{section}'")
    if len(section) > MAX_SECTION:
        raise UsageError(
            f"--section is some text of a heading: at most {MAX_SECTION} characters, not {len(section)}"
        )


def filter_clauses(
    *,
    nodes: list[str] | tuple[str, ...] | None = None,
    year: int | None = None,
    since: int | None = None,
    until: int | None = None,
    author: str | None = None,
    sources: list[str] | tuple[str, ...] | None = None,
    section: str | None = None,
    kinds: list[str] | tuple[str, ...] | None = None,
    status: str | None = None,
    starred: bool = False,
) -> tuple[list[str], list[object]]:
    """WHERE conditions on papers ``p`` (with positional ``?``) and their arguments.

    ``sources`` are taken as given: Catalog.check_sources says which names exist."""
    where: list[str] = []
    args: list[object] = []
    if section is not None:
        check_section_text(section)
    if sources or section:
        cond, sargs = [], []
        if sources:
            cond.append(f"source IN ({','.join('?' * len(sources))})")
            sargs.extend(sources)
        if section:
            cond.append("section LIKE ? ESCAPE '\\'")
            sargs.append("%" + like_escape(section) + "%")
        where.append(f"p.id IN (SELECT paper_id FROM sources WHERE {' AND '.join(cond)})")
        args.extend(sargs)
    if kinds:
        where.append(f"p.kind IN ({','.join('?' * len(kinds))})")
        args.extend(kinds)
    if status is not None:
        if status == "unread":
            where.append("(p.status IS NULL OR p.status <> 'read')")
        elif status == "none":  # no status set: what `efmcat status ID none` leaves
            where.append("p.status IS NULL")
        elif status in STATUSES:
            where.append("p.status = ?")
            args.append(status)
        else:
            raise UsageError(f"unknown status '{status}': use one of {', '.join(STATUSES)}, unread or none")
    if starred:
        where.append("p.starred = 1")
    if nodes:
        marks = ",".join("?" * len(nodes))
        where.append(f"p.id IN (SELECT paper_id FROM tags WHERE removed = 0 AND node IN ({marks}))")
        args.extend(nodes)
    if year is not None:
        where.append("p.year = ?")
        args.append(year)
    if since is not None:
        where.append("p.year >= ?")
        args.append(since)
    if until is not None:
        where.append("p.year <= ?")
        args.append(until)
    if author is not None:  # "" is an error (author_key), not "any author"
        where.append(AUTHOR_SQL)
        args.append(author_key(author))
    return where, args


# --author NAME: whole words of one author's name, in order ("han" is not Zhang; "tri dao"
# is Tri Dao, not the "...Tri", "Dao..." of two authors). Both sides are lowered, quotes,
# commas and hyphens made spaces and dots dropped ("Y. Fu" is "y fu"); a quote inside a name
# (stored escaped in the JSON list: Hai \"Helen\" Li) is dropped; between two authors the
# list leaves several spaces, which no name matches.
# (A LIKE on one word first was faster but missed initials typed without dots: "WH", W.H.)
# Lowered means :func:`fold`ed, without case or diacritics, as full-text search matches:
# "Christopher Re" is Christopher Ré and the other way round, Muller Müller, Lukasz Łukasz,
# Assenmacher Aßenmacher. The name is folded here; the authors by lower() in the SQL, which
# on efmcat's connections (Catalog, quicksearch) is fold (:func:`register`: SQLite's own
# lower() knows ASCII only, and its ICU extension replaces lower() the same way). Any other
# connection runs the same SQL with SQLite's lower(), accents then counting, as they did.
# Not an FTS5 MATCH on papers_fts' authors (diacritics removed) first: its tokens keep ø, ł
# and ß, split "J.R.R." where a name typed "JRR" must still match, and would need the name
# twice (one argument here). fold costs a Python call a paper, ~0.1 us over SQLite's lower()
# for an ASCII list and ~4 us for one with accents: on 100k papers a list --author scans in
# 0.3 s, 0.55 s if half the lists have accents (a search reads its hits only).
_AUTHOR_BREAKS = str.maketrans({'"': None, ",": " ", "-": " ", ".": None})
AUTHOR_SQL = (
    "instr(' ' || replace(replace(replace(replace(replace("
    "lower(p.authors), '\\\"', ''), '\"', ' '), ',', ' '), '-', ' '), '.', '') || ' ', ?) > 0"
)


def author_key(name: str) -> str:
    """What ``--author NAME`` looks for in a paper's folded authors (see AUTHOR_SQL)."""
    words = fold(name).translate(_AUTHOR_BREAKS).split()
    if not words:
        raise UsageError(f"--author needs a name, not '{name}'")
    return " " + " ".join(words) + " "


def papers_without_authors(conn: sqlite3.Connection) -> int:
    """Entries with no authors stored (most list rows until arXiv is asked): --author can
    never match them, and the search or list that filtered by author says so."""
    return conn.execute("SELECT count(*) FROM papers WHERE authors = '[]'").fetchone()[0]


def authorless_note(conn: sqlite3.Connection, author: str | None) -> str | None:
    """What a search or list filtered by ``author`` says after its papers (textsafe's
    words), on every path; None without --author or when every entry has authors."""
    if author is None:
        return None
    from efmcat.textsafe import authorless_note as note_of

    n = papers_without_authors(conn)
    return note_of(n) if n else None


def register(conn: sqlite3.Connection) -> None:
    """Make ``conn``'s lower() :func:`fold` (for AUTHOR_SQL, the only SQL of efmcat's that
    calls lower()): on every connection that runs the search and list SQL."""
    conn.create_function("lower", 1, fold, deterministic=True)


def fold(text: object) -> object:
    """``text`` lowered, its diacritics dropped: "Ré" is "re", "MÜLLER" "muller", "Łukasz"
    "lukasz", "Straße" "strasse", "Søren" "soren". ASCII text is only lowered (as SQLite's
    lower() lowers it); a run of other characters is compatibility-decomposed (NFKD), case
    folded, stripped of combining marks and of the strokes of ø, ł, đ, ... (_LETTERS). As
    lower(): NULL stays NULL, a number or blob is lowered as its text."""
    if not isinstance(text, str):
        if text is None:
            return None
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if text.isascii():  # most authors lists: no more than SQLite's lower()
        return text.lower()
    return (_fold_tools or _make_fold_tools())[0].sub(_fold_run, text.lower())


# Combining marks (the Combining Diacritical Marks blocks), once NFKD has split them off
_MARKS = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
# Letters whose mark is part of the letter (no decomposition to drop it from), case folded
_LETTERS = {
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "ı": "i",
    "ŧ": "t",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}
# (runs of non-ASCII characters, _MARKS, _LETTERS' table, unicodedata.normalize): made when
# a first non-ASCII text is folded, not at start-up
_fold_tools: tuple | None = None
_folded: dict[str, str] = {}  # runs already folded: names repeat, lists share them


def _make_fold_tools() -> tuple:
    global _fold_tools
    from unicodedata import normalize

    _fold_tools = (re.compile("[^\x00-\x7f]+"), re.compile(_MARKS), str.maketrans(_LETTERS), normalize)
    return _fold_tools


def _fold_run(match: re.Match[str]) -> str:
    run = match.group()
    got = _folded.get(run)
    if got is None:
        _, marks, letters, normalize = _fold_tools
        got = marks.sub("", normalize("NFKD", run).casefold()).translate(letters)
        if len(_folded) < 10_000:
            _folded[run] = got
    return got


def number_params(sql: str, count: int) -> str:
    """Turn the filters' positional ``?`` into named :f0, :f1, ... (the rest is named)."""
    for i in range(count):
        sql = sql.replace("?", f":f{i}", 1)
    return sql


def named_params(query: str) -> dict[str, str]:
    """NAMED_SQL's parameters for ``query`` (none when it names nothing: no word, or
    alternatives): ``key``, the words a paper must hold as typed, folded, without spaces,
    hyphens and a last colon, which a title (or the name before its colon) folded so must
    equal, and ``lead``, the FTS5 phrase of its words (or of the one word they make) at the
    start of a title."""
    text = str(fold(" ".join(typed_words(query) or [])))
    words = _WORDS.findall(text)
    if not words:
        return {}
    key = re.sub(r"[ \-]+", "", text).lstrip("^").rstrip(":")
    lead = '^"' + " ".join(words) + '"'
    if len(words) > 1:  # "flash attention" names FlashAttention, one word in the title
        lead += ' OR ^"' + "".join(words) + '"'
    return {"key": key, "lead": lead}


_WORDS = re.compile(r"[^\W_]+")


def ranking(
    query: str, where: list[str], args: list[object], limit: int | None
) -> tuple[str, dict[str, object]]:
    """The SQL (and its parameters) that ranks the papers matching ``query``: rows of the
    papers' integer key ``n`` and ``rank`` (lower is better), best first. A ``limit`` above
    SQL_LIMIT is not in the SQL: read the rows through :func:`first`."""
    params: dict[str, object] = {"all": to_fts_query(query), "any": to_fts_any(query)}
    named = named_params(query)
    params.update(named)
    mixed = mixed_sql(to_fts_groups(query), params)
    conditions = list(where)
    nots = to_fts_excluded(query)
    if nots:
        # An exclusion holds for the whole paper: a note matching every word does not bring
        # back a paper whose record has an excluded word, nor the record one whose note has.
        params["nots"] = nots
        conditions.append(
            "g.n NOT IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH :nots "
            "UNION ALL SELECT rowid FROM notes_fts WHERE notes_fts MATCH :nots)"
        )
    sql = SEARCH_SQL.format(
        lb=LISTED_BOOST,
        nb=NAMED_BOOST,
        named=NAMED_SQL if named else "",
        tw=TITLE_WEIGHT,
        aw=ABSTRACT_WEIGHT,
        mixed=mixed,
        join="JOIN papers p ON p.n = g.n" if where else "",
        filters=("AND " + " AND ".join(conditions)) if conditions else "",
    )
    for i, value in enumerate(args):
        params[f"f{i}"] = value
    sql = number_params(sql, len(args))
    return sql + limit_clause(limit, params), params


# The largest limit given to SQLite. For a LIMIT of millions SQLite's top-N sort is about
# twice as slow as sorting every hit (1M papers, all hits of 'model': 18.6 s to the first
# row, not 9.2 s), so a larger limit stays out of the SQL and the reader applies it
# (:func:`first`) as it takes the rows.
SQL_LIMIT = 10_000


def limit_clause(limit: int | None, params: dict[str, object]) -> str:
    """`` LIMIT :limit`` (setting ``params["limit"]``) for a limit SQLite should apply, else
    nothing: no limit, or one above SQL_LIMIT, which the reader applies with :func:`first`."""
    if limit is None or limit > SQL_LIMIT:
        return ""
    params["limit"] = limit
    return " LIMIT :limit"


def first(rows: Iterator[_T], limit: int | None) -> Iterator[_T]:
    """The first ``limit`` of ``rows`` (all of them for None), read lazily: the other half
    of :func:`limit_clause`, for a limit the SQL left out."""
    if limit is None or limit <= SQL_LIMIT:
        return rows
    from itertools import islice

    return islice(rows, limit)
