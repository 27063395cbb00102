"""Typed exceptions. The CLI turns each into one ``Error: ...`` line and an exit code."""

from __future__ import annotations


class EfmcatError(Exception):
    """Base class of every error efmcat reports to a user."""

    exit_code = 1


class InvalidIdError(EfmcatError, ValueError):
    """Text that is not an arXiv identifier (or any id efmcat knows)."""


class PaperNotFoundError(EfmcatError, LookupError):
    """An id that is well formed but not in the catalog."""


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


class UsageError(EfmcatError):
    """Options that do not fit together."""

    exit_code = 2


class NetworkError(EfmcatError):
    """arXiv could not be reached, or kept failing."""

    exit_code = 3


class ArxivAPIError(EfmcatError):
    """arXiv answered with an error entry or a body that is not an arXiv feed."""

    exit_code = 3
