"""`efmcat update`: a catalog made by the previous release (0.1.0, the survey's 169 papers)
takes in the new shipped catalog and keeps what the user did to it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from efmcat.catalog import Catalog
from efmcat.update import RELEASE_KEY, release_of, update_catalog

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
OLD = FIXTURES / "release" / "catalog-0.1.0.db"  # data/catalog.db as release 0.1.0 shipped it
SHIPPED = REPO / "data" / "catalog.db"


@pytest.fixture
def old_catalog(tmp_path, monkeypatch, cli) -> Path:
    """The previous release's catalog, lived in: a note, a manual tag, an untag, an import."""
    path = tmp_path / "mine.db"
    shutil.copy(OLD, path)
    monkeypatch.setenv("EFMCAT_DB", str(path))
    assert cli("tag", "2210.17323", "hardware").exit_code == 0
    assert cli("untag", "2208.07339", "quantization").exit_code == 0
    with Catalog(path) as cat:
        cat.set_note("2306.14048", "read for the reading group")
    r = cli("import", str(FIXTURES / "import" / "snapshot.jsonl"))
    assert r.exit_code == 0, r.stderr
    return path


def _ids(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT id FROM papers")}
    finally:
        con.close()


def test_the_old_release_has_no_release_and_the_shipped_one_has(old_catalog):
    assert release_of(old_catalog) is None
    assert release_of(SHIPPED)


def test_update_brings_new_papers_and_keeps_the_users_work(old_catalog, cli):
    imported = _ids(old_catalog) - _ids(OLD)
    assert imported  # the user's own imports
    r = cli("update")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.splitlines()[-1].startswith("Added 32")  # about 3,200 new papers
    ids = _ids(old_catalog)
    assert {"2401.10774", "2309.17453", "2307.08691", "2402.02750"} <= ids  # Medusa, StreamingLLM, FA-2, KIVI
    assert imported <= ids
    gptq = json.loads(cli("show", "2210.17323", "--json").stdout)
    assert "hardware" in gptq["tags"]  # the manual tag
    int8 = json.loads(cli("show", "2208.07339", "--json").stdout)
    assert "quantization" not in int8["tags"]  # the manual removal
    h2o = json.loads(cli("show", "2306.14048", "--json").stdout)
    assert h2o["note"] == "read for the reading group"
    # Fixed metadata arrived: the old release lower-cased this title.
    flexgen = json.loads(cli("show", "2303.06865", "--json").stdout)
    assert flexgen["title"].startswith("FlexGen: High-Throughput")
    # Sources: the new shipped rows replace the old "line N" ones.
    assert all(not s["locator"].startswith("line ") for s in flexgen["sources"])
    assert {s["source"] for s in flexgen["sources"]} >= {"survey", "horseee"}


def test_update_does_not_bring_back_what_the_user_removed(old_catalog, cli):
    """`rm` is the user's decision as an edit is: a new release added the papers back."""
    r = cli("rm", "2306.14048", "2401.10774", "--yes")  # H2O (in the old release), Medusa (new)
    assert r.exit_code == 1  # Medusa is not in the old release's catalog: nothing removed
    assert cli("rm", "2306.14048", "--yes").exit_code == 0
    r = cli("update", "--json")
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["kept_removed"] == 1
    assert {"id": "2306.14048", "change": "left out", "reason": "removed by you"} in report["changes"]
    ids = _ids(old_catalog)
    assert "2306.14048" not in ids and "2401.10774" in ids
    with Catalog(old_catalog) as cat:  # as a later release finds the catalog
        cat.set_meta(RELEASE_KEY, "0123456789ab")
    assert cli("update").exit_code == 0
    assert "2306.14048" not in _ids(old_catalog)


def test_the_summary_says_what_it_left_out(tmp_path, cli, monkeypatch):
    path = tmp_path / "mine.db"
    shutil.copy(OLD, path)
    monkeypatch.setenv("EFMCAT_DB", str(path))
    assert cli("rm", "2306.14048", "2210.17323", "--yes").exit_code == 0
    r = cli("update", "--dry-run")
    assert r.exit_code == 0, r.stderr
    assert r.stderr.splitlines()[-1].endswith("; left out 2 papers you removed; nothing written (dry run).")


def test_a_second_update_changes_nothing(old_catalog, cli):
    cli("update")
    r = cli("update")
    assert r.exit_code == 0
    assert r.stderr.strip().endswith(f"Your catalog is up to date (release {release_of(SHIPPED)}).")


def test_dry_run_writes_nothing(old_catalog, cli):
    before = old_catalog.read_bytes()
    r = cli("update", "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["dry_run"] is True and report["added"] > 2900
    assert report["release_from"] is None and report["release_to"] == release_of(SHIPPED)
    with Catalog(old_catalog) as cat:
        assert cat.get_meta(RELEASE_KEY) is None
    assert len(_ids(old_catalog)) < 500
    del before


def test_moved_paper_keeps_the_users_note(old_catalog, cli):
    old_id = "openreview:jxpsAj7ltE"  # Soft MoE: the old release had it under its OpenReview id
    assert old_id in _ids(old_catalog)
    with Catalog(old_catalog) as cat:
        cat.set_note(old_id, "survey to cite")
    cli("update")
    ids = _ids(old_catalog)
    assert old_id not in ids
    moved = json.loads(cli("show", "2308.00951", "--json").stdout)
    assert "survey to cite" in moved["note"]


def test_a_move_onto_a_paper_the_user_has_keeps_their_data(old_catalog, cli):
    """The user's catalog already holds the arXiv paper the old id moves to: star, status,
    note, edits and their own source rows go along (a move dropped all but note and tags)."""
    from efmcat.records import Paper

    old_id = "openreview:jxpsAj7ltE"
    with Catalog(old_catalog) as cat, cat.transaction():
        cat.upsert_paper(Paper(id="2308.00951", title="From Sparse to Soft Mixtures of Experts"))
        cat.set_note("2308.00951", "arXiv version")
        cat.set_note(old_id, "survey to cite")
        cat.set_status([old_id], "reading")
        cat.set_starred([old_id])
        cat.conn.execute(
            "INSERT INTO sources(paper_id, source, locator, title, link, section) "
            "VALUES (?, 'my.bib', 'my.bib:3', NULL, NULL, NULL)",
            (old_id,),
        )
    assert cli("update").exit_code == 0
    assert old_id not in _ids(old_catalog)
    moved = json.loads(cli("show", "2308.00951", "--json").stdout)
    assert (moved["note"], moved["status"], moved["starred"]) == (
        "arXiv version\n\nsurvey to cite",
        "reading",
        True,
    )
    with Catalog(old_catalog) as cat:
        assert (
            cat.conn.execute(
                "SELECT count(*) FROM sources WHERE paper_id = '2308.00951' AND source = 'my.bib'"
            ).fetchone()[0]
            == 1
        )


def test_an_edited_field_stays(old_catalog, cli):
    with Catalog(old_catalog) as cat:
        cat.conn.execute(
            "UPDATE papers SET title = 'my own title', fetched_at = '2025-01-01T00:00:00Z' WHERE id = '2303.06865'"
        )
    r = cli("update", "--json")
    assert json.loads(r.stdout)["kept_user_fields"] >= 1
    assert json.loads(cli("show", "2303.06865", "--json").stdout)["title"] == "my own title"


def test_update_is_one_transaction(old_catalog, monkeypatch):
    before = _ids(old_catalog)
    import efmcat.update as upd

    calls = {"n": 0}
    real = upd._merge_paper

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2000:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(upd, "_merge_paper", failing)
    with Catalog(old_catalog) as cat, pytest.raises(RuntimeError):
        update_catalog(cat, SHIPPED)
    assert _ids(old_catalog) == before


def test_an_old_catalog_is_told_once(cli, tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    shutil.copy(OLD, path)
    monkeypatch.setenv("EFMCAT_DB", str(path))
    first = cli("stats")
    assert "A newer shipped catalog is available" in first.stderr
    assert "efmcat update" in first.stderr
    second = cli("stats")
    assert "A newer shipped catalog is available" not in second.stderr


def test_update_itself_does_not_say_run_update(cli, tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    shutil.copy(OLD, path)
    monkeypatch.setenv("EFMCAT_DB", str(path))
    r = cli("update", "--dry-run")
    assert r.exit_code == 0 and "newer shipped catalog" not in r.stderr
    assert "A newer shipped catalog is available" in cli("stats").stderr  # still told, once


def test_a_current_or_unrelated_catalog_is_not_told(cli, mini_db, tmp_path, monkeypatch):
    assert "newer shipped catalog" not in cli("stats").stderr  # never came from the shipped one
    current = tmp_path / "current.db"
    shutil.copy(SHIPPED, current)
    monkeypatch.setenv("EFMCAT_DB", str(current))
    assert "newer shipped catalog" not in cli("stats").stderr


def test_a_field_the_user_edited_stays(old_catalog, cli):
    r = cli("edit", "2303.06865", "--title", "FlexGen (my title)")
    assert r.exit_code == 0, r.stderr
    cli("update")
    assert json.loads(cli("show", "2303.06865", "--json").stdout)["title"] == "FlexGen (my title)"


def test_a_field_the_release_retracts_is_cleared_where_it_is_still_the_releases(tmp_path):
    """The old release gave 1805.05551 a venue (AAAI 2018, a meeting before the paper reached
    arXiv) and the new one has none: the user's copy loses it, unless the user edited it or
    it came from elsewhere (no provenance for it)."""
    mine = tmp_path / "mine.db"
    shutil.copy(SHIPPED, mine)
    with Catalog(mine) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "an-older-release")
        for pid, venue, prov in [
            ("1805.05551", "AAAI 2018", True),  # the release's: retracted
            ("2001.08361", "NeurIPS 2020", False),  # filled by the user's import: stays
            ("2002.08909", "ICML 2020", True),  # edited by the user: stays
        ]:
            assert not cat.get_paper(pid).venue
            provenance = cat.provenance_of(pid) | ({"venue": "list.md:1"} if prov else {})
            cat.conn.execute("UPDATE papers SET venue = ? WHERE id = ?", (venue, pid))
            cat.set_provenance(pid, provenance)
        cat.set_user_fields("2002.08909", {"venue": "ICML 2020"})
    with Catalog(mine) as cat:
        report = update_catalog(cat, SHIPPED)
        assert [c for c in report.changes if c["id"] == "1805.05551"] == [
            {"id": "1805.05551", "change": "updated", "fields": ["venue"]}
        ]
        assert cat.get_paper("1805.05551").venue is None
        assert "venue" not in cat.provenance_of("1805.05551")
        assert cat.get_paper("2001.08361").venue == "NeurIPS 2020"
        assert cat.get_paper("2002.08909").venue == "ICML 2020"


def test_a_kind_the_release_corrects_follows_it(tmp_path):
    """Uni-MoE shipped as a Papers with Code page (hidden from search and export) before
    the release that makes it a paper: a user's copy, not fetched since, follows."""
    mine = tmp_path / "mine.db"
    shutil.copy(SHIPPED, mine)
    with Catalog(mine) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "an-older-release")
        cat.conn.execute("UPDATE papers SET kind = 'page' WHERE id = '2405.11273'")
    with Catalog(mine) as cat:
        report = update_catalog(cat, SHIPPED)
        assert {"id": "2405.11273", "change": "updated", "fields": ["kind"]} in report.changes
        assert cat.get_paper("2405.11273").kind == "paper"


def test_the_releases_auto_tags_skip_a_paper_whose_text_is_the_users(tmp_path):
    """A title the user edited was re-tagged from the new title: update does not put the
    release's auto tags back (it did, on every run, against each retag)."""
    mine = tmp_path / "mine.db"
    shutil.copy(SHIPPED, mine)
    pid = "2401.02643"
    with Catalog(mine) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "an-older-release")
        auto = [
            r[0]
            for r in cat.conn.execute("SELECT node FROM tags WHERE paper_id = ? AND origin = 'auto'", (pid,))
        ]
        assert auto
        cat.set_user_fields(pid, {"title": "A Comprehensive Survey of Training Foundation Models"})
        cat.conn.execute("DELETE FROM tags WHERE paper_id = ? AND origin = 'auto'", (pid,))
    with Catalog(mine) as cat:
        update_catalog(cat, SHIPPED)
        assert (
            cat.conn.execute(
                "SELECT count(*) FROM tags WHERE paper_id = ? AND origin = 'auto'", (pid,)
            ).fetchone()[0]
            == 0
        )


def test_a_releases_curated_subtopic_does_not_bring_back_an_area_the_user_removed(tmp_path):
    """FlashAttention: the user removed attention; a release with its io-aware-attention
    subtopic (the user's copy lacks it) leaves it out (it brought attention back)."""
    from efmcat.tagger import untag_manually

    mine = tmp_path / "mine.db"
    shutil.copy(SHIPPED, mine)
    pid = "2205.14135"
    with Catalog(mine) as cat:
        with cat.transaction():
            cat.set_meta(RELEASE_KEY, "an-older-release")
            cat.conn.execute("DELETE FROM tags WHERE paper_id = ? AND node = 'io-aware-attention'", (pid,))
        untag_manually(cat, pid, ["attention"])
        update_catalog(cat, SHIPPED)
        assert "io-aware-attention" not in cat.tags_of([pid])[pid]
        assert "attention" in {r["node"] for r in cat.tag_rows(pid) if r["removed"]}
        assert not {"attention", "io-aware-attention"} & set(cat.tags_of([pid])[pid])


def test_a_paper_the_user_imported_before_the_release_had_it_stays_theirs(tmp_path, cli, monkeypatch):
    """Medusa imported from the user's own .bib, with their title: the release that ships
    Medusa fills what the import lacked and replaces nothing (it replaced title, authors and
    abstract)."""
    mine = tmp_path / "mine.db"
    shutil.copy(SHIPPED, mine)
    with Catalog(mine) as cat, cat.transaction():
        cat.set_meta(RELEASE_KEY, "an-older-release")
        cat.delete_paper("2401.10774")
    bib = tmp_path / "med.bib"
    bib.write_text(
        "@article{med, title={Medusa: My Own Imported Title}, author={Ana Smith},\n"
        " eprint={2401.10774}, archivePrefix={arXiv}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EFMCAT_DB", str(mine))
    assert cli("import", str(bib)).exit_code == 0
    with Catalog(mine) as cat:
        report = update_catalog(cat, SHIPPED)
        paper = cat.get_paper("2401.10774")
    assert (paper.title, paper.authors) == ("Medusa: My Own Imported Title", ["Ana Smith"])
    changed = [c for c in report.changes if c["id"] == "2401.10774"]
    assert changed == [] or "title" not in changed[0]["fields"]


def test_a_release_is_what_a_user_receives(tmp_path, mini_seeds, monkeypatch):
    """The release hashes the built rows: the same build gives the same release; a taxonomy
    change nobody sees (a comment) none; a tagger that tags differently, by its rules, model
    or code, and a changed seed each a new one, so that update brings them."""
    from efmcat import build
    from efmcat.taxonomy import PACKAGED

    build.build_catalog(mini_seeds, tmp_path / "a.db")
    build.build_catalog(mini_seeds, tmp_path / "b.db")
    first = release_of(tmp_path / "a.db")
    assert first and first == release_of(tmp_path / "b.db")

    commented = tmp_path / "taxonomy.yaml"
    commented.write_text(PACKAGED.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    monkeypatch.setenv("EFMCAT_TAXONOMY", str(commented))
    build.build_catalog(mini_seeds, tmp_path / "c.db")
    assert release_of(tmp_path / "c.db") == first
    monkeypatch.delenv("EFMCAT_TAXONOMY")

    tag_papers = build.tag_papers

    def tags_one_more(catalog, ids, **kw):  # a mended tagger: one more tag than before
        tag_papers(catalog, ids, **kw)
        catalog.set_tag("2210.17323", "memory", "auto", 0.5)

    with monkeypatch.context() as m:
        m.setattr(build, "tag_papers", tags_one_more)
        build.build_catalog(mini_seeds, tmp_path / "d.db")
    assert release_of(tmp_path / "d.db") not in (None, first)

    seeds = mini_seeds / "mini.yaml"
    seeds.write_text(
        seeds.read_text(encoding="utf-8").replace("8-bit without loss", "8-bit, losslessly"),
        encoding="utf-8",
    )
    build.build_catalog(mini_seeds, tmp_path / "e.db")
    assert release_of(tmp_path / "e.db") not in (None, first, release_of(tmp_path / "d.db"))


def test_the_json_reports_count_the_changes_they_leave_out(old_catalog, cli, tmp_path, monkeypatch):
    """The reports list at most MAX_CHANGES changes; the rest were dropped without a word (a
    script collecting the ids added got a part); now counted in changes_left_out."""
    from efmcat import importer, update

    monkeypatch.setattr(update, "MAX_CHANGES", 5)
    data = json.loads(cli("update", "--dry-run", "--json").stdout)
    assert len(data["changes"]) == 5
    assert data["changes_left_out"] == data["added"] + data["updated"] + data["moved"] - 5 > 0
    monkeypatch.setattr(importer, "MAX_CHANGES", 2)
    rows = [{"id": f"2401.0000{i}", "title": f"Paper {i}"} for i in range(1, 6)]
    f = tmp_path / "five.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    data = json.loads(cli("import", str(f), "--json", "--db", str(tmp_path / "five.db")).stdout)
    assert (data["added"], len(data["changes"]), data["changes_left_out"]) == (5, 2, 3)


def test_a_moved_paper_takes_its_arxiv_links(old_catalog, cli):
    """The three papers the release moves to their arXiv ids kept the old id's page
    (a Papers with Code link) as their url; the shipped catalog has arXiv's own."""
    assert cli("update").exit_code == 0

    def links(path):
        con = sqlite3.connect(path)
        try:
            return {
                r[0]: (r[1], r[2])
                for r in con.execute(
                    "SELECT id, url, pdf_url FROM papers WHERE id IN ('2308.00951', '2409.02060', '2405.11273')"
                )
            }
        finally:
            con.close()

    mine = links(old_catalog)
    assert len(mine) == 3 and mine == links(SHIPPED)


def test_an_abstract_an_import_filled_keeps_its_auto_tags_and_removals_are_counted(
    tmp_path, monkeypatch, cli
):
    """An import that filled a shipped paper's abstract gave it auto tags; each update deleted
    them ("Your catalog is up to date") and each retag put them back."""
    path = tmp_path / "mine.db"
    shutil.copy(SHIPPED, path)
    monkeypatch.setenv("EFMCAT_DB", str(path))
    line = {
        "id": "2403.00835",
        "title": "CLLMs: Consistency Large Language Models",
        "abstract": "We quantize the KV cache to 2 bits; KV cache quantization keeps accuracy.",
    }
    f = tmp_path / "one.jsonl"
    f.write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert cli("import", str(f)).exit_code == 0
    tags = lambda: set(json.loads(cli("show", "2403.00835", "--json").stdout)["tags"])  # noqa: E731
    before = tags()
    assert "quantization" in before
    r = cli("update", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["tags_removed"] == 0
    assert tags() == before
    # a tag the release's tagger no longer gives, on the release's own text: removed, and said
    with Catalog(path) as cat:
        cat.conn.execute(
            "INSERT INTO tags(paper_id, node, origin, score) VALUES ('2210.17323', 'rag', 'auto', 0.5)"
        )
        cat.conn.commit()
    r = cli("update")
    assert r.stderr.splitlines()[-1].endswith("; removed 1 auto tag the release no longer gives.")
