"""nnlab.Sequential against keras.Sequential: gradients, whole fit trajectories, evaluate, predict, the API."""

import copy
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab.callbacks import EarlyStopping
from parity import HIDDEN, HISTORY_TOLERANCE, LOSSES, OPTIMIZERS, WEIGHTS_TOLERANCE, covering_design, make_case

N_CASES = 32  # covers every optimizer, loss, hidden activation, initializer and batch size at least twice


def _cases(seed):
    rng = np.random.default_rng(seed)
    return [(i, *case) for i, case in enumerate(covering_design(rng, N_CASES))]


@pytest.mark.parametrize("case", _cases(20261121), ids=lambda c: f"case{c[0]}")
def test_fit_trajectory_matches_keras(case, keras):
    """Same initial weights, shuffle=False: histories agree within 2e-5 and final weights within 1e-4 (parity.py)."""
    i, optimizer, loss, hidden, initializer, batch_size = case
    rng = np.random.default_rng(i)
    model, keras_model, x, y = make_case(rng, optimizer, loss, hidden, initializer)
    x_val, y_val = x[-8:], y[-8:]
    kwargs = dict(epochs=8, batch_size=batch_size, shuffle=False, verbose=0, validation_data=(x_val, y_val))
    ours = model.fit(x[:-8], y[:-8], **kwargs).history
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = keras_model.fit(x[:-8], y[:-8], **kwargs).history
    assert list(ours) == list(theirs)
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=0, atol=HISTORY_TOLERANCE, err_msg=f"{key} in {case}")
    for got, want in zip(model.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(got, want, rtol=0, atol=WEIGHTS_TOLERANCE, err_msg=str(case))


@pytest.mark.parametrize("case", _cases(7)[:16], ids=lambda c: f"case{c[0]}")
def test_gradients_match_gradient_tape(case, keras):
    i, optimizer, loss, hidden, initializer, _ = case
    model, keras_model, x, y = make_case(np.random.default_rng(100 + i), optimizer, loss, hidden, initializer)
    keras_loss, keras_grads = nnlab.keras_gradients(keras_model, x, y)
    grads = model.gradients(x, y)
    assert [g.shape for g in grads] == [w.shape for w in model.get_weights()]
    for got, want in zip(grads, keras_grads):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-6, err_msg=str(case))
    assert model.evaluate(x, y, batch_size=len(x))[0] == pytest.approx(keras_loss, rel=1e-5, abs=1e-6)


# Fresh random cases on every run (hypothesis draws new seeds; a failure prints the seed to replay).
# Hidden layers have at least 2 units here: a 1-unit softmax layer outputs a constant 1, its upstream gradients
# are float32 noise, and Adam rescales noise into full-size steps, so the twins' paths legitimately part.
@settings(max_examples=12, deadline=None, database=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_gradients_match_on_unseen_random_cases(seed, keras):
    rng = np.random.default_rng(seed)
    optimizer, loss, hidden, initializer, _ = covering_design(rng, 1)[0]
    model, keras_model, x, y = make_case(rng, optimizer, loss, hidden, initializer, min_width=2)
    for got, want in zip(model.gradients(x, y), nnlab.keras_gradients(keras_model, x, y)[1]):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-6)


def _largest_gap(arrays_a, arrays_b):
    return max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(arrays_a, arrays_b))


