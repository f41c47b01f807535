"""nnlab.twin.compare: agreement() says in words whether the twins agree, and compare() explains what it needs."""

import re

import numpy as np
import pytest

import nnlab
from nnlab.twin.compare import BOUND, agreement


def says(*parts):
    """A pattern matching each part literally, in order, with anything between them."""
    return ".*".join(re.escape(part) for part in parts)


@pytest.mark.parametrize("difference", [0.0, 3e-6, 1e-5])
def test_agreement_below_and_at_the_bound_names_only_the_bound(difference):
    assert agreement(difference, bound=1e-5) == "The twins agree to within 1e-5."


def test_agreement_above_the_bound_shows_the_difference_to_two_digits():
    assert agreement(1.0001e-5, bound=1e-5) == "The twins differ by more than 1e-5: by 1e-05."
    assert agreement(0.012345, bound=1e-5) == "The twins differ by more than 1e-5: by 0.012."


def test_agreement_default_bound_is_BOUND():
    assert BOUND == 1e-4
    assert agreement(1e-4) == "The twins agree to within 1e-4."
    assert agreement(2e-4) == "The twins differ by more than 1e-4: by 0.0002."


@pytest.mark.parametrize("bound, written", [(2.5e-5, "2.5e-5"), (5e-7, "5e-7"), (1e-12, "1e-12"), (0.25, "2.5e-1")])
def test_agreement_writes_the_bound_it_checked_against(bound, written):
    assert agreement(0.0, bound=bound) == f"The twins agree to within {written}."
    assert agreement(1.0, bound=bound) == f"The twins differ by more than {written}: by 1."


def test_agreement_of_a_dict_names_what_was_checked_and_only_what_differs():
    assert agreement({"predictions": 2e-7, "weights": 0.0}) == \
        "The twins agree to within 1e-4 (predictions, weights)."
    assert agreement({"predictions": 2e-7, "loss": 0.25, "gradients": 3e-3}) == \
        "The twins differ by more than 1e-4: loss by 0.25, gradients by 0.003."


def test_agreement_takes_numpy_numbers_and_names_who():
    assert agreement(np.float32(0.05), bound=0.1) == "The twins agree to within 1e-1."
    assert agreement(np.float64(0.05), bound=0.01, who="NumPy and Keras") == \
        "NumPy and Keras differ by more than 1e-2: by 0.05."


@pytest.mark.parametrize("differences, what", [(float("nan"), "by nan"), ({"loss": float("nan")}, "loss by nan"),
                                               (np.float32("nan"), "by nan")])
def test_agreement_counts_nan_as_disagreement(differences, what):
    assert agreement(differences) == f"The twins differ by more than 1e-4: {what}."


@pytest.mark.parametrize("differences, pattern", [
    ("0.1", says("`differences` must be a difference >= 0, but got '0.1'.")),
    (None, says("`differences` must be a difference >= 0, but got None.")),
    (True, says("`differences` must be a difference >= 0, but got True.")),
    (-1e-3, says("`differences` must be a difference >= 0, but got -0.001.")),
    ([1e-6], says("`differences` must be a difference >= 0, but got [1e-06].")),
    ({"loss": "big"}, says("`differences['loss']` must be a difference >= 0, but got 'big'.")),
])
def test_agreement_names_bad_differences(differences, pattern):
    with pytest.raises(TypeError, match=pattern):
        agreement(differences)


def test_agreement_refuses_an_empty_dict_and_a_bad_bound():
    with pytest.raises(ValueError, match=says("`differences` must be at least one difference", "but got {}")):
        agreement({})
    with pytest.raises(TypeError, match=says("`bound` must be a number, but got '1e-5'.")):
        agreement(1e-6, bound="1e-5")
    with pytest.raises(ValueError, match=says("`bound` must be a finite number in [0, inf)", "-1.0")):
        agreement(1e-6, bound=-1.0)


def _twins(loss=None):
    layers = [nnlab.Input((3,)), nnlab.Dense(2, "tanh"), nnlab.Dense(1)]
    return nnlab.make_twins(layers, "sgd" if loss else None, loss, seed=5)


XY = (np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3), np.ones((4, 1), np.float32))


def test_compare_with_y_asks_for_a_compiled_keras_twin(keras):
    model, _ = _twins("mse")
    _, uncompiled = _twins()
    with pytest.raises(RuntimeError, match=says("`keras_model` must be compiled with a loss to compare loss and "
                                                "gradients, but got an uncompiled Keras model.", "make_twins",
                                                "compare(model, keras_model, x)")):
        nnlab.compare(model, uncompiled, *XY)
    assert nnlab.compare(model, uncompiled, XY[0]).agree()  # without y, nothing needs a loss


def test_compare_with_y_asks_for_a_compiled_nnlab_model(keras):
    model, _ = _twins()
    _, compiled = _twins("mse")
    with pytest.raises(RuntimeError, match=says("`model` must be compiled with a loss to compare loss and "
                                                "gradients, but got an uncompiled model.", "model.compile(")):
        nnlab.compare(model, compiled, *XY)


def test_compare_checks_x_and_y_the_nnlab_way(keras):
    model, twin = _twins("mse")
    with pytest.raises(ValueError, match=says("`y` must be an array of shape (n_samples, 1)")):
        nnlab.compare(model, twin, XY[0], np.ones((4, 2)))
    with pytest.raises(ValueError, match=says("`y` must be one target per sample: 4 (len(x)), but got 5 targets.")):
        nnlab.compare(model, twin, XY[0], np.ones((5, 1)))


def test_compare_names_arguments_that_are_not_models(keras):
    model, twin = _twins("mse")
    with pytest.raises(TypeError, match=says("`model` must be an nnlab.Sequential, but got 'model'.")):
        nnlab.compare("model", twin, *XY)
    with pytest.raises(TypeError, match=says("`keras_model` must be a keras.Model (the Keras twin), but got 'twin'.",
                                             "nnlab.to_keras(model)")):
        nnlab.compare(model, "twin", *XY)
