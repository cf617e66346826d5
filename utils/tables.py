"""Tables that show themselves: a list of row dicts rendered as HTML in a notebook and as text elsewhere.

Every lesson that prints a comparison (converter recipes, tensors, boards, layers) returns one.
"""

from __future__ import annotations

import html
import re

import numpy as np

from utils.numbers import number


class Html(str):
    """A cell that is already HTML (a link, a bold figure): shown as it is in a notebook, as its text elsewhere."""


class Table(list):
    """A list of row dicts that shows itself as a table in a notebook (and as text elsewhere).

    ``caption`` is shown above the table; the columns named in ``right`` are right-aligned (figures).
    """

    def __init__(self, rows=(), caption: str = "", right: tuple = ()):
        super().__init__(rows)
        self.caption, self.right = caption, tuple(right)

    def columns(self) -> list[str]:
        cols: list[str] = []
        for row in self:
            cols += [k for k in row if k not in cols]
        return cols

    @staticmethod
    def _cell(v) -> str:
        if isinstance(v, Html):
            return html.unescape(re.sub(r"<[^>]+>", "", v))
        if isinstance(v, (float, np.floating)):
            if v != v:
                return "-"
            return number(v, digits=4)  # separators, and never 1e-05
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return f"{v:,}"
        if isinstance(v, (list, tuple)) and all(isinstance(x, (int, np.integer)) for x in v) and len(v) <= 6:
            return "(" + ", ".join(str(x) for x in v) + ")"
        if isinstance(v, (list, tuple)):
            shown = [Table._cell(x) for x in v[:3]]
            return ", ".join(shown) + (f", ... ({len(v)} values)" if len(v) > 3 else "")
        return "" if v is None else str(v)

    def _html_cell(self, row: dict, col: str) -> str:
        v = row.get(col)
        text = v if isinstance(v, Html) else html.escape(self._cell(v))
        return f"<td style='text-align:{'right' if col in self.right else 'left'}'>{text}</td>"

    def _repr_html_(self) -> str:
        cols = self.columns()
        head = "".join(f"<th style='text-align:{'right' if c in self.right else 'left'}'>{html.escape(str(c))}</th>"
                       for c in cols)
        body = "".join("<tr>" + "".join(self._html_cell(r, c) for c in cols) + "</tr>" for r in self)
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        cols = self.columns()
        cells = [[self._cell(r.get(c)) for c in cols] for r in self]
        widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(cols)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
        return "\n".join(lines)
