"""LaTeX in titles and abstracts made readable as plain text (``2-4\\(\\times\\)`` -> ``2-4×``).

arXiv abstracts carry inline math (``\\(...\\)``, ``$...$``) and a few text macros. For
display and search they become plain Unicode text; anything not understood keeps its
letters and loses only the markup.

Some sources escape every brace of an abstract (``\\textit\\{Linformer\\}``): a brace
escaped right after a macro, or around a font switch (``\\{\\it Ada-KV\\}``), is read as the
macro's own brace; any other escaped brace is a brace of the text (``ternary {-1, 0, 1}``).
"""

from __future__ import annotations

import re

_SYMBOLS = {
    "times": "×", "approx": "≈", "sim": "~", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "pm": "±",
    "cdot": "·", "rightarrow": "→", "to": "→", "leftarrow": "←", "infty": "∞", "neq": "≠", "ll": "≪",
    "gg": "≫", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "lambda": "λ",
    "mu": "μ", "sigma": "σ", "theta": "θ", "tau": "τ", "pi": "π", "ell": "ℓ", "log": "log",
    "ldots": "…", "dots": "…", "cdots": "⋯", "%": "%", "&": "&", "#": "#", "_": "_", "$": "$",
    "circledR": "®", "textregistered": "®", "texttrademark": "™", "copyright": "©",
    "lbrace": "{", "rbrace": "}",
}  # fmt: skip
# delimiter sizes: \left\{ is a brace of the formula, sized; the size says nothing
_SIZES = (
    "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
    "biggr", "Biggl", "Biggr",
)  # fmt: skip
_SYMBOLS.update(dict.fromkeys(_SIZES, ""))
_WRAPPERS = (
    "text",
    "textbf",
    "textit",
    "textsc",
    "textrm",
    "mathrm",
    "mathbf",
    "mathit",
    "mathcal",
    "mathbb",
    "mathsf",
    "mathfrak",
    "boldsymbol",
    "emph",
    "texttt",
    "operatorname",
    "url",
)
# font and size switches: they change how the text looks and say nothing
_SWITCHES = (
    "it", "bf", "em", "sc", "tt", "rm", "sf", "sl", "tiny", "scriptsize", "footnotesize", "small",
    "normalsize", "large", "Large", "LARGE", "huge", "Huge",
)  # fmt: skip
# \(...\) (its body holds no other opening \(, so that a run of unclosed ones costs linear
# time, not quadratic), $$...$$ (display: spaces allowed), and $...$ as Pandoc reads it: the
# opening $ not escaped and before a non-space, the closing one after a non-space (not an
# escaped \$) and before no digit, so that "costs $5 and $10" is money, not a formula
# Nesting of text wrappers unwrapped (a pass each): deeper than any abstract nests, and a cap,
# so that a text of thousands of nested wrappers costs linear time, not quadratic.
WRAP_DEPTH = 16
_MATH = re.compile(
    r"\\\\?\(((?:(?!\\\\?\().)+?)\\\\?\)"
    r"|(?<!\\)\$\$([^$]+?)\$\$"
    r"|(?<![\\$])\$(?=[^\s$])([^$]*?[^\s$\\])\$(?![\d$])",
    re.S,
)
_WRAP = re.compile(r"\\(?:" + "|".join(_WRAPPERS) + r")\s*\{([^{}]*)\}")
_MACRO = re.compile(r"\\([A-Za-z]+|[%&#_$])")
_SCRIPT = re.compile(r"([_^])\{([^{}]*)\}|([_^])(\S)")
_SWITCH = re.compile(r"\\(?:" + "|".join(_SWITCHES) + r")\b\s*")
# an escaped brace that is markup: right after a macro's name (its argument, or the next one
# of \href; not after a delimiter size: \left\{ is the formula's own brace), and the brace
# that opens a font switch's group
_MACRO_BRACE = re.compile(r"(\\(?!(?:" + "|".join(_SIZES) + r")\b)[A-Za-z]+\s*|\})\\\{")
_SWITCH_GROUP = re.compile(r"\\\{(\s*\\(?:" + "|".join(_SWITCHES) + r")\b)")
_SWITCH_BRACED = re.compile(r"\{" + _SWITCH.pattern + r"([^{}]*)\}")  # {\it text}
_HREF = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_FOOTNOTE = re.compile(r"\\footnote\s*\{([^{}]*)\}")
_CITE = re.compile(r"\s*\\(?:cite|citep|citet)\s*\{[^{}]*\}")
_TIE = re.compile(r"(?<=[\w}.)])~(?=[\w(])")


# Accents as combining marks (\"o, \'{e}, {\c c}, \v{s}, \'{\i}: arXiv titles and
# abstracts spell names so): the letter with its mark, composed (NFC) to one character.
_MARKS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
# \i and \j, the dotless letters an accent sits on (a control word: the space after is eaten)
_LETTER = r"(?:\\[ij](?![A-Za-z])\s*|[A-Za-z])"
# {\"o}, \"o, \"{o}, \c c, \v{s}: an outer group is taken with the accent, or none at all
_ACCENT = re.compile(
    r"(\{)?\\(?:([\"'`^~=.])|([uvHckrdb])(?:\s+|(?=\{)))"
    r"(?:\{\s*(" + _LETTER + r")\s*\}|(" + _LETTER + r"))(?(1)\})"
)
# The letters each symbol accent sits on in the names and words arXiv writes: anything else
# after \" or \~ is not an accent (an escaped quote, "etc\. This", a URL's \~user).
_ACCENTED = {
    '"': "aeiouyAEIOUYij", "'": "aeiouyAEIOUYcgklmnprswzCGKLMNPRSWZij", "`": "aeiouAEIOUij",
    "^": "aeiouwyAEIOUWYcghjsCGHJSij", "~": "anoeiuyANOEIUY", "=": "aeiouyAEIOUYij", ".": "zcegiZCEGI",
}  # fmt: skip
_LETTERS = {"ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å",
            "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ"}  # fmt: skip
