"""Commands over the catalog: search, show, list, stats, taxonomy, export, build, path."""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated

import typer

from efmcat.cli._app import (
    CATALOG,
    FETCH,
    IMPORT_EXPORT,
    SETUP,
    DbOption,
    JsonOption,
    QueryCommand,
    ReportOption,
    TaxonomyOption,
    command,
    db_choice,
    open_catalog,
    out_console,
    say,
    stdout_is_terminal,
    text_width,
)
from efmcat.render import count, write_text

TagOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", "-t", metavar="NODE", help="Only papers tagged with this node or its subtopics (repeatable)."
    ),
]
YearOption = Annotated[int | None, typer.Option("--year", metavar="YEAR", help="Only papers of this year.")]
SinceOption = Annotated[
    int | None, typer.Option("--since", metavar="YEAR", help="Only papers of this year or later.")
]
UntilOption = Annotated[
    int | None, typer.Option("--until", metavar="YEAR", help="Only papers of this year or earlier.")
]
AuthorOption = Annotated[
    str | None, typer.Option("--author", metavar="NAME", help="Only papers with an author matching NAME.")
]
SourceOption = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        "-s",
        metavar="SOURCE",
        help="Only papers listed in this source, e.g. survey, horseee (repeatable; see `efmcat sources`).",
    ),
]
SectionOption = Annotated[
    str | None,
    typer.Option(
        "--section", metavar="TEXT", help="Only papers listed under a section heading containing TEXT."
    ),
]
KindOption = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        metavar="KIND",
        help="paper (default), repo, blog, slides, post, page, report, or any (repeatable).",
    ),
]
StatusOption = Annotated[
    str | None,
    typer.Option(
        "--status",
        metavar="STATUS",
        help="Only papers with this reading status: to-read, reading, read, unread (not read) or none (no status).",
    ),
]
StarredOption = Annotated[bool, typer.Option("--starred", help="Only starred papers.")]


def _emit_papers(
    records: Iterable[dict], as_json: bool, *, with_score: bool = False, empty: str | Callable[[], str]
) -> None:
    from efmcat import render

    render.emit_papers(
        records, as_json, with_score=with_score, empty=empty, say=say, terminal=stdout_is_terminal()
    )


def _note_authorless(catalog, author: str | None) -> None:
    """After papers filtered by --author: how many entries it could not look at."""
    from efmcat.searchsql import authorless_note

    if note := authorless_note(catalog.conn, author):
        say(note)


@command("search", rich_help_panel=CATALOG, cls=QueryCommand)
def search(
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="QUERY",
            help='Words (ANDed; several arguments are one query), "quoted phrases", prefix*, OR, -exclude.',
        ),
    ],
    tag: TagOption = None,
    year: YearOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    author: AuthorOption = None,
    source: SourceOption = None,
    section: SectionOption = None,
    kind: KindOption = None,
    status: StatusOption = None,
    starred: StarredOption = False,
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", help="At most N results.")] = 20,
    as_json: JsonOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Search titles, abstracts, authors and notes; best first.

    Example: efmcat search "post-training quantization" --since 2023
    """
    from efmcat.browse import iter_search_records
    from efmcat.query import join_words

    query = join_words(words)
    with open_catalog(db, create=False) as catalog:
        records = iter_search_records(
            catalog, query, tags=tag, year=year, since=since, until=until, author=author, limit=limit,
            sources=source, section=section, kinds=kind, status=status, starred=starred, brief=not as_json,
        )  # fmt: skip
        filtered = any((tag, year, since, until, author, source, section, kind, status, starred))

        def empty() -> str:
            from efmcat.suggest import no_match_message

            return no_match_message(catalog.conn, query, filtered)

        _emit_papers(records, as_json, with_score=True, empty=empty)
        _note_authorless(catalog, author)


@command("show", rich_help_panel=CATALOG)
def show(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id, arXiv URL, DOI or catalog id.")],
    as_json: JsonOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Show a paper: its metadata, tags and where it is listed.

    Example: efmcat show https://arxiv.org/abs/2210.17323v2
    """
    from efmcat import render
    from efmcat.browse import show_record
    from efmcat.ids import parse_paper_id, try_parse_arxiv_id

    wanted = parse_paper_id(paper_id)  # a bad id is reported before the catalog is opened
    with open_catalog(db, create=False) as catalog:
        record = show_record(catalog, wanted)
    asked = try_parse_arxiv_id(paper_id.strip())
    held = record.get("version")  # None in the shipped catalog: its records name no version
    if asked is not None and asked.version and held and asked.version != held:
        # one entry per paper, whatever version was asked for: say which one this is
        say(f"Note: the catalog keeps one entry per paper: {record['id']}v{held}, not v{asked.version}.")
    if as_json:
        render.write_json(record)
    else:
        write_text(render.show_plain(record, record.get("sources", []), width=text_width()))


