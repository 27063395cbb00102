"""JSON exports: ``render`` (one array, for scripts) and ``render_lines`` (JSON lines)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from efmcat.taxonomy import Taxonomy


def render(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy | None = None) -> str:
    return json.dumps(list(records), indent=2, ensure_ascii=False) + "\n"


def render_lines(records: Sequence[Mapping[str, Any]], taxonomy: Taxonomy | None = None) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
