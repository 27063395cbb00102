"""Issue 13: one option vocabulary, `-` for stdin, --json reports of every command that writes,
helpful offline failures, and no empty catalog left behind by a failed command."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

OFFLINE = (
    "; offline? check the network and the proxy (HTTPS_PROXY), or set EFMCAT_ARXIV_URL to a reachable server"
)
FEED_HINT = "; discover also reads a saved listing: --feed FILE"


def _closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/query"


@pytest.fixture
def attempts(monkeypatch) -> list[str]:
    """The URL of every request the arXiv client makes (retries included)."""
    from efmcat.arxiv import ArxivClient

    calls: list[str] = []
    real = ArxivClient._fetch

    def counted(self, params):
        calls.append(self.url)
        return real(self, params)

    monkeypatch.setattr(ArxivClient, "_fetch", counted)
    return calls


# -- offline: fail fast and say what to do ------------------------------------------------------


@pytest.mark.parametrize("args", [["add", "2310.19102"], ["discover"], ["refresh", "--all"]])
def test_offline_fails_at_once_naming_what_to_do(cli, mini_db, monkeypatch, attempts, args):
    url = _closed_url()
    monkeypatch.setenv("EFMCAT_ARXIV_URL", url)
    r = cli(*args)
    assert r.exit_code == 3
    hint = OFFLINE + (FEED_HINT if args == ["discover"] else "")
    assert (
        r.stderr.splitlines()[-1]
        == f"Error: could not reach arXiv at {url}: [Errno 111] Connection refused{hint}"
    )
    assert attempts == [url]  # one attempt, no retry


def test_offline_feed_url_fails_at_once(cli, mini_db, attempts):
    url = _closed_url().replace("/api/query", "/rss/cs.LG")
    r = cli("discover", "--feed", url)
    assert r.exit_code == 3
    assert (
        r.stderr
        == f"Error: could not reach arXiv at {url}: [Errno 111] Connection refused; offline? check the network "
        "and the proxy (HTTPS_PROXY), or save the feed and give it as --feed FILE\n"
    )
    assert attempts == [url]


# -- a failed command leaves no new catalog file ------------------------------------------------


def _catalog_files(tmp_path, name="new.db"):
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(name))


@pytest.mark.parametrize("before", [True, False])
def test_failed_add_leaves_no_new_catalog(cli, tmp_path, before):
    new = tmp_path / "new.db"
    args = ["--db", str(new), "add", "BADID"] if before else ["add", "BADID", "--db", str(new)]
    r = cli(*args)
    assert r.exit_code == 1
    assert r.stderr == "Error: not an arXiv id: BADID\n0 added, 0 already present, 0 not found, 1 invalid.\n"
    assert _catalog_files(tmp_path) == []


def test_offline_add_leaves_no_new_catalog(cli, tmp_path, attempts):
    r = cli("--db", str(tmp_path / "new.db"), "add", "2310.19102")
    assert r.exit_code == 3
    assert len(attempts) == 1
    assert _catalog_files(tmp_path) == []


def test_failed_import_leaves_no_new_catalog(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("papers: [\n", encoding="utf-8")
    r = cli("import", str(bad), "--db", str(tmp_path / "new.db"))
    assert r.exit_code == 1
    assert _catalog_files(tmp_path) == []


def test_successful_write_keeps_the_new_catalog(cli, tmp_path):
    md = tmp_path / "list.md"
    md.write_text("- [SmoothQuant](https://arxiv.org/abs/2211.10438)\n", encoding="utf-8")
    r = cli("--db", str(tmp_path / "new.db"), "import", str(md))
    assert r.exit_code == 0, r.stderr
    assert "new.db" in _catalog_files(tmp_path)


def test_a_failed_command_keeps_an_existing_empty_catalog(cli, tmp_path):
    from efmcat.catalog import Catalog

    new = tmp_path / "new.db"
    Catalog(new).close()  # made before: not this command's to remove
    assert cli("--db", str(new), "add", "BADID").exit_code == 1
    assert new.exists()


# -- --db before or after the command -----------------------------------------------------------


def test_db_before_the_command(cli, mini_db, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    before = cli("--db", str(mini_db), "list", "--json")
    after = cli("list", "--json", "--db", str(mini_db))
    assert before.exit_code == after.exit_code == 0, before.stderr
    assert before.stdout == after.stdout and before.stdout.startswith("[")
    r = cli("--db", str(mini_db), "path", "--json")
    assert f'"catalog": "{mini_db}"' in r.stdout and '"catalog_from": "--db"' in r.stdout


# -- one option vocabulary ----------------------------------------------------------------------


def _commands():
    import typer

    from efmcat.cli import app

    group = typer.main.get_command(app)
    root = group.make_context("efmcat", [], resilient_parsing=True)
    yield "efmcat", group, root
    for name, cmd in sorted(group.commands.items()):
        yield name, cmd, cmd.make_context(name, [], parent=root, resilient_parsing=True)


def _options():
    for name, cmd, ctx in _commands():
        for p in cmd.get_params(ctx):
            if p.param_type_name == "option":
                names = p.opts + p.secondary_opts
                longs = [o for o in names if o.startswith("--")]
                shorts = [o for o in names if not o.startswith("--")]
                yield name, p, longs, shorts


def test_each_short_flag_means_one_long_option_everywhere():
    meaning: dict[str, set[str]] = {}
    shorts_of: dict[str, set[tuple[str, ...]]] = {}
    for _, _, longs, shorts in _options():
        for short in shorts:
            meaning.setdefault(short, set()).add(longs[0])
        shorts_of.setdefault(longs[0], set()).add(tuple(shorts))
    assert {s: m for s, m in meaning.items() if len(m) > 1} == {}
    assert {o: s for o, s in shorts_of.items() if len(s) > 1} == {}
    # the vocabulary the README's Conventions section writes down
    assert {s: next(iter(m)) for s, m in meaning.items()} == {
        "-V": "--version",
        "-h": "--help",
        "-f": "--format",
        "-i": "--file",
        "-n": "--limit",
        "-o": "--output",
        "-p": "--port",
        "-q": "--query",
        "-s": "--source",
        "-t": "--tag",
        "-a": "--append",
        "-y": "--yes",
    }


def test_metavars_are_upper_case_words():
    import re

    style = re.compile(r"^\[?[A-Z][A-Z_]*(\.\.\.)?\]?( \[?[A-Z][A-Z_]*(\.\.\.)?\]?)*$")
    bad = []
    for name, cmd, ctx in _commands():
        for p in cmd.get_params(ctx):
            if p.param_type_name == "option" and (p.is_flag or p.count):
                continue
            shown = p.make_metavar(ctx)
            if not style.match(shown):
                bad.append(f"{name} {p.name}: {shown}")
    assert bad == []


def test_help_shows_no_typer_style_metavars(cli):
    import re

    import typer

    from efmcat.cli import app

    names = sorted(typer.main.get_command(app).commands)
    assert len(names) > 25
    for name in [*names, None]:
        r = cli(*([name] if name else []), "--help")
        assert r.exit_code == 0
        assert not re.search(r"<[a-z ]+>|\{[A-Za-z_]+\}", r.stdout), (name, r.stdout)


def test_old_short_flags_are_usage_errors_not_silent_changes(cli, mini_db, tmp_path):
    md = tmp_path / "list.md"
    md.write_text("- [SmoothQuant](https://arxiv.org/abs/2211.10438)\n", encoding="utf-8")
    r = cli("import", str(md), "-n")  # was --dry-run; -n is --limit everywhere
    assert r.exit_code == 2 and "No such option: -n" in r.stderr
    r = cli("add", "-f", str(md))  # was --file; -f is --format everywhere
    assert r.exit_code == 2 and "No such option: -f" in r.stderr


def test_discover_filters_by_tag_like_search_and_list(cli, mini_db, tmp_path):
    from efmcat.errors import EfmcatError  # noqa: F401  (the library is importable)

    for flag in ("--tag", "-t", "--area"):
        r = cli("discover", flag, "quantisation")
        assert r.exit_code == 1 and r.stderr.startswith("Error: unknown taxonomy node 'quantisation'")


# -- `-` is stdin for every file argument -------------------------------------------------------

LIST_MD = "# My list\n\n- [SmoothQuant](https://arxiv.org/abs/2211.10438)\n- [AWQ](https://arxiv.org/abs/2306.00978)\n"


def _ids(db):
    from efmcat.catalog import Catalog

    with Catalog(db, create=False) as c:
        return sorted(r[0] for r in c.conn.execute("SELECT id FROM papers"))


def test_import_dash_reads_markdown_from_stdin(cli, tmp_path):
    db = tmp_path / "new.db"
    r = cli("import", "-", "--db", str(db), input=LIST_MD)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == (
        "stdin (md): 2 rows, 2 papers, 2 arXiv ids, 0 non-arXiv links, 0 duplicates merged\n"
        "Added 2 papers, updated 0, 0 unchanged; 0 tags.\n"
    )
    assert _ids(db) == ["2211.10438", "2306.00978"]


def test_import_dash_sweeps_the_stdin_copies_of_killed_imports(cli, tmp_path, monkeypatch):
    """An import killed outright (kill -9) left its copy of stdin in the temp folder: the
    next `import -` removes the copies whose process is gone, an hour old (a temp folder
    shared with another PID namespace shows a live import as gone), not a live one's."""
    import os
    import subprocess
    import sys
    import tempfile
    import time

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = tmp / f"efmcat-stdin-{int(gone.stdout)}-x1"
    live = tmp / f"efmcat-stdin-{os.getppid()}-x2"
    other = tmp / "efmcat-stdin-notes"
    recent = tmp / f"efmcat-stdin-{int(gone.stdout)}-x3"  # gone, but its copy is recent
    for folder in (dead, live, other, recent):
        folder.mkdir()
        (folder / "stdin").write_text("a copy")
    old = time.time() - 2 * 3600
    for folder in (dead, live, other):
        os.utime(folder, (old, old))
    r = cli("import", "-", "--db", str(tmp_path / "new.db"), input=LIST_MD)
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in tmp.iterdir()) == sorted([live.name, other.name, recent.name])


