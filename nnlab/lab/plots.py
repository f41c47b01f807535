"""Plots for the twin lab: functions that take Axes and arrays, draw or update artists, and return them.

The Playground builds one figure with `lab_figure`, calls `show_run` after every run and `show_frame` for each
replayed epoch (nnlab.lab.replay), then blits it (nnlab.lab.render.Blitter); `show_result` does both at the last
epoch. Lessons can call the same functions on their own Axes. Colours are Okabe-Ito (nnlab.lab.render.COLORS):
NumPy blue, Keras orange.
"""

import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FormatStrFormatter

from nnlab.lab.render import COLORS, figure
from nnlab.lab.replay import Replay, grid, nice_ceil  # noqa: F401  (grid: lessons call plots.grid)


def _pale(color, amount=0.55):
    """`color` mixed with white: the background shading, light enough for points of any class to show on it."""
    return tuple(amount + (1 - amount) * np.asarray(to_rgb(color)))


CLASS_MAP = LinearSegmentedColormap.from_list(  # grey where a diverged network predicts NaN (white reads "unsure")
    "classes", [_pale(COLORS["class0"]), "#FFFFFF", _pale(COLORS["class1"])]).with_extremes(bad="#CCCCCC")
MARKERS = {0: "o", 1: "^"}  # class 0 circles, class 1 triangles: told apart by shape as well as colour
NUMBERS = "%.3g"  # tick labels such as 2e+16: no separate "1e16" offset text colliding with the title
OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0}  # a legend right of the Axes


def curves(ax, title, ylabel, legend=True):
    """Two empty lines, NumPy (solid) and Keras (dashed, on top), with title and labels; the legend (if asked)
    goes outside the Axes, right of it, so it never covers a curve."""
    numpy_line, = ax.plot([], [], color=COLORS["numpy"], lw=2.5, label="NumPy (nnlab)")
    keras_line, = ax.plot([], [], color=COLORS["keras"], lw=1.5, ls="--", label="Keras twin")
    ax.set(title=title, xlabel="epoch", ylabel=ylabel)
    ax.yaxis.set_major_formatter(FormatStrFormatter(NUMBERS))
    if legend:
        ax.legend(fontsize=9, **OUTSIDE)
    return numpy_line, keras_line


def set_curves(lines, numpy_values, keras_values):
    """Put one value per epoch on each line and rescale the axes to fit (non-finite values are left out)."""
    for line, values in zip(lines, (numpy_values, keras_values)):
        values = np.asarray(values, dtype=float)
        line.set_data(np.arange(1, len(values) + 1), np.where(np.isfinite(values), values, np.nan))
    ax = lines[0].axes
    ax.relim()
    ax.autoscale_view()
    return lines


def _points(ax, label):
    """An empty scatter of class `label`'s points: its own marker, filled with its colour, edged in black."""
    return ax.scatter(np.empty(0), np.empty(0), marker=MARKERS[label], color=COLORS[f"class{label}"],
                      edgecolors="black", linewidths=0.7, s=24, label=f"class {label}")


def boundary(ax, title):
    """An empty probability map with the data points over it; returns the artists to update."""
    image = ax.imshow(np.zeros((2, 2)), origin="lower", cmap=CLASS_MAP, vmin=0, vmax=1, aspect="auto")
    ax.set(title=title, xlabel="x1", ylabel="x2")
    return {"image": image, "points": (_points(ax, 0), _points(ax, 1)), "contour": None}


def class_key():
    """Legend handles saying what the boundary plots show: the two classes' markers, the shading, the 0.5 line."""
    dots = [Line2D([], [], ls="", marker=MARKERS[k], markersize=7, markerfacecolor=COLORS[f"class{k}"],
                   markeredgecolor="black", label=f"class {k}") for k in (0, 1)]
    shading = [Patch(facecolor=CLASS_MAP(0.0), edgecolor="grey", label="shaded: predicts 0"),
               Patch(facecolor=CLASS_MAP(1.0), edgecolor="grey", label="predicts 1 (whiter: less sure)"),
               Patch(facecolor=CLASS_MAP.get_bad(), edgecolor="grey", label="NaN (diverged)")]
    return [*dots, *shading, Line2D([], [], color="black", lw=1.5, label="P(class 1) = 0.5")]


