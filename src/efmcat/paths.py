"""Where efmcat keeps things: the user's catalog, the shipped catalog, caches.

Resolution of the catalog: ``--db PATH``, else ``EFMCAT_DB``, else ``catalog.db`` in the
user data dir (``EFMCAT_DATA_DIR`` or the platform's), created on first use as a copy of
the shipped catalog. efmcat never writes into its own install directory.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent.parent  # src/efmcat -> repo root in a checkout / editable install


def data_dir() -> Path:
    env = os.environ.get("EFMCAT_DATA_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform.startswith("linux"):
        # What platformdirs answers on Linux, without importing it on the start-up path.
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = Path(xdg) if xdg else Path.home() / ".local" / "share"
        return base / "efmcat"
    from platformdirs import user_data_dir

    return Path(user_data_dir("efmcat", appauthor=False))


def cache_dir() -> Path:
    return data_dir() / "cache"


def shipped_catalog() -> Path | None:
    """The catalog built from seeds/ that ships with efmcat (wheel data or checkout)."""
    for candidate in (_PKG / "data" / "catalog.db", _REPO / "data" / "catalog.db"):
        if candidate.is_file():
            return candidate
    return None


def checkout_catalog() -> Path | None:
    """data/catalog.db of a source checkout (None in an installed wheel)."""
    if (_REPO / "pyproject.toml").is_file() and (_REPO / "seeds").is_dir():
        return _REPO / "data" / "catalog.db"
    return None


def seeds_dir() -> Path | None:
    for candidate in (_PKG / "seeds", _REPO / "seeds"):
        if candidate.is_dir():
            return candidate
    return None


@dataclass(frozen=True)
class DbChoice:
    path: Path
    origin: str  # "--db", "EFMCAT_DB" or "default"


def choose_db(db: str | os.PathLike[str] | None = None) -> DbChoice:
    if db:
        return DbChoice(Path(db).expanduser(), "--db")
    env = os.environ.get("EFMCAT_DB")
    if env:
        return DbChoice(Path(env).expanduser(), "EFMCAT_DB")
    return DbChoice(data_dir() / "catalog.db", "default")


def ensure_default_catalog(path: Path) -> bool:
    """Create the user's default catalog from the shipped one; True if it was created."""
    if path.exists():
        return False
    shipped = shipped_catalog()
    path.parent.mkdir(parents=True, exist_ok=True)
    if shipped is None:
        return False
    import shutil

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.copyfile(shipped, tmp)
    os.replace(tmp, path)
    return True
