"""Search operators mixed: OR, -excluded / NOT and implicit AND mean what README says, on
every search path; repeated terms count once and a query holds at most MAX_TERMS terms.

The meaning (README, `efmcat search`): every exclusion takes its papers out of the whole
result; of the rest, OR joins its neighbours into alternatives and those groups are ANDed:
``a b OR c -d`` is ``a AND (b OR c)`` less ``d``, ``a -d OR b`` is ``(a OR b)`` less ``d``.
"""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
import sys

import pytest

from efmcat import fastpath
from efmcat import query as query_module
from efmcat.errors import QueryError
from efmcat.query import to_fts_any, to_fts_query

MAX_TERMS = 64  # the limit README states (Limits)

WORDS = ("alpha", "beta", "gamma", "delta")
# every subset of WORDS is one paper's title
SUBSETS = [frozenset(c) for r in range(len(WORDS) + 1) for c in itertools.combinations(WORDS, r)]


def _meaning(tokens: list[str]) -> set[frozenset[str]] | None:
    """The subsets of WORDS (papers) a query of plain words, -words, OR and NOT matches,
    by the README's rule; None when it has nothing to search for."""
    groups: list[set[str]] = []
    excluded: set[str] = set()
    joined = negate = False
    for token in tokens:
        if token == "OR":
            joined, negate = bool(groups), False
        elif token == "NOT":
            negate = True
        elif token.startswith("-") or negate:
            excluded.add(token.lstrip("-"))
            negate = False
        else:
            if joined:
                groups[-1].add(token)
            else:
                groups.append({token})
            joined = negate = False
    if not groups:
        return None
    return {s for s in SUBSETS if all(g & s for g in groups) and not excluded & s}


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    """An FTS5 table of the subsets, with the catalog's tokenizer."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61 remove_diacritics 2')")
    for n, subset in enumerate(SUBSETS):
        conn.execute("INSERT INTO t(rowid, x) VALUES (?, ?)", (n, " ".join(sorted(subset)) + " paper"))
    return conn


def _matched(conn: sqlite3.Connection, query: str) -> set[frozenset[str]]:
    rows = conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (to_fts_query(query),))
    return {SUBSETS[n] for (n,) in rows}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("pruning OR sparsity -survey", '("pruning" OR "sparsity") NOT "survey"'),
        ("medusa -survey OR eagle", '("medusa" OR "eagle") NOT "survey"'),
        ("a b OR c -d", '"a" AND ("b" OR "c") NOT "d"'),
        ("a OR b c", '("a" OR "b") AND "c"'),
        ("a OR b OR c", '"a" OR "b" OR "c"'),
        ("a -x OR b c", '("a" OR "b") NOT "x" AND "c"'),
        ("-x a OR b", '("a" OR "b") NOT "x"'),
        ("a NOT x OR b", '("a" OR "b") NOT "x"'),
        ('"kv cache" OR paging -survey', '("kv cache" OR "paging" OR "kvcache") NOT "survey"'),
        ("quant* OR sparse* llm", '("quant"* OR "sparse"*) AND "llm"'),
        # a term given twice counts once
        ("a a", '"a"'),
        ("GPTQ gptq", '"GPTQ"'),
        ("a OR a", '"a"'),
        ("a OR b b OR a -c", '("a" OR "b") NOT "c"'),
        ("a -b -B NOT b", '"a" NOT "b"'),
        ("a* " * 1000, '"a"*'),
        ("a a* a", '"a" AND "a"*'),  # a word and a prefix are two terms
        ("ß ss", '"ß" AND "ss"'),  # FTS5 keeps these apart: so does the dedup
        ("a AND b OR c", '"a" AND ("b" OR "c")'),  # AND is what a space means
        ("and AND", '"and"'),  # the word, written small, is a word
    ],
)
def test_to_fts_query_groups_or_and_lifts_exclusions(text, expected):
    assert to_fts_query(text) == expected


def test_ranking_terms_are_the_positive_ones_once():
    assert to_fts_any("a OR b c -d a") == '"a" OR "b" OR "c"'


# Every query of up to four tokens of these (about 2,800): what FTS5 matches for the
# expression is what the README's rule says.
TOKENS = ("alpha", "beta", "gamma", "-delta", "-alpha", "OR", "NOT")


def test_every_short_mix_of_operators_means_the_readme_rule(fts):
    wrong = []
    for length in range(1, 5):
        for tokens in itertools.product(TOKENS, repeat=length):
            query = " ".join(tokens)
            expected = _meaning(list(tokens))
            if expected is None:
                with pytest.raises(QueryError):
                    to_fts_query(query)
                continue
            got = _matched(fts, query)
            if got != expected:
                wrong.append((query, to_fts_query(query)))
    assert not wrong, wrong[:10]


# -- the search paths: Typer command, piped fast path, lean path, library -----------------


@pytest.fixture
def ops_db(tmp_path, monkeypatch):
    """A catalog of one paper for each subset of WORDS (its title), set as EFMCAT_DB."""
    from efmcat.catalog import Catalog
    from efmcat.models import Paper
    from efmcat.taxonomy import load_taxonomy

    path = tmp_path / "ops.db"
    with Catalog(path) as catalog:
        for n, subset in enumerate(SUBSETS):
            title = " ".join(w for w in WORDS if w in subset) + f" paper {n}"
            catalog.upsert_paper(Paper(id=f"2401.{n:05d}", title=title, abstract="An abstract.", year=2024))
    monkeypatch.setenv("EFMCAT_DB", str(path))
    load_taxonomy()  # caches the area map the lean path needs
    return path


def _ids(subsets: set[frozenset[str]]) -> set[str]:
    return {f"2401.{SUBSETS.index(s):05d}" for s in subsets}


@pytest.mark.parametrize(
    "query",
    [
        "alpha OR beta -delta",
        "alpha -delta OR beta",
        "alpha OR beta gamma",
        "gamma alpha OR beta -delta",
        "-delta alpha OR beta",
        "alpha NOT delta OR beta",
        "alpha OR -beta OR gamma",
    ],
)
def test_every_search_path_gives_the_same_papers(cli, ops_db, monkeypatch, query):
    from efmcat.browse import search_records
    from efmcat.catalog import Catalog
    from efmcat.quicksearch import search_rows

    expected = _ids(_meaning(query.split()))
    assert expected  # none of the cases is empty
    lean = search_rows(str(ops_db), query, limit=None)
    assert lean is not None
    lean_ids = [r["id"] for r in lean]
    assert set(lean_ids) == expected and len(lean_ids) == len(expected)
    with Catalog(ops_db, create=False) as catalog:
        library = [p.id for p, _ in catalog.search(query, limit=None)]
        records = [r["id"] for r in search_records(catalog, query, limit=100)]
    assert library == records == lean_ids  # the same papers in the same order
    shown = cli("search", "-n", "100", "--", query)  # "--": a query may start with "-"
    assert shown.exit_code == 0, shown.output
    assert [line.split("\t")[1] for line in shown.stdout.splitlines()] == lean_ids
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert fastpath.try_search([query, "-n", "100"]) == 0  # "-delta ...": a word, not an option
    assert (out.getvalue(), err.getvalue()) == (shown.stdout, shown.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ["alpha", "-delta", "OR", "beta"],  # an exclusion among the words (was "-d elta")
        ["-delta", "alpha", "OR", "beta"],  # first, with no "--"
        ["alpha", "-delta", "-n", "100", "OR", "beta"],  # options between the words
        ["-n", "100", "alpha", "NOT", "delta", "OR", "beta", "--json"],
        ["alpha", "-n100", "-delta", "OR", "beta"],  # -n with its number is the option
    ],
)
def test_an_exclusion_anywhere_among_the_words_is_a_word(cli, ops_db, monkeypatch, args):
    """`efmcat search medusa -survey OR eagle` was "unknown source 'urvey'", `kv cache
    -quantization` "No such option: -q": a word that starts with one "-" is an exclusion
    unless it is an option exactly, on the CLI's path and the piped fast path alike."""
    expected = _ids(_meaning(["alpha", "-delta", "OR", "beta"]))
    shown = cli("search", *args)
    assert shown.exit_code == 0, shown.output
    if "--json" in args:
        got = [p["id"] for p in json.loads(shown.stdout)]
    else:
        got = [line.split("\t")[1] for line in shown.stdout.splitlines()]
    assert set(got) == expected and len(got) == len(expected)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    handled = fastpath.try_search(args)  # (16 papers: under the default limit)
    if "-n100" in args:
        assert handled is None  # an attached value: left to Typer
    else:
        assert handled == 0
        assert out.getvalue() == shown.stdout


