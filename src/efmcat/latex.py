"""LaTeX in titles and abstracts made readable as plain text (``2-4\\(\\times\\)`` -> ``2-4×``).

arXiv abstracts carry inline math (``\\(...\\)``, ``$...$``) and a few text macros. For
display and search they become plain Unicode text; anything not understood keeps its
letters and loses only the markup.
"""

from __future__ import annotations

import re

_SYMBOLS = {
    "times": "×", "approx": "≈", "sim": "~", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "pm": "±",
    "cdot": "·", "rightarrow": "→", "to": "→", "leftarrow": "←", "infty": "∞", "neq": "≠", "ll": "≪",
    "gg": "≫", "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "lambda": "λ",
    "mu": "μ", "sigma": "σ", "theta": "θ", "tau": "τ", "pi": "π", "ell": "ℓ", "log": "log",
    "ldots": "…", "dots": "…", "cdots": "⋯", "%": "%", "&": "&", "#": "#", "_": "_", "$": "$",
}  # fmt: skip
_WRAPPERS = (
    "text",
    "textbf",
    "textit",
    "mathrm",
    "mathbf",
    "mathit",
    "mathcal",
    "emph",
    "texttt",
    "operatorname",
)
_MATH = re.compile(r"\\\\?\((.+?)\\\\?\)|\$\$?([^$]+?)\$\$?", re.S)
_WRAP = re.compile(r"\\(?:" + "|".join(_WRAPPERS) + r")\s*\{([^{}]*)\}")
_MACRO = re.compile(r"\\([A-Za-z]+|[%&#_$])")
_SCRIPT = re.compile(r"([_^])\{([^{}]*)\}|([_^])(\S)")


def _math(body: str) -> str:
    body = _WRAP.sub(r"\1", body)
    body = _SCRIPT.sub(
        lambda m: (
            (m.group(2) if m.group(2) is not None else m.group(4))
            if (m.group(1) or m.group(3)) == "_"
            else "^" + (m.group(2) or m.group(4) or "")
        ),
        body,
    )
    body = _MACRO.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(1)), body)
    body = body.replace("{", "").replace("}", "").replace("\\,", " ").replace("\\ ", " ")
    return " ".join(body.split())


def latex_to_text(text: str) -> str:
    """Plain text for ``text``: inline math rendered, text macros unwrapped, spaces folded."""
    if "\\" not in text and "$" not in text:
        return " ".join(text.split())
    out = _MATH.sub(lambda m: _math(m.group(1) if m.group(1) is not None else m.group(2)), text)
    out = _WRAP.sub(r"\1", out)
    out = re.sub(r"\\([%&#_$])", r"\1", out)
    out = out.replace("\\\\", " ")
    return " ".join(out.split())
