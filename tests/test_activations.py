"""nnlab.activations against keras.activations: values, and derivatives against tf.GradientTape."""

import math

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


# Keras's activations that the lessons add (Lesson 05): elu, selu, gelu, softplus, silu (alias swish).
NEW_NAMES = ["elu", "selu", "gelu", "softplus", "silu", "swish"]
# not +-1e-8: TensorFlow's float32 elu/selu compute exp(z) - 1, which is 0 for -6e-8 < z < 0, and then take the
# right-hand slope there; nnlab's expm1 is exact (both agree from about |z| > 1e-7 on)
EXTREMES = [0.0, 1e-6, -1e-6, 0.5, -0.5, 3.0, -3.0, 20.0, -20.0, 50.0, -50.0, 100.0, -100.0, 1e3, -1e3, 1e4, -1e4]
TOLERANCES = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-13)}
TF_FLOAT64_GELU = dict(rtol=1e-6, atol=1e-8)  # see test_tensorflow_float64_gelu_rounds_its_constant_to_float32


def keras_value_and_derivative(keras, tf, name, z, **kwargs):
    """Keras's activation of z and da/dz from tf.GradientTape (elementwise: the gradient of sum(a))."""
    z_tf = tf.Variable(z)
    with tf.GradientTape() as tape:
        a = keras.activations.get(name)(z_tf, **kwargs)
        total = tf.reduce_sum(a)
    return a.numpy(), tape.gradient(total, z_tf).numpy()


