"""The twin lab's engine: both twins trained from the same start agree, runs repeat exactly, failures get named."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab import lab
from nnlab.lab import plots
from nnlab.twin import fastfit
from nnlab.lab import Lab, Settings
from nnlab.lab.render import png


@pytest.fixture(scope="module")
def engine(keras):
    return Lab()


def test_default_run_trains_both_twins_alike(engine):
    result = engine.run(Settings())
    assert len(result.numpy_history["loss"]) == len(result.keras_history["loss"]) == 300
    assert result.parity < 1e-5 and result.state == "ok"
    assert result.numpy_history["loss"][-1] < 0.5 * result.numpy_history["loss"][0]
    np.testing.assert_allclose(result.numpy_history["accuracy"], result.keras_history["accuracy"], atol=1e-6)
    assert result.parity_text().startswith("NumPy and Keras agree: largest loss difference")


def test_same_settings_give_identical_curves(engine):
    first, second = engine.run(Settings(epochs=50)), engine.run(Settings(epochs=50))
    assert first.numpy_history == second.numpy_history
    assert first.keras_history == second.keras_history


@pytest.mark.parametrize("optimizer", sorted(lab.OPTIMIZERS))
@pytest.mark.parametrize("batch_size", [None, 16])
def test_fast_keras_path_equals_plain_keras_fit(optimizer, batch_size, engine, keras):
    """The fast path (one fit over repeated data) reports what 60 ordinary Keras epochs report."""
    s = Settings(optimizer=optimizer, learning_rate=0.05, epochs=12, batch_size=batch_size, n_samples=60).checked()
    fast = engine.run(s)
    x, y = lab.make_data(s)
    plain = nnlab.to_keras(lab.build_model(s))
    history = plain.fit(x, y, epochs=12, batch_size=batch_size or len(x), shuffle=False, verbose=0).history
    for key in ("loss", "accuracy"):
        np.testing.assert_allclose(fast.keras_history[key], history[key], rtol=1e-5, atol=1e-6)
    for got, want in zip(fast.keras_model.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("changes, state", [
    (dict(initializer="zeros"), "stuck"),
    (dict(initializer="ones", hidden=(3, 3)), "stuck"),  # with one layer, the output weights break the tie
    (dict(learning_rate=10), "saturated"),
    (dict(hidden=(8,) * 8, activation="sigmoid", epochs=50), "vanishing"),
    (dict(learning_rate=1e-4), "slow"),
    (dict(activation="relu", hidden=(8, 8, 8), initializer="he_normal", learning_rate=10, epochs=100), "dead"),
])
def test_failures_are_named_in_words(changes, state, engine):
    result = engine.run(Settings(**changes))
    assert result.state == state, result.message
    assert len(result.message) > 40 and result.message.split(":")[0].lower().startswith(
        {"stuck": "stuck", "saturated": "saturated", "vanishing": "vanishing", "slow": "barely", "dead": "dead"}[state])


def test_divergence_is_caught_on_both_sides(engine):
    result = engine.run(Settings(learning_rate=10, hidden=(8, 8, 8), activation="linear", epochs=100))
    assert result.diverged and "too large" in result.message
    assert len(result.numpy_history["loss"]) < 100  # nnlab stopped; Keras ran on with NaN
    assert all(np.isfinite(w).all() for w in result.model.get_weights())


@settings(max_examples=12, deadline=None, database=None)
@given(learning_rate=st.sampled_from([1e-4, 10.0]), initializer=st.sampled_from(lab.INITIALIZERS),
       activation=st.sampled_from(lab.HIDDEN_ACTIVATIONS), layers=st.sampled_from([0, 1, 8]),
       units=st.sampled_from([1, 8]), epochs=st.sampled_from([1, 20]), batch_size=st.sampled_from([None, 1]),
       dataset=st.sampled_from(sorted(nnlab.datasets.TOY_DATASETS)))
def test_extreme_settings_never_crash(learning_rate, initializer, activation, layers, units, epochs, batch_size,
                                      dataset):
    result = Lab().run(Settings(dataset=dataset, learning_rate=learning_rate, initializer=initializer,
                                activation=activation, hidden=(units,) * layers, epochs=epochs, batch_size=batch_size,
                                n_samples=40))
    assert result.state in lab.STATES
    assert len(result.numpy_history["loss"]) >= 1 and len(result.keras_history["loss"]) == epochs
    assert result.message and result.parity_text()
    fig, artists = plots.lab_figure()
    plots.show_result(fig, artists, result)  # the panel can always draw what came out
    assert png(fig)[:4] == b"\x89PNG"


def test_own_data_is_used_and_checked(engine, rng):
    x = rng.standard_normal((30, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    result = engine.run(Settings(x=x, y=y, epochs=20))
    np.testing.assert_array_equal(result.x, x)
    with pytest.raises(ValueError, match=r"`y` must be labels 0 or 1"):
        engine.run(Settings(x=x, y=y * 3))


@pytest.mark.parametrize("field, value, message", [
    ("learning_rate", 0, r"`learning_rate` must be a finite number in \[1e-06, 100\]"),
    ("hidden", (4,) * 9, r"`hidden` must be a tuple of at most 8 layer widths"),
    ("activation", "rleu", r"Did you mean 'relu'"),
    ("dataset", "moon", r"Did you mean 'moons'"),
    ("optimizer", "nesterov", r"`optimizer` must be one of \['adam', 'momentum', 'rmsprop', 'sgd'\]"),
])
def test_bad_settings_name_the_field(field, value, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Settings(**{field: value}).checked()


def test_keras_code_is_the_program_that_builds_the_twin(keras, rng):
    """The code shown to learners runs, and builds the same architecture with the same compile settings."""
    s = Settings(hidden=(5, 3), activation="relu", optimizer="adam", learning_rate=0.02, epochs=2, batch_size=8)
    x = rng.standard_normal((16, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    namespace = {"x": x, "y": y}
    exec(lab.keras_code(s), namespace)
    model, twin = namespace["model"], fastfit.to_fast_keras(lab.build_model(s.checked()))
    assert [l.get_config()["units"] for l in model.layers] == [l.get_config()["units"] for l in twin.layers]
    assert [l.activation.__name__ for l in model.layers] == ["relu", "relu", "sigmoid"]
    assert type(model.optimizer).__name__ == "Adam" and float(model.optimizer.learning_rate) == pytest.approx(0.02)
    assert len(namespace["history"].history["loss"]) == 2
