"""Gradient checking: compare backpropagation with centred finite differences, in float64 (Lesson 04)."""

import copy
from dataclasses import dataclass

import numpy as np

from nnlab import activations
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


FLOOR = 1e-4  # gradients smaller than this (in norm) are compared absolutely: 0 vs 1e-13 is agreement


def relative_error(a, b):
    """||a - b|| / max(||a|| + ||b||, FLOOR): scale-free for ordinary gradients, absolute for vanishing ones."""
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), FLOOR))


@dataclass
class GradientCheck:
    """Relative error between backprop and finite differences for each weight array, and kinks nearby."""

    errors: list
    kinks: int = 0  # pre-activations of KINKED activations within the finite-difference step of 0

    @property
    def max_error(self):
        return max(self.errors)

    def passed(self, tolerance=1e-7):
        return self.max_error < tolerance

    def __str__(self):
        verdict = "agree" if self.passed() else "DISAGREE"
        text = f"Backprop and finite differences {verdict}: largest relative error {self.max_error:.1e}."
        if self.kinks:
            text += (f" Note: {self.kinks} input(s) of relu, leaky_relu, elu or selu sit at the kink z = 0, where "
                     "the slope (for elu its curvature) jumps and finite differences are not to be trusted.")
        return text


def _loss_at(model, x, y, w, i, value):
    saved, w[i] = w[i], value
    loss = model._loss_and_gradients(x, y)[0]
    w[i] = saved
    return loss


def numerical_gradients(model, x, y, epsilon=1e-4):
    """dLoss/dw_i by centred differences, one weight at a time (slow, but obviously right).

    The five-point formula [-L(w+2e) + 8 L(w+e) - 8 L(w-e) + L(w-2e)] / (12 e) is exact up to e^4, so e can be
    large enough that float64 rounding (about 1e-16 / e) stays far below the 1e-7 we check for.
    """
    grads = []
    for w in model.weights:
        g = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            at = [_loss_at(model, x, y, w, i, w[i] + k * epsilon) for k in (2, 1, -1, -2)]
            g[i] = (-at[0] + 8 * at[1] - 8 * at[2] + at[3]) / (12 * epsilon)
        grads.append(g)
    return grads


def gradient_check(model, x, y, epsilon=1e-4):
    """Compare model.gradients(x, y) with numerical_gradients on a float64 copy; the model itself is untouched."""
    epsilon = check_float("epsilon", epsilon, low=0, low_open=True)
    model._require_compiled("gradient_check")
    model._built_for(model._check_x(x))
    twin = as_float64(model)
    x, y = twin._check_xy(x, y)
    backprop = twin._loss_and_gradients(twin._built_for(x), y)[2]
    numerical = numerical_gradients(twin, x, y, epsilon)
    return GradientCheck([relative_error(b, n) for b, n in zip(backprop, numerical)], _kinks(twin, x, 4 * epsilon))


# Not smooth at z = 0: relu, leaky_relu and selu change slope there; elu (alpha = 1) keeps its slope but changes
# its curvature (exp(z) on the left, 0 on the right), which still costs the five-point formula about 1e-6.
KINKED = (activations.relu, activations.leaky_relu, activations.elu, activations.selu)


def _kinks(model, x, distance):
    """How many pre-activations of KINKED activations lie within `distance` of 0."""
    model._forward(x)
    return sum(int(np.sum(np.abs(layer.z) < distance)) for layer in model.layers
               if getattr(layer, "activation", None) in KINKED)