@pytest.mark.parametrize(
    "query, expected",
    [
        ("alpha zeta", {frozenset({"alpha"})}),  # one word in the note, one in the title
        ("zeta alpha OR beta", {frozenset({"alpha"})}),
        ("zeta beta", set()),  # the paper's record has no beta
        ("alpha zeta -gamma", {frozenset({"alpha"})}),
        ("alpha zeta -omega", set()),  # an exclusion in the note holds for the whole paper
        ("alpha zeta OR nothing", {frozenset({"alpha"})}),
    ],
)
def test_a_query_matches_words_split_between_the_note_and_the_record(
    cli, ops_db, monkeypatch, query, expected
):
    """Each word (or group of alternatives) in the paper's record or in the user's note."""
    from efmcat.catalog import Catalog
    from efmcat.quicksearch import search_rows

    with Catalog(ops_db) as catalog:
        catalog.set_note(f"2401.{SUBSETS.index(frozenset({'alpha'})):05d}", "zeta omega: my thesis baseline")
    ids = _ids(expected)
    lean = search_rows(str(ops_db), query, limit=None)
    assert lean is not None and {r["id"] for r in lean} == ids
    with Catalog(ops_db, create=False) as catalog:
        assert {p.id for p, _ in catalog.search(query, limit=None)} == ids
    shown = cli("search", "-n", "100", "--", query)
    assert {line.split("\t")[1] for line in shown.stdout.splitlines()} == ids


