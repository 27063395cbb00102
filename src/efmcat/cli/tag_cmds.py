"""Commands: tag, untag, retag, explain, eval."""

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from efmcat.cli._app import (
    TAGGING,
    DbOption,
    DryRunOption,
    JsonOption,
    ReportOption,
    TaxonomyOption,
    command,
    open_catalog,
    say,
)
from efmcat.render import count, write_json, write_text

IdArg = Annotated[str, typer.Argument(metavar="ID", help="arXiv id, arXiv URL, DOI or catalog id.")]
NodesArg = Annotated[list[str], typer.Argument(metavar="NODE...", help="Taxonomy node ids.")]


def _load(taxonomy: Path | None):
    from efmcat.taxonomy import load_taxonomy

    return load_taxonomy(taxonomy)


def _paper_report(pid: str, changed: bool, dry_run: bool, **details: list[str]) -> None:
    """The JSON report of a change to one paper (tag, untag): updated or unchanged, with the
    command's own details."""
    from efmcat.reports import change_report

    updated, unchanged = ([pid], []) if changed else ([], [pid])
    write_json(change_report(updated=updated, unchanged=unchanged, dry_run=dry_run, **details))


def _them(nodes: list[str], one: str = "it", more: str = "them") -> str:
    """The word for ``nodes`` in a sentence: ``one`` for a single node, else ``more``."""
    return one if len(nodes) == 1 else more


def _end(dry_run: bool) -> str:
    return " (dry run: nothing was written)" if dry_run else "."


