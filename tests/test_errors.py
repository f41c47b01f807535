"""Tests for nnlab's error messages: bad input gets a clear error, and a failed call changes nothing.

Every public entry point checks its arguments and raises ValueError or TypeError (RuntimeError for fit,
evaluate and gradients before compile). The message names the argument, says what was expected and
what came ("`x` must be EXPECTED, but got GOT. HINT", nnlab/_checks.py). Each `match=` below checks the
argument's name AND the expected and received values, in that order, so a vague message fails the test.
Tests marked xfail(strict=True) show bugs that are still open; they start passing (and so failing
as xfail) when the bug is fixed, and then the mark comes off.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import copy
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab.callbacks import Callback, EarlyStopping
from nnlab.optimizers import SGD, Adam, RMSprop
from nnlab.utils import global_rng

FEW = settings(max_examples=25, deadline=None)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 4)).astype("float32")  # (12 samples, 4 features)
LABELS = np.arange(12) % 3  # (12,) class labels 0, 1, 2
Y = np.eye(3, dtype="float32")[LABELS]  # (12, 3) one-hot targets


def says(*parts):
    """A regex that finds each of `parts` literally, in this order, anywhere in the message (even across lines)."""
    return "(?s)" + ".*".join(re.escape(part) for part in parts)


def classifier(with_input=True, loss="categorical_crossentropy", optimizer="adam", metrics=("accuracy",)):
    """4 features -> 5 relu units -> 3 softmax units, compiled unless loss is None."""
    layers = [nnlab.Input(shape=(4,))] if with_input else []
    model = nnlab.Sequential(layers + [nnlab.Dense(5, activation="relu"), nnlab.Dense(3, activation="softmax")])
    if loss is not None:
        model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


@pytest.fixture
def model():
    """A compiled, built classifier that has not been trained."""
    return classifier()


@pytest.fixture
def trained():
    """A classifier trained for 2 epochs, so its Adam optimizer has moments and a step count."""
    model = classifier()
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0)
    assert model.optimizer.iterations == 6 and model.optimizer.slots is not None
    return model


# ---------------------------------------------------------------- layers, Input and Sequential.add


@pytest.mark.parametrize("units, error, expected, got", [
    (0, ValueError, "at least 1", "0"),
    (-3, ValueError, "at least 1", "-3"),
    (1.5, TypeError, "a whole number", "1.5"),
    (True, TypeError, "a whole number", "True"),
    ("3", TypeError, "a whole number", "'3'"),
    (None, TypeError, "a whole number", "None"),
])
def test_dense_units_must_be_a_positive_whole_number(units, error, expected, got):
    with pytest.raises(error, match=says("`units` must be ", expected, f"but got {got}.")):
        nnlab.Dense(units)


@FEW
@given(units=st.integers(max_value=0))
def test_any_non_positive_units_is_refused_with_its_value(units):
    with pytest.raises(ValueError, match=says("`units` must be at least 1", f"but got {units}.")):
        nnlab.Dense(units)


@pytest.mark.parametrize("kwargs, error, argument, got", [
    ({"use_bias": "yes"}, TypeError, "use_bias", "'yes'"),
    ({"activation": 5}, TypeError, "activation", "5"),
    ({"activation": np.tanh}, TypeError, "activation", "<ufunc 'tanh'>"),
    ({"kernel_initializer": 5}, TypeError, "kernel_initializer", "5"),
    ({"dtype": "float16"}, ValueError, "dtype", "'float16'"),
])
def test_dense_refuses_bad_settings(kwargs, error, argument, got):
    with pytest.raises(error, match=says(f"`{argument}` must be ", f"but got {got}")):
        nnlab.Dense(3, **kwargs)


def test_a_custom_activation_function_is_refused_with_the_reason():
    with pytest.raises(TypeError, match=says("`activation`", "'relu'", "None", "derivative")):
        nnlab.Dense(3, activation=lambda z: z)


SHAPE_EXPECTED = "a tuple of positive whole numbers such as (2,) (the features of ONE sample)"


@pytest.mark.parametrize("shape, error, got, hint", [
    (0, ValueError, "(0,)", "Every entry must be at least 1."),
    (-2, ValueError, "(-2,)", "Every entry must be at least 1."),
    ((3, 0), ValueError, "(3, 0)", "Every entry must be at least 1."),
    ([4, -1], ValueError, "(4, -1)", "Every entry must be at least 1."),
    ((2.5,), TypeError, "(2.5,)", ""),
    ((True,), TypeError, "(True,)", ""),
    ((3, "4"), TypeError, "(3, '4')", ""),
    ((), TypeError, "()", ""),
    ("3", TypeError, "'3'", ""),
    (None, TypeError, "None", ""),
])
def test_input_shape_must_be_positive_whole_numbers(shape, error, got, hint):
    with pytest.raises(error, match=says(f"`shape` must be {SHAPE_EXPECTED}, but got {got}.", hint)):
        nnlab.Input(shape=shape)


def test_input_dtype_is_checked():
    with pytest.raises(ValueError, match=says("`dtype` must be one of ['float32', 'float64']", "'int8'")):
        nnlab.Input(shape=(2,), dtype="int8")


@pytest.mark.parametrize("layers", [
    [nnlab.Dense(2), nnlab.Input(shape=(3,))],
    [nnlab.Input(shape=(3,)), nnlab.Input(shape=(3,))],
    [nnlab.Input(shape=(3,)), nnlab.Dense(2), nnlab.Input(shape=(2,))],
], ids=["after-dense", "twice", "in-the-middle"])
def test_an_input_may_only_come_first(layers):
    with pytest.raises(ValueError, match=says("`layer` must be a Dense or Flatten layer",
                                              "an Input may only be the first layer", "Input(shape=(")):
        nnlab.Sequential(layers)


def test_add_input_to_a_model_with_layers_is_refused_and_changes_nothing():
    model = nnlab.Sequential([nnlab.Dense(3)])
    with pytest.raises(ValueError, match=says("`layer`", "Input may only be the first layer", "Input(shape=(5,))")):
        model.add(nnlab.Input(shape=(5,)))
    assert model.input_shape is None and len(model.layers) == 1


class KerasLikeDense:
    """A stand-in for keras.layers.Dense (this file keeps Keras out): an object that is not an nnlab layer."""

    units = 3

    def __repr__(self):
        return "<Dense name=dense, built=False>"


@pytest.mark.parametrize("layer, got", [
    ("dense", "'dense'"),
    (KerasLikeDense(), "<Dense name=dense, built=False>"),
    (3, "3"),
    (None, "None"),
])
def test_adding_a_non_layer_names_it_and_points_to_keras(layer, got):
    model = nnlab.Sequential([nnlab.Input(shape=(3,)), nnlab.Dense(2)])
    with pytest.raises(TypeError, match=says("`layer` must be an nnlab layer: Input, Dense or Flatten",
                                             f"but got {got}.", "keras.Sequential")):
        model.add(layer)
    assert len(model.layers) == 1


@pytest.mark.parametrize("shape", [(4, 4), (8, 8), (2, 3, 5)])
def test_dense_after_a_multi_dimensional_input_asks_for_flatten(shape):
    with pytest.raises(ValueError, match=says("A Dense layer takes samples that are vectors, shape (n_features,), "
                                              f"but this one gets samples of shape {shape}.",
                                              "Put a Flatten() layer first")):
        nnlab.Sequential([nnlab.Input(shape=shape), nnlab.Dense(3)])


def test_dense_after_flatten_builds_for_the_flattened_size():
    model = nnlab.Sequential([nnlab.Input(shape=(8, 8)), nnlab.Flatten(), nnlab.Dense(3)])
    assert model.built and model.get_weights()[0].shape == (64, 3)


def test_mixing_dtypes_is_refused():
    with pytest.raises(ValueError, match=says("`layer` must be of the same dtype as the other layers (float32), "
                                              "but got a float64 Dense layer.",
                                              "Pass dtype='float32' to every Dense layer.")):
        nnlab.Sequential([nnlab.Input(shape=(4,)), nnlab.Dense(3), nnlab.Dense(2, dtype="float64")])


@pytest.mark.parametrize("make_layer, pattern", [
    (lambda: nnlab.Dense(2, dtype="float64"), says("`layer` must be of the same dtype", "float64 Dense layer")),
    (lambda: _built_dense(3, 2), says("`layer` must be a layer that takes 5 features here")),
], ids=["dtype", "built-kernel"])
def test_a_refused_layer_gets_no_name_and_the_model_is_unchanged(make_layer, pattern):
    model = nnlab.Sequential([nnlab.Input(shape=(5,)), nnlab.Dense(4, dtype="float32")])
    model.add(nnlab.Dense(5))
    names, layer = [l.name for l in model.layers], make_layer()
    with pytest.raises(ValueError, match=pattern):
        model.add(layer)
    assert layer.name is None  # the automatic name comes only after every check has passed
    assert [l.name for l in model.layers] == names == ["dense", "dense_1"]


def _built_dense(n_in, units):
    """A Dense layer built on its own for n_in features, never added to a model (so it has no name yet)."""
    dense = nnlab.Dense(units, kernel_initializer="zeros")  # draws nothing from the global RNG
    dense.build((n_in,))
    return dense


def test_a_model_without_layers_says_add_one():
    model = nnlab.Sequential()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=says("`layers` must be at least one layer", "but got [].", "model.add(")):
        model.fit(X, Y, verbose=0)


# ---------------------------------------------------------------- names: list the valid ones, suggest the closest


NAME_CASES = [  # (argument, call with the misspelt name, the misspelling, the suggestion, other valid names)
    ("activation", lambda m: nnlab.Dense(3, activation="rleu"), "rleu", "relu", ["sigmoid", "softmax", "tanh"]),
    ("kernel_initializer", lambda m: nnlab.Dense(3, kernel_initializer="glorot_unifrom"), "glorot_unifrom",
     "glorot_uniform", ["he_normal", "zeros"]),
    ("bias_initializer", lambda m: nnlab.Dense(3, bias_initializer="zerso"), "zerso", "zeros", ["ones"]),
    ("loss", lambda m: m.compile(optimizer="sgd", loss="binary_crossentropi"), "binary_crossentropi",
     "binary_crossentropy", ["mean_squared_error", "sparse_categorical_crossentropy"]),
    ("optimizer", lambda m: m.compile(optimizer="adma", loss="mse"), "adma", "adam", ["rmsprop", "sgd"]),
    ("metrics", lambda m: m.compile(optimizer="sgd", loss="mse", metrics=["acuracy"]), "acuracy", "accuracy",
     ["binary_accuracy", "categorical_accuracy"]),
    ("mode", lambda m: EarlyStopping(mode="mni"), "mni", "min", ["auto", "max"]),
]


@pytest.mark.parametrize("argument, call, bad, good, others", NAME_CASES, ids=[c[0] for c in NAME_CASES])
def test_an_unknown_name_lists_the_valid_ones_and_suggests_the_closest(model, argument, call, bad, good, others):
    with pytest.raises(ValueError, match=says(f"`{argument}` must be one of [", f"but got '{bad}'.",
                                              f"Did you mean '{good}'?")) as error:
        call(model)
    listed = str(error.value).split("but got")[0]
    for name in [good, *others]:
        assert f"'{name}'" in listed


@pytest.mark.parametrize("argument, call", [
    ("activation", lambda m: nnlab.Dense(3, activation="qqqq")),
    ("loss", lambda m: m.compile(loss="qqqq")),
    ("optimizer", lambda m: m.compile(optimizer="qqqq", loss="mse")),
])
def test_a_name_with_nothing_close_lists_the_names_without_guessing(model, argument, call):
    with pytest.raises(ValueError, match=says(f"`{argument}` must be one of [", "but got 'qqqq'.")) as error:
        call(model)
    assert "Did you mean" not in str(error.value)


def test_an_unknown_loss_lists_only_keras_names_and_the_short_aliases(model):
    keras_names = ['binary_crossentropy', 'categorical_crossentropy', 'mae', 'mean_absolute_error',
                   'mean_squared_error', 'mse', 'sparse_categorical_crossentropy']
    with pytest.raises(ValueError, match=says(f"`loss` must be one of {keras_names}, but got 'qqqq'.")):
        model.compile(loss="qqqq")


@pytest.mark.parametrize("kwargs, argument, got", [
    ({"loss": 3}, "loss", "3"),
    ({"loss": "mse", "optimizer": 3}, "optimizer", "3"),
    ({"loss": "mse", "metrics": [3]}, "metrics", "3"),
])
def test_a_name_of_the_wrong_type_is_a_type_error(model, kwargs, argument, got):
    with pytest.raises(TypeError, match=says(f"`{argument}` must be ", f"but got {got}.")):
        model.compile(**kwargs)


# ---------------------------------------------------------------- optimizer and loss settings


@pytest.mark.parametrize("make, error, argument, expected, got", [
    (lambda: SGD(learning_rate=0), ValueError, "learning_rate", "a finite number in (0, inf)", "0.0"),
    (lambda: SGD(learning_rate=-0.1), ValueError, "learning_rate", "a finite number in (0, inf)", "-0.1"),
    (lambda: Adam(learning_rate=float("nan")), ValueError, "learning_rate", "a finite number in (0, inf)", "nan"),
    (lambda: RMSprop(learning_rate=float("inf")), ValueError, "learning_rate", "a finite number in (0, inf)", "inf"),
    (lambda: SGD(learning_rate="0.1"), TypeError, "learning_rate", "a number", "'0.1'"),
    (lambda: SGD(learning_rate=True), TypeError, "learning_rate", "a number", "True"),
    (lambda: SGD(momentum=1.5), ValueError, "momentum", "[0, 1]", "1.5"),
    (lambda: SGD(momentum=-0.1), ValueError, "momentum", "[0, 1]", "-0.1"),
    (lambda: SGD(momentum="0.9"), TypeError, "momentum", "a number", "'0.9'"),
    (lambda: SGD(nesterov="yes"), TypeError, "nesterov", "True or False", "'yes'"),
    (lambda: Adam(beta_1=1.0), ValueError, "beta_1", "[0, 1)", "1.0"),
    (lambda: Adam(beta_1=-0.5), ValueError, "beta_1", "[0, 1)", "-0.5"),
    (lambda: Adam(beta_2=1.2), ValueError, "beta_2", "[0, 1)", "1.2"),
    (lambda: Adam(beta_2=float("nan")), ValueError, "beta_2", "a finite number", "nan"),
    (lambda: Adam(epsilon=-1e-7), ValueError, "epsilon", "a finite number in [0, inf)", "-1e-07"),
    (lambda: RMSprop(rho=1.0), ValueError, "rho", "[0, 1)", "1.0"),
    (lambda: RMSprop(rho=-0.1), ValueError, "rho", "[0, 1)", "-0.1"),
    (lambda: RMSprop(momentum=2), ValueError, "momentum", "[0, 1]", "2.0"),
    (lambda: RMSprop(centered=1), TypeError, "centered", "True or False", "1"),
    (lambda: nnlab.losses.BinaryCrossentropy(from_logits="yes"), TypeError, "from_logits", "True or False", "'yes'"),
])
def test_optimizer_and_loss_settings_are_checked(make, error, argument, expected, got):
    with pytest.raises(error, match=says(f"`{argument}` must be ", expected, f"but got {got}.")):
        make()


@FEW
@given(learning_rate=st.one_of(st.floats(max_value=0, allow_nan=False, allow_infinity=False),
                               st.integers(max_value=0)),
       optimizer=st.sampled_from([SGD, Adam, RMSprop]))
def test_any_learning_rate_at_or_below_zero_is_refused_with_its_value(learning_rate, optimizer):
    with pytest.raises(ValueError, match=says("`learning_rate` must be a finite number in (0, inf), "
                                              f"but got {float(learning_rate)!r}.")):
        optimizer(learning_rate=learning_rate)


# ---------------------------------------------------------------- fit, evaluate, predict and gradients before compile


@pytest.mark.parametrize("method, call", [
    ("fit", lambda m: m.fit(X, Y, verbose=0)),
    ("evaluate", lambda m: m.evaluate(X, Y, verbose=0)),
    ("gradients", lambda m: m.gradients(X, Y)),
    ("gradient_check", lambda m: nnlab.gradient_check(m, X[:2], Y[:2])),
])
def test_training_calls_before_compile_say_compile_first(method, call):
    model = classifier(loss=None)
    with pytest.raises(RuntimeError, match=says(f"`model` must be compiled with a loss before {method}(), "
                                                "but got an uncompiled model.", "model.compile(")):
        call(model)
    assert model.predict(X).shape == (12, 3)  # predict needs no compile, as in Keras


def test_compile_without_a_loss_still_refuses_fit():
    model = classifier(loss=None)
    model.compile(optimizer="sgd")
    with pytest.raises(RuntimeError, match=says("`model` must be compiled with a loss before fit(), "
                                                "but got an uncompiled model.")):
        model.fit(X, Y, verbose=0)


# ---------------------------------------------------------------- x: shape, values, type


ALL_METHODS = {
    "fit": lambda m, x, y: m.fit(x, y, epochs=1, verbose=0),
    "evaluate": lambda m, x, y: m.evaluate(x, y, verbose=0),
    "predict": lambda m, x, y: m.predict(x),
    "gradients": lambda m, x, y: m.gradients(x, y),
}
TARGET_METHODS = {name: call for name, call in ALL_METHODS.items() if name != "predict"}


@pytest.mark.parametrize("method", ALL_METHODS)
def test_wrong_feature_count_shows_both_shapes(model, method):
    with pytest.raises(ValueError, match=says("`x` must be samples of shape (4,)", "(n_samples, 4)",
                                              "but got an array of shape (12, 3)", "Input shape")):
        ALL_METHODS[method](model, X[:, :3], Y)


@FEW
@given(n_in=st.integers(1, 6), hidden=st.lists(st.integers(1, 5), max_size=2), units=st.integers(1, 4),
       n_samples=st.integers(1, 5), n_wrong=st.integers(0, 10), method=st.sampled_from(sorted(ALL_METHODS)))
def test_any_wrong_feature_count_names_x_and_both_shapes(n_in, hidden, units, n_samples, n_wrong, method):
    if n_wrong == n_in:
        n_wrong = n_in + 1
    layers = [nnlab.Dense(h, activation="tanh") for h in hidden] + [nnlab.Dense(units)]
    model = nnlab.Sequential([nnlab.Input(shape=(n_in,)), *layers])
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.zeros((n_samples, n_wrong)), np.zeros((n_samples, units))
    with pytest.raises(ValueError, match=says(f"`x` must be samples of shape ({n_in},)",
                                              f"but got an array of shape ({n_samples}, {n_wrong})")):
        ALL_METHODS[method](model, x, y)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_a_single_sample_without_a_batch_axis_says_how_to_add_one(model, method):
    with pytest.raises(ValueError, match=says("`x` must be a batch of samples", "but got an array of shape (4,)",
                                              "x[None, :]")):
        ALL_METHODS[method](model, X[0], Y[:1])


@pytest.mark.parametrize("method, where", [(m, "x") for m in ALL_METHODS] + [(m, "y") for m in TARGET_METHODS])
def test_nan_and_inf_are_counted(model, method, where):
    x, y = X.copy(), Y.copy()
    bad = x if where == "x" else y
    bad[0, 0], bad[3, 1], bad[5, 2] = np.nan, np.inf, -np.inf
    with pytest.raises(ValueError, match=says(f"`{where}` must be free of NaN and inf",
                                              f"but got an array of shape {bad.shape}",
                                              "It has 3 non-finite value(s)")):
        ALL_METHODS[method](model, x, y)


@FEW
@given(n_samples=st.integers(1, 20), data=st.data())
def test_any_number_of_non_finite_values_is_counted_exactly(n_samples, data):
    model = classifier()
    x = np.zeros((n_samples, 4))
    cells = data.draw(st.sets(st.integers(0, x.size - 1), min_size=1), label="cells")
    values = data.draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), min_size=len(cells),
                                max_size=len(cells)), label="values")
    x.flat[sorted(cells)] = values
    with pytest.raises(ValueError, match=says("`x` must be free of NaN and inf",
                                              f"It has {len(cells)} non-finite value(s)")):
        model.predict(x)


X_HINT = "Convert text or mixed data to numbers first, e.g. np.asarray(x, dtype='float32')."
NOT_NUMBERS = [
    ([["a", "b", "c", "d"]] * 12, "an array of numbers (int, float or bool)", "[['a', 'b', 'c', 'd']", X_HINT),
    ([[1, None, 2, 3]] * 12, "an array of numbers (int, float or bool)", "[[1, None, 2, 3]", X_HINT),
    (None, "an array of numbers (int, float or bool)", "None", X_HINT),
    ([[1, 2, 3, 4], [1]], "an array of numbers", "[[1, 2, 3, 4], [1]]", ""),
    (np.array([[1 + 2j] * 4] * 12), "an array of numbers (int, float or bool)", "dtype complex128", X_HINT),
]


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("x, expected, got, hint", NOT_NUMBERS,
                         ids=["strings", "None-inside", "None", "ragged", "complex"])
def test_x_that_is_not_numbers_is_a_type_error(model, method, x, expected, got, hint):
    with pytest.raises(TypeError, match=says("`x` must be ", expected, "but got ", got, hint)):
        ALL_METHODS[method](model, x, Y)


@pytest.mark.parametrize("method", TARGET_METHODS)
@pytest.mark.parametrize("y, got", [
    (np.array(["cat", "dog", "fish"] * 4), "an array of shape (12,) and dtype <U4"),
    ([None] * 12, "a list ([None, None"),
    (None, "None"),
])
def test_y_that_is_not_numbers_is_a_type_error(model, method, y, got):
    with pytest.raises(TypeError, match=says("`y` must be an array of numbers", f"but got {got}",
                                             "np.asarray(y, dtype='float32')")):
        TARGET_METHODS[method](model, X, y)


# ---------------------------------------------------------------- y: length, shape for the loss, values for the loss


@pytest.mark.parametrize("method", TARGET_METHODS)
def test_wrong_number_of_targets_shows_both_counts(model, method):
    with pytest.raises(ValueError, match=says("`y` must be one target per sample: 12 (len(x)), but got 11 targets.")):
        TARGET_METHODS[method](model, X, Y[:-1])


@pytest.mark.parametrize("method", TARGET_METHODS)
@pytest.mark.parametrize("y", [LABELS, LABELS[:, None]], ids=["labels", "one-column"])
def test_labels_for_a_one_hot_loss_suggest_sparse(model, method, y):
    with pytest.raises(ValueError, match=says("`y` must be an array of shape (n_samples, 3)",
                                              "3 unit(s) for categorical_crossentropy",
                                              f"but got an array of shape {y.shape} and dtype {y.dtype}",
                                              "loss='sparse_categorical_crossentropy'", "one_hot")):
        TARGET_METHODS[method](model, X, y)


@pytest.mark.parametrize("dtype", ["int64", "int32", "float64"])
def test_the_targets_message_describes_the_array_passed_not_its_float32_copy(model, dtype):
    """Integer labels for a one-hot loss: the message says int64, as passed (the model converts y to float32)."""
    with pytest.raises(ValueError, match=says(f"but got an array of shape (12,) and dtype {dtype}.")):
        model.fit(X, LABELS.astype(dtype), verbose=0)
    one_hot = nnlab.datasets.one_hot(LABELS, 3).astype(dtype)
    with pytest.raises(ValueError, match=says(f"but got an array of shape (12, 3) and dtype {dtype}.")):
        classifier(loss="sparse_categorical_crossentropy").fit(X, one_hot, verbose=0)


def test_too_many_target_columns_for_mse_point_at_the_last_layer():
    model = classifier(loss="mse")
    with pytest.raises(ValueError, match=says("`y` must be an array of shape (n_samples, 3)", "mean_squared_error",
                                              "but got an array of shape (12, 4)", "last Dense layer")):
        model.fit(X, np.zeros((12, 4)), verbose=0)


def test_one_hot_targets_for_the_sparse_loss_point_at_categorical():
    model = classifier(loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=says("`y` must be integer class labels of shape (n_samples,)",
                                              "but got an array of shape (12, 3)", "loss='categorical_crossentropy'")):
        model.fit(X, Y, verbose=0)


@pytest.mark.parametrize("method", TARGET_METHODS)
@pytest.mark.parametrize("bad, low, high", [(3, 0, 3), (-1, -1, 2), (7, 0, 7)])
def test_sparse_labels_outside_the_classes_show_the_range(method, bad, low, high):
    model = classifier(loss="sparse_categorical_crossentropy")
    y = LABELS.copy()
    y[4] = bad
    with pytest.raises(ValueError, match=says("`y` must be whole-number labels from 0 to 2 (the output layer has "
                                              f"3 units), but got labels from {low} to {high}.",
                                              "Give the last Dense layer one unit per class.")):
        TARGET_METHODS[method](model, X, y)


@pytest.mark.parametrize("method", TARGET_METHODS)
@pytest.mark.parametrize("fraction", [0.5, 1.5, 1.999])
def test_fractional_sparse_labels_are_refused(method, fraction):
    model = classifier(loss="sparse_categorical_crossentropy")
    y = LABELS.astype(float)
    y[4] = fraction
    with pytest.raises(ValueError, match=says("`y` must be whole-number labels from 0 to 2 (the output layer has "
                                              "3 units), but got 1 label(s) that are not whole numbers, "
                                              f"e.g. {fraction}.")):
        TARGET_METHODS[method](model, X, y)


@pytest.mark.parametrize("bad, count, first", [
    ({4: 0.5}, 1, "0.5"),
    ({2: 1.25, 9: 0.5, 10: 2.75}, 3, "1.25"),
    ({0: 3.5}, 1, "3.5"),  # out of range AND fractional: the fraction is reported
    ({5: -0.5, 6: 7}, 1, "-0.5"),
], ids=["one", "three", "out-of-range", "with-an-out-of-range-whole-number"])
def test_fractional_labels_are_counted_and_the_first_is_shown(bad, count, first):
    model = classifier(loss="sparse_categorical_crossentropy")
    y = LABELS.astype(float)
    for at, value in bad.items():
        y[at] = value
    with pytest.raises(ValueError, match=says("`y` must be whole-number labels from 0 to 2 (the output layer has "
                                              f"3 units), but got {count} label(s) that are not whole numbers, "
                                              f"e.g. {first}.")):
        model.fit(X, y, verbose=0)


@FEW
@given(units=st.integers(2, 6), data=st.data(), method=st.sampled_from(sorted(TARGET_METHODS)))
def test_any_out_of_range_label_names_y_and_the_range(units, data, method):
    model = nnlab.Sequential([nnlab.Input(shape=(3,)), nnlab.Dense(units, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    labels = data.draw(st.lists(st.integers(0, units - 1), min_size=0, max_size=15), label="labels")
    bad = data.draw(st.one_of(st.integers(units, units + 50), st.integers(-50, -1)), label="bad")
    at = data.draw(st.integers(0, len(labels)), label="at")
    y = np.array(labels[:at] + [bad] + labels[at:])
    x = np.zeros((len(y), 3))
    with pytest.raises(ValueError, match=says(f"`y` must be whole-number labels from 0 to {units - 1} "
                                              f"(the output layer has {units} units), "
                                              f"but got labels from {y.min()} to {y.max()}.",
                                              "Give the last Dense layer one unit per class.")):
        TARGET_METHODS[method](model, x, y)


@pytest.mark.parametrize("loss, units, bad, low, high", [
    ("binary_crossentropy", 1, 2.0, 0, 2),
    ("binary_crossentropy", 1, -1.0, -1, 1),
    ("categorical_crossentropy", 3, 1.5, 0, 1.5),
])
def test_crossentropy_targets_outside_0_1_show_the_range(loss, units, bad, low, high):
    model = nnlab.Sequential([nnlab.Input(shape=(4,)), nnlab.Dense(units, activation="sigmoid")])
    model.compile(optimizer="sgd", loss=loss)
    y = (np.arange(12) % 2).astype(float)[:, None].repeat(units, axis=1)
    y[5, 0] = bad
    with pytest.raises(ValueError, match=says("`y` must be targets in [0, 1]", f"for {loss}",
                                              f"values from {low:g} to {high:g}")):
        model.fit(X, y, verbose=0)


@FEW
@given(bad=st.one_of(st.floats(1.001, 1e6), st.floats(-1e6, -0.001)), at=st.integers(0, 11))
def test_any_binary_target_outside_0_1_names_y_and_its_value(bad, at):
    model = nnlab.Sequential([nnlab.Input(shape=(4,)), nnlab.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    y = (np.arange(12) % 2).astype("float32")
    y[at] = bad
    shown = f"{y.min():g} to {y.max():g}"
    with pytest.raises(ValueError, match=says("`y` must be targets in [0, 1] for binary_crossentropy", shown)):
        model.evaluate(X, y, verbose=0)


# ---------------------------------------------------------------- fit's own arguments


@pytest.mark.parametrize("argument", ["epochs", "batch_size"])
@pytest.mark.parametrize("value, error, expected, got", [
    (0, ValueError, "at least 1", "0"),
    (-1, ValueError, "at least 1", "-1"),
    (1.5, TypeError, "a whole number", "1.5"),
    (True, TypeError, "a whole number", "True"),
    ("10", TypeError, "a whole number", "'10'"),
])
def test_epochs_and_batch_size_must_be_positive_whole_numbers(model, argument, value, error, expected, got):
    with pytest.raises(error, match=says(f"`{argument}` must be ", expected, f"but got {got}.")):
        model.fit(X, Y, verbose=0, **{argument: value})


@pytest.mark.parametrize("call", [
    lambda m: m.evaluate(X, Y, batch_size=0, verbose=0),
    lambda m: m.predict(X, batch_size=0),
], ids=["evaluate", "predict"])
def test_evaluate_and_predict_check_batch_size(model, call):
    with pytest.raises(ValueError, match=says("`batch_size` must be at least 1", "but got 0.")):
        call(model)


def test_shuffle_is_checked(model):
    with pytest.raises(TypeError, match=says("`shuffle` must be True or False, but got 'yes'.")):
        model.fit(X, Y, shuffle="yes")


@pytest.mark.parametrize("verbose, got", [(3, "3"), (-1, "-1"), ("1", "'1'"), (True, "True"), (None, "None")])
@pytest.mark.parametrize("call", [
    lambda m, v: m.fit(X, Y, verbose=v),
    lambda m, v: m.evaluate(X, Y, verbose=v),
    lambda m, v: m.predict(X, verbose=v),
], ids=["fit", "evaluate", "predict"])
def test_verbose_is_checked_by_fit_evaluate_and_predict(model, call, verbose, got):
    with pytest.raises(ValueError, match=says(f"`verbose` must be 'auto', 0, 1 or 2, but got {got}.")):
        call(model, verbose)


LEAVES_BOTH = "a fraction that leaves at least one training and one validation sample of the 12"


@pytest.mark.parametrize("split, error, expected, got", [
    (1.0, ValueError, "a finite number in [0, 1)", "1.0"),
    (-0.1, ValueError, "a finite number in [0, 1)", "-0.1"),
    (float("nan"), ValueError, "a finite number in [0, 1)", "nan"),
    (True, TypeError, "a number", "True"),
    ("0.2", TypeError, "a number", "'0.2'"),
    (0.95, ValueError, LEAVES_BOTH, "0.95 (0 training, 12 validation)"),  # no training sample left
    (0.999, ValueError, LEAVES_BOTH, "0.999 (0 training, 12 validation)"),
    (1e-20, ValueError, LEAVES_BOTH, "1e-20 (12 training, 0 validation)"),  # no validation sample
])
def test_validation_split_must_leave_data_on_both_sides(model, split, error, expected, got):
    with pytest.raises(error, match=says("`validation_split` must be ", expected, f"but got {got}.")):
        model.fit(X, Y, validation_split=split, verbose=0)


@pytest.mark.parametrize("data, got", [
    ((X,), "a tuple ((array("),
    (X, "an array of shape (12, 4)"),
    ((X, Y, None), "a tuple ((array("),
    ("x_val", "'x_val'"),
], ids=["one", "array", "three", "string"])
def test_validation_data_must_be_a_pair(model, data, got):
    with pytest.raises(TypeError, match=says("`validation_data` must be a tuple (x_val, y_val)", f"but got {got}")):
        model.fit(X, Y, validation_data=data, verbose=0)


@pytest.mark.parametrize("data, error, pattern", [
    ((np.zeros((3, 2)), Y[:3]), ValueError,
     says("`validation_data[0]` must be samples of shape (4,)", "but got an array of shape (3, 2)")),
    ((X[:3], Y[:2]), ValueError, says("`validation_data[1]` must be one target per sample: 3",
                                      "len(validation_data[0])", "2 targets")),
    ((X[:3], LABELS[:3]), ValueError, says("`validation_data[1]` must be an array of shape (n_samples, 3)",
                                           "but got an array of shape (3,)", "sparse_categorical_crossentropy")),
    ((X[:3], np.full((3, 3), 2.0)), ValueError,
     says("`validation_data[1]` must be targets in [0, 1]", "values from 2 to 2")),
    ((np.full((3, 4), np.nan), Y[:3]), ValueError,
     says("`validation_data[0]` must be free of NaN and inf", "It has 12 non-finite value(s)")),
    (("a", Y[:3]), TypeError, says("`validation_data[0]` must be an array of numbers", "but got 'a'.",
                                   "np.asarray(validation_data[0], dtype='float32')")),
    ((X[0], Y[:1]), ValueError, says("`validation_data[0]` must be a batch of samples", "shape (4,)")),
], ids=["features", "length", "labels", "range", "nan", "string", "one-sample"])
def test_bad_validation_data_names_which_half(model, data, error, pattern):
    with pytest.raises(error, match=pattern):
        model.fit(X, Y, validation_data=data, verbose=0)


@pytest.mark.parametrize("callbacks, index, got", [
    ([object()], 0, "<object object at"),
    ([EarlyStopping(monitor="loss"), "early_stopping"], 1, "'early_stopping'"),
    ([None], 0, "None"),
])
def test_a_callback_that_is_not_an_nnlab_callback_is_named_by_index(model, callbacks, index, got):
    with pytest.raises(TypeError, match=says(f"`callbacks[{index}]` must be an nnlab callback",
                                             "EarlyStopping", f"but got {got}", "Keras callbacks")):
        model.fit(X, Y, callbacks=callbacks, verbose=0)


@pytest.mark.parametrize("kwargs, error, argument, expected, got", [
    ({"monitor": 3}, TypeError, "monitor", "the name of a History key", "3"),
    ({"patience": -1}, ValueError, "patience", "at least 0", "-1"),
    ({"patience": 1.5}, TypeError, "patience", "a whole number", "1.5"),
    ({"min_delta": "0.1"}, TypeError, "min_delta", "a number", "'0.1'"),
    ({"min_delta": float("nan")}, ValueError, "min_delta", "a finite number", "nan"),
    ({"restore_best_weights": "yes"}, TypeError, "restore_best_weights", "True or False", "'yes'"),
])
def test_early_stopping_checks_its_arguments(kwargs, error, argument, expected, got):
    with pytest.raises(error, match=says(f"`{argument}` must be ", expected, f"but got {got}.")):
        EarlyStopping(**kwargs)


# ---------------------------------------------------------------- set_weights


def test_set_weights_with_too_few_or_too_many_arrays_says_how_many_are_needed(model):
    weights = model.get_weights()
    for wrong in (weights[:-1], weights + [weights[-1]], [], tuple(weights[:1])):
        with pytest.raises(ValueError, match=says("`weights` must be a list of 4 arrays (as get_weights() returns), "
                                                  f"but got a list of {len(wrong)} arrays.")):
            model.set_weights(wrong)


def test_set_weights_count_message_says_how_many_came(model):
    with pytest.raises(ValueError, match=says("`weights` must be a list of 4 arrays", "but got a list of 3 arrays")):
        model.set_weights(model.get_weights()[:-1])


@pytest.mark.parametrize("weights, got", [
    (np.zeros((4, 5)), "an array of shape (4, 5) and dtype float64."),
    (None, "None."),
    ("weights", "'weights'."),
    ({"kernel": 1}, "{'kernel': 1}."),
])
def test_set_weights_needs_a_list(model, weights, got):
    before = model.get_weights()
    with pytest.raises(TypeError, match=says("`weights` must be a list of 4 arrays (as get_weights() returns), "
                                             f"but got {got}")):
        model.set_weights(weights)
    for w_before, w_after in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w_before, w_after)


@pytest.mark.parametrize("index, shape", [(0, (5, 4)), (1, (5, 1)), (2, (3, 5)), (3, (4,)), (3, ())])
def test_set_weights_with_a_wrong_shape_names_the_index_and_both_shapes(model, index, shape):
    weights = model.get_weights()
    expected = weights[index].shape
    weights[index] = np.zeros(shape)
    with pytest.raises(ValueError, match=says(f"`weights[{index}]` must be shape {expected}",
                                              f"but got an array of shape {shape}")):
        model.set_weights(weights)


@FEW
@given(n_in=st.integers(1, 5), hidden=st.lists(st.integers(1, 5), max_size=2), units=st.integers(1, 4),
       use_bias=st.booleans(), data=st.data())
def test_any_wrong_shape_is_named_and_nothing_is_written(n_in, hidden, units, use_bias, data):
    layers = [nnlab.Dense(h, use_bias=use_bias) for h in hidden] + [nnlab.Dense(units, use_bias=use_bias)]
    model = nnlab.Sequential([nnlab.Input(shape=(n_in,)), *layers])
    before = model.get_weights()
    index = data.draw(st.integers(0, len(before) - 1), label="index")
    old = before[index].shape
    new = data.draw(st.lists(st.integers(1, 6), min_size=0, max_size=3).map(tuple).filter(lambda s: s != old),
                    label="new shape")
    weights = [w + 1 for w in before]
    weights[index] = np.zeros(new)
    with pytest.raises(ValueError, match=says(f"`weights[{index}]` must be shape {old}",
                                              f"but got an array of shape {new}")):
        model.set_weights(weights)
    for w_before, w_after in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w_before, w_after)


@pytest.mark.parametrize("last, error, pattern", [
    (np.array([0.0, np.nan, 0.0]), ValueError, says("`weights[3]` must be free of NaN and inf", "1 non-finite")),
    (["a", "b", "c"], TypeError, says("`weights[3]` must be an array of numbers", "but got ['a', 'b', 'c'].",
                                      "np.asarray(weights[3], dtype='float32')")),
])
def test_set_weights_checks_the_values_of_each_array(model, last, error, pattern):
    weights = model.get_weights()
    weights[3] = last
    with pytest.raises(error, match=pattern):
        model.set_weights(weights)


# ---------------------------------------------------------------- a failed call changes nothing


def snapshot(model):
    """Everything a failed call must leave alone: weights, optimizer state, compile settings, the global RNG."""
    return {
        "weights": model.get_weights(),
        "iterations": model.optimizer.iterations,
        "slots": copy.deepcopy(model.optimizer.slots),
        "optimizer_config": model.optimizer.get_config(),
        "optimizer": model.optimizer,
        "loss": model.loss,
        "metric_names": list(model.metric_names),
        "rng": copy.deepcopy(global_rng().bit_generator.state),
        "layers": list(model.layers),
        "input_shape": model.input_shape,
    }


def assert_unchanged(model, before):
    after = snapshot(model)
    assert len(after["weights"]) == len(before["weights"])
    for w_before, w_after in zip(before["weights"], after["weights"]):
        np.testing.assert_array_equal(w_before, w_after)
    assert after["iterations"] == before["iterations"]
    assert len(after["slots"]) == len(before["slots"])
    for slots_before, slots_after in zip(before["slots"], after["slots"]):
        assert slots_before.keys() == slots_after.keys()
        for key in slots_before:
            np.testing.assert_array_equal(slots_before[key], slots_after[key])
    assert after["optimizer"] is before["optimizer"] and after["loss"] is before["loss"]
    assert after["optimizer_config"] == before["optimizer_config"]
    assert after["metric_names"] == before["metric_names"]
    assert after["rng"] == before["rng"]
    assert after["layers"] == before["layers"] and after["input_shape"] == before["input_shape"]


def _all_but_last_plus_one_then(last):
    """set_weights arguments whose first arrays are all valid (and different) and only the LAST one is wrong."""
    return lambda m: m.set_weights([w + 1 for w in m.get_weights()[:-1]] + [last])


FAILING_CALLS = [  # (id, call on the trained model, error, message pattern)
    ("fit-features", lambda m: m.fit(X[:, :3], Y, verbose=0), ValueError, says("`x`", "(4,)", "(12, 3)")),
    ("fit-y-length", lambda m: m.fit(X, Y[:-1], verbose=0), ValueError, says("`y`", "12", "11 targets")),
    ("fit-labels-for-onehot", lambda m: m.fit(X, LABELS, verbose=0), ValueError,
     says("`y`", "(n_samples, 3)", "(12,)", "sparse_categorical_crossentropy")),
    ("fit-y-range", lambda m: m.fit(X, Y * 2, verbose=0), ValueError, says("`y`", "[0, 1]", "0 to 2")),
    ("fit-nan-x", lambda m: m.fit(np.where(X > 1, np.nan, X), Y, verbose=0), ValueError,
     says("`x`", "NaN", "non-finite")),
    ("fit-strings", lambda m: m.fit(X.astype(str), Y, verbose=0), TypeError, says("`x`", "numbers")),
    ("fit-epochs", lambda m: m.fit(X, Y, epochs=0, verbose=0), ValueError, says("`epochs`", "at least 1", "0")),
    ("fit-batch-size", lambda m: m.fit(X, Y, batch_size="4", verbose=0), TypeError, says("`batch_size`", "'4'")),
    ("fit-shuffle", lambda m: m.fit(X, Y, shuffle=None, verbose=0), TypeError, says("`shuffle`", "None")),
    ("fit-verbose", lambda m: m.fit(X, Y, verbose=7), ValueError, says("`verbose`", "'auto', 0, 1 or 2", "but got 7.")),
    ("fit-split", lambda m: m.fit(X, Y, validation_split=0.95, verbose=0), ValueError,
     says("`validation_split`", "of the 12", "but got 0.95 (0 training, 12 validation).")),
    ("fit-empty-x", lambda m: m.fit(X[:0], Y[:0], verbose=0), ValueError,
     says("`x`", "at least one sample", "(0, 4)")),
    ("fit-empty-validation", lambda m: m.fit(X, Y, validation_data=(X[:0], Y[:0]), verbose=0), ValueError,
     says("`validation_data[0]`", "at least one sample", "(0, 4)")),
    ("fit-monitor", lambda m: m.fit(X, Y, callbacks=[EarlyStopping(monitor="val_accuracy")], verbose=0), ValueError,
     says("`monitor`", "['accuracy', 'loss']", "'val_accuracy'")),
    ("fit-callbacks-not-a-list", lambda m: m.fit(X, Y, callbacks=EarlyStopping(monitor="loss"), verbose=0),
     TypeError, says("`callbacks` must be a list of callbacks")),
    ("predict-too-large", lambda m: m.predict(np.full((2, 4), 1e39)), ValueError, says("`x`", "float32", "1.0e+39")),
    ("predict-verbose", lambda m: m.predict(X, verbose=3), ValueError, says("`verbose`", "but got 3.")),
    ("evaluate-verbose", lambda m: m.evaluate(X, Y, verbose="yes"), ValueError, says("`verbose`", "but got 'yes'.")),
    ("fit-validation-data", lambda m: m.fit(X, Y, validation_data=(X[:, :2], Y), verbose=0), ValueError,
     says("`validation_data[0]`", "(4,)", "(12, 2)")),
    ("fit-validation-pair", lambda m: m.fit(X, Y, validation_data=[X], verbose=0), TypeError,
     says("`validation_data`", "(x_val, y_val)")),
    ("fit-callbacks", lambda m: m.fit(X, Y, callbacks=[EarlyStopping(monitor="loss"), "stop"], verbose=0),
     TypeError, says("`callbacks[1]`", "'stop'")),
    ("evaluate-features", lambda m: m.evaluate(X[:, :1], Y, verbose=0), ValueError, says("`x`", "(4,)", "(12, 1)")),
    ("evaluate-batch-size", lambda m: m.evaluate(X, Y, batch_size=-1, verbose=0), ValueError,
     says("`batch_size`", "-1")),
    ("predict-features", lambda m: m.predict(X[:, :2]), ValueError, says("`x`", "(4,)", "(12, 2)")),
    ("gradients-y", lambda m: m.gradients(X, Y[:, :2]), ValueError, says("`y`", "(n_samples, 3)", "(12, 2)")),
    ("gradient-check-epsilon", lambda m: nnlab.gradient_check(m, X[:2], Y[:2], epsilon=0), ValueError,
     says("`epsilon`", "0.0")),
    ("gradient-check-x", lambda m: nnlab.gradient_check(m, X[:2, :3], Y[:2]), ValueError,
     says("`x`", "(4,)", "(2, 3)")),
    ("compile-loss", lambda m: m.compile(optimizer="sgd", loss="binary_crossentropi", metrics=["mae"]), ValueError,
     says("`loss`", "'binary_crossentropi'", "Did you mean 'binary_crossentropy'?")),
    ("compile-metric", lambda m: m.compile(optimizer=SGD(0.5), loss="mse", metrics=["accuracy", "acurracy"]),
     ValueError, says("`metrics`", "'acurracy'", "'accuracy'")),
    ("compile-optimizer", lambda m: m.compile(optimizer="adma", loss="mse"), ValueError,
     says("`optimizer`", "'adma'", "'adam'")),
    ("set-weights-last-shape", _all_but_last_plus_one_then(np.zeros(4)), ValueError,
     says("`weights[3]`", "shape (3,)", "shape (4,)")),
    ("set-weights-last-nan", _all_but_last_plus_one_then(np.array([0.0, 0.0, np.inf])), ValueError,
     says("`weights[3]`", "NaN and inf")),
    ("set-weights-last-text", _all_but_last_plus_one_then(["0", "0", "0"]), TypeError,
     says("`weights[3]`", "numbers")),
    ("set-weights-count", lambda m: m.set_weights([w + 1 for w in m.get_weights()[:-1]]), ValueError,
     says("`weights`", "4 arrays", "but got a list of 3 arrays.")),
    ("set-weights-not-a-list", lambda m: m.set_weights(m.get_weights()[0]), TypeError,
     says("`weights`", "4 arrays", "but got an array of shape (4, 5)")),
    ("set-weights-too-large", _all_but_last_plus_one_then(np.full(3, 1e39)), ValueError,
     says("`weights[3]`", "float32", "1.0e+39")),
    ("compile-metrics-not-a-list", lambda m: m.compile(optimizer="sgd", loss="mse", metrics=3), TypeError,
     says("`metrics`", "but got 3.")),
    ("add-string", lambda m: m.add("dense"), TypeError, says("`layer`", "'dense'")),
    ("add-input", lambda m: m.add(nnlab.Input(shape=(3,))), ValueError, says("`layer`", "Input(shape=(3,))")),
    ("add-float64", lambda m: m.add(nnlab.Dense(2, dtype="float64")), ValueError,
     says("`layer`", "(float32)", "a float64 Dense layer")),
    ("add-built-layer", lambda m: m.add(_built_dense(4, 2)), ValueError,
     says("`layer`", "takes 3 features", "kernel has shape (4, 2)")),
]


@pytest.mark.parametrize("call, error, pattern", [c[1:] for c in FAILING_CALLS], ids=[c[0] for c in FAILING_CALLS])
def test_a_failed_call_changes_nothing(trained, call, error, pattern):
    before = snapshot(trained)
    with pytest.raises(error, match=pattern):
        call(trained)
    assert_unchanged(trained, before)


def test_a_failed_compile_keeps_the_previous_compile(trained):
    optimizer, loss = trained.optimizer, trained.loss
    with pytest.raises(ValueError, match=says("`loss`", "Did you mean 'binary_crossentropy'?")):
        trained.compile(optimizer=SGD(learning_rate=0.1), loss="binary_crossentropi", metrics=["accuracy"])
    assert trained.optimizer is optimizer and isinstance(optimizer, Adam)
    assert trained.loss is loss and loss.name == "categorical_crossentropy"
    assert trained.metric_names == ["accuracy"]
    assert trained.evaluate(X, Y, verbose=0)[1] >= 0  # still evaluates [loss, accuracy] as compiled before


@pytest.mark.parametrize("call, pattern", [
    (lambda m: m.fit(X, LABELS, verbose=0), says("`y`", "(n_samples, 3)", "(12,)")),
    (lambda m: m.fit(X, Y[:5], verbose=0), says("`y`", "12", "5 targets")),
    (lambda m: m.fit(X, Y, validation_data=(X[:2], Y[:3]), verbose=0), says("`validation_data[1]`", "2", "3 targets")),
    (lambda m: m.fit(X, Y, epochs="2", verbose=0), says("`epochs`", "'2'")),
    (lambda m: m.evaluate(X, Y * 3, verbose=0), says("`y`", "[0, 1]", "0 to 3")),
    (lambda m: m.gradients(X, Y[:1]), says("`y`", "12", "1 targets")),
], ids=["fit-y-shape", "fit-y-length", "fit-validation-y", "fit-epochs", "evaluate-y", "gradients-y"])
def test_an_unbuilt_model_whose_call_fails_stays_unbuilt(call, pattern):
    model = classifier(with_input=False)
    state = copy.deepcopy(global_rng().bit_generator.state)
    with pytest.raises((ValueError, TypeError), match=pattern):
        call(model)
    assert not model.built and model.input_shape is None
    assert all(layer.kernel is None for layer in model.layers)
    assert global_rng().bit_generator.state == state  # no initializer drew any weights
    model.fit(X, Y, epochs=1, verbose=0)  # and it still builds on the first good call
    assert model.built and model.input_shape == (4,)


# ---------------------------------------------------------------- divergence


class WeightsLog(Callback):
    """Records the weights, the optimizer's step count and its slots after every completed epoch."""

    def set_model(self, model):
        super().set_model(model)
        self.weights, self.iterations, self.slots = [], [], []

    def on_epoch_end(self, epoch, logs):
        self.weights.append(self.model.get_weights())
        self.iterations.append(self.model.optimizer.iterations)
        self.slots.append(copy.deepcopy(self.model.optimizer.slots))


