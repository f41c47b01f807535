"""Datasets for the lessons (seeded 2-D toy sets, 8x8 digits, MNIST) and tools to split, scale and one-hot them."""

import numbers
import os
import warnings

import numpy as np

from nnlab._checks import as_array, check_bool, check_choice, check_float, check_int, fail
from nnlab.utils import rng_from

MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
_mnist_state = {"warned": False}


def _check_toy(n_samples, noise, minimum=2):
    """Validated (n_samples, noise) for a toy set: a whole number >= `minimum` and a float >= 0."""
    return check_int("n_samples", n_samples, minimum), check_float("noise", noise, low=0)


def _class_sizes(n_samples, n_classes):
    """Split n_samples as evenly as possible, the last classes taking the leftovers (as scikit-learn does)."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (k >= n_classes - extra) for k in range(n_classes)]


def _finish(rng, x, y, noise):
    """Add Gaussian noise of std `noise`, shuffle the rows, return x float32 (n, 2) and y int64 (n,)."""
    x = x + rng.normal(0.0, noise, size=x.shape)        # (n, 2)
    order = rng.permutation(len(y))
    return x[order].astype("float32"), np.asarray(y)[order].astype("int64")


def make_moons(n_samples=200, noise=0.2, seed=0):
    """Two interleaving half circles (scikit-learn's make_moons geometry): upper arc label 0, lower arc label 1.
    Returns x (n_samples, 2) float32 and y (n_samples,) int64. Lesson 01: why we need a hidden layer."""
    n_samples, noise = _check_toy(n_samples, noise)
    n_out, n_in = _class_sizes(n_samples, 2)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    outer = np.c_[np.cos(t_out), np.sin(t_out)]             # (n_out, 2) on the unit circle, y >= 0
    inner = np.c_[1 - np.cos(t_in), 0.5 - np.sin(t_in)]     # (n_in, 2) unit circle centred at (1, 0.5)
    return _finish(rng_from(seed), np.r_[outer, inner], np.repeat([0, 1], [n_out, n_in]), noise)


def make_circles(n_samples=200, noise=0.1, factor=0.5, seed=0):
    """A circle of radius `factor` (label 1) inside the unit circle (label 0), as scikit-learn's make_circles.
    Returns x (n_samples, 2) float32 and y (n_samples,) int64. Lesson 01: why we need a hidden layer."""
    n_samples, noise = _check_toy(n_samples, noise)
    factor = check_float("factor", factor, low=0, high=1, low_open=True, high_open=True)
    n_out, n_in = _class_sizes(n_samples, 2)
    t_out, t_in = (np.linspace(0, 2 * np.pi, n, endpoint=False) for n in (n_out, n_in))
    circles = np.r_[np.c_[np.cos(t_out), np.sin(t_out)], factor * np.c_[np.cos(t_in), np.sin(t_in)]]
    return _finish(rng_from(seed), circles, np.repeat([0, 1], [n_out, n_in]), noise)


def make_xor(n_samples=200, noise=0.2, seed=0):
    """XOR: points uniform in the four quadrants of [-1, 1]^2 (0.1 clear of the axes), label 1 where x0 * x1 < 0.
    Returns x (n_samples, 2) float32 and y (n_samples,) int64. Lesson 01: no single line separates it."""
    n_samples, noise = _check_toy(n_samples, noise)
    rng = rng_from(seed)
    y = np.repeat([0, 1], _class_sizes(n_samples, 2))          # (n,)
    sign0 = np.where(np.arange(n_samples) % 2 == 0, 1.0, -1.0)  # alternate quadrants within a class
    sign1 = sign0 * np.where(y == 0, 1.0, -1.0)                 # same signs: label 0, opposite: label 1
    x = rng.uniform(0.1, 1.0, size=(n_samples, 2)) * np.c_[sign0, sign1]
    return _finish(rng, x, y, noise)


def make_spiral(n_samples=200, noise=0.2, seed=0, n_classes=2):
    """Interleaved spirals as in TensorFlow Playground: radius r in [0, 5), angle 1.75 * 2pi * r/5 + 2pi * k/n_classes.
    Returns x (n_samples, 2) float32 and y (n_samples,) int64 in 0..n_classes-1. Lesson 05: deeper networks."""
    n_classes = check_int("n_classes", n_classes, minimum=2)
    n_samples, noise = _check_toy(n_samples, noise, minimum=n_classes)
    sizes = _class_sizes(n_samples, n_classes)
    y = np.repeat(np.arange(n_classes), sizes)                          # (n,)
    r = np.concatenate([5.0 * np.arange(size) / size for size in sizes])  # (n,) radius 0..5
    t = 1.75 * 2 * np.pi * r / 5 + 2 * np.pi * y / n_classes             # (n,) angle of each arm
    return _finish(rng_from(seed), np.c_[r * np.sin(t), r * np.cos(t)], y, noise)


def blob_centres(n_classes=2):
    """Fixed, well-separated centres on a circle of radius 2 + n_classes, shape (n_classes, 2). Lesson 01."""
    n_classes = check_int("n_classes", n_classes, minimum=2)
    angle = 2 * np.pi * np.arange(n_classes) / n_classes + np.pi / 4
    return (2 + n_classes) * np.c_[np.cos(angle), np.sin(angle)]


def make_blobs(n_samples=200, noise=1.0, seed=0, n_classes=2):
    """Gaussian blobs of std `noise` around the fixed centres of blob_centres(n_classes).
    Returns x (n_samples, 2) float32 and y (n_samples,) int64 in 0..n_classes-1. Lesson 01: one neuron, a line."""
    centres = blob_centres(n_classes)                    # (n_classes, 2)
    n_samples, noise = _check_toy(n_samples, noise, minimum=len(centres))
    y = np.repeat(np.arange(len(centres)), _class_sizes(n_samples, len(centres)))
    return _finish(rng_from(seed), centres[y], y, noise)


TOY_DATASETS = {"moons": make_moons, "circles": make_circles, "xor": make_xor, "spiral": make_spiral,
                "blobs": make_blobs}


def make_toy(name, n_samples=200, noise=None, seed=0):
    """The toy set called `name` (a key of TOY_DATASETS); noise=None keeps that set's default noise.
    Returns x (n_samples, 2) float32 and y (n_samples,) int64. Used by the playground widgets (Lessons 01-05)."""
    key = check_choice("dataset", name, TOY_DATASETS)
    return TOY_DATASETS[key](n_samples=n_samples, seed=seed, **({} if noise is None else {"noise": noise}))


def _check_digits(kind, digits):
    """The digits to keep as a tuple: defaults per kind, distinct whole numbers 0..9, exactly two for 'binary'."""
    if digits is None:
        return (0, 1) if kind == "binary" else tuple(range(10))
    if isinstance(digits, (numbers.Number, str)):
        fail("digits", "a list of digits such as (3, 8)", digits, error=TypeError)
    digits = tuple(check_int("digits", d, minimum=0) for d in digits)
    count_ok = len(digits) == 2 if kind == "binary" else len(digits) >= 2
    if not count_ok or max(digits) > 9 or len(set(digits)) < len(digits):
        fail("digits", f"{'two' if kind == 'binary' else 'at least two'} distinct digits from 0 to 9", digits)
    return digits


def load_digits(kind="binary", digits=None, flatten=True):
    """scikit-learn's bundled 8x8 handwritten digits (no download), pixels scaled from 0..16 to [0, 1].
    kind="binary" keeps digits 0 and 1 (360 images), kind="multiclass" all ten (1797); `digits` picks others,
    and y is each image's position in `digits`. Returns x float32 (n, 64), or (n, 8, 8) with flatten=False,
    and y int64 (n,). Lesson 02 (binary, 0 vs 1) and Lesson 03 (ten classes)."""
    kind = check_choice("kind", kind, ["binary", "multiclass"])
    digits, flatten = _check_digits(kind, digits), check_bool("flatten", flatten)
    from sklearn.datasets import load_digits as sklearn_load_digits  # lazy: keeps `import nnlab` fast
    bunch = sklearn_load_digits()
    keep = np.isin(bunch.target, digits)
    x = (bunch.images[keep] / 16.0).astype("float32")   # (n, 8, 8) in [0, 1]
    position = np.full(10, -1)
    position[list(digits)] = np.arange(len(digits))
    y = position[bunch.target[keep]].astype("int64")    # (n,)
    return (x.reshape(len(x), -1) if flatten else x), y


def _test_count(test_size, n_rows):
    """The number of test rows: test_size as a share in (0, 1) (rounded) or as a count; both sides non-empty."""
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = check_int("test_size", test_size, minimum=1)
    else:
        n_test = int(round(check_float("test_size", test_size, 0, 1, low_open=True, high_open=True) * n_rows))
    if not 1 <= n_test <= n_rows - 1:
        fail("test_size", f"a share or count leaving at least one of the {n_rows} rows on each side", test_size,
             f"It gives {n_test} test row(s) and {n_rows - n_test} training row(s).")
    return n_test


def _stratified_rows(rng, y, n_test):
    """Pick n_test rows of y (n,) so that each class keeps its share (largest remainders get the extra rows)."""
    classes, counts = np.unique(y, return_counts=True)
    share = counts * n_test / len(y)
    take = np.floor(share).astype(int)
    extra = np.argsort(-(share - take), kind="stable")[: n_test - take.sum()]
    take[extra] += 1
    return np.concatenate([rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take)])


def train_test_split(x, y, test_size=0.2, seed=0, stratify=True):
    """Split rows at random into x_train, x_test, y_train, y_test (scikit-learn's order), shapes (n_train, ...) etc.
    With stratify=True and integer labels y (n,), each class keeps its share on both sides. Lesson 03."""
    x, y = np.atleast_1d(x), np.atleast_1d(y)
    if len(x) != len(y):
        raise ValueError(f"`x` and `y` must have the same number of rows, but x has {len(x)} and y has {len(y)}. "
                         "Pass inputs and labels that belong together.")
    n_test, rng = _test_count(test_size, len(y)), rng_from(seed)
    if check_bool("stratify", stratify) and y.ndim == 1 and y.dtype.kind in "biu":
        test = rng.permutation(_stratified_rows(rng, y, n_test))
    else:
        test = rng.permutation(len(y))[:n_test]
    train = rng.permutation(np.setdiff1d(np.arange(len(y)), test))
    return x[train], x[test], y[train], y[test]


class Standardizer:
    """Scale each feature to mean 0 and std 1: x_scaled = (x - mean) / std, with mean and std from fit(x_train).
    Fit on the training set only and transform every set with those numbers: statistics of the test set would
    leak it into training. A feature with std 0 (the digits' always-blank corners) is divided by 1. Shapes:
    (n, features...) in, the same shape float32 out. Keras: layers.Normalization + adapt. Lessons 03 and 06."""

    mean = None  # (features...), set by fit
    std = None   # (features...), set by fit

    def fit(self, x):
        """Learn the per-feature mean and std of x (n, features...) and return self."""
        x = as_array("x", x, dtype="float64")
        if x.ndim < 2 or len(x) == 0:
            fail("x", "a non-empty array of shape (n_samples, n_features)", x)
        self.mean, std = x.mean(axis=0), x.std(axis=0)
        self.std = np.where(std > 1e-12 * (1 + np.abs(self.mean)), std, 1.0)  # constant feature: divide by 1
        return self

    def transform(self, x):
        """Return (x - mean) / std as float32, same shape as x (n, features...)."""
        if self.mean is None:
            raise RuntimeError("This Standardizer is not fit yet: call fit(x_train) first.")
        x = as_array("x", x, dtype="float64")
        if x.shape[1:] != self.mean.shape:
            expected, got = int(np.prod(self.mean.shape)), int(np.prod(x.shape[1:]))
            raise ValueError(f"`x` must have {expected} feature(s) per sample (shape {self.mean.shape}), as the "
                             f"data given to fit() had, but got {got} (shape {x.shape[1:]}). Use the same columns.")
        return ((x - self.mean) / self.std).astype("float32")

    def fit_transform(self, x):
        """fit(x), then transform(x)."""
        return self.fit(x).transform(x)


def standardize(x_train, *others):
    """Standardize x_train and every array in `others` with x_train's mean and std only; returns a tuple. Lesson 03."""
    scaler = Standardizer().fit(x_train)
    return tuple(scaler.transform(x) for x in (x_train, *others))


def _check_labels(argument, y):
    """y as an int64 array of whole-number labels >= 0, with a message that points at the first bad one."""
    y = as_array(argument, y, dtype="float64")
    bad = np.flatnonzero((y != np.round(y)) | (y < 0))
    if bad.size:
        fail(argument, "whole-number class labels 0, 1, 2, ...", float(y.flat[bad[0]]),
             f"The first bad label is at flat index {bad[0]}; labels count classes from 0.")
    return y.astype("int64")


def one_hot(y, num_classes=None):
    """Turn integer labels y (...,) into one-hot rows (..., num_classes) float32, like keras.utils.to_categorical.
    A trailing axis of size 1, (n, 1), is dropped first as Keras does; num_classes=None means max(y) + 1. Lesson 03."""
    y = _check_labels("y", y)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]                                    # (n, 1) -> (n,)
    num_classes = check_int("num_classes", int(y.max(initial=-1)) + 1 if num_classes is None else num_classes)
    if y.max(initial=-1) >= num_classes:
        fail("y", f"labels in [0, {num_classes}) for num_classes={num_classes}", int(y.max()),
             "Raise num_classes or fix the labels.")
    return np.eye(num_classes, dtype="float32")[y]       # (..., num_classes)


def _keras_cache_path():
    """Where Keras keeps a downloaded MNIST: $KERAS_HOME/datasets/mnist.npz, by default ~/.keras/datasets."""
    home = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    return os.path.join(home, "datasets", "mnist.npz")


def _read_mnist_npz(path):
    """((x_train, y_train), (x_test, y_test)) from an .npz in Keras's mnist.npz format, checking keys and shapes."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No MNIST file at {path!r}: pass the path of an mnist.npz, or path=None.")
    data = np.load(path, allow_pickle=False)
    if not hasattr(data, "files"):
        raise ValueError(f"{path!r} holds one array; MNIST must be an .npz with keys {list(MNIST_KEYS)}.")
    with data:
        missing = [key for key in MNIST_KEYS if key not in data.files]
        if missing:
            raise ValueError(f"{path!r} is not in Keras's mnist.npz format: keys {missing} are missing "
                             f"(it has {sorted(data.files)}; expected {list(MNIST_KEYS)}).")
        x_train, y_train, x_test, y_test = (data[key] for key in MNIST_KEYS)
    for name, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y) or x.shape[1:] != x_train.shape[1:]:
            raise ValueError(f"In {path!r}, x_{name} must be images (n, height, width) and y_{name} labels (n,) "
                             f"with the same n and image size, but got shapes {x.shape} and {y.shape}.")
    return (x_train, y_train), (x_test, y_test)


def _digits_as_mnist():
    """The ten-class 8x8 digits in MNIST's layout: uint8 images (n, 8, 8) in 0..255, uint8 labels, 80/20 split."""
    x, y = load_digits("multiclass", flatten=False)
    x = np.round(x * 255).astype("uint8")                # (n, 8, 8), 0..255 like MNIST's pixels
    x_train, x_test, y_train, y_test = train_test_split(x, y.astype("uint8"), test_size=0.2, seed=0)
    return (x_train, y_train), (x_test, y_test)


def load_mnist(path=None):
    """MNIST as keras.datasets.mnist.load_data() gives it: ((x_train, y_train), (x_test, y_test)).
    x are uint8 images (n, 28, 28) in 0..255, y uint8 labels (n,). Reads `path` (an error if it is bad), else
    Keras's cache; nnlab never downloads. Without either, warns once and returns the 8x8 digits in the same
    layout, (n, 8, 8). Optional, after Lesson 03: the full-size handwritten digits."""
    if path is not None:
        return _read_mnist_npz(os.fspath(path))
    if os.path.isfile(_keras_cache_path()):
        return _read_mnist_npz(_keras_cache_path())
    if not _mnist_state["warned"]:
        _mnist_state["warned"] = True
        warnings.warn(f"MNIST is not on this machine (no file at {_keras_cache_path()}; nnlab never downloads); "
                      "using scikit-learn's 8x8 digits instead, see load_digits.", UserWarning, stacklevel=2)
    return _digits_as_mnist()