def set_boundary(artists, probabilities, extent, x, y):
    """Show P(class 1) over the grid (square array), the 0.5 decision line, and the labelled points."""
    image, ax = artists["image"], artists["image"].axes
    image.set_data(probabilities)
    image.set_extent(extent)
    if artists["contour"] is not None:
        artists["contour"].remove()
    finite = np.where(np.isfinite(probabilities), probabilities, 0.5)
    g1, g2 = np.linspace(*extent[:2], finite.shape[1]), np.linspace(*extent[2:], finite.shape[0])
    has_line = finite.min() < 0.5 < finite.max()
    artists["contour"] = ax.contour(g1, g2, finite, levels=[0.5], colors="black", linewidths=1.5) if has_line else None
    y = np.asarray(y).reshape(-1)
    for label, points in enumerate(artists["points"]):
        points.set_offsets(np.asarray(x)[y == label])
    ax.set_xlim(extent[:2])
    ax.set_ylim(extent[2:])
    return artists


def histograms(ax, arrays, labels, title, xlabel, bins=30):
    """One outline histogram per array (per layer), redrawn from scratch on this Axes only."""
    ax.clear()
    palette = [COLORS[k] for k in ("numpy", "keras", "green", "purple", "class1", "grey", "class0", "numpy")]
    finite = [a[np.isfinite(a)] for a in (np.ravel(a).astype(np.float64) for a in arrays)]  # float64: no overflow
    values = np.concatenate(finite) if finite else np.zeros(1)
    edges = np.histogram_bin_edges(values if values.size else np.zeros(1), bins=bins)
    for array, label, color in zip(finite, labels, palette):
        counts, _ = np.histogram(array, bins=edges)
        ax.stairs(counts, edges, color=color, lw=1.8, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel="count")
    ax.xaxis.set_major_formatter(FormatStrFormatter(NUMBERS))
    if arrays:
        ax.legend(fontsize=8, **OUTSIDE)
    return ax


PALETTE = [COLORS[k] for k in ("numpy", "keras", "green", "purple", "class1", "grey", "class0", "numpy", "keras")]


def layer_stairs(ax, title, xlabel, count=9):
    """`count` hidden outline histograms (one per layer, the most a network can have); shown by set_stairs."""
    ax.set(title=title, xlabel=xlabel, ylabel="count")
    ax.xaxis.set_major_formatter(FormatStrFormatter(NUMBERS))
    return [ax.stairs(np.zeros(1), [0.0, 1.0], color=color, lw=1.8, visible=False) for color in PALETTE[:count]]


def set_stairs(stairs, histogram, labels, top):
    """Show one histogram per layer: histogram = (edges, [counts per layer]); the axes span the edges and `top`."""
    edges, counts = histogram
    ax = stairs[0].axes
    for i, artist in enumerate(stairs):
        artist.set_visible(i < len(counts))
        if i < len(counts):
            artist.set_data(counts[i], edges)
            artist.set_label(labels[i])
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, top)
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    if counts:
        ax.legend(handles=stairs[:len(counts)], fontsize=8, **OUTSIDE)
    return stairs


def epoch_marker(ax):
    """A vertical line at the replayed epoch, and a dot on each twin's curve there."""
    line = ax.axvline(0, color="black", lw=1, ls=":")
    dots = [ax.plot([], [], "o", color=COLORS[k], markeredgecolor="black", ms=6)[0] for k in ("numpy", "keras")]
    return [line, *dots]


def set_marker(marker, epoch, numpy_values, keras_values):
    """Move the marker to `epoch` (0: the start, no value yet); values are one per epoch, from epoch 1."""
    marker[0].set_xdata([epoch, epoch])
    for dot, values in zip(marker[1:], (numpy_values, keras_values)):
        shown = 0 < epoch <= len(values) and np.isfinite(values[epoch - 1])
        dot.set_data([epoch] if shown else [], [values[epoch - 1]] if shown else [])
    return marker


