"""`update` on two small catalogs, each rule of the merge pinned where mutation testing showed
no test noticed a wrong line (tools/mutate.py update): which tag origin wins, what a moved
paper carries, and what the report counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from efmcat.catalog import Catalog
from efmcat.models import Paper
from efmcat.update import MOVED_KEY, NOTICE_KEY, RELEASE_KEY, UpdateReport, update_catalog

KEPT, NEW, FETCHED = "2401.00001", "2401.00002", "2401.00003"


def _shipped(path: Path, moved: dict[str, str] | None = None) -> Path:
    with Catalog(path) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "r2")
        if moved:
            cat.set_meta(MOVED_KEY, json.dumps(moved))
        cat.upsert_paper(Paper(id=KEPT, title="A Kept Paper On Quantization", year=2024))
        cat.upsert_paper(Paper(id=NEW, title="A New Paper On Pruning", year=2024))
        cat.upsert_paper(Paper(id=FETCHED, title="The Release's Title", year=2024))
        for pid, node, origin in [
            (KEPT, "quantization", "curated"),
            (KEPT, "memory", "auto"),
            (KEPT, "hardware", "curated"),
            (KEPT, "attention", "auto"),
            (NEW, "sparsification", "curated"),
            (FETCHED, "attention", "auto"),
        ]:
            cat.set_tag(pid, node, origin, 0.9)
        cat.add_source(KEPT, "survey", "survey.md:3", title="A Kept Paper On Quantization", link=None)
        cat.add_source(NEW, "survey", "survey.md:4", title="A New Paper On Pruning", link=None)
    return path


def _mine(path: Path) -> Path:
    with Catalog(path) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "r1")
        cat.upsert_paper(Paper(id=KEPT, title="A Kept Paper On Quantization", year=2024))
        cat.upsert_paper(Paper(id=FETCHED, title="arXiv's Own Title", year=2024), fetched_at="2026-11-01")
        cat.set_tag(KEPT, "compiler", "auto", 0.5)  # the old release's tagger: gone with it
        cat.set_tag(KEPT, "memory", "curated", 1.0)  # curated stays curated over a new auto tag
        cat.set_tag(KEPT, "hardware", "manual", 1.0, removed=True)  # the user's untag wins
        cat.set_tag(FETCHED, "attention", "auto", 0.7)  # tagged from arXiv's text: stays
    return path


def _kept_only(path: Path, title: str) -> Path:
    """A user's catalog of the previous release holding one paper, the kept one, as ``title``."""
    with Catalog(path) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "r1")
        cat.upsert_paper(Paper(id=KEPT, title=title, year=2024))
    return path


def _tags(cat: Catalog, pid: str) -> dict[str, tuple[str, float, int]]:
    rows = cat.conn.execute("SELECT node, origin, score, removed FROM tags WHERE paper_id = ?", (pid,))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_each_tag_origin_keeps_its_place(tmp_path):
    shipped = _shipped(tmp_path / "shipped.db")
    with Catalog(_mine(tmp_path / "mine.db")) as cat:
        report = update_catalog(cat, shipped)
        kept = _tags(cat, KEPT)
        assert "compiler" not in kept  # the user's copy still has the release's text
        assert kept["memory"][0] == "curated"
        assert kept["hardware"] == ("manual", 1.0, 1)
        assert kept["quantization"][0] == "curated" and kept["attention"][0] == "auto"
        assert _tags(cat, FETCHED)["attention"] == ("auto", 0.7, 0)
        assert _tags(cat, NEW) == {"sparsification": ("curated", 0.9, 0)}
    # tags new to papers the user had: quantization and attention (a new paper's come with it)
    assert report.tags_added == 2
    assert report.added == 1 and report.sources_added == 2  # the new paper's row, the kept one's
    assert {"id": NEW, "change": "added", "title": "A New Paper On Pruning"} in report.changes


def test_a_fetched_title_is_the_users_and_counted_as_kept(tmp_path):
    shipped = _shipped(tmp_path / "shipped.db")
    with Catalog(_mine(tmp_path / "mine.db")) as cat:
        report = update_catalog(cat, shipped)
        assert cat.get_paper(FETCHED).title == "arXiv's Own Title"
        assert cat.get_meta(NOTICE_KEY) == "r2"  # told of this release: no notice again
    assert report.kept_user_fields == 1 and report.updated == 0
    assert report.summary().endswith("; kept 1 field you changed.")


