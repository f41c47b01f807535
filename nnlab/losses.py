"""Loss functions with their gradients, matching Keras's TensorFlow numerics (Keras: keras.losses).

Each function returns one loss per sample, shape (batch,), like keras.losses.binary_crossentropy;
its `_gradient` twin returns d(per-sample loss)/d(y_hat), shape (batch, units). A Loss object averages
over the batch ("sum_over_batch_size", Keras's default). Keras details mirrored here: probabilities are
clipped to [1e-7, 1 - 1e-7]; MSE has no 1/2; and when the output layer is a sigmoid or softmax, Keras's
TensorFlow backend computes cross-entropy from the logits z instead (the "fused" path, see `uses_logits`).
Lesson 03 introduces them.
"""

import numpy as np

from nnlab import activations
from nnlab._checks import Text, check_bool, check_choice, fail

EPSILON = 1e-7  # keras.backend.epsilon()


def _logsumexp(z):
    """log(sum_j exp(z_j)) along the last axis, shifted by the max so it never overflows."""
    m = z.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True)))[..., 0]


def binary_crossentropy(y, y_hat, from_logits=False):
    """L = -mean_units[y log p + (1 - y) log(1 - p)], p = y_hat clipped, or p = sigmoid(y_hat) from logits."""
    if from_logits:  # tf.nn.sigmoid_cross_entropy_with_logits: max(z, 0) - z y + log(1 + exp(-|z|))
        return np.mean(np.maximum(y_hat, 0) - y_hat * y + np.log1p(np.exp(-np.abs(y_hat))), axis=-1)
    p = np.clip(y_hat, EPSILON, 1 - EPSILON)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=-1)


def binary_crossentropy_gradient(y, y_hat, from_logits=False):
    """dL/dz = (sigmoid(z) - y) / units from logits; dL/dp = -(y/p - (1-y)/(1-p)) / units where unclipped."""
    units = y_hat.shape[-1]
    if from_logits:
        return (activations.sigmoid(y_hat) - y) / units
    p = np.clip(y_hat, EPSILON, 1 - EPSILON)
    inside = (y_hat >= EPSILON) & (y_hat <= 1 - EPSILON)  # the clip passes no gradient outside
    return -(y / p - (1 - y) / (1 - p)) * inside / units


