"""Progress bars for long commands: a Rich bar on stderr, on a terminal only.

Library calls take ``progress: Callable[[int, int | None], None] | None`` (items done, items
in all or None when unknown); the CLI passes the callback :func:`progress_bar` yields, or
None when stderr is not a terminal (a pipe, a file, a test's CliRunner): then nothing is
drawn and the library does no bookkeeping for it. The bar appears only once the work has
taken half a second, so quick runs never flash one, and it is removed when done.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from efmcat.cli._app import err_console, stderr_is_terminal

Progress = Callable[[int, "int | None"], None]
DELAY = 0.5  # seconds of work before a bar is shown


@contextmanager
def progress_bar(label: str, unit: str = "papers") -> Iterator[Progress | None]:
    """Yields a progress callback drawing a bar on stderr, or None when stderr is no terminal."""
    if not stderr_is_terminal():
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console(),
        transient=True,
    )
    start = time.monotonic()
    state: dict[str, int] = {}

    def update(done: int, total: int | None) -> None:
        if "task" not in state:
            if time.monotonic() - start < DELAY:
                return
            bar.start()
            state["task"] = bar.add_task(label, total=total)
        bar.update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "task" in state:
            bar.stop()


def counter(progress: Progress | None, total: int | None = None) -> Callable[[int], None] | None:
    """A callback taking batch sizes (``step(5000)``) that reports the running total."""
    if progress is None:
        return None
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        progress(done[0], total)

    return step
