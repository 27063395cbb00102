"""A Ctrl-C while a command prints its report says whether its change was written: the
catalog counts the transactions it committed with a change (Catalog.committed)."""

from __future__ import annotations

import pytest


def _interrupted(*a, **k):
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("tag_cmds", ["tag", "2210.17323", "kv-cache-eviction"]),
        ("personal_cmds", ["status", "2210.17323", "reading"]),
        ("personal_cmds", ["star", "2210.17323"]),
    ],
)
def test_ctrl_c_after_a_committed_change_says_it_was_written(cli, mini_db, monkeypatch, module, args):
    """Only retag, update and check --fix said so before: a tag, a status or a star cut
    while printing said "interrupted", as if nothing had been written."""
    import importlib

    monkeypatch.setattr(importlib.import_module(f"efmcat.cli.{module}"), "say", _interrupted)
    r = cli(*args, "--dry-run")  # a dry run commits nothing: its Ctrl-C is plain
    assert (r.exit_code, r.stderr) == (130, "Error: interrupted\n")
    r = cli(*args)
    assert (r.exit_code, r.stderr) == (130, "Error: interrupted; the changes made before it were written\n")


def test_a_sigterm_after_a_committed_change_says_it_was_written_as_ctrl_c_does(cli, mini_db, monkeypatch):
    """An import stopped by SIGTERM after its first batches said "terminated" alone (the
    README: TERM ends a command as Ctrl-C does)."""
    import importlib

    from efmcat.errors import Terminated

    def terminated(*a, **k):
        raise Terminated

    monkeypatch.setattr(importlib.import_module("efmcat.cli.personal_cmds"), "say", terminated)
    r = cli("star", "2210.17323", "--dry-run")
    assert (r.exit_code, r.stderr) == (143, "Error: terminated\n")
    r = cli("star", "2210.17323")
    assert (r.exit_code, r.stderr) == (143, "Error: terminated; the changes made before it were written\n")


def test_the_catalog_counts_committed_changes_only(tmp_path):
    from efmcat.catalog import Catalog
    from efmcat.models import Paper

    with Catalog(tmp_path / "c.db") as c:
        with c.transaction():
            pass  # nothing changed
        with c.dry_run():
            c.upsert_paper(Paper(id="2401.00001", title="T"))
        assert c.committed == 0
        with c.transaction():
            c.upsert_paper(Paper(id="2401.00001", title="T"))
            with c.transaction():  # a savepoint is not a commit
                c.upsert_paper(Paper(id="2401.00002", title="U"))
        assert c.committed == 1
