"""A spelling to suggest when a search found nothing ("Did you mean 'quantization'?").

Asked only when a search found no paper. A word of the query that no paper holds (a typo:
``quantizaton``, ``tensor complier``) is looked up among the words the catalog's titles
hold: the index terms FTS5 keeps (porter stems, read from ``fts5vocab`` tables in the temp
schema: the catalog file is never written) closest to the word's own term are candidates
(rapidfuzz's ratio), each spelt as a title spells it, and the spelling closest to what was
typed wins (optimal string alignment: a transposition is one edit, so "complier" is
compiler, not complex; of two as close, the one more titles hold); the first letter is
kept, since a typo seldom changes it. A word alone, an OR alternative or a part of a
hyphenated word may be mended; words that papers hold, quoted phrases, prefixes and
exclusions are kept as typed. Imports rapidfuzz only when
asked: it is on the piped search's path too (efmcat.fastpath), after a search found nothing.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator

from efmcat.query import WORDS_RE, to_fts_groups
from efmcat.render import count
from efmcat.stemming import stem_of, temp_in_memory
from efmcat.textsafe import no_match, shown_query, term

CANDIDATE_SCORE = 60.0  # rapidfuzz ratio (0-100) of the two stems for a term to be looked at
CANDIDATES = 40  # terms looked at per word
MIN_SIMILARITY = 0.75  # of the typed word and the title's word (OSA: a transposition is one edit)
MAX_WORDS = 8  # words of a query looked at (a longer query is not a typo of a short one)
SAMPLE = 20  # titles read to spell each candidate term
SPELLINGS = 2000  # titles read to spell the chosen one


def no_match_message(conn: sqlite3.Connection, query: str, filtered: bool) -> str:
    """What a search that found nothing says (textsafe.no_match), with "Did you mean ...?"
    when a word of ``query`` is in no paper and a close one is. A suggestion is a help, not
    part of the answer: if working it out fails, the message goes without it."""
    message = no_match(query, filtered)
    try:
        known = paper_named(conn, query)
        if known:
            return f"{message} It is a paper's id: efmcat show {known}"
        mended = suggestion(conn, query)
        if mended:
            return f"{message} Did you mean '{term(shown_query(mended))}'?"
        fewer = None if filtered else one_word_less(conn, query)
    except Exception:
        if os.environ.get("EFMCAT_DEBUG"):
            raise
        return message
    if fewer:
        word, n = fewer
        many = f"{n}+ papers" if n >= COUNT_UP_TO else count(n, "paper")
        return f"{message} Without '{term(shown_query(word))}': {many}."
    return message


def paper_named(conn: sqlite3.Connection, query: str) -> str | None:
    """The catalog id of the paper ``query`` names (an arXiv id, a link, a DOI, a catalog
    id: what ``show`` takes), if the catalog holds it; a search reads titles and abstracts,
    not ids, so ``search 2210.17323`` finds nothing and says where GPTQ is."""
    from efmcat.errors import InvalidIdError
    from efmcat.ids import parse_paper_id

    if len(query.split()) != 1:
        return None
    try:
        pid = parse_paper_id(query)
    except InvalidIdError:
        return None
    row = conn.execute("SELECT id FROM papers WHERE id = ?", (pid,)).fetchone()
    if row is not None:
        return str(row[0])
    # an id a release moved (LoRA's OpenReview page, now its arXiv id), as show follows it
    from efmcat.catalog import moved_to

    return moved_to(conn, [pid]).get(pid)


COUNT_UP_TO = 1000  # papers counted for "Without 'word': N papers" (more reads as "1000+")


def one_word_less(conn: sqlite3.Connection, query: str) -> tuple[str, int] | None:
    """For a query of several words that no paper holds together, each of them in some
    paper: the word (or group of alternatives) whose leaving out finds the most papers, and
    how many ("vision transformer token pruning": without 'vision', 12 papers). None for one
    word, more than MAX_WORDS, or when leaving any one out still finds nothing."""
    groups = to_fts_groups(query)
    if not 2 <= len(groups) <= MAX_WORDS:
        return None
    best: tuple[int, int] | None = None
    for i in range(len(groups)):
        rest = " AND ".join(g for j, g in enumerate(groups) if j != i)
        (n,) = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?)",
            (rest, COUNT_UP_TO),
        ).fetchone()
        if n and (best is None or n > best[1]):
            best = (i, n)
    if best is None:
        return None
    shown = (
        re.sub(r"^\(|\)$", "", groups[best[0]]).replace('""', "\x00").replace('"', "").replace("\x00", '"')
    )
    return shown, best[1]


def suggestion(conn: sqlite3.Connection, query: str) -> str | None:
    """``query`` with each word no paper holds replaced by the closest word the catalog's
    titles hold, or None when no word was replaced (every word is in some paper, or none is
    close enough). Read-only: scratch tables live in the temp schema."""
    try:
        groups = to_fts_groups(query)
    except Exception:
        return None
    if not groups:
        return None
    words = _typed_words(query)[:MAX_WORDS]
    missing = [w for w in words if not _held(conn, w)]
    if not missing:
        return None
    _setup(conn)
    stems = stem_of(conn, missing)
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import OSA

    fixed: dict[str, str] = {}
    for word in missing:
        stem, typed = stems[word], word.lower()  # a word of letters is one term
        # the terms of the same first letter (a typo seldom changes it), read by a range of
        # the vocabulary: a catalog of a million titles holds a million terms
        first = stem[:1]
        docs = dict(
            conn.execute(
                "SELECT term, doc FROM temp.efmcat_title_terms WHERE term >= ? AND term < ?",
                (first, chr(ord(first) + 1)),
            )
        )
        near = process.extract(
            stem, list(docs), scorer=fuzz.ratio, score_cutoff=CANDIDATE_SCORE, limit=CANDIDATES
        )
        scored = []
        for index_term, _, _ in near:
            spelt = _spelling(conn, index_term, typed, SAMPLE)
            if spelt is not None:
                # transpositions count once ("complier": compiler, not complex)
                scored.append((OSA.normalized_similarity(typed, spelt), docs[index_term], index_term))
        chosen = choose(scored)
        # the chosen term spelt from many more of its titles: its first few may all say
        # "optimize" where "optimizer" is closer to "optimzer"
        best = _spelling(conn, chosen, typed, SPELLINGS) if chosen is not None else None
        if best is not None and best != typed:
            fixed[typed] = best
    mended = _replaced(query, fixed) if fixed else query
    return mended if mended != query else None


def choose(scored: list[tuple[float, int, str]]) -> str | None:
    """Of (similarity to the typed word, titles holding it, term), the closest at least
    MIN_SIMILARITY; of two as close, the one more titles hold ("shardng" is as close to
    sharing as to sharding only if both are one edit away: it is not)."""
    good = [s for s in scored if s[0] >= MIN_SIMILARITY]
    return max(good, key=lambda s: (s[0], s[1], s[2]))[2] if good else None


def _held(conn: sqlite3.Connection, word: str) -> bool:
    row = conn.execute("SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT 1", (f'"{word}"',)).fetchone()
    if row is not None:
        return True
    try:
        note = conn.execute(
            "SELECT 1 FROM notes_fts WHERE notes_fts MATCH ? LIMIT 1", (f'"{word}"',)
        ).fetchone()
    except sqlite3.OperationalError:  # a catalog without notes
        return False
    return note is not None


def _setup(conn: sqlite3.Connection) -> None:
    """The titles' vocabulary, by term and by place, as temp-schema tables."""
    temp_in_memory(conn)
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.efmcat_title_terms USING fts5vocab(main, titles_fts, row)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.efmcat_title_places USING fts5vocab(main, titles_fts, instance)"
    )


