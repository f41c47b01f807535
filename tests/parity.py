"""Random twin cases shared by the parity tests: architectures, data and settings drawn from a seeded generator."""

import numpy as np

import nnlab
from nnlab import activations, initializers

OPTIMIZERS = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.8, "nesterov": True}),
    ("Adam", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 0.005}),
    ("RMSprop", {"learning_rate": 0.002, "momentum": 0.5, "centered": True}),
]
# (loss, from_logits, output activation)
LOSSES = [
    ("binary_crossentropy", False, "sigmoid"),
    ("binary_crossentropy", True, None),
    ("categorical_crossentropy", False, "softmax"),
    ("categorical_crossentropy", True, None),
    ("sparse_categorical_crossentropy", False, "softmax"),
    ("sparse_categorical_crossentropy", True, None),
    ("mean_squared_error", False, None),
    ("mean_absolute_error", False, "tanh"),
]
HIDDEN = sorted(activations.ALL)
INITIALIZERS = sorted(initializers.ALIASES)
BATCH_SIZES = [1, 5, 16, None]

# How far nnlab and Keras drift apart on float32 rounding alone, measured over the 32 seeded cases of
# test_models.test_fit_trajectory_matches_keras (8 epochs each; re-measured after every initial weight was seeded,
# with python tests/parity_noise.py): loss, metric and validation histories differ by at most 2.4e-7
# in 30 cases, 5.2e-7 and 6.4e-7 in two batch-size-1 cases (SGD momentum 0.9; Adam); final weights by at most
# 4.8e-7 in 31 cases and 8.3e-7 in one (SGD momentum 0.9, batch size 1), where 256 steps amplify rounding.
# Tolerances are about 30x the worst history gap and 120x the worst weight gap.
HISTORY_TOLERANCE = 2e-5
WEIGHTS_TOLERANCE = 1e-4


def covering_design(rng, n_cases):
    """n_cases settings where every optimizer, loss, activation, initializer and batch size occurs, mixed at random."""
    factors = [OPTIMIZERS, LOSSES, HIDDEN, INITIALIZERS, BATCH_SIZES]
    columns = [[values[i] for i in np.resize(rng.permutation(len(values)), n_cases)] for values in factors]
    return list(zip(*columns))


def make_data(rng, loss, n_in, units, n_samples):
    """Inputs x (n_samples, n_in) and targets y suited to `loss` with `units` outputs."""
    x = rng.standard_normal((n_samples, n_in)).astype(np.float32)
    labels = rng.integers(0, units, n_samples)
    if loss == "binary_crossentropy":
        return x, rng.integers(0, 2, (n_samples, units)).astype(np.float32)
    if loss == "categorical_crossentropy":
        return x, np.eye(units, dtype=np.float32)[labels]
    if loss == "sparse_categorical_crossentropy":
        return x, labels
    return x, rng.standard_normal((n_samples, units)).astype(np.float32)


def make_case(rng, optimizer, loss_spec, hidden, initializer, n_samples=40, min_width=1):
    """An nnlab model (random depth and widths), its compiled Keras twin, and data for it."""
    loss_name, from_logits, output_activation = loss_spec
    n_in = int(rng.integers(1, 6))
    units = 1 if loss_name == "binary_crossentropy" and rng.random() < 0.7 else int(rng.integers(2, 5))
    if loss_name in ("mean_squared_error", "mean_absolute_error"):
        units = int(rng.integers(1, 4))
    widths = [int(w) for w in rng.integers(min_width, 7, size=rng.integers(1, 4))]
    layers = [nnlab.Input((n_in,))]
    # Every initial weight is drawn from `rng` (seeded initializers): a case is the same in any process, whatever
    # other tests drew from nnlab's global generator before it (an unseeded draw made a case depend on test order).
    seeds = [int(s) for s in rng.integers(0, 2**31, size=len(widths) + 1)]
    layers += [nnlab.Dense(w, hidden, kernel_initializer=initializers.seeded(initializer, seed))
               for w, seed in zip(widths, seeds)]
    layers += [nnlab.Dense(units, output_activation, kernel_initializer=initializers.seeded("glorot_uniform", seeds[-1]))]
    loss = type(nnlab.losses.get(loss_name))(from_logits=True) if from_logits else loss_name
    name, settings = optimizer
    model, keras_model = nnlab.make_twins(layers, getattr(nnlab.optimizers, name)(**settings), loss, ["accuracy"])
    x, y = make_data(rng, loss_name, n_in, units, n_samples)
    return model, keras_model, x, y
