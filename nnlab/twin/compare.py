"""Measure how closely an nnlab model and its Keras twin agree, and say it in words a learner understands.

Lessons print `compare(model, keras_model, x, y)` after each side-by-side cell.
"""

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nnlab._checks import Text, check_float, fail
from nnlab.models import Sequential


def keras_gradients(keras_model, x, y):
    """dLoss/dweight in Keras, from tf.GradientTape over the compiled loss exactly as fit computes it."""
    from nnlab.twin.backend import import_tensorflow

    tf = import_tensorflow()

    x = tf.convert_to_tensor(np.asarray(x, dtype=keras_model.inputs[0].dtype))
    with tf.GradientTape() as tape:
        y_pred = keras_model(x, training=True)
        loss = keras_model.compute_loss(x=x, y=tf.convert_to_tensor(y), y_pred=y_pred)
    return float(loss), [g.numpy() for g in tape.gradient(loss, keras_model.trainable_weights)]


def _keras_predict(keras_model, x):
    """keras_model(x) called directly: predict() would build a new tf.function for every model it meets."""
    return np.asarray(keras_model(np.asarray(x, dtype=keras_model.inputs[0].dtype), training=False))


def _largest_difference(arrays_a, arrays_b):
    return max((float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)), initial=0))
                for a, b in zip(arrays_a, arrays_b)), default=0.0)


# What "the twins agree" means by default: 1000x float32's rounding (about 1e-7), so that differences grown over
# a few dozen epochs of training stay far below it on every CPU, while a real error (a wrong formula) is far above.
BOUND = 1e-4


def _written(bound):
    """A bound in one style, all its digits kept: 1e-4, 2.5e-5, 1e-12 (never rounded to another number)."""
    mantissa, exponent = f"{bound:.6e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def agreement(differences, bound=BOUND, who="The twins"):
    """Two computations' agreement in words, against a bound: the same text on every machine (no noise shown).

    differences: one number, or {what: number} such as compare_histories returns. Below the bound the text
    names no number but the bound; above it, each larger difference is shown to 2 significant digits.
    `who` names what is compared ("NumPy and Keras", "Two layers and the merged layer").
    """
    bound = check_float("bound", bound, low=0)
    items = dict(differences) if isinstance(differences, Mapping) else {"": differences}
    if not items:
        fail("differences", "at least one difference (a number or {what: number})", differences)
    for what, difference in items.items():
        if not isinstance(difference, numbers.Real) or isinstance(difference, bool) or difference < 0:
            fail(f"differences[{what!r}]" if what else "differences", "a difference >= 0", difference, error=TypeError)
    written = _written(bound)
    checked = ", ".join(what for what in items if what)
    checked = f" ({checked})" if checked else ""
    far = {what: d for what, d in items.items() if not d <= bound}  # NaN counts as far
    if not far:
        return f"{who} agree to within {written}{checked}."
    shown = ", ".join(f"{what} by {d:.2g}" if what else f"by {d:.2g}" for what, d in far.items())
    return f"{who} differ by more than {written}: {shown}."


@dataclass
class TwinReport:
    """The largest absolute difference between the twins in predictions, weights and (with y) loss and gradients."""

    predictions: float
    weights: float
    loss: float = None
    gradients: float = None

    def differences(self):
        """{what: largest difference} for what was measured."""
        names = ("predictions", "weights", "loss", "gradients")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}

    def agree(self, bound=BOUND):
        """True when every measured difference is at most `bound`."""
        return all(v <= bound for v in self.differences().values())

    def __str__(self):
        return agreement(self.differences())


def _check_twins(model, keras_model, with_y):
    """Refuse what compare cannot use: a non-model, weights that do not pair up, or (with y) an uncompiled side."""
    if not isinstance(model, Sequential):
        fail("model", "an nnlab.Sequential", model, error=TypeError)
    if not (callable(getattr(keras_model, "get_weights", None)) and hasattr(keras_model, "compute_loss")):
        fail("keras_model", "a keras.Model (the Keras twin)", keras_model,
             "Make it with nnlab.to_keras(model) or nnlab.make_twins(...).", TypeError)
    if len(model.weights) != len(keras_model.get_weights()):
        fail("keras_model", f"a twin with {len(model.weights)} weight arrays", keras_model)
    if with_y and model.loss is None:
        fail("model", "compiled with a loss to compare loss and gradients", Text("an uncompiled model"),
             "Call model.compile(optimizer=..., loss=...) first, or compare(model, keras_model, x) without y.",
             RuntimeError)
    if with_y and getattr(keras_model, "loss", None) is None:
        fail("keras_model", "compiled with a loss to compare loss and gradients", Text("an uncompiled Keras model"),
             "Make the twins with nnlab.make_twins(..., loss=...), or nnlab.to_keras(model) after model.compile(...); "
             "or call compare(model, keras_model, x) without y to compare predictions and weights only.",
             RuntimeError)


def compare(model, keras_model, x, y=None):
    """Run both twins on x (and y, if given: both must be compiled) and report the largest differences."""
    _check_twins(model, keras_model, y is not None)
    if y is not None:
        x_checked, y_checked = model._check_xy(x, y)  # nnlab's messages for bad x or y, before Keras sees them
        loss, _, grads = model._loss_and_gradients(x_checked, y_checked)
        keras_loss, keras_grads = keras_gradients(keras_model, x, y)
    report = TwinReport(
        predictions=_largest_difference([model.predict(x)], [_keras_predict(keras_model, x)]),
        weights=_largest_difference(model.get_weights(), keras_model.get_weights()))
    if y is not None:
        report.loss, report.gradients = abs(loss - keras_loss), _largest_difference(grads, keras_grads)
    return report


def compare_histories(history_a, history_b):
    """The largest difference per key between two History objects (or their .history dicts)."""
    a, b = (getattr(h, "history", h) for h in (history_a, history_b))
    if sorted(a) != sorted(b):
        fail("history_b", f"the same keys as history_a {sorted(a)}", sorted(b))
    return {key: _largest_difference([a[key]], [b[key]]) for key in a}
