"""Where efmcat keeps things: the user's catalog, the shipped catalog, caches.

Resolution of the catalog: ``--db PATH``, else ``EFMCAT_DB``, else ``catalog.db`` in the
user data dir (``EFMCAT_DATA_DIR`` or the platform's), created on first use as a copy of
the shipped catalog. efmcat never writes into its own install directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from efmcat import locations

_PKG = Path(__file__).resolve().parent
_REPO = _PKG.parent.parent  # src/efmcat -> repo root in a checkout / editable install


def data_dir() -> Path:
    base = locations.data_dir()
    if base is not None:
        return Path(base)
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
    path, origin = locations.catalog_location(os.fspath(db) if db else None)
    return DbChoice(Path(path) if path is not None else data_dir() / "catalog.db", origin)


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
