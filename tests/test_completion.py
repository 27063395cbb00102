"""Shell completion: the scripts, and what a Tab press offers (commands, options, taxonomy
node ids, paper ids from the catalog), driven the way the shells drive it: env vars."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def complete(cli, line: str, shell: str = "bash", **env: str) -> list[str]:
    """The candidates for the last word of ``line`` (a trailing space: a new, empty word)."""
    words = line.split()
    if shell == "bash":
        cword = len(words) if line.endswith(" ") else len(words) - 1
        env = {"_EFMCAT_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword), **env}
    elif shell == "fish":
        env = {"_EFMCAT_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args",
               "_TYPER_COMPLETE_ARGS": line, **env}  # fmt: skip
    else:
        env = {"_EFMCAT_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line, **env}
    r = cli(env=env)
    assert r.exit_code == 0, r.output
    assert r.stderr == ""
    return [line for line in r.stdout.splitlines() if line]


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o default -F _efmcat_completion efmcat"),
        ("zsh", "compdef _efmcat_completion efmcat"),
        ("fish", "complete --command efmcat --no-files"),
    ],
)
def test_completion_prints_the_script_for_each_shell(cli, shell, marker):
    r = cli("completion", shell)
    assert r.exit_code == 0
    assert marker in r.stdout
    assert f"_EFMCAT_COMPLETE=complete_{shell}" in r.stdout
    assert r.stdout.endswith("\n")
    if shell == "bash":  # as the README shows it (Typer's template writes a real newline there)
        assert "    local IFS=$'\\n'\n" in r.stdout


def test_completion_of_an_unknown_shell_is_a_usage_error(cli):
    r = cli("completion", "tcsh")
    assert r.exit_code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in r.stderr


def test_completes_a_command_prefix(cli, mini_db):
    assert sorted(complete(cli, "efmcat s")) == [
        "search",
        "show",
        "similar",
        "sources",
        "sql",
        "star",
        "stats",
        "status",
    ]
    assert sorted(complete(cli, "efmcat re")) == ["refresh", "retag"]
    assert complete(cli, "efmcat comp") == ["completion"]


def test_completes_options_of_a_command(cli, mini_db):
    got = complete(cli, "efmcat search x --s")
    assert got == ["--since", "--source", "--section", "--status", "--starred"]


def test_completes_taxonomy_node_ids_for_tag_options_and_arguments(cli, mini_db):
    assert complete(cli, "efmcat search x --tag kv-cache-") == [
        "kv-cache-quant",
        "kv-cache-compression",
        "kv-cache-eviction",
        "kv-cache-reuse",
    ]
    assert complete(cli, "efmcat list -t quant") == ["quantization"]
    assert complete(cli, "efmcat tag 2210.17323 kv-cache-ev") == ["kv-cache-eviction"]
    assert complete(cli, "efmcat untag 2210.17323 attention other kv-cache-ev") == ["kv-cache-eviction"]
    assert complete(cli, "efmcat discover --area spec") == ["speculative-decoding"]


def test_completes_paper_ids_from_the_catalog(cli, mini_db):
    assert complete(cli, "efmcat show 22") == ["2205.14135", "2208.07339", "2210.17323"]
    assert complete(cli, "efmcat explain 2210.1") == ["2210.17323"]
    assert complete(cli, "efmcat tag 230") == ["2301.00774", "2306.00978", "2309.06180"]
    assert complete(cli, "efmcat note open") == ["openreview:OdnNBxlShZG"]
    assert complete(cli, "efmcat rm 2205.14135 2309") == ["2309.06180"]
    assert complete(cli, "efmcat show 9") == []


def test_paper_ids_come_from_the_catalog_given_with_db(cli, mini_db, tmp_path, monkeypatch):
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    other = tmp_path / "other.db"
    with Catalog(other) as catalog, catalog.transaction():
        catalog.upsert_paper(Paper(id="2401.00001", title="Other catalog's paper"))
    assert complete(cli, f"efmcat show --db {other} 24") == ["2401.00001"]
    assert complete(cli, f"efmcat --db {other} show 24") == ["2401.00001"]  # before the command
    assert complete(cli, f"efmcat --db={other} show 24", shell="fish") == [
        "2401.00001\tOther catalog's paper"
    ]
    assert complete(cli, f"efmcat --db {other} sho") == ["show"]
    assert complete(cli, "efmcat show 24") == []  # $EFMCAT_DB: the mini catalog


def test_status_completes_papers_then_statuses(cli, mini_db):
    assert complete(cli, "efmcat status 2210") == ["2210.17323"]
    assert complete(cli, "efmcat status 2210.17323 rea") == ["reading", "read"]


def test_the_status_filter_completes_what_it_filters_by(cli, mini_db):
    assert complete(cli, "efmcat list --status ") == ["to-read", "reading", "read", "unread", "none"]
    assert complete(cli, "efmcat search x --status un") == ["unread"]
    assert complete(cli, "efmcat export --status n", shell="fish") == ["none\tno status set"]


def test_paper_completion_is_bounded_and_never_fails(cli, mini_db, tmp_path, monkeypatch):
    from efmcat.completion import paper_candidates

    assert len(paper_candidates(mini_db, "", limit=3)) == 3
    assert [pid for pid, _ in paper_candidates(mini_db, "2")][:2] == ["2205.14135", "2208.07339"]
    monkeypatch.setenv("EFMCAT_DB", str(tmp_path / "missing.db"))
    assert complete(cli, "efmcat show 22") == []
    assert not (tmp_path / "missing.db").exists()  # completion never creates a catalog
    (tmp_path / "junk.db").write_text("not a database")
    monkeypatch.setenv("EFMCAT_DB", str(tmp_path / "junk.db"))
    assert complete(cli, "efmcat show 22") == []


def test_zsh_and_fish_show_titles_and_node_names(cli, mini_db):
    (zsh,) = complete(cli, "efmcat show 2210", shell="zsh")
    assert zsh.startswith('_arguments \'*: :(("2210.17323":"GPTQ\\\\: ')
    assert complete(cli, "efmcat tag 2210.17323 kv-cache-ev", shell="fish") == [
        "kv-cache-eviction\tKV-cache eviction"
    ]


def test_every_id_argument_completes_paper_ids():
    """A new command with an ID argument is either completed or knowingly left out."""
    import typer.main

    from efmcat.cli import app, completion_cmds

    group = typer.main.get_group(app)
    completion_cmds.attach(group)
    for name, cmd in group.commands.items():
        for param in cmd.params:
            completer = getattr(param, "_custom_shell_complete", None)
            if param.param_type_name == "argument" and "ID" in (param.metavar or ""):
                if name in ("add", "discover"):  # new arXiv ids, not the catalog's
                    assert completer is None, name
                else:
                    assert completer is not None, f"{name} {param.metavar}"
            if param.name in ("tag", "nodes", "area"):
                assert completer is completion_cmds.complete_nodes, f"{name} {param.name}"


@pytest.mark.e2e
def test_the_installed_script_completes_in_bash(mini_db):
    """The bash script, sourced by bash, with the installed efmcat answering."""
    efmcat = shutil.which("efmcat", path=str(Path(sys.executable).parent)) or shutil.which("efmcat")
    if efmcat is None:
        pytest.skip("efmcat is not installed on PATH")
    script = subprocess.run([efmcat, "completion", "bash"], capture_output=True, text=True, check=True).stdout
    probe = (
        script
        + '\nCOMP_WORDS=(efmcat show 2210.1); COMP_CWORD=2; _efmcat_completion efmcat\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{Path(efmcat).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    r = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True, timeout=60, env=env)
    assert r.stdout == "2210.17323\n"


def test_bash_completes_ids_with_a_colon_whole(cli, mini_db):
    """Bash splits `openreview:Od` at the colon; the candidate is what follows it."""
    assert complete(cli, "efmcat show openreview : Od") == ["OdnNBxlShZG"]
    assert complete(cli, "efmcat show openreview :") == ["OdnNBxlShZG"]
    assert complete(cli, "efmcat show openre") == ["openreview:OdnNBxlShZG"]
    assert complete(cli, "efmcat show title : a-paper") == ["a-paper-with-a-wrong-id"]


def test_join_colons():
    from efmcat.cli.completion_cmds import join_colons

    assert join_colons(["show", "openreview", ":", "Od"]) == (["show", "openreview:Od"], "openreview:")
    assert join_colons(["show", "doi", ":", "10.1", ":", "x"]) == (["show", "doi:10.1:x"], "doi:10.1:")
    assert join_colons(["show", "a", ":"]) == (["show", "a:"], "a:")
    assert join_colons(["show", "2210"]) == (["show", "2210"], "")


def test_the_completion_variable_set_by_hand_is_no_traceback():
    """_EFMCAT_COMPLETE=complete_bash without bash's COMP_WORDS printed a KeyError traceback."""
    efmcat = shutil.which("efmcat", path=str(Path(sys.executable).parent)) or shutil.which("efmcat")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMP_")} | {
        "_EFMCAT_COMPLETE": "complete_bash"
    }
    r = subprocess.run([efmcat], capture_output=True, text=True, timeout=60, env=env)
    assert (r.returncode, r.stderr) == (0, "")
    assert "search" in r.stdout.split()
