"""Which core area each taxonomy node belongs to, as a small cache file read without the
taxonomy module.

A piped ``efmcat search`` prints each hit's areas. Loading the taxonomy (dataclasses,
pathlib, json and the YAML or its JSON cache) costs more than the search, so whenever
efmcat.taxonomy loads a taxonomy it also writes ``taxonomy-XXXXXXXX.areas`` beside its JSON
cache: the areas in taxonomy order, then one ``node<TAB>area`` line per node. Both files are
named by the same key (the taxonomy file's real path, a CRC-32 of its bytes and its size,
and efmcat's version), so an edited taxonomy (even one that kept its size and mtime, as
``cp -p`` or ``rsync -t`` leave it) or a new efmcat never reads a stale map.
"""

from __future__ import annotations

import os
import zlib

from efmcat import __version__, locations

PACKAGED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "taxonomy.yaml")


def cache_key(path: str) -> tuple[str, int, int]:
    """The cache key of a taxonomy file, by its content (raises OSError when it cannot be
    read): reading and checksumming the shipped file takes some 30 microseconds."""
    real = os.path.realpath(path)
    with open(real, "rb") as fh:
        return key_of(real, fh.read())


def key_of(real: str, data: bytes) -> tuple[str, int, int]:
    """The cache key of the taxonomy file at ``real`` (a real path) whose bytes are ``data``."""
    return (real, zlib.crc32(data), len(data))


# 2: the parsed taxonomy in the file's order (1 sorted its keys, so rules compiled in another
# order from the cache than from the YAML: explain's lines moved between a first run and the next)
# 3: weights must be finite (.nan and .inf passed the checks a cache records as passed).
# A change to what the checks accept needs a new number: a cache is trusted as checked.
CACHE_FORMAT = 3


def cache_name(key: tuple[str, int, int]) -> str:
    """The caches' file name without suffix (``.json``, ``.areas``)."""
    return f"taxonomy-{zlib.crc32(repr((key, __version__, CACHE_FORMAT)).encode()):08x}"


def cache_stem(key: tuple[str, int, int]) -> str | None:
    """The caches' path without suffix, or None when only platformdirs knows the data dir."""
    base = locations.data_dir()
    return None if base is None else os.path.join(base, "cache", cache_name(key))


def dump(areas: list[str], area_of: dict[str, str]) -> str:
    """The text of an areas file."""
    lines = ["\t".join(areas)]
    lines.extend(f"{node}\t{area}" for node, area in area_of.items())
    return "\n".join(lines) + "\n"


def parse(text: str) -> tuple[list[str], dict[str, str]]:
    """(areas in taxonomy order, area of each node) from an areas file's text."""
    head, _, rest = text.partition("\n")
    area_of: dict[str, str] = {}
    for line in rest.splitlines():
        node, tab, area = line.partition("\t")
        if not tab:
            raise ValueError(f"bad areas line {line!r}")
        area_of[node] = area
    return head.split("\t"), area_of


def load_default() -> tuple[list[str], dict[str, str]] | None:
    """The map of the taxonomy efmcat uses by default (``EFMCAT_TAXONOMY`` or the packaged
    one), or None when it is not cached yet (or cannot be read)."""
    path = os.environ.get("EFMCAT_TAXONOMY") or PACKAGED
    try:
        stem = cache_stem(cache_key(path))
        if stem is None:
            return None
        with open(stem + ".areas", encoding="utf-8") as f:
            return parse(f.read())
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def areas_of(nodes: list[str], areas: list[str], area_of: dict[str, str]) -> list[str]:
    """The areas of some tag nodes, in taxonomy order (nodes the map lacks are skipped)."""
    found = {area_of[n] for n in nodes if n in area_of}
    return [a for a in areas if a in found]
