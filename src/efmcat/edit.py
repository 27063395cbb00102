"""``efmcat edit``: correct a paper's record, from flags or as YAML in the user's editor.

Every field an edit changes becomes the user's own (``papers.user_fields``; repeating the
value a paper has claims nothing): Catalog.upsert_paper
never overwrites it, so refresh, update and re-imports keep the correction. A changed
title or abstract re-runs the auto-tagger on the paper (manual and curated tags stay).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from efmcat.catalog import USER_EDITABLE, Catalog
from efmcat.errors import MissingValueError, ParseError, UsageError
from efmcat.models import ET_AL, Paper, author_line, named_authors, with_et_al
from efmcat.validate import CITEKEY_RE, LINK_RE, YEAR_RANGE

# The fields of the YAML record, in the order shown.
EDIT_FIELDS = (
    "title", "authors", "year", "venue", "doi", "journal_ref", "url", "pdf_url", "citekey", "note", "abstract",
)  # fmt: skip
assert set(EDIT_FIELDS) == set(USER_EDITABLE)
_TEXT_FIELDS = ("venue", "doi", "journal_ref", "note", "abstract")
ERROR_MARK = "# ERROR: "


@dataclass
class EditResult:
    id: str
    changed: list[str] = field(default_factory=list)
    cancelled: bool = False
    retagged: bool = False


def check_value(name: str, value: Any) -> Any:
    """The stored form of one edited value; ValueError (a message for the user) if invalid."""
    if name not in EDIT_FIELDS:
        raise ValueError(f"unknown field '{name}' (editable: {', '.join(EDIT_FIELDS)})")
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            value = None
    if name == "note" and isinstance(value, str):
        from efmcat.personal import check_note

        check_note(value)  # NoteTooLongError is a ValueError too
    if name == "title":
        if value is None:
            raise ValueError("title cannot be empty")
        if not isinstance(value, str):
            value = str(value)
        return " ".join(value.split())
    if name == "authors":
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(a, str | int | float) for a in value):
            raise ValueError("authors must be a list of names, one per line starting with '- '")
        return with_et_al(" ".join(str(a).split()) for a in value)
    if name == "year":
        if value is None:
            return None
        first, last = YEAR_RANGE
        wanted = f"year must be a year from {first} to {last}, such as 2023, not"
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"{wanted} {value!r}")
        text = str(value)
        if not re.fullmatch(r"\d{4}", text) or not first <= int(text) <= last:
            raise ValueError(f"{wanted} {text!r}")
        return int(text)
    if value is None:
        return None
    if isinstance(value, list | dict):
        raise ValueError(f"{name} must be text, not a {'list' if isinstance(value, list) else 'mapping'}")
    value = str(value)
    if name in ("url", "pdf_url") and not LINK_RE.fullmatch(value):
        raise ValueError(f"{name} must be a link starting with http:// or https://, not {value!r}")
    if name == "citekey" and not CITEKEY_RE.fullmatch(value):
        raise ValueError(f"citekey {value!r} cannot hold spaces, commas, braces, quotes, % or #")
    if name in _TEXT_FIELDS and name != "note":
        value = " ".join(value.split()) if name != "abstract" else value
    return value


def check_citekey_free(catalog: Catalog, paper_id: str, values: Mapping[str, Any]) -> None:
    """A citekey another entry holds, in any case, is a ParseError: BibTeX reads keys without
    case, so ``\\cite{mykey}`` would find one of the two and the export must rename the other."""
    key = values.get("citekey")
    if not key:
        return
    row = catalog.conn.execute(
        "SELECT id, citekey FROM papers WHERE lower(citekey) = lower(?) AND id != ? ORDER BY id LIMIT 1",
        (key, paper_id),
    ).fetchone()
    if row:
        same = "" if row[1] == key else f" as '{row[1]}' (BibTeX reads keys without case)"
        raise ParseError(f"citekey '{key}' is {row[0]}'s already{same}: choose another")


def apply_edit(catalog: Catalog, paper_id: str, values: Mapping[str, Any]) -> EditResult:
    """Store checked values as the user's own; re-tag when the title or abstract changed."""
    check_citekey_free(catalog, paper_id, values)
    result = EditResult(paper_id)
    with catalog.transaction():
        result.changed = catalog.set_user_fields(paper_id, dict(values), claim_unchanged=False)
        if {"title", "abstract"} & set(result.changed):
            from efmcat.tagger import tag_papers

            tag_papers(catalog, [paper_id])
            result.retagged = True
    return result


