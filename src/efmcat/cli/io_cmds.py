"""Commands: import (Markdown lists, BibTeX, YAML seeds, arXiv metadata JSONL) and check."""

from pathlib import Path
from typing import Annotated

import typer

from efmcat.cli._app import (
    IMPORT_EXPORT,
    DbOption,
    JsonOption,
    ReportOption,
    TaxonomyOption,
    command,
    open_catalog,
    say,
    warn,
)
from efmcat.render import count, dumps_json, write_text

_SHOW = 20  # changes and problems listed in a plain report before "... and N more"


@command("import", rich_help_panel=IMPORT_EXPORT)
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help="Files to import (Markdown, .bib, .yaml, .jsonl); - reads stdin."
        ),
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="auto (by extension and content; stdin by content), md, bibtex, yaml, json or jsonl.",
        ),
    ] = "auto",
    fetch: Annotated[
        bool, typer.Option("--fetch", help="Fill missing authors and abstracts from arXiv.")
    ] = False,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", metavar="NODE", help="Tag every imported paper with NODE (repeatable)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    as_json: ReportOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Import paper lists, BibTeX, seeds YAML or arXiv JSONL.

    All files are imported in one transaction: a file that cannot be parsed imports
    nothing and the error names its line. Importing the same file twice changes nothing.

    Example: efmcat import README.md --tag quantization --dry-run
    """
    from efmcat.cli.progress import progress_bar
    from efmcat.importer import import_files

    with open_catalog(db, writes=not dry_run) as catalog, progress_bar("Importing") as progress:
        report = import_files(
            catalog, files, fmt=fmt, fetch=fetch, tags=tag, dry_run=dry_run, progress=progress
        )
    if as_json:
        write_text(dumps_json(report.to_dict()) + "\n")
        _warn_unfetched(report)
        return
    for fr in report.files:
        say(
            f"{fr.path} ({fr.format}): {count(fr.rows, 'row')}, {count(fr.papers, 'paper')}, {count(fr.arxiv, 'arXiv id')}, "
            f"{count(fr.non_arxiv, 'non-arXiv link')}, {count(fr.duplicates, 'duplicate')} merged"
        )
        if fr.by_title:
            n = len(fr.by_title)
            say(
                f"{fr.path}: {n} {'entry' if n == 1 else 'entries'} without an arXiv id matched a paper by title:"
            )
            for line, own, pid in fr.by_title[:_SHOW]:
                say(f"  line {line}: {own} -> {pid}")
            if len(fr.by_title) > _SHOW:
                say(f"  ... and {len(fr.by_title) - _SHOW} more (--json lists them all)")
        for old, pid in fr.absorbed[:_SHOW]:
            verb = "would merge" if report.dry_run else "merged"
            say(f"{fr.path}: {verb} {old} into {pid}, its arXiv paper (same title)")
        if len(fr.absorbed) > _SHOW:
            say(f"{fr.path}: ... and {len(fr.absorbed) - _SHOW} more merged (--json lists them all)")
        for line, link in fr.malformed[:_SHOW]:
            warn(f"{fr.path}:{line}: malformed arXiv link {link}")
        for line, why in fr.skipped[:_SHOW]:
            warn(f"{fr.path}:{line}: skipped: {why}")
        hidden = max(0, len(fr.malformed) - _SHOW) + max(0, len(fr.skipped) - _SHOW)
        if hidden:
            warn(f"{fr.path}: {hidden} more lines malformed or skipped (--json lists them all)")
    if report.fetched:
        say(f"Fetched metadata of {count(report.fetched, 'paper')} from arXiv.")
    if report.keys_not_kept:
        shown = ", ".join(f"{key} ({pid})" for pid, key in report.keys_not_kept[:_SHOW])
        more = len(report.keys_not_kept) - _SHOW
        say(
            f"Note: {count(len(report.keys_not_kept), '.bib key')} not kept, as this catalog cites other papers "
            f"by them (export --format bibtex gives these papers their own): {shown}"
            + (f" and {more} more (--json lists them all)" if more > 0 else "")
        )
    verb = "Would add" if report.dry_run else "Added"
    say(
        f"{verb} {count(report.added, 'paper')}, {'would update' if report.dry_run else 'updated'} {report.updated}, "
        f"{report.unchanged} unchanged; {count(report.tags_added, 'tag')}."
    )
    if report.dry_run:
        for status, pid, title in report.changes[:_SHOW]:
            say(f"  {status:7} {pid}  {title}")
        more = report.added + report.updated - min(len(report.changes), _SHOW)
        if more > 0:
            say(f"  ... and {more} more")
        say("Dry run: nothing was written.")
    _warn_unfetched(report)


def _warn_unfetched(report) -> None:
    """--fetch could not reach arXiv: the list was imported anyway; say how to fetch later.
    Or arXiv does not know some ids: the list's text is all they have."""
    if report.not_found:
        shown = ", ".join(report.not_found[:_SHOW]) + (" ..." if len(report.not_found) > _SHOW else "")
        warn(
            f"not found on arXiv: {count(len(report.not_found), 'id')} of the list ({shown}); "
            "kept with the list's title only: check their links"
        )
    if report.fetch_error:
        verb = "would be imported" if report.dry_run else "imported"
        warn(
            f"{report.fetch_error}; {count(len(report.unfetched), 'paper')} {verb} without their "
            f"arXiv metadata: run `{report.refresh_hint()}` later"
        )


@command("check", rich_help_panel=IMPORT_EXPORT)
def check(
    as_json: JsonOption = False,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe merges; report the rest.")] = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Find duplicates, wrong ids and conflicting titles.

    The mistakes hand-made lists carry.

    Exit status 1 when problems (errors or warnings) remain.

    Example: efmcat check --json
    """
    from efmcat.check import check_catalog
    from efmcat.cli.progress import progress_bar

    with open_catalog(db, create=False) as catalog, progress_bar("Checking", unit="checks") as progress:
        result = check_catalog(catalog, fix=fix, progress=progress)
    if as_json:
        write_text(dumps_json(result.to_dict()) + "\n")
    else:
        for f in result.findings:
            write_text(f"{f.severity.upper()} {f.kind}: {f.message}\n")
            for s in f.sources:
                title = f'  "{s["title"]}"' if s.get("title") else ""
                write_text(f"    {s['paper_id']}  {s['locator'] or s['source']}{title}\n")
        for m in result.fixed:
            write_text(f"FIXED {m}\n")
        say(result.summary())
    if result.problems:
        raise typer.Exit(1)
