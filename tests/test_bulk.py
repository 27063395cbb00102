"""Bulk work runs with a rarely-running garbage collector, and gives it back as it was."""

from __future__ import annotations

import gc

from efmcat import bulk, importer
from efmcat.catalog import Catalog


def test_few_collections_restores_the_collector():
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with bulk.few_collections():
        assert gc.get_threshold() == bulk.THRESHOLDS
        assert gc.get_freeze_count() > frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_an_import_runs_with_few_collections(tmp_path, monkeypatch):
    seen = []
    real = importer._import_files

    def spy(*args, **kwargs):
        seen.append(gc.get_threshold())
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "_import_files", spy)
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "2401.00001", "title": "Sparse attention"}\n', encoding="utf-8")
    before = gc.get_threshold()
    report = importer.import_files(Catalog(tmp_path / "c.db"), [path])
    assert report.added == 1
    assert seen == [bulk.THRESHOLDS]
    assert gc.get_threshold() == before


def test_tagging_workers_give_way_to_the_writer(monkeypatch):
    calls = []
    monkeypatch.setattr(importer, "_WORKER_TAXONOMY", None)
    monkeypatch.setattr(importer, "_WORKER_MODEL", None)
    monkeypatch.setattr(importer.os, "nice", calls.append)
    monkeypatch.setattr(bulk, "settle", lambda: calls.append("settled"))
    importer._init_worker(object(), None)
    assert calls == ["settled", importer.TAGGER_NICENESS]
    assert importer.TAGGER_NICENESS > 0