def edit_fields(
    catalog: Catalog,
    text: str,
    *,
    title: str | None = None,
    year: int | None = None,
    venue: str | None = None,
    abstract: str | None = None,
    add_authors: Sequence[str] = (),
    remove_authors: Sequence[str] = (),
) -> EditResult:
    """Edit from flags (scripts): only the fields given change."""
    from efmcat.personal import papers

    (paper,) = papers(catalog, [text])
    values: dict[str, Any] = {}
    for name, value in (("title", title), ("year", year), ("venue", venue), ("abstract", abstract)):
        if value is not None:
            values[name] = value
    if add_authors or remove_authors:
        # An incomplete list stays one: its "others" (ET_AL) stays last, or goes when named.
        authors, more = named_authors(paper.authors)
        for name in remove_authors:
            wanted = " ".join(name.split()).casefold()
            if more and with_et_al([wanted]) == [ET_AL]:  # "others", "et al.", "et. al."
                more = False
                continue
            match = [a for a in authors if a.casefold() == wanted]
            if not match:
                have = author_line(paper.authors) or "none"
                raise MissingValueError(f"{paper.id} has no author '{name}' (its authors: {have})")
            authors.remove(match[0])
        for name in add_authors:  # "Cy Chen et al.": Cy Chen, and the list goes on
            added, goes_on = named_authors(with_et_al([name]))
            known = {" ".join(a.split()).casefold() for a in authors}  # as --remove-author matches
            authors += [a for a in added if " ".join(a.split()).casefold() not in known]
            more = more or goes_on
        values["authors"] = [*authors, ET_AL] if more else authors
    if not values:
        raise UsageError(
            "nothing to change: give --title, --year, --venue, --abstract or --add-author/--remove-author, or no flag to open $EDITOR"
        )
    checked = {}
    for name, value in values.items():
        try:
            checked[name] = check_value(name, value)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return apply_edit(catalog, paper.id, checked)


# -- the YAML record ---------------------------------------------------------------------
def record_yaml(paper: Paper) -> str:
    """The editable record of a paper as YAML, with a header saying how to use it."""
    import yaml

    data = {name: getattr(paper, name) for name in EDIT_FIELDS}
    data["authors"] = list(paper.authors)
    yours = ", ".join(f for f in EDIT_FIELDS if f in paper.user_fields) or "none yet"
    header = (
        f"# efmcat edit {paper.id}: change what you need, save and close.\n"
        "# Fields you change become yours: refresh and imports keep them. Empty the file to cancel.\n"
        f"# Yours so far: {yours}\n"
        + (
            f"# Authors: '- {ET_AL}' says the list goes on (BibTeX's 'and others', shown 'et al.').\n"
            if ET_AL in paper.authors
            else ""
        )
    )
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return header + body


def parse_record_yaml(text: str, source: str = "record") -> dict[str, Any]:
    """Checked values from an edited record; ParseError naming the line of the first problem."""
    from efmcat.yamlio import LINE_KEY, load_with_lines

    data = load_with_lines(text, source, ParseError)
    if not isinstance(data, dict):
        raise ParseError(f"{source}:1: the record must be 'field: value' lines")
    lines = _key_lines(text)
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name == LINE_KEY:
            continue
        try:
            out[name] = check_value(str(name), value)
        except ValueError as exc:
            raise ParseError(f"{source}:{lines.get(str(name), data.get(LINE_KEY, 1))}: {exc}") from None
    if "title" not in out:
        raise ParseError(f"{source}:1: title cannot be empty")
    return out


def _current(paper: Paper, name: str) -> Any:
    value = getattr(paper, name)
    try:
        return check_value(name, value)
    except ValueError:
        return value


def _key_lines(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, line in enumerate(text.splitlines(), 1):
        m = re.match(r"([A-Za-z_]\w*)\s*:", line)
        if m:
            out.setdefault(m.group(1), i)
    return out


def _strip_errors(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(ERROR_MARK))


def _blank(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


MAX_REOPEN = 10  # invalid saves in a row before edit gives up


def edit_in_editor(
    catalog: Catalog,
    text: str,
    *,
    editor: Callable[[str], str] | None = None,
    on_error: Callable[[str], None] | None = None,
) -> EditResult:
    """Open the record in the editor until it validates (or the user empties the file).

    An invalid record is re-opened with the error on top; saving it unchanged, or
    MAX_REOPEN invalid saves in a row, gives up with that error, so a non-interactive editor
    cannot loop (one that adds a line each time would otherwise never stop)."""
    from efmcat.personal import papers

    if editor is None:
        from efmcat.editor import edit_text

        def editor(t: str) -> str:
            return edit_text(t, suffix=".yaml")

    (paper,) = papers(catalog, [text])
    original = record_yaml(paper)
    shown = original
    failed: str | None = None  # the body of the last invalid save
    reopened = 0
    while True:
        saved = editor(shown)
        if _blank(saved):
            return EditResult(paper.id, cancelled=True)
        try:
            values = parse_record_yaml(saved)
            check_citekey_free(catalog, paper.id, values)  # said in the editor, not after it
            break
        except ParseError as exc:
            body = _strip_errors(saved)
            # saved as shown, or the same invalid record saved again: the user gives up
            reopened += 1
            if saved == shown or body == failed or reopened > MAX_REOPEN:
                raise
            if on_error:
                on_error(str(exc))
            failed = body
            shown = f"{ERROR_MARK}{exc}\n" + body
    # Only fields whose value differs from the stored one become the user's.
    current = {name: _current(paper, name) for name in EDIT_FIELDS}
    changes = {k: v for k, v in values.items() if v != current.get(k)}
    for name in EDIT_FIELDS:
        if name not in values and name != "title" and current.get(name) not in (None, []):
            changes[name] = [] if name == "authors" else None  # a deleted line clears the field
    if not changes:
        return EditResult(paper.id)
    return apply_edit(catalog, paper.id, changes)
