"""LaTeX in titles and abstracts as plain text, on the shapes real abstracts carry."""

from __future__ import annotations

import pytest

from efmcat.latex import WRAP_DEPTH, latex_to_text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("speedups of 2-4\\(\\times\\) over  FP16", "speedups of 2-4× over FP16"),
        ("error of $\\approx 1\\%$ at $W_{4}A_{8}$", "error of ≈ 1% at W4A8"),
        # dollars as Pandoc reads them: money is not a formula
        ("it costs $5 and $10 a month", "it costs $5 and $10 a month"),
        ("pay $5, get $O(n)$ time", "pay $5, get O(n) time"),
        ("a $ 5 $ gap and $x$", "a $ 5 $ gap and x"),
        ("by up to $7.7\\times$ over $$y$$", "by up to 7.7× over y"),
        ("$$ E = mc^2 $$ holds, and $$\nx\n$$", "E = mc^2 holds, and x"),  # display math may space
        # a digit after the closing dollar, a space after the opening one
        ("$x$5 and $ x$ stay", "$x$5 and $ x$ stay"),
        ("a \\$b$ c", "a $b$ c"),  # an escaped dollar opens nothing
        ("a $b\\$ c", "a $b$ c"),  # nor closes
        ("$x$$y$ and a $$z$ stay", "$x$$y$ and a $$z$ stay"),  # mismatched dollars are no formula
        ("\\$$x$$ y", "$$x$$ y"),
        # an unclosed \( stays as written; the next one opens the formula
        ("a \\( x \\( y \\) b", "a \\( x y b"),
        ("the \\textit{Linformer}, performs", "the Linformer, performs"),
        # a source that escapes every brace: the macro's braces are markup, the text's stay
        ("the \\textit\\{Linformer\\}, performs", "the Linformer, performs"),
        ("we propose \\{\\it Ada-KV\\}, the first", "we propose Ada-KV, the first"),
        ("is ternary \\{-1, 0, 1\\}. It matches", "is ternary {-1, 0, 1}. It matches"),
        (
            "with \\\\(\\textit\\{arbitrary\nencoder-decoder attention\\}\\\\) and",
            "with arbitrary encoder-decoder attention and",
        ),
        ("Core\\\\(^\\{\\tiny \\text\\{TM\\}\\}\\\\) Ultra", "Core^TM Ultra"),
        ("Intel\\(^\\circledR\\) Gaudi", "Intel^® Gaudi"),
        ("scaling \\textbf\\{Law\\} for \\textbf\\{P\\}ost-training", "scaling Law for Post-training"),
        (
            "Code at: \\url\\{https://github.com/pprp/Pruner-Zero\\}.",
            "Code at: https://github.com/pprp/Pruner-Zero.",
        ),
        ("at \\href\\{https://github.com/a/b/\\}\\{ShadowLLM\\}.", "at ShadowLLM (https://github.com/a/b/)."),
        ("at \\href{https://x.org}{https://x.org}.", "at https://x.org."),
        (
            "applications.\\footnote\\{Code: \\url\\{https://x.org\\}\\}",
            "applications. (Code: https://x.org)",
        ),
        (
            "Deep Prompt Tuning \\cite\\{li2021prefix,qin2021learning\\} optimized",
            "Deep Prompt Tuning optimized",
        ),
        ("\\textit\\{Mixed-precision KV cache\\}~(MiKV), a", "Mixed-precision KV cache (MiKV), a"),
        ("In our experiments, \\lplora~attains", "In our experiments, lplora attains"),
        ("safety\\, -- \\,requires", "safety -- requires"),
        ("the \\texttt\\{lm_head\\} and", "the lm_head and"),
        ("a \\textbf{\\textit{\\emph{\\texttt{deeply}}}} nested name", "a deeply nested name"),
        ("costs ~2x less, 50\\% of", "costs ~2x less, 50% of"),
        ("plain text\nover two lines", "plain text over two lines"),
        # a formula's own escaped braces stay braces; its groups and subscripts lose their markup
        ("codes in \\(\\{0, 1\\}^n\\) with", "codes in {0, 1}^n with"),
        ("keys $d_k$ and $x^2$ wide", "keys dk and x^2 wide"),
        ("in \\(O({n \\log n})\\) time", "in O(n log n) time"),
        # arXiv's own LaTeX: a sized delimiter is the formula's brace, a blackboard letter a letter
        ("a set $\\left\\{ x_i \\right\\}$ of", "a set { xi } of"),
        ("over $\\big\\{0, 1\\big\\}^n$ now", "over {0, 1}^n now"),
        ("in $\\mathbb{R}^d$ and $\\lbrace a \\rbrace$", "in R^d and { a }"),
        # the text's own braces beside escaped ones: kept, and a stray one is no error
        ("a {b} \\{\\it c\\}", "a {b} c"),
        ("x} then \\{y\\}", "x} then {y}"),
        # accents and special letters, as arXiv titles spell names
        (r"Schr{\"o}dinger and Poincar{\'e}", "Schrödinger and Poincaré"),
        (r"Schr\"odinger, \"{u}ber", "Schrödinger, über"),
        (r"Fran\c{c}ois, Fran{\c c}ois, Du\v{s}an", "François, François, Dušan"),
        (r"na\"\i ve, \'{\i}ndice", "naïve, índice"),
        (r"Stra\ss e, Bj\o rn, {\o}, \L{}ukasz", "Straße, Bjørn, ø, Łukasz"),
        (r"Kr\"{a}henb\"{u}hl in \textbf{B\"ohm}", "Krähenbühl in Böhm"),
        (r"$x^2$ and \~n", "x^2 and ñ"),
        # not accents: a quote typed as an escape (a quote), an escaped full stop and a URL's
        # \~user (text as written)
        (r"the \"best\" model", 'the "best" model'),
        (r"The \"important\" tokens", 'The "important" tokens'),  # not "ïmportant" and a stray mark
        (r"\"Uber \"quote\", Schr\"odinger (\"x\").", 'Über "quote", Schrödinger ("x").'),
        (r"etc\. This", r"etc\. This"),
        (r"http://www.cs.x.edu/\~smith/code", r"http://www.cs.x.edu/\~smith/code"),
        (r"Erd\H{o}s, \.Zukowski, Ma\~nana", "Erdős, Żukowski, Mañana"),
        (r"the dotless \i{} and \j, {\ae}", "the dotless ı and ȷ, æ"),
    ],
)
def test_latex_becomes_plain_text(text, want):
    assert latex_to_text(text) == want


def test_wrappers_nested_as_deep_as_the_cap_all_come_off():
    deep = "\\textbf{" * WRAP_DEPTH + "x" + "}" * WRAP_DEPTH
    assert latex_to_text(f"a {deep} b") == "a x b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"\"Schr\"odinger\" cats", '"Schrödinger" cats'),  # an umlaut inside a quoted word
        (r"A \"na\"{\i}ve\" approach", 'A "naïve" approach'),
    ],
)
def test_an_umlaut_inside_a_quoted_word(text, expected):
    assert latex_to_text(text) == expected
