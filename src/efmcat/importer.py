"""Import papers from files into the catalog: the library behind ``efmcat import``.

Every format parser (efmcat.formats.markdown_list, .bibtex, .yaml_format, .jsonl_snapshot)
turns a file into :class:`Entry` objects, one per row, each with its line number. The
importer writes them in batches inside ONE transaction for the whole command, so a file
that fails to parse half-way (the JSONL snapshot is streamed) leaves the catalog exactly
as it was. ``dry_run`` does the same work and rolls it back. Importing a file twice
changes nothing: stored values are only filled, never overwritten, and sources are
keyed by file and line.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

from efmcat.bulk import pool_closed
from efmcat.catalog import (
    PAPER_FIELDS,
    USER_EDITABLE,
    Catalog,
    _paper_values,
    own_link,
    rows_by_ids,
    stored_link,
    url_sql,
    utcnow,
)
from efmcat.entries import Entry, ParseResult
from efmcat.errors import ArxivAPIError, EfmcatError, NetworkError, OfflineError, ParseError, UsageError
from efmcat.ids import doi_of_id, title_key
from efmcat.models import NOT_WRITTEN, Paper, named_authors, over_tag
from efmcat.taxonomy import Taxonomy, load_taxonomy

FORMATS = ("auto", "md", "bibtex", "yaml", "json", "jsonl")
BATCH = 5000  # papers tagged together (in the worker processes) and counted by progress
TAGGER_NICENESS = 10  # added to the tagging workers' niceness: the writing process goes first
TAG_AHEAD = 2  # batches being tagged while one is written (memory: about 10 MB a batch)
# Papers written per transaction of a streamed import while another efmcat process waits to
# write: short enough that, with eight efmcat writers on one catalog of a loaded machine,
# each waits out the others' turns well inside the busy timeout (5,000-paper commits made
# the eighth writer time out). With nobody waiting, a whole batch (BATCH) is one
# transaction: fewer, larger full-text segments to write and merge (100k papers: about 2 s
# less than 1,000 at a time).
COMMIT = 1000


def _import_workers() -> int:
    """Worker processes of a large import, which parse a big JSON-lines file and then tag
    its papers: EFMCAT_IMPORT_WORKERS (EFMCAT_TAG_WORKERS, its first name, still works),
    else 2 (1 on one core); 0 means 1. With the check pass spooled, the main process has
    room: 2 workers measured 1.35x faster than 1 on this 2-core machine (10k papers, a
    loaded machine). A value that is not a whole number is a usage error."""
    for name in ("EFMCAT_IMPORT_WORKERS", "EFMCAT_TAG_WORKERS"):
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        try:
            return max(1, int(raw))
        except ValueError:
            raise UsageError(f"{name} must be a whole number of worker processes, got '{raw}'") from None
    return 2 if (os.cpu_count() or 1) > 1 else 1


IMPORT_WORKERS: int | None = None  # a fixed number of workers (tests); None: _import_workers()


def import_workers() -> int:
    """The number of worker processes an import uses."""
    return _import_workers() if IMPORT_WORKERS is None else IMPORT_WORKERS


MAX_CHANGES = 1000  # changes kept for the report (the counts are always exact)

# Bounds on input, so no file can make an import run away (README: "Limits").
MAX_FILE_BYTES = {
    "md": 32_000_000,
    "bibtex": 4_000_000,
    "yaml": 32_000_000,
    "json": 200_000_000,
}  # JSONL is streamed
MD_MAX_LINE = 20_000  # characters; the longest row of the reference lists has 812
# Link parsing costs about (number of "](") x (line length) per line; the reference lists
# need at most 8,734 per line and 408,169 per file.
MD_MAX_LINE_WORK = 100_000
MD_MAX_FILE_WORK = 4_000_000
BIB_MAX_ENTRY = 50_000  # characters in one entry (LaTeX decoding costs ~15 us a character)


@dataclass
class FileReport:
    path: str
    format: str
    rows: int = 0
    papers: int = 0
    arxiv: int = 0
    non_arxiv: int = 0
    duplicates: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    # (line, the entry's own id, the catalog's id): entries without an arXiv id whose title
    # is a paper the catalog has, merged into it
    by_title: list[tuple[int, str, str]] = field(default_factory=list)
    # (the catalog's id, the arXiv id): papers the catalog had without an arXiv id whose
    # arXiv paper this file added, merged into it
    absorbed: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["malformed"] = [{"line": ln, "link": link} for ln, link in self.malformed]
        d["skipped"] = [{"line": ln, "reason": why} for ln, why in self.skipped]
        d["by_title"] = [{"line": ln, "id": own, "paper": pid} for ln, own, pid in self.by_title]
        d["absorbed"] = [{"id": old, "paper": pid} for old, pid in self.absorbed]
        return d


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    dry_run: bool = False
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    tags_added: int = 0
    fetched: int = 0
    fetched_ids: list[str] = field(default_factory=list)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (status, id, title)
    changes_left_out: int = 0  # changes beyond MAX_CHANGES, counted, not listed
    fetch_error: str | None = None  # --fetch could not reach arXiv: imported without its metadata
    unfetched: list[str] = field(default_factory=list)  # the ids --fetch wanted and did not get
    not_found: list[str] = field(default_factory=list)  # the ids --fetch asked for that arXiv lacks
    # (id, the .bib key) of keys left because the catalog gives them, or their group, to others
    keys_not_kept: list[tuple[str, str]] = field(default_factory=list)

    def refresh_hint(self) -> str:
        """The command that fetches later what --fetch could not."""
        if len(self.unfetched) <= 5:
            return "efmcat refresh " + " ".join(self.unfetched)
        return "efmcat refresh --all"

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "tags_added": self.tags_added,
            "fetched": self.fetched,
            "fetch_error": self.fetch_error,
            "unfetched": self.unfetched,
            "not_found": self.not_found,
            "files": [f.to_dict() for f in self.files],
            "changes": [{"status": s, "id": i, "title": t} for s, i, t in self.changes],
            "changes_left_out": self.changes_left_out,
            "keys_not_kept": [{"id": i, "key": k} for i, k in self.keys_not_kept],
        }


# -- format detection -----------------------------------------------------------------
RECORD_FORMATS = frozenset({"yaml", "json", "jsonl"})  # whole records, ids included
TITLE_SCAN_AT = 300  # a file with more rows without an arXiv id reads the catalog's titles once
_EXT = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
}


def _head(path: Path) -> str:
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            return fh.read(4096)
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror or exc}") from exc


def sniff_format(head: str) -> str | None:
    """The format the first 4 KB of a file clearly have, or None (Markdown has no mark)."""
    import re

    text = head.lstrip("\ufeff \t\r\n")
    # What only JSON starts with: an array of objects or strings (or an empty one), an object
    # with a key. A broken JSON file must reach the JSON parser, which says where it breaks,
    # not be read as Markdown with no rows. Markdown may start with a bracket or a brace too
    # (``[Title](url)``, ``[1] Ref``, ``{% include %}``, ``{{< shortcode >}}``): that stays Markdown.
    # (``["Title"](url)``, a link with a quoted title, is Markdown: a JSON string in an array
    # is followed by a comma or the array's end, not by a link's "(".)
    if re.match(r'\[\s*(?:\{|\]\s*$|"(?:[^"\\\n]|\\.)*"\s*(?:,|\](?!\()))', text):
        return "json"
    if re.match(r"\{\s*[\"}]", text):
        # an object on its first line: JSON lines; else one object over several lines, or
        # broken JSON: the JSON parser's error
        first = text.split("\n", 1)[0].strip()
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except (ValueError, RecursionError):
            pass
        return "json"
    if text.startswith(("[", "{")):
        return None
    if text.startswith("@") or "\n@" in head:
        import re

        if re.search(r"(?m)^\s*@\s*[A-Za-z]+\s*[{(]", head):
            return "bibtex"
    import re

    if re.search(r"(?m)^papers:\s*(\[|$)", head) and not re.search(r"(?m)^\s*[-*+|]\s*\[", head):
        return "yaml"
    return None


_TABLES = (".csv", ".tsv")  # spreadsheet tables: efmcat writes CSV, never reads it


def _is_efmcat_csv(head: str) -> bool:
    """Whether a file begins with the header row of ``export --format csv``, as a
    spreadsheet saves it again too (semicolons or tabs, quoted names; _head drops a BOM)."""
    import re

    return re.match(r'"?id"?([,;\t])"?arxiv_id"?\1"?version"?\1"?title"?\1', head) is not None


def detect_format(path: Path, fmt: str = "auto") -> str:
    """The format to read ``path`` as: --format, else the extension (checked against the
    content: JSON lines in a .bib are refused, not imported as nothing), else the content."""
    fmt = (fmt or "auto").lower()
    if fmt == "bib":
        fmt = "bibtex"
    if fmt not in FORMATS:
        raise UsageError(f"unknown import format '{fmt}': use one of {', '.join(FORMATS)}")
    if fmt != "auto":
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    head = _head(path)
    if (suffixes and suffixes[-1] in _TABLES) or _is_efmcat_csv(head):
        raise ParseError(
            f"{path}: CSV is an export for spreadsheets, not an import format: import efmcat's "
            "JSON, JSONL or YAML export instead"
        )
    by_name = next((_EXT[s] for s in reversed(suffixes) if s in _EXT), None)
    sniffed = sniff_format(head)
    # an object whose first line is no whole object is JSON to the sniffer, but may be JSON
    # lines with a broken (or too deep) first line: in a .jsonl the name decides
    broken_line = by_name == "jsonl" and sniffed == "json" and head.lstrip("\ufeff \t\r\n").startswith("{")
    if by_name is not None:
        if sniffed not in (None, by_name) and not (by_name == "md" and sniffed == "yaml") and not broken_line:
            raise ParseError(
                f"{path}: the name says {by_name} but the content is {sniffed}; "
                f"rename the file or give --format {sniffed}"
            )
        return by_name
    return sniffed or "md"


def check_input_file(p: Path) -> None:
    """ParseError saying what ``p`` is when it is not a regular file efmcat can read."""
    import stat

    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise ParseError(f"no such file: {p}") from None
    except OSError as exc:
        raise ParseError(f"cannot read {p}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(mode):
        raise ParseError(f"{p} is a folder: name the files to import")
    if stat.S_ISFIFO(mode):
        raise ParseError(f"{p} is a FIFO (named pipe), not a file: save the data to a file first")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise ParseError(f"{p} is a device, not a file")
    if stat.S_ISSOCK(mode):
        raise ParseError(f"{p} is a socket, not a file")
    if not stat.S_ISREG(mode):
        raise ParseError(f"{p} is not a regular file")
    if not os.access(p, os.R_OK):
        raise ParseError(f"cannot read {p}: permission denied")


# -- parsing ----------------------------------------------------------------------------
def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ParseError(f"{path}:{line}: not UTF-8 text") from exc
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _found_nothing(path: Path, fmt: str, parsed: ParseResult) -> str | None:
    """What a file with text holds none of, when it is likely another format: a .bib with no
    entry ("bibtex entries"), a Markdown file with no list row and no line warned of ("paper
    links": notes or a README), unless it is efmcat's export of no paper (an empty export
    re-imports as no change). A YAML file without a list `papers` fails to parse instead."""
    if parsed.entries or parsed.rows or fmt not in ("bibtex", "md"):
        return None
    if fmt == "md" and (parsed.malformed or parsed.skipped):
        return None
    text = _read_text(path)
    if not text.strip() or (fmt == "md" and ", exported by efmcat." in text[:2000]):
        return None
    return "bibtex entries" if fmt == "bibtex" else "paper links"


def _tame_markdown(text: str, path: Path) -> tuple[str, list[tuple[int, str]]]:
    """Blank the lines too long or too link-dense to be list rows (keeping line numbers),
    so the link parser's time stays bounded; ParseError when the file as a whole is."""
    lines = text.split("\n")
    skipped: list[tuple[int, str]] = []
    total = 0
    for i, line in enumerate(lines):
        if len(line) < 200:
            continue
        if len(line) > MD_MAX_LINE:
            skipped.append((i + 1, f"line longer than {MD_MAX_LINE} characters"))
            lines[i] = ""
            continue
        work = line.count("](") * len(line)
        if work > MD_MAX_LINE_WORK:
            skipped.append((i + 1, f"{line.count('](')} links in {len(line)} characters: not a list row"))
            lines[i] = ""
            continue
        total += work
        if total > MD_MAX_FILE_WORK:
            raise ParseError(f"{path}:{i + 1}: too many links for one Markdown list; split the file")
    return ("\n".join(lines) if skipped else text), skipped


