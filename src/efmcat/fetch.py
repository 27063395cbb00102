"""``add`` and ``refresh``: ids -> arXiv -> tags -> catalog, one transaction per batch.

Inputs are all parsed (and ``--tag`` nodes validated) before any request. Papers come from
arXiv in batches of at most 100 ids; each batch is written in one transaction together with
its tags (curated tags of the shipped seeds, ``--tag`` manual tags, the auto-tagger), so a
batch that fails leaves the catalog as it was and the batches before it stay.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from efmcat.catalog import Catalog, utcnow
from efmcat.errors import EfmcatError, InvalidIdError, UsageError
from efmcat.ids import ArxivId, try_parse_arxiv_id
from efmcat.merge import absorb_title_twins
from efmcat.models import Paper
from efmcat.tagger import manual_scores, tag_papers
from efmcat.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from efmcat.arxiv import ArxivClient

Progress = Callable[[int, int], None]  # (batches done, batches in all)


@dataclass
class InvalidInput:
    text: str
    message: str


@dataclass
class AddReport:
    added: list[Paper] = field(default_factory=list)
    updated: list[Paper] = field(default_factory=list)  # re-fetched with --force, as stored
    unchanged: list[str] = field(default_factory=list)  # re-fetched with --force, nothing new
    present: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    invalid: list[InvalidInput] = field(default_factory=list)
    requests: int = 0
    # (the catalog's id, the arXiv id): a record without an arXiv id of a paper added here,
    # merged into it (same title)
    merged: list[tuple[str, str]] = field(default_factory=list)
    not_done: list[str] = field(default_factory=list)  # ids not fetched when a failure stopped the command

    def to_dict(self) -> dict:
        """The --json report (efmcat.reports): present papers are unchanged; invalid and
        not-found inputs failed."""
        from efmcat.reports import change_report

        return change_report(
            added=[p.id for p in self.added],
            updated=[p.id for p in self.updated],
            unchanged=self.present + self.unchanged,
            failed=[(b.text, b.message) for b in self.invalid]
            + [(i, "not found on arXiv") for i in self.not_found],
            merged=[{"id": old, "paper": pid} for old, pid in self.merged],
            not_done=self.not_done,
        )

    @property
    def ok(self) -> bool:
        """Every input was added (or updated) or already present."""
        return not self.not_found and not self.invalid

    def summary(self) -> str:
        parts = [f"{len(self.added)} added"]
        if self.updated:
            parts.append(f"{len(self.updated)} updated")
        if self.unchanged:
            parts.append(f"{len(self.unchanged)} unchanged")
        parts += [
            f"{len(self.present)} already present",
            f"{len(self.not_found)} not found",
            f"{len(self.invalid)} invalid",
        ]
        return ", ".join(parts) + "."


ARXIV_ORIGIN = "arXiv API"  # the provenance of the fields a fetch writes


@dataclass
class Change:
    id: str
    old: str
    new: str


@dataclass
class RefreshReport:
    checked: int = 0
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    new_versions: list[Change] = field(default_factory=list)
    retitled: list[Change] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not arXiv papers
    requests: int = 0
    chosen: list[str] = field(default_factory=list)  # the ids asked of arXiv
    not_done: list[str] = field(default_factory=list)  # ids not fetched when a failure stopped the command

    def to_dict(self) -> dict:
        """The --json report (efmcat.reports): updated, unchanged, not found as failed."""
        from efmcat.reports import change_report

        done = set(self.updated) | set(self.not_found) | set(self.not_done)
        return change_report(
            updated=self.updated,
            unchanged=[i for i in self.chosen if i not in done],
            failed=[(i, "not found on arXiv") for i in self.not_found],
            new_versions=[c.__dict__ for c in self.new_versions],
            retitled=[c.__dict__ for c in self.retitled],
            skipped=self.skipped,
            not_done=self.not_done,
        )

    @property
    def ok(self) -> bool:
        return not self.not_found

    def summary(self) -> str:
        return (
            f"Refreshed {self.checked} paper{'s' if self.checked != 1 else ''}: {len(self.updated)} updated, "
            f"{self.unchanged} unchanged, {len(self.new_versions)} new version"
            f"{'s' if len(self.new_versions) != 1 else ''}, {len(self.retitled)} changed title"
            f"{'s' if len(self.retitled) != 1 else ''}, {len(self.not_found)} not found."
        )


# -- inputs ---------------------------------------------------------------------------------
_COMMENT = re.compile(r"\s#")


def read_id_lines(text: str) -> list[str]:
    """Ids from a file's text: one per line; blank lines and ``#`` comments are skipped (a
    comment after an id follows a space or a tab: a URL's ``#`` fragment is the URL's)."""
    out = []
    for line in text.splitlines():
        s = _COMMENT.split(line, 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if s:
            out.append(s)
    return out


def parse_inputs(texts: Iterable[str]) -> tuple[list[ArxivId], list[InvalidInput]]:
    """Every input parsed: (unique ids in input order, the inputs that are not arXiv ids)."""
    ids: dict[str, ArxivId] = {}
    invalid: list[InvalidInput] = []
    for text in texts:
        parsed = try_parse_arxiv_id(text)
        if parsed is None:
            shown = text.strip() if isinstance(text, str) else repr(text)
            invalid.append(InvalidInput(shown, f"not an arXiv id: {shown}"))
        else:
            ids.setdefault(parsed.id, parsed)
    return list(ids.values()), invalid


def validate_nodes(nodes: Sequence[str], taxonomy: Taxonomy | None = None) -> list[str]:
    """``--tag`` nodes as taxonomy ids with the areas they imply (UnknownNodeError otherwise)."""
    if not nodes:
        return []
    taxonomy = taxonomy or load_taxonomy()
    return taxonomy.resolve(nodes)


@functools.cache
def _curated_from(seeds: Path) -> dict[str, tuple[str, ...]]:
    from efmcat.formats.seeds import read_seeds

    out: dict[str, tuple[str, ...]] = {}
    for f in sorted(p for p in seeds.glob("*.yaml") if p.is_file()):
        _, papers = read_seeds(f)
        for sp in papers:
            if sp.tags:
                out[sp.paper.id] = tuple(sp.tags)
    return out


def curated_tags(seeds: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Curated tags of the shipped seeds by paper id (empty without seeds)."""
    if seeds is None:
        from efmcat import paths

        seeds = paths.seeds_dir()
    if seeds is None or not Path(seeds).is_dir():
        return {}
    return _curated_from(Path(seeds).resolve())


