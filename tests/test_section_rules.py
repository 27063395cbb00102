"""tools/sections.yaml: each list heading gives the areas its rule says, and a rule written for
one heading does not take its siblings through their parent's title."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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


def test_no_shipped_row_is_classified_by_its_parent_alone_when_its_own_heading_has_a_rule(
    specs, shipped_seeds
):
    """A rule that matches a row's section only through a parent heading is right for
    "LLM Serving / Request Scheduling", but wrong where a rule of the row's own (last)
    heading comes later: that rule was written for it."""
    wrong = []
    for name in ("lists.yaml", "survey.yaml"):
        data = shipped_seeds(name)
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


@pytest.fixture(scope="module")
def area_of(derive):
    return derive.ds.load_taxonomy()[1]


def _row(derive, source, tags):
    return derive.Row(source=source, file="f", line=1, section="s", title="t", link=None, pid="p", tags=tags)


@pytest.mark.parametrize(
    ("headings", "own", "expected"),
    [
        # Medusa: a spec-decoding list and ml-systems' "Inference System"
        ([["speculative-decoding"], ["serving"]], [], ["speculative-decoding"]),
        # S-LoRA: llm-inference's "Serving for LoRA" names both
        ([["serving", "peft"]], [], ["peft"]),
        # a serving system and nothing else stays serving (memory)
        ([["serving"]], [], ["serving"]),
        # a heading names the memory side: offloading, the KV cache
        ([["offloading"], ["serving"], ["moe"]], [], ["offloading", "serving", "moe"]),
        (
            [["serving", "kv-cache-compression"], ["quantization"]],
            [],
            ["serving", "kv-cache-compression", "quantization"],
        ),
        # "Auto-regressive Decoding" names no method (Splitwise)
        ([["decoding"], ["serving"]], [], ["decoding", "serving"]),
        # the survey's own curated serving is the survey's decision
        ([["moe"], ["serving"]], ["serving", "memory"], ["moe", "serving"]),
        # the survey's own method area counts as another list's heading does
        ([["serving"]], ["sparsification", "moe"], []),
        # a heading that gives serving with another node means both (LoongServe: "Serving
        # Long-Context"), unless the node is a method the definition names (LoRA, MoE)
        ([["serving", "long-context"], ["serving"]], [], ["serving", "long-context"]),
        ([["serving", "fine-tuning"]], [], ["serving", "fine-tuning"]),
        ([["serving", "moe"]], [], ["moe"]),
    ],
)
def test_a_serving_heading_yields_to_a_method_another_heading_names(derive, area_of, headings, own, expected):
    rows = [_row(derive, f"list{i}", tags) for i, tags in enumerate(headings)]
    assert derive.heading_tags(rows, area_of, own=own) == expected


def test_the_shipped_seeds_file_serving_yields_and_not_under_applies(shipped_seeds):
    """What the rule above gives the shipped seeds: Medusa, S-LoRA, SwapMoE are their
    method's, not memory's; and the rows of not_under lose their heading's node (Alpa, dense
    models' parallelism, is not MoE)."""
    data = shipped_seeds("lists.yaml")
    by_id = {p["id"]: p for p in data["papers"]}
    for pid in ("2401.10774", "2311.03285", "2308.14352"):  # Medusa, S-LoRA, SwapMoE
        assert "serving" not in by_id[pid]["tags"] and "memory" not in by_id[pid]["tags"], pid
    assert "moe" not in by_id["2201.12023"]["tags"]  # Alpa
    assert "sparsification" not in by_id["2201.12023"]["tags"]
    # ShadowKV: llm-inference's "Memory Manage" names memory itself, so serving stays
    assert {"serving", "memory", "long-context"} <= set(by_id["2410.21465"]["tags"])


