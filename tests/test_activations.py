"""nnlab.activations against keras.activations: values, and derivatives against tf.GradientTape."""

import numpy as np
import pytest

from nnlab import activations

NAMES = sorted(activations.ALL)


def random_z(rng, scale):
    """Pre-activations of a random shape (batch, units) spread over `scale` (small, typical, saturating)."""
    shape = (int(rng.integers(1, 40)), int(rng.integers(2, 12)))  # softmax over 1 unit is always 1: see test_layers
    return (rng.standard_normal(shape) * scale).astype(np.float32)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("scale", [0.01, 1.0, 10.0, 100.0])
def test_forward_matches_keras(name, scale, rng, keras):
    for _ in range(5):
        z = random_z(rng, scale)
        ours = activations.get(name)(z)
        theirs = keras.ops.convert_to_numpy(keras.activations.get(name)(z))
        assert ours.dtype == np.float32 and ours.shape == z.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
def test_backward_matches_gradient_tape(name, scale, rng, keras, tf):
    """dL/dz for L = sum(a * v) with random v: Keras's autodiff against our written-out derivative."""
    for _ in range(5):
        z = random_z(rng, scale)
        v = rng.standard_normal(z.shape).astype(np.float32)
        z_tf = tf.Variable(z)
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(keras.activations.get(name)(z_tf) * v)
        expected = tape.gradient(loss, z_tf).numpy()
        # atol 1e-5: near saturation 1 - tanh(z)^2 cancels, and TensorFlow's float32 tanh differs in the last bit
        np.testing.assert_allclose(activations.backward(activations.get(name), z, v), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_finite_differences(name, rng):
    """The derivative functions themselves, in float64, against centred differences (away from relu's kink)."""
    z = rng.standard_normal((7, 5)) * 3
    z[np.abs(z) < 1e-3] = 0.5
    f, h = activations.get(name), 1e-6
    derivative = activations.DERIVATIVES[f](z)
    if f is activations.softmax:  # full Jacobian: column j is d softmax / d z_j
        numeric = np.stack([(f(z + h * np.eye(5)[j]) - f(z - h * np.eye(5)[j])) / (2 * h) for j in range(5)], axis=-1)
    else:
        numeric = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(derivative, numeric, rtol=1e-6, atol=1e-8)


def test_sigmoid_is_exact_at_the_extremes_without_warnings():
    z = np.array([[-1000.0, -80.0, 0.0, 80.0, 1000.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is the right answer
        a = activations.sigmoid(z)
    np.testing.assert_allclose(a, [[0.0, np.exp(-80.0), 0.5, 1.0, 1.0]], rtol=1e-6, atol=0)


def test_leaky_relu_uses_keras_default_slope(keras):
    assert activations.leaky_relu(np.float32([-1.0]))[0] == pytest.approx(-0.2)
    assert float(keras.ops.convert_to_numpy(keras.activations.leaky_relu(np.float32([-1.0])))[0]) == pytest.approx(-0.2)


@pytest.mark.parametrize("identifier, expected", [(None, "linear"), ("ReLU", "relu"), ("softmax", "softmax")])
def test_get_resolves_names(identifier, expected):
    assert activations.get(identifier).__name__ == expected
    assert activations.get(activations.get(identifier)) is activations.get(identifier)


def test_get_refuses_unknown_names_with_a_suggestion():
    with pytest.raises(ValueError, match=r"`activation` must be one of \[.*'relu'.*\], but got 'rleu'\. Did you mean 'relu'\?"):
        activations.get("rleu")
    with pytest.raises(TypeError, match=r"`activation` must be a name from .*derivative"):
        activations.get(np.exp)
