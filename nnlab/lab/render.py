"""Figures for widgets: built once with matplotlib's object API (never pyplot, so nothing leaks), redrawn to PNG.

A widget keeps one Figure, updates its artists (set_data, set_array, set_text), then shows
`png(figure)` in an ipywidgets.Image: this works in any JupyterLab, with no extra front-end extension.
"""

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe-Ito colours: distinguishable with every common colour-vision deficiency.
COLORS = {"numpy": "#0072B2", "keras": "#E69F00", "class0": "#56B4E9", "class1": "#D55E00",
          "green": "#009E73", "grey": "#999999", "purple": "#CC79A7"}


def figure(width=8.0, height=3.2, dpi=100, layout="constrained"):
    """A Figure with its own Agg canvas, outside pyplot's list of open figures (so it can never leak).

    layout=None skips constrained layout, which costs a quarter second per redraw of a six-panel figure:
    live figures place their Axes once with fig.subplots_adjust instead.
    """
    fig = Figure(figsize=(width, height), dpi=dpi, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def png(fig):
    """The figure drawn to PNG bytes, for ipywidgets.Image(value=...)."""
    buffer = io.BytesIO()
    fig.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})  # fast: a live panel redraws often
    return buffer.getvalue()
