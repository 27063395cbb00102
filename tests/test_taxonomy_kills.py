"""efmcat.taxonomy: what mutation testing showed the suite let through (28 / 40 at first):
the areas a named subtopic implies, the caches a taxonomy file leaves (and reads) in the
data dir, and ``--taxonomy -``'s temporary copy."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from efmcat import areamap, taxonomy
from efmcat.taxonomy import load_taxonomy, parse_taxonomy, set_default_path
from test_tagger_library import TINY as OWN  # quantization (kv-cache-quant), memory, hardware


@pytest.fixture
def own(tmp_path) -> Path:
    path = tmp_path / "own.yaml"
    path.write_text(OWN, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_default_taxonomy():
    yield
    set_default_path(None)  # and --taxonomy -'s copy removed


def test_a_named_subtopic_brings_its_area_in_taxonomy_order():
    tax = parse_taxonomy(OWN, "own.yaml")
    assert tax.with_ancestors(["memory", "kv-cache-quant"]) == ["quantization", "kv-cache-quant", "memory"]
    assert tax.with_ancestors(["hardware"]) == ["hardware"]
    assert tax.with_ancestors(["nope", "kv-cache-quant"]) == ["quantization", "kv-cache-quant", "nope"]
    assert tax.resolve(["kv-cache-quant"]) == ["quantization", "kv-cache-quant"]


def _stem(path: Path) -> str:
    stem = areamap.cache_stem(areamap.cache_key(str(path)))
    assert stem is not None
    return stem


def test_a_taxonomy_file_leaves_its_caches_whole_in_the_data_dir(own):
    """The parsed taxonomy (.json) and its areas map (.areas: what commands that only need
    node names read without PyYAML), written whole (no temporary file left), once; a second
    load in the process is the same object (its compiled rules are kept with it)."""
    tax = load_taxonomy(own)
    stem = _stem(own)
    assert Path(stem + ".json").is_file()
    assert areamap.parse(Path(stem + ".areas").read_text(encoding="utf-8")) == (
        ["quantization", "memory", "hardware"],
        {
            "quantization": "quantization",
            "kv-cache-quant": "quantization",
            "memory": "memory",
            "hardware": "hardware",
        },
    )
    assert not [f for f in os.listdir(Path(stem).parent) if f.endswith(".tmp")]
    assert load_taxonomy(own) is tax


def test_a_new_process_reads_the_parsed_cache_instead_of_the_yaml(own, monkeypatch):
    load_taxonomy(own)
    monkeypatch.setattr(taxonomy, "_cache", {})  # as a new process starts

    def no_yaml(*args, **kwargs):
        raise AssertionError("parsed the YAML again")

    monkeypatch.setattr(taxonomy, "parse_taxonomy", no_yaml)
    assert [n.id for n in load_taxonomy(own)] == ["quantization", "kv-cache-quant", "memory", "hardware"]


def test_a_taxonomy_file_loaded_after_stdin_is_no_stdin_one(own, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(OWN.replace("Memory", "Memory (stdin)")))
    set_default_path("-")
    assert load_taxonomy().source == "stdin"
    tax = load_taxonomy(own)
    assert tax.source == str(own) and tax.get("memory").name == "Memory"
    assert Path(_stem(own) + ".json").is_file()  # cached, as a file is


def test_stdins_copy_is_removed_and_its_absence_is_no_error(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(OWN))
    set_default_path("-")
    load_taxonomy()
    copy = taxonomy._stdin_file
    assert copy is not None and copy.is_file()
    set_default_path(None)
    assert not copy.exists() and taxonomy._stdin_file is None
    monkeypatch.setattr("sys.stdin", io.StringIO(OWN))
    set_default_path("-")
    load_taxonomy()
    taxonomy._stdin_file.unlink()  # removed by someone else before the command ends
    taxonomy._drop_stdin_copy()  # what runs at exit
    assert taxonomy._stdin_file is None


def test_stdins_copy_is_removed_at_exit_by_one_handler_however_many_commands_read_it(monkeypatch):
    import atexit

    registered = []
    monkeypatch.setattr(atexit, "register", lambda f: registered.append(f))
    monkeypatch.setattr(atexit, "unregister", lambda f: registered.remove(f) if f in registered else None)
    for _ in range(3):  # three commands in one process (a library user, a test run)
        monkeypatch.setattr("sys.stdin", io.StringIO(OWN))
        set_default_path("-")
        load_taxonomy()
    assert registered == [taxonomy._drop_stdin_copy]
