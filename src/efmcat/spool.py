"""A streamed (JSON-lines) import file between the check pass and the write pass, and a
Markdown list's parsed entries (:class:`SpooledEntries`): kept on disk, not in memory.

The importer checks a JSON-lines file whole before it writes anything (a bad line imports
nothing), and keeps every entry it parsed on disk so the write pass does not parse the file
a second time: :class:`Spool` holds marshalled tuples of plain values, ``CHUNK`` entries to a
zlib-compressed chunk (about a third of the JSON's size), read back a chunk at a time.

:func:`spool_jsonl` runs the check pass. A big file is parsed by worker processes (forked,
``CHUNK`` lines to a job, at most two jobs per worker in flight, so memory stays flat) while
this process only reads lines and appends the workers' packed chunks in file order; the
first bad line in file order is the one reported, as when one process parses it.
"""

from __future__ import annotations

import dataclasses
import marshal
import operator
import tempfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from efmcat.bulk import pool_closed
from efmcat.entries import Entry
from efmcat.errors import EfmcatError
from efmcat.models import Paper
from efmcat.taxonomy import Taxonomy

CHUNK = 1000  # entries per spool chunk, and lines per job of a parsing worker
PARALLEL_BYTES = 4_000_000  # files from this size on are parsed by worker processes

_ENTRY_FIELDS = tuple(f.name for f in dataclasses.fields(Entry) if f.name != "paper")
_entry_values = operator.attrgetter(*_ENTRY_FIELDS)
_paper_values = operator.attrgetter(*(f.name for f in dataclasses.fields(Paper)))


def pack(entries: Sequence[Entry]) -> bytes:
    """One spool chunk: the entries' plain values, marshalled and compressed."""
    return zlib.compress(marshal.dumps([(_entry_values(e), _paper_values(e.paper)) for e in entries]), 1)


class Spool:
    """Entries on disk, in the order they were added, read back by :meth:`entries`."""

    def __init__(self) -> None:
        self.fh = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.buf: list[Entry] = []
        self.count = 0

    def add(self, e: Entry) -> None:
        self.buf.append(e)
        self.count += 1
        if len(self.buf) >= CHUNK:
            self._flush()

    def add_packed(self, data: bytes, count: int) -> None:
        """A chunk :func:`pack` made (in a worker) of ``count`` entries that follow the ones added."""
        self._flush()
        self._write(data)
        self.count += count

    def _write(self, data: bytes) -> None:
        self.fh.write(len(data).to_bytes(8, "little") + data)

    def _flush(self) -> None:
        if self.buf:
            self._write(pack(self.buf))
            self.buf = []

    def entries(self) -> Iterator[Entry]:
        self._flush()
        self.fh.seek(0)
        while head := self.fh.read(8):
            chunk = marshal.loads(zlib.decompress(self.fh.read(int.from_bytes(head, "little"))))
            for entry_values, values in chunk:  # the values of every field, in their dataclass's order
                yield Entry(Paper(*values), **dict(zip(_ENTRY_FIELDS, entry_values, strict=True)))

    def close(self) -> None:
        self.fh.close()


class SpooledEntries:
    """A parser's ``ParseResult.entries`` kept on disk: appended to while a whole file is
    parsed, then read back once, so a long Markdown list's import does not hold every entry
    in memory. List-like for the importer: ``append``, ``len``, truth and iteration (one
    pass at a time; each pass makes fresh Entry objects)."""

    def __init__(self) -> None:
        self._spool = Spool()

    def append(self, entry: Entry) -> None:
        self._spool.add(entry)

    def __len__(self) -> int:
        return self._spool.count

    def __bool__(self) -> bool:
        return self._spool.count > 0

    def __iter__(self) -> Iterator[Entry]:
        return self._spool.entries()

    def close(self) -> None:
        self._spool.close()


def spool_jsonl(
    path: Path,
    taxonomy: Taxonomy | None = None,
    *,
    workers: int = 1,
    tick: Callable[[], None] | None = None,
) -> Spool:
    """Check a JSON-lines file whole and keep its entries: ParseError names its first bad
    line. ``tick()`` is called after every chunk (a sign of life for progress displays)."""
    spool = Spool()
    try:
        if workers > 1 and _size(path) >= PARALLEL_BYTES and _fork_context() is not None:
            _parse_in_workers(path, taxonomy, spool, workers, tick)
        else:
            from efmcat.formats.jsonl_snapshot import iter_snapshot

            for entry in iter_snapshot(path, taxonomy):
                spool.add(entry)
                if tick and spool.count % CHUNK == 0:
                    tick()
    except BaseException:
        spool.close()
        raise
    return spool


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_lines reports it


def _fork_context() -> Any:
    """fork (the workers share this process's taxonomy), or None where it is not available."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


def _parse_in_workers(
    path: Path,
    taxonomy: Taxonomy | None,
    spool: Spool,
    workers: int,
    tick: Callable[[], None] | None,
) -> None:
    from efmcat.formats.jsonl_snapshot import read_lines

    pool = _fork_context().Pool(workers, initializer=_init_worker, initargs=(taxonomy,))
    pending: deque[Any] = deque()

    def take_one() -> None:
        outcome, payload, count = pending.popleft().get()
        if outcome == "error":
            raise payload
        spool.add_packed(payload, count)
        if tick:
            tick()

    with pool_closed(lambda: (pool, pending)):
        lines: list[tuple[int, str]] = []
        try:
            for numbered in read_lines(path):
                lines.append(numbered)
                if len(lines) == CHUNK:
                    pending.append(pool.apply_async(_parse_chunk, (str(path), lines)))
                    lines = []
                    while len(pending) > 2 * workers:
                        take_one()
        except EfmcatError:
            while pending:  # a bad line before the one that could not be read comes first
                take_one()
            raise
        if lines:
            pending.append(pool.apply_async(_parse_chunk, (str(path), lines)))
        while pending:
            take_one()


_WORKER_TAXONOMY: Taxonomy | None = None


def _init_worker(taxonomy: Taxonomy | None) -> None:
    global _WORKER_TAXONOMY
    from efmcat.bulk import settle, worker_signals

    worker_signals()
    settle()
    _WORKER_TAXONOMY = taxonomy


def _parse_chunk(path: str, lines: list[tuple[int, str]]) -> tuple[str, Any, int]:
    """In a worker: ("ok", packed chunk, entries) or ("error", the first line's error, 0)."""
    from efmcat.formats.jsonl_snapshot import parse_line

    where = Path(path)
    try:
        entries = [parse_line(line, n, where, _WORKER_TAXONOMY) for n, line in lines]
    except EfmcatError as exc:
        return "error", exc, 0
    return "ok", pack(entries), len(entries)
