"""Commands: discover (issue 6)."""

from __future__ import annotations
