"""Mutation testing for efmcat: change one line at a time and see whether the tests notice.

    python tools/mutate.py                      # every module in TESTS, 80 mutants each
    python tools/mutate.py ids query --per-module 40 --jobs 2
    python tools/mutate.py arxiv --list         # show the sampled mutants, run nothing
    python tools/mutate.py catalog --only 269,319   # only the sampled mutants on these lines

Operators (one change per mutant): flip a comparison (== !=, < >=, > <=, <= <, >= >), swap
and/or, True/False, drop a ``not``, negate an if/elif/while condition, drop a regular
expression's ^ or $ anchor, add 1 to a number, delete a simple statement (``pass``).
Mutants that do not compile are discarded. Candidates are sampled deterministically
(``--seed``), so two runs on the same code try the same mutants.

Each mutant runs the module's tests (TESTS below) with ``pytest -x`` against a copy of the
source tree put first on PYTHONPATH, so tests that start ``python -m efmcat`` or the
installed ``efmcat`` in a subprocess run the mutant too. A mutant is killed when the tests
fail or time out. The score is killed / run per module; survivors are listed with their
line, and those known to be equivalent (no behaviour can tell them apart) are marked.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "efmcat"

TESTS: dict[str, list[str]] = {
    "ids": ["tests/test_ids.py", "tests/test_mutation_kills.py"],
    "query": [
        "tests/test_query.py",
        "tests/test_search_operators.py",
        "tests/test_catalog_cli.py",
        "-k",
        "search or query",
    ],
    "tagger": [
        "tests/test_tagger_library.py",
        "tests/test_tagger_fastpath.py",
        "tests/test_tagger.py",
        "tests/test_tag_cmds.py",
        "tests/test_mutation_kills.py",
    ],
    "formats/markdown_list": [
        "tests/test_markdown_titles.py",
        "tests/test_markdown_list_kills.py",
        "tests/test_import_markdown.py",
        "tests/test_mutation_kills.py",
    ],
    "arxiv": ["tests/test_arxiv_client.py", "tests/test_faults_network.py"],
    "catalog": [  # the fast library tests first: with -x most mutants die in seconds
        "tests/test_catalog_library.py",
        "tests/test_catalog_store.py",
        "tests/test_mutation_kills.py",
        "tests/test_faults_catalog.py",
        "tests/test_scale.py",
        "tests/test_import_by_title.py",  # the title lookups (ids_by_title, loose_titles)
    ],
    # the modules of the last two sessions (parallel import parse, gc settings, search SQL,
    # the piped search fast path, the arXiv snapshot parser, BibTeX export)
    "spool": ["tests/test_spool_kills.py", "tests/test_import_fastpaths.py", "tests/test_import_jsonl.py"],
    "bulk": ["tests/test_bulk.py"],
    # one paper, once: merging a record without an arXiv id into its arXiv paper
    "merge": [
        "tests/test_merge.py",
        "tests/test_import_by_title.py",
        "tests/test_check.py",
        "tests/test_add_refresh.py",
        "tests/test_discover.py",
        "-k",
        "title or merge or absorb or fix",
    ],
    "searchsql": [
        "tests/test_searchsql_kills.py",
        "tests/test_query.py",
        "tests/test_catalog_library.py",
        "tests/test_fastpath.py",
    ],
    "quicksearch": ["tests/test_quicksearch_kills.py", "tests/test_fastpath.py"],
    "formats/jsonl_snapshot": [
        "tests/test_jsonl_snapshot_kills.py",
        "tests/test_import_fastpaths.py",
        "tests/test_import_jsonl.py",
        "tests/test_limits.py",
    ],
    # the labelled papers training and eval read (labels tables, section rows, spellings)
    "labels": ["tests/test_model.py", "tests/test_tag_cmds.py", "-k", "label or lolo or train or eval"],
    # the learned model: training, thresholds, decisions, the fast paths held equal to the plain ones
    "model": [
        "tests/test_model_kills.py",
        "tests/test_model.py",
        "tests/test_tagger_fastpath.py",
        "tests/test_tag_cmds.py",
    ],
    # merging a new release into a user's catalog (whose edits, tags and notes it must keep)
    "update": [
        "tests/test_update_kills.py",
        "tests/test_update.py",
        "tests/test_curator_notes.py",
        "tests/test_cli_conventions.py",
        "-k",
        "update",
    ],
    # backups: who decided each tag, the source rows, the records they are written from
    "validate": [
        "tests/test_round_trips.py",
        "tests/test_validation.py",
        "tests/test_import_jsonl.py",
        "tests/test_hunt_small.py",
        "tests/test_curator_notes.py",
    ],
    "suggest": ["tests/test_suggest.py"],
    "records": ["tests/test_round_trips.py", "tests/test_catalog_cli.py", "tests/test_personal.py"],
    "importer": [
        "tests/test_round_trips.py",
        "tests/test_import_markdown.py",
        "tests/test_validation.py",
        "tests/test_import_jsonl.py",
        "tests/test_import_by_title.py",
    ],
    # "more like this"
    "similar": [
        "tests/test_similar_kills.py",
        "tests/test_explore.py",
        "tests/test_flat_memory.py",
        "-k",
        "similar",
    ],
    # the catalog's integrity check and its safe merges (check --fix)
    "check": [
        "tests/test_check_kills.py",
        "tests/test_check.py",
        "tests/test_catalog_seeds.py",
        "tests/test_catalog_cli.py",
        "tests/test_flat_memory.py",
        "tests/test_scale.py",
        "-k",
        "check or blocks",
    ],
    # the tagger's one-scan matcher (terms and model features of a field in one pass)
    "fastmatch": [
        "tests/test_fastmatch_kills.py",
        "tests/test_tagger_fastpath.py",
        "tests/test_tagger_library.py",
        "tests/test_tagger.py",
        "tests/test_model.py",
    ],
    # the taxonomy: its file read and checked, node lookups, areas of subtopics
    "taxonomy": [
        "tests/test_taxonomy_kills.py",
        "tests/test_tagger_library.py",
        "tests/test_tag_cmds.py",
        "tests/test_validation.py",
        "tests/test_seeds_file.py",
        "tests/test_tagger.py",
        "tests/test_completion.py",
    ],
    # the shipped catalog made from seeds/ (tagged by the model, curated tags kept; its release id)
    "build": [
        "tests/test_build_kills.py",
        "tests/test_shipped_catalog.py",
        "tests/test_catalog_seeds.py",
        "tests/test_update.py",
        "tests/test_validation.py",
    ],
    # a paper's fields edited by hand (the editor or --set), tags kept
    "edit": [
        "tests/test_build_kills.py",
        "tests/test_personal.py",
        "tests/test_catalog_cli.py",
        "tests/test_validation.py",
        "-k",
        "edit",
    ],
    # export: every format's writer picked, filtered and streamed (efmcat export)
    "export": [
        "tests/test_export_kills.py",
        "tests/test_export_formats.py",
        "tests/test_round_trips.py",
        "tests/test_catalog_cli.py",
        "tests/test_cli_conventions.py",
        "tests/test_scale.py",
        "tests/test_faults_catalog.py",
    ],
    # notes, reading status and stars
    "personal": [
        "tests/test_personal_kills.py",
        "tests/test_personal.py",
        "tests/test_catalog_cli.py",
        "tests/test_fastpath.py",
    ],
    # what the accuracy tables are computed by (per-area counts, leave one list out, agreement)
    "evaluate": [
        "tests/test_model.py",
        "tests/test_tag_cmds.py",
        "tests/test_tagger.py",
        "tests/test_bootstrap.py",
        "-k",
        "eval or lolo or agreement or subtopic or expert or f1 or table or label or interval or drawn",
    ],
    # LaTeX in titles and abstracts as plain text (derivation and the arXiv client)
    "latex": ["tests/test_latex.py", "tests/test_arxiv_client.py", "-k", "latex"],
    # the accuracy tables' 95% intervals (papers drawn again)
    "bootstrap": [
        "tests/test_bootstrap.py",
        "tests/test_model.py",
        "-k",
        "bootstrap or interval or drawn or table or subtopic",
    ],
    "formats/bibtex": [
        "tests/test_bibtex_fidelity.py",  # import: verbatim fields, venues read back, shared keys
        "tests/test_bibtex_export_kills.py",
        "tests/test_export_formats.py",
        "tests/test_import_bibtex.py",
        "tests/test_round_trips.py",
    ],
}


def _pytest_args(args: list[str]) -> list[str]:
    """A module's test arguments for pytest: test files as paths in this checkout; an option,
    and the expression after ``-k``, as written (a ``-k`` expression read as a path keeps
    only the tests its other words select)."""
    out = []
    for i, a in enumerate(args):
        raw = a.startswith("-") or (i > 0 and args[i - 1] == "-k")
        out.append(a if raw else str(REPO / a))
    return out


# Survivors that are equivalent mutants (no input can tell them apart), by module: each as
# (the original line, the mutated line), stripped, and where the original line stands more
# than once in the module, the line above it as a third item; listed in the README. A
# mutant of a listed line that is not listed here is no equivalent. Keep this short and
# justified.
EQUIVALENT: dict[str, set[tuple[str, ...]]] = {
    # type-narrowing asserts that cannot fail; and try_parse_arxiv_id's case-fixing retry,
    # dead code since _BARE_RE is case-insensitive (the first match already succeeds)
    "ids": {
        ("assert ident is not None", "pass"),
        ("m = _BARE_RE.match(_case_fix(s[prefix.end() :]))", "pass"),
        (
            'm = _BARE_RE.match(_case_fix(s)) if "/" in s and "://" not in s else None',
            'm = _BARE_RE.match(_case_fix(s)) if "/" in s or "://" not in s else None',
        ),
        ('m = _BARE_RE.match(_case_fix(s)) if "/" in s and "://" not in s else None', "pass"),
    },
    # TYPE_CHECKING-only imports done at run time too (neither module imports the tagger at
    # import time, so nothing changes); a dataclass field whose only writer is compile_rules,
    # which sets it as a plain attribute anyway; NodeScore.assigned's default, which
    # score_paper overwrites for every node before returning it; the break that stops
    # comparing a phrase's words after the first mismatch (the result stays False: speed only)
    "tagger": {
        ("break", "pass", "if not (got.startswith(want) if is_prefix else got == want):"),
        ("if TYPE_CHECKING:", "if not (TYPE_CHECKING):"),
        ("prefix_lengths: list[int] = field(default_factory=list)", "pass"),
        ("assigned: bool = False", "assigned: bool = True"),
    },
    # model: speed only, the same tags. Two caches keyed by the compiled rules compared with
    # the wrong part of the key (always rebuilt), the title cache's bound (never filled, or
    # filled past 5,000), the count that builds the automaton after AUTOMATON_AFTER papers
    # (never built: the token path, held equal to it by tests/test_tagger_fastpath.py; or
    # built after half as many), and the packed lanes' offset doubled (exact up to 2**22
    # features a paper instead of 2**23)
    "model": {
        ("OFFSET = 1 << 40", "OFFSET = 2 << 40"),
        ("OFFSET = 1 << 40", "OFFSET = 1 << 41"),
        (
            "if self._most_of is None or self._most_of[0] is not c:",
            "if self._most_of is None or self._most_of[1] is not c:",
        ),
        (
            "if self._titles is None or self._titles[0] is not c:",
            "if self._titles is None or self._titles[1] is not c:",
        ),
        ("if len(cache) < 5_000:", "if len(cache) >= 5_000:"),
        ("if len(cache) < 5_000:", "if not (len(cache) < 5_000):"),
        ("self._tagged += 1", "pass"),
        ("self._tagged += 1", "self._tagged += 2"),
    },
    # similar: where SQLite keeps the temp scratch table (memory or a temp file: the same
    # rows), and the catalog size floored at 2 instead of 1 (a catalog of one paper has no
    # term in two papers, so no query either way)
    "similar": {
        ('conn.execute("PRAGMA temp_store = MEMORY")', "pass"),
        ("n = max(catalog.count(), 1)", "n = max(catalog.count(), 2)"),
    },
    # BibTeX: an author's surrounding spaces (the citekey's surname is reduced to its
    # letters and digits either way)
    "formats/bibtex": {
        ("author = author.strip()", "pass"),
    },
    # check: the size of a batch of titles written to disk (1,001, or every title alone),
    # the index that only speeds the block search, and two word splits whose extra pieces
    # are cut off or never read; and calling the title-conflict check also for one row
    # unfetched or none fetched (both return no finding)
    "check": {
        ("if len(titles) >= 1_000:", "if len(titles) > 1_000:"),
        ("if len(titles) >= 1_000:", "if not (len(titles) >= 1_000):"),
        ('db.execute("CREATE INDEX ur_rt ON ur (rt, i)")', "pass"),
        (
            'words = [*row[1].split(maxsplit=4), "", "", "", ""][:4]',
            'words = [*row[1].split(maxsplit=5), "", "", "", ""][:4]',
        ),
        ("w = t.rsplit(maxsplit=depth + 1)", "w = t.rsplit(maxsplit=depth + 2)"),
        (
            'if len(rows) > 1 or (rows and paper["fetched_at"]):',
            'if len(rows) > 1 or (rows or paper["fetched_at"]):',
        ),
    },
    # the pauses of two polling loops (waiting for the write lock, waiting for waiters):
    # without them the loops spin, which only costs CPU; the bounds are the same
    "catalog": {
        ("time.sleep(random.uniform(0.001, 0.004))", "pass"),
        ("time.sleep(0.005)", "pass"),
    },
    # a chunk one entry longer (the same entries come back, in order); the size of a file
    # that cannot be stat'ed, 0 or 1, both below PARALLEL_BYTES, and either path reports
    # read_lines' same "cannot read" error; the entry count of a worker's error outcome,
    # which nothing reads
    "spool": {
        ("if len(self.buf) >= CHUNK:", "if len(self.buf) > CHUNK:"),
        ("return 0  # read_lines reports it", "return 1  # read_lines reports it"),
        ('return "error", exc, 0', 'return "error", exc, 1'),
    },
    # fastmatch: a match at the text's start has no word before it either way (the text
    # starts with a space: at 0 the word read before it is empty, and no head word is)
    "fastmatch": {("if start <= 0:", "if start < 0:")},
    # taxonomy: the line an area reports when the taxonomy's mapping has none (every mapping
    # the YAML loader gives has one), and the parsed cache's failed read setting the
    # taxonomy to None again (it was None before the read)
    "taxonomy": {
        ('visit(area, None, data.get("__line__", 1))', 'visit(area, None, data.get("__line__", 2))'),
        ("taxonomy = None", "pass", "except (OSError, ValueError, KeyError, TypeError):"),
    },
    # export: a query's hits read as whole records instead of brief ones (only their ids
    # are read: slower, the same export)
    "export": {("brief=True,", "brief=False,")},
    # first() at exactly SQL_LIMIT: limit_clause put that limit in the SQL, so the rows are
    # already cut to it and an islice of them gives the same rows
    "searchsql": {("if limit is None or limit <= SQL_LIMIT:", "if limit is None or limit < SQL_LIMIT:")},
    # the page of hits whose tags one query reads (the same rows, in pages one row longer);
    # the areas-by-tag-set cache's bound and store (without it each row maps its tags again:
    # the same areas); the wait for a locked catalog, 11 s instead of 10 (no test times it)
    "quicksearch": {
        (
            "PAGE = 500  # hits whose tags are read by one query",
            "PAGE = 501  # hits whose tags are read by one query",
        ),
        ("if len(areas_by_tags) < 10_000:", "if len(areas_by_tags) >= 10_000:"),
        ("if len(areas_by_tags) < 10_000:", "if not (len(areas_by_tags) < 10_000):"),
        ("areas_by_tags[nodes] = got", "pass"),
        (
            "conn = sqlite3.connect(db, timeout=10, isolation_level=None)",
            "conn = sqlite3.connect(db, timeout=11, isolation_level=None)",
        ),
    },
    # bootstrap: where exact binomial draws give way to the normal approximation (30 or 31:
    # two valid samplers); a frozen dataclass nobody writes to; p == 1 drawn as n - Binomial(n,
    # 0), which is n; the normal branch's floor of 1 (its mean is 30 or more and its spread at
    # most the root of that: below 1 lies over 5 standard deviations away); the loop over patterns not stopped once every paper is drawn (the rest
    # draw 0 without a random number)
    "bootstrap": {
        (
            "SMALL_MEAN = 30  # a binomial count expected below this is drawn exactly",
            "SMALL_MEAN = 31  # a binomial count expected below this is drawn exactly",
        ),
        ("@dataclass(frozen=True)", "@dataclass(frozen=False)"),
        ("if p >= 1:", "if p > 1:"),
        ("return min(n, max(0, x))", "return min(n, max(1, x))"),
        ("break", "pass", "if left == 0:"),
    },
    # latex: a plain } that does not pop its group leaves a stale markup entry below; only an
    # unmatched escaped } can reach it, and it renders as the same brace either way
    "latex": {("opened.pop()", "pass", "if opened:")},
    # run_eval loading the default taxonomy once for the files it reads: every function it
    # passes None to loads the same one (load_taxonomy is memoised), so the same figures
    "evaluate": {
        (
            "taxonomy = taxonomy or load_taxonomy()",
            "pass",
            'shipped labels table (the shipped model\'s training set) holds, when it holds some."""',
        ),
        (
            "taxonomy = taxonomy or load_taxonomy()",
            "taxonomy = taxonomy and load_taxonomy()",
            'shipped labels table (the shipped model\'s training set) holds, when it holds some."""',
        ),
    },
}


