"""Bulk work runs with a rarely-running garbage collector, and gives it back as it was; its
worker pools are shut down without killing a busy worker."""

from __future__ import annotations

import gc
import multiprocessing
import time

import pytest

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


class FakePool:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def close(self) -> None:
        self.calls.append("close")

    def join(self) -> None:
        self.calls.append("join")

    def terminate(self) -> None:
        self.calls.append("terminate")


class FakeJob:
    def __init__(self, done_after: float | None) -> None:
        self.done_after, self.waited = done_after, []

    def wait(self, timeout: float) -> None:
        self.waited.append(timeout)

    def ready(self) -> bool:
        return self.done_after is not None and self.done_after <= sum(self.waited)


@pytest.mark.parametrize(
    ("jobs", "interrupted", "calls"),
    [
        ([], False, ["close", "join"]),
        ([FakeJob(0.0), None, FakeJob(0.0)], False, ["close", "join"]),  # jobs done: workers exit
        ([FakeJob(0.0), FakeJob(None)], False, ["terminate"]),  # a job never ends: killed after GRACE
        ([FakeJob(0.0)], True, ["terminate"]),  # Ctrl-C: the workers may be gone, nothing waited for
    ],
)
def test_close_pool_lets_workers_finish_unless_it_cannot(jobs, interrupted, calls):
    pool = FakePool()
    bulk.close_pool(pool, iter(jobs), interrupted=interrupted)
    assert pool.calls == calls
    waited = [j.waited for j in jobs if j is not None]
    assert waited == [[] if interrupted else [pytest.approx(bulk.GRACE, abs=1)]] * len(waited)


def _nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_close_pool_waits_for_a_job_in_flight_and_the_workers_exit():
    pool = multiprocessing.get_context("fork").Pool(2)
    job = pool.apply_async(_nap, (0.3,))
    workers = list(pool._pool)
    bulk.close_pool(pool, [job])
    assert job.ready() and job.get() == 0.3
    assert all(w.exitcode == 0 for w in workers)  # exited, not killed (terminate gives -15)


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_import_that_stops_closes_its_tagging_pool_by_how_it_stopped(tmp_path, monkeypatch, error):
    import json

    closed = []
    monkeypatch.setattr(importer, "BATCH", 7)
    monkeypatch.setattr(  # the pool is closed through bulk.pool_closed
        bulk, "close_pool", lambda pool, jobs, interrupted: closed.append(interrupted) or pool.terminate()
    )

    def stop(*args, **kwargs):
        raise error("stop")

    monkeypatch.setattr(importer._Writer, "_commit_batch", stop)
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"id": f"2301.{i:05d}", "title": f"T {i}"}) + "\n" for i in range(30)))
    with pytest.raises(error):
        importer.import_files(Catalog(tmp_path / "c.db"), [path])
    assert closed == [error is KeyboardInterrupt]


@pytest.mark.parametrize(("error", "bad_line"), [(KeyboardInterrupt, None), (None, 130)])
def test_the_spools_workers_are_closed_by_how_the_parse_stopped(tmp_path, monkeypatch, error, bad_line):
    import json

    from efmcat import spool
    from efmcat.errors import ParseError

    closed = []
    real = bulk.close_pool

    def spy(pool, jobs, *, interrupted=False):
        closed.append(interrupted)
        real(pool, jobs, interrupted=interrupted)

    monkeypatch.setattr(bulk, "close_pool", spy)
    monkeypatch.setattr(spool, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(spool, "CHUNK", 20)
    lines = [json.dumps({"id": f"2301.{i:05d}", "title": f"T {i}"}) for i in range(200)]
    if bad_line:
        lines[bad_line] = "{not json"
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if error:
        from efmcat.formats import jsonl_snapshot

        real_lines = jsonl_snapshot.read_lines

        def stopping(p):
            for n, line in real_lines(p):
                if n == 100:
                    raise error
                yield n, line

        monkeypatch.setattr(jsonl_snapshot, "read_lines", stopping)
    with pytest.raises(error or ParseError):
        spool.spool_jsonl(path, workers=2)
    assert closed == [error is KeyboardInterrupt]


class StuckPool:
    """A pool whose terminate() waits for ever (a worker killed in the results queue's lock)."""

    def __init__(self) -> None:
        import threading

        self.never = threading.Event()
        self._pool = [FakeWorker(None), FakeWorker(0)]

    def terminate(self) -> None:
        self.never.wait()


class FakeWorker:
    def __init__(self, exitcode: int | None) -> None:
        self.exitcode, self.killed = exitcode, False

    def kill(self) -> None:
        self.killed = True


def test_a_terminate_that_never_ends_is_left_after_a_bound_and_the_workers_killed():
    pool = StuckPool()
    started = time.monotonic()
    assert bulk.terminate_within(pool, 0.2) is False
    assert time.monotonic() - started < 2
    assert [w.killed for w in pool._pool] == [True, False]  # the live one; the one gone is left
    assert bulk.terminate_within(FakePool(), 5) is True


def _signals(_: int) -> tuple[object, object]:
    import signal

    return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)


def test_workers_leave_ctrl_c_to_the_parent_and_end_plainly_on_sigterm():
    """A terminal's Ctrl-C reaches every process of the group: a worker it interrupted in a
    queue's lock left the pool hung; the parent alone handles it."""
    import signal

    pool = multiprocessing.get_context("fork").Pool(2, initializer=bulk.worker_signals)
    try:
        got = pool.map(_signals, range(4))
    finally:
        bulk.close_pool(pool, [])
    assert got == [(signal.SIG_IGN, signal.SIG_DFL)] * 4


def test_a_half_read_lookup_closes_quietly_after_its_catalog(mini_db):
    """SIGTERM in the middle of a retag left a lookup generator half-read; closed at the
    process's end, after the catalog, it printed "Exception ignored ... Cannot operate on a
    closed database" below "Error: terminated"."""
    cat = Catalog(mini_db, create=False)
    ids = [p.id for p in cat.iter_papers()]
    rows = cat._by_ids("SELECT id FROM papers WHERE id IN ({})", ids)
    assert next(rows)[0] in ids
    cat.close()
    rows.close()  # raised ProgrammingError
