"""Where a user's ``-o FILE`` is written: a file replaced atomically, or written through.

A symlink is followed (the link stays and its target is replaced); a device, FIFO or socket
(``/dev/null``, ``<(...)``, a named pipe) is written through, since renaming a temporary
file over it would replace it with a regular file; a directory is an error naming it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from efmcat.errors import EfmcatError, UsageError

# The files SQLite keeps beside a catalog while it is open.
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def output_target(path: str | os.PathLike[str]) -> tuple[Path, bool]:
    """(the path to write, whether to write it atomically: a temporary file beside it, renamed)."""
    real = Path(os.path.realpath(path))
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return real, True
    except OSError as exc:
        raise EfmcatError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(mode):
        raise EfmcatError(f"cannot write {path}: it is a directory")
    return real, stat.S_ISREG(mode)


def not_the_catalog(
    path: str | os.PathLike[str], catalog: str | os.PathLike[str], advice: str = "give -o another file"
) -> None:
    """Refuse ``-o path`` when it is the catalog file (or a file SQLite keeps beside it):
    writing an export, a model or a browsing snapshot there would replace the catalog."""
    real = os.path.realpath(path)
    base = os.path.realpath(catalog)
    for side in _SIDE_FILES:
        if real == base + side or _same_file(real, base + side):  # a hard link, another case
            raise UsageError(f"{path} is the catalog itself: {advice}")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either is missing: not one file
        return False


def check_output(path: str | os.PathLike[str], catalog: str | os.PathLike[str] | None = None) -> None:
    """Say now what writing ``-o path`` later would fail on (the catalog itself, a folder, a
    folder that is not there), for a command that works a while before it writes (train)."""
    if catalog is not None:
        not_the_catalog(path, catalog)
    real, _ = output_target(path)  # a folder: an error naming it
    if not real.parent.is_dir():
        raise EfmcatError(f"cannot write {path}: No such file or directory")