def test_a_paper_updated_once_counts_once(tmp_path):
    shipped = _shipped(tmp_path / "shipped.db")
    mine = _kept_only(tmp_path / "mine.db", "a kept paper on quantization")  # the release fixed its case
    with Catalog(mine) as cat:
        seen: list[tuple[int, int | None]] = []
        report = update_catalog(cat, shipped, progress=lambda done, total: seen.append((done, total)))
    assert report.updated == 1 and report.added == 2
    assert seen == [(3, 3)]


def test_a_moved_paper_brings_its_note_and_manual_tags_to_its_new_id(tmp_path):
    shipped = _shipped(tmp_path / "shipped.db", moved={"2312.99999": KEPT})
    mine = tmp_path / "mine.db"
    with Catalog(mine) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "r1")
        cat.upsert_paper(Paper(id=KEPT, title="A Kept Paper On Quantization", year=2024))
        cat.upsert_paper(Paper(id="2312.99999", title="A Kept Paper On Quantization", year=2023))
        cat.set_note("2312.99999", "read it")
        cat.set_tag("2312.99999", "hardware", "manual", 1.0)
    with Catalog(mine) as cat:
        report = update_catalog(cat, shipped)
        assert not cat.has("2312.99999")
        assert cat.get_paper(KEPT).note == "read it"
        assert _tags(cat, KEPT)["hardware"][0] == "manual"
    assert report.moved == 1
    assert {"id": KEPT, "change": "moved", "old_id": "2312.99999"} in report.changes


@pytest.mark.parametrize("field", ["added", "updated", "moved", "tags_added", "sources_added"])
def test_any_one_change_is_a_change(field):
    assert UpdateReport("r1", "r1", **{field: 1}).changed
    assert not UpdateReport("r1", "r1").changed


def test_a_field_the_user_edited_is_counted_as_kept(tmp_path):
    shipped = _shipped(tmp_path / "shipped.db")
    mine = _kept_only(tmp_path / "mine.db", "A Kept Paper On Quantization")
    with Catalog(mine) as cat:
        cat.set_user_fields(KEPT, {"year": 2023})
    with Catalog(mine) as cat:
        report = update_catalog(cat, shipped)
        assert cat.get_paper(KEPT).year == 2023
    assert (report.kept_user_fields, report.updated) == (1, 0)


def test_a_move_claims_only_the_users_note_not_the_releases(tmp_path):
    """An old id moving onto a paper the user holds: the old release's curator note stays
    the release's (not marked the user's, not searched as theirs); the user's own note goes
    along, before the target's release note."""
    shipped = _shipped(tmp_path / "shipped.db", moved={"title:foo": KEPT, "title:bar": NEW})
    mine = tmp_path / "mine.db"
    with Catalog(mine) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "r1")
        for pid in (KEPT, NEW, "title:foo", "title:bar"):
            cat.upsert_paper(Paper(id=pid, title=f"Paper {pid}", year=2024))
        cat.conn.execute(
            "UPDATE papers SET curator_note = 'Corrected: a curator note' WHERE id = 'title:foo'"
        )
        cat.conn.execute("UPDATE papers SET curator_note = 'Also listed as Foo' WHERE id = ?", (KEPT,))
        cat.set_note("title:bar", "read for the group")
        cat.conn.execute("UPDATE papers SET curator_note = 'Release note' WHERE id = ?", (NEW,))
    with Catalog(mine) as cat:
        update_catalog(cat, shipped)
        kept, new = cat.get_paper(KEPT), cat.get_paper(NEW)
    assert "note" not in kept.user_fields and "Corrected" not in (kept.note or "")
    assert (new.note, new.user_fields) == ("read for the group", ["note"])