_LETTER_MACRO = re.compile(r"(\{)?\\(" + "|".join(_LETTERS) + r")(?![A-Za-z])(?:\{\}|\s*)(?(1)\})")

# A double quote typed as a string's escape (``the \"important\" tokens``), not an umlaut: a
# \" that ends a word (after a letter or a mark, before no letter, brace or macro) closes a
# quote, and a \" that opens a word (after no letter, digit, brace or macro) before it is its
# opening one. An umlaut is written on its letter: \"o, \"{o}, {\"o}, Schr\"odinger (inside a
# quoted word too, after a letter: \"Schr\"odinger\").
_QUOTE_PAIR = re.compile(
    r'(?<![\w\\{}])\\"(?=[^\s{"\\])((?:(?<=\w)\\"(?=[A-Za-z{\\])|(?!\\").)*?(?<=[^\s\\{]))\\"(?![A-Za-z{\\])',
    re.S,
)
_CLOSING_QUOTE = re.compile(r'(?<=[^\s\\{])\\"(?![A-Za-z{\\])')


def literal_quotes(text: str) -> str:
    """``\\"`` that quotes a word made a plain ``"`` (``the \\"important\\" tokens`` -> ``the
    "important" tokens``): read as an umlaut it would give "ïmportant" and put a stray mark
    on the next word. An umlaut on a letter stays as written."""
    if '\\"' not in text:
        return text
    return _CLOSING_QUOTE.sub('"', _QUOTE_PAIR.sub(r'"\1"', text))


def _accents(text: str) -> str:
    """LaTeX accents and special letters as Unicode (``Schr{\\"o}dinger`` -> Schrödinger)."""
    import unicodedata

    def accented(m: re.Match[str]) -> str:
        letter = (m.group(4) or m.group(5)).rstrip()[-1]  # \i: i, under its mark
        if m.group(2) and letter not in _ACCENTED[m.group(2)]:
            return m.group(0)  # no accent on that letter: the text as written
        return letter + _MARKS[m.group(2) or m.group(3)]

    out = _ACCENT.sub(accented, text)
    out = _LETTER_MACRO.sub(lambda m: _LETTERS[m.group(2)], out)
    return unicodedata.normalize("NFC", out)


def _symbols(text: str) -> str:
    """Macros as their symbol (``\\times`` -> ×); a macro not known: its name."""
    return _MACRO.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(1)), text)


def _spaced(text: str) -> str:
    """LaTeX's thin and explicit spaces as spaces."""
    return text.replace("\\,", " ").replace("\\ ", " ")


def _math(body: str) -> str:
    for brace, kept in (("\\{", "\x00"), ("\\}", "\x01"), ("\\lbrace", "\x00"), ("\\rbrace", "\x01")):
        body = body.replace(brace, kept)  # braces of the formula's own
    body = _SWITCH.sub("", body)
    body = _WRAP.sub(r"\1", body)
    body = _SCRIPT.sub(
        lambda m: (
            (m.group(2) if m.group(2) is not None else m.group(4))
            if (m.group(1) or m.group(3)) == "_"
            else "^" + (m.group(2) or m.group(4) or "")
        ),
        body,
    )
    body = _spaced(_symbols(body).replace("{", "").replace("}", ""))
    return " ".join(body.replace("\x00", "{").replace("\x01", "}").split())


def _markup_braces(text: str) -> str:
    """The escaped braces that are markup made plain braces; a closing one is markup when
    the group it closes opened as markup (the text's own stay escaped: ``\\{`` ``\\}``)."""
    # one pass: a brace made plain is neither a macro's name nor a closing brace, so it
    # starts no new match
    text = _MACRO_BRACE.sub(r"\1{", _SWITCH_GROUP.sub(r"{\1", text))
    out: list[str] = []
    opened: list[bool] = []  # per open brace: whether it is markup
    i = 0
    while i < len(text):
        if text.startswith("\\{", i):
            opened.append(False)
            out.append("\\{")
            i += 2
        elif text.startswith("\\}", i):
            out.append("}" if opened and opened.pop() else "\\}")
            i += 2
        elif text[i] == "{":
            opened.append(True)
            out.append("{")
            i += 1
        elif text[i] == "}":
            if opened:
                opened.pop()
            out.append("}")
            i += 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def latex_to_text(text: str) -> str:
    """Plain text for ``text``: inline math rendered, text macros unwrapped, spaces folded."""
    if "\\" not in text and "$" not in text:
        return " ".join(text.split())
    out = _markup_braces(text) if "\\{" in text else text
    out = _accents(literal_quotes(out))
    out = _MATH.sub(lambda m: _math(next(g for g in m.groups() if g is not None)), out)
    for _ in range(WRAP_DEPTH):  # nested wrappers, innermost first, until none is left
        if (unwrapped := _WRAP.sub(r"\1", out)) == out:
            break
        out = unwrapped
    out = _SWITCH_BRACED.sub(r"\1", out)
    out = _HREF.sub(lambda m: m.group(2) if m.group(2) == m.group(1) else f"{m.group(2)} ({m.group(1)})", out)
    out = _FOOTNOTE.sub(r" (\1)", out)
    out = _CITE.sub("", out)
    out = _TIE.sub(" ", out)
    out = re.sub(r"\\([%&#_${}])", r"\1", out)
    out = _symbols(_spaced(out).replace("\\\\", " "))
    return " ".join(out.split())
