"""Shell completion: `efmcat completion SHELL` prints the script; the completers behind it.

The scripts are Typer's: on Tab the shell runs ``efmcat`` with ``_EFMCAT_COMPLETE`` set
and the words typed so far in ``COMP_WORDS``/``_TYPER_COMPLETE_ARGS``. Commands and
options complete from the command tree; taxonomy node ids (``--tag``, ``--area``, the
NODE arguments of tag/untag) and paper ids from the catalog (every ID argument) from the
completers that :func:`attach` sets on the parameters. ``EfmcatGroup`` calls it only when
a completion is requested, so a normal start pays nothing for it.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from efmcat.cli._app import SETUP, command

if TYPE_CHECKING:
    import click


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


SHELLS = tuple(s.value for s in Shell)

COMPLETE_VAR = "_EFMCAT_COMPLETE"

# Commands whose first argument names papers already in the catalog (add and discover take
# new arXiv ids: nothing to complete from the catalog there).
PAPER_ID_COMMANDS = frozenset(
    {"show", "similar", "explain", "tag", "untag", "retag", "refresh", "rm", "edit", "note", "status",
     "star", "open"}
)  # fmt: skip
# Parameters that take taxonomy node ids, whatever the command.
NODE_PARAMS = frozenset({"tag", "nodes", "area"})
STATUSES = ("to-read", "reading", "read", "none")
# What `--status` of list, search and export filters by (searchsql.filter_clauses).
STATUS_FILTERS = (
    ("to-read", "reading status"),
    ("reading", "reading status"),
    ("read", "reading status"),
    ("unread", "not marked read"),
    ("none", "no status set"),
)


def _items(pairs: list[tuple[str, str]]) -> list[Any]:
    from typer._click.shell_completion import CompletionItem

    from efmcat.render import term

    return [CompletionItem(term(value), help=term(help_) or None) for value, help_ in pairs]


def _typed(ctx: click.Context, name: str) -> Any:
    """The value of the command's ``--name`` typed so far on the line (None if not given)."""
    return ctx.params.get(name)


def complete_nodes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from efmcat.completion import node_candidates

    return _items(node_candidates(incomplete, _typed(ctx, "taxonomy")))


def complete_papers(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from efmcat.completion import paper_candidates

    return _items(paper_candidates(_typed(ctx, "db"), incomplete))


def complete_papers_or_status(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """`efmcat status ID... STATUS`: papers, and the statuses once a paper is given."""
    statuses = [(s, "reading status") for s in STATUSES if s.startswith(incomplete)]
    papers = complete_papers(ctx, param, incomplete)
    return (_items(statuses) if ctx.params.get(param.name) else []) + papers


def complete_status_filter(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """`--status` of list, search and export: the statuses it filters by."""
    return _items([pair for pair in STATUS_FILTERS if pair[0].startswith(incomplete)])


def attach(group: click.Group) -> None:
    """Set the completers on every command's parameters (see the tables above)."""
    for name, cmd in group.commands.items():
        first_argument = True
        for param in cmd.params:
            if param.name in NODE_PARAMS:
                param._custom_shell_complete = complete_nodes  # type: ignore[attr-defined]
            elif param.name == "status" and param.param_type_name == "option":
                param._custom_shell_complete = complete_status_filter  # type: ignore[attr-defined]
            elif param.param_type_name == "argument":
                if first_argument and name in PAPER_ID_COMMANDS:
                    paper = complete_papers_or_status if name == "status" else complete_papers
                    param._custom_shell_complete = paper  # type: ignore[attr-defined]
                first_argument = False


def prepare() -> None:
    """Register Typer's bash, zsh and fish completion classes (app.add_completion is off, so
    Typer does not do it; without them Click answers "Shell bash not supported")."""
    from typer import _completion_classes

    _completion_classes.completion_init()
    # Typer renders each candidate's help through Rich for zsh and fish: about a second per
    # Tab for 50 paper titles, and titles wrapped at 80 columns break zsh's list. efmcat's
    # help texts are plain (no Rich markup mode; titles pass through render.term), so
    # they are used as they are.
    _completion_classes._sanitize_help_text = str
    from typer._click.shell_completion import add_completion_class

    for name in SHELLS:
        base = _completion_classes._click.shell_completion.get_completion_class(name)
        add_completion_class(_efmcat_class(base), name)


def hoist_db(args: list[str]) -> list[str]:
    """``--db FILE`` typed before the command moves to just after its name, as the console
    script does (fastpath.hoist_db), so that paper ids come from that catalog."""
    if args[:1] == ["--db"] and len(args) >= 2:
        return [args[2], *args[:2], *args[3:]] if len(args) > 2 else []
    if args and args[0].startswith("--db="):
        return [args[1], args[0], *args[2:]] if len(args) > 1 else []
    return args


def join_colons(words: list[str]) -> tuple[list[str], str]:
    """Bash splits ``openreview:Od`` into ``openreview``, ``:``, ``Od`` (``:`` is in
    COMP_WORDBREAKS). Glue such words back together; returns the words and the part of
    the last one up to its last ``:``, which bash does not replace (candidates are given
    without it, as bash-completion's __ltrim_colon_completions does)."""
    out: list[str] = []
    glue = False
    for word in words:
        if word and set(word) == {":"}:
            out[-1:] = [(out[-1] if out else "") + word]
            glue = True
        elif glue and out:
            out[-1] += word
            glue = False
        else:
            out.append(word)
    last = out[-1] if out else ""
    return out, last[: last.rfind(":") + 1]


def _efmcat_class(base: type) -> type:
    """Typer's completion class for a shell, with ``--db`` before the command understood
    and, in bash, ids that contain ``:`` completed whole."""
    bash = base.name == "bash"

    class EfmcatComplete(base):  # type: ignore[valid-type, misc]
        kept = ""

        def get_completion_args(self) -> tuple[list[str], str]:
            try:
                args, incomplete = super().get_completion_args()
            except (KeyError, ValueError):  # _EFMCAT_COMPLETE set by hand, without COMP_* variables
                args, incomplete = [], ""
            if bash:
                words, self.kept = join_colons([*args, incomplete])
                args, incomplete = words[:-1], words[-1]
            return hoist_db(args), incomplete

        def format_completion(self, item: Any) -> str:
            if self.kept and item.value.startswith(self.kept):
                item.value = item.value[len(self.kept) :]
            return super().format_completion(item)

    return EfmcatComplete


def script(shell: str, prog_name: str = "efmcat") -> str:
    """The completion script for ``shell`` (bash, zsh or fish)."""
    from typer._completion_shared import get_completion_script

    text = get_completion_script(prog_name=prog_name, complete_var=COMPLETE_VAR, shell=shell) + "\n"
    # Typer's bash template writes IFS=$'<a real newline>': bash reads it, but the script is
    # written as a person would, and as the README shows it
    return text.replace("IFS=$'\n'", "IFS=$'\\n'")


@command("completion", rich_help_panel=SETUP)
def completion(
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    Completes commands, options, taxonomy node ids (--tag, tag/untag) and the paper ids of
    your catalog. Load it from your shell's start-up file: see "efmcat completion" in the
    README.

    Example: efmcat completion zsh > ~/.zfunc/_efmcat
    """
    sys.stdout.write(script(shell.value))