def test_counts_of_one_are_singular(cli, tmp_path):
    db = tmp_path / "one.db"
    one = "# My list\n\n- [SmoothQuant](https://arxiv.org/abs/2211.10438)\n"
    r = cli("import", "-", "--db", str(db), input=one)
    assert r.exit_code == 0, r.stderr
    assert r.stderr == (
        "stdin (md): 1 row, 1 paper, 1 arXiv id, 0 non-arXiv links, 0 duplicates merged\n"
        "Added 1 paper, updated 0, 0 unchanged; 0 tags.\n"
    )
    r = cli("check", "--db", str(db))
    assert r.stdout == (
        "INFO missing-metadata: 1 paper lacks authors or an abstract (arXiv ones can be filled with "
        "`efmcat refresh ID...`, or `--all`): 2211.10438\n"
    )
    assert r.stderr == "Checked 1 paper: 0 problems; notes: missing-metadata (1 paper).\n"
    md = tmp_path / "one.md"
    r = cli("export", "--format", "md", "--db", str(db), "-o", str(md))
    assert r.exit_code == 0, r.stderr
    assert "\n1 paper, exported by efmcat." in md.read_text(encoding="utf-8")


def test_import_dash_sniffs_bibtex_and_jsonl(cli, tmp_path):
    db = tmp_path / "new.db"
    bib = "@article{awq,\n  title = {AWQ},\n  eprint = {2306.00978},\n  archivePrefix = {arXiv}\n}\n"
    r = cli("import", "-", "--db", str(db), "--json", input=bib)
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert [(f["path"], f["format"]) for f in report["files"]] == [("stdin", "bibtex")]
    line = json.dumps({"id": "2211.10438", "title": "SmoothQuant", "abstract": "An abstract."}) + "\n"
    r = cli("import", "-", "--db", str(db), "--json", input=line)
    assert r.exit_code == 0, r.stderr
    assert [(f["path"], f["format"]) for f in json.loads(r.stdout)["files"]] == [("stdin", "jsonl")]
    assert _ids(db) == ["2211.10438", "2306.00978"]


