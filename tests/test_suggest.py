"""A search that found nothing suggests a spelling from the catalog's titles ("Did you mean"),
on every search path, without writing the catalog."""

from __future__ import annotations

import io
import sqlite3
import sys

import pytest

from efmcat import fastpath, suggest


@pytest.fixture
def conn(mini_db):
    c = sqlite3.connect(f"file:{mini_db}?mode=ro", uri=True)
    yield c
    c.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("quantizaton", "quantization"),
        ("qunatization", "quantization"),  # a transposition
        ("gtpq", "gptq"),
        ("memroy management", "memory management"),
        ("pagedatention", "pagedattention"),
        ("Quantizaton OR gtpq", "quantization OR gptq"),  # each alternative
        ("flash-attenton", "flash-attention"),  # a part of a hyphenated word
        ("complier* quantizaton", "complier* quantization"),  # a prefix is kept as typed
        ("quantizaton OR", "quantization OR"),  # an operator is no word
        ('"quantizaton"', None),  # a phrase is kept as typed
        ("gptq -quantizaton", None),  # so is an exclusion
        ("quantizaton -quantizaton", "quantization -quantizaton"),  # mended, the exclusion kept
        ("quantizaton NOT quantizaton", "quantization NOT quantizaton"),
        ("quantization", None),  # held by a paper
        ("zzzzqq", None),  # nothing close
        ("xuantization", None),  # a typo seldom changes the first letter
        ("puantization", None),  # not even to the letter before
    ],
)
def test_a_word_no_paper_holds_is_mended_from_the_titles(conn, query, expected):
    assert suggest.suggestion(conn, query) == expected


def test_the_words_papers_hold_stay_as_typed(conn):
    assert suggest.suggestion(conn, "Efficient quantizaton") == "Efficient quantization"


@pytest.mark.parametrize("piped", [False, True])
def test_the_message_says_it_on_every_path(cli, mini_db, monkeypatch, piped):
    expected = "No papers match 'quantizaton'. Did you mean 'quantization'?\n"
    if piped:  # the fast path (a tag filter) and the lean path answer without Typer
        for args in (["quantizaton"], ["quantizaton", "--tag", "quantization"]):
            out, err = io.StringIO(), io.StringIO()
            monkeypatch.setattr(sys, "stdout", out)
            monkeypatch.setattr(sys, "stderr", err)
            assert fastpath.try_search(args) == 0
            assert out.getvalue() == ""
            assert err.getvalue() == (
                expected if len(args) == 1 else expected.replace("'.", "' with the filters given.")
            )
    else:
        result = cli("search", "quantizaton")
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", expected)
        assert cli("search", "quantizaton", "--json").stdout == "[]\n"


def test_a_suggestion_that_fails_leaves_the_plain_message(cli, mini_db, monkeypatch):
    def broken(conn, query):
        raise sqlite3.OperationalError("no such module: fts5vocab")

    monkeypatch.setattr(suggest, "suggestion", broken)
    assert cli("search", "quantizaton").stderr == "No papers match 'quantizaton'.\n"


def test_the_catalog_file_is_not_written(cli, mini_db):
    before = mini_db.read_bytes()
    assert "Did you mean" in cli("search", "quantizaton").stderr
    assert mini_db.read_bytes() == before


@pytest.mark.parametrize(
    ("scored", "expected"),
    [
        ([(0.857, 9, "share"), (0.875, 2, "shard")], "shard"),  # "shardng": sharding, one edit
        ([(0.875, 3, "a"), (0.875, 1, "b")], "a"),  # as close: the one more titles hold
        ([(0.74, 9, "x"), (0.70, 9, "y")], None),  # none close enough
        ([(0.75, 1, "x")], "x"),
        ([], None),
    ],
)
def test_the_closest_spelling_and_of_two_as_close_the_one_more_titles_hold(scored, expected):
    assert suggest.choose(scored) == expected


def test_the_chosen_word_is_spelt_from_many_titles(tmp_path):
    """The first titles holding a term may all spell it one way ("optimize") where another
    of its spellings is closer to what was typed ("optimzer": optimizer)."""
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    path = tmp_path / "words.db"
    titles = [f"Optimize Thing {n}" for n in range(suggest.SAMPLE)] + ["An Optimizer"]
    with Catalog(path) as catalog:
        for n, title in enumerate(titles):
            catalog.upsert_paper(Paper(id=f"2401.{n:05d}", title=title, year=2024))
    with sqlite3.connect(path) as c:
        assert suggest.suggestion(c, "optimzer") == "optimizer"


@pytest.mark.parametrize("query", ["title:tensor", "O'Reilly", "compilr*"])
def test_a_token_with_a_colon_an_apostrophe_or_a_star_is_kept_as_typed(tmp_path, query):
    """One token that is not a word or hyphenated words is a phrase (or a prefix): its words
    are not mended one by one ("title:gptq" is not "tile:gptq", "O'Reilly" not "O'really")."""
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    path = tmp_path / "words.db"
    with Catalog(path) as catalog:
        for n, title in enumerate(["Tile Programming", "Really Fast Tensor Compilers"]):
            catalog.upsert_paper(Paper(id=f"2401.{n:05d}", title=title, year=2024))
    with sqlite3.connect(path) as c:
        assert suggest.suggestion(c, query) is None
        assert suggest.suggestion(c, "reilly-compilr") == "really-compilers"  # hyphenated: mended


