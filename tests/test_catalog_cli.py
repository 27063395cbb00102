"""The catalog commands: search, show, list, stats, taxonomy, export md, path, build."""

from __future__ import annotations

import json
import re

import pytest

from efmcat.catalog import Catalog
from efmcat.models import Paper
from efmcat.records import RECORD_KEYS


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# -- search --------------------------------------------------------------------------------


def test_search_ranks_title_matches_first(cli, mini_db):
    r = cli("search", "quantization")
    assert r.exit_code == 0, r.stderr
    ids = [line.split("\t")[1] for line in lines(r.stdout)]
    assert ids[0] in {"2210.17323", "2306.00978"}
    assert set(ids) == {"2210.17323", "2306.00978", "2208.07339"}
    assert r.stderr == ""


def test_search_piped_output_is_plain_tab_separated(cli, mini_db):
    r = cli("search", "GPTQ")
    assert r.exit_code == 0
    (row,) = lines(r.stdout)
    score, pid, year, title, areas = row.split("\t")
    assert (pid, year, areas) == ("2210.17323", "2022", "quantization")
    assert title.startswith("GPTQ: Accurate")
    assert "\x1b[" not in r.stdout  # no colour codes in a pipe
    assert "─" not in r.stdout  # no box drawing
    assert float(score) > 0


def test_search_json_has_documented_keys(cli, mini_db):
    r = cli("search", "quantization", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert len(data) == 3
    for rec in data:
        assert list(rec)[: len(RECORD_KEYS)] == list(RECORD_KEYS)
        assert isinstance(rec["authors"], list)
        assert rec["score"] > 0
    gptq = next(d for d in data if d["id"] == "2210.17323")
    assert gptq["arxiv_id"] == "2210.17323"
    assert gptq["tags"] == ["quantization", "weight-only-ptq"]
    assert gptq["areas"] == ["quantization"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"post-training quantization"', {"2210.17323"}),
        ("quantiz*", {"2210.17323", "2306.00978", "2208.07339"}),
        ("weight quantization", {"2210.17323", "2306.00978"}),
        ("quantization -GPTQ", {"2306.00978", "2208.07339"}),
        ("pruned OR paging", {"2301.00774", "2309.06180"}),
        ("Frantar", {"2210.17323", "2301.00774"}),
        ("LLM.int8()", {"2208.07339"}),
        ("Ré", {"2205.14135"}),
        ("re", {"2205.14135"}),  # diacritics are folded: Ré matches re
        ("zzzz", set()),
    ],
)
def test_search_syntax(cli, mini_db, query, expected):
    r = cli("search", query, "--json")
    assert r.exit_code == 0, r.stderr
    assert {d["id"] for d in json.loads(r.stdout)} == expected


@pytest.mark.parametrize(
    "query",
    ['foo"', '"unbalanced', "AND", "OR OR", "a NOT x", "NOT", "a NEAR b", "title:gptq", "'; DROP TABLE papers; --",
     "(", ")", "^", "a AND (", "*gptq", "col:", "{title}: x", "\\", "%", "a\x00b"],
)  # fmt: skip
def test_search_any_input_is_safe(cli, mini_db, query):
    r = cli("search", query)
    assert "Traceback" not in r.stdout + r.stderr
    words = [w for w in re.findall(r"\w+", query) if w not in ("OR", "NOT", "AND")]  # operators
    if words:  # a word: searched (FTS5 never sees it as syntax)
        assert r.exit_code == 0, r.stderr
    else:  # nothing to search for: the one error a search may give, said exactly
        assert (r.exit_code, r.stderr) == (
            1,
            f"Error: nothing to search for in '{query.strip()}': give at least one word\n",
        )
    again = cli("list", "--json")
    assert len(json.loads(again.stdout)) == 8  # nothing was dropped


def test_search_foo_quote_ends_in_one_clear_line(cli, mini_db):
    r = cli("search", 'foo"')
    assert r.exit_code == 0
    assert r.stdout == ""
    assert r.stderr == "No papers match 'foo\"'.\n"


