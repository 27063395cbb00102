"""Reading a file argument, where ``-`` means standard input (the CLI convention)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from efmcat.errors import ParseError


def read_text(path: str | os.PathLike[str], what: str = "") -> tuple[str, str]:
    """The text of ``path`` (stdin for ``-``) and the name messages should give it.

    A file that cannot be read or decoded is a ParseError: ``cannot read WHAT NAME: why``.
    A UTF-8 byte-order mark at the start is dropped."""
    name = "stdin" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if name == "stdin" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise ParseError(f"cannot read {what + ' ' if what else ''}{name}: {why}") from exc
    return text.removeprefix("\ufeff"), name  # a byte-order mark (Windows editors) is no text