def test_a_not_under_entry_that_names_no_row_is_an_error(derive, tmp_path):
    """A stale correction (the list renamed the paper) must not pass in silence."""
    spec = derive.ListSpec(
        "mini", "Mini", "o/mini@1", ["mini.md"], None, [derive.Rule(re.compile("."), ["moe"], None)]
    )
    (tmp_path / "mini.md").write_text(
        "# Mini\n\n## MoE System\n\n- [Alpa: A Paper](https://arxiv.org/abs/2201.12023)\n", encoding="utf-8"
    )
    saved = dict(derive.NOT_UNDER)
    derive.NOT_UNDER.clear()
    try:
        derive.NOT_UNDER[("mini", derive.ds.norm_title("Alpa: A Paper"))] = {"moe"}
        rows, _ = derive.parse_lists([spec], tmp_path, [])
        assert [r.tags for r in rows] == [[]] and not rows[0].labelled
        derive.NOT_UNDER[("mini", derive.ds.norm_title("Another Paper"))] = {"moe"}
        with pytest.raises(SystemExit, match="not_under names no listed row"):
            derive.parse_lists([spec], tmp_path, [])
    finally:
        derive.NOT_UNDER.clear()
        derive.NOT_UNDER.update(saved)


def test_only_ml_systems_reads_rows_without_a_link(specs):
    assert [name for name, spec in specs.items() if spec.linkless] == ["ml-systems"]


@pytest.mark.parametrize(
    ("section", "tags"),
    [  # kernels, graphs and memory for any device: the heading says no edge device (hardware)
        ("V.A. High-Speed Computation Kernels / V.A.1. Quantization", ["quantization"]),
        (
            "V.C. Memory Optimization / V.C.2. Data Locality and Access Pattern / Memory Fragments Elimination",
            ["memory"],
        ),
        (
            "V.C. Memory Optimization / V.C.3. Storage Hierarchy and Offloading / MoE Offloading",
            ["offloading", "moe"],
        ),
        ("V.F. Cloud-Edge Collaboration / V.F.1 Separate Model Deployment", ["edge-devices"]),
    ],
)
def test_edge_llms_headings(specs, section, tags):
    assert specs["edge-llms"].classify(section).tags == tags


def test_the_moe_lists_bracketed_venues_are_read(derive):
    assert derive.venue_year(
        "- Merging Experts into One [[EMNLP 2023](https://arxiv.org/abs/2310.09832)]"
    ) == (
        "EMNLP 2023",
        2023,
    )
    assert derive.venue_year(
        "- GShard: Scaling Giant Models [[ICLR2021]](https://openreview.net/forum?id=x)"
    ) == (
        "ICLR 2021",
        2021,
    )


