"""to_keras / from_keras / make_twins / compare: the two twins carry the same network, and the report says so."""

import re

import numpy as np
import pytest

import nnlab
from nnlab import initializers
from nnlab.twin import fastfit
from nnlab.twin.compare import keras_gradients
from parity import LOSSES, OPTIMIZERS, make_case, make_data


def says(*parts):
    """A pattern matching each part literally, in order, with anything between them."""
    return ".*".join(re.escape(part) for part in parts)


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: f"{o[0]}{sorted(o[1])}")
@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: f"{l[0]}-logits{l[1]}")
def test_round_trip_keeps_architecture_weights_and_compile(optimizer, loss, keras, rng):
    model, keras_model, x, y = make_case(rng, optimizer, loss, "tanh", "he_uniform")
    back = nnlab.from_keras(keras_model)
    assert repr(back) == repr(model)
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert back.optimizer.get_config() == pytest.approx(model.optimizer.get_config())
    assert back.loss.get_config() == model.loss.get_config()
    assert back.metric_names == ["accuracy"]
    assert [type(l.kernel_initializer) for l in back.layers] == [type(l.kernel_initializer) for l in model.layers]
    np.testing.assert_allclose(back.predict(x), keras_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_to_keras_gives_the_keras_twin_of_each_setting(keras):
    model = nnlab.Sequential([nnlab.Input((8, 8)), nnlab.Flatten(), nnlab.Dense(5, "leaky_relu", use_bias=False),
                              nnlab.Dense(3, "softmax", kernel_initializer=initializers.RandomNormal(stddev=0.3))])
    model.compile(nnlab.optimizers.SGD(0.3, momentum=0.5, nesterov=True),
                  nnlab.losses.SparseCategoricalCrossentropy(), ["accuracy"])
    twin = nnlab.to_keras(model)
    flatten, hidden, output = twin.layers
    assert isinstance(flatten, keras.layers.Flatten)
    assert hidden.activation.__name__ == "leaky_relu" and not hidden.use_bias
    assert output.kernel_initializer.get_config()["stddev"] == 0.3
    assert type(twin.optimizer).__name__ == "SGD" and twin.optimizer.nesterov
    assert float(twin.optimizer.learning_rate) == pytest.approx(0.3) and twin.optimizer.momentum == 0.5
    assert type(twin.loss).__name__ == "SparseCategoricalCrossentropy"


def test_make_twins_starts_both_from_the_same_weights(keras, rng):
    model, twin = nnlab.make_twins([nnlab.Input((3,)), nnlab.Dense(4, "relu"), nnlab.Dense(1, "sigmoid")],
                                   "adam", "binary_crossentropy", seed=3)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    again, _ = nnlab.make_twins([nnlab.Input((3,)), nnlab.Dense(4, "relu"), nnlab.Dense(1, "sigmoid")], seed=3)
    np.testing.assert_array_equal(again.get_weights()[0], model.get_weights()[0])


def test_compare_reports_agreement_in_words(keras, rng):
    model, twin, x, y = make_case(rng, OPTIMIZERS[0], LOSSES[0], "sigmoid", "glorot_uniform")
    report = nnlab.compare(model, twin, x, y)
    assert report.agree() and max(report.predictions, report.weights, report.loss, report.gradients) < 1e-5
    assert str(report) == "The twins agree to within 1e-4 (predictions, weights, loss, gradients)."


def test_compare_catches_a_changed_weight(keras, rng):
    model, twin, x, y = make_case(rng, OPTIMIZERS[0], LOSSES[0], "relu", "glorot_uniform")
    weights = model.get_weights()
    weights[-1] = weights[-1] + 0.01
    model.set_weights(weights)
    report = nnlab.compare(model, twin, x, y)
    assert not report.agree() and report.weights == pytest.approx(0.01, rel=1e-3)
    assert str(report).startswith("The twins differ by more than 1e-4: ") and "weights by 0.01," in str(report)


def test_compare_histories_reports_the_largest_difference_per_key():
    diffs = nnlab.compare_histories({"loss": [1.0, 0.5]}, {"loss": [1.0, 0.25]})
    assert diffs == {"loss": 0.25}
    with pytest.raises(ValueError, match=r"`history_b` must be the same keys as history_a"):
        nnlab.compare_histories({"loss": [1.0]}, {"accuracy": [1.0]})


def test_to_keras_refuses_what_has_no_twin(keras):
    with pytest.raises(ValueError, match=r"`model` must be built .*nnlab.Input"):
        nnlab.to_keras(nnlab.Sequential([nnlab.Dense(1)]))
    keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=says("`keras_model.layers[0]` must be a Dense or Flatten layer (nnlab mirrors "
                                              "only these), but got a Dropout layer named 'dropout")):
        nnlab.from_keras(keras_model)


