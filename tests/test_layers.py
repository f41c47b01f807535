"""nnlab.layers against keras.layers: Dense forward and backward with identical weights, Flatten, Input."""

import warnings

import numpy as np
import pytest

import nnlab
from nnlab import activations
from nnlab.layers import Dense, Flatten, Input


def twin_dense(keras, rng, activation, use_bias, dtype="float32"):
    n_in, units, batch = (int(v) for v in rng.integers(1, 9, size=3))
    if activation == "softmax":
        units += 1
    ours = Dense(units, activation=activation, use_bias=use_bias, dtype=dtype)
    ours.build((n_in,))
    ours.kernel[...] = rng.standard_normal(ours.kernel.shape)
    if use_bias:
        ours.bias[...] = rng.standard_normal(units)
    theirs = keras.layers.Dense(units, activation=activation, use_bias=use_bias, dtype=dtype)
    theirs.build((None, n_in))
    theirs.set_weights(ours.weights)
    return ours, theirs, rng.standard_normal((batch, n_in)).astype(dtype)


@pytest.mark.parametrize("activation", sorted(activations.ALL))
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_forward_and_backward_match_keras(activation, use_bias, rng, keras, tf):
    for _ in range(10):
        ours, theirs, x = twin_dense(keras, rng, activation, use_bias)
        upstream = rng.standard_normal((len(x), ours.units)).astype(np.float32)  # a random dL/da
        x_tf = tf.Variable(x)
        with tf.GradientTape() as tape:
            a = theirs(x_tf)
            loss = tf.reduce_sum(a * upstream)
        expected = tape.gradient(loss, [x_tf] + theirs.trainable_weights)
        np.testing.assert_allclose(ours.forward(x), a.numpy(), rtol=1e-5, atol=1e-6)
        dL_dx, grads = ours.backward(upstream)
        for got, want in zip([dL_dx] + grads, expected):
            np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)


def test_kernel_shape_is_n_in_by_units_like_keras(keras):
    ours = Dense(3)
    ours.build((5,))
    theirs = keras.layers.Dense(3)
    theirs.build((None, 5))
    assert ours.kernel.shape == tuple(theirs.kernel.shape) == (5, 3)
    assert ours.bias.shape == tuple(theirs.bias.shape) == (3,)


def test_flatten_matches_keras_and_undoes_itself_backwards(rng, keras):
    x = rng.standard_normal((4, 8, 8)).astype(np.float32)
    flat = Flatten()
    out = flat.forward(x)
    np.testing.assert_array_equal(out, keras.ops.convert_to_numpy(keras.layers.Flatten()(x)))
    grad_in, grads = flat.backward(out * 2)
    np.testing.assert_array_equal(grad_in, x * 2)
    assert grads == [] and flat.output_shape((8, 8)) == (64,)


def test_dense_refuses_images_and_points_to_flatten():
    with pytest.raises(ValueError, match=r"Dense layer takes samples that are vectors.*shape \(8, 8\)\. Put a Flatten"):
        Dense(2).build((8, 8))


def test_softmax_over_one_unit_warns():
    with pytest.warns(UserWarning, match=r"always outputs 1.*sigmoid"):
        Dense(1, activation="softmax")


def test_input_takes_an_int_or_a_tuple():
    assert Input(3).shape == (3,) and Input((8, 8)).shape == (8, 8)
    with pytest.raises(TypeError, match=r"`shape` must be a tuple of positive whole numbers"):
        Input("3")
    with pytest.raises(ValueError, match=r"`shape` must be a tuple of positive whole numbers .*, but got \(0,\)\. "
                                         r"Every entry must be at least 1\."):
        Input((0,))


def test_layer_weights_are_float64_on_request():
    layer = Dense(2, dtype="float64")
    layer.build((3,))
    assert layer.kernel.dtype == layer.bias.dtype == np.float64
    model = nnlab.Sequential([Input((3,)), Dense(2, dtype="float64")])
    assert model.predict(np.ones((1, 3))).dtype == np.float64


def test_float64_input_before_float32_layers_computes_in_float32_like_keras_and_says_so(keras):
    """Keras 3: a float64 Input does not change the layers' dtype policy (float32): x is cast, outputs are float32."""
    theirs = keras.Sequential([keras.Input((2,), dtype="float64"), keras.layers.Dense(3)])
    with pytest.warns(UserWarning, match=r"Input\(dtype='float64'\).*float32.*dtype='float64'"):
        ours = nnlab.Sequential([Input((2,), dtype="float64"), Dense(3)])
    x = np.ones((1, 2), np.float64)
    assert ours.layers[0].dtype == theirs.layers[0].dtype_policy.compute_dtype == "float32"
    assert [w.dtype for w in ours.get_weights()] == [np.dtype(w.dtype) for w in theirs.weights]
    assert ours.predict(x).dtype == theirs.predict(x, verbose=0).dtype == np.float32


def test_float64_input_before_float64_layers_is_float64_like_keras(keras):
    theirs = keras.Sequential([keras.Input((2,), dtype="float64"), keras.layers.Dense(3, dtype="float64")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = nnlab.Sequential([Input((2,), dtype="float64"), Dense(3, dtype="float64")])
    x = np.ones((1, 2), np.float64)
    assert ours.predict(x).dtype == theirs.predict(x, verbose=0).dtype == np.float64
