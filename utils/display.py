"""Widgets that still say something where no widget can be drawn (GitHub, nbviewer, exported HTML).

``display_with_static_copy(widget, html, plain)`` shows the live widget in JupyterLab and the
classic notebook, and ``html`` wherever there is no widget manager. ``show_interactive(ui)`` does
the same for an ``ipywidgets.interactive`` view: its controls drive one HTML view that is drawn
before anything is moved, in ipywidgets 7 (Colab) and 8 alike, and the static copy is that same
first view, marked "(interactive in Jupyter)" with the value of each control. ``number_slider``
is the slider for values on a log scale: it stops at readable values (60, not 63.1).
Quizzes, the board picker, the fleet explorer, the glossary, the tree and the sliders of 01-04 use it.
"""

from __future__ import annotations

import base64
import contextlib
import html
import math
import re
import sys

from utils import errors
from utils.errors import CourseError
from utils.numbers import number

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
INTERACTIVE = "(interactive in Jupyter)"


def display_with_static_copy(widget, html_text: str, plain: str) -> None:
    """Show ``widget``, with ``html_text`` as the view for front ends that cannot draw widgets."""
    from IPython.display import display

    from utils.course import on_colab

    if on_colab():
        # Colab always draws widgets; showing only the widget there avoids relying on how it ranks views.
        display(widget)
        return
    bundle = {
        "text/plain": plain,
        "text/html": html_text,
        WIDGET_MIME: {"version_major": 2, "version_minor": 0, "model_id": widget.model_id},
    }
    display(bundle, raw=True)
    # ipywidgets 7 runs a widget's on-display callbacks only from display(widget): run them here too.
    displayed = getattr(widget, "_handle_displayed", None)
    if callable(displayed):
        displayed()


# ----------------------------------------------------------------------------- sliders
def number_slider(values, value, description: str):
    """A slider that stops only at ``values`` (e.g. 0.1, 1, 10, 60, 600), labelled by utils.numbers.

    Use it for a log scale: a FloatLogSlider rounds its start to a step of its exponent (60 becomes
    63.1), while this one starts exactly at ``value`` and its readout is the number the text names.
    """
    import ipywidgets as widgets

    values = list(values)
    if not values:
        raise CourseError("A number slider needs a list of numbers to stop at, such as [1, 10, 60].")
    for v in values:
        errors.number(v, "Each value of a number slider (such as [1, 10, 60])")
    if sorted(set(values)) != values:
        raise CourseError(f"A number slider's values must rise without repeats, got {values}.")
    if value not in values:
        raise CourseError(f"The slider starts at {value!r}, which is not one of its values {values}.")
    return widgets.SelectionSlider(options=[(number(v), v) for v in values], value=value,
                                   description=description, continuous_update=False)


_D3 = re.compile(r"^(?P<comma>,?)(?:\.(?P<places>\d+))?(?P<kind>[df])$")


def readout(control) -> str:
    """The text the front end shows beside ``control``: a slider's readout, a dropdown's label."""
    import ipywidgets as widgets

    if isinstance(control, widgets.FloatLogSlider):
        raise CourseError(f"The log slider {control.description!r} rounds its start to a step of its exponent "
                          "and reads out 3.16e+3: use utils.display.number_slider instead.")
    if hasattr(control, "label") and hasattr(control, "options"):
        return str(control.label)
    if isinstance(control, widgets.Checkbox):
        return "yes" if control.value else "no"
    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        fmt = _D3.match(control.readout_format or "")
        if fmt is None:
            raise CourseError(f"Slider {control.description!r} has readout format {control.readout_format!r}; "
                              "use 'd' or '.2f' (with or without a thousands comma).")
        places = int(fmt["places"] or 0) if fmt["kind"] == "f" else 0
        return f"{control.value:{fmt['comma']}.{places}f}"
    return str(control.value)


def _check_start(control) -> None:
    """Refuse a slider whose start is not one of its stops: the front end would move it before anyone does."""
    import ipywidgets as widgets

    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        steps = (control.value - control.min) / control.step
        if not math.isclose(steps, round(steps), abs_tol=1e-9):
            raise CourseError(f"Slider {control.description!r} starts at {control.value}, between its steps of "
                              f"{control.step} from {control.min}: start it on a step.")