# -- how many terms ------------------------------------------------------------------------


def test_a_repeated_prefix_is_searched_once(cli, ops_db):
    one = cli("search", "alph*")
    many = cli("search", "alph* " * 1000)
    assert many.exit_code == 0, many.output
    assert many.stdout == one.stdout and len(one.stdout.splitlines()) == 8


def _distinct(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


@pytest.mark.parametrize(
    "text, count",
    [
        (_distinct(MAX_TERMS + 1), MAX_TERMS + 1),
        (_distinct(1000), 1000),
        ("x " + " ".join(f"-w{i}" for i in range(MAX_TERMS)), MAX_TERMS + 1),  # exclusions count
        (" OR ".join(f"w{i}" for i in range(MAX_TERMS + 1)), MAX_TERMS + 1),
        # spelled apart but the same to FTS5: each is a term (the cap still holds)
        (" ".join("a" + "." * i + "*" for i in range(1000)), 1000),
        # a term repeated in different groups is searched in each
        (" ".join(f"w{i} OR shared" for i in range(40)), 80),
    ],
)
def test_more_than_max_terms_is_an_error(text, count):
    with pytest.raises(QueryError) as exc:
        to_fts_query(text)
    assert str(exc.value) == f"too many search terms ({count}): give at most {MAX_TERMS}"


def test_max_terms_is_allowed():
    assert query_module.MAX_TERMS == MAX_TERMS
    assert to_fts_query(_distinct(MAX_TERMS)).count('"w') == MAX_TERMS
    assert to_fts_query(_distinct(MAX_TERMS) + " w0 W1").count('"w') == MAX_TERMS  # repeats are free


@pytest.mark.parametrize("piped", [False, True])
def test_too_many_terms_is_one_error_line(cli, ops_db, monkeypatch, piped):
    query = _distinct(MAX_TERMS + 1)
    if piped:  # the fast path leaves the error to the CLI
        with monkeypatch.context() as m:
            m.setattr(sys, "stdout", io.StringIO())
            assert fastpath.try_search([query]) is None
    result = cli("search", query)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: too many search terms ({MAX_TERMS + 1}): give at most {MAX_TERMS}\n"


def test_a_query_of_several_arguments_is_one_query(cli, mini_db):
    """`efmcat search post training quantization` was "Got unexpected extra argument(s)";
    an argument that held spaces (its quotes taken by the shell) stays a phrase."""
    from efmcat.query import join_words

    assert join_words(["kv cache", "eviction"]) == '"kv cache" eviction'
    assert join_words(['"kv cache" OR x']) == '"kv cache" OR x'
    assert join_words(['a "b c"', "d"]) == 'a "b c" d'
    one = cli("search", "post-training quantization")
    several = cli("search", "post-training", "quantization")
    assert several.exit_code == 0 and several.stdout == one.stdout != ""
    assert cli("search", "--", "-gptq", "quantization").stdout == cli("search", "quantization -gptq").stdout


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["flash attention"], "2205.14135"),  # "FlashAttention: Fast and Memory-Efficient ..."
        (["flash", "attention"], "2205.14135"),
        (["flash-attention"], "2205.14135"),
        (['"paged attention"'], "2309.06180"),  # "... Serving with PagedAttention"
        (["fast", "flash", "attention"], "2205.14135"),  # the name after another word
        (["--", "-survey", "flash", "attention"], "2205.14135"),  # after an exclusion
    ],
)
def test_a_name_written_as_two_words_finds_the_paper(cli, mini_db, words, expected):
    """`efmcat search flash attention` missed FlashAttention, whose title has the one word."""
    result = cli("search", "--json", *words)
    assert result.exit_code == 0
    assert expected in [p["id"] for p in json.loads(result.stdout)]


