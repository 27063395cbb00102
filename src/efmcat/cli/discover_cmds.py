"""Commands: discover (issue 6): a ranked shortlist of what is new on arXiv.

The library (efmcat.discover, efmcat.arxiv) is imported inside the command: httpx and
feedparser must stay off the start-up path of every other command.
"""

from typing import Annotated

import typer

from efmcat.cli._app import (
    FETCH,
    DbOption,
    JsonOption,
    TaxonomyOption,
    command,
    open_catalog,
    say,
)
from efmcat.render import write_text


def _line(c) -> str:
    p = c.paper
    mark = "added" if c.added else ("in-catalog" if c.in_catalog else ("new" if c.in_field else "off-field"))
    day = (p.published or "")[:10]
    return f"{c.score:.2f}\t{p.id}\t{day}\t{mark}\t{','.join(c.areas)}\t{' '.join(p.title.split())}\n"


@command("discover", rich_help_panel=FETCH)
def discover(
    ids: Annotated[
        list[str] | None,
        typer.Argument(metavar="[ID...]", help="With --reject: the arXiv ids to reject."),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            "-q",
            metavar="QUERY",
            help="An arXiv search_query instead of the watch query built from the taxonomy.",
        ),
    ] = None,
    feed: Annotated[
        str | None,
        typer.Option(
            "--feed",
            metavar="FILE_OR_URL",
            help="Read an arXiv RSS/Atom listing feed (a saved file, - for stdin, or a URL).",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help="Start of the window, YYYY-MM-DD (default: 3 days before the end of the last run, else 7 days ago).",
        ),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score",
            metavar="SCORE",
            help="Only candidates scoring at least SCORE (with --add, default 3).",
        ),
    ] = None,
    area: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", "-t", "--area", metavar="NODE", help="Only candidates tagged NODE (repeatable)."
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", metavar="N", help="Show at most N candidates.")
    ] = None,
    add: Annotated[
        bool, typer.Option("--add", help="Add the shown candidates scoring at least --min-score.")
    ] = False,
    reject: Annotated[
        bool, typer.Option("--reject", help="Reject the given ids: they are never shown again.")
    ] = False,
    max_pages: Annotated[
        int, typer.Option("--max-pages", metavar="N", help="Read at most N result pages of 100.")
    ] = 5,
    json_: JsonOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Show what is new on arXiv in the field, ranked.

    Prints one candidate a line: score, id, submission date, new / in-catalog / added,
    likely areas, title. The run is remembered: the next one shows only what is new.

    Accept papers with --add (those scoring at least --min-score, default 3) or efmcat add
    ID; reject them with --reject ID... so that they never come back.

    Example: efmcat discover --since 2026-11-01 --tag quantization --limit 20
    """
    from efmcat.errors import UsageError

    if reject:
        if not ids:
            raise UsageError("give the arXiv ids to reject: efmcat discover --reject ID...")
        from efmcat.discover import reject as reject_ids

        with open_catalog(db, writes=True) as catalog:
            done, before = reject_ids(catalog, ids)
        if done:
            say(f"Rejected {len(done)} paper{'s' if len(done) != 1 else ''}: {', '.join(done)}")
        if before:
            say(f"Already rejected: {', '.join(before)}")
        return
    if ids:
        raise UsageError("ids are for --reject; to accept papers use --add or efmcat add ID")

    from efmcat.arxiv import ArxivClient
    from efmcat.discover import discover as run_discover

    client = ArxivClient()  # a malformed EFMCAT_ARXIV_DELAY fails here, before the catalog opens
    with client, open_catalog(db, writes=add) as catalog:  # --add: read-only said before arXiv
        report = run_discover(
            catalog,
            query=query,
            feed=feed,
            since=since,
            min_score=min_score,
            areas=area or [],
            limit=limit,
            add=add,
            client=client,
            max_pages=max_pages,
        )
    if json_:
        from efmcat.render import write_json

        write_json([c.to_json() for c in report.candidates])
    else:
        for c in report.candidates:
            write_text(_line(c))
    if report.empty_at is not None:
        say(
            f"Warning: arXiv sent an empty page at result {report.empty_at} (asked three times); "
            "older papers of the window were not read: the next run starts where this one did."
        )
    elif not report.complete:
        say(
            f"Warning: stopped after {report.pages} page{'s' if report.pages != 1 else ''} (--max-pages); "
            "older papers of the window were not read: the next run starts where this one did."
        )
    for pid in report.not_found:
        say(f"Error: not found on arXiv: {pid} (not added; the next run shows it again)")
    if not report.remembered:
        say("Not remembered: the catalog is read-only, so the next run shows these papers again.")
    say(report.summary())
    if report.not_found:
        raise typer.Exit(1)