def test_search_with_only_punctuation_is_an_error(cli, mini_db):
    r = cli("search", '"')
    assert r.exit_code == 1
    assert r.stderr == "Error: nothing to search for in '\"': give at least one word\n"


def test_search_filters(cli, mini_db):
    def ids(*args):
        r = cli("search", *args, "--json")
        assert r.exit_code == 0, r.stderr
        return {d["id"] for d in json.loads(r.stdout)}

    assert ids("quantization", "--tag", "weight-only-ptq") == {"2210.17323", "2306.00978"}
    assert ids("quantization", "--tag", "hardware") == {"2306.00978"}
    assert ids("quantization", "--year", "2022") == {"2210.17323", "2208.07339"}
    assert ids("quantization", "--since", "2023") == {"2306.00978"}
    assert ids("quantization", "--until", "2022") == {"2210.17323", "2208.07339"}
    assert ids("quantization", "--author", "dettmers") == {"2208.07339"}
    assert len(ids("quantization", "--limit", "1")) == 1


AUTHORLESS_NOTE = (
    "Note: 2 entries have no authors stored, so --author cannot match them "
    "(efmcat refresh --all fetches arXiv papers' authors).\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ["search", "quantization", "--author", "dettmers"],
        ["search", "quantization", "--author", "dettmers", "--json"],
        ["list", "--author", "dettmers"],
        ["list", "--author", "nobody", "--json"],
    ],
)
def test_a_filter_by_author_says_how_many_entries_it_could_not_look_at(cli, mini_db, args):
    # 2 of the fixture's 8 entries have no authors: --author cannot find them, and the user
    # reading "1 paper by Dettmers" should know (most list rows have none until refreshed)
    r = cli(*args)
    assert r.exit_code == 0, r.output
    assert r.stderr.endswith(AUTHORLESS_NOTE)
    assert "Note:" not in cli(*[a for a in args if a not in ("--author", "dettmers", "nobody")]).stderr


def test_no_authorless_note_when_every_entry_has_authors(cli, mini_db):
    import sqlite3

    with sqlite3.connect(mini_db) as conn:
        conn.execute("""UPDATE papers SET authors = '["A. Writer"]' WHERE authors = '[]'""")
    conn.close()
    r = cli("search", "quantization", "--author", "dettmers")
    assert r.exit_code == 0 and r.stderr == ""


def test_search_tag_matches_subtopics(cli, mini_db):
    r = cli("list", "--tag", "memory", "--json")
    found = {d["id"]: d["tags"] for d in json.loads(r.stdout)}
    assert "2309.06180" in found  # vLLM: memory-management
    assert all("memory" in tags for tags in found.values())


def test_unknown_tag_lists_close_matches(cli, mini_db):
    r = cli("search", "x", "--tag", "quantisation")
    assert r.exit_code == 1
    assert r.stderr == "Error: unknown taxonomy node 'quantisation'; did you mean quantization?\n"


def test_year_and_since_together_is_usage_error(cli, mini_db):
    r = cli("list", "--year", "2022", "--since", "2021")
    assert r.exit_code == 2
    assert r.stderr == "Error: use --year, or --since/--until, not both\n"


# -- show ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        "2208.07339",
        "2208.07339v2",
        "arXiv:2208.07339",
        "arxiv:2208.07339v1",
        "https://arxiv.org/abs/2208.07339v1",
        "https://arxiv.org/pdf/2208.07339.pdf",
        "http://export.arxiv.org/abs/2208.07339",
        " 10.48550/arXiv.2208.07339 ",
    ],
)
def test_show_accepts_every_pasted_form(cli, mini_db, form):
    r = cli("show", form, "--json")
    assert r.exit_code == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["id"] == "2208.07339"
    assert rec["title"].startswith("LLM.int8()")
    assert rec["tags"] == ["quantization", "weight-activation-quant"]


