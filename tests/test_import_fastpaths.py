"""The import's fast paths give what the general ones give: a new paper's source row worked
out in Python equals the one _SOURCE_SQL stores, and a JSON-lines file checked by worker
processes spools the same entries (and reports the same first bad line) as one process."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efmcat import importer, spool
from efmcat.catalog import Catalog
from efmcat.entries import Entry
from efmcat.errors import ParseError
from efmcat.models import Paper
from efmcat.taxonomy import load_taxonomy

IDS = ["2401.00001", "doi:10.1/x"]
URLS = [None, "own", "https://example.org/p"]
LINKS = [None, "own", "https://example.org/p", "https://arxiv.org/abs/2401.00001"]
TITLES = [None, "A Title", "Another Title"]


def _cases():
    for pid, url, link, source_title in itertools.product(IDS, URLS, LINKS, TITLES):
        own = f"https://arxiv.org/abs/{pid}"
        paper = Paper(id=pid, title="A Title", url=own if url == "own" else url)
        yield Entry(paper, 7, link=own if link == "own" else link, section="S", source_title=source_title)


@pytest.mark.parametrize(
    "entry", list(_cases()), ids=lambda e: f"{e.paper.id}-{e.paper.url}-{e.link}-{e.source_title}"
)
def test_new_source_row_equals_the_sql(tmp_path, entry):
    cat = Catalog(tmp_path / "c.db")
    with cat.transaction():
        cat.conn.execute(importer._INSERT_SQL, importer._row(entry.paper, "2026-01-01"))
        cat.conn.execute(
            importer._SOURCE_SQL,
            {
                "id": entry.paper.id,
                "source": "f.md",
                "locator": f"f.md:{entry.line}",
                "title": entry.source_title or entry.paper.title,
                "link": entry.link,
                "section": entry.section,
            },
        )
        by_sql = cat.conn.execute("SELECT * FROM sources").fetchone()
    assert tuple(by_sql) == importer._new_source_row(entry, "f.md")


def _write_jsonl(path: Path, n: int, bad: dict[int, str] | None = None) -> list[int]:
    """n records (record i replaced by bad[i]); returns the line numbers of the bad ones."""
    lines: list[str] = []
    at: list[int] = []
    for i in range(1, n + 1):
        if bad and i in bad:
            lines.append(bad[i])
            at.append(len(lines))
            continue
        rec = {
            "id": f"2401.{i:05d}",
            "title": f"Paper {i} on sparse attention",
            "authors": "A. One, B. Two and C. Three",
            "abstract": f"We study {i} kernels.",
            "categories": "cs.LG cs.CL",
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
        }
        lines.append(json.dumps(rec))
        if i % 7 == 0:
            lines.append("")  # blank lines are skipped, not counted
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return at


def _spooled(path: Path, workers: int, monkeypatch) -> list[Entry]:
    monkeypatch.setattr(spool, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(spool, "CHUNK", 50)
    s = spool.spool_jsonl(path, load_taxonomy(), workers=workers)
    try:
        got = list(s.entries())
        assert s.count == len(got)
        return got
    finally:
        s.close()


def test_workers_spool_the_same_entries(tmp_path, monkeypatch):
    path = tmp_path / "s.jsonl"
    _write_jsonl(path, 333)
    one = _spooled(path, 1, monkeypatch)
    two = _spooled(path, 2, monkeypatch)
    assert len(one) == 333
    assert two == one
    assert [e.line for e in two][:8] == [1, 2, 3, 4, 5, 6, 7, 9]


@pytest.mark.parametrize(
    "bad",
    [
        {120: "{not json"},
        {120: '{"id": "2401.99999"}', 260: "[1, 2]"},  # two bad lines: the first is named
        {333: '{"id": "nonsense", "title": "x"}'},
    ],
)
def test_workers_report_the_first_bad_line(tmp_path, monkeypatch, bad):
    path = tmp_path / "s.jsonl"
    first = _write_jsonl(path, 333, bad)[0]
    with pytest.raises(ParseError) as one:
        _spooled(path, 1, monkeypatch)
    with pytest.raises(ParseError) as two:
        _spooled(path, 2, monkeypatch)
    assert str(two.value) == str(one.value)
    assert str(two.value).startswith(f"{path}:{first}: ")


def test_a_bad_line_before_an_unreadable_one_is_named_first(tmp_path, monkeypatch):
    path = tmp_path / "s.jsonl"
    first = _write_jsonl(path, 200, {30: "{not json"})[0]
    with path.open("ab") as fh:
        fh.write(b'{"id": "2401.0\xff"}\n')  # the last line: not UTF-8 (read by this process)
    with pytest.raises(ParseError) as two:
        _spooled(path, 2, monkeypatch)
    assert str(two.value).startswith(f"{path}:{first}: not a JSON object")


@pytest.mark.parametrize("batch", [40, 5000])  # tagging workers in the write pass, or none
def test_import_with_workers_equals_import_in_one_process(tmp_path, monkeypatch, batch):
    path = tmp_path / "s.jsonl"
    _write_jsonl(path, 120)
    monkeypatch.setattr(importer, "BATCH", batch)
    monkeypatch.setattr(spool, "CHUNK", 25)

    def imported(workers: int) -> tuple[list[tuple], list[tuple]]:
        monkeypatch.setattr(importer, "IMPORT_WORKERS", workers)
        monkeypatch.setattr(spool, "PARALLEL_BYTES", 0 if workers > 1 else 1 << 60)
        cat = Catalog(tmp_path / f"w{workers}-{batch}.db")
        importer.import_files(cat, [path])
        papers = cat.conn.execute(
            "SELECT p.id, p.title, p.authors, p.year, s.locator, s.title, s.link "
            "FROM papers p JOIN sources s ON s.paper_id = p.id ORDER BY p.id"
        )
        tags = cat.conn.execute("SELECT paper_id, node, origin, score FROM tags ORDER BY paper_id, node")
        return [tuple(r) for r in papers], [tuple(r) for r in tags]

    two, one = imported(2), imported(1)
    assert two == one
    assert len(one[1]) > 120  # the papers are tagged


@given(st.lists(st.text(), max_size=6))
def test_json_texts_equals_json_dumps(values):
    assert importer._json_texts(values) == json.dumps(values, ensure_ascii=False)


@pytest.mark.parametrize("text", ['a"b', "a\\b", "a\nb", "a\x1fb", "\x7f", "\u2028", "caf\u00e9", "\ud800"])
def test_json_texts_escapes_what_json_escapes(text):
    assert importer._json_texts(["x", text]) == json.dumps(["x", text], ensure_ascii=False)


def test_json_texts_of_other_values_is_json_dumps():
    assert importer._json_texts(["a", 1, None]) == '["a", 1, null]'


def test_json_texts_joins_plain_text_without_the_encoder(monkeypatch):
    def no_encoder(_):
        raise AssertionError("the encoder ran")

    monkeypatch.setattr(importer, "_JSON_TEXT", no_encoder)
    assert importer._json_texts(["Ana Wang", "Dmitri Müller", "Chen O'Kumar"]) == (
        '["Ana Wang", "Dmitri Müller", "Chen O\'Kumar"]'
    )


_TEXTS = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["  a \n b ", "", " "]), st.integers())
_KEYS = ("abstract", "update_date", "updated", "doi", "journal-ref", "journal_ref", "comments", "comment")
_USUAL = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["2401.00001", "hep-th/9901001v2", "1501.00009v3"]),
        "title": st.text(min_size=1, max_size=12),
        "categories": st.sampled_from(["cs.LG cs.CL", "", " math.NA "]),
        "authors_parsed": st.lists(
            st.lists(st.text(max_size=6), min_size=3, max_size=3), min_size=1, max_size=3
        ),
        "versions": st.builds(
            lambda d, m, y: [{"version": "v1", "created": f"Mon, {d} {m} {y} 19:18:42 GMT"}],
            st.integers(1, 31),
            st.sampled_from(["Jan", "Apr", "Dec"]),
            st.sampled_from([1991, 2007, 2024]),
        ),
    },
    optional={key: st.one_of(st.none(), st.text(max_size=12)) for key in _KEYS},
)
_UNUSUAL = {
    "id": st.one_of(st.just("nonsense"), _TEXTS),
    "title": st.one_of(st.just("   "), _TEXTS),
    "categories": st.one_of(st.lists(st.text(max_size=5)), _TEXTS),
    "authors_parsed": st.one_of(
        st.lists(st.lists(st.one_of(st.text(max_size=6), st.integers()), max_size=4), max_size=3),
        st.just([["Wang", "Ana", ""], ["", "", ""], [" ", "", "Jr."]]),
        _TEXTS,
    ),
    "versions": st.sampled_from(
        [
            [{"created": "Tue, 9 Xyz 2007 19:18:42 GMT"}],
            [{"created": "Mon, 2 Apr 1807 19:18:42 GMT"}],
            [{"created": "2 Apr 2007"}],
            ["v1"],
            [],
            None,
            "v1",
        ]
    ),
    **{key: _TEXTS for key in (*_KEYS, "published", "authors")},
}
# A usual record with up to two fields made unusual: most take the plain path, the rest
# show it hands every unusual one to the general path.
_RECORDS = st.builds(
    lambda usual, spoilt: {**usual, **spoilt},
    _USUAL,
    st.lists(st.sampled_from(sorted(_UNUSUAL)), max_size=2, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({k: _UNUSUAL[k] for k in keys})
    ),
)


@settings(max_examples=300)
@given(_RECORDS)
def test_plain_records_parse_as_the_general_path_parses_them(rec):
    from efmcat.formats.jsonl_snapshot import _plain_paper, record_to_paper

    fast = _plain_paper(rec, "s.jsonl")
    if fast is None:
        return  # the general path decides (and names what is wrong)
    assert fast == record_to_paper(rec, "s.jsonl:1", "s.jsonl")


def test_a_snapshot_record_takes_the_plain_path():
    from efmcat.formats.jsonl_snapshot import _plain_paper, record_to_paper

    rec = {
        "id": "1501.00000",
        "authors": "Ana Wang, Dmitri Müller",
        "title": "Sparse  attention\n kernels",
        "comments": "39 pages",
        "journal-ref": None,
        "categories": "cs.CL cs.LG",
        "abstract": " We study \n kernels. ",
        "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
        "update_date": "2008-11-13",
        "authors_parsed": [["Wang", "Ana", ""], ["Müller", "Dmitri", ""]],
    }
    fast = _plain_paper(rec, "s.jsonl")
    assert fast is not None
    assert fast == record_to_paper(rec, "s.jsonl:1", "s.jsonl")
    assert (fast.title, fast.authors, fast.published, fast.year) == (
        "Sparse attention kernels",
        ["Ana Wang", "Dmitri Müller"],
        "2007-04-02",
        2007,
    )


def test_a_line_with_a_surrogate_escape_takes_the_general_path(tmp_path):
    from efmcat.formats.jsonl_snapshot import parse_line

    line = json.dumps(
        {
            "id": "1501.00000",
            "title": "T",
            "categories": "cs.CL",
            "abstract": "bad \ud800 text",
            "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
            "authors_parsed": [["Wang", "Ana", ""]],
        }
    )
    with pytest.raises(ParseError, match="abstract holds a lone surrogate"):
        parse_line(line, 3, tmp_path / "s.jsonl")


@pytest.mark.parametrize("waiting", [False, True])
def test_a_batch_is_one_transaction_unless_a_writer_waits(tmp_path, monkeypatch, waiting):
    import os

    path = tmp_path / "s.jsonl"
    _write_jsonl(path, 100)
    monkeypatch.setattr(importer, "BATCH", 40)
    monkeypatch.setattr(importer, "COMMIT", 10)
    db = tmp_path / "c.db"
    if waiting:  # another live efmcat process (here: this test's parent) waits for the lock
        (tmp_path / f"c.db.waiting.{os.getppid()}").touch()
        monkeypatch.setattr(Catalog, "yield_to_waiters", lambda self: None)  # it never goes
    parts = []
    real = importer._Writer._batch

    def spy(self, batch, *args, **kwargs):
        parts.append(len(batch))
        return real(self, batch, *args, **kwargs)

    monkeypatch.setattr(importer._Writer, "_batch", spy)
    report = importer.import_files(Catalog(db), [path])
    assert report.added == 100
    assert parts == ([10] * 10 if waiting else [40, 40, 20])


@pytest.mark.parametrize(
    ("env", "workers"),
    [
        ({"EFMCAT_IMPORT_WORKERS": "3"}, 3),
        ({"EFMCAT_TAG_WORKERS": "4"}, 4),  # the first name of the same setting
        ({"EFMCAT_IMPORT_WORKERS": "1", "EFMCAT_TAG_WORKERS": "4"}, 1),
        ({"EFMCAT_IMPORT_WORKERS": "0"}, 1),
        ({"EFMCAT_IMPORT_WORKERS": " ", "EFMCAT_TAG_WORKERS": "5"}, 5),  # blank: unset
    ],
)
def test_import_workers_from_the_environment(monkeypatch, env, workers):
    from efmcat.importer import _import_workers

    for name in ("EFMCAT_IMPORT_WORKERS", "EFMCAT_TAG_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _import_workers() == workers


def test_a_malformed_number_of_import_workers_is_one_line(cli, tmp_path, monkeypatch):
    src = tmp_path / "one.jsonl"
    src.write_text('{"id": "2210.17323", "title": "GPTQ"}\n', encoding="utf-8")
    monkeypatch.setenv("EFMCAT_IMPORT_WORKERS", "many")
    r = cli("import", str(src))
    assert r.exit_code == 2
    assert r.stderr == "Error: EFMCAT_IMPORT_WORKERS must be a whole number of worker processes, got 'many'\n"
    monkeypatch.setenv("EFMCAT_IMPORT_WORKERS", "2")
    monkeypatch.setenv("EFMCAT_TAG_WORKERS", "x")  # the first name is not read when the new one is set
    assert cli("import", str(src)).exit_code == 0