@command("list", rich_help_panel=CATALOG)
def list_(
    tag: TagOption = None,
    year: YearOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    author: AuthorOption = None,
    source: SourceOption = None,
    section: SectionOption = None,
    kind: KindOption = None,
    status: StatusOption = None,
    starred: StarredOption = False,
    sort: Annotated[
        str, typer.Option("--sort", metavar="ORDER", help="year (newest first), title, added or id.")
    ] = "year",
    limit: Annotated[int | None, typer.Option("--limit", "-n", metavar="N", help="At most N papers.")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """List papers, filtered by tag, year, source, status or star.

    Example: efmcat list --tag memory --since 2024 --sort title
    """
    from efmcat.browse import iter_list_records

    with open_catalog(db, create=False) as catalog:
        filters = dict(
            tags=tag, year=year, since=since, until=until, author=author, sources=source, section=section,
            status=status, starred=starred,
        )  # fmt: skip
        records = iter_list_records(catalog, **filters, sort=sort, limit=limit, kinds=kind, brief=not as_json)

        def empty() -> str:  # a starred repo, a noted blog post: say they are there
            if (
                kind
                or next(iter_list_records(catalog, **filters, kinds=["any"], limit=1, brief=True), None)
                is None
            ):
                return "No papers."
            return "No papers. Entries of other kinds (repos, posts, ...) match: --kind any shows them."

        _emit_papers(records, as_json, empty=empty)
        _note_authorless(catalog, author)


@command("stats", rich_help_panel=CATALOG)
def stats(
    source: SourceOption = None,
    kind: KindOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Papers per area and per year, drawn as bar charts.

    Example: efmcat stats --source survey
    """
    from efmcat import render
    from efmcat.browse import catalog_stats, check_kinds

    kinds = check_kinds(kind)
    with open_catalog(db, create=False) as catalog:
        st = catalog_stats(catalog, sources=source, kinds=kinds)
    if as_json:
        render.write_json(
            {
                "papers": st.papers,
                "untagged": st.untagged,
                "areas": dict(st.per_area),
                "years": dict(st.per_year),
            }
        )
        return
    out = [
        # with another --kind than paper the counts hold repos, posts and pages: entries
        (render.count(st.papers, "paper") if kinds == ("paper",) else count(st.papers, "entry", "entries"))
        + (f", {st.untagged} untagged" if st.untagged else ""),
        "",
        "Papers per area",
    ]
    bar = "█" if stdout_is_terminal() else "#"  # a pipe or a file gets plain ASCII bars
    out += ["  " + line for line in render.bar_chart(st.per_area, char=bar)]
    out += ["", "Papers per year"]
    out += ["  " + line for line in render.bar_chart(st.per_year, char=bar)]
    write_text("\n".join(out) + "\n")


@command("update", rich_help_panel=FETCH)
def update(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change; write nothing.")] = False,
    as_json: ReportOption = False,
    db: DbOption = None,
) -> None:
    """Merge the newly shipped catalog into yours.

    New papers and fixed metadata arrive; your notes, manual tags, imports and edits stay.

    Example: efmcat update --dry-run
    """
    from efmcat import render
    from efmcat.errors import CatalogError
    from efmcat.paths import shipped_catalog
    from efmcat.update import update_catalog

    shipped = shipped_catalog()
    if shipped is None:
        raise CatalogError("this efmcat has no shipped catalog to update from")
    from efmcat.cli.progress import progress_bar

    with open_catalog(db, create=False, notice=False) as catalog, progress_bar("Updating") as progress:
        report = update_catalog(catalog, shipped, dry_run=dry_run, progress=progress)
    if as_json:
        render.write_json(report.to_dict())
    else:
        for change in report.changes[:20]:
            detail = (
                change.get("title")
                or ", ".join(change.get("fields", []))
                or change.get("old_id")
                or change.get("reason", "")
            )
            say(f"  {change['change']:<8} {change['id']}  {detail}")
        if len(report.changes) > 20:
            say(f"  ... and {len(report.changes) + report.changes_left_out - 20} more")
        say(report.summary())


@command("sources", rich_help_panel=CATALOG)
def sources(
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The sources papers are listed in, with counts.

    The survey, the curated lists and your imports.

    Example: efmcat sources
    """
    from efmcat import render
    from efmcat.browse import source_list

    with open_catalog(db, create=False) as catalog:
        rows = source_list(catalog)
    if as_json:
        render.write_json(rows)
        return
    if not rows:
        say("No sources.")
        return
    if not stdout_is_terminal():  # in a pipe: tab-separated, as every listing (a name may hold spaces)
        write_text("".join(f"{r['source']}\t{r['papers']}\t{r['others']}\n" for r in rows))
        return
    width = max(len(r["source"]) for r in rows)
    write_text(
        "".join(
            f"{r['source']:<{width}}  {r['papers']:>6}"
            + (
                f"  (and {count(r['others'], 'other entry', 'other entries')}: --kind any)"
                if r["others"]
                else ""
            )
            + "\n"
            for r in rows
        )
    )


@command("taxonomy", rich_help_panel=CATALOG)
def taxonomy(
    as_json: JsonOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """The taxonomy tree with the number of papers under each node.

    Example: efmcat taxonomy
    """
    from efmcat import render
    from efmcat.browse import area_paper_counts
    from efmcat.taxonomy import load_taxonomy

    tax = load_taxonomy()
    with open_catalog(db, create=False) as catalog:
        counts = area_paper_counts(catalog, tax)
    if as_json:
        render.write_json(
            [
                {
                    "id": a.id,
                    "name": a.name,
                    "core": a.core,
                    "description": a.description,
                    "papers": counts.get(a.id, 0),
                    "children": [
                        {
                            "id": c,
                            "name": tax.nodes[c].name,
                            "description": tax.nodes[c].description,
                            "papers": counts.get(c, 0),
                        }
                        for c in a.children
                    ],
                }
                for a in tax.areas
            ]
        )
        return
    import textwrap

    # a terminal gets the tree drawn; a pipe or a file gets plain indentation (no glyphs)
    rule, mid, last = ("  │ ", "├─", "└─") if stdout_is_terminal() else ("    ", "-", "-")
    lines = []
    for area in tax.areas:
        star = " *" if area.core else ""
        lines.append(f"{area.id:<30} {counts.get(area.id, 0):>5}  {area.name}{star}")
        if area.description:  # the area's boundary: what belongs here and what does not
            lines += textwrap.wrap(area.description, 96, initial_indent=rule, subsequent_indent=rule)
        for i, cid in enumerate(area.children):
            branch = last if i == len(area.children) - 1 else mid
            node = tax.nodes[cid]
            lines.append(f"  {branch} {cid:<{27 - len(branch)}} {counts.get(cid, 0):>5}  {node.name}")
    if any(area.core for area in tax.areas):  # a user's taxonomy may mark none
        from efmcat.taxonomy import PACKAGED, taxonomy_path

        shipped = taxonomy_path() == PACKAGED  # a user's file marks its own core areas
        lines += [
            "",
            "* core area" + (" of the survey's taxonomy" if shipped else " (macro-F1 is over these)"),
        ]
    write_text("\n".join(lines) + "\n")


@command("export", rich_help_panel=IMPORT_EXPORT)
def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="FORMAT", help="md, bibtex, csv, json, jsonl or yaml.")
    ] = "md",
    tag: TagOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    query: Annotated[
        str | None, typer.Option("--query", "-q", metavar="QUERY", help="Only papers matching this search.")
    ] = None,
    source: SourceOption = None,
    section: SectionOption = None,
    kind: KindOption = None,
    status: StatusOption = None,
    starred: StarredOption = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.")
    ] = None,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Export papers as Markdown, BibTeX, CSV, JSON or YAML.

    The whole catalog or a selection.

    With one --source, Markdown follows that source's own sections (each paper once).

    Example: efmcat export --format md --source survey -o survey.md
    """
    from efmcat.cli.progress import progress_bar
    from efmcat.export import export_to, open_output

    with (
        open_catalog(db, create=False) as catalog,
        progress_bar("Exporting") as progress,
        open_output(output, catalog=catalog.path) as out,
    ):
        count = export_to(
            catalog, fmt, out, tags=tag, since=since, until=until, query=query, sources=source,
            section=section, kinds=kind, status=status, starred=starred, progress=progress,
        )  # fmt: skip
    if output is not None:
        from efmcat.browse import check_kinds
        from efmcat.render import count as counted

        papers_only = check_kinds(kind) == ("paper",)  # --kind any counts repos and pages too
        say(
            f"Wrote {counted(count, 'paper') if papers_only else counted(count, 'entry', 'entries')} to {output}."
        )


@command("build", rich_help_panel=IMPORT_EXPORT)
def build(
    seeds: Annotated[
        Path | None,
        typer.Option("--seeds", metavar="DIR", help="Seeds folder (default: the shipped seeds/)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Catalog to write, replaced whole (default: --db, when no such file exists, or data/catalog.db).",
        ),
    ] = None,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Build a catalog from seeds/, deterministically.

    This is how data/catalog.db is made.

    Example: efmcat build -o data/catalog.db
    """
    from efmcat.build import build_catalog
    from efmcat.errors import UsageError
    from efmcat.paths import checkout_catalog, seeds_dir

    src = seeds or seeds_dir()
    if src is None:
        raise UsageError("no seeds folder found: give --seeds DIR")
    target = output or db_choice(db) or checkout_catalog()
    if target is None:
        raise UsageError("give --output FILE: build writes a new catalog file")
    if output is None and db_choice(db) is not None and target.exists():
        # --db names the user's catalog everywhere else: a build would replace it whole
        raise UsageError(
            f"build writes a whole new catalog, and {target} exists (your notes, stars and imports "
            f"would be gone): to replace it, say so with -o {target}"
        )
    from efmcat.cli.progress import progress_bar

    with progress_bar("Building", unit="steps") as progress:
        report = build_catalog(src, target, progress=progress)
    say(
        f"Built {report.path}: {count(report.papers, 'paper')}, {count(report.tags, 'curated tag')} "
        f"({report.unverified} unverified) from {', '.join(report.files)}."
    )


@command("path", rich_help_panel=SETUP)
def path(as_json: JsonOption = False, db: DbOption = None, taxonomy: TaxonomyOption = None) -> None:
    """Print where the catalog, data and shipped files are.

    Example: efmcat path
    """
    import os

    from efmcat import render
    from efmcat.paths import cache_dir, choose_db, data_dir, seeds_dir, shipped_catalog
    from efmcat.taxonomy import taxonomy_path

    choice = choose_db(db_choice(db))
    info = {
        "catalog": str(choice.path.absolute()),  # where it is, whatever the working folder
        "catalog_from": choice.origin,
        "catalog_exists": choice.path.is_file(),  # a folder is no catalog
        "data_dir": str(data_dir()),
        "cache_dir": str(cache_dir()),
        "shipped_catalog": str(shipped_catalog()) if shipped_catalog() else None,
        "seeds": str(seeds_dir()) if seeds_dir() else None,
        "taxonomy": str(taxonomy_path()),
        "arxiv_url": os.environ.get("EFMCAT_ARXIV_URL") or "https://export.arxiv.org/api/query",
    }
    if as_json:
        render.write_json(info)
        return
    width = max(len(k) for k in info)
    for key, value in info.items():
        out_console().print(f"{key:<{width}}  {value}", markup=False, highlight=False, soft_wrap=True)
