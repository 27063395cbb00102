"""Property tests (hypothesis) for what users and files can throw at efmcat (issue 11).

Each property says "a typed error or the right answer, never anything else": ids, search
text, each import format, and each export round trip."""

from __future__ import annotations

import json
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from efmcat.catalog import Catalog
from efmcat.errors import EfmcatError, InvalidIdError, QueryError
from efmcat.ids import parse_arxiv_id, parse_paper_id
from efmcat.taxonomy import load_taxonomy

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SLOW = settings(
    max_examples=int(__import__("os").environ.get("EFMCAT_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

any_text = st.text(st.characters(codec="utf-8"), max_size=80) | st.text(max_size=40)
query_text = st.text(
    st.sampled_from(list("ab quantization\"*-()OR AND NOT NEAR^:{}.,;'\\`~!@#$%&+=[]|<>/?\x00\x1bé中")),
    max_size=40,
)


@FAST
@given(any_text)
def test_ids_parse_or_raise_invalid(text):
    try:
        aid = parse_arxiv_id(text)
    except InvalidIdError:
        return
    assert parse_arxiv_id(aid.id).id == aid.id  # canonical ids parse to themselves


@FAST
@given(any_text)
def test_paper_ids_parse_or_raise_invalid(text):
    try:
        pid = parse_paper_id(text)
    except InvalidIdError:
        return
    assert parse_paper_id(pid) == pid


@pytest.fixture(scope="module")
def search_db(tmp_path_factory):
    from conftest import FIXTURES
    from efmcat.build import build_catalog

    path = tmp_path_factory.mktemp("fuzz") / "mini.db"
    build_catalog(FIXTURES / "seeds", path)
    return path


@FAST
@given(query_text)
def test_anything_a_user_types_is_searched(search_db, text):
    with Catalog(search_db, create=False) as cat:
        try:
            results = cat.search(text, limit=5)
        except QueryError as exc:
            assert str(exc).startswith("nothing to search for in")  # no word in it: said so
            return
        except sqlite3.Error as exc:  # pragma: no cover - the property under test
            pytest.fail(f"{text!r} reached SQLite as syntax: {exc}")
    assert len(results) <= 5


# -- import formats ------------------------------------------------------------------------
def _import(tmp_path, name, content):
    from efmcat.importer import import_files

    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    db = tmp_path / "fuzz.db"
    db.unlink(missing_ok=True)
    with Catalog(db) as cat:
        try:
            return import_files(cat, [path], taxonomy=load_taxonomy())
        except EfmcatError:
            assert cat.count() == 0  # a failed import writes nothing
            return None


markdown_text = st.text(
    st.sampled_from(list("[]()|*_#-:/ \nhttps://arxiv.org/abs/2210.17323 x<>!`")), max_size=300
)


@SLOW
@given(markdown_text)
def test_markdown_never_crashes(tmp_path, text):
    _import(tmp_path, "x.md", text)


bib_text = st.text(st.sampled_from(list("@misc{k, title = }\"\\'{}~^$%&#_eprint2210.17323\n ")), max_size=200)


@SLOW
@given(bib_text)
def test_bibtex_never_crashes(tmp_path, text):
    _import(tmp_path, "x.bib", "@misc{ok, title={T}, eprint={2210.17323}}\n" + text)


yaml_text = st.text(st.sampled_from(list("papers:- id'2210.17323'title: &*[]{}!|>\n x0.5")), max_size=200)


@SLOW
@given(yaml_text)
def test_yaml_never_crashes(tmp_path, text):
    _import(tmp_path, "x.yaml", "source: f\n" + text)


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
    max_leaves=8,
)
snapshot_keys = st.sampled_from(
    [
        "title",
        "authors",
        "abstract",
        "categories",
        "doi",
        "journal-ref",
        "comments",
        "versions",
        "update_date",
        "authors_parsed",
        "published",
    ]
)


@SLOW
@given(st.dictionaries(snapshot_keys, json_value, max_size=6))
def test_jsonl_fields_of_any_type(tmp_path, fields):
    rec = {"id": "2301.00001", "title": "T", **fields}
    report = _import(tmp_path, "x.jsonl", json.dumps(rec) + "\n")
    if report is not None:
        assert report.added == 1


# -- export round trips -----------------------------------------------------------------------
title_text = (
    st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp", "Zs"])
        | st.sampled_from(list(" |*_[]()<>`~^\\{}$%&#'-!?")),
        min_size=1,
        max_size=40,
    )
    .map(lambda t: " ".join(t.split()))
    .filter(bool)
)


@pytest.mark.slow
@SLOW
@given(
    st.lists(title_text, min_size=1, max_size=4), st.sampled_from(["md", "bibtex", "json", "jsonl", "yaml"])
)
def test_export_round_trip_keeps_titles(tmp_path, titles, fmt):
    from efmcat.export import export_catalog
    from efmcat.importer import import_files

    tax = load_taxonomy()
    src = tmp_path / "src.jsonl"
    src.write_text(
        "".join(json.dumps({"id": f"2301.{i:05d}", "title": t}) + "\n" for i, t in enumerate(titles)),
        encoding="utf-8",
    )
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for p in (a, b):
        p.unlink(missing_ok=True)
    with Catalog(a) as cat:
        import_files(cat, [src], taxonomy=tax)
        text, _ = export_catalog(cat, fmt, taxonomy=tax)
    ext = {"bibtex": "bib"}.get(fmt, fmt)
    out = tmp_path / f"out.{ext}"
    out.write_text(text, encoding="utf-8")
    with Catalog(b) as cat:
        import_files(cat, [out], taxonomy=tax)
        got = {p.id: p.title for p in cat.iter_papers()}
        again, _ = export_catalog(cat, fmt, taxonomy=tax)
    if fmt == "bibtex":  # pdflatex has no ogonek in its default fonts: ę is exported as e
        from efmcat.formats.bibtex import without_ogonek

        titles = [without_ogonek(t) for t in titles]
    assert got == {f"2301.{i:05d}": t for i, t in enumerate(titles)}
    assert again == text