def test_a_catalog_without_notes_gets_suggestions(mini_db, tmp_path):
    """A catalog of a schema before notes were searched has no notes_fts: a word is then
    held by the records alone."""
    import shutil

    copy = tmp_path / "no-notes.db"
    shutil.copy(mini_db, copy)
    with sqlite3.connect(copy) as c:
        c.execute("DROP TABLE notes_fts")
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as c:
        assert suggest.suggestion(c, "quantizaton") == "quantization"


def test_the_scratch_tables_of_similar_and_suggest_share_a_connection(conn):
    """Setting temp_store drops every temp table: set once, the vocabulary tables of a
    suggestion survive the stemming scratch table and the other way round."""
    from efmcat.stemming import index_terms

    assert suggest.suggestion(conn, "quantizaton") == "quantization"
    assert index_terms(conn, ["Pruning large models"]) == [["prune", "larg", "model"]]
    assert suggest.suggestion(conn, "gtpq") == "gptq"
    assert index_terms(conn, ["quantized"], only=["quantiz"]) == [["quantiz"]]


def test_a_long_query_is_shown_short_in_the_suggestion_too(conn):
    query = "quantizaton " + "z" * 100
    message = suggest.no_match_message(conn, query, False)
    assert message == (
        f"No papers match '{query[:80]}…'. Did you mean '{('quantization ' + 'z' * 100)[:80]}…'?"
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("quantization zebra", ("zebra", 3)),  # each word alone is in papers, not together
        ("gptq weight zebra", ("zebra", 1)),
        ('"post-training quantization" zebra', ("zebra", 1)),  # a phrase stays one group
        ("zebra", None),  # one word: nothing to leave out
        ("zebra giraffe", None),  # leaving either out still finds nothing
        ("quantization OR zebra giraffe", ("giraffe", 3)),  # alternatives are one group
        ("memory quantization", ("memory", 3)),  # the word whose leaving out finds most
        ("gptq awq", ("gptq", 1)),  # as many either way: the first typed
        ("gptq accurate quantization generative transformers for trained zebra", ("zebra", 1)),  # 8 words
        ("gptq accurate quantization generative transformers for trained post zebra", None),  # 9: too long
    ],
)
def test_a_query_of_several_words_says_which_one_to_leave_out(conn, query, expected):
    """ "vision transformer token pruning" found nothing, with no hint that three of its words
    found 5 papers."""
    assert suggest.one_word_less(conn, query) == expected


def test_the_message_gives_the_word_to_leave_out_when_no_spelling_helps(cli, mini_db):
    r = cli("search", "quantization", "zebra")
    assert r.stderr == "No papers match 'quantization zebra'. Without 'zebra': 3 papers.\n"
    r = cli("search", "quantization", "zebra", "--year", "2020")  # with filters: no hint
    assert r.stderr == "No papers match 'quantization zebra' with the filters given.\n"


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("2210.17323", " It is a paper's id: efmcat show 2210.17323"),
        ("https://arxiv.org/abs/2210.17323v2", " It is a paper's id: efmcat show 2210.17323"),
        ("arXiv:2210.17323", " It is a paper's id: efmcat show 2210.17323"),
        ("2210.99999", ""),  # an id the catalog does not hold: nothing to point at
        ("2210.17323 gptq", " Without '2210.17323': 1 paper."),  # words with an id among them: as before
    ],
)
def test_a_search_for_a_papers_id_says_show_finds_it(cli, mini_db, query, said):
    """A search reads titles and abstracts, not ids: typed an id, it finds nothing and says
    which command shows the paper (the plain and the piped path alike)."""
    r = cli("search", query)
    assert (r.exit_code, r.stdout) == (0, "")
    assert r.stderr == f"No papers match '{query}'.{said}\n"
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdout", io.StringIO())
        mp.setattr(sys, "stderr", err)
        assert fastpath.try_search([query]) == 0
    assert err.getvalue() == r.stderr


def test_a_search_for_an_id_a_release_moved_names_the_id_it_moved_to(cli, mini_db):
    """LoRA's OpenReview page became its arXiv id in a release: show follows the move, and
    a search for the old id points at the new one (the plain and the piped path alike)."""
    import json
    import os

    from efmcat.catalog import MOVED_KEY, Catalog

    with Catalog(os.environ["EFMCAT_DB"]) as c, c.transaction():
        moved = {"openreview:nZeVKeeFYf9": "2210.17323", "openreview:gone": "2999.00001"}
        c.set_meta(MOVED_KEY, json.dumps(moved))
    r = cli("search", "openreview:nZeVKeeFYf9")
    assert (
        r.stderr == "No papers match 'openreview:nZeVKeeFYf9'. It is a paper's id: efmcat show 2210.17323\n"
    )
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "stdout", io.StringIO())
        mp.setattr(sys, "stderr", err)
        assert fastpath.try_search(["openreview:nZeVKeeFYf9"]) == 0
    assert err.getvalue() == r.stderr
    # moved to a paper the catalog no longer holds: nothing to point at
    assert cli("search", "openreview:gone").stderr == "No papers match 'openreview:gone'.\n"
