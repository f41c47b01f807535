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