def assert_same_state(model, weights, iterations, slots):
    """model's weights, optimizer step count and optimizer slots are exactly these (inf == inf counts as equal)."""
    now = model.get_weights()
    assert len(now) == len(weights)
    for w_now, w_expected in zip(now, weights):
        np.testing.assert_array_equal(w_now, w_expected)
    assert model.optimizer.iterations == iterations
    if slots is None:
        assert model.optimizer.slots is None
        return
    assert len(model.optimizer.slots) == len(slots)
    for slots_now, slots_expected in zip(model.optimizer.slots, slots):
        assert slots_now.keys() == slots_expected.keys()
        for key in slots_now:
            np.testing.assert_array_equal(slots_now[key], slots_expected[key])


def finite(arrays):
    return all(np.all(np.isfinite(a)) for a in arrays)


def replay_diverging_epoch(model, x, y, batch_size, order):
    """Fit's documented rule, replayed step by step on `model` (a copy taken before fit) for one epoch:
    batches are applied in `order` until one has a non-finite loss or gradient (skipped) or would make a
    weight non-finite (undone: weights, slots and step count restored). Returns how many steps were applied."""
    with np.errstate(all="ignore"):
        for start in range(0, len(x), batch_size):
            rows = order[start:start + batch_size]
            loss, _, grads = model._loss_and_gradients(x[rows], y[rows])
            if not (np.isfinite(loss) and finite(grads)):
                return model.optimizer.iterations
            saved = copy.deepcopy((model.get_weights(), model.optimizer.slots, model.optimizer.iterations))
            model.optimizer.apply(model.weights, grads)
            if not finite(model.weights):
                model.set_weights(saved[0])
                model.optimizer.slots, model.optimizer.iterations = saved[1:]
                return model.optimizer.iterations
    raise AssertionError("the replayed epoch did not diverge")


