"""Where the catalog and the caches are, as plain strings (no pathlib).

The start-up path of a piped ``efmcat search`` needs these before anything else;
efmcat.paths wraps them in Path objects for the rest of the package.
"""

from __future__ import annotations

import os
import sys


def data_dir() -> str | None:
    """efmcat's data dir: ``EFMCAT_DATA_DIR``, else the XDG one on Linux; None elsewhere
    (efmcat.paths then asks platformdirs)."""
    env = os.environ.get("EFMCAT_DATA_DIR")
    if env:
        return os.path.expanduser(env)
    if sys.platform.startswith("linux"):
        # What platformdirs answers on Linux, without importing it on the start-up path.
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".local", "share")
        return os.path.join(base, "efmcat")
    return None


def catalog_location(db: str | None = None) -> tuple[str | None, str]:
    """The catalog file and where that choice came from: ``--db``, ``EFMCAT_DB`` or
    ``default`` (the file is None when only platformdirs knows the data dir)."""
    if db:
        return os.path.expanduser(db), "--db"
    env = os.environ.get("EFMCAT_DB")
    if env:
        return os.path.expanduser(env), "EFMCAT_DB"
    base = data_dir()
    return (os.path.join(base, "catalog.db") if base else None), "default"
