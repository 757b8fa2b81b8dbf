"""LaTeX tables for papers (``alfs check --format latex``, ``alfs verify --format latex``):
booktabs tables whose cells are escaped text (base wing: no imports of the package).

The output needs ``\\usepackage{booktabs}`` (and ``\\usepackage{tabularx}`` for the wrapped
last column); every character that LaTeX treats specially is escaped, so evidence with ``_``,
``%``, ``&``, ``#``, ``^``, ``~``, ``{}`` or ``\\`` compiles as printed.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["escape", "table"]

_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}


def escape(text: object) -> str:
    """``text`` as LaTeX text: special characters escaped, newlines as spaces."""
    s = " ".join(str(text).split())
    return "".join(_SPECIAL.get(c, c) for c in s)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, caption: str | None = None,
          label: str | None = None, wrap: int | None = -1, bold_col: int | None = None) -> str:
    """A ``table`` environment with a booktabs ``tabularx`` whose column ``wrap`` (default the
    last) wraps to the line width (None: a plain ``tabular``); ``bold_col``: a column set in
    bold (the verdicts)."""
    n = len(headers)
    cols = ["l"] * n
    if wrap is not None:
        cols[wrap] = "X"
    spec = "".join(cols)
    env = "tabularx" if wrap is not None else "tabular"
    width = r"{\linewidth}" if wrap is not None else ""
    out = [r"\begin{table}[t]", r"\centering", r"\small"]
    if caption:
        out.append(rf"\caption{{{escape(caption)}}}")
    if label:
        out.append(rf"\label{{{label}}}")
    out += [rf"\begin{{{env}}}{width}{{{spec}}}", r"\toprule",
            " & ".join(rf"\textbf{{{escape(h)}}}" for h in headers) + r" \\", r"\midrule"]
    for row in rows:
        cells = [escape(c) for c in row]
        if bold_col is not None and cells[bold_col]:
            cells[bold_col] = rf"\textbf{{{cells[bold_col]}}}"
        out.append(" & ".join(cells) + r" \\")
    out += [r"\bottomrule", rf"\end{{{env}}}", r"\end{table}"]
    return "\n".join(out) + "\n"
