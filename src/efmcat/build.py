"""Build a catalog from seeds/ deterministically (this is how data/catalog.db is made)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from efmcat.catalog import MOVED_KEY, Catalog
from efmcat.errors import EfmcatError, ParseError
from efmcat.formats.seeds import SeedPaper, read_seeds
from efmcat.tagger import tag_papers
from efmcat.taxonomy import Taxonomy, load_taxonomy
from efmcat.update import RELEASE_KEY

# Shipped papers get a fixed added_at so that builds are reproducible: the survey's v1 date.
SEED_ADDED_AT = "2024-09-03T00:00:00Z"


@dataclass
class BuildReport:
    path: Path
    papers: int = 0
    tags: int = 0
    files: list[str] = field(default_factory=list)
    unverified: int = 0


# What a release is: the shipped rows a user's catalog receives. Hashing them, not the files
# that made them, makes any change a user would see (a seed, a rule, the model or efmcat's own
# code) a new release, and a change nobody sees (a comment) none.
RELEASE_TABLES = (
    "SELECT * FROM papers ORDER BY id",
    "SELECT * FROM tags ORDER BY paper_id, node",
    "SELECT * FROM sources ORDER BY paper_id, source, locator",
)


def release_id(catalog: Catalog) -> str:
    """The release of a built catalog: a short hash of its papers, tags, sources and moved
    ids, read in a fixed order one row at a time."""
    digest = hashlib.sha256()
    for sql in RELEASE_TABLES:
        digest.update(sql.encode() + b"\0")
        for row in catalog.conn.execute(sql):
            digest.update(repr(tuple(row)).encode() + b"\n")
    digest.update((catalog.get_meta(MOVED_KEY) or "").encode())
    return digest.hexdigest()[:12]


def seed_files(seeds: Path) -> list[Path]:
    files = sorted(p for p in seeds.glob("*.yaml") if p.is_file())
    if not files:
        raise ParseError(f"no seeds (*.yaml) in {seeds}")
    return files


def load_seed_papers(seeds: Path, taxonomy: Taxonomy) -> list[tuple[str, str, SeedPaper]]:
    """All seed papers as (file name, source, seed); duplicate ids and unknown tags are errors."""
    seen: dict[str, str] = {}
    out = []
    for f in seed_files(seeds):
        source, papers = read_seeds(f)
        for sp in papers:
            where = f"{f}:{sp.line}"
            if sp.paper.id in seen:
                raise ParseError(f"{where}: paper {sp.paper.id} is already in {seen[sp.paper.id]}")
            seen[sp.paper.id] = where
            for node in sp.tags:
                if node not in taxonomy:
                    raise ParseError(f"{where}: {taxonomy.unknown_message(node)}")
            out.append((f.name, source, sp))
    return out


def build_catalog(
    seeds: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    auto_tag: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
) -> BuildReport:
    """Write a fresh catalog built from every seeds file to ``out`` (replaced atomically).

    ``progress(steps done, steps in all)``: a step per paper written, then per paper tagged."""
    from efmcat.outputs import output_target

    seeds_path = Path(seeds)
    out_path, regular = output_target(out)  # a symlink: its target is replaced, the link stays
    if not regular:
        raise EfmcatError(f"cannot write {out}: a catalog is a SQLite file, and this is a device or a pipe")
    taxonomy = load_taxonomy()
    entries = load_seed_papers(seeds_path, taxonomy)
    entries.sort(key=lambda e: e[2].paper.id)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.{os.getpid()}.building")
    for suffix in ("", "-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    report = BuildReport(path=Path(out), files=sorted({e[0] for e in entries}))
    total = len(entries) * (2 if auto_tag else 1)
    catalog = Catalog(tmp)
    done = False
    try:
        with catalog.transaction():
            for file_name, source, sp in entries:
                catalog.upsert_paper(sp.paper, added_at=SEED_ADDED_AT)
                for node in taxonomy.with_ancestors(sp.tags):
                    catalog.set_tag(sp.paper.id, node, "curated", 1.0)
                    report.tags += 1
                for row in sp.rows or [{}]:
                    line = row.get("line")
                    where = row.get("file")
                    locator = (
                        f"{where}:{line}"
                        if where and line
                        else where or (f"line {line}" if line else file_name)
                    )
                    catalog.add_source(
                        sp.paper.id,
                        str(row.get("source") or source),
                        locator,
                        title=row.get("title") or sp.paper.title,
                        link=row.get("link"),
                        section=row.get("section") or (sp.sections[0] if sp.sections else None),
                    )
                if sp.provenance:
                    catalog.set_provenance(sp.paper.id, sp.provenance)
                report.papers += 1
                report.unverified += 0 if sp.paper.verified else 1
                if progress and report.papers % 100 == 0:
                    progress(report.papers, total)
            if auto_tag:
                tagged = None
                if progress:
                    progress(len(entries), total)

                    def tagged(done: int, _: int | None) -> None:
                        progress(len(entries) + done, total)

                tag_papers(catalog, [e[2].paper.id for e in entries], progress=tagged)
            moved = {old: sp.paper.id for _, _, sp in entries for old in sp.moved_from}
            catalog.set_meta(MOVED_KEY, json.dumps(moved, sort_keys=True) if moved else None)
            catalog.set_meta(RELEASE_KEY, release_id(catalog))
        catalog.conn.execute("PRAGMA journal_mode = DELETE")
        catalog.conn.execute("VACUUM")
        done = True
    finally:
        catalog.close()
        if not done:  # a failed build leaves no half-written file beside the target
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
    os.replace(tmp, out_path)
    for suffix in ("-wal", "-shm"):
        Path(str(out_path) + suffix).unlink(missing_ok=True)
    return report