def _one_dense(keras, layer, *more):
    return keras.Sequential([keras.Input((3,)), layer, *more])


def test_from_keras_takes_a_leaky_relu_layer_with_nnlab_slope(keras, rng):
    keras_model = _one_dense(keras, keras.layers.Dense(4, activation=keras.layers.LeakyReLU(negative_slope=0.2)))
    model = nnlab.from_keras(keras_model)
    assert model.layers[0].activation is nnlab.activations.leaky_relu
    x = rng.standard_normal((6, 3)).astype(np.float32)
    assert nnlab.compare(model, keras_model, x).agree()


def test_from_keras_takes_relu_and_activation_objects(keras):
    keras_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation=keras.layers.ReLU()),
                                    keras.layers.Dense(2, activation=keras.layers.Activation("softmax"))])
    assert [l.activation.__name__ for l in nnlab.from_keras(keras_model).layers] == ["relu", "softmax"]


def test_from_keras_names_the_layer_whose_leaky_relu_slope_nnlab_lacks(keras):
    keras_model = _one_dense(keras, keras.layers.Dense(4, activation=keras.layers.LeakyReLU(0.1), name="hidden"))
    with pytest.raises(ValueError, match=says("`keras_model.layers[0]` must be a Dense layer with an activation nnlab "
                                              "has", "but got Dense layer 'hidden' with activation LeakyReLU("
                                              "negative_slope=0.1).", "slope 0.2", "negative_slope=0.2")):
        nnlab.from_keras(keras_model)


def _custom(z):
    return 2 * z


@pytest.mark.parametrize("activation, shown, hint", [
    (_custom, "activation _custom", "custom functions"),
    (lambda z: z, "activation <lambda>", "custom functions"),
    ("hard_sigmoid", "activation hard_sigmoid", "nnlab has only these"),
    (None, "", ""),  # placeholder replaced below: a layer object nnlab lacks
])
def test_from_keras_names_the_layer_whose_activation_nnlab_lacks(keras, activation, shown, hint):
    if activation is None:
        activation, shown, hint = keras.layers.PReLU(), "activation PReLU", "nnlab has only these"
    keras_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
                                    keras.layers.Dense(4, activation=activation, name="out")])
    with pytest.raises(ValueError, match=says("`keras_model.layers[1]` must be a Dense layer with an activation "
                                              "nnlab has", "'leaky_relu'", f"but got Dense layer 'out' with {shown}.",
                                              hint)):
        nnlab.from_keras(keras_model)


@pytest.mark.parametrize("make_layer, got, hint", [
    (lambda k: k.layers.Activation("relu", name="act"), "an Activation layer named 'act'",
     "Dense(units, activation=...)"),
    (lambda k: k.layers.LeakyReLU(name="lr"), "a LeakyReLU layer named 'lr'", "Dense(units, activation=...)"),
    (lambda k: k.layers.Dropout(0.5, name="drop"), "a Dropout layer named 'drop'", "nnlab has no Dropout"),
    (lambda k: k.layers.BatchNormalization(name="bn"), "a BatchNormalization layer named 'bn'",
     "nnlab has no BatchNormalization"),
])
def test_from_keras_names_a_layer_nnlab_lacks_by_index_and_name(keras, make_layer, got, hint):
    keras_model = _one_dense(keras, keras.layers.Dense(4), make_layer(keras))
    with pytest.raises(ValueError, match=says("`keras_model.layers[1]` must be a Dense or Flatten layer", got, hint)):
        nnlab.from_keras(keras_model)


