"""BibTeX import: every style of arXiv id, LaTeX to Unicode, errors naming the line."""

from __future__ import annotations

import json

from conftest import FIXTURES
from efmcat.catalog import Catalog

IMPORT = FIXTURES / "import"


def test_bibtex_styles(cli, tmp_path):
    result = cli("import", str(IMPORT / "refs.bib"), "--json")
    assert result.exit_code == 0, result.output
    f = json.loads(result.stdout)["files"][0]
    assert (f["rows"], f["papers"], f["arxiv"], f["non_arxiv"]) == (7, 7, 5, 2)
    assert f["skipped"] == []
    with Catalog(tmp_path / "catalog.db") as cat:
        ids = {p.id for p in cat.iter_papers()}
        # eprint+archivePrefix, "arXiv preprint arXiv:", Ar{X}iv:, a pdf url, the arXiv DOI
        assert {"2301.00774", "2310.08659", "2208.07339", "2205.14135", "2309.06180"} <= ids
        flash = cat.get_paper("2205.14135")
        assert flash.title == "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
        assert flash.authors[-1] == "Christopher Ré"
        assert cat.get_paper("2208.07339").title.startswith("LLM.int8(): 8-bit")
        assert cat.get_paper("2301.00774").primary_category == "cs.LG"
        assert cat.get_paper("doi:10.1109/emc2-nips53020.2019.00016").year == 2019
        assert cat.sources_of("2310.08659")[0]["locator"] == "refs.bib:13"
        # an entry with no arXiv id, DOI or URL is kept under a title id
        nolink = cat.get_paper("title:a-paper-without-any-link")
        assert (nolink.authors, nolink.year, nolink.journal_ref) == (
            ["Some Nobody"],
            2020,
            "Journal of Things",
        )
        assert cat.sources_of(nolink.id)[0]["locator"] == "refs.bib:50"


def test_broken_bibtex_imports_nothing_and_names_the_line(cli, tmp_path):
    result = cli("import", str(IMPORT / "refs.bib"), str(IMPORT / "broken.bib"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: {IMPORT / 'broken.bib'}:7: cannot parse entry broken2023: Unexpected block start: "
        "`@misc`. Was still looking for field-value closing `}`"
    )
    assert "Traceback" not in result.output
    with Catalog(tmp_path / "catalog.db") as cat:
        assert cat.count() == 0