def _efmcat_markdown(
    text: str, path: Path, name: str, taxonomy: Taxonomy, entries: Any = None
) -> ParseResult | None:
    """An efmcat Markdown export: its rows carry their exact records in comments
    (formats.markdown.row_comment); read those instead of the lossy table text.
    ``entries``: where the entries go (default a new list); None is returned only when
    none went there."""
    from efmcat import validate as V
    from efmcat.formats.markdown import ROW_COMMENT, verified_by_default

    if "<!-- efmcat {" not in text:
        return None
    result = ParseResult(source=name) if entries is None else ParseResult(source=name, entries=entries)
    for i, line in enumerate(text.split("\n")):
        for m in ROW_COMMENT.finditer(line):
            where = f"{path}:{i + 1}"
            try:
                rec = json.loads(m.group(1))
            except (ValueError, RecursionError) as exc:
                raise ParseError(f"{where}: broken efmcat row comment: {exc}") from exc
            if not isinstance(rec, dict):
                raise ParseError(f"{where}: broken efmcat row comment")
            pid = V.catalog_id(rec.get("id"), where)
            title = V.text(rec.get("title"), where, "title")
            if not title:
                raise ParseError(f"{where}: paper {pid} needs a title")
            url = V.link(rec.get("url"), where, "url")
            is_arxiv = ":" not in pid
            paper = Paper(
                id=pid,
                title=title,
                year=V.year(rec.get("year"), where),
                version=V.positive_int(rec.get("version"), where, "version"),
                url=url,
                pdf_url=f"https://arxiv.org/pdf/{pid}" if is_arxiv else None,
                source=Path(name).stem,
                kind=V.kind(rec.get("kind"), where),
                venue=V.text(rec.get("venue"), where, "venue"),
                verified=bool(rec.get("verified", verified_by_default(pid))),
            )
            result.entries.append(
                Entry(paper=paper, line=i + 1, link=url, **V.tag_decisions(rec, where, pid, taxonomy))
            )
            result.rows += 1
    return result if result.entries else None


