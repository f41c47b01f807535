"""Pictures of fully connected networks: a circle per unit, a line per weight, layers left to right. Lesson 01.

Plotting only (matplotlib): draw_network takes an Axes and returns its artists, like nnlab.lab.plots.
"""

from collections import namedtuple

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Circle

from nnlab._checks import check_float, check_int, fail
from nnlab.lab.render import COLORS

NetworkArtists = namedtuple("NetworkArtists", ["units", "weights", "unit_texts", "layer_texts", "weight_texts"])
RADIUS = 0.25  # of a unit's circle, in data units: units in a layer are 1 apart
FONT = 9  # points


def unit_positions(layer_sizes, layer_gap=2.0):
    """Where each unit goes: one array (units, 2) of (x, y) per layer, layer i at x = i * layer_gap, centred on y=0."""
    if not isinstance(layer_sizes, (list, tuple)) or not layer_sizes:
        fail("layer_sizes", "a list of layer widths such as [2, 3, 1] (inputs first)", layer_sizes, error=TypeError)
    sizes = [check_int(f"layer_sizes[{i}]", n, minimum=1) for i, n in enumerate(layer_sizes)]
    gap = check_float("layer_gap", layer_gap, low=0, low_open=True)
    return [np.column_stack([np.full(n, i * gap), (n - 1) / 2 - np.arange(n)]) for i, n in enumerate(sizes)]


def _check_list(argument, items, length, what):
    """`items` as a list of `length` entries (an empty list for None); `what` says what each entry is."""
    if items is None:
        return []
    if not isinstance(items, (list, tuple)) or len(items) != length:
        fail(argument, f"a list of {length} {'entry' if length == 1 else 'entries'} ({what})", items, error=TypeError)
    return list(items)


def draw_network(ax, layer_sizes, labels=None, unit_labels=None, weight_labels=None, colors=None, layer_gap=2.0):
    """Draw the network with these layer widths on `ax`: units as circles, weights as lines from every unit of a layer
    to every unit of the next (n_in * units lines between layers of n_in and units units), inputs on the left.

    labels: one caption per layer, under it; unit_labels: one list of texts per layer, one text inside each unit;
    weight_labels: one text per pair of neighbouring layers, above its lines; colors: one colour per layer.
    Returns NetworkArtists(units [[Circle] per layer], weights [LineCollection per pair of layers],
    unit_texts [[Text] per layer], layer_texts [Text per caption], weight_texts [Text per weight label]).
    """
    positions = unit_positions(layer_sizes, layer_gap)
    n = len(positions)
    captions = _check_list("labels", labels, n, "one text per layer")
    unit_rows = _check_list("unit_labels", unit_labels, n, "one list per layer")
    rows = [_check_list(f"unit_labels[{i}]", row, len(p), "one text per unit of that layer")
            for i, (row, p) in enumerate(zip(unit_rows, positions))]
    above = _check_list("weight_labels", weight_labels, n - 1, "one text per pair of neighbouring layers")
    colors = _check_list("colors", colors, n, "one colour per layer") or _layer_colors(n)
    weights = [ax.add_collection(LineCollection([(a, b) for a in left for b in right], colors=COLORS["grey"],
                                                linewidths=1.0, zorder=1))
               for left, right in zip(positions[:-1], positions[1:])]
    units = [[ax.add_patch(Circle(xy, RADIUS, facecolor=color, edgecolor="black", lw=1.0, zorder=2)) for xy in layer]
             for layer, color in zip(positions, colors)]
    texts = [[ax.text(*xy, str(text), ha="center", va="center", fontsize=FONT, zorder=3)
              for xy, text in zip(layer, row)] for layer, row in zip(positions, rows)]
    layer_texts, weight_texts = _captions(ax, positions, captions, above)
    return NetworkArtists(units, weights, texts, layer_texts, weight_texts)


def _captions(ax, positions, captions, above):
    """Captions under the layers and weight labels above the gaps between them; sets the limits to fit everything."""
    tallest, xs = max(len(p) for p in positions), [p[0, 0] for p in positions]
    bottom, top = -tallest / 2 - 0.05, tallest / 2 - 0.05
    layer_texts = [ax.text(x, bottom, str(text), ha="center", va="top", fontsize=FONT) for x, text in zip(xs, captions)]
    weight_texts = [ax.text((left + right) / 2, top, str(text), ha="center", va="bottom", fontsize=FONT)
                    for left, right, text in zip(xs[:-1], xs[1:], above)]
    lines = [max((str(text).count("\n") + 1 for text in texts), default=0) for texts in (captions, above)]
    ax.set(xlim=(-0.8, xs[-1] + 0.8), ylim=(bottom - 0.15 - 0.35 * lines[0], top + 0.15 + 0.35 * lines[1]),
           aspect="equal", xticks=[], yticks=[])  # about 0.35 data units per line of text
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return layer_texts, weight_texts


def _layer_colors(n_layers):
    """Inputs light blue, hidden layers green, the output orange (Okabe-Ito); a single layer is light blue."""
    if n_layers == 1:
        return [COLORS["class0"]]
    return [COLORS["class0"]] + [COLORS["green"]] * (n_layers - 2) + [COLORS["keras"]]