def categorical_crossentropy(y, y_hat, from_logits=False):
    """L = -sum_k y_k log q_k, q = y_hat / sum(y_hat) clipped, or q = softmax(y_hat) from logits."""
    if from_logits:  # tf.nn.softmax_cross_entropy_with_logits
        return np.sum(y, axis=-1) * _logsumexp(y_hat) - np.sum(y * y_hat, axis=-1)
    q = np.clip(y_hat / y_hat.sum(axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
    return -np.sum(y * np.log(q), axis=-1)


def categorical_crossentropy_gradient(y, y_hat, from_logits=False):
    """dL/dz = softmax(z) sum(y) - y from logits; from probabilities, through the clip and the renormalising."""
    if from_logits:
        return activations.softmax(y_hat) * np.sum(y, axis=-1, keepdims=True) - y
    total = y_hat.sum(axis=-1, keepdims=True)
    q = y_hat / total
    inside = (q >= EPSILON) & (q <= 1 - EPSILON)
    dL_dq = -y / np.clip(q, EPSILON, 1 - EPSILON) * inside
    return (dL_dq - np.sum(dL_dq * q, axis=-1, keepdims=True)) / total


def sparse_categorical_crossentropy(y, y_hat, from_logits=False):
    """Categorical cross-entropy with integer labels y of shape (batch,): L = logsumexp(l) - l_y, l = logits."""
    logits = y_hat if from_logits else np.log(np.clip(y_hat, EPSILON, 1 - EPSILON))
    return _logsumexp(logits) - np.take_along_axis(logits, y[:, None], axis=-1)[:, 0]


def sparse_categorical_crossentropy_gradient(y, y_hat, from_logits=False):
    """dL/dl = softmax(l) - one_hot(y); from probabilities, times dl/dp = 1/p where the clip lets it through."""
    logits = y_hat if from_logits else np.log(np.clip(y_hat, EPSILON, 1 - EPSILON))
    dL_dl = activations.softmax(logits)
    dL_dl[np.arange(len(y)), y] -= 1
    if from_logits:
        return dL_dl
    inside = (y_hat >= EPSILON) & (y_hat <= 1 - EPSILON)
    return dL_dl / np.clip(y_hat, EPSILON, 1 - EPSILON) * inside


def mean_squared_error(y, y_hat):
    """L = mean_units[(y_hat - y)^2] (no 1/2, like Keras)."""
    return np.mean((y_hat - y) ** 2, axis=-1)


def mean_squared_error_gradient(y, y_hat):
    """dL/dy_hat = 2 (y_hat - y) / units."""
    return 2 * (y_hat - y) / y_hat.shape[-1]


def mean_absolute_error(y, y_hat):
    """L = mean_units[|y_hat - y|]."""
    return np.mean(np.abs(y_hat - y), axis=-1)


def mean_absolute_error_gradient(y, y_hat):
    """dL/dy_hat = sign(y_hat - y) / units (0 where they are equal, as in TensorFlow)."""
    return np.sign(y_hat - y) / y_hat.shape[-1]


class Loss:
    """A loss averaged over the batch: loss(y, y_hat) = mean_batch(fn(y, y_hat)), Keras's default reduction."""

    fn = None
    gradient_fn = None
    crossentropy = False

    def __init__(self, from_logits=False):
        self.from_logits = check_bool("from_logits", from_logits) if self.crossentropy else False

    @property
    def name(self):
        return self.fn.__name__

    def __call__(self, y, y_hat, logits=False):
        """The batch-mean loss; `logits=True` means y_hat holds logits (see `uses_logits`)."""
        kwargs = {"from_logits": logits or self.from_logits} if self.crossentropy else {}
        return float(np.mean(self.fn(y, y_hat, **kwargs)))

    def gradient(self, y, y_hat, logits=False):
        """d(batch-mean loss)/d(y_hat), shape (batch, units): the per-sample gradient divided by the batch size."""
        kwargs = {"from_logits": logits or self.from_logits} if self.crossentropy else {}
        return self.gradient_fn(y, y_hat, **kwargs) / len(y_hat)

    def uses_logits(self, activation):
        """Whether Keras computes this loss from the logits z of an output layer with `activation`.

        Keras's sigmoid and softmax remember their input, and its TensorFlow cross-entropies use it
        whenever it is there, even for from_logits=False (more accurate: no clipping near 0 and 1).
        """
        return self.crossentropy and activation in (activations.sigmoid, activations.softmax)

    def check_targets(self, y, units, given=None):
        """Return y reshaped as this loss needs it for an output of `units` units, or raise a clear error.

        `given`: the targets as the caller passed them (before the model's dtype), for the error message."""
        shown = y if given is None else given
        if y.ndim == 1 and units == 1:
            y = y[:, None]  # Keras expands (batch,) targets to (batch, 1)
        if y.shape[1:] != (units,):
            fail("y", f"an array of shape (n_samples, {units}) to match the output layer's {units} unit(s) "
                 f"for {self.name}", shown, _shape_hint(self, units))
        if self.crossentropy and (y.min() < 0 or y.max() > 1):
            fail("y", f"targets in [0, 1] for {self.name}", Text(f"values from {y.min():g} to {y.max():g}"),
                 "Class labels 0..k-1 go with a k-unit softmax output and sparse_categorical_crossentropy.")
        return y

    def get_config(self):
        return {"name": self.name, "from_logits": self.from_logits} if self.crossentropy else {"name": self.name}

    def __repr__(self):
        return f"{type(self).__name__}(from_logits={self.from_logits})" if self.crossentropy else f"{type(self).__name__}()"


def _shape_hint(loss, units):
    if units > 1 and loss.crossentropy:
        return (f"If y holds class labels 0..{units - 1}, use loss='sparse_categorical_crossentropy' "
                "or one-hot encode y with nnlab.datasets.one_hot(y).")
    return "Check that the last Dense layer has as many units as y has columns."


class BinaryCrossentropy(Loss):
    fn, gradient_fn, crossentropy = staticmethod(binary_crossentropy), staticmethod(binary_crossentropy_gradient), True


class CategoricalCrossentropy(Loss):
    fn, gradient_fn, crossentropy = staticmethod(categorical_crossentropy), staticmethod(categorical_crossentropy_gradient), True


class SparseCategoricalCrossentropy(Loss):
    fn, gradient_fn, crossentropy = staticmethod(sparse_categorical_crossentropy), staticmethod(sparse_categorical_crossentropy_gradient), True

    def check_targets(self, y, units, given=None):
        """Integer class labels of shape (batch,) or (batch, 1), each in 0..units-1."""
        shown = y if given is None else given
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            fail("y", "integer class labels of shape (n_samples,) for sparse_categorical_crossentropy", shown,
                 "One-hot targets go with loss='categorical_crossentropy'.")
        expected = f"whole-number labels from 0 to {units - 1} (the output layer has {units} units)"
        fractional = y[y != np.round(y)]
        if fractional.size:
            fail("y", expected, Text(f"{fractional.size} label(s) that are not whole numbers, e.g. {fractional[0]:g}"))
        if y.min() < 0 or y.max() > units - 1:
            fail("y", expected, Text(f"labels from {y.min():g} to {y.max():g}"),
                 "Give the last Dense layer one unit per class.")
        return y.astype(np.int64)


class MeanSquaredError(Loss):
    fn, gradient_fn = staticmethod(mean_squared_error), staticmethod(mean_squared_error_gradient)


class MeanAbsoluteError(Loss):
    fn, gradient_fn = staticmethod(mean_absolute_error), staticmethod(mean_absolute_error_gradient)


ALL = {cls.fn.__name__: cls for cls in (BinaryCrossentropy, CategoricalCrossentropy,
                                        SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError)}
ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}


def get(identifier):
    """A Loss object for a name ("binary_crossentropy", "mse"), a Loss class or a Loss instance."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss) and identifier.fn is not None:
        return identifier()
    if isinstance(identifier, str):
        names = {**{name: name for name in ALL}, **ALIASES, **{cls.__name__.lower(): name for name, cls in ALL.items()}}
        if identifier.lower() not in names:
            check_choice("loss", identifier, [*ALL, *ALIASES])  # raises: lists Keras's names, suggests the closest
        return ALL[names[identifier.lower()]]()
    fail("loss", f"a loss name from {sorted(ALL)} or a nnlab.losses.Loss", identifier, error=TypeError)
