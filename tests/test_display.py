"""Widgets with a static copy: the live widget where widgets draw, readable HTML everywhere else.

Also every slider of the course, read from the lessons themselves: it starts on one of its stops (so no
front end moves it before the learner does), at the value the lesson's text names, and its static copy
is computed from that same value and says so. The same file runs under ipywidgets 8 and 7.7.1.
"""

import ast
import json
import re
from pathlib import Path

import ipywidgets as widgets
import pytest

from utils import display as D
from utils.errors import CourseError
from utils.numbers import number

ROOT = Path(__file__).resolve().parents[1]


def _capture(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append((obj, raw)))
    monkeypatch.setattr("utils.course.on_colab", lambda: False)
    return shown


def test_static_copy_travels_with_the_widget(monkeypatch):
    shown = _capture(monkeypatch)
    button = widgets.Button(description="go")
    D.display_with_static_copy(button, "<b>static</b>", "plain words")
    (bundle, raw), = shown
    assert raw and bundle["text/html"] == "<b>static</b>" and bundle["text/plain"] == "plain words"
    assert bundle[D.WIDGET_MIME]["model_id"] == button.model_id


def test_an_interactive_shown_with_a_static_copy_has_run_once_in_either_ipywidgets(monkeypatch):
    """ipywidgets 8 runs interactive's first update when it is built, 7 only from display(widget)'s hook."""
    _capture(monkeypatch)
    calls = []
    ui = widgets.interactive(lambda n=3: calls.append(n), n=(1, 10))
    D.display_with_static_copy(ui, "copy", "copy")
    assert calls and calls[-1] == 3


def test_interactive_view_is_there_before_any_move_and_its_copy_uses_the_widget_values(monkeypatch):
    shown = _capture(monkeypatch)
    calls = []

    def f(n=3, size=2):  # the function's own defaults differ from the widgets' starts on purpose
        calls.append((n, size))
        print(f"n = {n}, size {size} & more")

    ui = widgets.interactive(f, n=widgets.IntSlider(value=1000, min=0, max=5000, step=100, description="n"),
                             size=D.number_slider([1, 10, 60, 600], 60, "size"))
    calls.clear()  # ipywidgets 8 has already run f once, into interactive's own output
    D.show_interactive(ui)
    (bundle, _), = shown
    box = next(w for w in widgets.Widget.widgets.values() if getattr(w, "model_id", None)
               == bundle[D.WIDGET_MIME]["model_id"])
    view = box.children[-1]
    assert calls == [(1000, 60)]  # once, with what the sliders show
    assert view.value == f"{D.PRE}n = 1000, size 60 &amp; more\n</pre>"
    assert bundle["text/html"] == "<p><small>n = 1,000; size = 60 (interactive in Jupyter)</small></p>" + view.value
    assert bundle["text/plain"] == "n = 1,000; size = 60 (interactive in Jupyter)"
    ui.kwargs_widgets[1].value = 600  # a move redraws the one view; interactive's own update no longer runs
    assert calls == [(1000, 60), (1000, 600)] and "size 600" in view.value
    assert [D.readout(c) for c in ui.kwargs_widgets] == ["1,000", "600"]


def test_interactive_refuses_sliders_that_a_front_end_would_move(monkeypatch):
    _capture(monkeypatch)
    log = widgets.interactive(lambda r=60: r, r=widgets.FloatLogSlider(value=60, base=10, min=-1, max=3.5))
    with pytest.raises(CourseError, match="number_slider"):
        D.show_interactive(log)
    off = widgets.interactive(lambda r=60: r, r=widgets.IntSlider(value=60, min=0, max=500, step=25, description="r"))
    with pytest.raises(CourseError, match="starts at 60, between its steps of 25"):
        D.show_interactive(off)


def test_a_number_slider_starts_exactly_where_asked_and_reads_out_a_readable_number():
    s = D.number_slider([0.1, 1, 60, 1200, 6000], 60, "per minute")
    assert s.value == 60 and s.label == "60" and D.readout(s) == "60"
    assert [label for label, _ in s.options] == ["0.1", "1", "60", "1,200", "6,000"]
    with pytest.raises(CourseError, match="not one of its values"):
        D.number_slider([1, 10], 5, "x")
    with pytest.raises(CourseError, match="rise without repeats"):
        D.number_slider([10, 1], 1, "x")
    with pytest.raises(CourseError, match="Each value of a number slider .* must be a number, got '10'"):
        D.number_slider([1, "10"], 1, "x")
    with pytest.raises(CourseError, match="needs a list of numbers to stop at"):
        D.number_slider([], 1, "x")


