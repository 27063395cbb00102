"""The Typer app and what every command shares: options, consoles, error translation.

Commands live in the sibling modules (one per group); each parses its arguments,
makes one library call and renders the result. Library errors (``EfmcatError``)
become one ``Error: ...`` line on stderr and the error's exit code here, once.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import click
import typer
from typer.core import TyperGroup

from efmcat.errors import EfmcatError, translate
from efmcat.fastpath import is_query_word

if TYPE_CHECKING:
    from rich.console import Console

    from efmcat.catalog import Catalog

F = TypeVar("F", bound=Callable[..., Any])

# The panels `efmcat --help` groups the commands in, in this order (each command names its
# panel: ``@command("search", rich_help_panel=CATALOG)``).
CATALOG = "Catalog"
FETCH = "Fetch"
TAGGING = "Tagging"
IMPORT_EXPORT = "Import/export"
WORKFLOW = "Workflow"
SETUP = "Setup"
PANELS = (CATALOG, FETCH, TAGGING, IMPORT_EXPORT, WORKFLOW, SETUP)


class EfmcatGroup(TyperGroup):
    """The root command: commands listed in panels; shell completion set up on demand."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        panels: dict[str, list[tuple[str, Any]]] = {}
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                panels.setdefault(getattr(cmd, "rich_help_panel", None) or "Commands", []).append((name, cmd))
        if not panels:
            return
        width = max(len(name) for cmds in panels.values() for name, _ in cmds)
        limit = formatter.width - 6 - width
        order = {panel: i for i, panel in enumerate(PANELS)}
        for panel in sorted(panels, key=lambda p: order.get(p, -1)):
            rows = [(name.ljust(width), cmd.get_short_help_str(limit)) for name, cmd in panels[panel]]
            with formatter.section(panel):
                formatter.write_dl(rows)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:  # fmt: skip
        """Click's standalone mode, with efmcat's conventions: a usage error is one ``Error:``
        line (exit 2), ``efmcat`` alone prints the command list to stdout, and a reader that
        goes away (``efmcat --help | head -1``) ends the output quietly with exit 0."""
        kwargs = {"args": args, "prog_name": prog_name, "complete_var": complete_var, **extra}
        if not standalone_mode:
            return super().main(standalone_mode=False, **kwargs)
        from typer._click import exceptions as errors  # the Click copy typer's core raises

        try:
            code = super().main(standalone_mode=False, **kwargs)
            sys.stdout.flush()
        except errors.NoArgsIsHelpError as exc:  # `efmcat` alone: the commands, as `-h` gives them
            _write_help(exc.format_message())
            code = 0
        except errors.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else _command_path(self, args)
            message = " ".join(exc.format_message().split()).rstrip(".")  # Click's may span lines
            fail(f"{message} (see {where} -h)", exc.exit_code)
            code = exc.exit_code
        except errors.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
            code = exc.exit_code
        except typer.Abort:
            fail("aborted")
            code = 1
        except SystemExit as exc:
            # Click (help text) and Rich (a console's output) exit 1 when stdout's reader went
            # away; efmcat's commands end quietly then, with 0.
            if not isinstance(exc.__context__, BrokenPipeError):
                raise
            _quiet_stdout()
            code = 0
        except BrokenPipeError:
            _quiet_stdout()
            code = 0
        except OSError as exc:  # help or --version on a stdout that cannot be written (>/dev/full, >&-)
            fail(exc.strerror or str(exc))
            code = 1
        sys.exit(code if isinstance(code, int) else 0)

    def _main_shell_completion(self, ctx_args: Any, prog_name: str, complete_var: str | None = None) -> None:
        var = complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()
        if os.environ.get(var):
            from efmcat.cli import completion_cmds

            completion_cmds.prepare()
            completion_cmds.attach(self)
        super()._main_shell_completion(ctx_args, prog_name, complete_var)


