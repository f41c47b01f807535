"""Lesson 05's experiments: how the starting weights, the activation and the batch size decide whether a network learns.

Plain functions (NumPy networks from nnlab, trained with fit) and the plots of their results; the depth slider over
`depth_run` lives in nnlab.course.deep_widgets. The Keras twins are made by the lesson itself (nnlab.twin), so every number here can
be checked against Keras.
"""

import time
import warnings
from collections import namedtuple

import numpy as np

from nnlab import activations, initializers, optimizers
from nnlab._checks import check_choice, check_float, check_int
from nnlab.course import explore
from nnlab.layers import Dense, Input
from nnlab.lab.render import COLORS
from nnlab.models import Sequential
from nnlab.training import DivergenceWarning
from nnlab.twin.compare import agreement

OPTIMIZERS = {"sgd": optimizers.SGD, "adam": optimizers.Adam}
DEPTH_INITIALIZERS = ("he_normal", "glorot_uniform", "std 0.01")  # the three starts of He et al.'s experiment
UPDATE_RATIO_REFERENCE = 1e-3  # the usual rule of thumb: each step changes a weight matrix by about 1/1000
Signals = namedtuple("Signals", ["activations", "gradients"])  # per hidden layer: a_l and dL/dz_l, (batch, units)
DepthRun = namedtuple("DepthRun", ["loss", "accuracy", "gradient_rms", "depth", "initializer", "optimizer"])


def kernel_initializer(initializer, seed):
    """An nnlab initializer: a Keras name ("he_normal"), a number s or "std s" (RandomNormal(stddev=s)), both seeded;
    an Initializer instance is used as it is."""
    if isinstance(initializer, initializers.Initializer):
        return initializer
    if isinstance(initializer, str) and initializer.startswith("std "):
        initializer = float(initializer[4:])
    if isinstance(initializer, (int, float)) and not isinstance(initializer, bool):
        return initializers.RandomNormal(stddev=check_float("initializer", initializer, low=0, low_open=True), seed=seed)
    return initializers.seeded(initializer, seed, argument="initializer")


def mlp(hidden, activation="tanh", initializer="glorot_uniform", optimizer="sgd", learning_rate=0.1, seed=0,
        n_in=2):
    """Input(n_in) -> Dense(units, activation) per entry of `hidden` -> Dense(1, sigmoid), compiled for two classes.

    Every kernel, the output layer's too, starts from `initializer` (layer i seeded seed + i); biases start at 0.
    Binary cross-entropy, accuracy, `optimizer` ("sgd" or "adam") with `learning_rate`. Lesson 05's experiments.
    """
    hidden, seed = [check_int("hidden", h, minimum=1) for h in hidden], check_int("seed", seed, minimum=0)
    layers = [Input((check_int("n_in", n_in, minimum=1),))]
    layers += [Dense(units, activation, kernel_initializer=kernel_initializer(initializer, seed + i))
               for i, units in enumerate(hidden)]
    layers.append(Dense(1, "sigmoid", kernel_initializer=kernel_initializer(initializer, seed + len(hidden))))
    model = Sequential(layers)
    optimizer = OPTIMIZERS[check_choice("optimizer", optimizer, OPTIMIZERS)](learning_rate=learning_rate)
    model.compile(optimizer, "binary_crossentropy", metrics=["accuracy"])
    return model


def train(model, x, y, epochs, batch_size=None):
    """model.fit without shuffling (so the Keras twin sees the same batches); batch_size None = the whole set.

    A diverging run stops quietly (its History ends with inf or NaN): the lesson shows it instead of a warning.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        return model.fit(x, y, batch_size=batch_size or len(x), epochs=epochs, shuffle=False, verbose=0).history


def signals(model, x, y):
    """Every hidden layer's activations a_l and loss gradients dL/dz_l for the batch (x, y), by backpropagation.

    dL/dz of the sigmoid output is (y_hat - y) / batch (cross-entropy from the logits, as Keras); then
    dL/da_(l-1) = dL/dz_l @ W_l.T and dL/dz_(l-1) = dL/da_(l-1) * g'(z_(l-1)). Lists of (batch, units) arrays.
    """
    outputs = model.forward(x)
    y = np.asarray(y, dtype=outputs[-1].z.dtype).reshape(outputs[-1].z.shape)
    dL_dz = model.loss.gradient(y, outputs[-1].z, logits=True)  # (batch, 1)
    gradients = []
    for layer in reversed(model.layers[1:]):
        dL_da, _ = layer.backward_from_z(dL_dz)  # into the layer below: (batch, units below)
        below = model.layers[model.layers.index(layer) - 1]
        dL_dz = activations.backward(below.activation, below.z, dL_da)
        gradients.insert(0, dL_dz)
    return Signals([o.a for o in outputs[:-1]], gradients)


def gradient_rms(model, x, y):
    """The root-mean-square of each kernel's gradient dL/dW, one number per Dense layer: shape (layers,)."""
    return np.array([np.sqrt(np.mean(np.square(g, dtype=np.float64)))
                     for g, w in zip(model.gradients(x, y), model.weights) if w.ndim == 2])


