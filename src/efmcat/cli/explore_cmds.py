"""Exploring the catalog: similar, sql, browse."""

import sys
from typing import Annotated

import typer

from efmcat.cli._app import CATALOG, DbOption, JsonOption, command, open_catalog, say, stdout_is_terminal
from efmcat.errors import UsageError


@command("similar", rich_help_panel=CATALOG)
def similar(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id, arXiv URL, DOI or catalog id.")],
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", help="At most N papers.")] = 10,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Papers most like one paper, and the terms they share.

    Offline; each result says the terms and tags it shares with the paper.

    Example: efmcat similar 2306.14048 --limit 5
    """
    from efmcat import render
    from efmcat.similar import similar_papers

    with open_catalog(db, create=False) as catalog:
        result = similar_papers(catalog, paper_id, limit=limit)
    if as_json:
        render.write_json(result.hits)
        return
    if not result.hits:
        say(f"No papers like {result.paper.id} in the catalog.")
        return
    say(f"Papers like {result.paper.id}: {' '.join(result.paper.title.split())}")
    render.emit_similar(result.hits, terminal=stdout_is_terminal())


@command("sql", rich_help_panel=CATALOG)
def sql(
    query: Annotated[str, typer.Argument(metavar="SQL", help="One SELECT (or WITH) statement.")],
    fmt: Annotated[
        str | None,  # None: not given, so --json with an explicit --format table is a conflict
        typer.Option(
            "--format", "-f", metavar="FORMAT", help="table (default), csv, json or nl (JSON lines)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: the same as --format json.")] = False,
    db: DbOption = None,
) -> None:
    """Run a read-only SQL query over the catalog.

    The schema is in the README.

    Example: efmcat sql "SELECT year, count(*) AS papers FROM papers GROUP BY year"
    """
    from efmcat.sqlquery import run_query

    if as_json and fmt not in (None, "json"):
        raise UsageError(f"--json and --format {fmt} ask for two formats: give one")
    fmt = "json" if as_json else fmt or "table"
    with open_catalog(db, create=False) as catalog:  # the default catalog is made on first use
        path = catalog.path
    run_query(path, query, fmt)


@command("browse", rich_help_panel=CATALOG)
def browse(
    port: Annotated[
        int, typer.Option("--port", "-p", metavar="PORT", min=1, max=65535, help="Port on 127.0.0.1.")
    ] = 8001,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in the web browser.")] = False,
    folder: Annotated[
        str | None,  # not a Path: '' would read as '.', the current folder
        typer.Option("--dir", metavar="DIR", help="Where to write the snapshot (default: the cache dir)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Browse the catalog in Datasette, as a local web page.

    Served on 127.0.0.1, read-only: search, facets, canned queries.

    Needs the web extra: pip install "efmcat[web]".

    Example: efmcat browse --port 8001
    """
    from efmcat import web
    from efmcat.paths import cache_dir

    web.require_datasette()
    web.check_port(port)
    with open_catalog(db, create=False) as catalog:  # made on first use; older schemas upgraded
        path = catalog.path
    site = web.prepare(path, folder if folder is not None else cache_dir() / "browse")
    from efmcat.render import count

    say(f"Serving {count(site.papers, 'paper')} from {path} at http://{web.HOST}:{port}/{web.DB_NAME}/papers")
    say("Read-only snapshot; press Ctrl-C to stop.")
    code = web.serve(site, port, open_browser=open_browser)
    if code:
        raise typer.Exit(code)
    sys.stdout.flush()
