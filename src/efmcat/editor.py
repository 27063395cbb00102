"""Text in the user's editor ($VISUAL, else $EDITOR), for ``efmcat edit`` and ``efmcat note``."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from efmcat.errors import EfmcatError, ParseError, UsageError


def editor_command() -> list[str]:
    cmd = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not cmd or not cmd.strip():
        raise UsageError("set $EDITOR (or $VISUAL) to your text editor, e.g. export EDITOR=nano")
    return shlex.split(cmd)


def edit_text(text: str, *, suffix: str = ".txt") -> str:
    """Open ``text`` in the editor and return what was saved."""
    command = editor_command()
    fd, name = tempfile.mkstemp(prefix="efmcat-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            raise UsageError(f"cannot run the editor '{command[0]}': {exc.strerror or exc}") from exc
        if done.returncode != 0:
            raise EfmcatError(
                f"the editor '{command[0]}' exited with status {done.returncode}; nothing changed"
            )
        data = path.read_bytes()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            keep = path.with_name(path.name.replace("efmcat-", "efmcat-kept-", 1))
            path.replace(keep)  # what was typed is not lost with the temporary file
            raise ParseError(
                f"the editor saved text that is not UTF-8 (byte {exc.start}); nothing changed: "
                f"your text is kept in {keep}: save it as UTF-8 and try again"
            ) from exc
    finally:
        path.unlink(missing_ok=True)
