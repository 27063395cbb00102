"""tools/sections.yaml: each list heading gives the areas its rule says, and a rule written for
one heading does not take its siblings through their parent's title."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def specs(derive):
    return {s.name: s for s in derive.load_specs(REPO / "tools" / "sections.yaml")}


HARDWARE = "Inference on hardware: GPUs, CPUs or based on SSD"


@pytest.mark.parametrize(
    ("section", "tags"),
    [
        (HARDWARE, ["hardware"]),
        (f"{HARDWARE} / CPUs or based on SSD", ["offloading"]),
        (f"{HARDWARE} / Inference on personal device", ["edge-devices"]),
        (f"{HARDWARE} / GPU sharing", ["serving"]),
        (f"{HARDWARE} / Heterogeneous or decentralized environments", ["serving"]),
        (f"{HARDWARE} / Underlying optimization for GPU", ["hardware"]),
    ],
)
def test_the_sub_headings_of_inference_on_hardware(specs, section, tags):
    """The parent's title names "CPUs or based on SSD" too: that rule once took every sibling."""
    assert specs["llm-inference"].classify(section).tags == tags


def test_no_shipped_row_is_classified_by_its_parent_alone_when_its_own_heading_has_a_rule(specs):
    """A rule that matches a row's section only through a parent heading is right for
    "LLM Serving / Request Scheduling", but wrong where a rule of the row's own (last)
    heading comes later: that rule was written for it."""
    wrong = []
    for name in ("lists.yaml", "survey.yaml"):
        data = yaml.safe_load((REPO / "seeds" / name).read_text(encoding="utf-8"))
        for paper in data["papers"]:
            for row in paper.get("rows") or []:
                spec, section = specs.get(row.get("source")), row.get("section")
                if spec is None or not spec.rules or not section or " / " not in section:
                    continue
                rule = spec.classify(section)
                last = section.rsplit(" / ", 1)[1]
                if rule.pattern.search(last):
                    continue
                own = next((r for r in spec.rules if r.pattern.search(last)), None)
                if own is not None and own is not rule:
                    wrong.append((row["source"], section, rule.pattern.pattern, own.pattern.pattern))
    assert not wrong, wrong[:5]
