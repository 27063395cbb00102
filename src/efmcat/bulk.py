"""Bulk work (an import of a million papers, its tagging workers): Python's cyclic garbage
collector told to run rarely, and worker pools shut down without killing a busy worker.

Bulk work makes millions of short-lived tuples, lists and objects. None of them form
cycles, so reference counting frees them; but every 700 new objects the collector runs, and
its older generations walk everything alive: the taxonomy, the tagger model's weight tables,
the batches in flight. Measured on a 100k-paper import, that was about a sixth of the main
process's CPU time. Here what exists when bulk work starts is frozen (never walked again)
and a collection runs every 100,000 new objects instead of 700.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

THRESHOLDS = (100_000, 50, 100)


def worker_signals() -> None:
    """In a worker process: SIGTERM ends it plainly (the pool's terminate() sends it), not
    through the efmcat process's handler it was forked with; SIGINT is ignored. A terminal's
    Ctrl-C reaches the whole process group: a worker it interrupted in a queue's lock or
    half-way through reading a task printed its traceback and left the pool's queue locked
    or out of step, so that the parent's terminate() waited for ever (an import hung in
    about 1 of 5 runs interrupted while checking a large file) or read a broken pickle. The
    parent alone handles Ctrl-C, and ends the workers."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def settle() -> None:
    """For a worker process doing bulk work until it ends: freeze what exists, collect rarely."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


@contextmanager
def few_collections() -> Iterator[None]:
    """:func:`settle` for the time of a ``with`` block, then the collector as it was."""
    old = gc.get_threshold()
    settle()
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


GRACE = 60.0  # seconds a shutdown waits for the jobs in flight before it kills the workers


def close_pool(pool: Any, jobs: Iterable[Any], *, interrupted: bool = False) -> None:
    """Shut a ``multiprocessing`` pool down once its caller is done with it (or failed).

    ``Pool.terminate()`` kills the workers wherever they are: one killed half-way through
    writing its result can leave a queue's lock taken, and ``terminate()`` itself then waits
    for ever (CPython issues 78178 and 96995: the spool's bad-line tests hung so in 2 of 36
    repeated runs, and in none of 69 with this). So the jobs still in flight (``jobs``:
    their AsyncResults, or None) are waited for, at most GRACE seconds in all, their
    results dropped, and the idle workers told to exit (close, join). After Ctrl-C
    (``interrupted``) the jobs in flight are not waited for: the pool is terminated. Its
    workers ignore SIGINT (:func:`worker_signals`), so none was stopped inside a queue's
    lock, and terminate() ends them once their queues are drained."""
    if not interrupted:
        deadline = time.monotonic() + GRACE
        flying = [job for job in jobs if job is not None]
        for job in flying:
            job.wait(max(0.0, deadline - time.monotonic()))
        if all(job.ready() for job in flying):
            pool.close()
            pool.join()
            return
    terminate_within(pool, TERMINATE_WAIT)


TERMINATE_WAIT = 2.0  # seconds terminate() may take before the pool is left to the process's end


def terminate_within(pool: Any, seconds: float) -> bool:
    """``pool.terminate()``, given at most ``seconds``; whether it finished. It kills the
    workers wherever they are, and one killed while writing its result holds the results
    queue's lock for good: terminate() then waits for ever for the pool's task thread,
    which needs that lock (after Ctrl-C, an import of a large file hung about 1 run in 12).
    Run in a thread of its own, it is waited for only so long; then the workers still alive
    are killed and the pool's threads (daemons) are left to end with the process."""
    import threading

    ender = threading.Thread(target=pool.terminate, name="efmcat-pool-terminate", daemon=True)
    ender.start()
    ender.join(seconds)
    if not ender.is_alive():
        return True
    for worker in list(getattr(pool, "_pool", ())):  # the Pool's processes (no public name)
        if worker.exitcode is None:
            worker.kill()
    return False


@contextmanager
def pool_closed(state: Callable[[], tuple[Any, Iterable[Any]]]) -> Iterator[None]:
    """Run a ``with`` block that feeds a pool, then shut the pool down by :func:`close_pool`
    however the block ends (done, failed, or Ctrl-C: ``interrupted``). ``state()``, asked
    on the way out, gives (the pool, or None if the block never made one; its jobs still in
    flight)."""
    interrupted = False
    try:
        yield
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        pool, jobs = state()
        if pool is not None:
            close_pool(pool, jobs, interrupted=interrupted)
