"""Replay a finished run epoch by epoch from the weights both twins recorded while training (no retraining).

`Replay(result).frame(epoch)` gives what the Playground draws at that epoch: both twins' P(class 1) over a grid,
the NumPy network's weights and hidden activations, and a status line saying what happened by then (the first
dead unit, a jump of the loss, the twins drifting apart, divergence). No widgets here. Lesson 02 shows it.
"""

from dataclasses import dataclass

import numpy as np

from nnlab._checks import check_int, fail
from nnlab.lab.settings import build_model
from nnlab.twin.backend import import_tensorflow
from nnlab.twin.compare import BOUND
from nnlab.twin.fastfit import FRAME_CAPACITY

JUMP = 1.1  # a loss more than 10% above the previous epoch's counts as a jump


@dataclass(frozen=True, eq=False)
class Frame:
    """What one replayed epoch shows: epoch, both probability grids, histogram data, status text, PNG bytes."""

    epoch: int
    numpy_grid: np.ndarray  # (resolution, resolution) P(class 1) from the NumPy network's weights at `epoch`
    keras_grid: np.ndarray  # (resolution, resolution) P(class 1) from the Keras twin's own weights at `epoch`
    extent: tuple  # (x0, x1, y0, y1) the grid covers
    weights: list  # the NumPy network's kernels at `epoch`, one array per layer
    activations: list  # its hidden layers' outputs on the training points at `epoch`, one (n, units) per layer
    histograms: dict  # {"weights": (edges, [counts per layer]), "activations": (edges, [counts per layer])}
    status: str
    png: bytes = None  # the figure as drawn (the Playground fills it in)


def grid(x, resolution=60):
    """Points covering the data with a margin: (grid_points (resolution**2, 2), extent (x0, x1, y0, y1))."""
    low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    return np.column_stack([g1.ravel(), g2.ravel()]).astype(np.float32), (low[0], high[0], low[1], high[1])


def _columns(frames, like):
    """Frames (n_frames, n_params) cut into one (n_frames, size) block per weight array of `like` (get_weights
    order)."""
    return np.split(frames, np.cumsum([w.size for w in like])[:-1], axis=-1)


def unflatten(flat, like):
    """A flat weight vector cut into arrays shaped like `like` (get_weights order)."""
    return [part.reshape(w.shape) for part, w in zip(_columns(flat, like), like)]


class Replay:
    """The frames of one nnlab.lab.Result; building it trains nothing, and it never changes the Result."""

    def __init__(self, result, resolution=60):
        self.result, self.resolution = result, resolution
        self.epochs = result.settings.epochs
        self.points, self.extent = grid(result.x, resolution)
        self.model = build_model(result.settings)  # a private copy: the Result's model keeps its weights
        hidden = _stacked_hidden(self)  # (n_frames, n, units) per hidden layer, for the scales and dead units
        self.scales, self.events = scales(self, hidden), events(self, hidden)

    def check_epoch(self, epoch):
        """`epoch` as a recorded epoch of this run, or a clear error naming the range."""
        epochs = self.result.frame_epochs
        epoch = check_int("epoch", epoch, minimum=-2**63)  # the range is checked just below, with its ends
        if not 0 <= epoch <= self.epochs:
            fail("epoch", f"an epoch of the last run, from 0 (before training) to {self.epochs}", epoch)
        if epoch not in epochs:
            fail("epoch", f"a recorded epoch: a multiple of {epochs[1]} or {self.epochs} (a run of more than "
                 f"{FRAME_CAPACITY} epochs records one frame every {epochs[1]} epochs)", epoch)
        return epoch

    def numpy_weights(self, epoch):
        """nnlab's weights after `epoch` epochs; after it stopped (diverged), the weights it kept."""
        index = int(np.searchsorted(self.result.frame_epochs, epoch))
        frames = self.result.numpy_frames
        return unflatten(frames[index], self.model.weights) if index < len(frames) else self.result.model.weights

    def keras_weights(self, epoch):
        """The Keras twin's own weights after `epoch` epochs, as it recorded them while training."""
        index = int(np.searchsorted(self.result.frame_epochs, epoch))
        return unflatten(self.result.keras_frames[index], self.model.weights)

    def frame(self, epoch):
        """Everything drawn at `epoch`, computed from the recorded weights (both grids, histograms, status)."""
        epoch = self.check_epoch(epoch)
        self.model.set_weights(self.numpy_weights(epoch))
        twin = self.result._twin
        twin.set_weights(self.keras_weights(epoch))
        shape = (self.resolution, self.resolution)
        with np.errstate(all="ignore"):
            numpy_grid = self.model.predict(self.points)[:, 0].reshape(shape)
            keras_grid = np.asarray(_predictor(twin)(self.points))[:, 0].reshape(shape)
            hidden = [output.a for output in self.model.forward(self.result.x)[:-1]]
        kernels = [layer.kernel.copy() for layer in self.model.layers]
        counts = {name: (self.scales[name][0], [_counts(a, self.scales[name][0]) for a in arrays])
                  for name, arrays in (("weights", kernels), ("activations", hidden))}
        return Frame(epoch, numpy_grid, keras_grid, self.extent, kernels, hidden, counts, status(self, epoch))


