"""Activation functions, each with its derivative written right under it (Keras: keras.activations).

Every function maps pre-activations z of shape (batch, units) to activations a of the same shape.
The derivative functions return da/dz elementwise; softmax, whose outputs depend on each other,
instead gives the vector-Jacobian product in `backward`. Lesson 01 introduces them, Lesson 05 compares them.
"""

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


def softmax(x):
    """a_i = exp(z_i) / sum_j exp(z_j) along the last axis: each row becomes probabilities summing to 1."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))  # shifting by the max avoids overflow
    return e / e.sum(axis=-1, keepdims=True)


def softmax_derivative(x):
    """da_i/dz_j = a_i (delta_ij - a_j): a full Jacobian per row, shape (batch, units, units)."""
    a = softmax(x)
    return a[..., :, None] * (np.eye(x.shape[-1], dtype=x.dtype) - a[..., None, :])


ALL = {f.__name__: f for f in (linear, sigmoid, tanh, relu, leaky_relu, softmax)}
DERIVATIVES = {
    linear: linear_derivative, sigmoid: sigmoid_derivative, tanh: tanh_derivative,
    relu: relu_derivative, leaky_relu: leaky_relu_derivative, softmax: softmax_derivative,
}


def backward(activation, z, dL_da):
    """dL/dz from dL/da by the chain rule: elementwise dL_da * a'(z), or dL_da @ Jacobian for softmax."""
    if activation is softmax:
        a = softmax(z)
        return a * (dL_da - np.sum(dL_da * a, axis=-1, keepdims=True))  # (batch, units)
    return dL_da * DERIVATIVES[activation](z)


def get(identifier, argument="activation"):
    """The activation function for a name ("relu"), a function of this module, or None (= linear)."""
    if identifier is None:
        return linear
    if callable(identifier) and identifier in DERIVATIVES:
        return identifier
    if isinstance(identifier, str):
        return ALL[check_choice(argument, identifier, ALL)]
    fail(argument, f"a name from {sorted(ALL)} or None", identifier,
         "nnlab needs the derivative too, so custom functions are not accepted.", TypeError)
