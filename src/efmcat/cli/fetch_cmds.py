"""Commands: add, refresh (papers from the arXiv API).

The library (efmcat.fetch, efmcat.arxiv) is imported inside the commands: httpx and
feedparser must stay off the start-up path of every other command.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from efmcat.cli._app import (
    FETCH,
    DbOption,
    ReportOption,
    TaxonomyOption,
    command,
    err_console,
    open_catalog,
    say,
    stderr_is_terminal,
)
from efmcat.errors import EfmcatError
from efmcat.render import count, write_json, write_text


@contextmanager
def _stored_before_a_failure(
    verb: str, stored: Callable[[Any], int], show: Callable[[Any, bool], None], as_json: bool
) -> Iterator[None]:
    """On an error or Ctrl-C, the batches committed before it (the ``.report`` efmcat.fetch
    puts on the exception): shown as a finished command shows them, counted, then the error."""
    try:
        yield
    except (EfmcatError, KeyboardInterrupt) as exc:
        partial = getattr(exc, "report", None)
        if partial is not None and stored(partial):  # a part done: what, and what is left
            show(partial, as_json)
            say(f"{verb} {count(stored(partial), 'paper')} before the failure.")
            if partial.not_done:
                say(f"Not fetched: {count(len(partial.not_done), 'paper')} (run the command again for them).")
        raise


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr, shown only on a terminal and for more than one batch."""
    if not stderr_is_terminal():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("batches"),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
    )
    state: dict[str, int] = {}

    def update(done: int, total: int) -> None:
        if total <= 1:
            return
        if "task" not in state:
            bar.start()
            state["task"] = bar.add_task(label, total=total)
        bar.update(state["task"], completed=done)

    try:
        yield update
    finally:
        if "task" in state:
            bar.stop()


def _read_file(path: str) -> list[str]:
    from efmcat.fetch import read_id_lines
    from efmcat.inputs import read_text

    return read_id_lines(read_text(path)[0])


def _print_papers(papers) -> None:
    for p in papers:
        version = f"v{p.version}" if p.version else ""
        write_text(f"{p.id}{version}\t{p.year or ''}\t{p.title}\n")


@command("add", rich_help_panel=FETCH)
def add(
    ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="[ID_OR_URL...]", help="arXiv ids, arXiv URLs or arXiv DOIs."),
    ] = None,
    file: Annotated[
        str | None,
        typer.Option("--file", "-i", metavar="FILE", help="Read ids from FILE, one a line ('-' for stdin)."),
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", metavar="NODE", help="Also tag with NODE (repeatable).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Fetch papers already in the catalog again.")
    ] = False,
    as_json: ReportOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Fetch papers from arXiv, tag them and add them.

    Prints each added paper (id, year, title), or with --json one report object; messages
    and the summary go to stderr. Exit status 0 only if every input was added or already present.

    Example: efmcat add 2310.19102 https://arxiv.org/pdf/2306.00978v5.pdf arXiv:2211.10438
    """
    from efmcat.arxiv import ArxivClient
    from efmcat.errors import UsageError
    from efmcat.fetch import add_papers, parse_inputs, validate_nodes

    inputs = list(ids or [])
    if file is not None:
        inputs += _read_file(file)
    if not inputs:
        raise UsageError("give arXiv ids or URLs, or --file FILE")
    _, invalid = parse_inputs(inputs)
    for bad in invalid:
        say(f"Error: {bad.message}")
    validate_nodes(tag or [])  # unknown nodes fail before any request
    client = ArxivClient()  # a malformed EFMCAT_ARXIV_DELAY fails here, before the catalog opens
    stored = _stored_before_a_failure(
        "Stored", lambda r: len(r.added) + len(r.updated), _print_added, as_json
    )
    with (
        client,
        open_catalog(db, writes=True) as catalog,
        _progress_bar("Fetching from arXiv") as progress,
        stored,
    ):
        report = add_papers(catalog, inputs, tags=tag or [], force=force, client=client, progress=progress)
    for pid in report.present:
        say(f"Already in the catalog: {pid} (use --force to fetch it again)")
    for old, pid in report.merged:
        say(f"Merged {old} into {pid}, its arXiv paper (same title).")
    _say_not_found(report.not_found)
    _print_added(report, as_json)
    say(report.summary())
    if not report.ok:
        raise typer.Exit(1)


NOT_FOUND_SHOWN = 20  # ids arXiv did not know, listed before "... and N more"


def _say_not_found(ids: list[str]) -> None:
    """An error line per id arXiv did not know, the first NOT_FOUND_SHOWN of them: a
    ``refresh --all`` against a mirror that knows none said 2,255 lines."""
    for pid in ids[:NOT_FOUND_SHOWN]:
        say(f"Error: not found on arXiv: {pid}")
    if len(ids) > NOT_FOUND_SHOWN:
        say(f"Error: ... and {len(ids) - NOT_FOUND_SHOWN} more not found on arXiv (--json lists them all)")


def _print_added(report, as_json: bool) -> None:
    """What an add stored: the JSON report, or a line per added or updated paper."""
    if as_json:
        write_json(report.to_dict())
    else:
        _print_papers(report.added + report.updated)


def _print_refresh(report, as_json: bool) -> None:
    """What a refresh stored: the JSON report, or each new version and changed title."""
    if as_json:
        write_json(report.to_dict())
        return
    for c in report.new_versions:
        write_text(f"{c.id}\tnew version\t{c.old} -> {c.new}\n")
    for c in report.retitled:
        write_text(f"{c.id}\tnew title\t{c.old} -> {c.new}\n")


@command("refresh", rich_help_panel=FETCH)
def refresh(
    ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID...]", help="Papers to refresh (or --all).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Refresh every arXiv paper in the catalog.")] = False,
    older_than: Annotated[
        float | None,
        typer.Option("--older-than", metavar="DAYS", help="Only papers not fetched in the last DAYS days."),
    ] = None,
    as_json: ReportOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Re-pull arXiv metadata: new versions, changed titles.

    Fills empty fields too.

    Notes and manual tags are kept. Prints each new version and changed title.

    Example: efmcat refresh --all --older-than 30
    """
    from efmcat.arxiv import ArxivClient
    from efmcat.fetch import refresh_papers

    client = ArxivClient()
    stored = _stored_before_a_failure("Refreshed", lambda r: r.checked, _print_refresh, as_json)
    with (
        client,
        open_catalog(db, writes=True) as catalog,
        _progress_bar("Refreshing from arXiv") as progress,
        stored,
    ):
        report = refresh_papers(
            catalog, ids, all_=all_, older_than=older_than, client=client, progress=progress
        )
    _print_refresh(report, as_json)
    _say_not_found(report.not_found)
    if report.checked == 0 and not report.not_found:
        say("Nothing to refresh.")
        return
    say(report.summary())
    if not report.ok:
        raise typer.Exit(1)