@settings(max_examples=4, deadline=None, database=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_fit_trajectory_matches_on_unseen_random_cases(seed, keras):
    """Within a fixed 2e-5 on cases drawn away from chaos: batches of 5 or more samples, 4 epochs.

    Batch size 1 with momentum can be chaotic (the next test): there a 1e-7 rounding difference grows until the
    twins part, so it is tested apart. Outside batch size 1 the seeded cases drift by at most 2.5e-7.
    """
    rng = np.random.default_rng(seed)
    optimizer, loss, hidden, initializer, _ = covering_design(rng, 1)[0]
    batch_size = [5, 16, None][int(rng.integers(3))]
    model, keras_model, x, y = make_case(rng, optimizer, loss, hidden, initializer, min_width=2)
    kwargs = dict(epochs=4, batch_size=batch_size, shuffle=False, verbose=0)
    ours, theirs = model.fit(x, y, **kwargs).history, keras_model.fit(x, y, **kwargs).history
    assert _largest_gap([ours[k] for k in theirs], [theirs[k] for k in theirs]) <= HISTORY_TOLERANCE, (optimizer, loss)
    assert _largest_gap(model.get_weights(), keras_model.get_weights()) <= HISTORY_TOLERANCE, (optimizer, loss)


def test_chaotic_training_agrees_at_first_then_parts_as_rounding_grows(keras):
    """SGD(0.2, momentum 0.9) with batch size 1 is chaotic: small differences grow ~10x per epoch.

    Measured loss gaps per epoch, nnlab vs Keras: 3e-7, 2e-6, 2e-4, 8e-4, 1e-2, 0.4, 0.03, 0.8. So the first epoch
    agrees within the fixed tolerance, later ones cannot; and Keras against itself, from weights nudged at random by
    one part in 10^6, parts as much (5e-7, 4e-6, 7e-5, 5e-4, 5e-3, 0.2, 0.04, 0.4): the chaos is in the dynamics,
    not in nnlab. (Of the seeds 10-17, whose cases are now fully seeded, 13, 14 and 17 are chaotic within 8 epochs;
    the others part more slowly: chaos needs a case that reaches it, which is what this test is about.)
    """
    model, keras_model, x, y = make_case(np.random.default_rng(17), ("SGD", {"learning_rate": 0.2, "momentum": 0.9}),
                                         LOSSES[2], "tanh", "glorot_normal", min_width=2)
    signs, nudged = np.random.default_rng(0), nnlab.to_keras(model)
    nudged.set_weights([w * (1 + 1e-6 * signs.choice([-1, 1], w.shape)) for w in model.get_weights()])
    kwargs = dict(epochs=8, batch_size=1, shuffle=False, verbose=0)
    ours, theirs = model.fit(x, y, **kwargs).history["loss"], keras_model.fit(x, y, **kwargs).history["loss"]
    keras_vs_keras = np.abs(np.subtract(nudged.fit(x, y, **kwargs).history["loss"], theirs))
    gaps = np.abs(np.subtract(ours, theirs))
    assert gaps[0] <= HISTORY_TOLERANCE
    assert gaps[4:].max() > 1e-2 and keras_vs_keras[4:].max() > 1e-2


def test_flattened_digits_train_alike(keras):
    """Lesson 03's network: 8x8 images -> Flatten -> Dense(16, relu) -> Dense(10, softmax), sparse labels."""
    images, labels = nnlab.datasets.load_digits("multiclass", flatten=False)
    model, keras_model = nnlab.make_twins(
        [nnlab.Input((8, 8)), nnlab.Flatten(), nnlab.Dense(16, "relu"), nnlab.Dense(10, "softmax")],
        nnlab.optimizers.Adam(0.01), "sparse_categorical_crossentropy", ["accuracy"], seed=0)
    kwargs = dict(epochs=4, batch_size=32, shuffle=False, verbose=0, validation_split=0.2)
    ours = model.fit(images[:300], labels[:300], **kwargs).history
    theirs = keras_model.fit(images[:300], labels[:300], **kwargs).history
    assert ours["accuracy"][-1] > 0.5  # it does learn
    for key in theirs:  # measured gaps: at most 1.3e-7
        np.testing.assert_allclose(ours[key], theirs[key], rtol=0, atol=HISTORY_TOLERANCE)


@pytest.mark.parametrize("case", _cases(11)[:8], ids=lambda c: f"case{c[0]}")
@pytest.mark.parametrize("batch_size", [None, 3])
def test_evaluate_and_predict_match_keras(case, batch_size, keras):
    i, optimizer, loss, hidden, initializer, _ = case
    model, keras_model, x, y = make_case(np.random.default_rng(200 + i), optimizer, loss, hidden, initializer)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=batch_size),
                               keras_model.evaluate(x, y, batch_size=batch_size, verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x), keras_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_validation_split_takes_the_last_samples_like_keras(keras):
    model, keras_model, x, y = make_case(np.random.default_rng(3), OPTIMIZERS[0], LOSSES[0], "tanh",
                                         "glorot_uniform", n_samples=23)
    ours = model.fit(x, y, epochs=3, batch_size=4, validation_split=0.3, shuffle=False, verbose=0).history
    theirs = keras_model.fit(x, y, epochs=3, batch_size=4, validation_split=0.3, shuffle=False, verbose=0).history
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-4, atol=1e-5)


def test_early_stopping_stops_and_restores_like_keras(keras):
    """An overfitting twin pair with patience 2: same stopping epoch, same restored weights."""
    model, keras_model, x, y = make_case(np.random.default_rng(5), ("Adam", {"learning_rate": 0.05}),
                                         LOSSES[6], "relu", "glorot_uniform", n_samples=30)
    kwargs = dict(epochs=60, batch_size=4, shuffle=False, verbose=0, validation_data=(x[:10] + 0.5, y[:10]))
    ours = model.fit(x[10:], y[10:], callbacks=[EarlyStopping(patience=2, restore_best_weights=True)], **kwargs)
    theirs = keras_model.fit(x[10:], y[10:], **kwargs, callbacks=[
        keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)])
    assert 3 <= len(ours.epoch) < 60 and len(ours.epoch) == len(theirs.epoch)
    for got, want in zip(model.get_weights(), keras_model.get_weights()):  # measured gap: 0 (bit for bit)
        np.testing.assert_allclose(got, want, rtol=0, atol=HISTORY_TOLERANCE)


