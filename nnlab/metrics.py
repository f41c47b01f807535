"""Accuracy metrics, and how "accuracy" picks one from the shapes of y and y_hat as Keras does (keras.metrics).

Each returns one value per sample, shape (batch,); an epoch's accuracy is their mean over all samples.
Lesson 03 introduces them.
"""

import numpy as np

from nnlab._checks import check_choice, fail


def binary_accuracy(y, y_hat, threshold=0.5):
    """Fraction of outputs on the right side of `threshold`: mean_units[y == (y_hat > threshold)].

    Like Keras, the threshold applies to y_hat as it is: with a linear output and from_logits=True
    the right threshold would be 0, but Keras (and so nnlab) still uses 0.5.
    """
    return np.mean(y == (y_hat > threshold), axis=-1)


def categorical_accuracy(y, y_hat):
    """1 where the most probable class, argmax(y_hat), is the one-hot target's argmax(y), else 0."""
    return (np.argmax(y, axis=-1) == np.argmax(y_hat, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y, y_hat):
    """1 where argmax(y_hat) equals the integer label y, else 0."""
    return (y == np.argmax(y_hat, axis=-1)).astype(np.float32)


ALL = {f.__name__: f for f in (binary_accuracy, categorical_accuracy, sparse_categorical_accuracy)}


def resolve(identifier, y_ndim, units):
    """The metric function for `identifier`; "accuracy"/"acc" pick one from the shapes as Keras does.

    One output unit -> binary; targets with fewer dimensions than the output, or one target column for
    several units -> sparse categorical; otherwise categorical.
    """
    if not isinstance(identifier, str):
        fail("metrics", "a list of metric names such as ['accuracy']", identifier, error=TypeError)
    name = check_choice("metrics", identifier, [*ALL, "accuracy", "acc"])
    if name not in ("accuracy", "acc"):
        return ALL[name]
    if units == 1:
        return binary_accuracy
    return sparse_categorical_accuracy if y_ndim == 1 else categorical_accuracy
