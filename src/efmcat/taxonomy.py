"""The taxonomy: areas and subtopics, loaded from YAML and validated with line numbers.

The packaged file is ``efmcat/taxonomy.yaml``; ``EFMCAT_TAXONOMY`` or an explicit
path selects another. Parsed taxonomies are cached as JSON beside the user's
catalog so that commands which only need node names do not import PyYAML.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from efmcat import areamap
from efmcat.errors import TaxonomyError, UnknownNodeError
from efmcat.inputs import read_bytes, too_large

PACKAGED = Path(__file__).with_name("taxonomy.yaml")
CORE_AREAS = ("sparsification", "quantization", "attention", "memory", "compiler", "hardware")
_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NODE_KEYS = {"id", "name", "description", "core", "children", "rules"}


@dataclass
class Node:
    id: str
    name: str
    description: str = ""
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    core: bool = False
    rules: dict[str, Any] = field(default_factory=dict)
    line: int = 0

    @property
    def is_area(self) -> bool:
        return self.parent is None


class Taxonomy:
    """An ordered tree of nodes with unique ids."""

    def __init__(self, nodes: Iterable[Node], source: str = "<taxonomy>") -> None:
        self.nodes: dict[str, Node] = {n.id: n for n in nodes}
        self.source = source
        self._rank = {nid: i for i, nid in enumerate(self.nodes)}  # node id -> its place, for order

    # -- structure -----------------------------------------------------------------
    @property
    def areas(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.parent is None]

    @property
    def core_areas(self) -> tuple[str, ...]:
        """The ids of the areas marked ``core``, in taxonomy order (the shipped six)."""
        return tuple(a.id for a in self.areas if a.core)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __iter__(self):
        return iter(self.nodes.values())

    def get(self, node_id: str) -> Node:
        """The node with this id; UnknownNodeError naming close matches otherwise."""
        key = node_id.strip().lower() if isinstance(node_id, str) else node_id
        if key in self.nodes:
            return self.nodes[key]
        raise UnknownNodeError(self.unknown_message(str(node_id)))

    def unknown_message(self, node_id: str) -> str:
        import difflib

        close = difflib.get_close_matches(node_id.lower(), list(self.nodes), n=3, cutoff=0.75)
        by_name = [n.id for n in self.nodes.values() if node_id.lower() in n.name.lower()]
        hints = list(dict.fromkeys(close + by_name))[:4]
        msg = f"unknown taxonomy node '{node_id}'"
        if hints:
            msg += "; did you mean " + ", ".join(hints) + "?"
        else:
            msg += "; `efmcat taxonomy` lists the nodes"
        return msg

    def area_of(self, node_id: str) -> str:
        node = self.get(node_id)
        while node.parent is not None:
            node = self.nodes[node.parent]
        return node.id

    def ancestors(self, node_id: str) -> list[str]:
        out = []
        node = self.get(node_id)
        while node.parent is not None:
            out.append(node.parent)
            node = self.nodes[node.parent]
        return out

    def descendants(self, node_id: str) -> list[str]:
        """The node and every node below it, in tree order."""
        out = [self.get(node_id).id]
        for child in self.nodes[out[0]].children:
            out.extend(self.descendants(child))
        return out

    def is_under(self, node_id: str, nodes: Collection[str]) -> bool:
        """Whether ``node_id``, or an area above it, is one of ``nodes`` (a tag under the
        user's removal: a subtopic heading must not bring back the area removed)."""
        if node_id in nodes:
            return True
        return node_id in self.nodes and any(a in nodes for a in self.ancestors(node_id))

    def with_ancestors(self, node_ids: Iterable[str]) -> list[str]:
        """The nodes plus the areas they imply, in taxonomy order; unknown ids are kept last."""
        wanted: set[str] = set()
        unknown: list[str] = []
        for nid in node_ids:
            if nid in self.nodes:
                wanted.add(nid)
                wanted.update(self.ancestors(nid))
            elif nid not in unknown:
                unknown.append(nid)
        return [n for n in self.nodes if n in wanted] + unknown

    def resolve(self, node_ids: Iterable[str]) -> list[str]:
        """What a user named (``--tag``): each node checked (UnknownNodeError naming close
        matches) and the areas it implies added, in taxonomy order."""
        return self.with_ancestors([self.get(n).id for n in node_ids])

    def areas_of(self, node_ids: Iterable[str]) -> list[str]:
        found = {self.area_of(n) for n in node_ids if n in self.nodes}
        return [a.id for a in self.areas if a.id in found]

    def order(self, node_ids: Iterable[str]) -> list[str]:
        """Sort node ids in taxonomy order (unknown ones last, alphabetically)."""
        rank = self._rank
        return sorted(set(node_ids), key=lambda n: (rank.get(n, len(rank)), n))

    # -- (de)serialisation ---------------------------------------------------------
    def to_json(self) -> str:
        # in the file's order, keys and all: the rules compile in that order (their ids, the
        # order their points add up in, explain's lines), whether read from YAML or this cache
        return json.dumps({"source": self.source, "nodes": [n.__dict__ for n in self.nodes.values()]})

    @classmethod
    def from_json(cls, text: str) -> Taxonomy:
        data = json.loads(text)
        return cls((Node(**n) for n in data["nodes"]), source=data["source"])


# ---------------------------------------------------------------------------------
# Loading


def parse_taxonomy(text: str, source: str = "<taxonomy>") -> Taxonomy:
    """Parse and validate taxonomy YAML; TaxonomyError names the file and line at fault."""
    from efmcat.yamlio import load_with_lines, strip_lines

    data = load_with_lines(text, source, TaxonomyError)
    if not isinstance(data, dict) or not isinstance(data.get("areas"), list) or not data["areas"]:
        raise TaxonomyError(f"{source}:1: a taxonomy needs a non-empty list 'areas'")

    nodes: list[Node] = []
    seen: dict[str, int] = {}

    def fail(line: int, msg: str) -> TaxonomyError:
        return TaxonomyError(f"{source}:{line}: {msg}")

    def visit(raw: Any, parent: str | None, parent_line: int) -> None:
        if not isinstance(raw, dict):
            raise fail(parent_line, f"expected a node (a mapping with id and name), got {raw!r}")
        line = raw.get("__line__", parent_line)
        extra = set(raw) - _NODE_KEYS - {"__line__"}
        if extra:
            raise fail(line, f"unknown key(s) {', '.join(sorted(extra))} in a node")
        nid = raw.get("id")
        if not isinstance(nid, str) or not _SLUG_RE.match(nid):
            raise fail(line, f"node id {nid!r} is not a lowercase slug like 'kv-cache-quant'")
        if nid in seen:
            raise fail(line, f"node id '{nid}' is already used on line {seen[nid]}")
        seen[nid] = line
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise fail(line, f"node '{nid}' needs a name")
        rules = raw.get("rules") or {}
        if not isinstance(rules, dict):
            raise fail(line, f"rules of '{nid}' must be a mapping")
        children = raw.get("children") or []
        if not isinstance(children, list):
            raise fail(line, f"children of '{nid}' must be a list")
        if children and parent is not None:
            raise fail(
                line,
                f"children of '{nid}': a subtopic cannot have children "
                "(the taxonomy has two levels: areas and their subtopics)",
            )
        core = raw.get("core")
        core = False if core is None else core  # `core:` left empty, as before: not core
        if not isinstance(core, bool):  # "false" (quoted) is text, and would be true
            raise fail(line, f"core of '{nid}' must be true or false, not {core!r}")
        node = Node(
            id=nid,
            name=name.strip(),
            description=str(raw.get("description") or "").strip(),
            parent=parent,
            core=core,
            rules=strip_lines(rules),
            line=line,
        )
        nodes.append(node)
        for child in children:
            before = len(nodes)
            visit(child, nid, line)
            node.children.append(nodes[before].id)

    for area in data["areas"]:
        visit(area, None, data.get("__line__", 1))
    taxonomy = Taxonomy(nodes, source=source)
    _validate_rules(taxonomy, fail)
    return taxonomy


def _validate_rules(taxonomy: Taxonomy, fail) -> None:
    """Each node's rules checked against the tagger's rule schema."""
    from efmcat.tagger import validate_rules

    for node in taxonomy:
        problem = validate_rules(node.rules)
        if problem:
            raise fail(node.line, f"rules of '{node.id}': {problem}")
        to = (node.rules or {}).get("yields")
        for target in to if isinstance(to, list) else ():
            if target not in taxonomy:
                raise fail(
                    node.line, f"rules of '{node.id}': yields to '{target}', which is no node of the taxonomy"
                )
            sibling = target != node.id and None is not node.parent == taxonomy.nodes[target].parent
            if taxonomy.area_of(target) == taxonomy.area_of(node.id) and not sibling:
                raise fail(
                    node.line,
                    f"rules of '{node.id}': yields to '{target}' of its own area (of it, only a sibling subtopic)",
                )
            back = (taxonomy.nodes[target].rules or {}).get("yields")
            if sibling and isinstance(back, list) and node.id in back:  # both would go
                raise fail(node.line, f"rules of '{node.id}': '{node.id}' and '{target}' yield to each other")


_default_path: Path | None = None  # set by a command's --taxonomy option


def set_default_path(path: str | os.PathLike[str] | None) -> None:
    """Make ``path`` the taxonomy loaded when none is named (None: back to the usual choice)."""
    global _default_path
    _default_path = Path(path) if path else None
    _drop_stdin_copy()  # a new command reads its own stdin


def taxonomy_path(path: str | os.PathLike[str] | None = None) -> Path:
    if path:
        chosen = Path(path)
    elif _default_path is not None:
        chosen = _default_path
    else:
        env = os.environ.get("EFMCAT_TAXONOMY")
        chosen = Path(env) if env else PACKAGED
    return _stdin_copy() if str(chosen) == "-" else chosen


_stdin_file: Path | None = None


def _stdin_copy() -> Path:
    """``--taxonomy -``: standard input, read once and kept in a temporary file for the rest
    of the command (which may load the taxonomy more than once); removed at exit."""
    global _stdin_file
    if _stdin_file is None:
        import atexit
        import tempfile

        data = read_bytes("-", MAX_TAXONOMY_BYTES)  # past the bound: load_taxonomy says it is too large
        fd, name = tempfile.mkstemp(prefix="efmcat-taxonomy-", suffix=".yaml")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        _stdin_file = Path(name)
        atexit.unregister(_drop_stdin_copy)  # once, however many commands read stdin
        atexit.register(_drop_stdin_copy)
    return _stdin_file


def _drop_stdin_copy() -> None:
    """Remove ``--taxonomy -``'s temporary file, if there is one (already gone: no matter)."""
    global _stdin_file
    if _stdin_file is not None:
        _stdin_file.unlink(missing_ok=True)
        _stdin_file = None


# Parsed taxonomies of this process, by (the file's cache key, cache stem).
_cache: dict[tuple[tuple[str, int, int], str | None], Taxonomy] = {}


MAX_TAXONOMY_BYTES = 32_000_000  # as a YAML import (a 60 MB file took 320 MB to parse)


def load_taxonomy(path: str | os.PathLike[str] | None = None) -> Taxonomy:
    """Load (and validate) the taxonomy at ``path``, ``EFMCAT_TAXONOMY``, or the packaged one.

    The parsed taxonomy is cached as JSON in the data dir, with the area map beside it,
    both named by the file's path and a checksum of its content (the name
    :mod:`efmcat.areamap` finds the area map by, without this module): an edit, even one
    that keeps the file's size and mtime, names other caches."""
    p = taxonomy_path(path)
    try:
        real = os.path.realpath(p)
        data = read_bytes(real, MAX_TAXONOMY_BYTES)
    except OSError as exc:
        raise TaxonomyError(f"cannot read taxonomy {p}: {exc.strerror or exc}") from exc
    if len(data) > MAX_TAXONOMY_BYTES:  # the shipped one is 40 KB
        shown = "stdin" if _stdin_file is not None and p == _stdin_file else p
        raise TaxonomyError(too_large(f"taxonomy {shown}", MAX_TAXONOMY_BYTES))
    key = areamap.key_of(real, data)
    from_stdin = _stdin_file is not None and p == _stdin_file
    stem = None if from_stdin else _cache_stem(key)  # no cache files for a one-off taxonomy
    if (key, stem) in _cache:  # the data dir is part of the key: its cache files get written
        return _cache[key, stem]
    taxonomy = None if stem is None else _read_cache(Path(stem + ".json"))
    if taxonomy is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TaxonomyError(f"cannot read taxonomy {p}: {exc}") from exc
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # as a text-mode read gives it
        taxonomy = parse_taxonomy(text, source="stdin" if from_stdin else str(p))
        if stem is not None:
            _write_cache(Path(stem + ".json"), taxonomy.to_json())
    if stem is not None and not os.path.exists(stem + ".areas"):
        area_of = {nid: taxonomy.area_of(nid) for nid in taxonomy.nodes}
        _write_cache(Path(stem + ".areas"), areamap.dump([a.id for a in taxonomy.areas], area_of))
    _cache[key, stem] = taxonomy
    return taxonomy


def _read_cache(file: Path) -> Taxonomy | None:
    """The parsed taxonomy a JSON cache holds, or None when it is missing or unreadable."""
    try:
        return Taxonomy.from_json(file.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(file: Path, text: str) -> None:
    """Write a cache file atomically; a cache that cannot be written is only slower."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, file)
    except OSError:
        pass


def _cache_stem(key: tuple[str, int, int]) -> str | None:
    stem = areamap.cache_stem(key)
    if stem is not None:
        return stem
    from efmcat.paths import cache_dir

    try:
        return str(cache_dir() / areamap.cache_name(key))
    except OSError:
        return None
