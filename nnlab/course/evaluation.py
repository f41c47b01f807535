"""Judging a trained classifier: the confusion matrix, its most confident mistakes, and plots of both.

Pure functions on arrays; the plotting ones draw on the Axes they are given and return the artists
(Keras has no confusion matrix; scikit-learn's sklearn.metrics.confusion_matrix is the same count).
Lesson 03 introduces them.
"""

import numpy as np

from nnlab._checks import Text, as_array, check_int, fail


def _labels(argument, y, n_classes):
    """y (n,) as int64 class labels, each a whole number in 0..n_classes-1, or a clear error."""
    y = as_array(argument, y, dtype="float64", ndim=1)
    bad = np.flatnonzero((y != np.round(y)) | (y < 0) | (y > n_classes - 1))
    if bad.size:
        fail(argument, f"whole-number class labels from 0 to {n_classes - 1} (n_classes={n_classes})",
             Text(f"{y[bad[0]]:g} at index {bad[0]}"),
             "Predicted labels come from probabilities with np.argmax(y_hat, axis=1).")
    return y.astype(np.int64)


def confusion_matrix(y_true, y_pred, n_classes):
    """Count each (true, predicted) pair: matrix[i, j] = #samples of class i predicted as class j.

    y_true, y_pred: labels (n,); returns int64 (n_classes, n_classes). Rows are the true classes (a row sums
    to that class's count), columns the predictions; the diagonal holds the correct answers.
    """
    n_classes = check_int("n_classes", n_classes, minimum=1)
    y_true, y_pred = _labels("y_true", y_true, n_classes), _labels("y_pred", y_pred, n_classes)
    if len(y_true) != len(y_pred):
        fail("y_pred", f"one prediction per true label: {len(y_true)} (len(y_true))",
             Text(f"{len(y_pred)} predictions"))
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def most_confident_mistakes(y_true, probabilities, k=None):
    """Indices of the wrong predictions, the most confident first: argmax(p) != y, sorted by max(p) descending.

    y_true: labels (n,); probabilities: (n, n_classes), e.g. softmax outputs. Returns int64 (min(k, #wrong),).
    """
    probabilities = as_array("probabilities", probabilities, dtype="float64", ndim=2)
    y_true = _labels("y_true", y_true, probabilities.shape[1])
    if len(y_true) != len(probabilities):
        fail("probabilities", f"one row per true label: {len(y_true)} (len(y_true))", probabilities)
    wrong = np.flatnonzero(probabilities.argmax(axis=1) != y_true)
    order = wrong[np.argsort(-probabilities[wrong].max(axis=1), kind="stable")]
    return order if k is None else order[:check_int("k", k, minimum=0)]


def plot_confusion_matrix(ax, matrix, labels, cmap="Blues"):
    """Draw `matrix` (n, n) as a heat map with every count written in its cell; returns {"image", "texts"}.

    Rows: true class, columns: predicted class, ticks named by `labels` (n,). Dark cells get white text,
    zeros grey text, so that the mistakes (non-zero cells off the diagonal) stand out.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or len(labels) != len(matrix):
        fail("matrix", f"a square array with one row per label ({len(labels)} labels)", matrix)
    image = ax.imshow(matrix, cmap=cmap, vmin=0, vmax=max(matrix.max(), 1))
    dark = 0.6 * max(matrix.max(), 1)
    texts = [ax.text(j, i, f"{matrix[i, j]:g}", ha="center", va="center", fontsize=8,
                     color="white" if matrix[i, j] > dark else "black" if matrix[i, j] else "#999999")
             for i in range(len(matrix)) for j in range(len(matrix))]
    ticks = np.arange(len(labels))
    ax.set(xticks=ticks, yticks=ticks, xticklabels=labels, yticklabels=labels,
           xlabel="predicted class", ylabel="true class")
    ax.grid(False)
    return {"image": image, "texts": texts}


def plot_images(axes, images, titles, cmap="gray_r", fontsize=9):
    """Show each image (h, w), pixels in [0, 1], on its own Axes without ticks, titled; returns the AxesImages.

    axes: a sequence (or array) of Axes at least as long as images; extra Axes are hidden.
    """
    axes = list(np.ravel(axes))
    if len(images) != len(titles) or len(images) > len(axes):
        fail("images", f"one title each ({len(titles)} titles) and at most {len(axes)} images (one per Axes)",
             Text(f"{len(images)} images"))
    shown = []
    for ax, image, title in zip(axes, images, titles):
        shown.append(ax.imshow(image, cmap=cmap, vmin=0, vmax=1))
        ax.set_title(title, fontsize=fontsize)
    for ax in axes:
        ax.set(xticks=[], yticks=[])
        ax.grid(False)
    for ax in axes[len(images):]:
        ax.set_visible(False)
    return shown