def test_errors_inside_the_function_show_where_its_output_would_be(monkeypatch):
    _capture(monkeypatch)

    def boom(n=1):
        raise CourseError("Pick a smaller number.")

    assert D.render(boom, {"n": 1}) == f"{D.PRE}CourseError: Pick a smaller number.\n</pre>"


# ---------------------------------------------------------------- every slider in the course -------


def _slider_cells():
    """(notebook, markdown before the cell, the show_interactive call) for every slider view in the lessons."""
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        markdown = ""
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                markdown = src
                continue
            if "Slider" not in src and "number_slider" not in src:
                continue
            for node in ast.walk(ast.parse(src)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "show_interactive":
                    found.append((path.name[:2], markdown, node))
    return found


def _controls(call):
    """The lesson's sliders, built from its own source (every argument of a slider is a literal)."""
    (inner,) = call.args
    out = {}
    for kw in inner.keywords:
        func = kw.value.func if isinstance(kw.value, ast.Call) else None
        name = getattr(func, "attr", None) or getattr(func, "id", None)
        if name and (name.endswith("Slider") or name == "number_slider"):
            out[kw.arg] = eval(ast.unparse(kw.value), {"widgets": widgets, "number_slider": D.number_slider})
    return out


def _named_default(markdown: str) -> str | None:
    """The lesson's words for a slider view's default setting: "(... shows the default: 60 a minute)"."""
    found = re.search(r"\(([^()]*default[^()]*)\)|default[^().]*\(([^()]*)\)", markdown)
    return None if found is None else found.group(1) or found.group(2)


SLIDER_CELLS = _slider_cells()


def test_the_lessons_have_the_sliders_this_test_reads():
    per_notebook = {}
    for nb, _, call in SLIDER_CELLS:
        per_notebook[nb] = per_notebook.get(nb, 0) + len(_controls(call))
    assert per_notebook == {"01": 1, "02": 14, "03": 1, "04": 2}
    listed = sum(len(re.findall(r"(?:Slider|number_slider)\(", "".join(c["source"])))
                 for p in (ROOT / "notebooks").glob("0*.ipynb")
                 for c in json.loads(p.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code")
    assert listed == sum(per_notebook.values())  # no slider outside a show_interactive view
    assert sum(_named_default(md) is not None for _, md, _ in SLIDER_CELLS) == 5  # 01, 02 twice, 03, 04


@pytest.mark.parametrize("nb, markdown, call", SLIDER_CELLS, ids=[f"{nb}-{i}" for i, (nb, _, _) in
                                                                  enumerate(SLIDER_CELLS)])
def test_every_slider_starts_where_its_text_says_and_its_copy_computes_from_it(monkeypatch, nb, markdown, call):
    shown = _capture(monkeypatch)
    controls = _controls(call)
    calls = []
    ui = widgets.interactive(lambda **kw: calls.append(kw), **controls)
    calls.clear()
    D.show_interactive(ui)  # refuses a slider that starts between its stops, or a log slider
    (bundle, _), = shown
    # The static copy is computed from exactly the values the widgets start at...
    assert calls == [{k: c.value for k, c in controls.items()}]
    # ...and names each of them as the widget reads it out.
    for c in controls.values():
        assert f"{c.description} = {D.readout(c)}" in bundle["text/plain"]
        if isinstance(c, widgets.SelectionSlider):
            assert D.readout(c) == number(c.value)
        else:
            assert D.readout(c) == f"{c.value:,.{int(c.readout_format[-2]) if c.readout_format.endswith('f') else 0}f}"
    assert bundle["text/plain"].endswith("(interactive in Jupyter)")
    # Where the lesson names the default setting, each number it names is a slider's start.
    named = _named_default(markdown)
    if named:
        readouts = {D.readout(c) for c in controls.values()}
        for value in re.findall(r"(?<![\w.])\d[\d,.]*(?![\w])", named):
            assert value.rstrip(".") in readouts, f"lesson {nb} names {value} but its sliders start at {readouts}"