@pytest.mark.parametrize("name", NEW_NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_new_activations_and_derivatives_match_keras(name, dtype, rng, keras, tf):
    """Forward and derivative against Keras, on random z and on extremes where exp(z) or z^2 would overflow."""
    z = np.concatenate([EXTREMES, rng.standard_normal(200) * 4, rng.standard_normal(50) * 60]).astype(dtype)
    z = z.reshape(-1, 1)
    expected_a, expected_da = keras_value_and_derivative(keras, tf, name, z)
    f = activations.get(name)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is the right answer
        a, da = f(z), activations.DERIVATIVES[f](z)
    assert a.dtype == z.dtype and da.dtype == z.dtype and a.shape == z.shape
    tolerance = TF_FLOAT64_GELU if (name, dtype) == ("gelu", "float64") else TOLERANCES[dtype]
    np.testing.assert_allclose(a, expected_a, **tolerance)
    np.testing.assert_allclose(da, expected_da, **tolerance)


def test_gelu_is_exact_in_float64():
    """gelu and its derivative against Python's math.erfc, one number at a time: Phi(z) = erfc(-z / sqrt 2) / 2."""
    z = np.linspace(-12, 12, 97)
    phi = np.array([math.erfc(-v / math.sqrt(2)) / 2 for v in z])
    density = np.array([math.exp(-v * v / 2) / math.sqrt(2 * math.pi) for v in z])
    np.testing.assert_allclose(activations.gelu(z), z * phi, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(activations.gelu_derivative(z), phi + z * density, rtol=1e-13, atol=1e-300)


def test_tensorflow_float64_gelu_rounds_its_constant_to_float32(tf):
    """Why float64 gelu agrees with Keras only to ~1e-7: tf.nn.gelu casts 1/sqrt(2) through float32.

    nnlab keeps the exact constant; in float32, the dtype the lessons use, the two are the same.
    """
    z, c32 = 0.5, float(np.float32(1 / math.sqrt(2)))
    assert float(tf.nn.gelu(tf.constant(z, tf.float64))) == pytest.approx(z / 2 * math.erfc(-z * c32), rel=1e-15)
    assert float(activations.gelu(np.float64(z))) == pytest.approx(z / 2 * math.erfc(-z / math.sqrt(2)), rel=1e-15)
    assert abs(math.erfc(-z * c32) / math.erfc(-z / math.sqrt(2)) - 1) > 1e-9


def test_swish_is_keras_3s_alias_of_silu(keras):
    """Keras 3 registers the function as silu, with swish as an alias: a twin layer reports 'silu'."""
    assert keras.activations.get("swish") is keras.activations.silu
    assert keras.layers.Dense(2, activation="swish").activation.__name__ == "silu"
    assert activations.get("swish") is activations.silu and activations.swish is activations.silu
    assert "silu" in activations.ALL and activations.silu in activations.DERIVATIVES


def test_gelu_is_the_exact_erf_form_by_default_like_keras_activations(keras):
    """keras.activations.gelu defaults to approximate=False (keras.ops.gelu to True): Dense(activation='gelu')
    is the exact 0.5 z (1 + erf(z / sqrt 2)), which differs from the tanh approximation by up to ~5e-4."""
    import inspect

    assert inspect.signature(keras.activations.gelu).parameters["approximate"].default is False
    z = np.linspace(-4, 4, 81).astype(np.float32)
    exact = keras.ops.convert_to_numpy(keras.activations.gelu(z))
    tanh_form = keras.ops.convert_to_numpy(keras.ops.gelu(z, approximate=True))
    assert np.max(np.abs(exact - tanh_form)) > 1e-4
    np.testing.assert_allclose(activations.gelu(z), exact, rtol=1e-6, atol=1e-7)
    assert activations.gelu(np.float64([[1.0]]))[0, 0] == pytest.approx(0.8413447460685429, rel=1e-15)  # Phi(1)


def test_selu_uses_keras_constants():
    """Keras's alpha and scale (keras/src/backend/numpy/nn.py), to the last digit a float64 holds."""
    assert activations.SELU_ALPHA == 1.6732632423543772848170429916717
    assert activations.SELU_SCALE == 1.0507009873554804934193349852946
    assert activations.selu(np.float64([[1.0]]))[0, 0] == activations.SELU_SCALE


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu_alpha_matches_keras_even_at_zero(alpha, rng, keras, tf):
    """alpha scales the negative side; at z = 0 exactly TensorFlow's slope is alpha (the left-hand one)."""
    z = np.concatenate([[0.0, -1e-3, 1e-3], rng.standard_normal(50) * 3]).astype(np.float32)[:, None]
    expected_a, expected_da = keras_value_and_derivative(keras, tf, "elu", z, alpha=alpha)
    np.testing.assert_allclose(activations.elu(z, alpha=alpha), expected_a, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(activations.elu_derivative(z, alpha=alpha), expected_da, rtol=1e-6, atol=1e-7)
    assert activations.elu_derivative(np.float32([0.0]), alpha=alpha)[0] == pytest.approx(alpha)


@pytest.mark.parametrize("name", NEW_NAMES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_twins_with_new_activations_agree(name, dtype, rng, keras):
    """make_twins passes the activation to Keras by name: predictions, loss and gradients agree, and
    from_keras brings the same nnlab function back (Keras names swish 'silu')."""
    import nnlab
    from nnlab.twin.compare import keras_gradients

    layers = [nnlab.Input((3,)), nnlab.Dense(6, name, bias_initializer="random_normal", dtype=dtype),
              nnlab.Dense(4, name, dtype=dtype), nnlab.Dense(2, dtype=dtype)]
    model, keras_model = nnlab.make_twins(layers, "sgd", "mse", seed=int(rng.integers(1000)))
    assert [layer.activation.__name__ for layer in keras_model.layers[:2]] == [activations.get(name).__name__] * 2
    x = (rng.standard_normal((32, 3)) * rng.choice([1.0, 30.0], size=(32, 1))).astype(dtype)  # some saturate
    y = rng.standard_normal((32, 2)).astype(dtype)
    tolerance = TF_FLOAT64_GELU if (name, dtype) == ("gelu", "float64") else TOLERANCES[dtype]
    np.testing.assert_allclose(model.predict(x), keras_model(x, training=False).numpy(), **tolerance)
    # Keras computes every loss in float32 (keras.losses.Loss.dtype), even for a float64 model: float32 noise,
    # relative to the size of each gradient array (here up to ~100, as x reaches 30 and more)
    keras_loss, keras_grads = keras_gradients(keras_model, x, y)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(keras_loss, rel=1e-5)
    for ours, theirs in zip(model.gradients(x, y), keras_grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * np.max(np.abs(theirs)))
    back = nnlab.from_keras(keras_model)
    assert [layer.activation for layer in back.layers[:2]] == [activations.get(name)] * 2


def test_get_suggests_new_names_and_aliases():
    with pytest.raises(ValueError, match=r"`activation` must be one of \[.*'swish'.*\], but got 'swsh'\. "
                                         r"Did you mean 'swish'\?"):
        activations.get("swsh")
