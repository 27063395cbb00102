"""The curators' note (a corrected link, a renamed paper) and the user's own note are two
fields (schema v6): writing, appending or clearing one's note never touches the curators'."""

from __future__ import annotations

import json
import sqlite3

from efmcat.catalog import MIGRATIONS, Catalog, _split_sql
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
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:5]:
        for statement in _split_sql(script):
            con.execute(statement)
    con.execute(
        "INSERT INTO papers(id, title, note, added_at) VALUES ('2302.04304', 'Q-Diffusion', ?, 'now')",
        (CURATED,),
    )
    con.execute(
        "INSERT INTO papers(id, title, note, user_fields, added_at) "
        "VALUES ('2210.17323', 'GPTQ', 'mine', '[\"note\"]', 'now')"
    )
    con.execute("PRAGMA user_version = 5")
    con.commit()
    con.close()
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