@pytest.mark.parametrize(("args", "option"), [(["a", "-n"], "-n"), (["kv", "--tag"], "--tag")])
def test_an_option_missing_its_value_says_so(cli, mini_db, args, option):
    """The words go after a "--" the CLI inserts: an option left without its value took that
    "--" for it ("'--' is not a valid int range", "unknown taxonomy node '--'")."""
    r = cli("search", *args)
    assert (r.exit_code, r.stderr) == (
        2,
        f"Error: Option '{option}' requires an argument (see efmcat search -h)\n",
    )


def test_the_search_paths_share_one_rule_for_words_that_start_with_a_dash():
    from efmcat.fastpath import is_query_word

    options = {"-n", "-t", "-s", "--limit", "--json", "-h"}
    assert [is_query_word(a, options) for a in ("-survey", "-", "x", "-n", "-n5", "--json", "--nope", "-h")] == [
        True, True, True, False, False, False, False, False,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "plain"), [("ﬂash", "flash"), ("ＧＰＴＱ", "GPTQ"), ("ｐｒｕｎｉｎｇ -ｍｏｅ", "pruning -moe")]
)
def test_compatibility_characters_search_as_their_letters(typed, plain):
    """A ligature pasted from a PDF ("ﬂash") or full-width letters found nothing: FTS5's
    tokenizer folds accents, not these. The query reads them as NFKC makes them."""
    assert to_fts_query(typed) == to_fts_query(plain)
    assert query_module.typed_words(typed) == query_module.typed_words(plain)


def test_a_ligature_finds_the_paper_on_every_search_path(cli, mini_db, monkeypatch):
    """And a superscript the index holds as typed ("M³ViT") is still found: only ligatures and
    full-width forms are read as their letters (NFKC of the whole query made it "M3ViT")."""
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    with Catalog(mini_db) as cat:
        cat.upsert_paper(
            Paper(id="openreview:m3vit", title="M³ViT: Mixture-of-Experts Vision Transformer", year=2022)
        )
    assert "openreview:m3vit" in cli("search", "M³ViT").stdout
    shown = cli("search", "ﬂashattention")
    assert shown.exit_code == 0 and "2205.14135" in shown.stdout
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert fastpath.try_search(["ﬂashattention"]) == 0
    assert out.getvalue() == shown.stdout
