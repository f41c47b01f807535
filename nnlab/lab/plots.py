"""Plots for the twin lab: functions that take Axes and arrays, draw or update artists, and return them.

The Playground builds one figure with `lab_figure` and calls `show_result` after every run; lessons can call
the same functions on their own Axes. Colours are Okabe-Ito (nnlab.lab.render.COLORS): NumPy blue, Keras orange.
"""

import numpy as np
from matplotlib.colors import LinearSegmentedColormap

from nnlab.lab.render import COLORS, figure

CLASS_MAP = LinearSegmentedColormap.from_list("classes", [COLORS["class0"], "#FFFFFF", COLORS["class1"]])


def curves(ax, title, ylabel):
    """Two empty lines, NumPy (solid) and Keras (dashed, on top), with title, labels and legend."""
    numpy_line, = ax.plot([], [], color=COLORS["numpy"], lw=2.5, label="NumPy (nnlab)")
    keras_line, = ax.plot([], [], color=COLORS["keras"], lw=1.5, ls="--", label="Keras twin")
    ax.set(title=title, xlabel="epoch", ylabel=ylabel)
    ax.legend(loc="best", fontsize=9)
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


def boundary(ax, title):
    """An empty probability map with the data points over it; returns the artists to update."""
    image = ax.imshow(np.zeros((2, 2)), origin="lower", cmap=CLASS_MAP, vmin=0, vmax=1, aspect="auto")
    points = ax.scatter([], [], c=[], cmap=CLASS_MAP, vmin=0, vmax=1, edgecolors="black", linewidths=0.5, s=14)
    ax.set(title=title, xlabel="x1", ylabel="x2")
    return {"image": image, "points": points, "contour": None}


def grid(x, resolution=60):
    """Points covering the data with a margin: (grid_points (resolution**2, 2), extent (x0, x1, y0, y1))."""
    low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    return np.column_stack([g1.ravel(), g2.ravel()]).astype(np.float32), (low[0], high[0], low[1], high[1])


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
    artists["points"].set_offsets(x)
    artists["points"].set_array(np.asarray(y, dtype=float))
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
    if arrays:
        ax.legend(loc="best", fontsize=8)
    return ax


def lab_figure(width=12.0, height=6.6, dpi=80):
    """The Playground's figure: curves on top, decision boundaries and histograms below; returns (fig, artists)."""
    fig = figure(width, height, dpi, layout=None)
    axes = fig.subplots(2, 3)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.08, top=0.95, wspace=0.25, hspace=0.38)
    artists = {"loss": curves(axes[0, 0], "Loss (binary cross-entropy)", "loss"),
               "accuracy": curves(axes[0, 1], "Accuracy", "fraction correct"),
               "numpy_boundary": boundary(axes[1, 0], "NumPy network: P(class 1)"),
               "keras_boundary": boundary(axes[1, 1], "Keras twin: P(class 1)"),
               "weights_ax": axes[0, 2], "activations_ax": axes[1, 2]}
    return fig, artists


def show_result(fig, artists, result, resolution=60):
    """Update every artist of `lab_figure` from a nnlab.lab.Result."""
    set_curves(artists["loss"], result.numpy_history["loss"], result.keras_history["loss"])
    set_curves(artists["accuracy"], result.numpy_history["accuracy"], result.keras_history["accuracy"])
    points, extent = grid(result.x, resolution)
    with np.errstate(all="ignore"):
        ours = result.model.predict(points)[:, 0].reshape(resolution, resolution)
        theirs = np.asarray(result.keras_model(points, training=False))[:, 0].reshape(resolution, resolution)
    set_boundary(artists["numpy_boundary"], ours, extent, result.x, result.y)
    set_boundary(artists["keras_boundary"], theirs, extent, result.x, result.y)
    dense = result.model.layers
    histograms(artists["weights_ax"], [layer.kernel for layer in dense], [f"layer {i + 1}" for i in range(len(dense))],
               "Weights per layer (after training)", "weight value")
    with np.errstate(all="ignore"):  # a diverged network's activations may overflow: they are shown as they are
        hidden = [output.a for output in result.model.forward(result.x)[:-1]]
    histograms(artists["activations_ax"], hidden, [f"hidden {i + 1}" for i in range(len(hidden))],
               "Hidden activations per layer", "activation value")
    return fig
