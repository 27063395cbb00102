"""Typed exceptions. The CLI turns each into one ``Error: ...`` line and an exit code."""

from __future__ import annotations


class EfmcatError(Exception):
    """Base class of every error efmcat reports to a user."""

    exit_code = 1


class InvalidIdError(EfmcatError, ValueError):
    """Text that is not an arXiv identifier (or any id efmcat knows)."""


class PaperNotFoundError(EfmcatError, LookupError):
    """An id that is well formed but not in the catalog."""


def no_paper(paper_id: str) -> PaperNotFoundError:
    """The error for a paper the catalog lacks. An arXiv id (no prefix) can be fetched, and
    a landmark that a list links by another page (TVM, LoRA) is then merged into it."""
    hint = f" (`efmcat add {paper_id}` fetches it from arXiv)" if ":" not in paper_id else ""
    return PaperNotFoundError(f"no paper {paper_id} in the catalog{hint}")


class UnknownNodeError(EfmcatError, LookupError):
    """A taxonomy node id that the taxonomy does not define."""


class TaxonomyError(EfmcatError):
    """A taxonomy file that cannot be loaded or fails validation."""


class CatalogError(EfmcatError):
    """A catalog file that cannot be opened, or is of a newer schema."""


class QueryError(EfmcatError):
    """A search query that cannot be run."""


class ParseError(EfmcatError):
    """An input file (seeds, list, BibTeX, ...) that cannot be parsed."""


class MissingValueError(EfmcatError, LookupError):
    """A value to remove that the record does not hold (``edit --remove-author``)."""


class UsageError(EfmcatError):
    """Options that do not fit together."""

    exit_code = 2


class NoteTooLongError(UsageError, ValueError):
    """A note longer than a note may be (a ValueError too: the editor's record checks raise those)."""


class NetworkError(EfmcatError):
    """arXiv could not be reached, or kept failing."""

    exit_code = 3


class OfflineError(NetworkError):
    """arXiv could not be reached at all (no DNS answer, connection refused): retrying will
    not help. ``problem`` is what happened, ``hint`` what the user can do."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(f"{problem}; {hint}")
        self.problem = problem
        self.hint = hint


class ArxivAPIError(EfmcatError):
    """arXiv answered with an error entry or a body that is not an arXiv feed."""

    exit_code = 3


class CatalogBusyError(CatalogError):
    """Another process held the catalog's write lock for longer than the busy timeout."""


class CatalogReadOnlyError(CatalogError):
    """The catalog's file or folder cannot be written by this user."""


BUSY_MESSAGE = "catalog is busy (another efmcat is writing); try again"


def translate(exc: BaseException, catalog: object = None) -> EfmcatError | None:
    """The one place where library, SQLite, network and runtime failures become EfmcatErrors.

    Returns None for exceptions that are not failures of input or environment (bugs, and
    KeyboardInterrupt/SystemExit, which the caller handles). ``catalog`` (a path) is named
    in catalog errors when known."""
    if isinstance(exc, EfmcatError):
        return exc
    import sqlite3

    where = f" {catalog}" if catalog else ""
    if isinstance(exc, sqlite3.Error):
        msg = str(exc)
        low = msg.lower()
        if "locked" in low or "busy" in low:
            return CatalogBusyError(BUSY_MESSAGE)
        if "readonly" in low or "read-only" in low:
            return CatalogReadOnlyError(
                f"cannot write the catalog{where}: it is read-only (the file or its folder cannot be "
                "written); commands that only read it still work"
            )
        if "unable to open" in low:
            return CatalogError(f"cannot open the catalog{where}: the file or its folder cannot be used")
        if "disk i/o" in low or "disk is full" in low or "database or disk is full" in low:
            return CatalogError(f"cannot write the catalog{where}: {msg}")
        if "no such table" in low or "no such column" in low or "no such index" in low:
            return CatalogError(
                f"the catalog{where} is damaged or not an efmcat catalog ({msg}); rebuild it or restore a copy"
            )
        if "not a database" in low:
            return CatalogError(f"cannot open catalog{where}: {msg} (not a catalog, or a damaged one)")
        if "malformed" in low or "corrupt" in low:
            return CatalogError(f"the catalog{where} is damaged ({msg}); rebuild it or restore a copy")
        if isinstance(exc, sqlite3.IntegrityError):
            return CatalogError(f"the catalog{where} refused a change: {msg}")
        return CatalogError(f"catalog error{where}: {msg}")
    if isinstance(exc, OverflowError):
        return UsageError(f"a number is out of range ({exc})")
    if isinstance(exc, RecursionError):
        return ParseError("input nested too deeply")
    if isinstance(exc, UnicodeDecodeError):
        return ParseError(
            f"text that is not valid UTF-8 ({exc.reason}): the catalog or an input file is damaged"
        )
    if isinstance(exc, UnicodeError):
        reason = getattr(exc, "reason", str(exc))
        obj = getattr(exc, "object", None)
        start = getattr(exc, "start", None)
        bad = ""
        if isinstance(obj, str) and isinstance(start, int) and start < len(obj):
            bad = f" (\\u{ord(obj[start]):04x})"
        return ParseError(f"text that cannot be encoded{bad}: {reason}")
    if isinstance(exc, MemoryError):
        return EfmcatError("out of memory")
    module = type(exc).__module__ or ""
    if module.startswith(("httpx", "httpcore", "h11", "ssl")) or isinstance(
        exc, (ConnectionError, TimeoutError)
    ):
        return NetworkError(f"network error: {exc or type(exc).__name__}")
    if isinstance(exc, OSError):
        what = exc.strerror or str(exc)
        return EfmcatError(f"{exc.filename}: {what}" if exc.filename else what)
    return None


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill PID``), raised where the command is, as Ctrl-C is: transactions roll
    back and worker pools are shut down, so nothing is left half-done or printing tracebacks."""


def raise_terminated(signum: int, frame: object) -> None:
    """The SIGTERM handler of the ``efmcat`` process (not of its worker processes)."""
    raise Terminated


def json_error_reason(exc: Exception, *, one_line: bool = False) -> str:
    """Why ``exc`` says the text is not JSON, with where: ``invalid control character at line
    1 column 11``; with ``one_line`` (the text was one line of a file, which the caller names)
    the column alone: ``... at column 11``. A JSONDecodeError's ``msg`` alone can end
    mid-sentence ("Invalid control character at", "Unterminated string starting at"): its
    place is in other attributes."""
    import json

    if not isinstance(exc, json.JSONDecodeError):
        return str(exc)  # e.g. a number too long to convert: the message is whole
    reason = exc.msg[:1].lower() + exc.msg[1:]
    at = "" if reason.endswith(" at") else " at"
    place = f"column {exc.colno}" if one_line else f"line {exc.lineno} column {exc.colno}"
    return f"{reason}{at} {place}"