def _predictor(twin):
    """The twin's forward pass compiled once (tf.function): a grid in about 1 ms instead of 10 (eager call)."""
    if not hasattr(twin, "_replay_predict"):
        twin._replay_predict = import_tensorflow().function(lambda x: twin(x, training=False))
    return twin._replay_predict


def _counts(values, edges):
    """How many finite values fall in each bin (np.histogram's rule: the last bin includes its right edge)."""
    values = np.ravel(values).astype(np.float64)  # float64: no overflow in the bin arithmetic
    return np.histogram(values[np.isfinite(values)], bins=edges)[0]


def nice_ceil(value):
    """The smallest of 1, 2, 5 times a power of ten that is >= value (> 0): axis limits that rarely move, so
    most control changes keep the figure's static parts (see nnlab.lab.render.Blitter)."""
    power = 10.0 ** np.floor(np.log10(value))
    return float(next(power * m for m in (1, 2, 5, 10) if power * m >= value))


def _stacked_hidden(replay):
    """Every NumPy frame's hidden activations on x in one vectorised pass: [(n_frames, n, units) per layer]."""
    frames, like = replay.result.numpy_frames, replay.model.weights
    columns = _columns(frames, like)
    a, outputs = np.broadcast_to(replay.result.x, (len(frames), *replay.result.x.shape)), []
    with np.errstate(all="ignore"):
        for i, layer in enumerate(replay.model.layers[:-1]):
            kernel = columns[2 * i].reshape(len(frames), *like[2 * i].shape)  # (n_frames, n_in, units)
            a = layer.activation(a @ kernel + columns[2 * i + 1][:, None, :])  # (n_frames, n, units)
            outputs.append(a)
    return outputs


def _first_dead_unit(replay, hidden):
    """The first recorded epoch with a hidden unit that outputs 0 for every training point: (epoch, layer, unit)."""
    dead = [np.all(a == 0, axis=1) for a in hidden]  # (n_frames, units) per layer
    for index, epoch in enumerate(replay.result.frame_epochs[:len(replay.result.numpy_frames)]):
        for layer, units in enumerate(dead):
            if units[index].any():
                return int(epoch), layer + 1, int(np.argmax(units[index])) + 1
    return None


def _scale(values):
    """Histogram bins (31 edges) over a nice symmetric (or from 0) range holding every finite value."""
    finite = np.isfinite(values)
    top = nice_ceil(max(1.02 * float(np.max(np.abs(values), where=finite, initial=0.0)), 1e-3))  # float64: no inf
    return np.linspace(-top if np.min(values, where=finite, initial=0.0) < 0 else 0.0, top, 31)