def test_the_shipped_seeds_keep_the_landmarks_listed_without_a_link(shipped_seeds):
    """Megatron-LM, GPipe and ZeRO were left out: their ml-systems rows link nowhere. They
    are kept, under their arXiv ids (a curator's `same:`), moved from their `title:` ids. A
    row of a paper another list links (INFaaS) joins the link's id, not its title's."""
    data = shipped_seeds("lists.yaml")
    by_id = {p["id"]: p for p in data["papers"]}
    megatron = by_id["1909.08053"]
    assert megatron["moved_from"] == ["title:megatron-lm-training-multi-billion-parameter-language-models"]
    assert (
        megatron["year"] == 2019
        and megatron["rows"][0]["section"] == "Training System / Distributed training"
    )
    assert "link" not in megatron["rows"][0]  # the row links nowhere; the paper links arXiv
    assert megatron["link"] == "https://arxiv.org/abs/1909.08053"
    assert by_id["1811.06965"]["title"].startswith("GPipe")
    assert by_id["1910.02054"]["venue"] == "SC 2020"  # ZeRO
    assert not any(i.startswith(("title:gpipe", "title:megatron", "title:zero-memory")) for i in by_id)
    infaas = by_id["url:usenix.org/conference/atc21/presentation/romero"]
    assert {r["source"] for r in infaas["rows"]} == {"llm-inference", "ml-systems"}
    assert not any(i.startswith("title:infaas") for i in by_id)
    # a paper a row without a link names keeps the link of another row (it lost it)
    welder = by_id["url:usenix.org/conference/osdi23/presentation/shi"]
    assert welder["link"] == "https://www.usenix.org/conference/osdi23/presentation/shi"
    assert "link" not in welder["rows"][0] and welder["rows"][1]["link"] == welder["link"]
    gshard = by_id["2006.16668"]  # its linkless ml-systems row and the moe list's OpenReview link
    assert gshard["moved_from"] == ["openreview:qrwe7XHTmYb"]
    assert {r["source"] for r in gshard["rows"]} == {"ml-systems", "moe"}


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("-   2018-NIPSw-[A](https://arxiv.org/abs/1811.00001)", "NeurIPS 2018 Workshop"),
        ("-   2017-NIPSw-[A](https://arxiv.org/abs/1711.00001)", "NIPS 2017 Workshop"),
        ("-   2019-CVPRo-[A](https://arxiv.org/abs/1904.00001)", "CVPR 2019"),  # an oral: the venue
        ("-   2016-ICLRw-[A](https://arxiv.org/abs/1602.00001)", "ICLR 2016 Workshop"),
        ("- [MLsys'24] [A](https://arxiv.org/abs/2401.00001)", "MLSys 2024"),
        ("- [Eurosys'21] [A](https://arxiv.org/abs/2101.00001)", "EuroSys 2021"),
        ("- [SC workshop'25] [A](https://arxiv.org/abs/2501.00001)", "SC 2025 Workshop"),
        ("- [ACMMM'25] [A](https://arxiv.org/abs/2501.00001)", "ACM MM 2025"),
    ],
)
def test_venue_notations_are_the_venues_own(derive, line, said):
    """efficient-dl writes a workshop "NIPSw" and an oral "CVPRo"; ml-systems "MLsys",
    "Eurosys", "SC workshop": the catalog says the venue as the venue does."""
    assert derive.venue_year(line)[0] == said


def test_merged_venue_versions_keep_the_arxiv_title_and_the_acl_findings(shipped_seeds):
    """A `same:` merge keeps the title the arXiv id's rows give (Mooncake's FAST'25 title,
    "Trading More Storage for Less Computation", was chosen for its casing), names the
    other one in its note, and a merged ACL Findings id still says Findings (MiniKV)."""
    by_id = {p["id"]: p for p in shipped_seeds("lists.yaml")["papers"]}
    mooncake = by_id["2407.00079"]
    assert mooncake["title"] == "Mooncake: A KVCache-centric Disaggregated Architecture for LLM Serving"
    assert "Trading More Storage for Less Computation" in mooncake["note"]
    ba = by_id["1312.6184"]  # Ba & Caruana: the NIPS link's text misnames it
    assert ba["title"] == "Do deep nets really need to be deep?"
    assert ba["moved_from"] == ["url:papers.nips.cc/paper/5484-do-deep-nets-really-need-to-be-deep"]
    assert "url:papers.nips.cc/paper/5484-do-deep-nets-really-need-to-be-deep" not in by_id
    assert by_id["2411.18077"]["venue"] == "ACL 2025 Findings"
    assert by_id["2308.13399"]["authors"] == ["Alexander Tsvetkov", "Alon Kipnis"]  # "A B. C D"
    ffsplit = by_id["2401.04044"]  # a typo corrected (`typos:`); its row keeps what the list says
    assert ffsplit["title"].endswith("in Language Model Inference")
    assert ffsplit["rows"][0]["title"].endswith("in Language Model Inferenc")
    notes = [p["note"] for p in by_id.values() if "which is another paper" in p.get("note", "")]
    assert notes and all(
        "arXiv id url:" not in n and "arXiv id openreview:" not in n for n in notes
    )  # a link of another site is no arXiv id
