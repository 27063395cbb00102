"""A start-up fast path for `efmcat search` when its output goes to a pipe.

Importing Typer costs more than a whole FTS5 query, and `efmcat search` is the
command people (and scripts) run most. The console script therefore first offers the
arguments to :func:`try_search`: it handles only the plain, valid, piped case (the
documented options, each with a well-formed value) and otherwise returns None, so the
Typer command runs and produces every message, error and help text. Both paths call
the same library function (browse.search_records) and the same renderer; a test
checks that their output is identical.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Callable, Iterator

_VALUE_OPTIONS = {
    "--tag": "tags",
    "-t": "tags",
    "--year": "year",
    "--since": "since",
    "--until": "until",
    "--author": "author",
    "--limit": "limit",
    "-n": "limit",
    "--db": "db",
    "--source": "sources",
    "-s": "sources",
    "--section": "section",
    "--kind": "kinds",
    "--status": "status",
}
_LIST_KEYS = {"tags", "sources", "kinds"}
_INT_KEYS = {"year", "since", "until", "limit"}
_FLAGS = {"--json", "--starred", "-h", "--help", "-V", "--version"}


def is_query_word(arg: str, options: set[str]) -> bool:
    """Whether an argument of a query command is a word of the query, not an option: one
    that starts with a single "-" is an exclusion ("-survey", "-quantization") unless it is
    one of ``options`` exactly or a short one with its number ("-n5"). The rule of both
    search paths (this fast path and the CLI's QueryCommand)."""
    if arg == "-" or not arg.startswith("-"):
        return True
    if arg.startswith("--") or arg in options:
        return False
    return not (arg[:2] in options and arg[2:].isdigit())


def parse_search_args(args: list[str]) -> dict | None:
    """Options of a plain `search` invocation, or None when Typer should handle it."""
    opts: dict = {"tags": [], "year": None, "since": None, "until": None, "author": None, "limit": 20,
                  "db": None, "json": False, "query": None, "sources": [], "section": None,
                  "kinds": [], "status": None, "starred": False}  # fmt: skip
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--json":
            opts["json"] = True
        elif arg == "--starred":
            opts["starred"] = True
        elif arg.startswith("-") and arg != "-":
            name, eq, inline = arg.partition("=")
            key = _VALUE_OPTIONS.get(name)
            if key is None and is_query_word(arg, _FLAGS | _VALUE_OPTIONS.keys()):
                words.append(arg)  # an exclusion (-survey)
                i += 1
                continue
            if key is None:
                return None
            if eq:
                value = inline
            else:
                i += 1
                if i >= len(args):
                    return None
                value = args[i]
            if key == "db" and not value:
                return None  # `--db ''`: the CLI's usage error
            if key in _INT_KEYS:
                try:
                    value = int(value)
                except ValueError:
                    return None
                if key == "limit" and value < 1:
                    return None
            if key in _LIST_KEYS:
                opts[key].append(value)
            else:
                opts[key] = value
        else:
            words.append(arg)
        i += 1
    if not words:
        return None
    from efmcat.query import join_words

    opts["query"] = join_words(words)
    return opts


def try_search(args: list[str]) -> int | None:
    """Run a piped `efmcat search`; None means "not handled here, use the full CLI"."""
    try:
        if sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    opts = parse_search_args(args)
    if opts is None:
        return None
    from efmcat import locations

    db, _ = locations.catalog_location(opts["db"])
    if db is None or not os.path.exists(db):
        return None  # creating the default catalog says so: leave it to the CLI
    if not (opts["json"] or opts["tags"] or opts["sources"] or opts["section"] is not None or opts["kinds"]):
        code = _lean_search(db, opts)
        if code is not None:
            return code
    from efmcat.catalog import Catalog

    catalog = None
    try:
        from efmcat import render
        from efmcat.browse import iter_search_records

        catalog = Catalog(db, create=False)
        # A stream (the query runs here; rows are read as they are written below).
        records = iter_search_records(
            catalog,
            opts["query"],
            tags=opts["tags"] or None,
            year=opts["year"],
            since=opts["since"],
            until=opts["until"],
            author=opts["author"],
            status=opts["status"],
            starred=opts["starred"],
            limit=opts["limit"],
            sources=opts["sources"] or None,
            section=opts["section"],
            kinds=opts["kinds"] or None,
            brief=not opts["json"],
        )
    except Exception:
        if catalog is not None:
            catalog.close()
        if os.environ.get("EFMCAT_DEBUG"):
            raise
        return None  # the CLI repeats the (read-only) work and reports any error its way
    try:
        code = _write_safely(
            lambda: render.emit_papers(
                records,
                opts["json"],
                with_score=True,
                empty=lambda: _no_match(catalog.conn, opts),
                say=lambda message: sys.stderr.write(message + "\n"),
            )
        )
        if code == 0:
            _note_authorless(catalog.conn, opts)
    finally:
        catalog.close()
    return code


def _lean_search(db: str, opts: dict) -> int | None:
    """The plain piped search without the Catalog class (efmcat.quicksearch); None when that
    path cannot answer."""
    try:
        from efmcat.quicksearch import search_rows

        rows = search_rows(
            db, opts["query"], year=opts["year"], since=opts["since"], until=opts["until"],
            author=opts["author"], status=opts["status"], starred=opts["starred"], limit=opts["limit"],
        )  # fmt: skip
        first = None if rows is None else next(rows, None)
    except Exception:
        return None  # the next path repeats the (read-only) work and reports any error its way
    if rows is None:
        return None
    from efmcat import textsafe

    if first is not None:
        code = _write_safely(
            lambda: textsafe.write_papers_plain(_chain(first, rows), sys.stdout, with_score=True)
        )
        if code:
            return code
    if first is None or opts["author"] is not None:
        import sqlite3

        conn = sqlite3.connect(db, timeout=10, isolation_level=None)
        try:
            if first is None:
                sys.stderr.write(_no_match(conn, opts) + "\n")
            _note_authorless(conn, opts)
        finally:
            conn.close()
    return 0


def _note_authorless(conn, opts: dict) -> None:
    """After a search by --author: how many entries it could not look at (as the CLI says it)."""
    from efmcat.searchsql import authorless_note

    if note := authorless_note(conn, opts["author"]):
        sys.stderr.write(note + "\n")


def _no_match(conn, opts: dict) -> str:
    """What the search says when it found nothing, with a spelling suggestion (efmcat.suggest)."""
    from efmcat.suggest import no_match_message

    return no_match_message(conn, opts["query"], _filtered(opts))


def _filtered(opts: dict) -> bool:
    """Whether options beside the words narrowed a search."""
    keys = ("tags", "year", "since", "until", "author", "sources", "section", "kinds", "status", "starred")
    return any(opts.get(k) for k in keys)


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def quiet_stdout() -> None:
    """The reader of stdout went away (``| head``): what is still buffered goes nowhere,
    quietly (the full CLI's edge calls it too)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _write_safely(write: Callable[[], None]) -> int:
    """Run ``write`` for stdout; the exit status. A reader that went away (``| head``) ends
    the output quietly (0); stdout that cannot be written (a full disk, ``>/dev/full``) is
    one ``Error:`` line (1), as the full CLI says it."""
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
    except OSError as exc:
        with contextlib.suppress(OSError):
            quiet_stdout()  # what is still buffered would fail again at exit
        sys.stderr.write(f"Error: {exc.strerror or exc}\n")
        return 1
    return 0


def hoist_db(argv: list[str]) -> list[str]:
    """``efmcat --db FILE CMD ...`` as ``efmcat CMD ... --db FILE``: --db may come before the
    command, as it does in git and sqlite-utils."""
    if argv and argv[0] == "--db" and len(argv) >= 3:
        db, rest = argv[:2], argv[2:]
    elif argv and argv[0].startswith("--db=") and len(argv) >= 2:
        db, rest = argv[:1], argv[1:]
    else:
        return argv
    # Right after the command's name: before any `--` (after which every word is an
    # argument) and before any option's value (`--section --` takes `--` as its value).
    return [rest[0], *db, *rest[1:]]


class ClosedStdout(io.TextIOBase):
    """Standard output when the shell closed it (``>&-``; Python then has none): a write is
    the OSError a write to a closed descriptor raises, which the CLI says in one line."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def main() -> None:
    """The `efmcat` console script."""
    import signal

    from efmcat.errors import raise_terminated

    signal.signal(signal.SIGTERM, raise_terminated)  # `kill PID` cleans up as Ctrl-C does
    if sys.stdout is None:  # `efmcat list >&-`: what a command prints fails as a write error does
        sys.stdout = ClosedStdout()
    argv = hoist_db(sys.argv[1:])
    if argv in (["--version"], ["-V"]):
        from efmcat import __version__

        sys.exit(_write_safely(lambda: sys.stdout.write(f"efmcat {__version__}\n")))
    sys.argv[1:] = argv
    if argv and argv[0] == "search":
        try:
            code = try_search(argv[1:])
        except KeyboardInterrupt as exc:  # Ctrl-C or kill on the lean path: one line, no traceback
            from efmcat.errors import Terminated

            terminated = isinstance(exc, Terminated)
            with contextlib.suppress(OSError):
                sys.stderr.write("Error: terminated\n" if terminated else "Error: interrupted\n")
            sys.exit(143 if terminated else 130)
        if code is not None:
            sys.exit(code)
    from efmcat.cli import main as cli_main

    cli_main()