@contextmanager
def client_session(client: ArxivClient | None, report: object) -> Iterator[ArxivClient]:
    """The given client, or a new one from the environment closed afterwards. An error (or
    Ctrl-C) leaves with ``.report`` set to ``report``: what was done before it."""
    own = client is None
    if client is None:
        from efmcat.arxiv import ArxivClient

        client = ArxivClient()
    try:
        yield client
    except (EfmcatError, KeyboardInterrupt) as exc:  # Ctrl-C too: earlier batches are stored
        exc.report = report  # type: ignore[attr-defined]
        raise
    finally:
        if own:
            client.close()


def _batches(items: Sequence[ArxivId], size: int) -> list[list[ArxivId]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


# -- add --------------------------------------------------------------------------------------
def add_papers(
    catalog: Catalog,
    inputs: Iterable[str],
    *,
    tags: Sequence[str] = (),
    force: bool = False,
    client: ArxivClient | None = None,
    taxonomy: Taxonomy | None = None,
    seeds: Path | None = None,
    batch_size: int = 100,
    progress: Progress | None = None,
) -> AddReport:
    """Fetch the papers named by ``inputs`` from arXiv, tag them and store them.

    Invalid inputs and papers arXiv does not know are reported, not raised; a network or
    API failure raises (with ``.report`` holding what was stored before it)."""
    report = AddReport()
    ids, report.invalid = parse_inputs(inputs)
    taxonomy = taxonomy or load_taxonomy()
    manual = manual_scores(taxonomy, tags)
    present = catalog.existing_ids(i.id for i in ids)
    if force:
        wanted = ids
    else:
        wanted = [i for i in ids if i.id not in present]
        report.present = [i.id for i in ids if i.id in present]
    if not wanted:
        return report
    curated: dict[str, tuple[str, ...]] | None = None

    def store(papers: list[Paper]) -> None:
        nonlocal curated
        if curated is None and papers:
            # Read the seeds (seconds of YAML) only once arXiv has answered: offline, the
            # command fails at once instead of after parsing them.
            curated = curated_tags(seeds)
        _store_batch(catalog, papers, present, curated or {}, manual, taxonomy, report)

    _fetch_in_batches(wanted, store, report, client=client, batch_size=batch_size, progress=progress)
    return report


def _fetch_in_batches(
    wanted: Sequence[ArxivId],
    store: Callable[[list[Paper]], None],
    report: AddReport | RefreshReport,
    *,
    client: ArxivClient | None,
    batch_size: int,
    progress: Progress | None,
) -> None:
    """Fetch ``wanted`` in id_list batches and ``store`` each batch (its own transaction).

    Ids arXiv leaves out go to ``report.not_found``; an error raises with ``.report``
    holding what was stored before it."""
    from efmcat.arxiv import MAX_BATCH

    batches = _batches(list(wanted), max(1, min(batch_size, MAX_BATCH)))
    done = 0
    with client_session(client, report) as session:
        try:
            if progress:
                progress(0, len(batches))
            for batch in batches:
                before = session.requests_made
                result = session.fetch_batch(batch)
                report.requests += session.requests_made - before
                store(result.papers)
                report.not_found.extend(result.missing)
                done += 1
                if progress:
                    progress(done, len(batches))
        except BaseException:  # a failure or Ctrl-C: what it left unfetched, for the report
            report.not_done = [i.id for batch in batches[done:] for i in batch]
            raise


def _store_batch(
    catalog: Catalog,
    papers: list[Paper],
    present: set[str],
    curated: dict[str, tuple[str, ...]],
    manual: Mapping[str, float],
    taxonomy: Taxonomy,
    report: AddReport,
) -> None:
    now = utcnow()
    added: list[Paper] = []
    updated: list[Paper] = []
    unchanged: list[str] = []
    with catalog.transaction():
        for paper in papers:
            status = catalog.upsert_paper(paper, fetched_at=now, origin=ARXIV_ORIGIN)
            catalog.add_source(paper.id, "arxiv", title=paper.title, link=paper.url)
            if status == "added" and paper.id not in present:
                added.append(paper)
            elif status == "updated":  # as stored: the fields the user edited are theirs
                updated.append(catalog.get_paper(paper.id) or paper)
            else:
                unchanged.append(paper.id)
            for node in taxonomy.with_ancestors(curated.get(paper.id, ())):
                if node in taxonomy:
                    catalog.set_tag(paper.id, node, "curated", 1.0)
            for node, score in manual.items():  # named 1.0, the areas they imply IMPLIED
                catalog.set_tag(paper.id, node, "manual", score)
        if papers:
            tag_papers(catalog, [p.id for p in papers])
        merged = absorb_title_twins(catalog, [p.id for p in added]) if added else []
    # Only once the transaction has committed does the report claim these papers.
    report.added.extend(added)
    report.updated.extend(updated)
    report.unchanged.extend(unchanged)
    report.merged.extend(merged)


# -- refresh ----------------------------------------------------------------------------------
def select_for_refresh(
    catalog: Catalog,
    ids: Sequence[str] | None = None,
    *,
    all_: bool = False,
    older_than: float | None = None,
) -> tuple[list[str], list[str]]:
    """(arXiv ids to refresh, non-arXiv ids skipped). Named ids must be in the catalog."""
    if ids and all_:
        raise UsageError("give paper ids or --all (not both)")
    if not ids and not all_ and older_than is None:
        raise UsageError("give paper ids, --all or --older-than DAYS")
    if older_than is not None and not 0 <= older_than <= 3_650_000:  # also nan; 10,000 years
        raise UsageError(f"--older-than must be a number of days from 0 to 3650000, not {older_than}")
    skipped: list[str] = []
    if ids:
        from efmcat.personal import resolve_ids

        chosen = resolve_ids(catalog, ids)
        not_arxiv = [i for i in chosen if try_parse_arxiv_id(i) is None]
        if not_arxiv:
            raise InvalidIdError(
                f"not an arXiv paper (refresh re-pulls arXiv metadata): {', '.join(not_arxiv)}"
            )
    else:
        # Never fetched first, then the longest unfetched: a run that failed half-way (or a
        # deadline that cuts every run short) goes on where it stopped when run again.
        order = "ORDER BY fetched_at IS NOT NULL, fetched_at, n"
        chosen = [r[0] for r in catalog.conn.execute(f"SELECT id FROM papers {order}")]
        skipped = [i for i in chosen if try_parse_arxiv_id(i) is None]
        left_out = set(skipped)
        chosen = [i for i in chosen if i not in left_out]
    if older_than is not None:
        cutoff = (datetime.now(timezone.utc) - timedelta(days=older_than)).replace(microsecond=0)
        cutoff_s = cutoff.isoformat().replace("+00:00", "Z")
        stale = {
            r[0]
            for r in catalog.conn.execute(
                "SELECT id FROM papers WHERE fetched_at IS NULL OR fetched_at <= ?", (cutoff_s,)
            )
        }
        chosen = [i for i in chosen if i in stale]
    return chosen, skipped


def refresh_papers(
    catalog: Catalog,
    ids: Sequence[str] | None = None,
    *,
    all_: bool = False,
    older_than: float | None = None,
    client: ArxivClient | None = None,
    batch_size: int = 100,
    progress: Progress | None = None,
) -> RefreshReport:
    """Re-pull arXiv metadata: new versions and titles are recorded, empty fields filled;
    notes and manual/curated tags stay; the auto-tagger re-runs on what changed."""
    report = RefreshReport()
    chosen, report.skipped = select_for_refresh(catalog, ids, all_=all_, older_than=older_than)
    report.chosen = list(chosen)
    if not chosen:
        return report
    wanted = [ArxivId(i) for i in chosen]

    def store(papers: list[Paper]) -> None:
        _refresh_batch(catalog, papers, report)

    _fetch_in_batches(wanted, store, report, client=client, batch_size=batch_size, progress=progress)
    return report


def _refresh_batch(catalog: Catalog, papers: list[Paper], report: RefreshReport) -> None:
    now = utcnow()
    updated: list[str] = []
    versions: list[Change] = []
    titles: list[Change] = []
    unchanged = 0
    with catalog.transaction():
        for paper in papers:
            old = catalog.get_paper(paper.id)
            status = catalog.upsert_paper(paper, fetched_at=now, origin=ARXIV_ORIGIN)
            catalog.add_source(paper.id, "arxiv", title=paper.title, link=paper.url)
            if status == "updated":
                updated.append(paper.id)
            else:
                unchanged += 1
            if old.version is not None and paper.version is not None and paper.version != old.version:
                versions.append(Change(paper.id, f"v{old.version}", f"v{paper.version}"))
            if " ".join(old.title.split()) != paper.title and "title" not in old.user_fields:
                titles.append(Change(paper.id, old.title, paper.title))
        if updated:
            tag_papers(catalog, updated)
    report.checked += len(papers)
    report.updated.extend(updated)
    report.unchanged += unchanged
    report.new_versions.extend(versions)
    report.retitled.extend(titles)