def test_import_dash_with_format_and_errors_name_stdin(cli, mini_db):
    r = cli("import", "-", "--format", "yaml", input="papers: [\n")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: stdin:2: not valid YAML")
    r = cli("import", "-", "-", input=LIST_MD)
    assert (r.exit_code, r.stderr) == (2, "Error: '-' (stdin) can be given only once\n")


def test_import_dash_beside_files_in_one_transaction(cli, tmp_path):
    db = tmp_path / "new.db"
    md = tmp_path / "more.md"
    md.write_text("- [GPTQ](https://arxiv.org/abs/2210.17323)\n", encoding="utf-8")
    r = cli("import", str(md), "-", "--db", str(db), "--dry-run", input=LIST_MD)
    assert r.exit_code == 0, r.stderr
    assert "Would add 3 papers" in r.stderr
    r = cli("import", str(md), "-", "--db", str(db), input=LIST_MD)
    assert r.exit_code == 0, r.stderr
    assert _ids(db) == ["2210.17323", "2211.10438", "2306.00978"]


def test_add_file_dash_reads_ids_from_stdin(cli, mini_db):
    r = cli("add", "-i", "-", input="# ids\nnot-an-id\n")
    assert r.exit_code == 1
    assert (
        r.stderr == "Error: not an arXiv id: not-an-id\n0 added, 0 already present, 0 not found, 1 invalid.\n"
    )