def test_show_text(cli, mini_db):
    r = cli("show", "2208.07339")
    assert r.exit_code == 0
    out = r.stdout.splitlines()
    assert out[0] == "LLM.int8(): 8-bit Matrix Multiplication for Transformers at Scale"
    assert "Authors:     Tim Dettmers, Mike Lewis, Younes Belkada, Luke Zettlemoyer" in out
    assert "Areas:       quantization" in out
    assert "Listed in:   mini: Model Design / Quantization (line 12)" in out


def test_show_gives_arxivs_timestamps_as_days(cli, mini_db):
    """A paper `add` fetched: arXiv's published and updated stamps shown as dates, as the
    shipped papers' months are (it showed 2017-10-24T00:21:32Z); --json keeps the stamps."""
    with Catalog(mini_db) as cat:
        cat.upsert_paper(
            Paper(
                id="2208.07339",
                title="LLM.int8()",
                published="2022-08-15T17:08:50Z",
                updated="2022-11-10T18:14:31Z",
            )
        )
    out = cli("show", "2208.07339").stdout.splitlines()
    assert "Published:   2022-08-15" in out and "Updated:     2022-11-10" in out
    assert json.loads(cli("show", "2208.07339", "--json").stdout)["published"] == "2022-08-15T17:08:50Z"


def test_show_says_which_version_it_keeps_when_another_is_asked_for(cli, mini_db):
    r = cli("show", "2208.07339v3")  # the fixture records no version: nothing to compare
    assert (r.exit_code, r.stderr) == (0, "") and r.stdout.startswith("LLM.int8()")
    with Catalog(mini_db) as cat:
        cat.upsert_paper(Paper(id="2208.07339", title="LLM.int8()", version=2))
    assert cli("show", "arxiv:2208.07339v5").stderr == (
        "Note: the catalog keeps one entry per paper: 2208.07339v2, not v5.\n"
    )
    for same in ("2208.07339v2", "2208.07339"):  # the version it keeps, or none asked for
        r = cli("show", same)
        assert (r.exit_code, r.stderr) == (0, "")
        assert "ID:          2208.07339v2" in r.stdout.splitlines()


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ([("refs.bib", "refs.bib:227", None)], ["refs.bib (line 227)"]),  # an imported file names itself once
        ([("refs.bib", "refs.bib:227", "Quantization")], ["refs.bib: Quantization (line 227)"]),
        (
            [("horseee", "o/r@abc:README.md:12", "Quantization"), ("horseee", "o/r@abc:README.md:40", None)],
            ["horseee o/r@abc:README.md: Quantization (line 12); (line 40)"],
        ),
        ([("survey", None, None)], ["survey"]),
    ],
)
def test_listed_in_says_each_file_once(rows, said):
    from efmcat.render import listed_in

    assert listed_in([{"source": s, "locator": loc, "section": sec} for s, loc, sec in rows]) == said


def test_show_non_arxiv_paper_by_link_and_by_id(cli, mini_db):
    for form in ("openreview:OdnNBxlShZG", "https://openreview.net/forum?id=OdnNBxlShZG"):
        r = cli("show", form, "--json")
        assert r.exit_code == 0, r.stderr
        rec = json.loads(r.stdout)
        assert rec["id"] == "openreview:OdnNBxlShZG"
        assert rec["arxiv_id"] is None


def test_show_nonsense_is_one_line_error(cli, mini_db):
    r = cli("show", "nonsense")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr == "Error: not an arXiv id or paper link: nonsense\n"


def test_show_missing_paper(cli, mini_db):
    r = cli("show", "2401.00001")
    assert r.exit_code == 1
    assert (
        r.stderr
        == "Error: no paper 2401.00001 in the catalog (`efmcat add 2401.00001` fetches it from arXiv)\n"
    )


def test_show_malformed_arxiv_url(cli, mini_db):
    r = cli("show", "https://arxiv.org/abs/203.05527")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: ")
    assert "203.05527" in r.stderr


