"""Reading a file argument, where ``-`` means standard input (the CLI convention)."""

from __future__ import annotations

import os
import sys

from efmcat.errors import ParseError

MAX_TEXT_BYTES = 64_000_000  # an id list or a labelled set; /dev/zero on stdin ran out of memory


def too_large(label: str, limit: int) -> str:
    """The message for an input past its bound: ``cannot read LABEL: larger than N MB``."""
    return f"cannot read {label}: larger than {limit // 1_000_000} MB"


def read_text(path: str | os.PathLike[str], what: str = "", max_bytes: int | None = None) -> tuple[str, str]:
    """The text of ``path`` (stdin for ``-``) and the name messages should give it.

    A file that cannot be read or decoded, or holds more than ``max_bytes`` (default
    MAX_TEXT_BYTES), is a ParseError: ``cannot read WHAT NAME: why``. A UTF-8 byte-order
    mark at the start is dropped."""
    name = "stdin" if str(path) == "-" else str(path)
    limit = MAX_TEXT_BYTES if max_bytes is None else max_bytes
    label = f"{what + ' ' if what else ''}{name}"
    try:
        data = read_bytes(path, limit)
        if len(data) > limit:
            raise ParseError(too_large(label, limit))
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise ParseError(f"cannot read {label}: {why}") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as a text-mode read gives it
    return text.removeprefix("\ufeff"), name  # a byte-order mark (Windows editors) is no text


def read_bytes(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of ``path`` (stdin for ``-``), at most ``limit + 1`` of them: a caller that
    gets more than ``limit`` says the input is too large (a FIFO or /dev/zero is read no
    further). OSError as ``open`` raises it."""
    if str(path) == "-":
        source = getattr(sys.stdin, "buffer", None)
        return source.read(limit + 1) if source is not None else sys.stdin.read(limit + 1).encode()
    with open(path, "rb") as fh:
        return fh.read(limit + 1)