def is_equivalent(m: Mutant) -> bool:
    """Whether the survivor ``m`` is listed in EQUIVALENT: its line and mutation, and where
    the entry names one, the nearest non-blank line above it."""
    for entry in EQUIVALENT.get(m.module, ()):
        if entry[:2] != (m.before.strip(), m.after.strip()):
            continue
        if len(entry) < 3:
            return True
        lines = (SRC / f"{m.module}.py").read_text(encoding="utf-8").splitlines()
        above = next((x.strip() for x in reversed(lines[: m.line - 1]) if x.strip()), "")
        if above == entry[2]:
            return True
    return False


_FLIP = {"==": "!=", "!=": "==", "<=": "<", ">=": ">", "<": ">=", ">": "<="}
_SWAP_NAMES = {"and": "or", "or": "and", "True": "False", "False": "True"}
_COMPOUND = ("def ", "class ", "if ", "elif ", "else", "for ", "while ", "with ", "try", "except", "finally",
             "@", "return", "yield", "raise", "import ", "from ", "global ", "nonlocal ", "async ", "case ", "match ")  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    module: str
    line: int  # 1-based
    op: str
    before: str
    after: str

    def describe(self) -> str:
        return f"{self.module}:{self.line} [{self.op}] {self.before.strip()}  ->  {self.after.strip()}"