def test_debug_env_shows_traceback(cli, mini_db):
    r = cli("show", "nonsense", env={"EFMCAT_DEBUG": "1"})
    assert r.exit_code != 0
    assert r.exception is not None and type(r.exception).__name__ == "InvalidIdError"


# -- list, stats, taxonomy -------------------------------------------------------------------


def test_list_sorts(cli, mini_db):
    by_year = [d["year"] for d in json.loads(cli("list", "--json").stdout)]
    assert by_year == sorted(by_year, reverse=True)
    titles = [d["title"].lower() for d in json.loads(cli("list", "--sort", "title", "--json").stdout)]
    assert titles == sorted(titles)
    r = cli("list", "--sort", "colour")
    assert r.exit_code == 2  # a usage error, as a bad --status or --kind
    assert r.stderr == "Error: unknown sort 'colour': use one of year, title, added, id\n"


def test_stats_bars(cli, mini_db):
    r = cli("stats")
    assert r.exit_code == 0
    out = r.stdout.splitlines()
    assert out[0] == "8 papers"
    quant = next(line for line in out if line.strip().startswith("quantization"))
    assert quant.split()[1] == "3" and quant.endswith(" " + "#" * 40)  # a pipe: ASCII bars
    assert "█" not in r.stdout
    data = json.loads(cli("stats", "--json").stdout)
    assert data["areas"]["quantization"] == 3
    assert data["years"] == {"2021": 1, "2022": 3, "2023": 3, "2024": 1}


def test_stats_and_taxonomy_draw_bars_and_the_tree_on_a_terminal(cli, mini_db, monkeypatch):
    monkeypatch.setattr("efmcat.cli.catalog_cmds.stdout_is_terminal", lambda: True)
    quant = next(line for line in cli("stats").stdout.splitlines() if line.startswith("  quantization"))
    assert quant.endswith(" " + "█" * 40)
    tree = cli("taxonomy").stdout.splitlines()
    assert any(line.startswith("  │ Representing weights, activations,") for line in tree)
    assert any(line.startswith("  ├─ weight-only-ptq ") for line in tree)
    assert any(line.startswith("  └─ moe ") for line in tree)
    monkeypatch.setattr("efmcat.cli.catalog_cmds.stdout_is_terminal", lambda: False)
    piped = cli("taxonomy").stdout.splitlines()
    drawn, plain = (next(x for x in lines if "weight-only-ptq" in x) for lines in (tree, piped))
    assert drawn.index("Weight-only") == plain.index("Weight-only")  # the counts line up in both


def test_stats_and_taxonomy_count_papers_unless_told_other_kinds(cli, mini_db):
    """A tagged repo and an untagged slide deck: stats and taxonomy count what list shows
    (papers); stats --kind any counts them too (it counted every entry, beside list's papers)."""
    with Catalog(mini_db) as cat:
        cat.upsert_paper(Paper(id="repo:x", title="A quantization toolkit", kind="repo", year=2024))
        cat.set_tag("repo:x", "weight-only-ptq", "manual", 1.0)
        cat.upsert_paper(Paper(id="slides:y", title="Talk", kind="slides", year=2030))
    data = json.loads(cli("stats", "--json").stdout)
    assert (data["papers"], data["untagged"], data["areas"]["quantization"]) == (8, 0, 3)
    assert "2030" not in data["years"] and data["years"]["2024"] == 1
    data = json.loads(cli("stats", "--json", "--kind", "any").stdout)
    assert (data["papers"], data["untagged"], data["areas"]["quantization"]) == (10, 1, 4)
    assert data["years"]["2030"] == 1 and data["years"]["2024"] == 2
    data = json.loads(cli("stats", "--json", "--kind", "repo").stdout)
    assert (data["papers"], data["areas"]["quantization"], data["areas"]["attention"]) == (1, 1, 0)
    # the headline names what it counts: papers, or with another --kind, entries
    assert cli("stats").stdout.startswith("8 papers\n")
    assert cli("stats", "--kind", "any").stdout.startswith("10 entries, 1 untagged\n")
    assert cli("stats", "--kind", "repo").stdout.startswith("1 entry\n")
    tree = {a["id"]: a for a in json.loads(cli("taxonomy", "--json").stdout)}
    assert tree["quantization"]["papers"] == 3
    assert {c["id"]: c["papers"] for c in tree["quantization"]["children"]}["weight-only-ptq"] == 2
    r = cli("stats", "--kind", "bogus")
    assert (r.exit_code, r.stderr) == (
        2,
        "Error: unknown kind 'bogus': use one of paper, repo, blog, slides, post, page, report or any\n",
    )