def _count_limit(frames, edges):
    """A nice upper limit, with room to spare, for the counts of any frame's histogram (equal-width bins):
    frames (n_frames, n_values) per layer."""
    most, bins = 1, len(edges) - 1
    for values in frames:
        with np.errstate(invalid="ignore"):
            index = np.floor((values.astype(np.float64) - edges[0]) * (bins / (edges[-1] - edges[0])))
        index = np.where(np.isfinite(index), np.clip(index, 0, bins - 1), bins).astype(np.int64)  # bins: unused
        rows = np.arange(len(values))[:, None] * (bins + 1)
        most = max(most, int(np.bincount((rows + index).ravel(), minlength=len(values) * (bins + 1))
                             .reshape(len(values), bins + 1)[:, :bins].max(initial=0)))
    return nice_ceil(1.05 * most + 1)


def scales(replay, hidden):
    """Fixed histogram bins and count limits for the whole run, so every replayed frame uses the same axes."""
    columns = _columns(replay.result.numpy_frames, replay.model.weights)
    kernels = [columns[i] for i in range(0, len(columns), 2)]  # (n_frames, n_in * units) per layer
    weight_edges = _scale(np.concatenate(kernels, axis=1))
    flat_hidden = [a.reshape(len(a), -1) for a in hidden]
    activation_edges = _scale(np.concatenate(flat_hidden, axis=1)) if hidden else np.linspace(-1, 1, 31)
    return {"weights": (weight_edges, _count_limit(kernels, weight_edges)),
            "activations": (activation_edges, _count_limit(flat_hidden, activation_edges) if hidden else 1.0)}


def events(replay, hidden):
    """What happened during the run, in order: [(epoch, sentence), ...]; hidden: as from _stacked_hidden."""
    result, found = replay.result, []
    loss, theirs = np.asarray(result.numpy_history["loss"]), np.asarray(result.keras_history["loss"])
    bad = {name: np.flatnonzero(~np.isfinite(history)) for name, history in (("NumPy", loss), ("Keras", theirs))}
    firsts = {name: int(where[0]) + 1 for name, where in bad.items() if where.size}
    if len(set(firsts.values())) == 1 and len(firsts) == 2:
        firsts = {"both twins'": firsts["NumPy"]}
    for name, at in firsts.items():
        found.append((at, f"{name if name.startswith('both') else 'the ' + name} loss becomes NaN or infinite "
                          "(divergence)"))
    with np.errstate(invalid="ignore"):
        jumps = np.flatnonzero(loss[1:] > JUMP * loss[:-1])
    if jumps.size:
        found.append((int(jumps[0]) + 2, f"the loss jumps (more than {JUMP - 1:.0%} above the epoch before)"))
    apart = result.first_apart()
    if apart is not None:
        found.append((apart + 1, f"the twins' losses first differ by more than {BOUND:g}"))
    dead = _first_dead_unit(replay, hidden) if result.settings.activation == "relu" else None
    if dead is not None:
        found.append((dead[0], f"the first dead unit: hidden layer {dead[1]}, unit {dead[2]} outputs 0 for every "
                               "point"))
    return sorted(found)


def status(replay, epoch):
    """One line: the epoch, its loss and accuracy, what happens here, and what happened before."""
    history = replay.result.numpy_history
    if epoch == 0:
        words = f"Epoch 0 of {replay.epochs}: the initial weights, before any training."
    elif epoch <= len(history["loss"]):
        loss, accuracy = history["loss"][epoch - 1], history["accuracy"][epoch - 1]
        accuracy = f"{accuracy:.0%}" if np.isfinite(accuracy) else "none (NaN outputs)"
        words = f"Epoch {epoch} of {replay.epochs}: NumPy loss {loss:.4g}, accuracy {accuracy}."
    else:
        words = (f"Epoch {epoch} of {replay.epochs}: the NumPy network stopped in epoch {len(history['loss'])} "
                 "(its loss diverged); it shows the weights it kept.")
    here = [text for at, text in replay.events if at == epoch]
    before = [f"epoch {at}: {text}" for at, text in replay.events if at < epoch]
    if here:
        words += " This epoch: " + "; ".join(here) + "."
    if before:
        words += " Before: " + "; ".join(before) + "."
    return words