@command("tag", rich_help_panel=TAGGING)
def tag(
    paper: IdArg,
    nodes: NodesArg,
    dry_run: DryRunOption = False,
    as_json: ReportOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Tag a paper by hand; re-tagging never undoes it.

    A subtopic brings its area along.

    Example: efmcat tag 2306.14048 kv-cache-eviction
    """
    from efmcat.tagger import tag_by_hand

    with open_catalog(db, create=False) as catalog, catalog.dry_run(dry_run):
        done = tag_by_hand(catalog, paper, nodes, _load(taxonomy))
    pid, changed = done.paper, bool(done.added or done.made_manual or done.named)
    if as_json:
        _paper_report(
            pid,
            changed,
            dry_run,
            tags_added=done.added,
            tags_made_manual=done.made_manual,
            tags_named=done.named,
            tags_kept=done.kept,
        )
        return
    told = []
    if done.added:
        told.append(f"{'Would tag' if dry_run else 'Tagged'} {pid} with {', '.join(done.added)}")
    if done.made_manual:
        it = _them(done.made_manual)
        told.append(
            f"{', '.join(done.made_manual)} {_them(done.made_manual, 'was', 'were')} the tagger's: "
            f"{'would be yours' if dry_run else 'yours now'} (re-tagging keeps {it})"
        )
    if done.named:
        verb = "would be" if dry_run else _them(done.named, "is", "are")
        told.append(
            f"{', '.join(done.named)}, implied by a subtopic you tagged, {verb} yours by name"
            f"{'' if dry_run else ' now'} (untagging the subtopic keeps {_them(done.named)})"
        )
    if done.kept:
        left = _them(done.kept, "it is", "they are")
        told.append(f"{pid} already has {', '.join(done.kept)} (curated or yours): left as {left}")
    say("; ".join(told) + _end(dry_run))


@command("untag", rich_help_panel=TAGGING)
def untag(
    paper: IdArg,
    nodes: NodesArg,
    dry_run: DryRunOption = False,
    as_json: ReportOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Remove tags by hand; re-tagging never brings them back.

    An area takes its subtopics along.

    Example: efmcat untag 2306.14048 attention
    """
    from efmcat.tagger import untag_by_hand

    with open_catalog(db, create=False) as catalog, catalog.dry_run(dry_run):
        done = untag_by_hand(catalog, paper, nodes, _load(taxonomy))
    pid, changed = done.paper, bool(done.removed or done.recorded)
    if as_json:
        _paper_report(
            pid,
            changed,
            dry_run,
            tags_removed=done.removed,
            removals_recorded=done.recorded,
            already_removed=done.already,
        )
        return
    told = []
    if done.removed:
        told.append(f"{'Would remove' if dry_run else 'Removed'} {', '.join(done.removed)} from {pid}")
    if done.recorded:
        told.append(
            f"{pid} had none of {', '.join(done.recorded)}; "
            f"{'would record' if dry_run else 'recorded'} that it should not get them"
        )
    if done.already:
        told.append(f"{pid} is already kept from {', '.join(done.already)}")
    say("; ".join(told) + _end(dry_run))


@command("retag", rich_help_panel=TAGGING)
def retag(
    papers: Annotated[
        list[str] | None, typer.Argument(metavar="[ID...]", help="Papers to re-tag (or --all).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Re-tag every paper in the catalog.")] = False,
    dry_run: DryRunOption = False,
    as_json: ReportOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Re-run the auto-tagger and print what changes.

    Manual decisions always stay.

    Example: efmcat retag --all --dry-run
    """
    from efmcat.errors import UsageError
    from efmcat.tagger import retag as do_retag

    if bool(papers) == all_:
        raise UsageError("give paper ids or --all (not both)")
    from efmcat.cli.progress import progress_bar

    with open_catalog(db, create=False) as catalog, progress_bar("Re-tagging") as progress:
        seen, changes = do_retag(
            catalog, None if all_ else papers, dry_run=dry_run, taxonomy=_load(taxonomy), progress=progress
        )
        if not as_json:
            _write_changes(catalog, changes)
        else:
            from efmcat.personal import resolve_ids

            ids = (
                [r[0] for r in catalog.conn.execute("SELECT id FROM papers ORDER BY id")]
                if all_
                else resolve_ids(catalog, papers or [])
            )
    if as_json:
        from efmcat import render
        from efmcat.reports import change_report

        changed = [c.paper_id for c in changes]
        changed_set = set(changed)
        render.write_json(
            change_report(
                updated=changed,
                unchanged=[i for i in ids if i not in changed_set],
                dry_run=dry_run,
                papers=seen,
                changes=[{"id": c.paper_id, "added": c.added, "removed": c.removed} for c in changes],
            )
        )
        return
    verb = "would change" if dry_run else "changed"
    say(
        f"Re-tagged {count(seen, 'paper')}: {len(changes)} {verb}"
        + (" (dry run, nothing written)." if dry_run else ".")
    )


def _write_changes(catalog, changes) -> None:
    """A line per changed paper, ``ID  +node -node  # title``: the title to judge the change
    by (a retag after train changes papers by the dozen), read a page of ids at a time."""
    for i in range(0, len(changes), 500):
        page = changes[i : i + 500]
        ids = [c.paper_id for c in page]
        titles = {p.id: p.title for p in catalog.papers_by_ids(ids)}
        lines = []
        for c in page:
            diff = " ".join([f"+{n}" for n in c.added] + [f"-{n}" for n in c.removed])
            title = " ".join(str(titles.get(c.paper_id) or "").split())
            lines.append(f"{c.paper_id}  {diff}  # {title}" if title else f"{c.paper_id}  {diff}")
        write_text("\n".join(lines) + "\n")


@command("explain", rich_help_panel=TAGGING)
def explain(
    paper: IdArg,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list nodes whose rules fired below the threshold.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Why a paper has its tags.

    The origin of each tag, the model's score and evidence per area, and the rules that fired.

    Example: efmcat explain 2306.14048
    """
    from efmcat.tagger import explain_paper

    with open_catalog(db, create=False) as catalog:
        ex = explain_paper(catalog, paper, _load(taxonomy))
    if as_json:
        from dataclasses import asdict

        from efmcat import render

        render.write_json(
            {
                "id": ex.paper_id,
                "title": ex.title,
                "tags": ex.tags,
                "scores": [asdict(s) for s in ex.scores],
                "model": [asdict(d) for d in ex.model],
                "model_source": ex.model_source or None,
                "curated_from": ex.curated_from,
            }
        )
        return
    out = [f"{ex.paper_id}  {ex.title}", "", "Tags:"]
    removed = {r["node"] for r in ex.tags if r["removed"]}  # the tagger gives them; the paper has not
    if not ex.tags:
        out.append("  (none)")
    from efmcat.tagger import implied

    for r in ex.tags:
        state = "removed" if r["removed"] else "tagged"
        score = "" if r["score"] is None else f"  score {r['score']:g}"
        if implied(r):
            score = "  (implied by a subtopic)"
        out.append(f"  {r['node']:<26} {state:<8} {r['origin']}{score}")
    if ex.curated_from:  # a curated tag is what the curated lists' headings say: which ones
        out += ["", "Curated from the headings of the lists that file it:"]
        out += [f"  {heading}" for heading in ex.curated_from]
    if ex.model_source == "out of field":
        out += [
            "",
            "Model: not applied (no rule reaches half its threshold: hardly any evidence of the field)",
        ]
    if ex.model:
        info = f"{ex.model_source} model"
        out += [
            "",
            f"Model ({info}): what the tagger would decide now, per area: who decides, its probability (/ threshold where it decides), and the features that weighed most:",
        ]
        shown_model = [d for d in ex.model if show_all or d.assigned]
        if not shown_model:
            out.append(
                "  no area assigned by the model or a certain rule"
                + ("" if show_all else " (--all shows the rest)")
            )
        # who decides the area comes first: where the rules do, the model's probability is
        # shown for its evidence alone, without a threshold (there is none it could reach:
        # "0.99 / 1.00" read as a model that can never decide)
        deciders = {
            "model": "the model decides",
            "rules": "the rules decide",
            "either": "the model or the rules",
        }
        for d in shown_model:
            how = {
                "model": "assigned by the model",
                "rules": "assigned by the rules",
                "rule override": "assigned by a certain rule",
            }
            mark = how.get(d.by, "not assigned")
            if d.by in how and d.area in removed:  # what the tagger gives, not what the paper has
                mark = f"{mark}, removed by you"
            decider = deciders.get(d.strategy, f"decided by {d.strategy}")
            said = f"{d.probability:.2f}" + ("" if d.strategy == "rules" else f" / {d.threshold:.2f}")
            out.append(f"  {d.area}: {mark} ({decider}; the model: {said})")
            for cpart in d.contributions:
                out.append(f"    {cpart.weight:+6.2f}  {cpart.feature}")
    out += ["", "Tagger rules:"]
    shown = [s for s in ex.scores if show_all or s.assigned or s.note]
    if not shown:
        out.append("  no node reached its threshold" + ("" if show_all else " (--all shows the rest)"))
    for s in shown:
        mark = "assigned" if s.assigned else "below threshold"
        if s.assigned and s.score < s.threshold:
            mark = "assigned (implied by a subtopic)"
        if s.note:  # a rule over the paper's areas changed what the threshold alone decides
            mark = f"{'assigned' if s.assigned else 'not assigned'} ({s.note})"
        if s.assigned and s.node in removed:
            mark = f"{mark}, removed by you"
        extra = f" (incl. {s.from_subtopics:.2f} from subtopics)" if s.from_subtopics else ""
        out.append(f"  {s.node}: {s.score:.2f} / {s.threshold:g} {mark}{extra}")
        for h in s.hits:
            rule = ("-'" if h.kind == "not" else "'") + h.rule + "'"
            out.append(f"    {h.points:+6.2f}  {h.kind:<8} {rule:<34} in {h.where}")
    write_text("\n".join(out) + "\n")


@command("eval", rich_help_panel=TAGGING)
def eval_(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[FILE...]",
            help="Labelled sets (JSONL or seeds YAML; - reads JSON lines from stdin); default: the checkout's.",
        ),
    ] = None,
    split: Annotated[
        str | None, typer.Option("--split", metavar="SPLIT", help="Only this split (tune or test).")
    ] = None,
    lolo: Annotated[
        bool,
        typer.Option(
            "--lolo",
            help="Leave one list out: train the model on every curated list but one, test on that one.",
        ),
    ] = False,
    held_out: Annotated[
        list[str] | None,
        typer.Option(
            "--list",
            metavar="NAME",
            help="With --lolo: leave out only this list (repeat for several; pooled over them).",
        ),
    ] = None,
    per_list: Annotated[
        bool, typer.Option("--per-list", help="With --lolo: a row per held-out list instead of pooled rows.")
    ] = False,
    agreement: Annotated[
        bool,
        typer.Option(
            "--agreement",
            help="The lists against each other: for papers two lists file, the other lists' sections "
            "against each list's, beside the rule tagger on the same papers.",
        ),
    ] = False,
    subtopics: Annotated[
        bool,
        typer.Option(
            "--subtopics",
            help="The rule tagger's subtopics against those the lists' headings give (per subtopic).",
        ),
    ] = False,
    expert: Annotated[
        bool,
        typer.Option(
            "--expert",
            help="Against expert multi-labels (FILE, default the shipped data/expert_labels.jsonl): "
            "the model is trained on the labels table minus those papers.",
        ),
    ] = False,
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            metavar="FILE",
            help="Labels table for --lolo, --agreement, --subtopics and --expert (- for stdin; default: the shipped data/labels.jsonl).",
        ),
    ] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the Markdown accuracy table.")] = False,
    errors: Annotated[bool, typer.Option("--errors", help="List the papers the tagger gets wrong.")] = False,
    as_json: JsonOption = False,
    taxonomy: TaxonomyOption = None,
    db: DbOption = None,
) -> None:
    """Measure the tagger: precision, recall and F1 per area.

    Also the core macro-F1, title-only and with abstracts. A labelled paper given by its id
    alone (no title) is read from the catalog.

    Example: efmcat eval --lolo --markdown
    """
    with contextlib.ExitStack() as stack:
        lookup = _catalog_lookup(db, stack)
        from efmcat import evaluate
        from efmcat.errors import UsageError
        from efmcat.labels import load_labels

        if sum((expert, lolo, agreement, subtopics)) > 1:
            raise UsageError("--expert, --lolo, --agreement and --subtopics are four evaluations: give one")
        if (held_out or per_list) and not lolo:
            raise UsageError(f"{'--list' if held_out else '--per-list'} is for --lolo")
        if labels is not None and not (expert or lolo or agreement or subtopics):
            raise UsageError("--labels is for --lolo, --expert, --agreement and --subtopics")
        if markdown and (as_json or errors):
            raise UsageError(
                f"--markdown prints the table; {'--json' if as_json else '--errors'} is another output"
            )
        if expert:
            if split is not None:
                raise UsageError("--split is for the older labelled sets, not --expert")
            if files and len(files) > 1:
                raise UsageError("--expert takes one expert set (FILE), not several")
            path = files[0] if files else evaluate.shipped_expert()
            if path is None:
                raise UsageError("no expert set shipped with this efmcat: give the expert set as FILE")
            if str(path) == "-" and labels is not None and str(labels) == "-":
                raise UsageError("the expert set and --labels cannot both be read from stdin")
            tax = _load(taxonomy)
            expert_set = evaluate.load_labelled(path, tax, lookup=lookup, progress=say)
            results = evaluate.expert_eval(expert_set, load_labels(labels), taxonomy=tax, progress=say)
        elif lolo or agreement or subtopics:
            if files or split is not None:
                flag = "--lolo" if lolo else "--agreement" if agreement else "--subtopics"
                raise UsageError(f"{flag} reads a labels table (--labels FILE), not labelled sets")
            papers = load_labels(labels)
            tax = _load(taxonomy)
            if lolo:
                results = evaluate.leave_one_list_out(
                    papers, taxonomy=tax, lists=held_out or None, per_list=per_list, progress=say
                )
            elif agreement:
                results = evaluate.list_agreement(papers, taxonomy=tax)
            else:
                results = evaluate.subtopic_eval(papers, taxonomy=tax)
                if markdown and not as_json:
                    write_text(evaluate.subtopic_table(results, tax))
                    return
        else:
            from efmcat.tagger import SHIPPED

            results = evaluate.run_eval(
                files or (), split=split, taxonomy=_load(taxonomy), model=SHIPPED, progress=say, lookup=lookup
            )
        if as_json:
            write_json([r.to_dict() | ({"errors": r.errors} if errors else {}) for r in results])
            return
        if markdown:
            write_text(evaluate.markdown_table(results))
            return
        out = []
        for r in results:
            macro = "n/a" if r.macro_f1 is None else f"{r.macro_f1:.3f}"
            micro = "n/a" if r.micro_f1 is None else f"{r.micro_f1:.3f}"
            ivs = r.intervals()
            out.append(
                f"{r.name} [{r.mode}] {count(r.papers, 'paper')}: macro-F1 {macro} "
                f"(95% interval {evaluate.interval_text(ivs.macro)}), micro-F1 {micro}"
            )
            width = max([16, *map(len, r.areas)])
            for a, s in r.areas.items():
                if s.f1 is None and not s.fp:
                    continue

                def f(x):
                    return "  n/a" if x is None else f"{x:.3f}"

                out.append(
                    f"  {a:<{width}} P {f(s.precision)}  R {f(s.recall)}  F1 {f(s.f1)}"
                    f" [{evaluate.interval_text(ivs.nodes[a])}]  (support {s.support}, fp {s.fp})"
                )
            if errors:
                for e in r.errors:
                    where = f" [{e['list']}]" if "list" in e else ""
                    out.append(
                        f"    {e['id']}{where}: missed {e['missed'] or '-'} extra {e['extra'] or '-'}  {e['title'][:70]}"
                    )
        write_text("\n".join(out) + "\n")