app = typer.Typer(
    name="efmcat",
    cls=EfmcatGroup,
    help="A research catalog of efficient large foundation models: search, tag, import and export papers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from efmcat import __version__

        typer.echo(f"efmcat {__version__}")
        raise typer.Exit()


_DB_HELP = "Catalog file (default: $EFMCAT_DB, else catalog.db in the user data dir)."
_state: dict[str, Any] = {"root_db": None, "new_catalogs": [], "catalogs": []}


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option("--db", metavar="FILE", help=_DB_HELP + " Also accepted after the command."),
    ] = None,
) -> None:
    """A research catalog of efficient large foundation models: search, tag, import and export papers."""
    _state["root_db"] = db  # `efmcat --db x.db CMD`: the command's own --db wins when both are given


def db_choice(db: Path | None) -> Path | None:
    """The --db given after the command, else the one given before it."""
    return db if db is not None else _state["root_db"]


DbOption = Annotated[
    Path | None,
    typer.Option("--db", metavar="FILE", help=_DB_HELP, show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ReportOption = Annotated[
    bool, typer.Option("--json", help="Print a JSON report of what changed (ids added, updated, ...).")
]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Say what would change; write nothing.")]
TaxonomyOption = Annotated[
    Path | None,
    typer.Option(
        "--taxonomy",
        metavar="FILE",
        help="Taxonomy YAML with the rules (default: $EFMCAT_TAXONOMY, else the shipped one).",
    ),
]


def use_taxonomy(path: Path | None) -> None:
    """--taxonomy FILE: the taxonomy every library call of this command loads by default."""
    from efmcat.taxonomy import set_default_path

    set_default_path(path)


def _no_color() -> bool:
    return "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != ""


@functools.cache
def err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, no_color=_no_color(), highlight=False, soft_wrap=True)


@functools.cache
def out_console() -> Console:
    from rich.console import Console

    return Console(no_color=_no_color(), highlight=False)


def reset_consoles() -> None:
    """Forget cached consoles (tests swap stdout/stderr between invocations)."""
    err_console.cache_clear()
    out_console.cache_clear()


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def text_width(default: int = 88) -> int:
    """Columns to wrap text at: $COLUMNS if set, else the terminal's width when stdout is
    one, else ``default`` (pipes and files get the same text on every machine)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stdout_is_terminal():
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns
        except (OSError, ValueError):
            pass
    return default


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def say(message: str) -> None:
    """A message for the user (stderr, never mixed with data), sanitised for the terminal."""
    from efmcat.render import term

    err_console().print(term(message, multiline=True), markup=False, highlight=False)


def warn(message: str) -> None:
    say(f"Warning: {message}")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``Error: message`` on stderr (one line, sanitised) and return the Exit to raise."""
    from efmcat.render import term

    err_console().print(f"Error: {term(message)}", markup=False, highlight=False, style="red")
    return typer.Exit(code)


def _command_path(group: click.Group, args: Any) -> str:
    """``efmcat CMD`` for the first word of the command line that names a command (a usage
    error Click raises before the command's context exists), else ``efmcat``."""
    words = list(sys.argv[1:] if args is None else args)
    name = next((w for w in words if w in group.commands), None)  # type: ignore[attr-defined]
    return f"efmcat {name}" if name else "efmcat"


def _quiet_stdout() -> None:
    from efmcat.fastpath import quiet_stdout

    quiet_stdout()


def _write_help(text: str) -> None:
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()


def handle_errors(func: F) -> F:
    """Translate library errors into one line on stderr and an exit status."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _state["new_catalogs"] = []
        _state["catalogs"] = []  # the catalogs the command opened (open_catalog)
        ok = False
        try:
            result = _run(*args, **kwargs)
            ok = True
            return result
        except (typer.Exit, click.exceptions.Exit) as exc:
            ok = exc.exit_code == 0
            raise
        finally:
            if not ok or kwargs.get("dry_run"):  # a dry run, like a failure, leaves no new file
                drop_new_empty_catalogs()

    def _run(*args: Any, **kwargs: Any) -> Any:
        reset_consoles()
        from efmcat.taxonomy import set_default_path

        set_default_path(None)  # --taxonomy holds for one command only
        try:
            return func(*args, **kwargs)
        except EfmcatError as exc:
            if os.environ.get("EFMCAT_DEBUG"):
                raise
            raise fail(str(exc), exc.exit_code) from None
        except KeyboardInterrupt as exc:
            from efmcat.errors import Terminated

            word, code = ("terminated", 143) if isinstance(exc, Terminated) else ("interrupted", 130)
            # a change was committed: the signal cut its report
            if any(c.committed for c in _state["catalogs"]):
                raise fail(f"{word}; the changes made before it were written", code) from None
            raise fail(word, code) from None
        except BrokenPipeError:
            # Reader went away (e.g. `efmcat list | head`): exit quietly.
            _quiet_stdout()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, click.exceptions.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:
            # Library, SQLite, network and runtime failures: one line and an exit status too.
            if os.environ.get("EFMCAT_DEBUG"):
                raise
            err = translate(exc)
            if err is None:
                raise fail(
                    f"unexpected {type(exc).__name__}: {exc} (a bug in efmcat; EFMCAT_DEBUG=1 shows where)", 1
                ) from None
            raise fail(str(err), err.exit_code) from None

    return wrapper  # type: ignore[return-value]


def _with_taxonomy(func: F) -> F:
    """Every command takes --taxonomy, the default taxonomy of every library call it makes
    (the tagger's, and what reads labels): a command that does not declare it gets it here."""
    sig = inspect.signature(func, eval_str=True)  # real Annotated options, not strings
    if "taxonomy" in sig.parameters:

        @functools.wraps(func)
        def declared(*args: Any, **kwargs: Any) -> Any:
            use_taxonomy(kwargs.get("taxonomy"))
            return func(*args, **kwargs)

        return declared  # type: ignore[return-value]

    @functools.wraps(func)
    def wrapper(*args: Any, taxonomy: Path | None = None, **kwargs: Any) -> Any:
        use_taxonomy(taxonomy)
        return func(*args, **kwargs)

    param = inspect.Parameter(
        "taxonomy", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=TaxonomyOption
    )
    wrapper.__signature__ = sig.replace(parameters=[*sig.parameters.values(), param])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {
        **{name: p.annotation for name, p in sig.parameters.items()},
        "taxonomy": TaxonomyOption,
        "return": sig.return_annotation,
    }
    return wrapper  # type: ignore[return-value]


class _Command(typer.core.TyperCommand):
    """Usage lines in one metavar style: ``efmcat show [OPTIONS] ID``, not Typer's ``{ID}``;
    the docstring's closing ``Example:`` paragraph is shown after the options (the epilog)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        head, sep, example = (self.help or "").rpartition("\n\nExample:")
        if sep and not self.epilog:
            # \b: Click leaves the paragraph unwrapped, so the example is one line to copy
            self.help, self.epilog = head.rstrip(), "\b\nExample:" + example.rstrip()
        from typer.models import TyperPath as PathType  # the path type of typer's own Click copy

        for param in self.params:
            if isinstance(param.type, PathType):
                _refuse_empty(param.type)

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        return [p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in pieces]


def _refuse_empty(path_type: Any) -> None:
    """An empty path (``--db ''``, ``eval ''``) is a usage error: Python reads it as the
    current folder, and the error then named "." as if the user had typed it."""
    convert = path_type.convert

    def checked(value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value:
            path_type.fail("an empty path names no file", param, ctx)
        return convert(value, param, ctx)

    path_type.convert = checked  # type: ignore[method-assign]


class QueryCommand(_Command):
    """A command whose words are a search query: an exclusion anywhere among them
    (``efmcat search medusa -survey OR eagle``) is a word, not an option (Click read
    ``-survey`` as ``-s urvey`` and ``-quantization`` as an unknown ``-q``). Options keep
    working before, between and after the words; a word that starts with one ``-`` is an
    option only when it is one exactly (``-n``, ``-t``, ``-h``) or ``-n`` with its number
    (``-n5``): fastpath.is_query_word, the piped fast path's rule too. The words then follow
    a ``--``, in the order typed; an option missing its value is left to Click to say so."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        valued, flags = set(), set()
        for p in self.get_params(ctx):
            if p.param_type_name == "option":
                names = [*p.opts, *p.secondary_opts]
                (flags if p.is_flag or p.count else valued).update(names)
        opts: list[str] = []
        words: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                words += args[i + 1 :]
                break
            if is_query_word(arg, valued | flags):
                words.append(arg)  # a word, or an exclusion (-survey)
                i += 1
                continue
            opts.append(arg)  # an option (or -n5)
            if arg.split("=", 1)[0] in valued and "=" not in arg:
                if i + 1 == len(args):  # "search kv -n": Click's "requires an argument"
                    return super().parse_args(ctx, args)
                i += 1
                opts.append(args[i])
            i += 1
        return super().parse_args(ctx, [*opts, "--", *words] if words else opts)


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``@command("name")``: register a Typer command with error translation."""
    kwargs.setdefault("cls", _Command)

    def decorate(func: F) -> F:
        app.command(*args, **kwargs)(handle_errors(_with_taxonomy(func)))
        return func

    return decorate


def open_catalog(
    db: Path | None, *, create: bool = True, notice: bool = True, writes: bool = False
) -> Catalog:
    """Open the catalog chosen by --db / EFMCAT_DB / the default (created from the shipped one).

    Commands that only read (or change existing papers) pass ``create=False``: a mistyped
    --db path is then an error instead of a new empty catalog. ``notice``: say once that a
    newer shipped catalog is available (not to `update`, which brings it). ``writes``: the
    command works a while (arXiv, a long file, an editor) before it writes: a catalog it
    cannot write is an error now, not after that work."""
    from efmcat.catalog import Catalog
    from efmcat.paths import choose_db, ensure_default_catalog

    choice = choose_db(db_choice(db))
    if choice.origin == "default" and ensure_default_catalog(choice.path):
        say(f"Created your catalog at {choice.path} from the shipped catalog.")
    existed = choice.path.exists()
    empty_file = existed and choice.path.is_file() and choice.path.stat().st_size == 0
    catalog = Catalog(choice.path, create=create)
    _state["catalogs"].append(catalog)
    if writes:
        catalog.check_writable()
    if not existed or empty_file:  # an empty file made a catalog is new too: given back empty
        _state["new_catalogs"].append((choice.path, empty_file))
    from efmcat.paths import shipped_catalog
    from efmcat.update import update_notice

    told = update_notice(catalog, shipped_catalog()) if notice else None  # not to `update` itself
    if told:
        say(told)
    return catalog


def drop_new_empty_catalogs() -> None:
    """A failed command (or a dry run) leaves no new empty catalog behind: remove the catalog files this
    command created (with their -wal/-shm/-journal) while they hold no paper."""
    import sqlite3

    for path, was_empty_file in _state["new_catalogs"]:
        try:
            conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        except sqlite3.Error:
            continue
        try:
            # Another efmcat writing to the same new file holds its lock: leave the file be.
            conn.execute("BEGIN EXCLUSIVE")
            papers = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            continue
        finally:
            conn.close()
        if papers:
            continue
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                if suffix == "" and was_empty_file:
                    Path(path).write_bytes(b"")  # the user's empty file, as it was
                else:
                    Path(f"{path}{suffix}").unlink()
            except FileNotFoundError:
                pass
            except OSError:
                break
    _state["new_catalogs"] = []
