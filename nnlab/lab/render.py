"""Figures for widgets: built once with matplotlib's object API (never pyplot, so nothing leaks), redrawn to PNG.

A widget keeps one Figure, updates its artists (set_data, set_array, set_text), then shows
`png(figure)` in an ipywidgets.Image: this works in any JupyterLab, with no extra front-end extension.
"""

import io
import struct
import time
import zlib

import numpy as np
from matplotlib.transforms import Bbox

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


class Blitter:
    """Redraw a figure fast (Agg blitting): the static parts (axes, ticks, titles, legends) are kept as pixels and
    redrawn only for the Axes whose layout (`keys[ax]`: its limits and legend) changed; each redraw copies them
    back and draws only the changing artists on top."""

    def __init__(self, fig):
        self.fig, self.keys, self.boxes, self.background = fig, None, {}, None
        self.seconds = {}  # the last redraw's parts: {"draw": ..., "encode": ...} (benchmarks/bench_lab.py)

    def png(self, artists, keys):
        """PNG bytes of the figure with `artists` drawn over the static parts; keys: {Axes: its layout}."""
        canvas, begin = self.fig.canvas, time.perf_counter()
        for artist in artists:
            artist.set_animated(True)  # left out of the static parts: drawn below, every time
        if self.keys is None or set(keys) != set(self.keys):
            canvas.draw()
            self._keep(keys, {ax: _static_box(ax, canvas.get_renderer()) for ax in keys})
        else:
            canvas.restore_region(self.background)
            changed = [ax for ax in keys if keys[ax] != self.keys[ax]]
            if changed:
                self._keep(keys, self._redraw_static(changed))
        for artist in sorted(artists, key=lambda a: a.get_zorder()):
            if artist.get_visible():
                self.fig.draw_artist(artist)
            artist.set_animated(False)  # a full draw elsewhere (savefig, a test) shows them as usual
        middle = time.perf_counter()
        image = encode(canvas)
        self.seconds = {"draw": middle - begin, "encode": time.perf_counter() - middle}
        return image

    def _keep(self, keys, boxes):
        """Remember the static pixels, the layout they show, and where each Axes draws its static parts."""
        self.keys, self.background = dict(keys), self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self.boxes.update(boxes)

    def _redraw_static(self, changed):
        """Clear and redraw the static parts of the `changed` Axes, where they were and where they go, and of
        whatever else that area touches (a neighbour's tick labels, a figure legend); returns the new boxes."""
        renderer = self.fig.canvas.get_renderer()
        new = {ax: _static_box(ax, renderer) for ax in changed}
        cleared = [*new.values(), *(self.boxes[ax] for ax in changed)]
        neighbours = [ax for ax in self.boxes if ax not in new and any(self.boxes[ax].overlaps(b) for b in cleared)]
        statics = [a for a in self.fig.legends + self.fig.texts if not a.get_animated()
                   and any(a.get_window_extent(renderer).overlaps(b) for b in cleared)]
        cleared += [self.boxes[ax] for ax in neighbours] + [a.get_window_extent(renderer) for a in statics]
        pixels = np.asarray(self.fig.canvas.buffer_rgba())  # (height, width, 4), row 0 at the top
        height, background = pixels.shape[0], (np.asarray(self.fig.get_facecolor()) * 255).astype(np.uint8)
        for box in cleared:
            pixels[max(height - int(np.ceil(box.y1)) - 1, 0):height - int(box.y0) + 1,
                   max(int(box.x0) - 1, 0):int(np.ceil(box.x1)) + 1] = background
        for artist in [*new, *neighbours, *statics]:
            self.fig.draw_artist(artist)
        return new


def _static_box(ax, renderer):
    """Where an Axes draws its static parts: its tight box (ticks, labels, title) and its legend's box."""
    legend = ax.get_legend()
    return Bbox.union([ax.get_tightbbox(renderer)] + ([legend.get_window_extent(renderer)] if legend else []))


def _chunk(kind, data):
    """One PNG chunk: length, type, data, CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode(canvas):
    """The canvas's pixels as PNG bytes, without drawing again: RGB rows, no PNG filter, zlib level 1.

    About twice as fast as Pillow's encoder here (which tries a filter per row), for a similar size.
    """
    rgba = np.asarray(canvas.buffer_rgba())  # (height, width, 4)
    height, width = rgba.shape[:2]
    rows = np.zeros((height, 1 + 3 * width), np.uint8)  # each row starts with its filter type, 0 (none)
    rows[:, 1:] = rgba[:, :, :3].reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits per channel, colour type 2 (RGB)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + _chunk(b"IEND", b""))
