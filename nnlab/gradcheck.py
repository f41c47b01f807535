"""Gradient checking: compare backpropagation with centred finite differences, in float64 (Lesson 04)."""

import copy
from dataclasses import dataclass

import numpy as np

from nnlab._checks import check_float


def as_float64(model):
    """A deep copy of `model` whose layers compute in float64 (float32 rounding would swamp the check)."""
    twin = copy.deepcopy(model)
    for layer in twin.layers:
        if hasattr(layer, "dtype"):
            layer.dtype = "float64"
            layer.kernel = layer.kernel.astype(np.float64)
            layer.bias = None if layer.bias is None else layer.bias.astype(np.float64)
    return twin


@dataclass
class GradientCheck:
    """Relative error ||backprop - numerical|| / (||backprop|| + ||numerical||) for each weight array."""

    errors: list

    @property
    def max_error(self):
        return max(self.errors)

    def passed(self, tolerance=1e-7):
        return self.max_error < tolerance

    def __str__(self):
        verdict = "agree" if self.passed() else "DISAGREE"
        return f"Backprop and finite differences {verdict}: largest relative error {self.max_error:.1e}."


def numerical_gradients(model, x, y, epsilon=1e-6):
    """dLoss/dw_i ~ (Loss(w_i + eps) - Loss(w_i - eps)) / (2 eps), one weight at a time (slow, but obviously right)."""
    grads = []
    for w in model.weights:
        g = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            saved = w[i]
            w[i] = saved + epsilon
            loss_plus = model._loss_and_gradients(x, y)[0]
            w[i] = saved - epsilon
            loss_minus = model._loss_and_gradients(x, y)[0]
            w[i] = saved
            g[i] = (loss_plus - loss_minus) / (2 * epsilon)
        grads.append(g)
    return grads


def gradient_check(model, x, y, epsilon=1e-6):
    """Compare model.gradients(x, y) with numerical_gradients on a float64 copy; the model itself is untouched."""
    epsilon = check_float("epsilon", epsilon, low=0, low_open=True)
    model._require_compiled("gradient_check")
    twin = as_float64(model)
    x, y = twin._check_xy(x, y)
    backprop = twin._loss_and_gradients(twin._built_for(x), y)[2]
    numerical = numerical_gradients(twin, x, y, epsilon)
    errors = [float(np.linalg.norm(b - n) / max(np.linalg.norm(b) + np.linalg.norm(n), 1e-300))
              for b, n in zip(backprop, numerical)]
    return GradientCheck(errors)
