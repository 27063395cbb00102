"""End-to-end: the installed `efmcat` executable, run for real in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

EXE = shutil.which("efmcat", path=str(Path(sys.executable).parent)) or shutil.which("efmcat")


def run(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    assert EXE, "the efmcat executable is not installed next to this Python"
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=full_env, timeout=60, **kw)


def test_search_on_the_shipped_catalog_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    p = run("search", "quantization", "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    ids = [d["id"] for d in json.loads(p.stdout)]
    assert "2210.17323" in ids[:5]
    assert p.stderr.startswith("Created your catalog at ")


def test_piped_output_has_no_colour_or_boxes(tmp_path, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    p = run("search", "quantization", cwd=tmp_path)
    assert p.returncode == 0
    assert "\x1b[" not in p.stdout and "─" not in p.stdout and "┃" not in p.stdout
    assert all(len(line.split("\t")) == 5 for line in p.stdout.splitlines())


def test_errors_are_one_line_without_traceback(tmp_path, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")  # the user's default catalog, made from the shipped one
    p = run("show", "nonsense", env={"NO_COLOR": "1"})
    assert p.returncode == 1
    assert p.stdout == ""
    assert p.stderr == "Error: not an arXiv id or paper link: nonsense\n"
    p = run("search", 'foo"')
    assert p.returncode == 0 and "Traceback" not in p.stderr


def test_usage_error_exit_2():
    p = run("search")
    assert p.returncode == 2
    assert p.stderr == "Error: Missing argument 'QUERY' (see efmcat search -h)\n"  # one line
    p = run("list", "--bogus")
    assert (p.returncode, p.stderr) == (2, "Error: No such option: --bogus (see efmcat list -h)\n")
    p = run("frobnicate")
    assert (p.returncode, p.stderr) == (2, "Error: No such command 'frobnicate' (see efmcat -h)\n")


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["list", "-h"], ["path"], []])
def test_a_reader_that_goes_away_ends_the_output_quietly(args, tmp_path):
    """`efmcat --help | head -1`: exit 0, nothing on stderr (help, the version and Rich's
    console output exited 1, the version with a traceback)."""
    assert EXE
    r, w = os.pipe()
    os.close(r)  # the reader is gone before efmcat writes a byte
    try:
        p = subprocess.run(
            [EXE, *args], stdout=w, stderr=subprocess.PIPE, text=True, timeout=60,
            env={**os.environ, "EFMCAT_DB": str(tmp_path / "c.db")},
        )  # fmt: skip
    finally:
        os.close(w)
    assert (p.returncode, p.stderr) == (0, "")


def test_db_before_the_command_leaves_the_words_after_dashdash_alone(mini_db):
    """`efmcat --db F search -- -survey medusa`: --db went after `--`, a search word."""
    from efmcat.fastpath import hoist_db

    assert hoist_db(["--db", "c.db", "search", "--", "-survey medusa"]) == [
        "search", "--db", "c.db", "--", "-survey medusa"
    ]  # fmt: skip
    assert hoist_db(["--db=c.db", "note", "X", "--", "-x"]) == ["note", "--db=c.db", "X", "--", "-x"]
    assert hoist_db(["--db", "c.db", "list", "-n", "2"]) == ["list", "--db", "c.db", "-n", "2"]
    assert hoist_db(["--db", "c.db", "search", "--section", "--", "x"]) == [
        "search", "--db", "c.db", "--section", "--", "x"
    ]  # fmt: skip
    p = run("--db", str(mini_db), "search", "-n", "1", "--", "-survey quantization")
    assert p.returncode == 0, p.stderr
    assert p.stdout.split("\t")[1] == "2210.17323"


def test_python_dash_m():
    p = subprocess.run([sys.executable, "-m", "efmcat", "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert "search" in p.stdout


def test_cli_import_does_not_load_heavy_modules():
    p = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import efmcat.cli"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    loaded = {line.rsplit("|", 1)[-1].strip() for line in p.stderr.splitlines() if "|" in line}
    for heavy in (
        "httpx",
        "feedparser",
        "bibtexparser",
        "yaml",
        "sqlite_utils",
        "rapidfuzz",
        "pydantic",
        "ahocorasick",
    ):
        assert heavy not in loaded, heavy


def test_version():
    from efmcat import __version__

    for flag in ("--version", "-V"):
        p = run(flag)
        assert (p.returncode, p.stdout, p.stderr) == (0, f"efmcat {__version__}\n", "")


def test_version_in_process(cli):
    from efmcat import __version__

    r = cli("--version")
    assert (r.exit_code, r.stdout) == (0, f"efmcat {__version__}\n")


def test_db_before_the_command(mini_db, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    after = run("search", "quantization", "--db", str(mini_db))
    before = run("--db", str(mini_db), "search", "quantization")
    joined = run(f"--db={mini_db}", "list", "--json")
    assert before.returncode == 0 and before.stdout == after.stdout and before.stdout
    assert joined.returncode == 0 and len(json.loads(joined.stdout)) == 8


def test_kill_ends_a_command_as_ctrl_c_does(mini_db):
    """SIGTERM (`kill PID`) is raised where the command is: one line, exit 143, the catalog as
    it was (a JSONL import's worker processes printed tracebacks when the parent just died)."""
    import signal
    import time

    assert EXE
    proc = subprocess.Popen(
        [EXE, "note", "2210.17323"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "EDITOR": "sh -c 'exec sleep 30 >/dev/null 2>&1' editor", "VISUAL": ""},
    )  # fmt: skip
    time.sleep(2.0)  # started, waiting for the editor
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert (proc.returncode, out, err) == (143, "", "Error: terminated\n")


@pytest.mark.parametrize(
    ("signum", "code", "said"), [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")]
)
def test_kill_and_ctrl_c_stop_a_query_sqlite_is_running(mini_db, signum, code, said):
    """A query without end (a recursive WITH) ran on, the signal handled only when SQLite
    returned (minutes later, or never): the progress handler stops it."""
    import signal
    import time

    assert EXE
    query = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    proc = subprocess.Popen([EXE, "sql", query], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.0)  # the query is running
        sent = time.monotonic()
        proc.send_signal(getattr(signal, signum))
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()  # a query that did not stop runs for ever: not past the test
    assert (proc.returncode, out, err) == (code, "", f"Error: {said}\n")
    assert time.monotonic() - sent < 10


def test_kill_on_the_lean_search_path_is_one_line(tmp_path):
    """The piped search path runs before the full CLI: a kill there was a traceback, exit 1."""
    import signal
    import time

    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    db = tmp_path / "big.db"
    with Catalog(db) as c, c.transaction():
        for i in range(30000):
            c.upsert_paper(Paper(id=f"2401.{i:05d}", title=f"A model of paper {i}", year=2024))
    assert EXE
    r, w = os.pipe()  # a reader that never reads: the search blocks writing
    proc = subprocess.Popen(
        [EXE, "search", "model", "-n", "100000", "--db", str(db)], stdout=w, stderr=subprocess.PIPE, text=True
    )
    os.close(w)
    time.sleep(2.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    os.close(r)
    assert (proc.returncode, err) == (143, "Error: terminated\n")


@pytest.mark.parametrize(
    "args",
    [
        ["search", "quantization"],  # the lean path
        ["search", "quantization", "--tag", "quantization"],  # the fast path
        ["list"],
        ["show", "2210.17323"],
        ["--version"],
        ["--help"],
    ],
)
@pytest.mark.parametrize(
    ("stdout", "said"),
    [("/dev/full", "No space left on device"), (None, "standard output is closed")],
)
def test_a_stdout_that_cannot_be_written_is_one_error_line(mini_db, args, stdout, said):
    """`> /dev/full` (a full disk) and `>&-` (no stdout): one Error line, exit 1, no traceback
    (the lean search path and a closed stdout had tracebacks)."""
    assert EXE
    if stdout is None:  # the shell's >&-: the process starts without file descriptor 1
        r = subprocess.run(
            ["sh", "-c", 'exec "$0" "$@" >&-', EXE, *args], capture_output=True, text=True, timeout=60
        )
    else:
        with open(stdout, "w") as out:
            r = subprocess.run([EXE, *args], stdout=out, stderr=subprocess.PIPE, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (1, f"Error: {said}\n")
