"""nnlab.losses against keras.losses: values and gradients on random cases, the clipped and the fused paths."""

import numpy as np
import pytest

from nnlab import activations, losses

CROSSENTROPIES = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy"]
ALL = CROSSENTROPIES + ["mean_squared_error", "mean_absolute_error"]
KERAS_CLASS = {name: cls.__name__ for name, cls in losses.ALL.items()}


def random_case(rng, name, from_logits):
    """Random targets and predictions for `name`; probabilities include values clipped at 1e-7 and 1 - 1e-7."""
    batch, units = int(rng.integers(1, 30)), int(rng.integers(2, 6))
    if name == "binary_crossentropy" and rng.random() < 0.5:
        units = 1
    z = (rng.standard_normal((batch, units)) * rng.choice([0.5, 3, 20])).astype(np.float32)
    if from_logits or name in ("mean_squared_error", "mean_absolute_error"):
        y_hat = z
    elif name == "binary_crossentropy":
        y_hat = np.clip(activations.sigmoid(z), 0, 1)
    else:
        y_hat = activations.softmax(z)
    if name == "sparse_categorical_crossentropy":
        y = rng.integers(0, units, batch)
    elif name == "categorical_crossentropy":
        y = np.eye(units, dtype=np.float32)[rng.integers(0, units, batch)]
    elif name == "binary_crossentropy":
        y = rng.choice([0.0, 1.0, 0.3], size=(batch, units)).astype(np.float32)  # soft labels are allowed
    else:
        y = rng.standard_normal((batch, units)).astype(np.float32)
    return y, y_hat


def keras_value_and_gradient(keras, tf, name, from_logits, y, y_hat):
    kwargs = {"from_logits": from_logits} if name in CROSSENTROPIES else {}
    loss_fn = getattr(keras.losses, KERAS_CLASS[name])(**kwargs)
    y_hat_tf = tf.Variable(y_hat)
    with tf.GradientTape() as tape:
        value = loss_fn(y, tf.identity(y_hat_tf))  # identity: a plain tensor, so Keras cannot see logits behind it
    return float(value), tape.gradient(value, y_hat_tf).numpy()