def _spelling(conn: sqlite3.Connection, term: str, typed: str, sample: int) -> str | None:
    """How titles spell the index term ``term``: of the words of a few titles that hold it,
    those whose own index term it is, the one closest to ``typed`` (lower case). The titles
    are found through the vocabulary's instances: a MATCH would stem the stem again."""
    from rapidfuzz.distance import OSA

    rows = conn.execute(
        "SELECT DISTINCT doc FROM temp.efmcat_title_places WHERE term = ? LIMIT ?", (term, sample)
    ).fetchall()
    if not rows:
        return None
    marks = ",".join("?" * len(rows))
    titles = [
        t for (t,) in conn.execute(f"SELECT title FROM papers WHERE n IN ({marks})", [r[0] for r in rows])
    ]
    candidates = sorted({w.lower() for t in titles for w in WORDS_RE.findall(t or "")})
    stems = stem_of(conn, candidates)
    own = [w for w in candidates if stems.get(w) == term]
    if not own:
        return None
    return max(own, key=lambda w: (OSA.normalized_similarity(w, typed), -len(w), w))


def _loose_tokens(query: str) -> Iterator[tuple[str, bool]]:
    """The query's tokens (spaces included), each with whether it is typed loose: not a
    quoted phrase, an exclusion (``-word``, ``NOT word``) or an operator."""
    after_not = False
    for token in re.split(r'("[^"]*"?|\s+)', query):
        if not token or token.isspace():
            yield token, False
            continue
        kept = token.startswith(('"', "-")) or after_not or token in ("OR", "NOT")
        after_not = token == "NOT"
        yield token, not kept


# A token a suggestion may mend: a word, or words joined by hyphens (not "title:gptq",
# "O'Reilly" or a prefix "compil*": a phrase of one token, kept as typed).
_MENDABLE = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _typed_words(query: str) -> list[str]:
    """The words a suggestion may mend, in order, each once: of the loose tokens that are a
    word or hyphenated words (alone or an OR alternative), the words of at least three
    letters or digits."""
    out: list[str] = []
    for token, loose in _loose_tokens(query):
        if loose and _MENDABLE.fullmatch(token):
            out += [w for w in WORDS_RE.findall(token) if len(w) >= 3 and w not in out]
    return out


def _replaced(query: str, fixed: dict[str, str]) -> str:
    """``query`` with the words of ``fixed`` (matched whole, in any case) replaced, except in
    quoted phrases and exclusions (``-word``, ``NOT word``), which stay as typed."""
    return "".join(
        WORDS_RE.sub(lambda m: fixed.get(m.group().lower(), m.group()), token) if loose else token
        for token, loose in _loose_tokens(query)
    )
