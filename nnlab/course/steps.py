"""Small helpers for Lesson 02 (training in three steps): gradient descent on a 1-D loss, steps per epoch, digit grids.

No matplotlib import here: `show_digits` draws on Axes the lesson made, and returns the artists.
"""

import math
from collections import namedtuple

import numpy as np

from nnlab.course.evaluation import plot_images
from nnlab._checks import Text, check_float, check_int, fail
from nnlab.training import check_batch_size

DescentPath = namedtuple("DescentPath", ["w", "loss"])  # w, loss: (steps + 1,), the start first


def descent_path(f, df, start, learning_rate, steps):
    """Gradient descent on a 1-D loss: w_(t+1) = w_t - learning_rate * df(w_t); returns DescentPath(w, loss).

    f(w) is the loss and df(w) its slope dL/dw; w and loss have shape (steps + 1,), starting at `start`.
    A path that blows up is kept as it is (inf or nan), so a too-large step size shows. Lesson 02.
    """
    for argument, function in (("f", f), ("df", df)):
        if not callable(function):
            fail(argument, "a function of one number w (f: the loss, df: its slope)", function, error=TypeError)
    w = [np.float64(check_float("start", start))]  # NumPy floats: an overflow gives inf, not an error
    learning_rate = check_float("learning_rate", learning_rate, low=0, low_open=True)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(check_int("steps", steps, minimum=0)):
            w.append(np.float64(w[-1] - learning_rate * df(w[-1])))  # the update rule, one step
        return DescentPath(np.array(w, dtype=float), np.array([f(v) for v in w], dtype=float))


def steps_per_epoch(n_samples, batch_size=None):
    """Optimizer steps in one epoch: ceil(n_samples / batch_size), as the last batch may be smaller.

    batch_size=None means Keras's default, 32. Lesson 02: 288 training digits / 32 -> 9 steps.
    """
    n_samples, batch_size = check_int("n_samples", n_samples), check_batch_size(batch_size)
    return math.ceil(n_samples / batch_size)


def digit_title(label, probability, threshold=0.5):
    """A two-line title for one digit: its true label, and the predicted label with P(label 1).

    The prediction is 1 when probability > threshold, as keras.metrics.binary_accuracy decides (p = 0.5 is 0).
    Example: digit_title(1, 0.97) -> "label 1\\npred 1 (p=0.97)"; a wrong prediction is marked "WRONG".
    """
    probability = check_float("probability", probability, low=0, high=1)
    predicted = int(probability > check_float("threshold", threshold, low=0, high=1))  # Keras: y_pred > threshold
    mark = "" if predicted == int(label) else " WRONG"
    return f"label {int(label)}\npred {predicted} (p={probability:.2f}){mark}"


def show_digits(axes, images, titles, cmap="gray_r"):
    """Draw one 8x8 image per Axes with its title (dark ink on white); spare Axes are hidden. Returns the images.

    axes: an array of Axes (any shape); images: (n, 64) or (n, 8, 8); titles: n strings.
    """
    axes = np.ravel(axes)
    images = np.asarray(images)
    if images.ndim not in (2, 3) or images.shape[1:] not in ((64,), (8, 8)) or len(images) != len(titles):
        fail("images", "n images of shape (n, 64) or (n, 8, 8), with one title each", images,
             f"Got {len(titles)} title(s).")
    if len(images) > len(axes):
        fail("axes", f"at least one Axes per image ({len(images)})", Text(f"{len(axes)} Axes"))
    return plot_images(axes, images.reshape(-1, 8, 8), titles, cmap=cmap, fontsize=8)
