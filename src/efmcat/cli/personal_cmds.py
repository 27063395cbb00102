"""The researcher's own commands: rm, edit, note, status, star, open."""

import sys
from typing import Annotated

import typer

from efmcat.cli import _app
from efmcat.cli._app import WORKFLOW, DbOption, DryRunOption, ReportOption, command, open_catalog, say
from efmcat.errors import UsageError

IdsArgument = Annotated[
    list[str], typer.Argument(metavar="ID...", help="arXiv ids, arXiv URLs, DOIs or catalog ids.")
]
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="arXiv id, arXiv URL, DOI or catalog id.")]


def _report(**kw) -> None:
    """The --json report of a change (efmcat.reports) on stdout."""
    from efmcat.render import write_json
    from efmcat.reports import change_report

    write_json(change_report(**kw))


def _short(title: str, width: int = 60) -> str:
    title = " ".join(title.split())
    return title if len(title) <= width else title[: width - 1] + "…"


@command("rm", rich_help_panel=WORKFLOW)
def rm(
    paper_ids: IdsArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    dry_run: DryRunOption = False,
    as_json: ReportOption = False,
    db: DbOption = None,
) -> None:
    """Remove papers, with their tags, sources and notes.

    Asks for confirmation on a terminal; --yes skips it (needed when stdin is not a terminal).
    --dry-run lists what would be removed and asks nothing.

    Example: efmcat rm 2306.11695 --yes
    """
    from efmcat import personal
    from efmcat.render import count

    with open_catalog(db, create=False) as catalog:
        chosen = personal.papers(catalog, paper_ids)
        if dry_run:
            if as_json:
                _report(removed=[p.id for p in chosen], dry_run=True)
            else:
                for p in chosen:
                    say(f"  {p.id}  {_short(p.title)}")
                say(f"Would remove {count(len(chosen), 'paper')} (dry run: nothing was written).")
            return
        if not yes:
            if not _app.stdin_is_terminal():
                raise UsageError("not removing without confirmation: stdin is not a terminal; add --yes")
            for p in chosen:
                say(f"  {p.id}  {_short(p.title)}")
            if not typer.confirm(f"Remove {count(len(chosen), 'paper')}?", default=False, err=True):
                say("Nothing removed.")
                if as_json:
                    _report(unchanged=[p.id for p in chosen])
                return
        removed = personal.remove_papers(catalog, [p.id for p in chosen])
    if as_json:
        _report(removed=[p.id for p in removed])
        return
    say(f"Removed {count(len(removed), 'paper')}: {', '.join(p.id for p in removed)}.")


@command("edit", rich_help_panel=WORKFLOW)
def edit(
    paper_id: IdArgument,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="New title.")] = None,
    year: Annotated[int | None, typer.Option("--year", metavar="YEAR", help="New year.")] = None,
    venue: Annotated[
        str | None, typer.Option("--venue", metavar="TEXT", help='Where it appeared, e.g. "ICML 2023".')
    ] = None,
    abstract: Annotated[str | None, typer.Option("--abstract", metavar="TEXT", help="New abstract.")] = None,
    add_author: Annotated[
        list[str] | None,
        typer.Option("--add-author", metavar="NAME", help="Add an author at the end (repeatable)."),
    ] = None,
    remove_author: Annotated[
        list[str] | None,
        typer.Option("--remove-author", metavar="NAME", help="Remove an author (repeatable)."),
    ] = None,
    as_json: ReportOption = False,
    db: DbOption = None,
) -> None:
    """Correct a paper's record, in $EDITOR or with flags.

    Edited fields become yours: refresh, update and re-imports never overwrite them
    (`efmcat show` lists them). An invalid record is re-opened with the error on top;
    an emptied file cancels.

    Example: efmcat edit 2306.11695 --title "Wanda: A Simple and Effective Pruning Approach for LLMs"
    """
    from efmcat import edit as editing

    with open_catalog(db, create=False, writes=True) as catalog:
        flags = (title, year, venue, abstract, add_author, remove_author)
        if any(f is not None and f != [] for f in flags):
            result = editing.edit_fields(
                catalog, paper_id, title=title, year=year, venue=venue, abstract=abstract,
                add_authors=add_author or (), remove_authors=remove_author or (),
            )  # fmt: skip
        else:
            result = editing.edit_in_editor(
                catalog, paper_id, on_error=lambda m: say(f"Error: {m}; re-opening the editor.")
            )
    if as_json:
        changed = bool(result.changed) and not result.cancelled
        _report(
            updated=[result.id] if changed else [],
            unchanged=[] if changed else [result.id],
            fields=list(result.changed) if changed else [],
            retagged=bool(result.retagged) if changed else False,
            cancelled=bool(result.cancelled),
        )
    elif result.cancelled:
        say(f"Edit cancelled: {result.id} is unchanged.")
    elif not result.changed:
        say(f"No changes to {result.id}.")
    else:
        retag = " (re-tagged)" if result.retagged else ""
        say(f"Edited {result.id}: {', '.join(result.changed)}{retag}.")