def test_discover_feed_dash_reads_stdin(cli, mini_db):
    from pathlib import Path

    feed = Path(__file__).parent / "fixtures" / "discover" / "cs_LG_rss_2026format.xml"
    r = cli("discover", "--feed", "-", "--json", input=feed.read_text(encoding="utf-8"))
    assert r.exit_code == 0, r.stderr
    assert [x["id"] for x in json.loads(r.stdout)] == ["2611.20001", "2611.20002", "2611.20003"]


# -- import --fetch offline keeps the list --------------------------------------------------------


def test_import_fetch_offline_keeps_the_papers_and_warns_once(cli, tmp_path, attempts):
    db = tmp_path / "new.db"
    md = tmp_path / "list.md"
    md.write_text(LIST_MD, encoding="utf-8")
    r = cli("import", str(md), "--fetch", "--db", str(db))
    assert r.exit_code == 0, r.stderr
    url = "http://127.0.0.1:9/api/query"
    assert r.stderr.splitlines()[-1] == (
        f"Warning: could not reach arXiv at {url}: [Errno 111] Connection refused; 2 papers imported "
        "without their arXiv metadata: run `efmcat refresh 2211.10438 2306.00978` later"
    )
    assert r.stderr.count("Warning:") == 1 and "Added 2 papers" in r.stderr
    assert attempts == [url]
    assert _ids(db) == ["2211.10438", "2306.00978"]
    r = cli("import", str(md), "--fetch", "--db", str(db), "--json")
    report = json.loads(r.stdout)
    assert report["fetch_error"] == f"could not reach arXiv at {url}: [Errno 111] Connection refused"
    assert report["unfetched"] == ["2211.10438", "2306.00978"]


