"""The shipped catalog as a map of the field: every curated list merged, each paper once,
described as its sources allow (issue: the field's catalog)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHIPPED = REPO / "data" / "catalog.db"
LABELS = REPO / "data" / "labels.jsonl"
LISTS = {"survey", "horseee", "llm-inference", "spec-decoding", "ml-systems", "tensor-compilers", "edge-llms",
         "moe", "efficient-dl"}  # fmt: skip

# The papers a new user missed, with the titles they must carry.
WHY = {
    "2401.10774": "Medusa: Simple LLM Inference Acceleration Framework with Multiple Decoding Heads",
    "2309.17453": "Efficient Streaming Language Models with Attention Sinks",
    "2307.08691": "FlashAttention-2: Faster Attention with Better Parallelism and Work Partitioning",
    "2305.09781": "SpecInfer: Accelerating Generative Large Language Model Serving with Speculative Inference",
    "2402.02750": "KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache",
    "2401.06118": "Extreme Compression of Large Language Models via Additive Quantization",
    "2312.07104": "Efficiently Programming Large Language Models using SGLang",
    "2401.09670": "DistServe: Disaggregating Prefill and Decoding for Goodput-optimized Large Language Model",
    "2311.03285": "S-LoRA: Serving Thousands of Concurrent LoRA Adapters",
    "2312.12456": "PowerInfer: Fast Large Language Model Serving with a Consumer-grade GPU",
    "2402.17764": "The Era of 1-bit LLMs: All Large Language Models are in 1.58 Bits",
    "2401.15024": "SliceGPT: Compress Large Language Models by Deleting Rows and Columns",
    "2303.06865": "FlexGen: High-Throughput Generative Inference of Large Language Models with a Single GPU",
    "2206.09557": "LUT-GEMM",
}


@pytest.fixture(scope="module")
def seeds() -> list[dict]:
    papers = []
    for f in sorted(SEEDS.glob("*.yaml")):
        papers += yaml.load(
            f.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )["papers"]
    return papers


@pytest.fixture(scope="module")
def db():
    con = sqlite3.connect(f"file:{SHIPPED}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    yield con
    con.close()


def arxiv_year(pid: str) -> int:
    return 2000 + int(pid[:2]) if int(pid[:2]) < 90 else 1900 + int(pid[:2])


def test_at_least_3000_papers_each_once(seeds):
    ids = [p["id"] for p in seeds]
    assert len(ids) >= 3000
    assert len(ids) == len(set(ids))
    for pid in ids:
        assert not re.match(r"^(arxiv:)?\d{4}\.\d{4,5}v\d+$", pid, re.I), pid


def test_every_list_contributes(seeds):
    sources = {r["source"] for p in seeds for r in p["rows"]}
    assert sources == LISTS


def test_arxiv_papers_have_title_year_from_id_and_date(seeds):
    for p in seeds:
        if re.match(r"^\d{4}\.\d{4,5}$", p["id"]):
            assert p["title"].strip(), p["id"]
            assert p["year"] == arxiv_year(p["id"]), p["id"]
            assert str(p["published"]).startswith(f"{p['year']}-{p['id'][2:4]}"), p["id"]


def test_abstracts_are_plain_text(seeds):
    for p in seeds:
        text = p.get("abstract") or ""
        assert "\\(" not in text and "\\times" not in text, p["id"]


def test_no_title_is_a_list_artifact(seeds):
    for p in seeds:
        t = p["title"]
        assert not t.startswith(("*", "[", "Repo", "Paper")), (p["id"], t)
        assert not re.match(r"^\d{1,2} [A-Z][a-z]{2} \d{4}$", t), (p["id"], t)


def test_the_papers_a_user_missed_are_there_with_their_titles(seeds):
    by_id = {p["id"]: p for p in seeds}
    for pid, title in WHY.items():
        assert pid in by_id, pid
        assert by_id[pid]["title"].startswith(title), (pid, by_id[pid]["title"])


def test_non_papers_are_marked(seeds):
    kinds = {p["id"]: p.get("kind", "paper") for p in seeds}
    assert kinds["url:github.com/LLMServe/SwiftTransformer"] == "repo"
    assert kinds["url:discuss.huggingface.co/t/memory-use-of-gpt-j-6b/10078"] == "post"
    assert kinds["url:llm-class.github.io/slides/Kai_Sheng_Tai.pdf"] == "slides"


def test_every_paper_names_its_sources_with_file_and_line(db):
    rows = db.execute("SELECT paper_id, source, locator FROM sources").fetchall()
    assert {r["source"] for r in rows} == LISTS
    for r in rows:
        assert re.search(r"@[0-9a-f]{7}:\S+:\d+$", r["locator"]), dict(r)
    without = db.execute("SELECT count(*) FROM papers WHERE id NOT IN (SELECT paper_id FROM sources)")
    assert without.fetchone()[0] == 0


def test_provenance_is_recorded(db):
    row = db.execute("SELECT provenance FROM papers WHERE id = '2401.10774'").fetchone()
    prov = json.loads(row[0])
    assert prov["year"] == "arXiv id"
    assert "arxiv-metadata" in prov["abstract"]


def test_labelled_set_is_multi_list(db):
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert len(labels) > 2000
    assert [r["id"] for r in labels] == sorted(r["id"] for r in labels)
    lists = {name for r in labels for name in r["lists"]}
    assert lists <= LISTS and len(lists) >= 8
    core = {"sparsification", "quantization", "attention", "memory", "compiler", "hardware"}
    for area in core:
        assert sum(1 for r in labels if any(area in a for a in r["lists"].values())) >= 50, area


@pytest.fixture
def shipped(cli, monkeypatch):
    monkeypatch.delenv("EFMCAT_DB")
    return cli


def test_search_speculative_decoding(shipped):
    r = shipped("search", "speculative decoding", "--json")
    recs = json.loads(r.stdout)
    assert len(recs) == 20
    assert all("specul" in (x["title"] + (x["abstract"] or "")).lower() for x in recs)


def test_search_kv_cache_since_2024(shipped):
    recs = json.loads(shipped("search", "kv cache", "--since", "2024", "--json").stdout)
    assert len(recs) == 20
    assert all(x["year"] >= 2024 and "kv" in (x["title"] + (x["abstract"] or "")).lower() for x in recs)


def test_list_by_tag_and_source(shipped):
    kv = json.loads(shipped("list", "--tag", "kv-cache-compression", "--json").stdout)
    assert len(kv) > 50
    survey = json.loads(shipped("list", "--source", "survey", "--json").stdout)
    assert 160 <= len(survey) <= 169
    quant = json.loads(shipped("list", "--section", "Model Design / Quantization", "--json").stdout)
    assert {p["id"] for p in quant} <= {p["id"] for p in survey}
    assert "2210.17323" in {p["id"] for p in quant}


def test_non_papers_only_when_asked(shipped):
    plain = json.loads(shipped("list", "--json").stdout)
    assert all(p["kind"] == "paper" for p in plain)
    repos = json.loads(shipped("list", "--kind", "repo", "--json").stdout)
    assert repos and all(p["kind"] == "repo" for p in repos)
    everything = json.loads(shipped("list", "--kind", "any", "--json").stdout)
    assert len(everything) == len(plain) + sum(1 for p in everything if p["kind"] != "paper")
    r = shipped("list", "--kind", "tweet")
    assert r.exit_code == 2
    assert (
        r.stderr
        == "Error: unknown kind 'tweet': use one of paper, repo, blog, slides, post, page, report or any\n"
    )


def test_export_survey_by_its_own_sections(shipped):
    r = shipped("export", "--format", "md", "--source", "survey")
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[1:4] == [
        "Model Design / Quantization",
        "Model Design / Distillation",
        "Model Design / Pruning",
    ]
    assert "Model-Sys Co-Design / MoE" in headings
    links = re.findall(r"\[(arXiv:\S+|link)\]\((\S+)\)", text)
    ids = re.findall(r"\(https://arxiv\.org/abs/([\d.]+)\)", text)
    assert len(ids) == len(set(ids)) > 100
    assert links


def test_sources_command(shipped):
    r = shipped("sources", "--json")
    counts = {d["source"]: d["papers"] for d in json.loads(r.stdout)}
    assert set(counts) == LISTS
    assert counts["survey"] >= 160


def test_stats_by_source(shipped):
    whole = json.loads(shipped("stats", "--json").stdout)
    survey = json.loads(shipped("stats", "--source", "survey", "--json").stdout)
    assert whole["papers"] >= 3000
    assert 160 <= survey["papers"] <= 169


def test_check_on_a_fresh_install_exits_zero(shipped):
    r = shipped("check")
    assert r.exit_code == 0, r.stdout[-2000:]
    summary = r.stderr.splitlines()[-1]
    assert summary.startswith("Checked 3") and ": 0 problems; notes:" in summary, summary


def test_list_by_a_node_family(shipped):
    family = json.loads(shipped("list", "--tag", "kv-cache", "--json").stdout)
    assert len(family) > 50
    assert all(
        {"kv-cache-quant", "kv-cache-compression", "kv-cache-eviction", "kv-cache-reuse"} & set(p["tags"])
        for p in family
    )
    trailing = json.loads(shipped("list", "--tag", "kv-cache-", "--json").stdout)
    assert [p["id"] for p in trailing] == [p["id"] for p in family]  # the family, as it is written
    node = shipped("list", "--tag", "qat", "--json").stdout
    assert shipped("list", "--tag", "QAT-", "--json").stdout == node  # a node, written as a family
    # a family whose prefix is a node: with the hyphen the family, without it the area
    members = json.loads(shipped("list", "--tag", "memory-", "--json", "-n", "100000").stdout)
    area = json.loads(shipped("list", "--tag", "memory", "--json", "-n", "100000").stdout)
    assert 0 < len(members) < len(area)
    assert all(any(t.startswith("memory-") for t in p["tags"]) for p in members)
    assert any("memory-efficient-finetuning" in p["tags"] and "memory" not in p["tags"] for p in members)
    r = shipped("list", "--tag", "kv-cach")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: unknown taxonomy node 'kv-cach'")


def test_an_unknown_source_is_one_line(shipped):
    for args in (("search", "gptq"), ("list",), ("stats",), ("export", "--format", "md")):
        r = shipped(*args, "--source", "survy")
        assert r.exit_code == 1, args
        assert r.stderr.splitlines()[-1] == (
            "Error: unknown source 'survy': `efmcat sources` lists the sources of this catalog"
        )
        assert len([line for line in r.stderr.splitlines() if line.startswith("Error")]) == 1


def test_an_unknown_section_is_one_line(shipped):
    r = shipped("list", "--source", "survey", "--section", "Quantisation")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == (
        "Error: no section heading of survey contains 'Quantisation': `efmcat show ID` lists a paper's sections"
    )
    r = shipped("search", "gptq", "--section", "zzz")
    assert r.stderr.splitlines()[-1] == (
        "Error: no section heading contains 'zzz': `efmcat show ID` lists a paper's sections"
    )
    listed = json.loads(shipped("list", "--source", "survey", "--section", "Quantization", "--json").stdout)
    assert len(listed) > 10


def test_every_arxiv_category_is_a_category(seeds):
    """The metadata writes categories as one string ("cs.LG cs.AI"); read as a list, three
    papers had them spelled out letter by letter (["c", "s", ".", "L", "G"]), so their
    BibTeX primaryClass was "c"."""
    bad = {
        p["id"]: p["categories"]
        for p in seeds
        if any(not re.fullmatch(r"[a-z-]+(\.[A-Za-z-]+)?", c) for c in p.get("categories") or [])
    }
    assert bad == {}