def _string_lines(source: str) -> set[int]:
    """Lines that are inside a multi-line string (docstrings): never mutated."""
    out: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            out.update(range(tok.start[0], tok.end[0] + 1))
    return out


def _pattern_uses(source: str, line: str, col: int) -> set[str]:
    """How the regular expression at ``line[col:]`` is used: {"match"}, {"search", "sub"}, ...

    ``re.match(r"...")`` on the line itself, or ``NAME = re.compile(...)`` and every
    ``NAME.method(`` in the module. An empty set means unknown (mutate everything)."""
    before = line[:col]
    m = re.search(r"re\.(match|fullmatch|search|sub|findall|finditer|split)\($", before.rstrip())
    if m:
        return {m.group(1)}
    m = re.match(r"\s*(\w+)\s*=\s*re\.compile\($", before.rstrip())
    if m:
        methods = set(re.findall(rf"\b{re.escape(m.group(1))}\.(\w+)\(", source))
        return methods or {"?"}
    return {"?"}


def candidates(module: str) -> list[Mutant]:
    path = SRC / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    skip = _string_lines(source)
    out: list[Mutant] = []

    def add(lineno: int, op: str, new_line: str) -> None:
        old = lines[lineno - 1]
        if new_line != old:
            out.append(Mutant(module, lineno, op, old, new_line))

    toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for tok in toks:
        (row, col), (erow, ecol) = tok.start, tok.end
        if row in skip or row != erow or row > len(lines):
            continue
        line = lines[row - 1]
        if tok.type == tokenize.OP and tok.string in _FLIP:
            add(row, "flip comparison", line[:col] + _FLIP[tok.string] + line[ecol:])
        elif tok.type == tokenize.NAME and tok.string in _SWAP_NAMES:
            add(row, "swap", line[:col] + _SWAP_NAMES[tok.string] + line[ecol:])
        elif tok.type == tokenize.NAME and tok.string == "not" and line[ecol : ecol + 1] == " ":
            if line[:col].rstrip().endswith(" is") or line[ecol:].lstrip().startswith("in "):
                continue
            add(row, "drop not", line[:col] + line[ecol + 1 :])
        elif tok.type == tokenize.NUMBER and tok.string.isdigit():
            add(row, "number + 1", line[:col] + str(int(tok.string) + 1) + line[ecol:])
        elif tok.type == tokenize.STRING:
            text = tok.string
            m = re.match(r"^([rRbBuUfF]*)('''|\"\"\"|'|\")", text)
            if not m:
                continue
            prefix, quote = m.group(1), m.group(2)
            body = text[len(prefix) + len(quote) : len(text) - len(quote)]
            if "r" not in prefix.lower():
                continue  # anchors live in raw regular-expression strings
            uses = _pattern_uses(source, line, col)
            # With match()/fullmatch() a ^ anchor changes nothing, and with fullmatch() a $:
            # such mutants are equivalent, so they are not generated.
            if body.startswith("^") and not uses <= {"match", "fullmatch"}:
                new = prefix + quote + body[1:] + quote
                add(row, "drop ^ anchor", line[:col] + new + line[ecol:])
            if body.endswith("$") and not body.endswith("\\$") and not uses <= {"fullmatch"}:
                new = prefix + quote + body[:-1] + quote
                add(row, "drop $ anchor", line[:col] + new + line[ecol:])
    for i, line in enumerate(lines, 1):
        if i in skip:
            continue
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        m = re.match(r"^(\s*)(if|elif|while) (.+):(\s*#.*)?$", line.rstrip("\n"))
        if m and not m.group(3).rstrip().endswith(("(", "[", "{", ",")):
            add(i, "negate condition", f"{m.group(1)}{m.group(2)} not ({m.group(3)}):\n")
        if (
            stripped
            and not stripped.startswith(("#", '"', "'", ")", "]", "}"))
            and not stripped.startswith(_COMPOUND)
            and not stripped.endswith((":", "(", "[", "{", ",", "\\"))
            and indent
        ):
            add(i, "delete statement", f"{indent}pass\n")
    return out