def lab_figure(width=12.0, height=7.0, dpi=80):
    """The Playground's figure: curves on top, decision boundaries and histograms below; returns (fig, artists).

    The legends sit outside the Axes (the twins' key above the curves, the classes' key below the boundaries,
    the layers' keys right of the histograms), so no curve or point is ever hidden behind one.
    """
    fig = figure(width, height, dpi, layout=None)
    axes = fig.subplots(2, 3)
    fig.subplots_adjust(left=0.085, right=0.915, bottom=0.13, top=0.9, wspace=0.3, hspace=0.42)
    artists = {"loss": curves(axes[0, 0], "Loss (binary cross-entropy)", "loss", legend=False),
               "accuracy": curves(axes[0, 1], "Accuracy", "fraction correct", legend=False),
               "numpy_boundary": boundary(axes[1, 0], "NumPy network: P(class 1)"),
               "keras_boundary": boundary(axes[1, 1], "Keras twin: P(class 1)"),
               "weights": layer_stairs(axes[0, 2], "Weights per layer (NumPy)", "weight value"),
               "activations": layer_stairs(axes[1, 2], "Hidden activations per layer", "activation value"),
               "loss_marker": epoch_marker(axes[0, 0]), "accuracy_marker": epoch_marker(axes[0, 1]),
               "epoch": fig.text(0.995, 0.995, "", ha="right", va="top", fontsize=11, fontweight="bold")}
    middle = (axes[0, 0].get_position().x0 + axes[0, 1].get_position().x1) / 2
    fig.legend(handles=artists["loss"], loc="upper center", bbox_to_anchor=(middle, 0.995), ncol=2, fontsize=10)
    fig.legend(handles=class_key(), loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=6, fontsize=9)
    return fig, artists


def show_run(artists, replay):
    """The parts of `lab_figure` that stay while a run is replayed: the curves, the points, the axes' limits."""
    result = replay.result
    for name in ("loss", "accuracy"):
        set_curves(artists[name], result.numpy_history[name], result.keras_history[name])
        artists[name][0].axes.set_xlim(0, max(replay.epochs, 1))
    losses = np.concatenate([result.numpy_history["loss"], result.keras_history["loss"]])
    losses = losses[np.isfinite(losses)]
    artists["loss"][0].axes.set_ylim(0, nice_ceil(1.05 * losses.max()) if losses.size and losses.max() > 0 else 1)
    artists["accuracy"][0].axes.set_ylim(-0.03, 1.03)
    for name in ("numpy_boundary", "keras_boundary"):
        for label, points in enumerate(artists[name]["points"]):
            points.set_offsets(np.asarray(result.x)[np.asarray(result.y).reshape(-1) == label])
    return artists


def show_frame(artists, replay, frame):
    """Draw one replayed epoch: both boundaries, the histograms at that epoch, the markers on the curves."""
    result = replay.result
    for name, probabilities in (("numpy_boundary", frame.numpy_grid), ("keras_boundary", frame.keras_grid)):
        set_boundary(artists[name], probabilities, frame.extent, result.x, result.y)
    layers = len(frame.weights)
    set_stairs(artists["weights"], frame.histograms["weights"], [f"layer {i + 1}" for i in range(layers)],
               replay.scales["weights"][1])
    set_stairs(artists["activations"], frame.histograms["activations"], [f"hidden {i + 1}" for i in range(layers - 1)],
               replay.scales["activations"][1])
    for name in ("loss", "accuracy"):
        set_marker(artists[f"{name}_marker"], frame.epoch, result.numpy_history[name], result.keras_history[name])
    artists["epoch"].set_text(f"epoch {frame.epoch} of {replay.epochs}")
    return artists


def changing(fig, artists):
    """Every artist a run or a replayed epoch changes (what a blitted redraw draws over the static parts)."""
    boundaries = [artists[k] for k in ("numpy_boundary", "keras_boundary")]
    parts = [*artists["loss"], *artists["accuracy"], *artists["loss_marker"], *artists["accuracy_marker"],
             *artists["weights"], *artists["activations"], artists["epoch"]]
    for b in boundaries:
        parts += [b["image"], *b["points"], *([b["contour"]] if b["contour"] is not None else []),
                  *b["image"].axes.spines.values()]  # spines again: the image covers them
    return parts


def layout(fig):
    """What each Axes' static parts depend on: {Axes: (its limits, its legend's texts)} (see render.Blitter)."""
    return {ax: (ax.get_xlim(), ax.get_ylim(), tuple(t.get_text() for t in ax.get_legend().get_texts())
                 if ax.get_legend() is not None else ()) for ax in fig.axes}


def show_result(fig, artists, result, resolution=60):
    """Update every artist of `lab_figure` from a nnlab.lab.Result, at its last epoch; returns the figure."""
    replay = Replay(result, resolution)
    show_run(artists, replay)
    show_frame(artists, replay, replay.frame(result.settings.epochs))
    return fig