@pytest.mark.parametrize("seed", range(6))
def test_structure_matches_keras(seed, keras):
    """Weights in Keras order and shapes, parameter count and output shape, on random architectures."""
    rng = np.random.default_rng(seed)
    model, keras_model, x, _ = make_case(rng, ("SGD", {}), LOSSES[int(rng.integers(len(LOSSES)))],
                                         HIDDEN[int(rng.integers(len(HIDDEN)))], "he_normal")
    assert [w.shape for w in model.get_weights()] == [w.shape for w in keras_model.get_weights()]
    assert model.count_params() == keras_model.count_params()
    assert model.output_shape == keras_model.output_shape


def test_forward_exposes_every_layer(rng):
    model = nnlab.Sequential([nnlab.Input((3,)), nnlab.Dense(4, "relu"), nnlab.Dense(2, "softmax")])
    x = rng.standard_normal((5, 3)).astype(np.float32)
    (z1, a1), (z2, a2) = model.forward(x)
    kernel_1, bias_1, kernel_2, bias_2 = model.get_weights()
    np.testing.assert_allclose(z1, x @ kernel_1 + bias_1, rtol=1e-6)
    np.testing.assert_array_equal(a1, np.maximum(z1, 0))
    np.testing.assert_allclose(z2, a1 @ kernel_2 + bias_2, rtol=1e-6)
    np.testing.assert_allclose(a2.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(a2, model.predict(x))


def test_model_builds_on_first_use_without_input(rng):
    model = nnlab.Sequential([nnlab.Dense(3), nnlab.Dense(1)])
    assert not model.built and model.output_shape == (None, 1)
    model.predict(rng.standard_normal((2, 5)))
    assert model.built and model.get_weights()[0].shape == (5, 3)


def test_shuffled_training_is_repeatable_with_a_seed(rng):
    x, y = rng.standard_normal((20, 2)).astype(np.float32), rng.integers(0, 2, 20)

    def train():
        nnlab.utils.set_random_seed(42)
        model = nnlab.Sequential([nnlab.Input((2,)), nnlab.Dense(3, "tanh"), nnlab.Dense(1, "sigmoid")])
        model.compile("sgd", "binary_crossentropy")
        return model.fit(x, y, epochs=3, batch_size=4, verbose=0).history["loss"]

    assert train() == train()


def test_fit_prints_one_line_per_epoch_without_timings(rng, capsys):
    model = nnlab.Sequential([nnlab.Input((2,)), nnlab.Dense(1, "sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    model.fit(rng.standard_normal((8, 2)), rng.integers(0, 2, 8), epochs=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("Epoch 2/2 - accuracy: ") and " - loss: " in lines[1] and "ms" not in lines[1]


def test_summary_lists_layers_and_counts(capsys):
    model = nnlab.Sequential([nnlab.Input((64,)), nnlab.Dense(25, "sigmoid"), nnlab.Dense(15, "sigmoid"),
                              nnlab.Dense(1, "sigmoid")])
    model.summary()
    out = capsys.readouterr().out
    assert "dense (Dense)" in out and "(None, 25)" in out and "1625" in out and "dense_2 (Dense)" in out
    assert "Total params: 2031" in out  # 64*25+25 + 25*15+15 + 15+1


# ---------------------------------------------------------------- one optimizer, one model (as in Keras)


def _small_model(units=1):
    return nnlab.Sequential([nnlab.Input((2,)), nnlab.Dense(units, kernel_initializer="ones")])


def _state(model):
    optimizer = model.optimizer
    return (model.get_weights(), optimizer.iterations,
            copy.deepcopy(optimizer.slots) if optimizer.slots is not None else None)


@pytest.mark.parametrize("second_units", [1, 3], ids=["same-shapes", "other-shapes"])
def test_one_optimizer_shared_by_two_models_is_refused_and_changes_nothing(second_units):
    """Keras raises "Unknown variable" when an optimizer built for one model meets another's variables."""
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    shared = nnlab.optimizers.Adam(0.1)
    first, second = _small_model(), _small_model(second_units)
    first.compile(shared, "mse")
    second.compile(shared, "mse")
    first.fit(x, y, epochs=2, batch_size=2, verbose=0)
    weights, iterations, slots = _state(first)
    second_weights = second.get_weights()
    with pytest.raises(ValueError, match=r"`optimizer` must be .*one model.*Adam.*own optimizer"):
        second.fit(x, np.ones((4, second_units), np.float32), epochs=1, verbose=0)
    for got, want in zip(second.get_weights(), second_weights):
        np.testing.assert_array_equal(got, want)
    assert shared.iterations == iterations == 4
    for now, before in zip(shared.slots, slots):
        for key in now:
            np.testing.assert_array_equal(now[key], before[key])
    first.fit(x, y, epochs=1, batch_size=2, verbose=0)  # the first model still trains with it
    assert shared.iterations == 6


def test_keras_also_refuses_an_optimizer_shared_by_two_models(keras):
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    shared = keras.optimizers.Adam(0.1)
    first, second = (keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]) for _ in range(2))
    first.compile(shared, "mse")
    second.compile(shared, "mse")
    first.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="Unknown variable"):
        second.fit(x, y, verbose=0)


def test_an_optimizer_that_was_reset_may_serve_a_new_model():
    x, y = np.ones((4, 2), np.float32), np.ones((4, 1), np.float32)
    optimizer = nnlab.optimizers.SGD(0.1)
    first, second = _small_model(), _small_model()
    first.compile(optimizer, "mse")
    first.fit(x, y, verbose=0)
    optimizer.reset()
    second.compile(optimizer, "mse")
    second.fit(x, y, verbose=0)
    assert optimizer.iterations == 1


# ---------------------------------------------------------------- divergence: which cause, which metrics


def _diverging_message(model, x, y, **kwargs):
    with pytest.warns(nnlab.DivergenceWarning) as caught:
        history = model.fit(x, y, verbose=0, **kwargs)
    assert [w.category for w in caught] == [nnlab.DivergenceWarning]
    return str(caught[0].message), history.history


def test_loss_already_infinite_before_any_update_blames_the_data_not_the_learning_rate():
    x = np.ones((8, 2), np.float32) * 1e19  # z = 2e19, z^2 = 4e38 overflows float32 on the first batch
    model = _small_model()
    model.compile(nnlab.optimizers.SGD(learning_rate=1e-6), "mse")
    message, history = _diverging_message(model, x, np.ones((8, 1), np.float32), batch_size=4, epochs=3)
    assert history["loss"] == [np.inf]
    assert "before any update" in message and "learning rate is not the cause" in message
    assert "huge values or NaN" in message and "1.0e+19" in message and "standardi" in message
    assert "probably too large" not in message


def test_loss_infinite_after_some_updates_blames_the_learning_rate():
    x, y = np.ones((8, 2), np.float32), np.ones((8, 1), np.float32)
    model = nnlab.Sequential([nnlab.Input((2,)), nnlab.Dense(1, kernel_initializer="zeros")])
    model.compile(nnlab.optimizers.SGD(learning_rate=1e6), "mse")  # finite for 3 epochs, then inf
    message, history = _diverging_message(model, x, y, batch_size=8, epochs=20)
    assert len(history["loss"]) == 4
    assert "The learning rate 1e+06 is probably too large: try a smaller one, such as 100000." in message
    assert "before any update" not in message and "huge values" not in message


def test_diverging_epoch_reports_metrics_of_the_batches_before_the_failed_one():
    """Batches of 2: batches 1-2 (x = 0, y = 0) predict 0, all right; batch 3's z = 6e38 overflows to inf."""
    x = np.array([[0, 0], [0, 0], [0, 0], [0, 0], [3e38, 3e38], [0, 0]], np.float32)
    y = np.array([[0], [0], [0], [0], [1], [0]], np.float32)
    model = _small_model()
    model.compile(nnlab.optimizers.SGD(learning_rate=0.1), "mse", metrics=["binary_accuracy"])
    _, history = _diverging_message(model, x, y, batch_size=2, epochs=1, shuffle=False)
    assert history["loss"] == [np.inf]
    assert history["binary_accuracy"] == [1.0]  # 4 right of the 4 counted samples, not 4 of 6


def test_diverging_on_the_very_first_batch_reports_nan_metrics():
    x, y = np.full((4, 2), 3e38, np.float32), np.ones((4, 1), np.float32)
    model = _small_model()
    model.compile(nnlab.optimizers.SGD(learning_rate=0.1), "mse", metrics=["binary_accuracy"])
    _, history = _diverging_message(model, x, y, batch_size=2, epochs=1, shuffle=False)
    assert history["loss"] == [np.inf] and np.isnan(history["binary_accuracy"][0])