def saturated_fraction(model, x, threshold=explore.SATURATION):
    """The fraction of hidden activations whose slope |g'(z)| is below `threshold` (0.01): almost no gradient passes."""
    outputs = model.forward(x)[:-1]
    slopes = [activations.DERIVATIVES[layer.activation](o.z) for layer, o in zip(model.layers, outputs)]
    return float(np.mean(np.abs(np.concatenate([s.ravel() for s in slopes])) < threshold))


def dead_units(model, x):
    """How many units of each hidden layer output 0 (a <= 0) for every sample of x: list of ints, one per layer."""
    return [int(np.all(o.a <= 0, axis=0).sum()) for o in model.forward(x)[:-1]]


def update_ratios(model, x, y, epochs, batch_size=None):
    """Train one step at a time (batches in order, as `train`); after each step |W_after - W_before| / |W_before|.

    Returns (losses per step before its update, ratios of shape (steps, layers), one column per kernel, Frobenius norms).
    """
    size, losses, ratios = batch_size or len(x), [], []
    for _ in range(check_int("epochs", epochs, minimum=1)):
        for start in range(0, len(x), size):
            before = [w.copy() for w in model.weights if w.ndim == 2]
            losses += train(model, x[start:start + size], y[start:start + size], 1)["loss"]
            pairs = zip([w for w in model.weights if w.ndim == 2], before)
            ratios.append([np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30) for a, b in pairs])
    return np.array(losses), np.array(ratios)


def twin_text(numpy_history, keras_history, bound=1e-4, far=1e-2):
    """The twins' agreement on the loss per epoch in words, or, when chaotic training pulled them apart, when.

    Agreement to within `bound` over all epochs -> nnlab.agreement's line. Equal on epoch 1 (before any update) but
    later more than `far` apart -> a line that says so without printing the machine-dependent gap.
    """
    a, b = (np.asarray(h["loss"], dtype=np.float64) for h in (numpy_history, keras_history))
    n = min(len(a), len(b))
    gaps = np.abs(a[:n] - b[:n])
    largest = float(np.max(gaps[np.isfinite(gaps)], initial=0.0))  # epochs where both losses are finite
    if gaps[0] <= bound < largest and largest > far:
        return (f"The twins agree on epoch 1 (before any update) to within {bound:g}, then drift more than {far:g} "
                "apart: chaotic training makes tiny float32 rounding differences grow from step to step.")
    return agreement({"loss per epoch": largest}, bound)


def keras_run(model, x, y, epochs, batch_size=None):
    """Train the Keras twin of the compiled `model`, from its current weights, as `train` trains nnlab: a History dict.

    Uses nnlab.twin.fastfit (Keras's own fit, with all epochs in one call: same numbers, without ~20 ms per epoch).
    Call it before training `model`, so both start from the same weights.
    """
    from nnlab.twin import fastfit

    keras_model = fastfit.to_fast_keras(model)
    y = np.asarray(y, dtype=keras_model.inputs[0].dtype)
    return fastfit.fast_fit(keras_model, x, y, epochs, batch_size or len(x), initial_weights=model.get_weights())