def compiles(module: str, mutant: Mutant) -> bool:
    lines = (SRC / f"{module}.py").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[mutant.line - 1] = mutant.after
    try:
        compile("".join(lines), module, "exec")
    except SyntaxError:
        return False
    return True


def sample(module: str, n: int, seed: int) -> list[Mutant]:
    pool = [m for m in candidates(module) if compiles(module, m)]
    rng = random.Random(f"{seed}:{module}")
    picked = rng.sample(pool, min(n, len(pool)))
    return sorted(picked, key=lambda m: (m.line, m.op, m.after))


class Worker:
    """A private copy of the tree (src, data, seeds, and the labelled fixtures eval's default
    sets read from a checkout) that mutants are written into."""

    def __init__(self, base: Path) -> None:
        self.root = base
        for part in ("src", "data", "seeds", "tests/fixtures"):
            if (REPO / part).exists():
                shutil.copytree(
                    REPO / part, base / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )

    def run(self, module: str, mutant: Mutant | None, timeout: float) -> tuple[str, float]:
        target = self.root / "src" / "efmcat" / f"{module}.py"
        original = (SRC / f"{module}.py").read_text(encoding="utf-8")
        if mutant is not None:
            lines = original.splitlines(keepends=True)
            lines[mutant.line - 1] = mutant.after
            target.write_text("".join(lines), encoding="utf-8")
        env = {
            **os.environ,
            "PYTHONPATH": str(self.root / "src"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
        }
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-n", "0", "-m", "not slow",
               *_pytest_args(TESTS[module])]  # fmt: skip
        cmd = [c for c in cmd if not c.endswith("test_query.py") or Path(c).exists()]
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
            outcome = (
                "survived"
                if proc.returncode == 0
                else ("killed" if proc.returncode == 1 else f"error {proc.returncode}")
            )
            if proc.returncode not in (0, 1) and mutant is None:
                sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        except subprocess.TimeoutExpired:
            outcome = "timeout"
        finally:
            target.write_text(original, encoding="utf-8")
        return outcome, time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", default=list(TESTS), help=f"any of {', '.join(TESTS)}")
    ap.add_argument("--per-module", type=int, default=80)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant run")
    ap.add_argument("--list", action="store_true", help="print the sampled mutants and stop")
    ap.add_argument(
        "--only",
        type=lambda v: {int(x) for x in v.split(",")},
        default=None,
        metavar="LINE,LINE",
        help="run only the sampled mutants on these lines (e.g. re-run a run's survivors)",
    )
    args = ap.parse_args(argv)
    unknown = [m for m in args.modules if m not in TESTS]
    if unknown:
        ap.error(f"unknown module {', '.join(unknown)}: use {', '.join(TESTS)}")
    with tempfile.TemporaryDirectory(prefix="efmcat-mutate-") as tmp:
        # tests that run efmcat as another user (read-only catalogs) must reach the mutant:
        # a private 0700 folder would make them import the unmutated installed package
        os.chmod(tmp, 0o755)
        workers = [Worker(Path(tmp) / f"w{k}") for k in range(max(1, args.jobs))]
        scores: dict[str, tuple[int, int]] = {}
        for module in args.modules:
            mutants = sample(module, args.per_module, args.seed)
            if args.only is not None:
                mutants = [m for m in mutants if m.line in args.only]
            print(f"== {module}: {len(mutants)} mutants of {len(candidates(module))} candidates", flush=True)
            if args.list:
                for m in mutants:
                    print("  " + m.describe())
                continue
            base, _ = workers[0].run(module, None, args.timeout)
            if base != "survived":
                print(f"   the tests fail without any mutant ({base}): fix them first", flush=True)
                return 2
            queue = list(mutants)
            results: dict[Mutant, str] = {}

            def work(
                worker: Worker, queue: list[Mutant] = queue, module: str = module, results: dict = results
            ) -> None:
                while queue:
                    try:
                        m = queue.pop(0)
                    except IndexError:
                        return
                    outcome, _ = worker.run(module, m, args.timeout)
                    results[m] = outcome
                    mark = {"killed": ".", "timeout": "T"}.get(outcome, "S")
                    print(mark, end="", flush=True)

            with ThreadPoolExecutor(len(workers)) as pool:
                list(pool.map(work, workers))
            print()
            survivors = [m for m in mutants if results[m] == "survived"]
            errors = [m for m in mutants if results[m].startswith("error")]
            killed = len(mutants) - len(survivors) - len(errors)
            run = len(mutants) - len(errors)
            equivalent = sum(map(is_equivalent, survivors))
            scores[module] = (killed, run, equivalent)
            for m in survivors:
                eq = " (equivalent)" if is_equivalent(m) else ""
                print(f"   survived{eq}: {m.describe()}")
            for m in mutants:
                if results[m] == "timeout":  # a paused machine can time out a mutant: check these
                    print(f"   timeout (counted killed): {m.describe()}")
            for m in errors:
                print(f"   {results[m]} (not counted): {m.describe()}")
            print(f"   {module}: {killed}/{run} killed = {100 * killed / max(run, 1):.0f}%", flush=True)
        if scores:
            # the score counts equivalent survivors as survivors; they are shown beside it
            print("\nmodule                  killed/run  score  equivalent survivors")
            for module, (k, r, e) in scores.items():
                print(f"{module:<24}{k:>5}/{r:<5} {100 * k / max(r, 1):5.0f}%  {e:>4}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