@command("note", rich_help_panel=WORKFLOW)
def note(
    paper_id: IdArgument,
    text: Annotated[
        str | None,
        typer.Argument(metavar="[TEXT]", help='The note ("-" reads stdin); without it, $EDITOR opens.'),
    ] = None,
    append: Annotated[
        bool, typer.Option("--append", "-a", help="Add to the note instead of replacing it.")
    ] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Delete the note.")] = False,
    as_json: ReportOption = False,
    db: DbOption = None,
) -> None:
    """Write your note on a paper; search finds notes too.

    Example: efmcat note 2210.17323 "baseline for the 3-bit experiments"
    """
    from efmcat import personal

    if clear and text is not None:
        raise UsageError("give a note or --clear, not both")
    with open_catalog(db, create=False, writes=True) as catalog:
        if clear:
            (before,) = personal.papers(catalog, [paper_id])
            paper = personal.set_note(catalog, paper_id, None)
            if as_json:
                _note_report(before, paper)
            else:
                say(f"Note cleared on {paper.id}.")
            return
        # where the text came from, said if it is empty (None: the editor, whose text
        # emptied by hand is the note deleted)
        given = "standard input" if text == "-" else None if text is None else "the note text"
        if text == "-":  # read no further than a note can hold (and a little more, to say so)
            text = sys.stdin.read(personal.MAX_NOTE * 2 + 2)
            if len(text) == personal.MAX_NOTE * 2 + 2 and sys.stdin.read(1):  # more is left
                personal.check_note(text)  # longer than a note: said as set_note says it
        elif text is None:
            from efmcat.editor import edit_text

            (current,) = personal.papers(catalog, [paper_id])
            text = edit_text("" if append else (current.note or ""), suffix=".md")
        (before,) = personal.papers(catalog, [paper_id])  # an unknown id is said first
        if given and not append and not text.strip():
            # an empty shell variable ("$NOTE") or an empty pipe must not wipe a note
            raise UsageError(f"{given} is empty: to delete the note, use efmcat note {before.id} --clear")
        paper = personal.set_note(catalog, paper_id, text, append=append)
    if as_json:
        _note_report(before, paper)
        return
    if (before.note or None) == (paper.note or None):
        say(f"Note unchanged on {paper.id}.")
    else:
        say(f"Note saved on {paper.id}." if paper.note else f"Note cleared on {paper.id}.")


def _note_report(before, after) -> None:
    changed = (before.note or None) != (after.note or None)
    _report(
        updated=[after.id] if changed else [],
        unchanged=[] if changed else [after.id],
        note=after.note or None,
    )


@command("status", rich_help_panel=WORKFLOW)
def status(
    args: Annotated[
        list[str],
        typer.Argument(metavar="ID... STATUS", help="Papers, then to-read, reading, read, or none to clear."),
    ],
    dry_run: DryRunOption = False,
    as_json: ReportOption = False,
    db: DbOption = None,
) -> None:
    """Set the reading status: to-read, reading, read or none.

    Example: efmcat status 2210.17323 2306.00978 reading
    """
    from efmcat import personal
    from efmcat.render import count

    if len(args) < 2:
        raise UsageError("give paper ids, then a status: to-read, reading, read or none")
    *paper_ids, value = args
    with open_catalog(db, create=False) as catalog, catalog.dry_run(dry_run):
        before = {p.id: p.status for p in personal.papers(catalog, paper_ids)}
        ids = personal.set_status(catalog, paper_ids, value)
    new = None if value == "none" else value
    changed = [i for i in ids if before.get(i) != new]
    same = [i for i in ids if before.get(i) == new]
    if as_json:
        _report(updated=changed, unchanged=same, dry_run=dry_run, status=new)
        return
    what = f"status {value}" if value != "none" else "no status"
    told = []
    if changed:
        verb = "would be" if dry_run else "now"
        told.append(f"{count(len(changed), 'paper')} {verb} {what}: {', '.join(changed)}")
    if same:
        told.append(f"{', '.join(same)} had {what} already")
    say("; ".join(told) + (" (dry run: nothing was written)." if dry_run else "."))


@command("star", rich_help_panel=WORKFLOW)
def star(
    paper_ids: IdsArgument,
    unstar: Annotated[bool, typer.Option("--unstar", help="Remove the star instead.")] = False,
    dry_run: DryRunOption = False,
    as_json: ReportOption = False,
    db: DbOption = None,
) -> None:
    """Star papers; --unstar removes the star.

    `efmcat list --starred` shows them.

    Example: efmcat star 2205.14135
    """
    from efmcat import personal

    with open_catalog(db, create=False) as catalog, catalog.dry_run(dry_run):
        before = {p.id: bool(p.starred) for p in personal.papers(catalog, paper_ids)}
        ids = personal.set_starred(catalog, paper_ids, not unstar)
    changed = [i for i in ids if before.get(i) == unstar]
    same = [i for i in ids if before.get(i) != unstar]
    if as_json:
        _report(updated=changed, unchanged=same, dry_run=dry_run, starred=not unstar)
        return
    told = []
    if changed and dry_run:
        told.append(f"Would {'unstar' if unstar else 'star'} {', '.join(changed)}")
    elif changed:
        told.append(f"{'Unstarred' if unstar else 'Starred'} {', '.join(changed)}")
    if same and unstar:
        told.append(f"{', '.join(same)} had no star")
    elif same:
        told.append(f"{', '.join(same)} {'was' if len(same) == 1 else 'were'} starred already")
    say("; ".join(told) + (" (dry run: nothing was written)." if dry_run else "."))


@command("open", rich_help_panel=WORKFLOW)
def open_(
    paper_id: IdArgument,
    pdf: Annotated[bool, typer.Option("--pdf", help="The PDF instead of the abstract page.")] = False,
    print_: Annotated[bool, typer.Option("--print", help="Print the link instead of opening it.")] = False,
    db: DbOption = None,
) -> None:
    """Open a paper's page (or PDF) in the web browser.

    Example: efmcat open 2205.14135 --pdf --print
    """
    from efmcat import personal

    with open_catalog(db, create=False) as catalog:
        link = personal.open_paper(catalog, paper_id, pdf=pdf, browse=not print_)
    if print_:
        sys.stdout.write(link + "\n")
    else:
        say(f"Opened {link}")
