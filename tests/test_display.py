"""Widgets with a static copy: the live widget where widgets draw, readable HTML everywhere else."""

import ipywidgets as widgets

from utils import display as D


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


def test_interactive_copy_is_the_default_output(monkeypatch):
    """Outside a kernel only printed text is captured; the notebooks 01-04 exercise the plot path under nbval."""
    shown = _capture(monkeypatch)
    ui = widgets.interactive(lambda n=3: print(f"n = {n} & more"), n=(1, 10))
    D.show_interactive(ui)
    (bundle, _), = shown
    assert bundle["text/html"] == "<pre>n = 3 &amp; more\n</pre>"
    assert bundle[D.WIDGET_MIME]["model_id"] == ui.model_id
