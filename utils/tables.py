"""Tables that show themselves: a list of row dicts rendered as HTML in a notebook and as text elsewhere.

Every lesson that prints a comparison (converter recipes, tensors, boards, layers) returns one.
"""

from __future__ import annotations

import html

import numpy as np

from utils.numbers import number


class Table(list):
    """A list of row dicts that shows itself as a table in a notebook (and as text elsewhere)."""

    def columns(self) -> list[str]:
        cols: list[str] = []
        for row in self:
            cols += [k for k in row if k not in cols]
        return cols

    @staticmethod
    def _cell(v) -> str:
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

    def _repr_html_(self) -> str:
        cols = self.columns()
        head = "".join(f"<th style='text-align:left'>{html.escape(str(c))}</th>" for c in cols)
        body = "".join(
            "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(self._cell(r.get(c)))}</td>" for c in cols)
            + "</tr>"
            for r in self
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        cols = self.columns()
        cells = [[self._cell(r.get(c)) for c in cols] for r in self]
        widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(cols)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
        lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
        return "\n".join(lines)
