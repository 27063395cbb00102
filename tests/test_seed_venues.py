"""Venues the lists state are kept only when the venue met after the paper reached arXiv
(tools/derive_catalog.py's plausible_venue), and the shipped catalog holds no other."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("pid", "venue", "kept"),
    [
        ("2210.17323", "ICLR 2022", False),  # GPTQ: ICLR 2022 met in May 2022, before October
        ("2210.17323", "ICLR 2023", True),
        ("2203.01234", "ICLR 2022", True),
        ("2207.01234", "ICLR 2022", True),  # two months after it met: a camera-ready posted late
        ("2208.01234", "ICLR 2022", False),
        ("2301.01234", "NeurIPS 2022", True),  # December 2022 + 2 months
        ("2303.01234", "NeurIPS 2022", False),
        ("1805.05551", "AAAI 2018", False),  # AAAI meets in February
        ("2301.01234", "TPDS 2022", False),  # a journal: its year only
        ("2212.01234", "TPDS 2022", True),
        ("title:some-paper", "ICLR 2022", True),  # no arXiv id: nothing to compare
        ("2210.17323", "Workshop on X", True),  # no year
        ("2210.17323", None, False),
    ],
)
def test_plausible_venue(derive, pid, venue, kept):
    assert derive.plausible_venue(pid, venue) is kept


def test_shipped_catalog_holds_only_plausible_venues(derive):
    with sqlite3.connect(REPO / "data" / "catalog.db") as db:
        rows = db.execute("SELECT id, venue FROM papers WHERE venue IS NOT NULL AND venue != ''").fetchall()
    assert len(rows) > 1000
    assert [(pid, v) for pid, v in rows if not derive.plausible_venue(pid, v)] == []
