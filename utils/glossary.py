"""The course glossary: each term in the course's own words, linked to the notebook section that teaches it.

Defined for lesson 08. Terms live in ``data/glossary.json`` as ``{"term", "definition",
"notebook", "heading"}``; ``heading`` is the text of a markdown heading in that notebook,
and :func:`link` turns it into the anchor JupyterLab gives that heading, so every
"taught in" link opens the right place. ``tests/test_glossary.py`` checks that each heading
really exists. ``show()`` draws the glossary as a table with a search box.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from functools import cache

from utils.course import find_notebook
from utils.errors import CourseError
from utils.paths import read_json
from utils.tables import Html, Table

# The terms the seed's own glossary defines: the course must keep all of them.
SEED_TERMS = ("Edge AI", "Cloud AI", "Latency", "TinyML", "Quantization", "Inference")


@dataclass(frozen=True)
class Entry:
    """One glossary term, where it is taught (notebook id and heading text)."""

    term: str
    definition: str
    notebook: str
    heading: str


@cache
def _entries() -> tuple[Entry, ...]:
    doc = read_json("glossary.json")
    return tuple(Entry(e["term"], e["definition"], e["notebook"], e["heading"]) for e in doc["terms"])


def entries() -> list[Entry]:
    """Every glossary entry, sorted by term (case-insensitive)."""
    return sorted(_entries(), key=lambda e: e.term.lower())


def lookup(term: str) -> Entry:
    """The entry for ``term`` (case-insensitive), or one sentence suggesting the nearest terms."""
    if not isinstance(term, str) or not term.strip():
        raise CourseError("Give the term to look up as text, e.g. lookup('zero point').")
    wanted = term.strip().lower()
    for e in _entries():
        if e.term.lower() == wanted:
            return e
    near = difflib.get_close_matches(wanted, [e.term.lower() for e in _entries()], n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(near)}?" if near else ""
    raise CourseError(f"The glossary has no term {term!r}.{hint}".rstrip())


def notebook_file(notebook: str) -> str:
    """The file name of notebook ``notebook`` ('06' -> '06_quantization.ipynb')."""
    return f"{find_notebook(notebook)[1]}.ipynb"


def plain(heading: str) -> str:
    """A heading's rendered text: markdown emphasis and link targets removed."""
    text = re.sub(r"[*_`]", "", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link keeps its words only
    return " ".join(text.split())


def anchor(heading: str) -> str:
    """The id JupyterLab (and nbconvert's HTML) gives a heading: its text with spaces as hyphens."""
    return plain(heading).replace(" ", "-")


def link(entry: Entry) -> str:
    """The relative link that opens the section teaching ``entry``: '06_quantization.ipynb#Zero-point'."""
    return f"{notebook_file(entry.notebook)}#{anchor(entry.heading)}"


def to_html(items: list[Entry] | None = None) -> str:
    """The glossary (or some of its entries) as an HTML table with a 'taught in' link per term."""
    items = entries() if items is None else items
    return Table({
        "term": Html(f"<b>{html.escape(e.term)}</b>"),
        "meaning": e.definition,
        "taught in": Html(f"<a href='{html.escape(link(e))}'>{e.notebook} · {html.escape(plain(e.heading))}</a>"),
    } for e in items)._repr_html_()


def search(text: str) -> list[Entry]:
    """Entries whose term or definition contains ``text`` (case-insensitive; '' gives all)."""
    if not isinstance(text, str):
        raise CourseError(f"Search for text, not {type(text).__name__}.")
    needle = text.strip().lower()
    return [e for e in entries() if needle in e.term.lower() or needle in e.definition.lower()]


def show() -> None:
    """The glossary as a table with a search box (exports without widgets show the full table)."""
    import ipywidgets as w

    from utils.display import display_with_static_copy

    box = w.Text(placeholder="search the glossary, e.g. 'zero point' or 'battery'", description="Search:")
    table = w.HTML(to_html())
    count = w.HTML(f"<i>{len(entries())} terms</i>")

    def update(change):
        found = search(change["new"])
        table.value = to_html(found) if found else "<i>No term matches; try a shorter word.</i>"
        count.value = f"<i>{len(found)} of {len(entries())} terms</i>"

    box.observe(update, names="value")
    display_with_static_copy(w.VBox([w.HBox([box, count]), table]), to_html(), f"Glossary of {len(entries())} terms")