@pytest.mark.parametrize("name, from_logits", [(n, False) for n in ALL] + [(n, True) for n in CROSSENTROPIES])
def test_value_and_gradient_match_keras(name, from_logits, rng, keras, tf):
    loss = losses.get(name) if not from_logits else type(losses.get(name))(from_logits=True)
    for _ in range(20):
        y, y_hat = random_case(rng, name, from_logits)
        expected_value, expected_gradient = keras_value_and_gradient(keras, tf, name, from_logits, y, y_hat)
        assert loss(y, y_hat) == pytest.approx(expected_value, rel=1e-5, abs=1e-6)
        np.testing.assert_allclose(loss.gradient(y, y_hat), expected_gradient, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", CROSSENTROPIES)
@pytest.mark.parametrize("activation", ["sigmoid", "softmax"])
def test_fused_path_matches_keras_on_activation_outputs(name, activation, rng, keras, tf):
    """Keras computes cross-entropy from the logits behind a sigmoid/softmax output; so does uses_logits."""
    loss = losses.get(name)
    assert loss.uses_logits(activations.get(activation))
    for _ in range(20):
        y, z = random_case(rng, name, from_logits=True)
        z = z * 5  # saturated outputs: where the clipped and the fused paths really differ
        z_tf = tf.Variable(z)
        with tf.GradientTape() as tape:
            value = getattr(keras.losses, KERAS_CLASS[name])()(y, keras.activations.get(activation)(z_tf))
        assert loss(y, z, logits=True) == pytest.approx(float(value), rel=1e-5, abs=1e-6)
        np.testing.assert_allclose(loss.gradient(y, z, logits=True), tape.gradient(value, z_tf).numpy(),
                                   rtol=1e-4, atol=1e-6)


def test_fused_and_clipped_paths_really_differ_when_saturated():
    """Without the fused path, a confident wrong answer would cost only -log(1 - clip(1)), about 16."""
    y, z = np.float32([[0.0]]), np.float32([[40.0]])
    loss = losses.BinaryCrossentropy()
    assert loss(y, z, logits=True) == pytest.approx(40.0, rel=1e-6)
    assert loss(y, activations.sigmoid(z)) == pytest.approx(-np.log(1 - np.float32(1 - 1e-7)), rel=1e-6)


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error"])
def test_regression_losses_use_no_activation_shortcut(name):
    assert not losses.get(name).uses_logits(activations.sigmoid)


def test_mse_has_no_one_half():
    assert losses.MeanSquaredError()(np.float32([[0.0]]), np.float32([[2.0]])) == pytest.approx(4.0)


@pytest.mark.parametrize("alias, cls", [("mse", losses.MeanSquaredError), ("MAE", losses.MeanAbsoluteError),
                                        ("BinaryCrossentropy", losses.BinaryCrossentropy),
                                        (losses.CategoricalCrossentropy, losses.CategoricalCrossentropy)])
def test_get_resolves_aliases_and_classes(alias, cls):
    assert type(losses.get(alias)) is cls


def test_get_suggests_the_closest_name():
    with pytest.raises(ValueError, match=r"`loss` must be one of .*, but got 'binary_crossentropi'\. "
                                         r"Did you mean 'binary_crossentropy'\?"):
        losses.get("binary_crossentropi")


def test_check_targets_teaches_which_loss_fits_class_labels():
    labels = np.float32([0, 1, 2, 1])
    with pytest.raises(ValueError, match=r"`y` must be an array of shape \(n_samples, 3\).*sparse_categorical"):
        losses.CategoricalCrossentropy().check_targets(labels, 3)
    with pytest.raises(ValueError, match=r"`y` must be targets in \[0, 1\] for binary_crossentropy, but got "
                                         r"values from 0 to 2\."):
        losses.BinaryCrossentropy().check_targets(labels, 1)
    with pytest.raises(ValueError, match=r"whole-number labels from 0 to 1 .*2 units\), but got labels from 0 to 2\."):
        losses.SparseCategoricalCrossentropy().check_targets(labels, 2)
    assert losses.SparseCategoricalCrossentropy().check_targets(labels[:, None], 3).tolist() == [0, 1, 2, 1]


# The fused path through a whole model (Sequential._loss_input): saturated outputs, where clipping at 1e-7 and
# the logits route differ by orders of magnitude, against the Keras twin's evaluate and tf.GradientTape.
SATURATED = {  # loss: (output activation, logits z (batch, units), targets): confident right and wrong answers
    "binary_crossentropy": ("sigmoid", [[30.0], [-30.0], [100.0], [-100.0], [30.0], [-100.0], [2.0], [-0.5]],
                            [[0.0], [1.0], [0.0], [1.0], [1.0], [0.0], [1.0], [0.0]]),
    "categorical_crossentropy": ("softmax", [[100.0, -100.0, 0.0], [30.0, 0.0, -30.0], [-100.0, 100.0, 50.0],
                                             [0.0, 30.0, -30.0], [2.0, -1.0, 0.5], [-30.0, -30.0, 30.0]],
                                 np.eye(3)[[1, 2, 2, 1, 0, 0]].tolist()),
    "sparse_categorical_crossentropy": ("softmax", [[100.0, -100.0, 0.0], [30.0, 0.0, -30.0],
                                                    [-100.0, 100.0, 50.0], [0.0, 30.0, -30.0], [2.0, -1.0, 0.5],
                                                    [-30.0, -30.0, 30.0]], [1, 2, 2, 1, 0, 0]),
}


def saturated_twins(name, rng):
    """An nnlab model whose output layer sees (almost exactly) the logits of SATURATED[name], and its Keras twin.

    Input features: the logits themselves and one random column; kernel = identity plus a small random row.
    """
    import nnlab

    activation, z, y = SATURATED[name]
    z = np.float32(z)
    units = z.shape[1]
    x = np.hstack([z, rng.standard_normal((len(z), 1))]).astype(np.float32)
    model, keras_model = nnlab.make_twins([nnlab.Input((units + 1,)), nnlab.Dense(units, activation)], "sgd", name)
    kernel = np.vstack([np.eye(units), rng.standard_normal((1, units)) * 0.1]).astype(np.float32)
    bias = (rng.standard_normal(units) * 0.1).astype(np.float32)
    model.set_weights([kernel, bias])
    keras_model.set_weights([kernel, bias])
    return model, keras_model, x, np.asarray(y, dtype=np.int64 if name.startswith("sparse") else np.float32)


@pytest.mark.parametrize("name", CROSSENTROPIES)
def test_fused_path_through_the_model_matches_keras_when_saturated(name, rng, keras):
    """model.evaluate and model.gradients against the Keras twin; the clipped path would give about 16 per
    confident wrong answer (-log 1e-7) instead of |z|, and zero gradients where the clip is hit."""
    from nnlab.twin.compare import keras_gradients

    model, keras_model, x, y = saturated_twins(name, rng)
    keras_value = keras_model.evaluate(x, y, verbose=0)
    keras_loss, keras_grads = keras_gradients(keras_model, x, y)
    assert keras_loss == pytest.approx(keras_value, rel=1e-6)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(keras_value, rel=1e-5)
    for ours, theirs in zip(model.gradients(x, y), keras_grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5 * np.max(np.abs(theirs)))


def test_fused_binary_crossentropy_through_the_model_by_hand():
    """Four confident wrong answers, z = +-30 and +-100: the loss is mean(|z| + log(1 + exp(-|z|))) = 65,
    where clipping the sigmoid's output would give -log(1e-7) = 16.1 and no gradient at all."""
    import nnlab

    model = nnlab.Sequential([nnlab.Input((1,)), nnlab.Dense(1, "sigmoid", kernel_initializer="ones")])
    model.compile("sgd", "binary_crossentropy")
    x, y = np.float32([[30.0], [-30.0], [100.0], [-100.0]]), np.float32([[0.0], [1.0], [0.0], [1.0]])
    expected = np.mean([30 + np.log1p(np.exp(-30.0)), 30 + np.log1p(np.exp(-30.0)), 100.0, 100.0])
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-6)
    # dL/dz = (sigmoid(z) - y) / batch = +-1/4 (to 1e-13); dL/dkernel = mean(x * (sigmoid(z) - y)) = 65
    dL_dkernel, dL_dbias = model.gradients(x, y)
    assert dL_dkernel[0, 0] == pytest.approx(65.0, rel=1e-6) and dL_dbias[0] == pytest.approx(0.0, abs=1e-6)