def test_taxonomy_tree_counts(cli, mini_db):
    r = cli("taxonomy")
    assert r.exit_code == 0
    out = r.stdout.splitlines()
    assert any(line.startswith("quantization") and " 3 " in line for line in out)
    assert any("weight-only-ptq" in line and " 2 " in line for line in out)
    assert out[-2:] == ["", "* core area of the survey's taxonomy"]
    assert out[0].endswith("Sparsification *")
    own = mini_db.parent / "own.yaml"  # a user's file marks its own core areas
    own.write_text("areas:\n  - id: a\n    name: A\n    core: true\n    rules:\n      terms: {x: 3}\n")
    assert (
        cli("taxonomy", "--taxonomy", str(own)).stdout.splitlines()[-1]
        == "* core area (macro-F1 is over these)"
    )
    assert any(line.startswith("  - weight-only-ptq ") for line in out)  # a pipe: plain text
    assert any(line.startswith("    Representing weights, activations,") for line in out)
    assert not any(glyph in r.stdout for glyph in "│├└")
    data = json.loads(cli("taxonomy", "--json").stdout)
    assert [a["id"] for a in data[:6]] == [
        "sparsification", "quantization", "attention", "memory", "compiler", "hardware"
    ]  # fmt: skip


# -- export md ---------------------------------------------------------------------------------


def test_export_md_sections_and_escaping(cli, mini_db):
    r = cli("export", "--format", "md")
    assert r.exit_code == 0, r.stderr
    md = r.stdout
    for area in ("Sparsification", "Quantization", "Attention", "Memory", "Compiler", "Hardware"):
        assert f"\n## {area}\n" in md
    assert "| Title | Year | Tags | Link |" in md
    assert r"**A \| Tricky \*Title\* with \<html\> & \[brackets\]**" in md
    # AWQ is under quantization and hardware: it appears in both
    assert md.count("**AWQ: Activation-aware") == 2
    quant = md.split("## Quantization")[1].split("\n## ")[0]
    assert quant.index("GPTQ") < quant.index("AWQ")  # by year then title


def test_export_with_an_empty_query_is_the_error_search_gives(cli, mini_db, tmp_path):
    """`export --query ""` exported every paper while `search ""` is an error."""
    out = tmp_path / "q.md"
    r = cli("export", "--query", "", "-o", str(out))
    assert (r.exit_code, r.stderr) == (1, "Error: nothing to search for in '': give at least one word\n")
    assert not out.exists()


