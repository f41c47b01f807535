"""Activation functions, each with its derivative written right under it (Keras: keras.activations).

Every function maps pre-activations z of shape (batch, units) to activations a of the same shape.
The derivative functions return da/dz elementwise; softmax, whose outputs depend on each other,
instead gives the vector-Jacobian product in `backward`. Lesson 01 introduces them, Lesson 05 compares them.
"""

import math

import numpy as np

from nnlab._checks import check_choice, fail


def linear(x):
    """a = z (no activation; Keras's default for Dense)."""
    return x


def linear_derivative(x):
    """da/dz = 1."""
    return np.ones_like(x)


def sigmoid(x):
    """a = 1 / (1 + exp(-z)), squashing any number into (0, 1)."""
    with np.errstate(over="ignore"):  # exp(-z) overflows to inf for z < -88: then 1 / inf = 0, as it should
        return 1 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    """da/dz = sigmoid(z) * (1 - sigmoid(z)), at most 0.25 (at z = 0)."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x):
    """a = (exp(z) - exp(-z)) / (exp(z) + exp(-z)), in (-1, 1)."""
    return np.tanh(x)


def tanh_derivative(x):
    """da/dz = 1 - tanh(z)^2, at most 1 (at z = 0)."""
    return 1 - np.tanh(x) ** 2


def relu(x):
    """a = max(0, z)."""
    return np.maximum(x, 0)


def relu_derivative(x):
    """da/dz = 1 where z > 0, else 0 (TensorFlow's choice at exactly 0)."""
    return (x > 0).astype(x.dtype)


def leaky_relu(x, negative_slope=0.2):
    """a = z where z > 0, else negative_slope * z (Keras's default slope is 0.2, not PyTorch's 0.01)."""
    return np.where(x > 0, x, negative_slope * x).astype(x.dtype, copy=False)


def leaky_relu_derivative(x, negative_slope=0.2):
    """da/dz = 1 where z > 0, else negative_slope."""
    return np.where(x > 0, 1, negative_slope).astype(x.dtype)


def elu(x, alpha=1.0):
    """a = z where z > 0, else alpha * (exp(z) - 1): smooth like tanh on the left, linear on the right."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))  # min: exp of a large z would overflow


def elu_derivative(x, alpha=1.0):
    """da/dz = 1 where z > 0, else alpha * exp(z) (alpha at exactly 0, as in TensorFlow)."""
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


SELU_ALPHA = 1.6732632423543772848170429916717  # Keras's (and the paper's) constants, to float64 precision
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    """a = scale * elu(z, alpha) with Keras's alpha = 1.67326 and scale = 1.05070 (self-normalizing, Lesson 05)."""
    return SELU_SCALE * elu(x, SELU_ALPHA)


def selu_derivative(x):
    """da/dz = scale where z >= 0 (TensorFlow's choice at 0), else scale * alpha * exp(z)."""
    return np.where(x >= 0, SELU_SCALE, SELU_SCALE * SELU_ALPHA * np.exp(np.minimum(x, 0))).astype(x.dtype)


def softplus(x):
    """a = log(1 + exp(z)), a smooth relu; written max(z, 0) + log(1 + exp(-|z|)) so exp never overflows."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def softplus_derivative(x):
    """da/dz = sigmoid(z)."""
    return sigmoid(x)


def silu(x):
    """a = z * sigmoid(z), also called swish (Keras 3 names it silu, with swish as an alias)."""
    return x * sigmoid(x)


def silu_derivative(x):
    """da/dz = sigmoid(z) * (1 + z * (1 - sigmoid(z)))."""
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


swish = silu  # keras.activations.swish is keras.activations.silu

_erfc = np.vectorize(math.erfc, otypes=[np.float64])  # NumPy has no erf; math.erfc is exact to float64


def gelu(x):
    """a = z * Phi(z) = 0.5 z (1 + erf(z / sqrt 2)), Keras's exact default (approximate=False), not the tanh form.

    Written with erfc(-z / sqrt 2) = 1 + erf(z / sqrt 2), as TensorFlow does: no cancellation for very negative z.
    """
    return (0.5 * x * _erfc(-x / math.sqrt(2))).astype(x.dtype)


def gelu_derivative(x):
    """da/dz = Phi(z) + z * phi(z), with phi(z) = exp(-z^2 / 2) / sqrt(2 pi) the normal density."""
    with np.errstate(over="ignore"):  # z^2 overflows to inf only where exp(-z^2 / 2) is 0 anyway
        density = np.exp(-0.5 * np.square(x.astype(np.float64))) / math.sqrt(2 * math.pi)
    return (0.5 * _erfc(-x / math.sqrt(2)) + x * density).astype(x.dtype)


def softmax(x):
    """a_i = exp(z_i) / sum_j exp(z_j) along the last axis: each row becomes probabilities summing to 1."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))  # shifting by the max avoids overflow
    return e / e.sum(axis=-1, keepdims=True)


def softmax_derivative(x):
    """da_i/dz_j = a_i (delta_ij - a_j): a full Jacobian per row, shape (batch, units, units)."""
    a = softmax(x)
    return a[..., :, None] * (np.eye(x.shape[-1], dtype=x.dtype) - a[..., None, :])


ALL = {f.__name__: f for f in (linear, sigmoid, tanh, relu, leaky_relu, elu, selu, softplus, silu, gelu, softmax)}
ALIASES = {"swish": "silu"}  # as in Keras 3: get("swish") is silu
DERIVATIVES = {
    linear: linear_derivative, sigmoid: sigmoid_derivative, tanh: tanh_derivative,
    relu: relu_derivative, leaky_relu: leaky_relu_derivative, elu: elu_derivative, selu: selu_derivative,
    softplus: softplus_derivative, silu: silu_derivative, gelu: gelu_derivative, softmax: softmax_derivative,
}


def backward(activation, z, dL_da):
    """dL/dz from dL/da by the chain rule: elementwise dL_da * a'(z), or dL_da @ Jacobian for softmax."""
    if activation is softmax:
        a = softmax(z)
        return a * (dL_da - np.sum(dL_da * a, axis=-1, keepdims=True))  # (batch, units)
    return dL_da * DERIVATIVES[activation](z)


def get(identifier, argument="activation"):
    """The activation function for a name ("relu"; "swish" means silu), a function of this module, or None."""
    if identifier is None:
        return linear
    if callable(identifier) and identifier in DERIVATIVES:
        return identifier
    if isinstance(identifier, str):
        name = check_choice(argument, identifier, [*ALL, *ALIASES])
        return ALL[ALIASES.get(name, name)]
    fail(argument, f"a name from {sorted(ALL)} or None", identifier,
         "nnlab needs the derivative too, so custom functions are not accepted.", TypeError)