def diverged(epoch, loss=None, rate="1e+06", smaller="100000"):
    """The DivergenceWarning's full text for a fit that failed in `epoch` (1-based) with `loss` (None: inf or nan)."""
    return says(f"Training diverged in epoch {epoch}: the loss became {'' if loss is None else loss}",
                ", so fit stopped there "
                f"(History keeps epochs 1-{epoch}; the weights are those before the failed step). "
                f"The learning rate {rate} is probably too large: try a smaller one, such as {smaller}.")


def test_divergence_warns_stops_and_keeps_the_weights_before_the_failed_step():
    x, y = np.ones((8, 2), dtype="float32"), np.ones((8, 1), dtype="float32")
    model = nnlab.Sequential([nnlab.Input(shape=(2,)), nnlab.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=SGD(learning_rate=1e6), loss="mse")  # the error grows ~1e7-fold per step: inf in epoch 4
    log = WeightsLog()
    with pytest.warns(nnlab.DivergenceWarning, match=diverged(4, "inf")) as caught:
        history = model.fit(x, y, epochs=20, batch_size=8, verbose=0, callbacks=[log])
    assert [w.category for w in caught] == [nnlab.DivergenceWarning]
    losses = history.history["loss"]
    assert len(losses) == 4 and history.epoch == [0, 1, 2, 3]
    assert np.all(np.isfinite(losses[:3])) and losses[3] == np.inf
    assert len(log.weights) == 3  # callbacks see only the completed epochs
    assert finite(model.get_weights())
    # one batch per epoch: the failed step is the first of epoch 4, so the weights are those after epoch 3
    assert_same_state(model, log.weights[-1], 3, log.slots[-1])


@pytest.mark.parametrize("shuffle", [False, True])
def test_divergence_in_a_later_batch_keeps_the_batches_before_it(shuffle):
    x = np.random.default_rng(1).normal(size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0], [2.0], [-1.0]], dtype="float32")
    seeded = [nnlab.initializers.GlorotUniform(seed=s) for s in (0, 1)]
    model = nnlab.Sequential([nnlab.Input(shape=(3,)), nnlab.Dense(4, activation="relu", kernel_initializer=seeded[0]),
                              nnlab.Dense(1, kernel_initializer=seeded[1])])
    model.compile(optimizer=SGD(learning_rate=1e6), loss="mse")
    twin, rng = copy.deepcopy(model), copy.deepcopy(global_rng())  # fit's shuffle is the next draw of global_rng
    with pytest.warns(nnlab.DivergenceWarning, match=diverged(1)) as caught:
        history = model.fit(x, y, epochs=10, batch_size=8, verbose=0, shuffle=shuffle)
    assert [w.category for w in caught] == [nnlab.DivergenceWarning]
    (loss,) = history.history["loss"]
    assert not np.isfinite(loss) and f"the loss became {loss}," in str(caught[0].message)
    steps = replay_diverging_epoch(twin, x, y, 8, rng.permutation(32) if shuffle else np.arange(32))
    assert 0 < steps < 4  # some batches of epoch 1 succeeded before the failed one: they stay applied
    assert finite(model.get_weights())
    assert_same_state(model, twin.get_weights(), steps, twin.optimizer.slots)
    if not shuffle:  # in the given order, batches 1-2 are applied and batch 3's loss overflows
        assert steps == 2 and loss == np.inf


