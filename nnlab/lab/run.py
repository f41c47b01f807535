"""The twin lab's engine: train an nnlab network and its Keras twin from the same start, and diagnose the run.

No widgets here: `Lab.run(settings)` is what every Playground control calls, and what tests and lessons call
directly. Lesson 02 introduces the Playground; Lessons 05 and 06 use its failure states.
"""

import time
import warnings
from dataclasses import InitVar, dataclass, field

import numpy as np

from nnlab import activations
from nnlab.lab.settings import Settings, build_model, make_data
from nnlab.models import Sequential
from nnlab.training import DivergenceWarning
from nnlab.twin import fastfit
from nnlab.twin.compare import BOUND, agreement

STATES = ("ok", "diverged", "stuck", "vanishing", "saturated", "dead", "slow")


DRIFT = 1e-3  # a loss difference above this is no rounding: chaotic training has pulled the twins apart


@dataclass(frozen=True, eq=False)
class Result:
    """One run of both twins, as a value (later runs never change it): histories, timings, models, a diagnosis."""

    settings: Settings
    x: np.ndarray
    y: np.ndarray
    numpy_history: dict
    keras_history: dict
    numpy_seconds: float
    keras_seconds: float
    model: Sequential
    keras_weights: list  # the Keras twin's weights after this run (copies)
    state: str  # one of STATES
    message: str
    parity: float  # largest |loss difference| between the twins over the epochs both trained finitely
    frame_epochs: np.ndarray = field(default=None, repr=False)  # (n_frames,) epochs recorded, 0 (the start) first
    numpy_frames: np.ndarray = field(default=None, repr=False)  # (n_numpy_frames, n_params) nnlab's weights there
    keras_frames: np.ndarray = field(default=None, repr=False)  # (n_frames, n_params) the Keras twin's own weights
    twin: InitVar[object] = None  # the Lab's compiled Keras twin: reused by later runs, so not part of the value

    def __post_init__(self, twin):
        object.__setattr__(self, "_twin", twin)

    @property
    def keras_model(self):
        """The Keras twin holding this run's trained weights (the Lab reuses one compiled twin per architecture,
        so each access loads this run's weights into it)."""
        self._twin.set_weights(self.keras_weights)
        return self._twin

    @property
    def diverged(self):
        return self.state == "diverged"

    def first_apart(self):
        """The first epoch (0-based) whose two losses differ by more than BOUND or are not finite, or None."""
        a, b = (np.asarray(h["loss"]) for h in (self.numpy_history, self.keras_history))
        both = min(len(a), len(b))
        with np.errstate(invalid="ignore"):
            apart = np.flatnonzero(~(np.abs(a[:both] - b[:both]) <= BOUND))
        return int(apart[0]) if apart.size else None

    def parity_text(self):
        """The twins' agreement in words (nnlab.twin.compare.agreement), and where chaotic training split them."""
        epochs = min(len(self.numpy_history["loss"]), len(self.keras_history["loss"]))
        timing = f"(NumPy {self.numpy_seconds:.2f} s, Keras {self.keras_seconds:.2f} s)"
        words = agreement({"loss per epoch": self.parity})
        if not self.parity > DRIFT:
            return f"{words} Compared over {epochs} epochs {timing}."
        apart = self.first_apart()  # not None: parity > DRIFT > BOUND somewhere
        split = f"They agree for {apart} epochs, then drift apart" if apart else "They drift apart in the first epoch"
        why = ("the loss blows up on both sides, and rounding differences blow up with it" if self.diverged else
               "training is chaotic here, so tiny rounding differences between NumPy and TensorFlow grow from step "
               "to step")
        return f"{words} {split}: {why} {timing}."


class FrameRecorder:
    """An nnlab callback: the weights, flattened, at the start and after every `every`-th and the last epoch."""

    def __init__(self, epochs, every=1):
        self.epochs, self.every, self.frames = epochs, every, []

    def _record(self):
        self.frames.append(np.concatenate([w.ravel() for w in self.model.weights]))

    def set_model(self, model):
        self.model = model
        self._record()  # epoch 0: the initial weights

    def on_epoch_end(self, epoch, logs):
        if (epoch + 1) % self.every == 0 or epoch + 1 == self.epochs:
            self._record()

    def on_train_end(self):
        pass


def _first_bad_epoch(history):
    bad = [i for i, v in enumerate(history["loss"]) if not np.isfinite(v)]
    return bad[0] if bad else None


def _parity(numpy_history, keras_history):
    a, b = np.asarray(numpy_history["loss"]), np.asarray(keras_history["loss"])[:len(numpy_history["loss"])]
    finite = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[finite] - b[finite]), initial=0.0))


def _identical_units(model):
    """The first hidden layer whose units all have the same incoming weights (symmetry never broken), or None."""
    for i, layer in enumerate(model.layers[:-1]):
        if layer.units > 1 and np.ptp(layer.kernel, axis=1).max() < 1e-7:
            return i + 1
    return None