def test_from_keras_refuses_dense_options_nnlab_lacks(keras):
    keras_model = _one_dense(keras, keras.layers.Dense(4, kernel_regularizer="l2", name="d"))
    with pytest.raises(ValueError, match=says("`keras_model.layers[0]` must be a Dense layer without regularizers "
                                              "or constraints", "Dense layer 'd' with kernel_regularizer")):
        nnlab.from_keras(keras_model)
    keras_model = _one_dense(keras, keras.layers.Dense(4, dtype="mixed_float16", name="d"))
    with pytest.raises(ValueError, match=says("`keras_model.layers[0]` must be a Dense layer computing in float32 "
                                              "or float64", "Dense layer 'd' with dtype policy mixed_float16")):
        nnlab.from_keras(keras_model)


def _compiled(keras, optimizer="sgd", loss="mse"):
    keras_model = _one_dense(keras, keras.layers.Dense(1))
    keras_model.compile(optimizer=optimizer, loss=loss)
    return keras_model


def test_from_keras_names_the_optimizer_with_a_learning_rate_schedule(keras):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.9)
    with pytest.raises(ValueError, match=says("`keras_model.optimizer` must be an optimizer with a constant "
                                              "learning_rate (nnlab has no learning-rate schedules), but got SGD "
                                              "with learning_rate=ExponentialDecay(...).", "learning_rate=0.01")):
        nnlab.from_keras(_compiled(keras, keras.optimizers.SGD(schedule)))


@pytest.mark.parametrize("make_optimizer, got", [
    (lambda k: k.optimizers.AdamW(), "a Keras AdamW"),
    (lambda k: k.optimizers.Adam(amsgrad=True), "Adam with amsgrad=True"),
    (lambda k: k.optimizers.SGD(0.1, clipnorm=1.0), "SGD with clipnorm=1.0"),
])
def test_from_keras_names_optimizer_settings_nnlab_lacks(keras, make_optimizer, got):
    with pytest.raises(ValueError, match=says("`keras_model.optimizer` must be", "['Adam', ", f"but got {got}")):
        nnlab.from_keras(_compiled(keras, make_optimizer(keras)))


@pytest.mark.parametrize("make_loss, got", [
    (lambda k: k.losses.Huber(), "Huber"),
    (lambda k: "huber", "'huber'"),
    (lambda k: k.losses.BinaryCrossentropy(label_smoothing=0.1), "BinaryCrossentropy with label_smoothing=0.1"),
])
def test_from_keras_names_losses_nnlab_lacks(keras, make_loss, got):
    with pytest.raises(ValueError, match=says("`keras_model.loss` must be", "binary_crossentropy", f"but got {got}")):
        nnlab.from_keras(_compiled(keras, loss=make_loss(keras)))


@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: f"{l[0]}-logits{l[1]}")
def test_float64_twins_compute_loss_and_gradients_in_float64(loss, keras, rng):
    loss_name, from_logits, output_activation = loss
    units = 1 if loss_name.startswith(("binary", "mean")) else 3
    layers = [nnlab.Input((4,)), nnlab.Dense(5, "tanh", dtype="float64"),
              nnlab.Dense(units, output_activation, dtype="float64")]
    loss_object = type(nnlab.losses.get(loss_name))(from_logits=True) if from_logits else loss_name
    model, twin = nnlab.make_twins(layers, "sgd", loss_object, seed=int(rng.integers(1000)))
    x, y = make_data(rng, loss_name, 4, units, 30)
    x = x.astype(np.float64) + rng.standard_normal(x.shape) * 1e-3  # not float32-representable
    keras_loss, keras_grads = keras_gradients(twin, x, y)
    loss_value, _, grads = model._loss_and_gradients(*model._check_xy(x, y))
    assert abs(loss_value - keras_loss) < 1e-12
    for ours, theirs in zip(grads, keras_grads):
        assert theirs.dtype == np.float64
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


