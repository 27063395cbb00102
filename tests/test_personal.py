"""The researcher's own commands: rm, edit, note, status, star, open; user fields kept."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from efmcat.catalog import Catalog
from efmcat.models import Paper

GPTQ = "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """$EDITOR as a script: the n-th run applies the n-th list of (old, new) replacements
    to the file and logs what it was shown."""
    script = tmp_path / "fake_editor.py"
    state = tmp_path / "editor_state.json"
    script.write_text(
        textwrap.dedent(
            """
            import json, sys
            from pathlib import Path
            state = Path(sys.argv[1]); path = Path(sys.argv[2])
            data = json.loads(state.read_text())
            text = path.read_text(encoding="utf-8")
            data["shown"].append(text)
            edits = data["runs"][len(data["shown"]) - 1]
            if edits == "EMPTY":
                text = ""
            else:
                for old, new in edits:
                    assert old in text, (old, text)
                    text = text.replace(old, new)
            path.write_text(text, encoding="utf-8")
            state.write_text(json.dumps(data))
            """
        )
    )

    def set_runs(*runs):
        state.write_text(json.dumps({"runs": list(runs), "shown": []}))
        monkeypatch.setenv("EDITOR", f"{sys.executable} {script} {state}")
        monkeypatch.delenv("VISUAL", raising=False)

    def shown():
        return json.loads(state.read_text())["shown"]

    set_runs.shown = shown
    return set_runs


def paper(db, pid):
    with Catalog(db) as c:
        return c.get_paper(pid)


# -- rm ------------------------------------------------------------------------------------
def test_rm_refuses_without_a_terminal_or_yes(cli, mini_db):
    r = cli("rm", "2210.17323")
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: not removing without confirmation: stdin is not a terminal; add --yes\n",
    )
    assert paper(mini_db, "2210.17323").title == GPTQ


def test_rm_yes_removes_papers_with_tags_and_sources(cli, mini_db):
    r = cli("rm", "https://arxiv.org/abs/2210.17323v2", "2208.07339", "--yes")
    assert (r.exit_code, r.stderr) == (0, "Removed 2 papers: 2210.17323, 2208.07339.\n")
    with Catalog(mini_db) as c:
        assert not c.has("2210.17323")
        assert c.conn.execute("SELECT count(*) FROM tags WHERE paper_id = '2210.17323'").fetchone()[0] == 0
        assert c.conn.execute("SELECT count(*) FROM sources WHERE paper_id = '2208.07339'").fetchone()[0] == 0
    assert cli("search", "GPTQ").stderr == "No papers match 'GPTQ'.\n"


def test_rm_checks_every_id_before_removing_any(cli, mini_db):
    r = cli("rm", "2210.17323", "2401.99999", "--yes")
    assert (r.exit_code, r.stderr) == (1, "Error: not in the catalog: 2401.99999\n")
    assert paper(mini_db, "2210.17323").title == GPTQ


@pytest.mark.parametrize(("answer", "removed"), [("y\n", True), ("n\n", False), ("\n", False)])
def test_rm_asks_on_a_terminal(cli, mini_db, monkeypatch, answer, removed):
    from efmcat.cli import _app

    monkeypatch.setattr(_app, "stdin_is_terminal", lambda: True)
    r = cli("rm", "2210.17323", input=answer)
    assert r.exit_code == 0
    assert r.stderr.startswith(f"  2210.17323  {GPTQ[:59]}…\nRemove 1 paper? [y/N]:")
    assert r.stderr.endswith("Removed 1 paper: 2210.17323.\n" if removed else "Nothing removed.\n")
    with Catalog(mini_db) as c:
        assert c.has("2210.17323") is not removed


# -- edit ------------------------------------------------------------------------------------
def test_edit_flags(cli, mini_db):
    r = cli("edit", "2210.17323", "--title", "GPTQ: post-training quantization", "--year", "2023",
            "--venue", "ICLR 2023", "--add-author", "New Person", "--remove-author", "saleh ashkboos")  # fmt: skip
    assert (r.exit_code, r.stderr) == (0, "Edited 2210.17323: title, year, venue, authors (re-tagged).\n")
    p = paper(mini_db, "2210.17323")
    assert (p.title, p.year, p.venue) == ("GPTQ: post-training quantization", 2023, "ICLR 2023")
    assert p.authors == ["Elias Frantar", "Torsten Hoefler", "Dan Alistarh", "New Person"]
    assert p.user_fields == ["title", "year", "venue", "authors"]
    out = cli("show", "2210.17323").stdout
    assert "Venue:       ICLR 2023\n" in out
    assert "Yours:       title, year, venue, authors (edited by you: refresh and imports keep them)\n" in out
    assert cli("show", "2210.17323", "--json").stdout.count('"user_fields"') == 1
    # an author already there, in another case or spacing, is not added twice
    assert cli("edit", "2210.17323", "--add-author", "dan  ALISTARH").exit_code == 0
    assert paper(mini_db, "2210.17323").authors == [
        "Elias Frantar",
        "Torsten Hoefler",
        "Dan Alistarh",
        "New Person",
    ]
    # re-spelt in one go: removed (in any case), then added as typed
    cli("edit", "2210.17323", "--remove-author", "new person", "--add-author", "New PERSON")
    assert paper(mini_db, "2210.17323").authors[-1] == "New PERSON"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--year", "23"], 2, "Error: year must be a year from 1900 to 2100, such as 2023, not '23'\n"),
        (["--year", "1899"], 2, "Error: year must be a year from 1900 to 2100, such as 2023, not '1899'\n"),
        (["--year", "2101"], 2, "Error: year must be a year from 1900 to 2100, such as 2023, not '2101'\n"),
        (["--title", "  "], 2, "Error: title cannot be empty\n"),
        (  # a value the record does not hold: a user error, as a missing paper
            ["--remove-author", "Nobody"],
            1,
            "Error: 2210.17323 has no author 'Nobody' (its authors: Elias Frantar, Saleh Ashkboos, Torsten Hoefler, Dan Alistarh)\n",
        ),
    ],
)
def test_edit_flag_errors_change_nothing(cli, mini_db, args, code, message):
    r = cli("edit", "2210.17323", *args)
    assert (r.exit_code, r.stderr) == (code, message)
    assert paper(mini_db, "2210.17323").user_fields == []


def test_edit_in_editor_reopens_on_error(cli, mini_db, editor):
    editor(
        [("year: 2022", "year: twenty")],
        [("year: twenty", "year: 2023"), ("venue: null", "venue: NeurIPS 2023")],
    )
    r = cli("edit", "2210.17323")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == (
        "Error: record:10: year must be a year from 1900 to 2100, such as 2023, not 'twenty'; re-opening the editor.\n"
        "Edited 2210.17323: year, venue.\n"
    )
    first, second = editor.shown()
    assert first.startswith("# efmcat edit 2210.17323: change what you need, save and close.\n")
    assert f"title: '{GPTQ}'\n" in first or f"title: {GPTQ}\n" in first
    assert second.startswith(
        "# ERROR: record:10: year must be a year from 1900 to 2100, such as 2023, not 'twenty'\n# efmcat edit"
    )
    p = paper(mini_db, "2210.17323")
    assert (p.year, p.venue, p.user_fields) == (2023, "NeurIPS 2023", ["year", "venue"])


def test_edit_unchanged_after_an_error_gives_up(cli, mini_db, editor):
    editor([("year: 2022", "year: [1]")], [])
    r = cli("edit", "2210.17323")
    assert r.exit_code == 1
    assert r.stderr.endswith(
        "Error: record:11: year must be a year from 1900 to 2100, such as 2023, not [1]\n"
    )
    assert paper(mini_db, "2210.17323").year == 2022


def test_edit_empty_file_cancels_and_no_change_says_so(cli, mini_db, editor):
    editor("EMPTY")
    assert cli("edit", "2210.17323").stderr == "Edit cancelled: 2210.17323 is unchanged.\n"
    editor([])
    assert cli("edit", "2210.17323").stderr == "No changes to 2210.17323.\n"
    assert paper(mini_db, "2210.17323").user_fields == []


def test_edit_unknown_field_names_the_line(cli, mini_db, editor):
    editor([("year: 2022", "yeer: 2022")], "EMPTY")
    r = cli("edit", "2210.17323")
    assert r.stderr.startswith(
        "Error: record:10: unknown field 'yeer' (editable: title, authors, year, venue, doi, journal_ref, url, pdf_url, citekey, note, abstract); re-opening the editor.\n"
    )
    assert r.stderr.endswith("Edit cancelled: 2210.17323 is unchanged.\n")


def test_edit_without_editor_is_a_clear_error(cli, mini_db, monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    r = cli("edit", "2210.17323")
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: set $EDITOR (or $VISUAL) to your text editor, e.g. export EDITOR=nano\n",
    )


def test_user_fields_survive_upserts_from_every_writer(mini_db):
    from efmcat.models import Paper

    with Catalog(mini_db) as c:
        c.set_user_fields("2210.17323", {"title": "My GPTQ", "year": 2023})
        fetched = Paper(id="2210.17323", title=GPTQ, year=2022, version=3, comment="ICLR 2023")
        assert c.upsert_paper(fetched, fetched_at="2026-01-01T00:00:00Z") == "updated"
        assert c.upsert_paper(fetched, fill_only=True) == "unchanged"
        p = c.get_paper("2210.17323")
    assert (p.title, p.year, p.version, p.comment) == ("My GPTQ", 2023, 3, "ICLR 2023")


def test_edited_title_survives_reimport(cli, mini_db, tmp_path):
    assert cli("edit", "2210.17323", "--title", "My GPTQ", "--venue", "ICLR 2023").exit_code == 0
    lst = tmp_path / "list.md"
    lst.write_text(f"# Quantization\n\n- [{GPTQ}](https://arxiv.org/abs/2210.17323) NeurIPS 2022\n")
    r = cli("import", str(lst))
    assert r.exit_code == 0, r.stderr
    p = paper(mini_db, "2210.17323")
    assert (p.title, p.venue) == ("My GPTQ", "ICLR 2023")


# -- note, status, star ---------------------------------------------------------------------
def test_note_is_saved_searched_and_cleared(cli, mini_db):
    r = cli("note", "2210.17323", "baseline for the ternary experiments")
    assert (r.exit_code, r.stderr) == (0, "Note saved on 2210.17323.\n")
    assert "Note:        baseline for the ternary experiments\n" in cli("show", "2210.17323").stdout
    hits = cli("search", "ternary").stdout.splitlines()
    assert [h.split("\t")[1] for h in hits] == ["2210.17323"]
    assert cli("note", "2210.17323", "also see AWQ", "--append").exit_code == 0
    assert paper(mini_db, "2210.17323").note == "baseline for the ternary experiments\n\nalso see AWQ"
    assert (
        "Note:        baseline for the ternary experiments\n\n             also see AWQ\n"
        in cli("show", "2210.17323").stdout
    )  # its paragraphs stay apart
    assert cli("note", "2210.17323", "--clear").stderr == "Note cleared on 2210.17323.\n"
    assert cli("search", "ternary").stderr == "No papers match 'ternary'.\n"


def test_a_match_found_only_in_notes_scores_at_least_one(cli, mini_db):
    # two notes with the word: FTS5 gives it no idf, and the matches scored 0.00
    cli("note", "2210.17323", "reading group week 3")
    cli("note", "2208.07339", "reading group week 4")
    hits = [h.split("\t") for h in cli("search", "reading group").stdout.splitlines()]
    assert sorted(h[1] for h in hits) == ["2208.07339", "2210.17323"]
    assert all(float(h[0]) >= 1.0 for h in hits), hits


def test_an_exclusion_holds_for_the_whole_paper_record_and_note(cli, mini_db):
    cli("note", "2210.17323", "my baseline")
    ids = lambda q: [h.split("\t")[1] for h in cli("search", q).stdout.splitlines()]  # noqa: E731
    assert ids("baseline") == ["2210.17323"]
    # the note has every word, but the record ("...Quantization...") has the excluded one
    assert ids("baseline -quantization") == []
    # the record has every word, but the note has the excluded one
    before = ids("quantization")
    assert "2210.17323" in before
    assert ids("quantization -baseline") == [i for i in before if i != "2210.17323"]
    assert ids("quantization NOT baseline OR nothingmatches") == ids("quantization -baseline")


def test_search_ranking_without_notes_is_unchanged(cli, mini_db):
    before = cli("search", "quantization").stdout
    cli("note", "2205.14135", "not about that topic")
    assert cli("search", "quantization").stdout == before


def test_curators_notes_are_not_searched(cli, mini_db):
    with Catalog(mini_db) as c:
        c.conn.execute("UPDATE papers SET note = 'linked to the ternary paper' WHERE id = '2210.17323'")
    assert cli("search", "ternary").stderr == "No papers match 'ternary'.\n"


def test_an_edit_or_note_that_repeats_the_value_claims_nothing(cli, mini_db, editor):
    """Only the fields whose value you changed become yours: update, refresh and imports
    may still mend a field you merely confirmed."""
    year = paper(mini_db, "2210.17323").year
    r = cli("edit", "2210.17323", "--year", str(year), "--venue", "ICLR 2023")
    assert (r.exit_code, r.stderr) == (0, "Edited 2210.17323: venue.\n")
    assert paper(mini_db, "2210.17323").user_fields == ["venue"]
    editor([])  # saved as it was shown
    assert cli("note", "2208.07339").stderr == "Note unchanged on 2208.07339.\n"
    assert cli("note", "2208.07339", "--clear").exit_code == 0
    assert paper(mini_db, "2208.07339").user_fields == []
    # a real change is claimed, and writing it again keeps the claim
    assert cli("note", "2208.07339", "int8 baseline").stderr == "Note saved on 2208.07339.\n"
    assert cli("note", "2208.07339", "int8 baseline").stderr == "Note unchanged on 2208.07339.\n"
    assert paper(mini_db, "2208.07339").user_fields == ["note"]


def test_note_from_editor_and_stdin(cli, mini_db, editor):
    editor([("", "read section 3 again\n")])
    assert cli("note", "2210.17323").stderr == "Note saved on 2210.17323.\n"
    assert paper(mini_db, "2210.17323").note == "read section 3 again"
    assert cli("note", "2210.17323", "-", input="from stdin\n").exit_code == 0
    assert paper(mini_db, "2210.17323").note == "from stdin"
    # --append with the editor closed without typing, or nothing on stdin: the note stays
    editor([])
    assert cli("note", "2210.17323", "--append").stderr == "Note unchanged on 2210.17323.\n"
    assert cli("note", "2210.17323", "-", "--append", input="").stderr == "Note unchanged on 2210.17323.\n"
    assert paper(mini_db, "2210.17323").note == "from stdin"


def test_an_empty_note_text_or_stdin_is_refused_not_a_deleted_note(cli, mini_db, editor):
    """`efmcat note ID "$NOTE"` with an empty variable, or an empty pipe, cleared the note
    ("Note cleared", exit 0); --clear is how a note is deleted. An editor's text emptied by
    hand still deletes it."""
    assert cli("note", "2210.17323", "keep me").exit_code == 0
    for args, kw, where in [
        (("",), {}, "the note text"),
        (("  \n",), {}, "the note text"),
        (("-",), {"input": ""}, "standard input"),
    ]:
        r = cli("note", "2210.17323", *args, **kw)
        assert (r.exit_code, r.stderr) == (
            2,
            f"Error: {where} is empty: to delete the note, use efmcat note 2210.17323 --clear\n",
        )
    assert paper(mini_db, "2210.17323").note == "keep me"
    editor([("keep me", "")])
    assert cli("note", "2210.17323").stderr == "Note cleared on 2210.17323.\n"


def test_status_and_star_filter_list_search_export(cli, mini_db):
    r = cli("status", "2210.17323", "2208.07339", "reading")
    assert (r.exit_code, r.stderr) == (0, "2 papers now status reading: 2210.17323, 2208.07339.\n")
    assert cli("status", "2306.00978", "read").exit_code == 0
    assert cli("star", "2210.17323").stderr == "Starred 2210.17323.\n"
    ids = lambda r: [line.split("\t")[0] for line in r.stdout.splitlines()]  # noqa: E731
    assert ids(cli("list", "--status", "reading", "--sort", "id")) == ["2208.07339", "2210.17323"]
    assert ids(cli("list", "--starred")) == ["2210.17323"]
    unread = ids(cli("list", "--status", "unread"))
    assert "2306.00978" not in unread and "2210.17323" in unread
    unsorted = ids(cli("list", "--status", "none"))  # no status set: not reading, not read
    assert "2306.00978" not in unsorted and "2210.17323" not in unsorted and "2205.14135" in unsorted
    assert set(unsorted) < set(unread)
    hits = cli("search", "quantization", "--status", "reading").stdout.splitlines()
    assert sorted(h.split("\t")[1] for h in hits) == ["2208.07339", "2210.17323"]
    exported = json.loads(cli("export", "--format", "json", "--starred").stdout)
    assert [(p["id"], p["status"], p["starred"]) for p in exported] == [("2210.17323", "reading", True)]
    assert "Status:      reading\nStarred:     yes\n" in cli("show", "2210.17323").stdout
    assert cli("star", "2210.17323", "--unstar").stderr == "Unstarred 2210.17323.\n"
    assert cli("list", "--starred").stderr == "No papers.\n"
    # what was already so is said so (it said "Starred" / "Unstarred" again)
    assert cli("star", "2210.17323", "--unstar").stderr == "2210.17323 had no star.\n"
    assert cli("star", "2210.17323", "2208.07339").exit_code == 0
    assert cli("star", "2210.17323", "2306.00978", "--dry-run").stderr == (
        "Would star 2306.00978; 2210.17323 was starred already (dry run: nothing was written).\n"
    )
    assert cli("star", "2210.17323", "2208.07339").stderr == "2210.17323, 2208.07339 were starred already.\n"
    assert cli("star", "2210.17323", "2208.07339", "--unstar").exit_code == 0
    assert cli("status", "2210.17323", "none").stderr == "1 paper now no status: 2210.17323.\n"
    # what was already so is said so (it said "now status ..." again)
    assert cli("status", "2210.17323", "none").stderr == "2210.17323 had no status already.\n"
    assert cli("status", "2208.07339", "2210.17323", "reading", "--dry-run").stderr == (
        "1 paper would be status reading: 2210.17323; 2208.07339 had status reading already "
        "(dry run: nothing was written).\n"
    )


def test_status_errors(cli, mini_db):
    assert cli("status", "2210.17323", "done").stderr == (
        "Error: unknown status 'done': use one of to-read, reading, read or none\n"
    )
    assert (
        cli("status", "reading").stderr
        == "Error: give paper ids, then a status: to-read, reading, read or none\n"
    )
    r = cli("list", "--status", "finished")
    assert (r.exit_code, r.stderr) == (
        2,  # a bad option value is a usage error, as a bad --kind is
        "Error: unknown status 'finished': use one of to-read, reading, read, unread or none\n",
    )
    assert cli("search", "gptq", "--status", "finished").exit_code == 2


def test_star_survives_refresh_style_upsert(mini_db):
    from efmcat.models import Paper

    with Catalog(mini_db) as c:
        c.set_starred(["2210.17323"])
        c.set_status(["2210.17323"], "read")
        c.upsert_paper(Paper(id="2210.17323", title=GPTQ, version=4))
        p = c.get_paper("2210.17323")
    assert (p.starred, p.status, p.version) == (True, "read", 4)


# -- open -------------------------------------------------------------------------------------
def test_open_print(cli, mini_db):
    r = cli("open", "2205.14135", "--print")
    assert (r.exit_code, r.stdout) == (0, "https://arxiv.org/abs/2205.14135\n")
    assert cli("open", "arXiv:2205.14135", "--pdf", "--print").stdout == "https://arxiv.org/pdf/2205.14135\n"
    r = cli("open", "openreview:OdnNBxlShZG", "--print")
    assert r.stdout == "https://openreview.net/forum?id=OdnNBxlShZG\n"
    r = cli("open", "openreview:OdnNBxlShZG", "--pdf", "--print")  # OpenReview serves every forum's PDF
    assert (r.exit_code, r.stdout) == (0, "https://openreview.net/pdf?id=OdnNBxlShZG\n")
    r = cli("open", "title:x", "--pdf", "--print")
    assert r.exit_code == 1
    with Catalog(mini_db) as c:
        c.upsert_paper(Paper(id="url:example.org/p", title="A page", url="https://example.org/p"))
    r = cli("open", "url:example.org/p", "--pdf", "--print")
    assert (r.exit_code, r.stderr) == (  # the paper's data, not the command line: a user error
        1,
        "Error: url:example.org/p has no PDF link; open its page without --pdf\n",
    )


def test_open_calls_the_browser(cli, mini_db, monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    r = cli("open", "2205.14135")
    assert (r.exit_code, r.stderr, opened) == (
        0,
        "Opened https://arxiv.org/abs/2205.14135\n",
        ["https://arxiv.org/abs/2205.14135"],
    )
    monkeypatch.setattr(webbrowser, "open", lambda url: False)  # no browser on this machine
    r = cli("open", "2205.14135")
    assert (r.exit_code, r.stderr) == (  # the machine's, not a usage error
        1,
        "Error: no web browser to open https://arxiv.org/abs/2205.14135 (use --print to print the link)\n",
    )


def test_edited_fields_survive_refresh(cli, mini_db, monkeypatch):
    from arxiv_server import ArxivServer

    server = ArxivServer().start()
    try:
        monkeypatch.setenv("EFMCAT_ARXIV_URL", server.url)
        server.add("2306.00978", 6, title="AWQ: Activation-aware Weight Quantization for On-Device LLMs",
                   authors=("Ji Lin", "Song Han"), published="2023-06-01T17:59:10Z")  # fmt: skip
        assert cli("edit", "2306.00978", "--title", "AWQ (my title)", "--year", "2024").exit_code == 0
        assert cli("note", "2306.00978", "mine").exit_code == 0
        r = cli("refresh", "2306.00978")
        assert r.exit_code == 0, r.stderr
        assert r.stdout == ""  # the title did not change: it is the user's
    finally:
        server.stop()
    p = paper(mini_db, "2306.00978")
    assert (p.title, p.year, p.note, p.version) == ("AWQ (my title)", 2024, "mine", 6)
    assert p.authors == ["Ji Lin", "Song Han"]


def test_check_fix_merge_carries_the_users_data(cli, mini_db):
    from efmcat.models import Paper

    title = "On-Policy Distillation of Language Models: Learning from Self-Generated Mistakes"
    with Catalog(mini_db) as c:
        c.upsert_paper(Paper(id="2306.13649", title=title, year=2023))
    assert cli("note", "openreview:OdnNBxlShZG", "read the appendix").exit_code == 0
    assert cli("status", "openreview:OdnNBxlShZG", "to-read").exit_code == 0
    assert cli("star", "openreview:OdnNBxlShZG").exit_code == 0
    assert cli("edit", "openreview:OdnNBxlShZG", "--venue", "ICLR 2024").exit_code == 0
    r = cli("check", "--fix")
    assert "merged openreview:OdnNBxlShZG into 2306.13649 (same title)" in r.stdout + r.stderr
    p = paper(mini_db, "2306.13649")
    assert (p.note, p.status, p.starred, p.venue) == ("read the appendix", "to-read", True, "ICLR 2024")
    assert p.user_fields == ["note", "venue"]
    assert [h.split("\t")[1] for h in cli("search", "appendix").stdout.splitlines()] == ["2306.13649"]


@pytest.mark.parametrize("fmt", ["yaml", "json", "jsonl"])
def test_an_export_is_a_backup_of_the_users_data(cli, mini_db, tmp_path, editor, fmt):
    cli("note", "2210.17323", "my baseline")
    cli("status", "2210.17323", "reading")
    cli("star", "2205.14135")
    editor([("venue: null", "venue: MLSys 2024"), ("citekey: null", "citekey: lin2024awq")])
    assert cli("edit", "2306.00978").exit_code == 0
    backup = tmp_path / f"backup.{fmt}"
    assert cli("export", "--format", fmt, "-o", str(backup)).exit_code == 0
    text = backup.read_text()
    if fmt == "yaml":
        assert "  note: my baseline\n  status: reading\n  user_fields: [note]\n" in text
    restored = tmp_path / "restored.db"
    assert cli("import", str(backup), "--db", str(restored)).exit_code == 0
    with Catalog(restored) as c:
        gptq, flash, awq = (c.get_paper(i) for i in ("2210.17323", "2205.14135", "2306.00978"))
    assert (gptq.note, gptq.status, gptq.user_fields) == ("my baseline", "reading", ["note"])
    assert flash.starred and not gptq.starred
    assert (awq.venue, awq.citekey, awq.user_fields) == ("MLSys 2024", "lin2024awq", ["venue", "citekey"])
    assert [
        h.split("\t")[1] for h in cli("search", "baseline", "--db", str(restored)).stdout.splitlines()
    ] == ["2210.17323"]
    assert cli("export", "--format", fmt, "--db", str(restored)).stdout == text


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("status", "done", "status of 2301.00774 must be one of to-read, reading, read, got 'done'"),
        ("starred", "yes", "starred of 2301.00774 must be true or false, not 'yes'"),
        (
            "user_fields",
            ["categories"],
            "user_fields of 2301.00774 has fields that cannot be edited: categories",
        ),
    ],
)
def test_a_json_record_with_bad_user_data_names_the_line(cli, tmp_path, key, value, why):
    bad = tmp_path / "bad.jsonl"
    record = {"id": "2301.00774", "arxiv_id": "2301.00774", "title": "SparseGPT", key: value}
    bad.write_text(json.dumps(record) + "\n")
    r = cli("import", str(bad))
    assert (r.exit_code, r.stderr) == (1, f"Error: {bad}:1: {why}\n")


def test_yaml_with_a_bad_status_names_the_line(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: x\npapers:\n- id: '2301.00774'\n  title: SparseGPT\n  status: done\n")
    r = cli("import", str(bad))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {bad}:3: status of 2301.00774 must be one of to-read, reading, read, got 'done'\n",
    )


def test_a_notes_escape_sequences_are_not_sent_to_the_terminal():
    from efmcat.render import show_plain

    out = show_plain({"id": "2210.17323", "title": "GPTQ", "note": "first\n\n\x1b[31mred\x1b[0m  second"})
    # each paragraph line shown as text: the escape spelled out, spaces folded
    assert out.endswith("Note:        first\n\n             \\x1b[31mred\\x1b[0m second\n")


def test_a_note_longer_than_it_can_hold_is_refused_and_changes_nothing(cli, mini_db):
    from efmcat.personal import MAX_NOTE

    r = cli("note", "2210.17323", "-", input="a" * (MAX_NOTE + 1))
    assert (r.exit_code, r.stderr) == (
        2,
        f"Error: a note holds at most {MAX_NOTE:,} characters; this one is longer\n",
    )
    assert paper(mini_db, "2210.17323").note is None
    assert cli("note", "2210.17323", "-", input="a" * MAX_NOTE).exit_code == 0


def test_edit_and_a_long_stdin_hold_the_note_limit_too(cli, mini_db, monkeypatch, tmp_path):
    from efmcat.personal import MAX_NOTE

    # stdin with more after what is read: refused, not saved cut off (strip() hid the rest)
    r = cli("note", "2210.17323", "-", input="a" * 10 + "\n" * (2 * MAX_NOTE) + "b" * 10)
    assert (r.exit_code, r.stderr) == (
        2,
        f"Error: a note holds at most {MAX_NOTE:,} characters; this one is longer\n",
    )
    assert paper(mini_db, "2210.17323").note is None
    from efmcat.edit import check_value

    with pytest.raises(ValueError, match="a note holds at most 1,000,000 characters"):
        check_value("note", "a" * (MAX_NOTE + 1))
    assert check_value("note", "a" * MAX_NOTE) == "a" * MAX_NOTE


def test_an_editor_that_adds_a_line_each_time_does_not_loop_for_ever(cli, mini_db, monkeypatch, tmp_path):
    """EDITOR="sed -i 1iid:..." re-opened 409 times in 5 s: each save differed from the last."""
    script = tmp_path / "adds.py"
    script.write_text(
        "import sys\np = sys.argv[1]\nt = open(p, encoding='utf-8').read()\n"
        "open(p, 'w', encoding='utf-8').write('id: 2306.00978\\n' + t)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    r = cli("edit", "2210.17323")
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 11 and all(line.endswith("; re-opening the editor.") for line in lines[:10])
    assert lines[-1].startswith("Error: record:") and "'id' is given twice" in lines[-1]


def test_an_editor_that_saves_text_that_is_not_utf8_keeps_it_and_says_so(cli, mini_db, monkeypatch, tmp_path):
    script = tmp_path / "latin1.py"
    script.write_text(
        "import sys\np = sys.argv[1]\nopen(p, 'ab').write(b'venue: Caf\\xe9 Workshop\\n')\n", encoding="utf-8"
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the editor's file is made
    before = paper(mini_db, "2210.17323")
    r = cli("note", "2210.17323")
    assert r.exit_code == 1
    (kept,) = tmp_path.glob("efmcat-kept-*")
    assert r.stderr == (
        "Error: the editor saved text that is not UTF-8 (byte 10); nothing changed: "
        f"your text is kept in {kept}: save it as UTF-8 and try again\n"
    )
    assert kept.read_bytes() == b"venue: Caf\xe9 Workshop\n"
    assert paper(mini_db, "2210.17323") == before


def test_edit_refuses_a_citekey_another_entry_holds_in_any_case(cli, mini_db, editor):
    """Two entries keyed mykey and MyKey: BibTeX reads them as one key, and the export
    renamed one of them without a word."""
    editor([("citekey: ", "citekey: mykey\n#")])
    assert cli("edit", "2306.00978").exit_code == 0
    editor([("citekey: ", "citekey: MyKey\n#")], [("citekey: MyKey", "citekey: smoothkey")])
    r = cli("edit", "2208.07339")
    assert (r.exit_code, r.stderr) == (
        0,
        "Error: citekey 'MyKey' is 2306.00978's already as 'mykey' (BibTeX reads keys without case): "
        "choose another; re-opening the editor.\nEdited 2208.07339: citekey.\n",
    )
    assert paper(mini_db, "2208.07339").citekey == "smoothkey"