def _vanishing_layer(model, x, y):
    """The ratio of the first to the last kernel's gradient size, when it is below 1e-3; else None."""
    kernels = [g for g, w in zip(model.gradients(x, y), model.weights) if w.ndim == 2]
    ratio = np.linalg.norm(kernels[0]) / max(np.linalg.norm(kernels[-1]), 1e-30)
    return ratio if ratio < 1e-3 else None


def diagnose(settings, model, x, y, numpy_history, keras_history):
    """Name the interesting failure, if any: diverged, stuck, vanishing, saturated, dead ReLUs, slow."""
    bad = _first_bad_epoch(numpy_history)
    if bad is None:
        bad = _first_bad_epoch(keras_history)
    if bad is not None:
        return "diverged", (f"Diverged in epoch {bad + 1}: the loss became NaN or infinite. The learning rate "
                            f"{settings.learning_rate:g} is too large for this network: try a smaller one.")
    layer = _identical_units(model) if settings.hidden else None
    if layer is not None and not model.layers[layer - 1].kernel.any():
        return "stuck", (f"Stuck: every weight in hidden layer {layer} is still 0. '{settings.initializer}' started "
                         "them at 0, and with all weights 0 every gradient that reaches them is 0 too, so they never "
                         "move. Use a random initializer such as glorot_uniform.")
    if layer is not None:
        return "stuck", (f"Stuck: every unit in hidden layer {layer} has the same weights, because "
                         f"'{settings.initializer}' starts them all equal. They get equal gradients and stay equal, "
                         "so the layer acts like a single unit. Use a random initializer such as glorot_uniform.")
    with np.errstate(all="ignore"):
        outputs = model.forward(x)[:-1]
    if settings.activation in ("sigmoid", "tanh") and outputs:
        slopes = np.concatenate([activations.DERIVATIVES[activations.get(settings.activation)](o.z).ravel()
                                 for o in outputs])
        if np.mean(slopes < 0.01) > 0.5:
            return "saturated", (f"Saturated: {np.mean(slopes < 0.01):.0%} of the {settings.activation} units sit "
                                 "on a flat part of the curve (slope below 0.01), so almost no gradient flows back. "
                                 "Try a smaller learning rate or a different initializer.")
    if settings.activation == "relu" and outputs:
        dead = np.mean([np.all(o.a <= 0, axis=0).mean() for o in outputs])
        if dead > 0.5:
            return "dead", (f"Dead ReLUs: {dead:.0%} of the ReLU units output 0 for every point, so they pass no "
                            "gradient and never recover. Try a smaller learning rate or leaky_relu.")
    vanished = _vanishing_layer(build_model(settings), x, y) if len(settings.hidden) >= 2 else None
    if vanished is not None:  # measured at the start, before training hides it
        return "vanishing", (f"Vanishing gradients: at the start, the first layer's gradients are {vanished:.0e} "
                             "times the last layer's, so the early layers barely learn. Deep "
                             f"{settings.activation} stacks do this; try relu, fewer layers, or another initializer.")
    loss = numpy_history["loss"]
    if len(loss) > 1 and loss[-1] > 0.98 * loss[0]:
        return "slow", (f"Barely learning: the loss went from {loss[0]:.3f} to {loss[-1]:.3f}. Try a larger learning "
                        "rate or more epochs.")
    return "ok", f"Trained: the loss went from {loss[0]:.3f} to {loss[-1]:.3f}."


class Lab:
    """Runs both twins for given settings; keeps one compiled Keras twin per architecture so reruns are fast."""

    def __init__(self):
        self._keras = {}

    def _keras_twin(self, settings, model):
        key = (settings.hidden, settings.activation, settings.optimizer)
        if key not in self._keras:
            self._keras[key] = fastfit.to_fast_keras(model)
        return self._keras[key]

    def run(self, settings):
        """Train both twins from the same initial weights (shuffle=False) and diagnose the run."""
        settings = settings.checked()
        x, y = make_data(settings)
        model = build_model(settings)
        start, batch_size = model.get_weights(), settings.batch_size or len(x)
        keras_model = self._keras_twin(settings, model)
        begin = time.perf_counter()
        every = -(-settings.epochs // fastfit.FRAME_CAPACITY)  # 1 (every epoch) up to 1000 epochs
        recorder = FrameRecorder(settings.epochs, every)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # the panel says it in its own words
            numpy_history = model.fit(x, y, batch_size=batch_size, epochs=settings.epochs, shuffle=False,
                                      verbose=0, callbacks=[recorder]).history
        middle = time.perf_counter()
        keras_history = fastfit.fast_fit(keras_model, x, y.astype(np.float32), settings.epochs, batch_size,
                                         initial_weights=start, learning_rate=settings.learning_rate,
                                         frames_every=every)
        end = time.perf_counter()
        frame_epochs, keras_frames = fastfit.frames(keras_model, settings.epochs, every)
        state, message = diagnose(settings, model, x, y, numpy_history, keras_history)
        return Result(settings, x, y, numpy_history, keras_history, middle - begin, end - middle, model,
                      [w.copy() for w in keras_model.get_weights()], state, message,
                      _parity(numpy_history, keras_history), frame_epochs, np.array(recorder.frames), keras_frames,
                      twin=keras_model)
