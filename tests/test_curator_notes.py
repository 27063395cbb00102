"""The curators' note (a corrected link, a renamed paper) and the user's own note are two
fields (schema v6): writing, appending or clearing one's note never touches the curators'."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import old_catalog
from efmcat.catalog import Catalog
from efmcat.models import Paper

CURATED = "Corrected: line 67 linked 2312.09999; the list gives this paper 2302.04304."


def _papers(path):
    with Catalog(path) as cat:
        cat.upsert_paper(Paper(id="2302.04304", title="Q-Diffusion", curator_note=CURATED))
        cat.upsert_paper(Paper(id="2210.17323", title="GPTQ"))


def test_a_note_of_ones_own_keeps_the_curators(cli, tmp_path):
    db = tmp_path / "catalog.db"
    _papers(db)
    assert cli("note", "2302.04304", "read for the reading group").exit_code == 0
    shown = cli("show", "2302.04304").stdout
    assert "Note:        read for the reading group\n" in shown
    assert f"Curators:    {CURATED}\n" in shown
    assert cli("note", "2302.04304", "and quantise the UNet", "--append").exit_code == 0
    record = json.loads(cli("show", "2302.04304", "--json").stdout)
    assert record["note"] == "read for the reading group\n\nand quantise the UNet"  # no curators' text
    assert record["curator_note"] == CURATED
    assert cli("note", "2302.04304", "--clear").exit_code == 0
    record = json.loads(cli("show", "2302.04304", "--json").stdout)
    assert (record["note"], record["curator_note"]) == (None, CURATED)
    # search finds the user's notes, not the curators'
    assert json.loads(cli("search", "2312.09999", "--json").stdout) == []


def test_a_version_5_catalog_moves_the_notes_nobody_wrote(tmp_path):
    path = tmp_path / "v5.db"
    rows = [
        (
            "INSERT INTO papers(id, title, note, added_at) VALUES ('2302.04304', 'Q-Diffusion', ?, 'now')",
            (CURATED,),
        ),
        (
            "INSERT INTO papers(id, title, note, user_fields, added_at) "
            "VALUES ('2210.17323', 'GPTQ', 'mine', '[\"note\"]', 'now')",
            (),
        ),
    ]
    old_catalog(path, 5, rows)
    with Catalog(path) as cat:
        q, g = cat.get_paper("2302.04304"), cat.get_paper("2210.17323")
        assert (q.note, q.curator_note) == (None, CURATED)
        assert (g.note, g.curator_note) == ("mine", None)
        assert [r[0] for r in cat.conn.execute("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'mine'")]


def test_backups_keep_both_and_an_old_backup_reads_as_before(cli, tmp_path):
    db = tmp_path / "catalog.db"
    _papers(db)
    cli("note", "2302.04304", "mine")
    for fmt in ("json", "yaml"):
        out = tmp_path / f"backup.{fmt}"
        assert cli("export", "--format", fmt, "-o", str(out)).exit_code == 0
        copy = tmp_path / f"copy-{fmt}.db"
        assert cli("import", str(out), "--db", str(copy)).exit_code == 0
        with Catalog(copy) as cat:
            p = cat.get_paper("2302.04304")
            assert (p.note, p.curator_note) == ("mine", CURATED)
    # an export before v6: the curators' note under "note", without the user's "note" field
    (old,) = [r for r in json.loads((tmp_path / "backup.json").read_text()) if r["id"] == "2302.04304"]
    del old["curator_note"]
    old.update(note=CURATED, user_fields=[])
    (tmp_path / "old.json").write_text(json.dumps([old]), encoding="utf-8")
    assert cli("import", str(tmp_path / "old.json"), "--db", str(tmp_path / "old.db")).exit_code == 0
    with Catalog(tmp_path / "old.db") as cat:
        p = cat.get_paper("2302.04304")
        assert (p.note, p.curator_note) == (None, CURATED)


def test_check_still_sees_the_renamed_paper_the_curators_note_settles(cli, tmp_path):
    """check settles a conflict of titles that the paper's note names: a note of the user's
    does not unsettle it."""
    from efmcat import check

    with Catalog(tmp_path / "catalog.db") as cat:
        cat.upsert_paper(Paper(id="2302.04304", title="Q-Diffusion", curator_note=CURATED))
        cat.set_note("2302.04304", "mine")
        row = cat.conn.execute(check._PAPER_COLUMNS + " WHERE p.id = '2302.04304'").fetchone()
    assert CURATED.lower() in row["note"].lower() and "mine" in row["note"]


def test_update_brings_the_releases_curator_note_and_drops_its_copy_from_a_users_note(
    cli, tmp_path, monkeypatch
):
    """A corrected curators' note replaces the old one even on a paper the user refreshed;
    a note that v5's `note --append` wrote after the curators' text loses that copy."""
    import shutil
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    shipped = sqlite3.connect(repo / "data" / "catalog.db")
    (gptq,) = shipped.execute("SELECT curator_note FROM papers WHERE id = '2210.17323'").fetchone()
    (sparse,) = shipped.execute("SELECT curator_note FROM papers WHERE id = '2301.00774'").fetchone()
    shipped.close()
    path = tmp_path / "mine.db"
    shutil.copy(repo / "tests" / "fixtures" / "release" / "catalog-0.1.0.db", path)
    monkeypatch.setenv("EFMCAT_DB", str(path))
    with Catalog(path) as cat:  # migrated to v6
        cat.conn.execute(
            "UPDATE papers SET curator_note = 'an old note', fetched_at = '2026-01-01' WHERE id = '2210.17323'"
        )
        cat.conn.execute(
            "UPDATE papers SET curator_note = NULL, note = ?, user_fields = '[\"note\"]' WHERE id = '2301.00774'",
            (f"{sparse}\n\nmine",),
        )
        cat.conn.commit()
    r = cli("update")
    assert r.exit_code == 0, r.stderr
    with Catalog(path) as cat:
        assert cat.get_paper("2210.17323").curator_note == gptq
        p = cat.get_paper("2301.00774")
        assert (p.curator_note, p.note) == (sparse, "mine")


def test_a_merge_keeps_both_records_curators_notes(tmp_path):
    from efmcat.merge import merge_papers

    with Catalog(tmp_path / "catalog.db") as cat:
        cat.upsert_paper(Paper(id="2302.04304", title="Q-Diffusion", curator_note=CURATED))
        cat.upsert_paper(Paper(id="title:q-diffusion", title="Q-Diffusion", curator_note="Listed twice."))
        merge_papers(cat, "title:q-diffusion", "2302.04304")
        assert cat.get_paper("2302.04304").curator_note == f"{CURATED}\n\nListed twice."


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_hand_written_records_note_is_the_users(cli, tmp_path, suffix):
    """A record with no user_fields (written by hand, or filtered by jq) is no export from
    before v6: its note is the user's, searched and exported as note (it became the
    curators', unsearched; a hunt found it)."""
    rec = {"id": "title:my-paper", "arxiv_id": None, "title": "My Paper", "note": "read section 3"}
    f = tmp_path / f"mine{suffix}"
    f.write_text(json.dumps([rec] if suffix == ".json" else rec) + "\n", encoding="utf-8")
    db = tmp_path / "c.db"
    assert cli("import", str(f), "--db", str(db)).exit_code == 0
    with Catalog(db) as cat:
        p = cat.get_paper("title:my-paper")
        assert (p.note, p.curator_note, p.user_fields) == ("read section 3", None, ["note"])
    hits = cli("search", "section", "--db", str(db)).stdout.splitlines()
    assert [h.split("\t")[1] for h in hits] == ["title:my-paper"]