def test_import_fetch_offline_many_papers_suggests_refresh_all(cli, tmp_path):
    md = tmp_path / "list.md"
    md.write_text("".join(f"- [P{i}](https://arxiv.org/abs/2401.0000{i})\n" for i in range(1, 8)))
    r = cli("import", str(md), "--fetch", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.splitlines()[-1].endswith(
        "7 papers would be imported without their arXiv metadata: run `efmcat refresh --all` later"
    )


# -- --json reports (and --dry-run) of every command that writes ---------------------------------

REPORT_KEYS = ["dry_run", "added", "updated", "removed", "unchanged", "failed"]


def _report(r) -> dict:
    assert r.exit_code in (0, 1), r.stderr
    data = json.loads(r.stdout)
    assert list(data)[: len(REPORT_KEYS)] == REPORT_KEYS
    return data


def _pick(data, *keys):
    return {k: data[k] for k in keys}


@pytest.fixture
def arxiv(monkeypatch):
    from arxiv_server import ArxivServer

    s = ArxivServer().start()
    monkeypatch.setenv("EFMCAT_ARXIV_URL", s.url)
    s.add(
        "2306.00978", 5, title="AWQ: Activation-aware Weight Quantization", published="2023-06-01T17:59:10Z"
    )
    s.add("2211.10438", 7, title="SmoothQuant", published="2022-11-18T18:59:33Z")
    yield s
    s.stop()


def test_add_json(cli, mini_db, arxiv):
    r = cli("add", "2211.10438", "2306.00978", "2401.99999", "nonsense", "--json")
    assert r.exit_code == 1
    data = _report(r)
    assert data == {
        "dry_run": False,
        "added": ["2211.10438"],
        "updated": [],
        "removed": [],
        "unchanged": ["2306.00978"],
        "failed": [
            {"input": "nonsense", "error": "not an arXiv id: nonsense"},
            {"input": "2401.99999", "error": "not found on arXiv"},
        ],
        "merged": [],  # records without an arXiv id the added papers absorbed
        "not_done": [],  # ids a failure part-way left unfetched
    }
    assert r.stderr.endswith("1 added, 1 already present, 1 not found, 1 invalid.\n")


def test_refresh_json(cli, mini_db, arxiv):
    r = cli("refresh", "2306.00978", "2210.17323", "--json")
    data = _report(r)
    assert _pick(data, "updated", "unchanged", "failed") == {
        "updated": ["2306.00978"],
        "unchanged": [],
        "failed": [{"input": "2210.17323", "error": "not found on arXiv"}],
    }
    assert isinstance(data["new_versions"], list) and isinstance(data["retitled"], list)
    again = _report(cli("refresh", "2306.00978", "--json"))
    assert _pick(again, "updated", "unchanged") == {"updated": [], "unchanged": ["2306.00978"]}


def _tags(pid):
    import os

    from efmcat.catalog import Catalog

    with Catalog(os.environ["EFMCAT_DB"], create=False) as c:
        return sorted(r["node"] for r in c.tag_rows(pid) if not r["removed"])


def test_tag_says_what_it_did_to_a_node_the_paper_already_has(cli, mini_db):
    """It said "recorded as manual tags" for a curated tag it left curated (a hunt saw it)."""
    from efmcat.catalog import Catalog

    with Catalog(mini_db) as c:
        rows = {r["node"]: r["origin"] for r in c.tag_rows("2205.14135") if not r["removed"]}
    curated = next(n for n, o in rows.items() if o == "curated")
    auto = next(n for n, o in rows.items() if o == "auto")
    r = cli("tag", "2205.14135", curated)
    assert (r.exit_code, r.stderr) == (
        0,
        f"2205.14135 already has {curated} (curated or yours): left as it is.\n",
    )
    r = cli("tag", "2205.14135", auto, "--dry-run")
    assert r.stderr == (
        f"{auto} was the tagger's: would be yours (re-tagging keeps it) (dry run: nothing was written)\n"
    )
    data = _report(cli("tag", "2205.14135", auto, "--json"))
    assert _pick(data, "updated", "unchanged", "tags_added", "tags_made_manual") == {
        "updated": ["2205.14135"],
        "unchanged": [],
        "tags_added": [],
        "tags_made_manual": [auto],
    }
    with Catalog(mini_db) as c:
        after = {r["node"]: r["origin"] for r in c.tag_rows("2205.14135") if not r["removed"]}
    assert (after[curated], after[auto]) == ("curated", "manual")
    r = cli("tag", "2205.14135", auto)
    assert r.stderr == f"2205.14135 already has {auto} (curated or yours): left as it is.\n"


def test_tag_calls_an_implied_area_named_yours_by_name_not_the_taggers(cli, mini_db):
    """An area a tagged subtopic implied, then named: it was reported as 'the tagger's'."""
    assert cli("untag", "2205.14135", "hardware").exit_code == 0
    assert cli("tag", "2205.14135", "fpga").exit_code == 0  # implies hardware
    r = cli("tag", "2205.14135", "hardware")
    assert r.stderr == (
        "hardware, implied by a subtopic you tagged, is yours by name now (untagging the subtopic keeps it).\n"
    )
    assert cli("untag", "2205.14135", "fpga").exit_code == 0
    assert "hardware" in _tags("2205.14135")
    assert cli("tag", "2205.14135", "fpga").exit_code == 0
    data = _report(cli("untag", "2205.14135", "hardware", "--json"))
    assert data["tags_removed"] == ["hardware", "fpga"]
    assert cli("tag", "2205.14135", "fpga").exit_code == 0
    data = _report(cli("tag", "2205.14135", "hardware", "--json"))
    assert _pick(data, "updated", "tags_made_manual", "tags_named") == {
        "updated": ["2205.14135"],
        "tags_made_manual": [],
        "tags_named": ["hardware"],
    }


def test_untag_of_a_node_the_paper_lacks_reports_the_removal_it_records(cli, mini_db):
    """It wrote the removal and reported the paper unchanged; a second time it said
    'recorded' again though nothing changed (a hunt saw both)."""
    assert "fpga" not in _tags("2205.14135")
    data = _report(cli("untag", "2205.14135", "fpga", "--json"))
    assert _pick(data, "updated", "unchanged", "tags_removed", "removals_recorded") == {
        "updated": ["2205.14135"],
        "unchanged": [],
        "tags_removed": [],
        "removals_recorded": ["fpga"],
    }
    r = cli("untag", "2205.14135", "fpga")
    assert (r.exit_code, r.stderr) == (0, "2205.14135 is already kept from fpga.\n")
    data = _report(cli("untag", "2205.14135", "fpga", "--json"))
    assert _pick(data, "updated", "unchanged", "removals_recorded", "already_removed") == {
        "updated": [],
        "unchanged": ["2205.14135"],
        "removals_recorded": [],
        "already_removed": ["fpga"],
    }


def test_tag_json_names_the_nodes_it_left_as_they_were(cli, mini_db):
    """The text said 'already has X (curated or yours)'; the JSON report had no such list."""
    assert cli("tag", "2205.14135", "fpga").exit_code == 0
    data = _report(cli("tag", "2205.14135", "fpga", "hardware", "--json"))
    assert _pick(data, "updated", "unchanged", "tags_added", "tags_named", "tags_kept") == {
        "updated": ["2205.14135"],
        "unchanged": [],
        "tags_added": [],
        "tags_named": ["hardware"],
        "tags_kept": ["fpga"],
    }


def test_tag_and_untag_json_and_dry_run(cli, mini_db):
    before = _tags("2205.14135")
    r = cli("tag", "2205.14135", "fpga", "--dry-run", "--json")
    data = _report(r)
    assert data["dry_run"] is True and data["updated"] == ["2205.14135"] and "fpga" in data["tags_added"]
    assert _tags("2205.14135") == before  # nothing written
    r = cli("tag", "2205.14135", "fpga", "--dry-run")
    assert r.stderr.startswith("Would tag 2205.14135 with ") and r.stderr.endswith(
        "fpga (dry run: nothing was written)\n"
    )
    assert _tags("2205.14135") == before
    data = _report(cli("tag", "2205.14135", "fpga", "--json"))
    assert data["dry_run"] is False and "fpga" in data["tags_added"] and "fpga" in _tags("2205.14135")
    data = _report(cli("tag", "2205.14135", "fpga", "--json"))
    assert _pick(data, "updated", "unchanged", "tags_added") == {
        "updated": [],
        "unchanged": ["2205.14135"],
        "tags_added": [],
    }
    data = _report(cli("untag", "2205.14135", "fpga", "--dry-run", "--json"))
    # the area the tag implied goes with it (the tagger does not give FlashAttention hardware)
    assert data["tags_removed"] == ["hardware", "fpga"] and "fpga" in _tags("2205.14135")
    data = _report(cli("untag", "2205.14135", "fpga", "--json"))
    assert data["updated"] == ["2205.14135"] and "fpga" not in _tags("2205.14135")
    assert _tags("2205.14135") == before


@pytest.mark.parametrize(
    "args",
    [
        ("tag", "2205.14135", "fpga"),
        ("untag", "2205.14135", "attention"),
        ("retag", "2205.14135"),
        ("retag", "--all"),
        ("rm", "2205.14135"),
        ("status", "2205.14135", "read"),
        ("star", "2205.14135"),
        ("import", "LIST"),
        ("update",),
    ],
    ids=lambda a: " ".join(a),
)
def test_a_dry_run_leaves_the_file_byte_for_byte(cli, mini_db, tmp_path, args):
    """Not its journal mode either: retag --dry-run switched a catalog that was not in WAL
    mode (the shipped one is not) to WAL, as a write does."""
    listing = tmp_path / "list.md"
    listing.write_text("# Quantization\n- [New Paper](https://arxiv.org/abs/2401.00001)\n", encoding="utf-8")
    args = tuple(str(listing) if a == "LIST" else a for a in args)
    assert sqlite3.connect(mini_db).execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    before = mini_db.read_bytes()
    r = cli(*args, "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert mini_db.read_bytes() == before
    assert not Path(f"{mini_db}-wal").exists()


def test_rm_json_and_dry_run(cli, mini_db):
    r = cli("rm", "2205.14135", "--dry-run")
    assert r.exit_code == 0 and r.stderr.endswith("Would remove 1 paper (dry run: nothing was written).\n")
    data = _report(cli("rm", "2205.14135", "--dry-run", "--json"))
    assert _pick(data, "dry_run", "removed") == {"dry_run": True, "removed": ["2205.14135"]}
    assert cli("show", "2205.14135").exit_code == 0
    data = _report(cli("rm", "https://arxiv.org/abs/2205.14135", "--yes", "--json"))
    assert _pick(data, "dry_run", "removed") == {"dry_run": False, "removed": ["2205.14135"]}
    assert cli("show", "2205.14135").exit_code == 1


def test_edit_and_note_json(cli, mini_db):
    data = _report(cli("edit", "2205.14135", "--venue", "NeurIPS 2022", "--json"))
    assert _pick(data, "updated", "fields") == {"updated": ["2205.14135"], "fields": ["venue"]}
    data = _report(cli("edit", "2205.14135", "--venue", "NeurIPS 2022", "--json"))
    assert _pick(data, "updated", "unchanged") == {"updated": [], "unchanged": ["2205.14135"]}
    data = _report(cli("note", "2205.14135", "read it", "--json"))
    assert _pick(data, "updated", "note") == {"updated": ["2205.14135"], "note": "read it"}
    data = _report(cli("note", "2205.14135", "--clear", "--json"))
    assert _pick(data, "updated", "note") == {"updated": ["2205.14135"], "note": None}


def test_status_and_star_json_and_dry_run(cli, mini_db):
    data = _report(cli("status", "2205.14135", "2208.07339", "reading", "--dry-run", "--json"))
    assert _pick(data, "dry_run", "updated", "status") == {
        "dry_run": True,
        "updated": ["2205.14135", "2208.07339"],
        "status": "reading",
    }
    assert cli("list", "--status", "reading", "--json").stdout == "[]\n"
    cli("status", "2205.14135", "reading")
    data = _report(cli("status", "2205.14135", "2208.07339", "reading", "--json"))
    assert _pick(data, "updated", "unchanged") == {"updated": ["2208.07339"], "unchanged": ["2205.14135"]}
    r = cli("star", "2205.14135", "--dry-run")
    assert r.stderr == "Would star 2205.14135 (dry run: nothing was written).\n"
    assert cli("list", "--starred", "--json").stdout == "[]\n"
    data = _report(cli("star", "2205.14135", "--json"))
    assert _pick(data, "updated", "starred") == {"updated": ["2205.14135"], "starred": True}
    data = _report(cli("star", "2205.14135", "--unstar", "--json"))
    assert _pick(data, "updated", "starred") == {"updated": ["2205.14135"], "starred": False}


def test_retag_json(cli, mini_db):
    data = _report(cli("retag", "2205.14135", "https://arxiv.org/abs/2208.07339", "--dry-run", "--json"))
    assert data["dry_run"] is True and data["papers"] == 2
    assert sorted(data["updated"] + data["unchanged"]) == ["2205.14135", "2208.07339"]
    assert data["updated"] == [c["id"] for c in data["changes"]]
    # a paper named three ways is one paper ("Re-tagged 3 papers" before)
    r = cli("retag", "2205.14135", "arXiv:2205.14135", "2205.14135v2", "--dry-run")
    assert r.exit_code == 0 and r.stderr.endswith(
        "Re-tagged 1 paper: 0 would change (dry run, nothing written).\n"
    )


def test_train_json(cli, mini_db, tmp_path):
    from efmcat.catalog import Catalog
    from efmcat.model import META_KEY

    data = _report(cli("train", "--reset", "--json"))  # the catalog had no model: none dropped
    assert _pick(data, "model", "reset") == {"model": None, "reset": False}
    with Catalog(mini_db) as cat:
        cat.set_meta(META_KEY, "{}")
    data = _report(cli("train", "--reset", "--json"))
    assert _pick(data, "model", "reset") == {"model": None, "reset": True}


def test_every_command_that_writes_takes_json():
    writers = {"add", "refresh", "tag", "untag", "rm", "edit", "note", "status", "star", "import", "retag",
               "update", "train", "check", "discover"}  # fmt: skip
    dry = {"import", "retag", "update", "tag", "untag", "rm", "status", "star"}
    opts: dict[str, set[str]] = {}
    for name, _, longs, _ in _options():
        opts.setdefault(name, set()).update(longs)
    assert [w for w in sorted(writers) if "--json" not in opts[w]] == []
    assert [w for w in sorted(dry) if "--dry-run" not in opts[w]] == []


def test_offline_add_fails_before_reading_the_seeds(cli, mini_db, monkeypatch, attempts):
    read: list[object] = []
    monkeypatch.setattr("efmcat.fetch.curated_tags", lambda seeds=None: read.append(seeds) or {})
    r = cli("add", "2310.19102")
    assert r.exit_code == 3 and len(attempts) == 1
    assert read == []  # seconds of YAML parsing only once arXiv has answered


def test_cleanup_leaves_a_new_catalog_another_writer_holds(tmp_path):
    from efmcat.catalog import Catalog
    from efmcat.cli import _app

    new = tmp_path / "new.db"
    with Catalog(new) as other, other.transaction():  # a concurrent command, mid-write
        _app._state["new_catalogs"] = [(new, False)]
        _app.drop_new_empty_catalogs()
        assert new.exists()
    _app._state["new_catalogs"] = [(new, False)]
    _app.drop_new_empty_catalogs()  # nobody holds it and it has no paper: removed
    assert _catalog_files(tmp_path) == []


@pytest.mark.parametrize(
    "command", [["search", "x"], ["list"], ["similar", "2210.17323"], ["discover", "--feed", "-"]]
)
@pytest.mark.parametrize("limit", ["0", "-3", "1000000001"])
def test_a_limit_out_of_range_is_said_one_way(cli, mini_db, command, limit):
    """-n 0 got Click's "0 is not in the range x>=1", a huge limit efmcat's own words."""
    r = cli(*command, "--limit", limit, input="")
    assert (r.exit_code, r.stderr) == (2, f"Error: --limit must be between 1 and 1000000000, not {limit}\n")


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["export", "-o", ""], "'--output' / '-o'"),
        (["import", ""], "'FILE...'"),
        (["eval", ""], "'[FILE...]'"),
        (["train", "--labels", ""], "'--labels'"),
        (["search", "x", "--db", ""], "'--db'"),
        (["tag", "2210.17323", "attention", "--taxonomy", ""], "'--taxonomy'"),
    ],
)
def test_an_empty_path_is_a_usage_error(cli, mini_db, args, option):
    """Python reads '' as the current folder: errors named "." ("cannot read labelled set .:
    Is a directory"), and `search --db ''` searched $EFMCAT_DB."""
    r = cli(*args)
    assert (r.exit_code, r.stderr) == (
        2,
        f"Error: Invalid value for {option}: an empty path names no file (see efmcat {args[0]} -h)\n",
    )


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (
            ["completion"],
            "Error: Missing argument 'SHELL'. Choose from: bash, zsh, fish (see efmcat completion -h)\n",
        ),
        (["list", "--kind"], "Error: Option '--kind' requires an argument (see efmcat list -h)\n"),
        (
            ["search", "x", "-n", "ten"],
            "Error: Invalid value for '--limit' / '-n': 'ten' is not a valid int (see efmcat search -h)\n",
        ),
        (["frobnicate"], "Error: No such command 'frobnicate' (see efmcat -h)\n"),
    ],
)
def test_a_usage_error_is_one_line_naming_the_commands_help(cli, args, stderr):
    """Click's message on one line (a choice list spanned lines, and came out as \\x0a\\x09), and
    the command's help named even when Click raises before the command's context exists."""
    r = cli(*args)
    assert (r.exit_code, r.stderr) == (2, stderr)