def _check_bibtex(text: str, path: Path) -> None:
    """Refuse entries so long that decoding their LaTeX would take minutes."""
    import re

    starts = [m.start() for m in re.finditer(r"(?m)^[ \t]*@", text)] + [len(text)]
    if starts[0] > BIB_MAX_ENTRY:
        starts.insert(0, 0)
    for a, b in pairwise(starts):
        if b - a > BIB_MAX_ENTRY:
            line = text.count("\n", 0, a) + 1
            raise ParseError(f"{path}:{line}: entry longer than {BIB_MAX_ENTRY} characters")


def _check_size(path: Path, fmt: str) -> None:
    limit = MAX_FILE_BYTES.get(fmt)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ParseError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if limit is not None and size > limit:
        raise ParseError(f"{path}: {size} bytes; a {fmt} file may have at most {limit}")


def parse_file(path: Path, fmt: str, taxonomy: Taxonomy, *, spooled: bool = False) -> ParseResult:
    """Parse a whole (non-streamed) file; ParseError names the file and line at fault.
    ``spooled``: a Markdown list's entries are kept on disk (spool.SpooledEntries, which
    the caller closes), not in memory: a list may have hundreds of thousands of rows."""
    name = path.name
    _check_size(path, fmt)
    if fmt == "md":
        from efmcat.formats.markdown_list import parse_markdown_list

        text, too_long = _tame_markdown(_read_text(path), path)
        sink = None
        if spooled:
            from efmcat.spool import SpooledEntries

            sink = SpooledEntries()
        try:
            result = _efmcat_markdown(text, path, name, taxonomy, sink) or parse_markdown_list(
                text, name, taxonomy, entries=sink
            )
        except BaseException:
            if sink is not None:
                sink.close()
            raise
        result.skipped = sorted([*result.skipped, *too_long])
        return result
    if fmt == "bibtex":
        from efmcat.formats.bibtex import parse_bibtex

        text = _read_text(path)
        _check_bibtex(text, path)
        return parse_bibtex(text, name, str(path))
    if fmt == "yaml":
        from efmcat.formats.yaml_format import parse_yaml

        return parse_yaml(_read_text(path), name, str(path), taxonomy)
    if fmt == "json":
        from efmcat.formats.json_format import parse_json

        return parse_json(_read_text(path), name, str(path), taxonomy)
    raise UsageError(f"format {fmt} is streamed, not parsed whole")


