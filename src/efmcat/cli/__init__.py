"""The efmcat command line. Importing this module must stay cheap: no httpx, feedparser,
bibtexparser or yaml here; commands import what they need when they run."""

from __future__ import annotations

# Each module registers its commands on ``app``.
from efmcat.cli import (
    catalog_cmds,  # noqa: F401
    completion_cmds,  # noqa: F401
    discover_cmds,  # noqa: F401
    explore_cmds,  # noqa: F401
    fetch_cmds,  # noqa: F401
    io_cmds,  # noqa: F401
    personal_cmds,  # noqa: F401
    tag_cmds,  # noqa: F401
)
from efmcat.cli._app import app


def main() -> None:
    app(prog_name="efmcat")


__all__ = ["app", "main"]