def test_provenance_follows_the_release_only_where_the_copy_is_the_releases(tmp_path):
    """The record's provenance says where each field came from: a fetched paper keeps its
    own; an unfetched one takes the release's, and keeps its own where the release has
    none to give."""
    shipped = _shipped(tmp_path / "shipped.db")
    with Catalog(shipped) as cat, cat.transaction():
        cat.set_provenance(FETCHED, {"title": "survey list"})
        cat.set_provenance(KEPT, {"title": "survey list"})
        cat.conn.execute("UPDATE papers SET provenance = NULL WHERE id = ?", (NEW,))
    mine = _mine(tmp_path / "mine.db")
    with Catalog(mine) as cat, cat.transaction():
        cat.set_provenance(FETCHED, {"title": "arXiv API"})
        cat.set_provenance(KEPT, {"title": "an older list"})
        cat.upsert_paper(Paper(id=NEW, title="A New Paper On Pruning", year=2024))
        cat.set_provenance(NEW, {"year": "arXiv id"})
    with Catalog(mine) as cat:
        update_catalog(cat, shipped)
        assert cat.provenance_of(FETCHED) == {"title": "arXiv API"}
        assert cat.provenance_of(KEPT) == {"title": "survey list"}
        assert cat.provenance_of(NEW) == {"year": "arXiv id"}


def test_a_paper_removed_under_its_old_id_stays_removed_when_the_release_moves_it(tmp_path):
    """`rm title:dynamic-tensor-rematerialization`, then a release that gives the paper its
    arXiv id: update added it back under the new id (the removal named the old one)."""
    from efmcat.catalog import REMOVED_KEY, json_dict
    from efmcat.personal import remove_papers

    shipped = _shipped(tmp_path / "shipped.db", moved={"title:a-new-paper-on-pruning": NEW})
    with Catalog(_kept_only(tmp_path / "mine.db", "A Kept Paper On Quantization")) as cat:
        with cat.transaction():
            cat.upsert_paper(
                Paper(id="title:a-new-paper-on-pruning", title="A New Paper On Pruning", year=2024)
            )
        remove_papers(cat, ["title:a-new-paper-on-pruning"])
        report = update_catalog(cat, shipped)
        assert not cat.has(NEW) and not cat.has("title:a-new-paper-on-pruning")
        assert report.kept_removed == 1
        assert {"id": NEW, "change": "left out", "reason": "removed by you"} in report.changes
        assert set(json_dict(cat.get_meta(REMOVED_KEY))) == {"title:a-new-paper-on-pruning", NEW}


def test_an_id_a_release_moved_still_finds_the_paper(tmp_path, cli):
    """LoRA's OpenReview link after the release gave it its arXiv id: `show`, `tag`,
    `explain`, `similar` and `note` said "no paper". The release's moves are kept by `update`
    and followed wherever a user names a paper; an id nobody moved is still not found."""
    from efmcat.catalog import MOVED_KEY, json_dict

    old = "title:a-new-paper-on-pruning"
    shipped = _shipped(tmp_path / "shipped.db", moved={old: NEW})
    mine = _kept_only(tmp_path / "mine.db", "A Kept Paper On Quantization")
    with Catalog(mine) as cat:
        with cat.transaction():
            cat.upsert_paper(Paper(id=old, title="A New Paper On Pruning", year=2024))
        update_catalog(cat, shipped)
        assert json_dict(cat.get_meta(MOVED_KEY)) == {old: NEW}
        assert cat.current_ids([old, KEPT, "title:nobody"]) == [NEW, KEPT, "title:nobody"]
        assert cat.pasted_id(old) == NEW
    for args in (["show", old], ["tag", old, "memory", "--dry-run"], ["explain", old], ["similar", old]):
        r = cli(*args, "--db", str(mine))
        assert r.exit_code == 0, (args, r.stderr)
        assert NEW in r.stdout + r.stderr
    r = cli("show", "title:nobody", "--db", str(mine))
    assert (r.exit_code, r.stderr) == (1, "Error: no paper title:nobody in the catalog\n")


def test_the_summary_counts_tags_on_the_papers_you_had():
    """New papers arrive with their tags; the count is of the tags your papers gained (a walk
    read "Added 2 papers ... 0 tags" as new papers without tags)."""
    from efmcat.update import UpdateReport

    report = UpdateReport(release_from="r1", release_to="r2", added=2, tags_added=0)
    assert report.summary().startswith("Added 2 papers, updated 0, moved 0, 0 tags on papers you had, ")