def test_float64_twin_keeps_keras_floatx(keras):
    nnlab.make_twins([nnlab.Input((2,)), nnlab.Dense(1, dtype="float64")], "sgd", "mse")
    assert keras.config.floatx() == "float32"


def test_make_twins_refuses_an_optimizer_or_metrics_without_a_loss(keras):
    layers = [nnlab.Input((2,)), nnlab.Dense(1)]
    with pytest.raises(ValueError, match=says("`loss` must be given with an optimizer", "but got None",
                                              "make_twins(layers, 'adam', 'mse')")):
        nnlab.make_twins(layers, "adam")
    with pytest.raises(ValueError, match=says("`loss` must be given with metrics", "but got None")):
        nnlab.make_twins(layers, metrics=["accuracy"])


def test_make_twins_names_a_bad_optimizer(keras):
    with pytest.raises(ValueError, match=says("`optimizer` must be one of ['adam', 'rmsprop', 'sgd'], but got 'sgdd'",
                                              "Did you mean 'sgd'?")):
        nnlab.make_twins([nnlab.Input((2,)), nnlab.Dense(1)], "sgdd", "mse")


def test_to_fast_keras_and_fast_fit_name_bad_arguments(keras):
    model = nnlab.Sequential([nnlab.Input((2,)), nnlab.Dense(1)])
    with pytest.raises(TypeError, match=says("`model` must be an nnlab.Sequential, but got 'model'.")):
        fastfit.to_fast_keras("model")
    with pytest.raises(RuntimeError, match=says("`model` must be compiled")):
        fastfit.to_fast_keras(model)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=says("`steps_per_execution` must be at least 1, but got 0.")):
        fastfit.to_fast_keras(model, steps_per_execution=0)
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    with pytest.raises(TypeError, match=says("`keras_model` must be a Keras twin made by to_fast_keras(model)",
                                             "a Sequential")):
        fastfit.fast_fit(nnlab.to_keras(model), x, y, 2)
    twin = fastfit.to_fast_keras(model)
    with pytest.raises(ValueError, match=says("`y` must be one target per sample: 4 (len(x)), but got 3 targets.")):
        fastfit.fast_fit(twin, x, y[:3], 2)
    with pytest.raises(TypeError, match=says("`learning_rate` must be a number, but got 'fast'.")):
        fastfit.fast_fit(twin, x, y, 2, learning_rate="fast")
    with pytest.raises(ValueError, match=says("`initial_weights` must be", "2 weight arrays")):
        fastfit.fast_fit(twin, x, y, 2, initial_weights=[np.ones((2, 1))])


def test_a_refused_from_keras_leaves_the_random_state_alone(keras):
    keras_model = _compiled(keras, optimizer="sgd", loss=keras.losses.Huber())
    nnlab.utils.set_random_seed(7)
    state = nnlab.utils.global_rng().bit_generator.state
    with pytest.raises(ValueError, match=says("`keras_model.loss` must be")):
        nnlab.from_keras(keras_model)
    assert nnlab.utils.global_rng().bit_generator.state == state


def test_from_keras_names_metrics_nnlab_lacks(keras):
    keras_model = _one_dense(keras, keras.layers.Dense(1))
    keras_model.compile("sgd", "mse", metrics=["accuracy", "mae"])
    with pytest.raises(ValueError, match=says("`keras_model.metrics` must be metric names nnlab has (['acc', ",
                                              "but got ['mae'].")):
        nnlab.from_keras(keras_model)
