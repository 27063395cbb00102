"""Where -o writes, and the other data-safety edges a hardening review found: a symlink is
followed and a FIFO written through (both became regular files); build never replaces the
catalog --db names; a failed build leaves nothing beside its target; a dry run gives an empty
file back empty; an editor saving the same invalid record gives up; sql on a terminal shows
stored escape sequences instead of obeying them."""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import threading

import pytest

from efmcat.catalog import Catalog
from efmcat.outputs import output_target


def test_output_target_follows_links_writes_through_pipes_and_refuses_folders(tmp_path):
    target = tmp_path / "target.json"
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert output_target(link) == (target, True)  # the link's target is replaced
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert output_target(fifo) == (fifo, False)  # written through
    assert output_target(tmp_path / "new.json") == (tmp_path / "new.json", True)
    with pytest.raises(Exception, match=f"cannot write {tmp_path}: it is a directory"):
        output_target(tmp_path)


def test_export_through_a_symlink_keeps_the_link(cli, mini_db, tmp_path):
    target = tmp_path / "target.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    r = cli("export", "-f", "json", "-o", str(link))
    assert r.exit_code == 0, r.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("[")


def test_export_into_a_fifo_writes_through_it(cli, mini_db, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    r = cli("export", "-f", "json", "-o", str(fifo))
    reader.join(timeout=30)
    assert r.exit_code == 0, r.stderr
    assert got and got[0].startswith(b"[") and fifo.is_fifo()


def test_build_never_replaces_the_catalog_db_names(cli, mini_db, mini_seeds, tmp_path):
    with Catalog(mini_db) as c:
        c.set_note("2210.17323", "my thesis note")
    r = cli("--db", str(mini_db), "build", "--seeds", str(mini_seeds))
    assert r.exit_code == 2
    assert r.stderr == (
        f"Error: build writes a whole new catalog, and {mini_db} exists (your notes, stars and imports "
        f"would be gone): to replace it, say so with -o {mini_db}\n"
    )
    with Catalog(mini_db) as c:
        assert c.get_paper("2210.17323").note == "my thesis note"
    fresh = tmp_path / "fresh.db"
    assert cli("--db", str(fresh), "build", "--seeds", str(mini_seeds)).exit_code == 0
    assert cli("build", "--seeds", str(mini_seeds), "-o", str(mini_db)).exit_code == 0  # said so


def test_a_build_into_a_folder_names_it_and_leaves_nothing(cli, mini_seeds, tmp_path):
    out = tmp_path / "outdir"
    out.mkdir()
    r = cli("build", "--seeds", str(mini_seeds), "-o", str(out))
    assert (r.exit_code, r.stderr) == (1, f"Error: cannot write {out}: it is a directory\n")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".outdir")]


def test_a_failed_build_leaves_no_temporary_file(mini_seeds, tmp_path, monkeypatch):
    from efmcat import build
    from efmcat.errors import EfmcatError

    def broken(*a, **k):
        raise EfmcatError("disk full")

    monkeypatch.setattr(build, "tag_papers", broken)
    with pytest.raises(EfmcatError):
        build.build_catalog(mini_seeds, tmp_path / "c.db")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".c.db") or p.name == "c.db"]


def test_a_dry_run_gives_an_empty_file_back_empty(cli, tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    rows = tmp_path / "one.jsonl"
    rows.write_text('{"id": "2301.00001", "title": "T"}\n', encoding="utf-8")
    r = cli("--db", str(empty), "import", str(rows), "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert empty.read_bytes() == b""


def test_an_editor_saving_the_same_invalid_record_again_gives_up(mini_db):
    from efmcat.edit import edit_in_editor
    from efmcat.errors import ParseError

    saves: list[str] = []

    def editor(text: str) -> str:
        saves.append(text)
        return "title: [unclosed\n"

    with Catalog(mini_db) as c, pytest.raises(ParseError):
        edit_in_editor(c, "2210.17323", editor=editor, on_error=lambda m: None)
    assert len(saves) == 2  # shown once with the error, then given up


def test_sql_on_a_terminal_shows_escape_sequences_instead_of_obeying_them(mini_db, monkeypatch):
    from efmcat.sqlquery import run_query

    with sqlite3.connect(mini_db) as conn:
        conn.execute("UPDATE papers SET title = 'Evil \x1b]0;pwned\x07 title' WHERE id = '2210.17323'")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for fmt in ("table", "csv", "json"):
        out = Terminal()
        monkeypatch.setattr(sys, "stdout", out)
        run_query(mini_db, "SELECT title FROM papers WHERE id = '2210.17323'", fmt)
        assert "\x1b" not in out.getvalue(), fmt  # json writes \u001b: escaped already
        if fmt != "json":
            assert "\\x1b]0;pwned\\x07" in out.getvalue(), fmt
    piped = io.StringIO()
    run_query(mini_db, "SELECT title FROM papers WHERE id = '2210.17323'", "csv", out=piped)
    assert "\x1b]0;pwned\x07" in piped.getvalue()  # a file or pipe gets the data as it is