def _prepare(control) -> None:
    """Readouts with thousands separators (1,000, as the static copy writes it); update on release, not mid-drag."""
    import ipywidgets as widgets

    if isinstance(control, (widgets.IntSlider, widgets.FloatSlider)) and not control.readout_format.startswith(","):
        control.readout_format = "," + control.readout_format
    if hasattr(control, "continuous_update"):
        control.continuous_update = False


class _Record:
    """Collects a call's printed text and displayed outputs in the order they came (the notebook's order)."""

    def __init__(self):
        self.items: list[tuple[str, object]] = []

    def write(self, text: str) -> int:
        self.items.append(("text", text))
        return len(text)

    def flush(self) -> None:
        pass


@contextlib.contextmanager
def _recording():
    from IPython import get_ipython

    record = _Record()
    shell = get_ipython()
    publisher = None
    if shell is not None:
        from IPython.core.displaypub import CapturingDisplayPublisher

        class Publisher(CapturingDisplayPublisher):
            def publish(self, data, metadata=None, *args, **kwargs):
                record.items.append(("data", data))

            def clear_output(self, wait=False):
                record.items.clear()

        publisher, shell.display_pub = shell.display_pub, Publisher()
    out, err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = record
    try:
        yield record
    finally:
        sys.stdout, sys.stderr = out, err
        if shell is not None:
            shell.display_pub = publisher


# Output areas break printed text anywhere (word-break: break-all), even inside a number: wrap at spaces.
PRE = '<pre style="margin:4px 0;white-space:pre-wrap;word-break:normal">'


def _as_html(items) -> str:
    parts: list[str] = []
    text = ""
    for kind, item in [*items, ("end", None)]:
        if kind == "text":
            text += item
            continue
        if text:
            parts.append(f"{PRE}{html.escape(text)}</pre>")
            text = ""
        if kind != "data":
            continue
        if "image/png" in item:
            png = item["image/png"]
            png = png if isinstance(png, str) else base64.b64encode(png).decode("ascii")
            parts.append(f'<img src="data:image/png;base64,{png}" style="max-width:100%">')
        elif "text/html" in item:
            parts.append(item["text/html"])
        elif "text/plain" in item:
            parts.append(f"{PRE}{html.escape(item['text/plain'])}</pre>")
    return "".join(parts)


def render(f, kwargs: dict) -> str:
    """Call ``f(**kwargs)`` and return what it printed and showed (text, plots, HTML) as one piece of HTML."""
    from ipywidgets.widgets.interaction import show_inline_matplotlib_plots

    with _recording() as record:
        try:
            f(**kwargs)
            show_inline_matplotlib_plots()
        except Exception as err:  # the learner sees the error where the output would be, as in interact
            record.write(f"{type(err).__name__}: {err}\n")
    return _as_html(record.items)


def show_interactive(ui) -> None:
    """Display an ``interactive`` widget: its controls above one view, drawn before anything is moved.

    The view is an HTML widget (no Output widget), so the first output is there in every front end;
    the static copy is the same first view, with each control's value, marked "(interactive in Jupyter)".
    """
    import ipywidgets as widgets

    controls = [c for c in ui.kwargs_widgets if isinstance(c, widgets.DOMWidget)]
    for c in controls:
        readout(c)  # refuses a log slider before anything is shown
        _check_start(c)
        _prepare(c)
        # interactive would also run f into its own (never shown) Output on every change.
        c.unobserve(ui.update, names="value")

    def values() -> dict:
        return {c._kwarg: c.get_interact_value() for c in ui.kwargs_widgets}

    view = widgets.HTML(value=render(ui.f, values()))
    view.add_class("cvea-interactive-view")

    def redraw(_change=None) -> None:
        view.value = render(ui.f, values())

    for c in controls:
        c.observe(redraw, names="value")
    box = widgets.VBox([*controls, view])
    box.add_class("cvea-interactive")
    setting = "; ".join(f"{c.description or c._kwarg} = {readout(c)}" for c in controls)
    caption = f"<p><small>{html.escape(setting)} {INTERACTIVE}</small></p>"
    display_with_static_copy(box, caption + view.value, f"{setting} {INTERACTIVE}")