# -- the import -----------------------------------------------------------------------------
def import_files(
    catalog: Catalog,
    paths: Sequence[str | os.PathLike[str]],
    *,
    fmt: str = "auto",
    fetch: bool = False,
    tags: Sequence[str] | None = None,
    dry_run: bool = False,
    taxonomy: Taxonomy | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportReport:
    """Import every file in one transaction (all or nothing); see the module docstring.

    A path ``-`` is standard input, read once; its format is ``fmt``, else sniffed from the
    content (Markdown when nothing else matches); messages name it ``stdin``.

    ``progress(rows written, rows in all)`` is called after each batch."""
    files = [Path(p) for p in paths]
    if not files:
        raise UsageError("name at least one file to import")
    import_workers()  # a malformed EFMCAT_IMPORT_WORKERS fails before anything is read
    from efmcat.bulk import few_collections

    with few_collections():
        if not any(str(p) == "-" for p in files):
            return _import_files(catalog, files, fmt, fetch, tags, dry_run, taxonomy, progress)
        if sum(1 for p in files if str(p) == "-") > 1:
            raise UsageError("'-' (stdin) can be given only once")
        import tempfile

        _sweep_stdin_copies(Path(tempfile.gettempdir()))
        with tempfile.TemporaryDirectory(prefix=f"{_STDIN_COPY}{os.getpid()}-") as folder:
            spooled = Path(folder) / "stdin"
            _spool_stdin(spooled)
            files = [spooled if str(p) == "-" else p for p in files]
            try:
                report = _import_files(catalog, files, fmt, fetch, tags, dry_run, taxonomy, progress)
            except EfmcatError as exc:
                exc.args = tuple(_named_stdin(a, spooled) for a in exc.args)
                raise
        for fr in report.files:
            fr.path = _named_stdin(fr.path, spooled)
        return report


_STDIN_COPY = "efmcat-stdin-"  # + the importing process's id + a random part


def _sweep_stdin_copies(tmp: Path) -> None:
    """Remove the copies of stdin that imports killed outright (``kill -9``) left in
    ``tmp``: those of a process that is gone, untouched for STDIN_COPY_STALE seconds (a
    temp folder shared with another PID namespace shows a live import's pid as gone). A
    live process's copy, or another user's, stays."""
    import shutil
    import time

    from efmcat.catalog import pid_alive

    for folder in tmp.glob(f"{_STDIN_COPY}*-*"):
        pid = folder.name[len(_STDIN_COPY) :].partition("-")[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            stale = time.time() - folder.stat().st_mtime > STDIN_COPY_STALE and folder.is_dir()
        except OSError:
            continue
        if stale and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


STDIN_COPY_STALE = 3600.0  # seconds


def _named_stdin(value: Any, spooled: Path) -> Any:
    return value.replace(str(spooled), "stdin") if isinstance(value, str) else value


def _spool_stdin(dest: Path) -> None:
    """Copy standard input to ``dest`` (bytes as they are: the parsers check the encoding)."""
    import shutil
    import sys

    source = getattr(sys.stdin, "buffer", None)
    try:
        with dest.open("wb") as out:
            if source is not None:
                shutil.copyfileobj(source, out, 1 << 20)
            else:
                out.write(sys.stdin.read().encode("utf-8", errors="surrogatepass"))
    except (OSError, ValueError) as exc:
        raise ParseError(f"cannot read stdin: {exc}") from exc


def _import_files(
    catalog: Catalog,
    files: list[Path],
    fmt: str,
    fetch: bool,
    tags: Sequence[str] | None,
    dry_run: bool,
    taxonomy: Taxonomy | None,
    progress: Callable[[int], None] | None,
) -> ImportReport:
    taxonomy = taxonomy or load_taxonomy()
    from efmcat.tagger import manual_scores

    manual = manual_scores(taxonomy, tags or [])  # named 1.0, the areas they imply IMPLIED
    with contextlib.ExitStack() as spooled:  # every file kept on disk is closed however this ends
        plan: list[tuple[Path, str, ParseResult | None]] = []
        for p in files:
            check_input_file(p)
            f = detect_format(p, fmt)
            # Whole-file formats are parsed before anything is written (a Markdown list's
            # entries on disk, unless --fetch fills them in place).
            parsed = None if f == "jsonl" else parse_file(p, f, taxonomy, spooled=not fetch)
            if parsed is not None and hasattr(parsed.entries, "close"):
                spooled.callback(parsed.entries.close)
            if parsed is not None and (found := _found_nothing(p, f, parsed)):
                raise ParseError(f"{p}: no {found} found: is it another format? (--format)")
            plan.append((p, f, parsed))
        report = ImportReport(dry_run=dry_run)
        if fetch:
            _fetch_missing(catalog, [r for _, _, r in plan if r is not None], report)
        # A streamed (JSONL) file may be long: it is checked whole first (a bad line imports
        # nothing), then written in batches that each commit, so other efmcat processes can
        # write in between instead of waiting out the busy timeout (a dry run of one does the
        # same in a copy of the catalog). Everything else is one transaction.
        streamed = any(parsed is None for _, _, parsed in plan)
        batched = streamed and not dry_run
        total = sum(len(parsed.entries) for _, _, parsed in plan if parsed is not None)
        spools: dict[Path, Any] = {}
        if streamed:
            from efmcat.spool import spool_jsonl

            def checking() -> None:
                if progress:
                    progress(0, None)  # still checking: the total is not known yet

            for p, _, parsed in plan:
                if parsed is None and p in spools:
                    total += spools[p].count  # the same file named twice
                elif parsed is None:
                    # Checked whole, and each entry kept (marshalled, on disk): the write pass
                    # reads them back instead of parsing the file a second time.
                    spools[p] = spool_jsonl(p, taxonomy, workers=import_workers(), tick=checking)
                    spooled.callback(spools[p].close)
                    total += spools[p].count
        if dry_run and (streamed or not catalog.writable()):
            # A long file's dry run writes into a copy, in batches as a real import does: the
            # catalog takes no write lock (other writers waited out the whole run, or got
            # "busy"), and the work is thrown away with the copy. So does any dry run on a
            # catalog this user cannot write.
            with catalog.scratch_copy() as copy:
                return _write_all(copy, plan, spools, report, taxonomy, manual, True, True, progress, total)
        return _write_all(catalog, plan, spools, report, taxonomy, manual, batched, dry_run, progress, total)


def _write_all(
    catalog: Catalog,
    plan: list[tuple[Path, str, ParseResult | None]],
    spools: dict[Path, Any],
    report: ImportReport,
    taxonomy: Taxonomy,
    manual: dict[str, float],
    batched: bool,
    dry_run: bool,
    progress: Callable[[int, int | None], None] | None,
    total: int,
) -> ImportReport:
    step = _stepper(progress, total)
    # A dry run's one transaction is rolled back (and leaves the file's journal mode as it
    # was); a batched dry run writes into a scratch copy, thrown away after.
    outer = contextlib.nullcontext() if batched else catalog.dry_run() if dry_run else catalog.transaction()
    with outer:
        writer = _Writer(catalog, taxonomy, manual, report)  # in the block: it keeps catalog.conn
        for p, f, parsed in plan:
            fr = FileReport(path=str(p), format=f)
            report.files.append(fr)
            if parsed is None:
                stream: Iterable[Entry] = spools[p].entries()
            else:
                fr.rows = parsed.rows or len(parsed.entries)
                fr.malformed = parsed.malformed
                fr.skipped = parsed.skipped
                stream = parsed.entries
            writer.write(stream, fr, p.name, step, streamed=parsed is None)
            if parsed is None:
                fr.rows = fr.papers + fr.duplicates
        with catalog.transaction():
            writer.finish()
    return report


def _stepper(
    progress: Callable[[int, int | None], None] | None, total: int | None
) -> Callable[[int], None] | None:
    """A callback taking the size of each batch written that tells ``progress`` the running count."""
    if progress is None:
        return None
    done = [0]
    progress(0, total)

    def step(n: int) -> None:
        done[0] += n
        progress(done[0], total)

    return step


def _chunks(items: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    it = iter(items)
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield chunk


_INSERT_COLS = [*PAPER_FIELDS, "added_at"]
_INSERT_SQL = f"INSERT INTO papers ({', '.join(_INSERT_COLS)}) VALUES ({', '.join('?' * len(_INSERT_COLS))})"
# A source row stores its title as NULL when it is the paper's title and the paper has no
# other source row, its link as NULL when it is the paper's url (schema v5: a 1M-paper
# import does not store every title and link twice; catalog.py says how NULL stays exact).
_SOURCE_SQL = (
    "INSERT INTO sources(paper_id, source, locator, title, link, section) "
    "SELECT p.id, :source, :locator, "
    "CASE WHEN :title = p.title AND NOT EXISTS (SELECT 1 FROM sources o WHERE o.paper_id = p.id "
    "AND NOT (o.source = :source AND o.locator = :locator)) THEN NULL ELSE :title END, "
    f"CASE WHEN :link = {url_sql('p')} THEN NULL ELSE :link END, :section FROM papers p WHERE p.id = :id "
    "ON CONFLICT(paper_id, source, locator) DO UPDATE SET title = excluded.title, "
    "link = excluded.link, section = excluded.section"
)


_NEW_SOURCE_SQL = (
    "INSERT INTO sources(paper_id, source, locator, title, link, section) VALUES (?, ?, ?, ?, ?, ?)"
)


def _new_source_row(e: Entry, name: str) -> tuple[Any, ...]:
    """The source row of a paper just added (no other source row): as _SOURCE_SQL stores it."""
    p = e.paper
    title = e.source_title or p.title
    url = p.url if p.url is not None else own_link("url", p.id)  # the url as it reads
    link = None if e.link is not None and e.link == url else e.link
    return (p.id, name, f"{name}:{e.line}", None if title == p.title else title, link, e.section)


def _said_again(
    paper: Paper, venue: str | None, journal_ref: str | None, categories: str, primary: str | None
) -> None:
    """Leave out what ``paper``, an import's record of a paper the catalog has, says only
    because an export wrote it out from the catalog's other fields (the catalog's venue, as
    the BibTeX export spells it, as the journal reference; the primary category as the
    categories, the first category as the primary one): re-importing one's own export is
    then no change."""
    if journal_ref is None and paper.journal_ref is not None and venue is not None:
        from efmcat.formats.bibtex import venue_fields

        if paper.journal_ref in (venue, *venue_fields(venue, None)[1].values()):
            paper.journal_ref = None
    known = json.loads(categories or "[]")
    if not known and primary is not None and paper.categories == [primary]:
        paper.categories = []
    if primary is None and known and paper.primary_category == known[0]:
        paper.primary_category = None


_CITEKEY_SQL = (
    "UPDATE papers SET citekey = ? WHERE id = ? AND citekey IS NULL AND instr(user_fields, '\"citekey\"') = 0"
)


_FAST_FIELDS = (
    "id", "version", "title", "authors", "abstract", "year", "published", "updated", "categories",
    "primary_category", "doi", "journal_ref", "comment", "url", "pdf_url", "source", "verified", "note",
    "venue", "kind", "curator_note",
)  # fmt: skip


_JSON_TEXT = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(x, ensure_ascii=False), built once
_JSON_ESCAPED = re.compile(r'[\x00-\x1f\\"]')  # what json.dumps(ensure_ascii=False) escapes in a string


def _json_texts(values: Sequence[str] | None) -> str:
    """``json.dumps(list(values), ensure_ascii=False)`` of a list of strings, joined by hand
    when no string needs an escape (4x faster on authors and categories; a test holds it equal)."""
    if not values:
        return "[]"
    try:
        plain = _JSON_ESCAPED.search("".join(values)) is None
    except TypeError:  # not all strings
        plain = False
    return '["' + '", "'.join(values) + '"]' if plain else _JSON_TEXT(list(values))


def _row(p: Paper, now: str) -> Sequence[Any]:
    """The INSERT parameters of a paper (a hand-unrolled _paper_values: 3x faster in bulk)."""
    if PAPER_FIELDS != _FAST_FIELDS:  # the schema moved on: take the general path
        return [*_paper_values(p), p.added_at or now]
    dumps = _json_texts
    url, pdf_url = stored_link("url", p.id, p.url), stored_link("pdf_url", p.id, p.pdf_url)
    return (
        p.id, p.version, p.title, dumps(p.authors), p.abstract, p.year,
        p.published, p.updated, dumps(p.categories), p.primary_category,
        p.doi, p.journal_ref, p.comment, url, pdf_url, p.source, int(bool(p.verified)), p.note,
        p.venue, p.kind or "paper", p.curator_note, p.added_at or now,
    )  # fmt: skip


_KEY_ROUNDS = 20  # numberings _settle_keys tries before it keeps none of a file's keys


@dataclass
class _FileKey:
    """A .bib key waiting for the import's end (:meth:`_Writer._settle_keys`)."""

    key: str
    title: str
    file: int  # index of its file in the report
    unchanged: bool = False  # the paper's entry was counted unchanged


class _Writer:
    """Writes entries in batches; remembers which papers this import added (by rowid)."""

    def __init__(self, catalog: Catalog, taxonomy: Taxonomy, manual: dict[str, float], report: ImportReport):
        self.catalog = catalog
        self.taxonomy = taxonomy
        self.manual = manual
        self.report = report
        self.conn = catalog.conn
        row = self.conn.execute("SELECT coalesce(max(n), 0) FROM papers").fetchone()
        self.start_n = int(row[0])
        self.now = utcnow()
        self.retag: list[str] = []  # existing papers whose text changed
        from functools import partial

        from efmcat.tagger import auto_tags, tagger_model

        self.model = tagger_model(catalog)
        self.auto_tags = partial(auto_tags, model=self.model)
        self.deferred: dict[str, _FileKey] = {}  # keys that wait for the import's end (_defer_key)

    def _note(self, status: str, paper: Paper, title: str | None = None) -> None:
        """List a change (``title``: the catalog's, where the paper was known: a file's
        lower-cased "Smoothquant" is not what the paper is called after the import)."""
        if len(self.report.changes) < MAX_CHANGES:
            self.report.changes.append((status, paper.id, title or paper.title))
        else:
            self.report.changes_left_out += 1

    def _tags_for(self, entry: Entry) -> dict[str, tuple[str, float | None]]:
        """node -> (origin, score) for the curated (file) and manual (the file's, then
        --tag) tags of an entry; a manual score of None is the user's removal (an efmcat
        export). Each is laid over the ones before as the catalog stores one over a row
        (models.over_tag): an implied area never replaces a named or curated tag, and over a
        removal it remembers the removal."""
        if not entry.tags and not entry.manual_tags and not entry.removed_tags and not self.manual:
            return {}
        from efmcat.tagger import manual_scores

        out: dict[str, tuple[str, float | None]] = {}

        def lay(node: str, origin: str, score: float | None) -> None:
            have = out.get(node)
            stored = over_tag(
                None if have is None else (have[0], have == ("manual", None)), origin, score, score is None
            )
            if stored is not NOT_WRITTEN:
                out[node] = (origin, stored)  # type: ignore[assignment]

        for node in self.taxonomy.with_ancestors(n for n in entry.tags if n in self.taxonomy):
            lay(node, "curated", 1.0)
        for node in entry.removed_tags:
            if node in self.taxonomy:
                lay(node, "manual", None)
        named = [n for n in entry.manual_tags if n in self.taxonomy]
        for scores in (manual_scores(self.taxonomy, named), self.manual):  # named 1.0, implied IMPLIED
            for node, score in scores.items():
                lay(node, "manual", score)
        return out

    def _not_removed(
        self, tags: dict[str, tuple[str, float | None]], removed: set[str]
    ) -> dict[str, tuple[str, float | None]]:
        """``tags`` without what lies under a removal (the node, or an area above it, that
        the user removed): a list's subtopic heading brought back an area the user removed."""
        if not removed:
            return tags
        return {n: v for n, v in tags.items() if v[0] == "manual" or not self.taxonomy.is_under(n, removed)}

    def write(
        self,
        entries: Iterable[Entry],
        fr: FileReport,
        name: str,
        progress: Callable[[int], None] | None,
        *,
        streamed: bool = False,
    ) -> None:
        """Write ``entries`` a batch at a time, each batch in its own transaction (a savepoint
        when the caller holds one): papers, full-text rows, tags and sources of a batch are
        committed together. Streamed files tag batch k+1 in a worker while batch k is written."""
        row = self.conn.execute("SELECT coalesce(max(n), 0) FROM papers").fetchone()
        self.file_start_n = int(row[0])
        # Ids met in this file: a set for whole files; a streamed file relies on rowids instead
        # (a paper this file added has n > file_start_n), so memory stays constant.
        self.seen: set[str] = set()
        self.streamed = streamed
        # the arXiv papers this file names, by title, for its rows that have no arXiv id
        self.file_titles: dict[str, str] = {}
        self.added_arxiv: list[str] | None = None  # the arXiv papers this file added
        self.catalog_titles: dict[str, list[str]] | None = None
        if not streamed and fr.format not in RECORD_FORMATS:
            if not hasattr(entries, "__len__"):
                entries = list(entries)  # a whole file's entries, read twice (a spool reads its file again)
            loose: set[str | None] = set()
            self.file_titles = _arxiv_titles(entries, loose)
            self.added_arxiv = []
            # many rows without an arXiv id: one pass over the catalog's titles, not a query each
            self.catalog_titles = self.catalog.ids_by_titles(loose) if len(loose) > TITLE_SCAN_AT else None
        pool, workers = None, 1
        pending: deque[tuple[Any, list[Entry]]] = deque()
        with pool_closed(lambda: (pool, (job for job, _ in pending))):
            for batch in _chunks(entries, BATCH):
                if pool is None and streamed and len(batch) == BATCH:
                    workers = import_workers()
                    pool = _tag_pool(self.taxonomy, self.model, workers)
                job = None
                if pool is not None:
                    # Tag this batch in the worker processes while earlier ones are written.
                    texts = [(e.paper.title, e.paper.abstract, e.paper.categories) for e in batch]
                    # One part per worker: the parts of a batch are tagged side by side.
                    size = -(-len(texts) // workers)
                    job = pool.map_async(
                        _tag_texts, [texts[i : i + size] for i in range(0, len(texts), size)]
                    )
                pending.append((job, batch))
                # Up to TAG_AHEAD batches are tagged ahead of the one written: the workers
                # never wait for this process to hand them work (which left a core idle).
                if len(pending) > TAG_AHEAD:
                    self._commit_batch(*pending.popleft(), fr, name, progress)
            while pending:
                self._commit_batch(*pending.popleft(), fr, name, progress)
            if self.added_arxiv:  # the catalog's records of these papers without an arXiv id
                from efmcat.merge import absorb_title_twins

                with self.catalog.transaction():
                    fr.absorbed = absorb_title_twins(self.catalog, self.added_arxiv)
                gone = {old for old, _ in fr.absorbed}  # merged into their arXiv papers: no more to re-tag
                self.retag = [pid for pid in self.retag if pid not in gone]

    def _commit_batch(
        self,
        job: Any,
        batch: list[Entry],
        fr: FileReport,
        name: str,
        progress: Callable[[int], None] | None,
    ) -> None:
        # Before the write lock is taken.
        results = [r for part in job.get() for r in part] if job is not None else None
        size = COMMIT if self.catalog.waiting_writers() else len(batch)
        for i in range(0, len(batch), size):
            part = batch[i : i + size]
            with self.catalog.transaction():
                # A later batch or file may update (and re-index) what an earlier one added.
                with self.catalog.deferred_indexing():
                    new = self._batch(part, fr, name, tag_here=job is None)
                    if self.added_arxiv is not None:
                        self.added_arxiv.extend(e.paper.id for e in new if e.paper.arxiv_id)
                if results is not None:
                    self._insert_auto(results[i : i + size], part, new)
            self.catalog.yield_to_waiters()  # a write waiting for the lock goes now
        if progress:
            progress(len(batch))

    def _insert_auto(self, results: list[dict[str, float]], batch: list[Entry], new: list[Entry]) -> None:
        wanted = {id(e) for e in new if e.auto_tag}
        rows = [
            (e.paper.id, node, "auto", score)
            for e, scores in zip(batch, results)
            if id(e) in wanted
            for node, score in scores.items()
        ]
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT OR IGNORE INTO tags(paper_id, node, origin, score) VALUES (?, ?, ?, ?)", rows
        )
        self.report.tags_added += self.conn.total_changes - before

    def _batch(self, batch: list[Entry], fr: FileReport, name: str, *, tag_here: bool = True) -> list[Entry]:
        """Write one batch; returns the entries that added a paper."""
        conn, report = self.conn, self.report
        self._match_titles(batch, fr)
        ids = list(dict.fromkeys(e.paper.id for e in batch))
        known: dict[str, int] = {}
        stored: dict[str, tuple[Any, ...]] = {}  # what _said_again compares with
        titles: dict[str, str] = {}  # the catalog's titles: what a change is listed under
        sql = "SELECT id, n, title, venue, journal_ref, categories, primary_category FROM papers WHERE id IN ({})"
        for r in rows_by_ids(conn, sql, ids):
            known[r[0]] = r[1]
            titles[r[0]] = r[2]
            stored[r[0]] = tuple(r[3:])
        new_rows: list[Sequence[Any]] = []
        new_entries: list[Entry] = []
        later: list[Entry] = []
        seen_here: set[str] = set() if self.streamed else self.seen
        for e in batch:
            pid = e.paper.id
            if e.paper.doi is not None and e.paper.doi == doi_of_id(pid):
                # the id names it (an export writes it out again): an own backup's DOI is no change
                e.paper.doi = None
            if e.paper.venue is None and pid.startswith("acl:"):  # the venue its id names, as show says
                from efmcat.formats.bibtex import acl_venue

                e.paper.venue = acl_venue(pid)
            if pid in stored:
                _said_again(e.paper, *stored[pid])
            if pid in seen_here or (pid in known and known[pid] > self.file_start_n):
                fr.duplicates += 1  # a further row of a paper this import already has
                later.append(e)
                continue
            seen_here.add(pid)
            fr.papers += 1
            if e.paper.arxiv_id:
                fr.arxiv += 1
            else:
                fr.non_arxiv += 1
            if pid in known:
                status = self.catalog.upsert_paper(e.paper, fill_only=True)
                if self._restore_edits(e.paper) or (e.citekey and self._users_key(pid, e.citekey)):
                    status = "updated"  # a key of the user's the paper had none of: written below
                if status == "updated":
                    fr.updated += 1
                    report.updated += 1
                    self.retag.append(pid)
                    self._note("updated", e.paper, titles.get(pid))
                else:
                    fr.unchanged += 1
                    report.unchanged += 1
                    waiting = self.deferred.get(pid) if e.citekey else None
                    if waiting is not None and waiting.file == len(report.files) - 1:
                        waiting.unchanged = True  # a key _settle_keys keeps makes it updated
                later.append(e)
            else:
                new_rows.append(_row(e.paper, self.now))
                new_entries.append(e)
                fr.added += 1
                report.added += 1
                self._note("added", e.paper)
        if new_rows:
            conn.executemany(_INSERT_SQL, new_rows)
            tag_rows: list[tuple[str, str, str, float | None, int]] = []
            for e in new_entries:
                decided = self._tags_for(e)
                removed = {n for n, (_, score) in decided.items() if score is None}
                for node, (origin, score) in self._not_removed(decided, removed).items():
                    tag_rows.append((e.paper.id, node, origin, score, int(score is None)))
                auto: dict[str, float | None] = {}
                if tag_here and e.auto_tag:
                    p = e.paper
                    auto = dict(self.auto_tags(self.taxonomy, p.title, p.abstract, p.categories))
                elif e.auto_tags:  # an export's: the tagger's score is its to give again (retag)
                    auto = {
                        n: None
                        for n in self.taxonomy.with_ancestors(n for n in e.auto_tags if n in self.taxonomy)
                    }
                kept = self._not_removed({n: ("auto", s) for n, s in auto.items()}, removed)
                tag_rows.extend((e.paper.id, node, "auto", score, 0) for node, (_, score) in kept.items())
            # New papers: curated/manual rows come first, so OR IGNORE keeps the stronger origin.
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO tags(paper_id, node, origin, score, removed) VALUES (?, ?, ?, ?, ?)",
                tag_rows,
            )
            report.tags_added += conn.total_changes - before - sum(r[4] for r in tag_rows)  # not removals
        for e in later:
            decided = self._tags_for(e)
            if not decided:
                continue
            removed = {n for n, (_, score) in decided.items() if score is None} | {
                r[0]
                for r in conn.execute(
                    "SELECT node FROM tags WHERE paper_id = ? AND removed = 1 AND origin = 'manual'",
                    (e.paper.id,),
                )
            }
            for node, (origin, score) in self._not_removed(decided, removed).items():
                had = conn.execute(
                    "SELECT origin FROM tags WHERE paper_id = ? AND node = ? AND removed = 0",
                    (e.paper.id, node),
                ).fetchone()
                stored = self.catalog.set_tag(e.paper.id, node, origin, score, removed=score is None)
                if had is None and stored is not None:  # written, not a removal, not refused
                    report.tags_added += 1
        self._user_data(batch)
        keyed = [
            (e.citekey, e.paper.id) for e in batch if e.citekey and self._users_key(e.paper.id, e.citekey)
        ]
        if keyed:  # the first key a .bib file gives a paper stays, unless the user set one
            conn.executemany(_CITEKEY_SQL, keyed)
        # A paper this batch added has no other source row yet: its row's NULLs are worked
        # out here (as _SOURCE_SQL would); the rows of papers met before go through the SQL.
        # A backup's record names the lists its paper is listed in: those rows, not the file's.
        conn.executemany(
            _NEW_SOURCE_SQL, [_new_source_row(e, name) for e in new_entries if e.sources is None]
        )
        conn.executemany(
            _SOURCE_SQL,
            [
                {
                    "id": e.paper.id,
                    "source": name,
                    "locator": f"{name}:{e.line}",
                    "title": e.source_title or e.paper.title,
                    "link": e.link,
                    "section": e.section,
                }
                for e in later
                if e.sources is None
            ],
        )
        conn.executemany(  # as the backup wrote them (a restore gives back what was exported)
            "INSERT INTO sources(paper_id, source, locator, title, link, section) "
            "SELECT id, :source, :locator, nullif(:title, title), :link, :section FROM papers WHERE id = :id "
            "ON CONFLICT(paper_id, source, locator) DO UPDATE SET title = excluded.title, "
            "link = excluded.link, section = excluded.section",
            [{"id": e.paper.id, **row} for e in [*new_entries, *later] for row in e.sources or ()],
        )
        return new_entries

    def _match_titles(self, batch: list[Entry], fr: FileReport) -> None:
        """Entries without an arXiv id (a title-only BibTeX entry, a DOI or a conference page)
        that are a paper this file links on arXiv or the catalog has under another id, by
        its title (:func:`_arxiv_titles`, Catalog.id_by_title), become rows of that paper: one
        paper, once. Their links stay on their source rows; the paper keeps its own URL.
        Records (YAML, JSON) keep their ids: a backup restores as it was written."""
        if fr.format in RECORD_FORMATS:
            return
        loose = [e for e in batch if e.paper.arxiv_id is None]
        if not loose:
            return
        have = self.catalog.existing_ids(e.paper.id for e in loose)
        for e in loose:
            if e.paper.id in have:
                continue
            key = title_key(e.paper.title)
            if key is None:
                continue
            found = self.file_titles.get(key)
            if found is None and self.catalog_titles is not None:
                found = next(iter(self.catalog_titles.get(key, ())), None)
            elif found is None:
                found = self.catalog.id_by_title(e.paper.title)
            if found is not None:
                fr.by_title.append((e.line, e.paper.id, found))
                e.paper = replace(e.paper, id=found, url=None, pdf_url=None)

    def _restore_edits(self, p: Paper) -> bool:
        """The fields a record marks as the user's (an efmcat export) are written to a paper
        the catalog holds, unless it has its own edit of them (a backup restores as it was;
        filled in only where empty, a restored title was lost): whether a value changed."""
        if not p.user_fields:
            return False
        row = self.conn.execute("SELECT user_fields FROM papers WHERE id = ?", (p.id,)).fetchone()
        owned = json.loads(row[0] or "[]")
        edits = {f: getattr(p, f) for f in p.user_fields if f in USER_EDITABLE and f not in owned}
        return bool(edits) and bool(self.catalog.set_user_fields(p.id, edits))

    def _users_key(self, pid: str, key: str) -> bool:
        """Whether a .bib entry's ``key`` becomes paper ``pid``'s citekey now: the paper has
        none, nor one the user removed, and the key is not shaped like the keys efmcat's
        BibTeX export gives (the paper's base key, or that with a collision's letters). A key
        so shaped waits for the end of the import (:meth:`_defer_key`, :meth:`_settle_keys`):
        an own export re-imported is no user's key (its 3,361 keys were stored as the user's),
        but the same key read into another catalog, whose papers number it otherwise
        ("anon2016fastb" where no "anon2016fast" precedes it), is the one the file cites."""
        from efmcat.formats.bibtex import base_key

        row = self.conn.execute(
            "SELECT authors, year, title FROM papers "
            "WHERE id = ? AND citekey IS NULL AND instr(user_fields, '\"citekey\"') = 0",
            (pid,),
        ).fetchone()
        if row is None:
            return False
        base = base_key({"id": pid, "authors": json.loads(row[0] or "[]"), "year": row[1], "title": row[2]})
        tail = key[len(base) :]
        if key.startswith(base) and (not tail or (tail.isalpha() and tail.isascii() and tail.islower())):
            self._defer_key(pid, key, row[2])
            return False
        return True

    def _defer_key(self, pid: str, key: str, title: str) -> None:
        """Remember a generated-looking key of the file for :meth:`_settle_keys`: the first a
        paper is given. (In memory: a .bib file is held to 4 MB, some 20,000 entries; see the README's Limits.)"""
        if pid not in self.deferred:
            self.deferred[pid] = _FileKey(key, title, len(self.report.files) - 1)

    def _settle_keys(self) -> None:
        """Keep the deferred keys this catalog's export would not give their papers, as the
        papers' own (an entry counted unchanged is then updated), where keeping them changes
        no other paper's key: a key another paper is given, or one whose group of papers
        sharing a base key would be lettered anew, is left (``keys_not_kept``), so that a
        colleague's .bib never turns a citation of yours into one of another paper."""
        deferred, self.deferred = self.deferred, {}
        if not deferred:
            return
        conn = self.conn
        left = self.report.keys_not_kept  # (id, the file's key) of the keys not kept

        def unkeep(pid: str) -> None:  # a key stored this round, taken back
            conn.execute("UPDATE papers SET citekey = NULL WHERE id = ?", (pid,))
            d = keep.pop(pid)
            if d.key != before[pid]:
                left.append((pid, d.key))

        before, bases, keyless = self._export_keys(deferred)
        owner = {key.casefold(): pid for pid, key in before.items()}
        wanted = {pid: d for pid, d in deferred.items() if pid in keyless and before[pid] != d.key}
        # a key another paper is given now, and keeps, is that paper's
        keep = {pid: d for pid, d in wanted.items() if owner.get(d.key.casefold(), pid) in wanted}
        left.extend((pid, d.key) for pid, d in wanted.items() if pid not in keep)
        stored: set[str] = set()
        rounds = 0
        while keep:
            rounds += 1
            if rounds > _KEY_ROUNDS:  # groups that keep moving each other: keep none of them
                for pid in list(keep):
                    unkeep(pid)
                break
            for pid in keep.keys() - stored:
                conn.execute(_CITEKEY_SQL, (keep[pid].key, pid))
            stored |= keep.keys()
            after = self._export_keys(deferred)[0]
            moved = [q for q, key in before.items() if q not in keep and after.get(q) != key]
            if not moved:
                break
            # a paper of the file whose key would move keeps the key the file gives it, as it
            # was; another's moving leaves its group's keys as they were
            same = [q for q in moved if q in keyless and q in deferred and deferred[q].key == before[q]]
            keep.update((q, deferred[q]) for q in same)
            blocked = {bases[q] for q in moved if q not in same}
            for pid in [pid for pid in keep if bases[pid] in blocked]:
                unkeep(pid)
                stored.discard(pid)
        left.sort()
        for pid, d in keep.items():
            if d.unchanged:
                fr = self.report.files[d.file]
                fr.unchanged, fr.updated = fr.unchanged - 1, fr.updated + 1
                self.report.unchanged -= 1
                self.report.updated += 1
                self._note("updated", Paper(id=pid, title=d.title))

    def _export_keys(self, deferred: dict[str, _FileKey]) -> tuple[dict[str, str], dict[str, str], set[str]]:
        """(id -> the key the BibTeX export gives it now, id -> its base key) of the papers of
        ``deferred`` and of the catalog's papers whose keys could collide with theirs, and the
        papers of ``deferred`` with no key of their own."""
        from efmcat import citekeys
        from efmcat.scratch import scratch_db

        keyless: set[str] = set()

        def rows() -> Iterator[dict[str, Any]]:
            for rec in self.catalog.key_fields_of(list(deferred)):
                if not rec["citekey"]:
                    keyless.add(rec["id"])
                yield rec

        with scratch_db() as db:
            citekeys.number(self.catalog, db, rows(), with_others=True)
            keys = {pid: key for key, pid in db.execute("SELECT key, id FROM keys")}
            bases = dict(db.execute("SELECT id, base FROM items"))
        return keys, bases, keyless

    def _user_data(self, batch: list[Entry]) -> None:
        """The researcher's own data a file carries (an efmcat YAML export): a reading status
        or citekey where the catalog has none, a star, and which fields are the user's."""
        for e in batch:
            p = e.paper
            if not (p.status or p.starred or p.citekey or p.user_fields):
                continue
            row = self.conn.execute("SELECT user_fields FROM papers WHERE id = ?", (p.id,)).fetchone()
            owned = json.loads(row[0] or "[]") if row else []
            owned += [f for f in p.user_fields if f not in owned]
            self.conn.execute(
                "UPDATE papers SET status = coalesce(status, ?), starred = max(starred, ?), "
                "citekey = coalesce(citekey, ?), user_fields = ? WHERE id = ?",
                (p.status, int(p.starred), p.citekey, json.dumps(owned), p.id),
            )

    def finish(self) -> None:
        self._settle_keys()
        for pid in self.report.fetched_ids:
            self.conn.execute("UPDATE papers SET fetched_at = ? WHERE id = ?", (self.now, pid))
        if self.retag:
            from efmcat.tagger import tag_papers

            for change in tag_papers(self.catalog, self.retag, self.taxonomy):
                self.report.tags_added += len(change.added)


# -- tagging in a worker process (streamed imports) -----------------------------------------
_WORKER_TAXONOMY: Taxonomy | None = None
_WORKER_MODEL: Any = None


def _arxiv_titles(entries: Iterable[Entry], loose: set[str | None]) -> dict[str, str]:
    """Title key (``ids.title_key``) -> arXiv id, for the titles of ``entries`` that name
    one arXiv paper; the title keys of the others go into ``loose`` (one pass: a spooled
    file is read from disk for each)."""
    out: dict[str, str] = {}
    shared: set[str] = set()
    for e in entries:
        pid = e.paper.arxiv_id
        if pid is None:
            loose.add(title_key(e.paper.title))
            continue
        key = title_key(e.paper.title)
        if key is None or key in shared:
            continue
        if out.setdefault(key, pid) != pid:  # two arXiv papers under one title: neither
            shared.add(key)
            del out[key]
    return out


def _init_worker(taxonomy: Taxonomy, model: Any = None) -> None:
    global _WORKER_TAXONOMY, _WORKER_MODEL
    from efmcat.bulk import settle, worker_signals

    worker_signals()
    settle()
    # The process writing the catalog is the one the import waits for: the taggers (two on
    # two cores, with the writer a third process) take the time it leaves, instead of an
    # even share of the cores (100k papers: 30.7 s became 28.4 s).
    with contextlib.suppress(OSError, AttributeError):
        os.nice(TAGGER_NICENESS)
    _WORKER_TAXONOMY = taxonomy
    _WORKER_MODEL = model


def _tag_texts(texts: list[tuple[str, str | None, list[str]]]) -> list[dict[str, float]]:
    from efmcat.tagger import auto_tags

    assert _WORKER_TAXONOMY is not None
    return [auto_tags(_WORKER_TAXONOMY, t, a, c, model=_WORKER_MODEL) for t, a, c in texts]


def _tag_pool(taxonomy: Taxonomy, model: Any = None, workers: int = 1):
    """``workers`` processes for the tagger, or None where fork is not available.

    fork, not spawn: spawn re-imports ``__main__`` (impossible for ``python -`` or a REPL) and
    pays the start-up again. The child never touches the parent's SQLite connection."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("fork")
    if model is not None:
        model.warm(taxonomy)
    return ctx.Pool(workers, initializer=_init_worker, initargs=(taxonomy, model))


# -- --fetch ------------------------------------------------------------------------------------
def _fetch_missing(catalog: Catalog, results: list[ParseResult], report: ImportReport) -> None:
    """Fill missing authors/abstracts of arXiv papers from arXiv, in batches (before writing)."""
    want: dict[str, list[Entry]] = {}
    for res in results:
        for e in res.entries:
            p = e.paper
            # an author list that ends "et al." (ET_AL) is filled too: arXiv's is whole
            if p.arxiv_id and (not p.abstract or not p.authors or named_authors(p.authors)[1]):
                want.setdefault(p.id, []).append(e)
    if not want:
        return
    # Papers the catalog already has complete need no request.
    for pid in list(want):
        row = catalog.conn.execute("SELECT abstract, authors FROM papers WHERE id = ?", (pid,)).fetchone()
        if (
            row is not None
            and row[0]
            and row[1] not in (None, "", "[]")
            and not named_authors(json.loads(row[1]))[1]
        ):
            del want[pid]
    if not want:
        return
    from efmcat import arxiv

    fetched: list[Paper] = []
    try:
        fetched = arxiv.fetch_papers(sorted(want))
    except (NetworkError, ArxivAPIError) as exc:
        # The list is what is imported; arXiv's metadata can come later (efmcat refresh).
        report.fetch_error = exc.problem if isinstance(exc, OfflineError) else str(exc)
        report.unfetched = sorted(want)
    now = utcnow()
    for paper in fetched:
        for e in want.get(paper.id, []):
            e.source_title = e.source_title or e.paper.title
            e.paper = _merge_fetched(e.paper, paper, now)
        if paper.id in want:
            report.fetched += 1
            report.fetched_ids.append(paper.id)
    if not report.fetch_error:
        got = {p.id for p in fetched}
        report.not_found = [pid for pid in sorted(want) if pid not in got]


def _merge_fetched(listed: Paper, fetched: Paper, now: str) -> Paper:
    """arXiv's record, keeping what only the list knows. The list's title stays in sources."""
    data = fetched.to_dict()
    for key, value in listed.to_dict().items():
        if data.get(key) in (None, "", []) and value not in (None, "", []):
            data[key] = value
    data["verified"] = True
    data["id"] = listed.id
    return Paper(**data)