def test_export_md_to_file_with_filters(cli, mini_db, tmp_path):
    out = tmp_path / "q.md"
    r = cli("export", "--format", "md", "--tag", "quantization", "--since", "2023", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert r.stderr == f"Wrote 1 paper to {out}.\n"
    r = cli("export", "--format", "json", "--kind", "any", "-o", str(tmp_path / "all.json"))
    assert r.stderr == f"Wrote 8 entries to {tmp_path / 'all.json'}.\n"  # repos and pages too
    text = out.read_text()
    assert "AWQ" in text and "GPTQ" not in text
    assert "## Attention" not in text  # a selection shows only the areas it has


def test_export_unknown_format(cli, mini_db):
    r = cli("export", "--format", "docx")
    assert r.exit_code == 2
    assert r.stderr == "Error: unknown export format 'docx': use one of md, bibtex, csv, json, jsonl, yaml\n"


# -- path, default catalog -----------------------------------------------------------------------


def test_path_reports_choice(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    data = json.loads(cli("path", "--json").stdout)
    assert data["catalog"] == str(tmp_path / "data" / "catalog.db")
    assert data["catalog_from"] == "default"
    data = json.loads(cli("path", "--json", "--db", str(tmp_path / "x.db")).stdout)
    assert (data["catalog"], data["catalog_from"]) == (str(tmp_path / "x.db"), "--db")
    assert data["catalog_exists"] is False
    data = json.loads(cli("path", "--json", "--db", str(tmp_path)).stdout)  # a folder: no catalog
    assert data["catalog_exists"] is False
    monkeypatch.chdir(tmp_path)  # a relative --db is said where it is
    assert json.loads(cli("path", "--json", "--db", "t.db").stdout)["catalog"] == str(tmp_path / "t.db")


def test_default_catalog_is_copied_from_shipped(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    r = cli("search", "quantization", "--json")
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "data" / "catalog.db").exists()
    assert r.stderr.startswith("Created your catalog at ")
    assert len(json.loads(r.stdout)) > 5
    again = cli("search", "quantization", "--json")
    assert again.stderr == ""


def test_not_a_catalog_file(cli, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("this is not sqlite")
    r = cli("list", "--db", str(bad))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Error: cannot open catalog {bad}: ")


def test_newer_schema_is_refused(cli, tmp_path):
    import sqlite3

    from efmcat.catalog import Catalog

    path = tmp_path / "new.db"
    Catalog(path).close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    r = cli("list", "--db", str(path))
    assert r.exit_code == 1
    assert r.stderr == (
        f"Error: catalog {path} has schema version 99; this efmcat knows up to 7: upgrade efmcat\n"
    )


def test_every_command_has_help(cli, tmp_path, monkeypatch):
    """A one-line summary that `efmcat --help` shows whole, and an example that parses, last."""
    import shlex

    import typer.main

    from efmcat.cli import app

    monkeypatch.chdir(tmp_path)
    group = typer.main.get_group(app)
    assert len(group.commands) >= 8
    for name, cmd in group.commands.items():
        assert cmd.help and cmd.help.strip(), f"{name} has no help"
        summary, _, rest = cmd.help.partition("\n\n")
        assert "\n" not in summary and len(summary) <= 60 and summary.endswith("."), f"{name}: {summary!r}"
        assert cmd.get_short_help_str(64) == summary, name  # not cut short in the command list
        r = cli(name, "--help")
        assert r.exit_code == 0, name
        assert f"  {summary}\n" in r.stdout, name
        examples = [
            line.split("Example: ", 1)[1] for line in (cmd.epilog or "").splitlines() if "Example: " in line
        ]
        assert examples, f"{name} help has no example"
        assert "Example: " not in rest, f"{name}: an example in the help's body"
        # the help ends with the example, after the options
        assert " ".join(r.stdout.split()).endswith(" ".join(cmd.epilog.replace("\b", "").split())), name
        assert "Example: " in r.stdout.splitlines()[-1], f"{name}: its example wraps"
        for example in examples:
            words = shlex.split(example)
            words = words[: next((i for i, w in enumerate(words) if w in (">", ">>", "|")), len(words))]
            assert words[:2] == ["efmcat", name], f"{name}'s example runs another command: {example}"
            cmd.make_context(name, words[2:])  # raises on an unknown option or a bad value


def test_efmcat_alone_lists_the_commands_in_groups(cli):
    import re

    import typer.main

    from efmcat.cli import app

    for args in ([], ["--help"]):
        r = cli(*args)
        # alone as with --help: on stdout (`efmcat | less` shows it), 0
        assert r.exit_code == 0 and r.stderr == ""
        out = r.stdout
        panels = re.findall(r"^(\S[^:\n]*):\n", out, re.M)
        assert panels == ["Options", "Catalog", "Fetch", "Tagging", "Import/export", "Workflow", "Setup"]
        listed = {}
        for panel, body in re.findall(r"^(\S[^:\n]*):\n((?:  .*\n)+)", out, re.M):
            for line in body.splitlines():
                listed[line.split()[0]] = panel
        assert listed["search"] == listed["show"] == listed["similar"] == "Catalog"
        assert listed["add"] == listed["discover"] == "Fetch"
        assert listed["tag"] == listed["retag"] == listed["train"] == "Tagging"
        assert listed["import"] == listed["export"] == "Import/export"
        assert listed["note"] == listed["star"] == listed["rm"] == "Workflow"
        assert listed["completion"] == "Setup"
        commands = set(typer.main.get_group(app).commands)
        assert commands <= set(listed), commands - set(listed)
        # the summaries line up in one column across the panels
        columns = {
            line.index(line.split()[1])
            for line in out.splitlines()
            if line.split()[:1] and line.split()[0] in commands
        }
        assert len(columns) == 1


def test_readme_documents_every_command():
    import re
    from pathlib import Path

    import typer.main

    from efmcat.cli import app

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `efmcat (\w+)", readme, re.M))
    documented |= set(re.findall(r"^### `efmcat \w+ [^`]*` and `efmcat (\w+)", readme, re.M))
    commands = set(typer.main.get_group(app).commands)
    assert commands - documented == set()
    for name in commands:
        assert f"$ efmcat {name}" in readme, f"README has no example run of {name}"


@pytest.mark.parametrize(
    "command",
    [
        ["search", "x"], ["list"], ["stats"], ["export"], ["show", "2210.17323"], ["check"],
        ["sql", "SELECT 1"], ["similar", "2210.17323"], ["rm", "2210.17323", "--yes"],
        ["note", "2210.17323", "x"], ["status", "2210.17323", "read"], ["star", "2210.17323"],
        ["open", "2210.17323", "--print"], ["edit", "2210.17323", "--year", "2023"],
    ],
)  # fmt: skip
def test_reading_a_missing_catalog_is_an_error_not_a_new_file(cli, tmp_path, command):
    missing = tmp_path / "typo" / "catalog.db"
    r = cli(*command, "--db", str(missing))
    assert r.exit_code == 1
    assert r.stderr == f"Error: no catalog at {missing}\n"
    assert not missing.parent.exists()


def test_a_search_narrowed_to_nothing_says_the_filters_did_it(cli, mini_db):
    """`search quantization --since 2030` said "No papers match 'quantization'." while
    papers do: the words alone are not what found nothing."""
    assert cli("search", "quantization", "--since", "2030").stderr == (
        "No papers match 'quantization' with the filters given.\n"
    )
    assert cli("search", "quantization", "--status", "to-read").stderr == (
        "No papers match 'quantization' with the filters given.\n"
    )
    assert cli("search", "zzzzqq").stderr == "No papers match 'zzzzqq'.\n"


@pytest.mark.parametrize("args", [["--since", "2030"], ["--tag", "distillation"]])
def test_the_piped_search_paths_say_so_too(mini_db, args):
    """The installed efmcat, piped: the lean path (--since) and the fast path (--tag)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("efmcat", path=str(Path(sys.executable).parent)) or shutil.which("efmcat")
    p = subprocess.run(
        [exe, "--db", str(mini_db), "search", "quantization", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (p.returncode, p.stdout, p.stderr) == (
        0,
        "",
        "No papers match 'quantization' with the filters given.\n",
    )


def test_sources_counts_papers_as_list_does_and_names_other_entries(cli, tmp_path, monkeypatch):
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    db = tmp_path / "src.db"
    with Catalog(db) as cat:
        for n, kind in enumerate(["paper", "paper", "repo", "blog"]):
            cat.upsert_paper(Paper(id=f"2401.0000{n}", title=f"Entry {n}", kind=kind))
            cat.add_source(f"2401.0000{n}", "my-list", str(n))
        cat.add_source("2401.00000", "other-list", "1")
    r = cli("sources", "--db", str(db))  # in a pipe: tab-separated ("my list.md" breaks cut -f1 else)
    assert r.stdout == "my-list\t2\t2\nother-list\t1\t0\n"
    monkeypatch.setattr("efmcat.cli.catalog_cmds.stdout_is_terminal", lambda: True)
    r = cli("sources", "--db", str(db))
    assert r.stdout == "my-list          2  (and 2 other entries: --kind any)\nother-list       1\n"
    monkeypatch.undo()
    assert json.loads(cli("sources", "--db", str(db), "--json").stdout) == [
        {"source": "my-list", "papers": 2, "others": 2},
        {"source": "other-list", "papers": 1, "others": 0},
    ]
    listed = cli("list", "--db", str(db), "--source", "my-list", "--json").stdout
    assert len(json.loads(listed)) == 2


def test_a_list_that_finds_no_papers_says_when_other_kinds_match(cli, tmp_path):
    """A starred repo: `list --starred` said "No papers." and nothing of the repo."""
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    db = tmp_path / "kinds.db"
    with Catalog(db) as cat:
        cat.upsert_paper(Paper(id="2401.00001", title="A paper"))
        cat.upsert_paper(Paper(id="url:github.com/a/b", title="A repo", kind="repo"))
    assert cli("star", "url:github.com/a/b", "--db", str(db)).exit_code == 0
    r = cli("list", "--starred", "--db", str(db))
    assert (r.exit_code, r.stdout, r.stderr) == (
        0,
        "",
        "No papers. Entries of other kinds (repos, posts, ...) match: --kind any shows them.\n",
    )
    assert cli("list", "--starred", "--kind", "any", "--db", str(db)).stdout.startswith(
        "url:github.com/a/b\t"
    )
    assert cli("list", "--status", "read", "--db", str(db)).stderr == "No papers.\n"  # nothing of any kind
    assert cli("list", "--starred", "--kind", "blog", "--db", str(db)).stderr == "No papers.\n"


def test_kind_is_read_in_any_case(cli, tmp_path):
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    db = tmp_path / "kinds.db"
    with Catalog(db) as cat:
        cat.upsert_paper(Paper(id="url:github.com/a/b", title="A Repo", kind="repo"))
        cat.upsert_paper(Paper(id="2401.00001", title="A Paper"))
    r = cli("list", "--db", str(db), "--kind", "Repo", "--json")
    assert r.exit_code == 0, r.stderr
    assert [p["id"] for p in json.loads(r.stdout)] == ["url:github.com/a/b"]
    assert len(json.loads(cli("list", "--db", str(db), "--kind", "ANY", "--json").stdout)) == 2


def test_a_source_in_another_case_is_named(cli, tmp_path):
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    db = tmp_path / "case.db"
    with Catalog(db) as cat:
        cat.upsert_paper(Paper(id="2401.00001", title="A Paper"))
        cat.add_source("2401.00001", "my-list", "1")
    r = cli("list", "--db", str(db), "--source", "My-List")
    assert (r.exit_code, r.stderr) == (1, "Error: unknown source 'My-List': did you mean 'my-list'?\n")


def test_a_missing_arxiv_paper_says_how_to_fetch_it_and_another_id_does_not(cli, mini_db):
    r = cli("show", "1802.04799")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: no paper 1802.04799 in the catalog (`efmcat add 1802.04799` fetches it from arXiv)\n",
    )
    r = cli("show", "doi:10.1145/x")
    assert (r.exit_code, r.stderr) == (1, "Error: no paper doi:10.1145/x in the catalog\n")


def test_a_long_query_with_no_word_is_shown_short(cli, mini_db):
    query = "!" * 5000
    r = cli("search", query)
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: nothing to search for in '{'!' * 80}…': give at least one word\n",
    )
