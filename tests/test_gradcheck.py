"""Gradient checking: backprop equals centred finite differences in float64, and a wrong derivative is caught."""

import numpy as np
import pytest

import nnlab
from nnlab import activations
from parity import HIDDEN, LOSSES, make_data


def small_model(rng, hidden, loss_spec):
    loss_name, from_logits, output_activation = loss_spec
    n_in, units = int(rng.integers(1, 4)), int(rng.integers(2, 4))
    if loss_name == "binary_crossentropy":
        units = 1
    # random biases: with zero biases a ReLU unit fed only by dead units sits exactly on its kink (see below)
    layers = [nnlab.Input((n_in,))] + [nnlab.Dense(int(w), hidden, bias_initializer="random_normal")
                                       for w in rng.integers(2, 5, rng.integers(1, 3))]
    model = nnlab.Sequential(layers + [nnlab.Dense(units, output_activation)])
    loss = type(nnlab.losses.get(loss_name))(from_logits=True) if from_logits else loss_name
    model.compile("sgd", loss)
    return model, *make_data(rng, loss_name, n_in, units, 6)


@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: f"{l[0]}-logits{l[1]}")
def test_backprop_agrees_with_finite_differences(hidden, loss, rng):
    for _ in range(20):  # redraw the rare case with a ReLU input within the step of its kink (tested below)
        model, x, y = small_model(rng, hidden, loss)
        before = model.get_weights()
        check = nnlab.gradient_check(model, x, y)
        if check.kinks == 0:
            break
    assert check.kinks == 0 and check.passed(1e-7), f"{check} {check.errors}"
    assert str(check).startswith("Backprop and finite differences agree")
    assert all(w.dtype == np.float32 for w in model.get_weights())  # the check works on a float64 copy
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_wrong_derivative_is_caught(rng, monkeypatch):
    """Drop the factor 1 - tanh^2 (a classic slip): the check must fail loudly."""
    model, x, y = small_model(rng, "tanh", LOSSES[6])
    monkeypatch.setitem(activations.DERIVATIVES, activations.tanh, lambda z: np.ones_like(z))
    check = nnlab.gradient_check(model, x, y)
    assert not check.passed(1e-7) and check.max_error > 1e-3
    assert "DISAGREE" in str(check)


def test_relu_kinks_are_reported(rng):
    """A ReLU unit whose inputs are all dead has z = bias = 0 exactly: the check says why it cannot be trusted."""
    model = nnlab.Sequential([nnlab.Input((2,)), nnlab.Dense(2, "relu", kernel_initializer="ones"),
                              nnlab.Dense(1, "relu"), nnlab.Dense(1)])
    model.compile("sgd", "mse")
    x = -np.abs(rng.standard_normal((4, 2)))  # negative inputs: the first layer is dead, so layer 2 sees zeros
    check = nnlab.gradient_check(model, x, rng.standard_normal(4))
    assert check.kinks == 4 and "kink z = 0" in str(check)


def test_vanishing_gradients_compare_absolutely():
    from nnlab.gradcheck import relative_error

    assert relative_error(np.zeros(3), np.full(3, 1e-13)) < 1e-8
    assert relative_error(np.ones(3), np.ones(3) * (1 + 1e-6)) == pytest.approx(5e-7, rel=1e-3)


def zero_input_model(activation):
    """Zero inputs and zero biases put every first-layer pre-activation exactly at z = 0."""
    model = nnlab.Sequential([nnlab.Input((2,)), nnlab.Dense(3, activation), nnlab.Dense(1)])
    model.compile("sgd", "mse")
    return model, np.zeros((4, 2))


@pytest.mark.parametrize("name", ["elu", "selu"])
def test_elu_and_selu_kinks_are_reported(name, rng):
    """selu's slope jumps at 0 (scale * alpha = 1.76 on the left, scale = 1.05 on the right); elu's slope is
    continuous for alpha = 1 but its curvature jumps (exp(z) vs 0), which still costs the five-point formula
    about 1e-6: both make finite differences untrustworthy at the 1e-7 we check for, so both are counted."""
    model, x = zero_input_model(name)
    check = nnlab.gradient_check(model, x, rng.standard_normal(4))
    assert not check.passed(1e-7)  # the disagreement the note explains
    assert check.kinks == 12 and "kink z = 0" in str(check)


@pytest.mark.parametrize("name", ["gelu", "softplus", "silu", "swish", "sigmoid", "tanh"])
def test_smooth_activations_have_no_kink_at_zero(name, rng):
    model, x = zero_input_model(name)
    check = nnlab.gradient_check(model, x, rng.standard_normal(4))
    assert check.kinks == 0 and check.passed(1e-7), f"{check} {check.errors}"


def test_the_new_activations_are_among_those_checked():
    """test_backprop_agrees_with_finite_differences runs over every activation in nnlab.activations.ALL."""
    assert {"elu", "selu", "gelu", "softplus", "silu"} <= set(HIDDEN)