def _catalog_lookup(db: Path | None, stack: contextlib.ExitStack):
    """A paper of the catalog by id (any form of it: ``arXiv:2205.14135v2``), or None; the
    catalog is opened on the first call only (most labelled sets give every title). With no
    catalog there, every lookup finds nothing, said once."""
    from efmcat.errors import CatalogError, InvalidIdError
    from efmcat.ids import parse_paper_id

    opened: list = []

    def lookup(pid: str):
        if not opened:
            try:
                opened.append(stack.enter_context(open_catalog(db, create=False)))
            except CatalogError as exc:
                say(f"{exc}: papers given without a title cannot be read from it")
                opened.append(None)
        if opened[0] is None:
            return None
        with contextlib.suppress(InvalidIdError):
            pid = parse_paper_id(pid)
        found = opened[0].papers_by_ids([pid])
        return found[0] if found else None

    return lookup


@command("train", rich_help_panel=TAGGING)
def train(
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            metavar="FILE",
            help="Labels table (- for stdin; default: the shipped data/labels.jsonl).",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the model to this JSON file instead of the catalog."
        ),
    ] = None,
    no_manual: Annotated[
        bool, typer.Option("--no-manual", help="Leave the catalog's manual tag decisions out.")
    ] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Drop the catalog's own model: tag with the shipped one again.")
    ] = False,
    as_json: ReportOption = False,
    db: DbOption = None,
    taxonomy: TaxonomyOption = None,
) -> None:
    """Refit the tagger's model, with your tag/untag decisions.

    Trains on the shipped labels plus your manual tag/untag decisions.

    The model is stored in the catalog; `efmcat retag --all` then applies it (manual
    decisions and curated tags always stay).

    Example: efmcat train
    """
    from efmcat.model import learnable_areas, save_to_catalog, training_examples
    from efmcat.model import train as fit

    if reset:
        from efmcat.errors import UsageError
        from efmcat.model import META_KEY

        if labels is not None or output is not None or no_manual:
            raise UsageError("--reset drops the catalog's model: it takes no --labels, -o or --no-manual")
        with open_catalog(db, create=False) as catalog:
            had = catalog.get_meta(META_KEY) is not None
            save_to_catalog(catalog, None)
        if as_json:
            from efmcat.reports import change_report

            write_json(change_report(model=None, reset=had))  # false: there was none to drop
            return
        if had:
            say("Dropped the catalog's model: tagging uses the shipped model again.")
        else:
            say("The catalog has no model of its own: tagging uses the shipped model.")
        return
    tax = _load(taxonomy)
    if output is not None:
        from efmcat.cli._app import db_choice as _db_choice
        from efmcat.outputs import check_output
        from efmcat.paths import choose_db

        check_output(output, choose_db(_db_choice(db)).path)  # before training, not after it
    if no_manual and output is not None:
        examples = training_examples(tax, labels, progress=say)
        catalog = None
    else:
        catalog = open_catalog(db, create=False, writes=output is None)  # before the training, not after
        examples = training_examples(tax, labels, None if no_manual else catalog, progress=say)
    try:
        learnable_areas(examples, tax)  # too few papers: said before "Training on ..."
        manual = sum(1 for e in examples if e.weight > 1)
        say(f"Training on {count(len(examples), 'labelled paper')} ({manual} with your manual decisions)...")
        from efmcat.cli.progress import progress_bar
        from efmcat.model import FOLDS

        with progress_bar("Training", unit="steps") as bar:
            steps = [0]

            def told(message: str) -> None:
                say(f"  {message}")
                if bar:  # a step per held-out fold, then the final fit
                    bar(steps[0], FOLDS + 1)
                    steps[0] += 1

            model = fit(examples, tax, progress=told)
        if output is not None:
            from efmcat.export import open_output

            with open_output(output) as fh:  # written whole, or not at all
                fh.write(model.to_json())
            where = str(output)
        else:
            save_to_catalog(catalog, model)
            where = "the catalog (efmcat retag --all applies it)"
    finally:
        if catalog is not None:
            catalog.close()
    f1 = model.info.get("heldout_f1", {}).get("title", {})
    if as_json:
        from efmcat.reports import change_report

        write_json(
            change_report(
                model=str(output) if output is not None else "catalog",
                reset=False,
                examples=len(examples),
                manual=manual,
                areas=list(model.areas),
                heldout_f1=model.info.get("heldout_f1", {}),
            )
        )
        return
    summary = ", ".join(f"{a} {f1[a]:.2f}" for a in model.areas if a in f1)
    say(f"Model of {len(model.areas)} areas written to {where}.")
    if summary:
        say(f"Held-out F1 (title only): {summary}")