@pytest.mark.parametrize("optimizer, epoch", [(lambda: SGD(learning_rate=1e30), 1), (lambda: Adam(learning_rate=1e10), 2)],
                         ids=["sgd", "adam"])
def test_divergence_never_leaves_non_finite_weights(optimizer, epoch):
    x, y = np.full((8, 2), 1e6, dtype="float32"), np.ones((8, 1), dtype="float32")
    model = nnlab.Sequential([nnlab.Input(shape=(2,)), nnlab.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=optimizer(), loss="mse")
    rate = f"{model.optimizer.learning_rate:g}"
    log = WeightsLog()
    with pytest.warns(nnlab.DivergenceWarning, match=diverged(epoch, "inf", rate, f"{float(rate) / 10:g}")):
        history = model.fit(x, y, epochs=30, batch_size=8, verbose=0, callbacks=[log])
    assert len(history.history["loss"]) == epoch and history.history["loss"][-1] == np.inf
    assert finite(model.get_weights())  # the step that overflowed the weights was undone
    assert all(finite(list(slots.values())) for slots in model.optimizer.slots or [])  # Adam's v included
    if log.weights:  # one batch per epoch: the state after the last completed epoch
        assert_same_state(model, log.weights[-1], epoch - 1, log.slots[-1])
    else:  # the very first step failed: the initial weights, and an optimizer that never stepped
        assert_same_state(model, [np.ones((2, 1)), np.zeros(1)], 0, None)


def test_divergence_gives_one_clear_warning_only():
    x, y = np.ones((8, 2), dtype="float32"), np.ones((8, 1), dtype="float32")
    model = nnlab.Sequential([nnlab.Input(shape=(2,)), nnlab.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=SGD(learning_rate=1e6), loss="mse")
    errstate = np.geterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, epochs=20, batch_size=8, verbose=0)
    assert [w.category for w in caught] == [nnlab.DivergenceWarning]
    assert np.geterr() == errstate  # numpy's overflow warnings are silenced during fit only


# ---------------------------------------------------------------- bugs found by this file (fixed: regression tests)


def test_early_stopping_on_a_value_that_is_never_logged_fails_before_training(trained):
    before = snapshot(trained)
    with pytest.raises(ValueError, match=says("`monitor` must be one of the values fit will log ['accuracy', 'loss'], "
                                              "but got 'val_loss'.", "'val_...' values need validation_data or "
                                              "validation_split in fit.")):
        trained.fit(X, Y, epochs=3, callbacks=[EarlyStopping(monitor="val_loss")], verbose=0)
    assert_unchanged(trained, before)


def test_early_stopping_lists_the_validation_values_when_fit_has_validation_data(trained):
    before = snapshot(trained)
    with pytest.raises(ValueError, match=says("`monitor` must be one of the values fit will log ['accuracy', 'loss', "
                                              "'val_accuracy', 'val_loss'], but got 'val_acc'.")):
        trained.fit(X, Y, validation_split=0.25, callbacks=[EarlyStopping(monitor="val_acc")], verbose=0)
    assert_unchanged(trained, before)
    history = trained.fit(X, Y, epochs=2, validation_split=0.25, callbacks=[EarlyStopping(monitor="val_loss")],
                          verbose=0)
    assert len(history.history["val_loss"]) == len(history.epoch) >= 1


@pytest.mark.parametrize("loss", ["mse", "categorical_crossentropy"])
def test_empty_validation_data_fails_before_training(loss):
    model = classifier(loss=loss)
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    before = snapshot(model)
    with pytest.raises(ValueError, match=says("`validation_data[0]` must be at least one sample, "
                                              "but got an array of shape (0, 4) and dtype float32.")):
        model.fit(X, Y, validation_data=(np.zeros((0, 4)), np.zeros((0, 3))), verbose=0)
    assert_unchanged(model, before)


@pytest.mark.parametrize("loss", ["mse", "categorical_crossentropy"])
@pytest.mark.parametrize("method", ALL_METHODS)
def test_empty_x_is_refused(loss, method):
    model = classifier(loss=loss)
    with pytest.raises(ValueError, match=says("`x` must be at least one sample, "
                                              "but got an array of shape (0, 4) and dtype float32.")):
        ALL_METHODS[method](model, np.zeros((0, 4)), np.zeros((0, 3)))


@pytest.mark.parametrize("method", TARGET_METHODS)
def test_a_scalar_y_is_refused_with_a_message(model, method):
    with pytest.raises(ValueError, match=says("`y` must be one target per sample: 12 (len(x)), but got 1.0.")):
        TARGET_METHODS[method](model, X, 1.0)


@pytest.mark.parametrize("call, argument", [
    (lambda m: m.predict(np.full((2, 4), 1e39)), "x"),
    (lambda m: m.predict(np.array([[0, 1, 2, -1e39]] * 2)), "x"),
    (lambda m: m.evaluate(X, np.full((12, 3), 1e39), verbose=0), "y"),
    (lambda m: m.set_weights([np.full((4, 5), 1e39)] + m.get_weights()[1:]), "weights[0]"),
], ids=["predict", "predict-negative", "evaluate-y", "set_weights"])
def test_values_too_large_for_float32_are_refused(model, call, argument):
    before = model.get_weights()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the check itself must not overflow noisily
        with pytest.raises(ValueError, match=says(f"`{argument}` must be values that fit in float32 "
                                                  "(|value| < 3.4e+38), but got values up to 1.0e+39.",
                                                  "Rescale the data first.")):
            call(model)
    for w_before, w_after in zip(before, model.get_weights()):
        np.testing.assert_array_equal(w_before, w_after)


@pytest.mark.parametrize("callbacks, got", [
    (EarlyStopping(monitor="loss"), "<nnlab.callbacks.EarlyStopping object at"),
    ("early_stopping", "'early_stopping'."),
    (3, "3."),
], ids=["one-callback", "string", "int"])
def test_callbacks_that_are_not_a_list_are_named(trained, callbacks, got):
    before = snapshot(trained)
    with pytest.raises(TypeError, match=says("`callbacks` must be a list of callbacks, but got ", got,
                                             "Write callbacks=[EarlyStopping(...)].")):
        trained.fit(X, Y, callbacks=callbacks, verbose=0)
    assert_unchanged(trained, before)


@pytest.mark.parametrize("metrics, got", [(3, "3"), (None, None), ({"accuracy"}, "{'accuracy'}")])
def test_metrics_that_are_not_a_list_are_named(model, metrics, got):
    if got is None:  # None means "no metrics", as in Keras
        model.compile(optimizer="sgd", loss="mse", metrics=metrics)
        assert model.metric_names == []
        return
    with pytest.raises(TypeError, match=says("`metrics` must be a list of metric names such as ['accuracy'], "
                                             f"but got {got}.")):
        model.compile(optimizer="sgd", loss="mse", metrics=metrics)


@pytest.mark.parametrize("layers, got", [
    (nnlab.Dense(3), "Dense(3, activation='linear')"),
    (nnlab.Input(shape=(2,)), "Input(shape=(2,))"),
    ("dense", "'dense'"),
])
def test_layers_that_are_not_a_list_are_named(layers, got):
    with pytest.raises(TypeError, match=says(f"`layers` must be a list of layers, but got {got}.",
                                             "Write Sequential([...]) with square brackets.")):
        nnlab.Sequential(layers)


def test_an_unbuilt_model_answers_weight_questions_as_keras_does(keras):
    model, twin = classifier(with_input=False), keras.Sequential([keras.layers.Dense(5), keras.layers.Dense(3)])
    assert model.get_weights() == twin.get_weights() == [] and model.weights == [] == twin.weights
    for unbuilt in (model, twin):  # neither answers 0: there is nothing to count yet
        with pytest.raises(ValueError):
            unbuilt.count_params()
    with pytest.raises(ValueError, match=says("`model` must be built before count_params(), but got a model whose "
                                              "input shape is not known yet.", "Start it with "
                                              "nnlab.Input(shape=...), or call model.predict(x) once.")):
        model.count_params()
    model.predict(X)  # builds it
    assert [w.shape for w in model.get_weights()] == [(4, 5), (5,), (5, 3), (3,)]
    assert model.count_params() == 4 * 5 + 5 + 5 * 3 + 3


def test_set_weights_on_an_unbuilt_model_says_build_first():
    model = classifier(with_input=False)
    with pytest.raises(RuntimeError, match=says("`model` must be built before set_weights(), but got a model whose "
                                                "input shape is not known yet.", "Start it with "
                                                "nnlab.Input(shape=...), or call model.predict(x) once.")):
        model.set_weights([np.zeros((4, 5)), np.zeros(5), np.zeros((5, 3)), np.zeros(3)])
    assert not model.built and all(layer.kernel is None for layer in model.layers)


def test_gradient_check_on_an_unbuilt_model_builds_it_first():
    model = classifier(with_input=False)
    result = nnlab.gradient_check(model, X[:3], Y[:3])
    assert result.passed(1e-4)
    assert model.built and model.input_shape == (4,)  # built from x, as model.gradients would


def test_gradient_check_on_an_unbuilt_model_with_bad_x_leaves_it_unbuilt():
    model = classifier(with_input=False)
    with pytest.raises(ValueError, match=says("`x` must be a batch of samples", "but got an array of shape (4,)")):
        nnlab.gradient_check(model, X[0], Y[:1])
    assert not model.built and model.input_shape is None


def test_a_failed_build_leaves_the_model_unbuilt():
    model = classifier(with_input=False)
    with pytest.raises(ValueError, match=says("but this one gets samples of shape (4, 4).", "Flatten()")):
        model.predict(np.zeros((2, 4, 4)))
    assert model.input_shape is None and not model.built
    assert all(layer.kernel is None for layer in model.layers)
    assert model.predict(X).shape == (12, 3)


def test_a_built_layer_that_does_not_fit_the_new_input_is_refused():
    dense = nnlab.Dense(2)
    nnlab.Sequential([nnlab.Input(shape=(3,)), dense])  # builds dense's kernel as (3, 2)
    with pytest.raises(ValueError, match=says("`layer` must be a layer that takes 5 features here, "
                                              "but got a built Dense layer whose kernel has shape (3, 2).")):
        nnlab.Sequential([nnlab.Input(shape=(5,)), dense])
    assert dense.kernel.shape == (3, 2)


@FEW
@given(shape=st.lists(st.integers(-3, 4), min_size=1, max_size=4).filter(lambda s: min(s) < 1).map(tuple))
def test_a_bad_input_shape_is_shown_whole(shape):
    with pytest.raises(ValueError, match=says(f"`shape` must be {SHAPE_EXPECTED}, but got {shape}.",
                                              "Every entry must be at least 1.")):
        nnlab.Input(shape=shape)


def test_a_mixed_dtype_message_shows_both_dtypes():
    with pytest.raises(ValueError, match=says("`layer` must be of the same dtype as the other layers (float64), "
                                              "but got a float32 Dense layer.",
                                              "Pass dtype='float64' to every Dense layer.")):
        nnlab.Sequential([nnlab.Input(shape=(4,)), nnlab.Dense(3, dtype="float64"), nnlab.Dense(2)])


@pytest.mark.parametrize("make, argument, interval, got", [
    (lambda: SGD(learning_rate=float("inf")), "learning_rate", "(0, inf)", "inf"),
    (lambda: Adam(epsilon=float("inf")), "epsilon", "[0, inf)", "inf"),
    (lambda: Adam(beta_1=float("inf")), "beta_1", "[0, 1)", "inf"),
    (lambda: SGD(momentum=float("-inf")), "momentum", "[0, 1]", "-inf"),
    (lambda: EarlyStopping(min_delta=float("inf")), "min_delta", "(-inf, inf)", "inf"),
    (lambda: nnlab.gradient_check(None, X, Y, epsilon=0), "epsilon", "(0, inf)", "0.0"),
])
def test_an_interval_never_claims_inf_is_allowed(make, argument, interval, got):
    with pytest.raises(ValueError, match=says(f"`{argument}` must be a finite number in {interval}, "
                                              f"but got {got}.")):
        make()


@pytest.mark.parametrize("call, got", [
    (lambda m: m.fit(X, Y[:-1], verbose=0), "11 targets"),
    (lambda m: classifier(loss=None).fit(X, Y, verbose=0), "an uncompiled model"),
    (lambda m: classifier(with_input=False).set_weights([]), "a model whose input shape is not known yet"),
    (lambda m: m.set_weights(m.get_weights()[:2]), "a list of 2 arrays"),
    (lambda m: m.add(nnlab.Dense(2, dtype="float64")), "a float64 Dense layer"),
    (lambda m: m.fit(X, Y * 2, verbose=0), "values from 0 to 2"),
], ids=["targets", "uncompiled", "unbuilt", "count", "dtype", "range"])
def test_descriptions_in_messages_are_not_quoted(model, call, got):
    with pytest.raises((ValueError, RuntimeError)) as error:
        call(model)
    assert f"but got {got}." in str(error.value)
    assert f"'{got}'" not in str(error.value)
