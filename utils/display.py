"""Widgets that still say something where no widget can be drawn (GitHub, nbviewer, exported HTML).

``display_with_static_copy(widget, html, plain)`` shows the live widget in JupyterLab and the
classic notebook, and ``html`` wherever there is no widget manager; ``show_interactive(ui)``
does the same for an ``ipywidgets.interactive`` view, whose static copy is its default plot.
Quizzes, the board picker, the fleet explorer, the glossary and the sliders of 01-04 use it.
"""

from __future__ import annotations

import html

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


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


def show_interactive(ui) -> None:
    """Display an ``interactive`` widget; front ends without a live kernel get its default plot instead."""
    from IPython.utils.capture import capture_output

    with capture_output() as default:
        ui.f(**ui.kwargs)
    view = "".join(f'<img src="data:image/png;base64,{o.data["image/png"]}">'
                   for o in default.outputs if "image/png" in o.data)
    if default.stdout:
        view += f"<pre>{html.escape(default.stdout)}</pre>"
    display_with_static_copy(ui, view, "Sliders (they need a live kernel); the saved copy shows the default setting.")