def power_of_ten(value, digits=1):
    """A positive number as text in powers of ten, "3 x 10^-8" (lessons print tiny real values this way), or "0"."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa} x 10^{int(exponent)}"


def timed_train(model, x, y, epochs, batch_size=None):
    """train(...) one epoch at a time: (history, loss on all of x after each epoch (epochs,), seconds of training).

    The History's loss is an epoch's mean over its batches, each before its update; the second array is measured
    after the epoch, so runs with different batch sizes compare like with like. Timings vary: compare ratios.
    """
    history, after, seconds = {}, [], 0.0
    for _ in range(check_int("epochs", epochs, minimum=1)):
        start = time.perf_counter()
        for name, values in train(model, x, y, 1, batch_size).items():
            history.setdefault(name, []).extend(values)
        seconds += time.perf_counter() - start
        after.append(float(model.evaluate(x, y, verbose=0)[0]))  # [loss, accuracy] -> loss
    return history, np.array(after), seconds


def depth_run(depth, initializer="he_normal", optimizer="sgd", learning_rate=0.01, epochs=150, width=32, x=None,
              y=None, seed=0):
    """He et al. (2015) in small: `depth` ReLU layers of `width` units on (x, y) (default: 200 moons); train; report.

    Returns DepthRun(loss, accuracy per epoch, gradient_rms per layer at the start (depth + 1,), and the settings).
    """
    if x is None or y is None:
        from nnlab.datasets import make_moons
        x, y = make_moons(200, seed=0)
    depth = check_int("depth", depth, minimum=1)
    model = mlp([width] * depth, "relu", initializer, optimizer, learning_rate, seed)
    rms = gradient_rms(model, x, y)
    history = train(model, x, y, check_int("epochs", epochs, minimum=1))
    return DepthRun(history["loss"], history["accuracy"], rms, depth, initializer, optimizer)


def loss_verdict(losses, stalled=0.01, learned=0.5):
    """A training run's loss in words that do not depend on the last bits of float arithmetic.

    "stalled" (no epoch more than `stalled` below the first), "no better than guessing" (never `stalled` below
    ln 2, two classes), "learns" (some epoch below `learned`), or "slow" with the final loss. Fast runs are often chaotic (their exact final loss differs from CPU to CPU); these words are not.
    """
    losses = np.asarray(losses, dtype=np.float64)
    if not np.nanmin(losses) < losses[0] - stalled:
        return f"stalled (never {stalled:g} below its start)"
    if not np.nanmin(losses) < np.log(2) - stalled:
        return f"no better than guessing (down to {losses[-1]:.2f}; ln 2 = 0.69 is the loss of answering 0.5)"
    if np.nanmin(losses) < learned:
        return f"learns (below {learned:g})"
    return f"slow (down to {losses[-1]:.2f})"


def describe_run(run):
    """One line on a DepthRun: the loss at the start, its verdict (loss_verdict), the smallest kernel-gradient RMS."""
    smallest = float(np.min(run.gradient_rms))
    size = "exactly 0" if smallest == 0 else power_of_ten(smallest)
    return (f"{run.depth} layers, {run.initializer}, {run.optimizer}: loss {run.loss[0]:.3f} at the start, "
            f"{loss_verdict(run.loss)}; smallest kernel-gradient RMS at the start {size}")


# ---- plots: each takes an Axes (or a Figure) and arrays, draws, and returns the artists ----

def plot_ridges(ax, arrays, color, title, xlabel):
    """One histogram per layer (layer 1 on top) with each layer's standard deviation written beside it."""
    from nnlab.course.explore_widgets import plot_ridges as ridges

    from matplotlib.ticker import FuncFormatter

    artists = ridges(ax, *explore.histograms(arrays), color, title, xlabel)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:.2g}"))  # no "1e-5" offset to miss
    depth = len(arrays)
    for i, a in enumerate(arrays):
        artists.append(ax.text(1.01, (depth - 1 - i + 0.3) / depth, f"std {np.std(a):.1g}", fontsize=8,
                               transform=ax.transAxes, va="center"))
    return artists


def plot_gradient_sizes(ax, sizes, title="Kernel gradient size per layer at the start", floor=1e-30):
    """Kernel-gradient RMS per layer (log scale), one line per label in `sizes` {label: (layers,)}; 0 drawn at `floor`.

    Each legend entry carries the line's value at layer 1, so no number hides in a colour alone.
    """
    palette = [COLORS[k] for k in ("numpy", "keras", "green", "class1", "purple", "grey")]
    lines = []
    for (label, values), color, marker in zip(sizes.items(), palette, "os^Dvx"):
        values = np.asarray(values, dtype=float)
        first = "0" if values[0] == 0 else f"{values[0]:.0e}"
        line, = ax.plot(np.arange(1, len(values) + 1), np.maximum(values, floor), marker=marker, ms=3, color=color,
                        label=f"{label}: layer 1 {first}")
        lines.append(line)
    ax.set_yscale("log")
    n = max(len(v) for v in sizes.values())
    step = 1 if n <= 12 else 5
    ticks = [t for t in sorted({1, *range(step, n, step)}) if n - t >= step / 2]
    ax.set_xticks(ticks + [n], [str(t) for t in ticks] + [f"{n}\noutput"])  # the last Dense layer is the output
    ax.set(title=title, xlabel="layer (1 = nearest the input)", ylabel="RMS of dL/dW (log scale)")
    ax.legend(fontsize=8, loc="best")
    return lines


def plot_losses(ax, losses, title="Training loss", log=False):
    """One loss curve per label in `losses` {label: [loss per epoch]}; each legend entry carries the final loss."""
    palette = [COLORS[k] for k in ("numpy", "keras", "green", "class1", "purple", "grey")]
    lines = []
    for (label, values), color, style in zip(losses.items(), palette, ["-", "--", "-.", ":", "-", "--"]):
        values = np.asarray(values, dtype=float)
        line, = ax.plot(np.arange(1, len(values) + 1), values, style, color=color, lw=2,
                        label=f"{label}: final {values[-1]:.2f}")
        lines.append(line)
    ax.set(title=title, xlabel="epoch", ylabel="loss (binary cross-entropy)" + (" (log scale)" if log else ""))
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize=8, loc="best")
    return lines
