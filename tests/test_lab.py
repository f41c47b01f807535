"""The twin lab's engine: both twins trained from the same start agree, runs repeat exactly, failures get named."""

import copy
import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab import activations, lab
from nnlab.lab import plots
from nnlab.twin import fastfit
from nnlab.twin.compare import BOUND, agreement
from nnlab.lab import Lab, Result, Settings
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
    text = result.parity_text()
    assert text.startswith(f"{AGREE} Compared over 300 epochs (NumPy "), text
    assert not re.search(r"\de-0[6-9]", text), text  # no float noise (about 1e-7) shown


AGREE = agreement({"loss per epoch": 0.0})  # "The twins agree to within <bound> (loss per epoch)."


def _made_up(numpy_loss, keras_loss, parity):
    """A Result with given loss histories (no training), for the wording of parity_text."""
    histories = [{"loss": list(loss), "accuracy": [0.5] * len(loss)} for loss in (numpy_loss, keras_loss)]
    return Result(Settings(), None, None, *histories, 0.1, 0.2, None, [], "ok", "Trained.", parity)


def test_parity_text_is_the_same_on_every_machine():
    """Float noise (1e-7 here, 6e-8 on another CPU) never shows: the agreement is said against the bound."""
    texts = {_made_up([0.7, 0.6, 0.5], [0.7, 0.6 + d, 0.5], d).parity_text() for d in (0.0, 6e-8, 1.2e-7, BOUND)}
    assert texts == {f"{AGREE} Compared over 3 epochs (NumPy 0.10 s, Keras 0.20 s)."}
    assert AGREE.startswith("The twins agree to within ")


def test_parity_text_says_where_chaotic_training_drifts_apart():
    text = _made_up([0.7, 0.6, 0.5, 0.4], [0.7, 0.6, 0.52, 0.3137], 0.0863).parity_text()
    differ = agreement({"loss per epoch": 0.0863})  # "The twins differ by more than <bound>: loss per epoch by 0.086."
    assert differ.endswith(": loss per epoch by 0.086.")
    assert text.startswith(f"{differ} They agree for 2 epochs, then drift apart: training is chaotic here"), text
    first = _made_up([0.7, 0.6], [0.75, 0.6], 0.05).parity_text()
    assert "loss per epoch by 0.05. They drift apart in the first epoch: training is chaotic" in first, first


@pytest.mark.parametrize("numpy_loss, keras_loss, apart", [
    ([0.7, 0.6, 0.5], [0.7, 0.6 + BOUND / 2, 0.5], None),  # within the bound everywhere
    ([0.7, 0.6, 0.5], [0.7, 0.6, 0.5 + 2 * BOUND], 2),
    ([0.7, np.nan], [0.7, np.nan, np.nan], 1),  # a NaN never agrees, not even with a NaN
    ([0.7, 0.6], [0.7, 0.6, 9.0], None),  # only epochs both twins trained are compared
])
def test_first_apart_is_the_first_epoch_beyond_the_bound(numpy_loss, keras_loss, apart):
    assert _made_up(numpy_loss, keras_loss, 0.0).first_apart() == apart


def test_limits_are_checked_before_anything_trains(engine, monkeypatch, rng):
    """epochs x batches per epoch beyond the Keras fast path's capacity: refused at once, with the product."""
    def trained(*args, **kwargs):
        raise AssertionError("training started before the settings were checked")

    monkeypatch.setattr(nnlab.models.Sequential, "fit", trained)
    monkeypatch.setattr(fastfit, "fast_fit", trained)
    most = fastfit.CAPACITY // 300  # 873 epochs of 300 batches
    message = (rf"`epochs` must be at most {most} with 300 batches per epoch, but got 900\. 900 epochs x 300 "
               rf"batches per epoch = 270,000 batches, more than the {fastfit.CAPACITY:,} the Keras twin's fast "
               r"path can record in one run\. Use fewer epochs, a larger batch_size or fewer samples\.")
    too_long = Settings(n_samples=300, epochs=900, batch_size=1)
    with pytest.raises(ValueError, match=message):
        too_long.checked()
    with pytest.raises(ValueError, match=message):
        engine.run(too_long)
    x = rng.standard_normal((300, 2))
    with pytest.raises(ValueError, match=message):  # the learner's own 300 points count the same
        engine.run(Settings(x=x, y=(x[:, 0] > 0).astype(int), epochs=900, batch_size=1))
    assert Settings(n_samples=300, epochs=most, batch_size=1).checked().epochs == most
    with pytest.raises(ValueError, match=rf"at most {most} with 300 batches per epoch, but got {most + 1}\."):
        Settings(n_samples=300, epochs=most + 1, batch_size=1).checked()
    assert Settings(n_samples=300, epochs=fastfit.CAPACITY).checked().epochs == fastfit.CAPACITY  # full batch
    with pytest.raises(ValueError, match=rf"at most {fastfit.CAPACITY} with 1 batch per epoch, but got"):
        Settings(n_samples=300, epochs=fastfit.CAPACITY + 1).checked()


def _value(result):
    """Everything a Result holds, copied: arrays, histories, weights (of both twins), a figure as PNG bytes."""
    value = {}
    for field in dataclasses.fields(result):
        item = getattr(result, field.name)
        if hasattr(item, "savefig"):
            item = png(item)
        elif hasattr(item, "get_weights"):
            item = [w.copy() for w in item.get_weights()]
        value[field.name] = copy.deepcopy(item)
    value["keras_model"] = [w.copy() for w in result.keras_model.get_weights()]
    return value


def _assert_same(value, other):
    assert value.keys() == other.keys()
    for key in value:
        if isinstance(value[key], list) and value[key] and isinstance(value[key][0], np.ndarray):
            assert all(np.array_equal(a, b) for a, b in zip(value[key], other[key])), key
        elif isinstance(value[key], np.ndarray):
            np.testing.assert_array_equal(value[key], other[key])
        else:
            assert value[key] == other[key], key


def test_a_result_is_a_value(engine):
    """A later run of the same architecture (which reuses the compiled Keras twin) leaves an old Result as it was."""
    old = engine.run(Settings(epochs=40))
    before = _value(old)
    engine.run(Settings(epochs=40, learning_rate=0.9))
    _assert_same(before, _value(old))
    np.testing.assert_allclose(old.keras_model(old.x[:5]), old.model.predict(old.x[:5]), atol=1e-5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        old.state = "diverged"


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
    (dict(initializer="zeros", activation="relu"), "stuck"),
    (dict(initializer="zeros", activation="sigmoid"), "stuck"),
    (dict(initializer="ones", hidden=(3, 3)), "stuck"),  # with one layer, the output weights break the tie
    (dict(learning_rate=10), "saturated"),
    (dict(hidden=(8,) * 8, activation="sigmoid", epochs=50), "vanishing"),
    (dict(learning_rate=1e-4), "slow"),
    (dict(activation="relu", hidden=(8, 8, 8), initializer="he_normal", learning_rate=10, epochs=100), "dead"),
])
def test_failures_are_named_in_words(changes, state, engine):
    result = engine.run(Settings(**changes))
    assert result.state == state, result.message
    _assert_diagnosis_matches(result)
    assert len(result.message) > 40 and result.message.split(":")[0].lower().startswith(
        {"stuck": "stuck", "saturated": "saturated", "vanishing": "vanishing", "slow": "barely", "dead": "dead"}[state])


def test_divergence_is_caught_on_both_sides(engine):
    result = engine.run(Settings(learning_rate=10, hidden=(8, 8, 8), activation="linear", epochs=100))
    assert result.diverged and "too large" in result.message
    assert len(result.numpy_history["loss"]) < 100  # nnlab stopped; Keras ran on with NaN
    assert all(np.isfinite(w).all() for w in result.model.get_weights())


def _assert_diagnosis_matches(result):
    """The diagnosis is one of STATES and true of the run; the histories say what happened epoch by epoch."""
    s, ours, theirs = result.settings, result.numpy_history["loss"], result.keras_history["loss"]
    assert result.state in lab.STATES and len(result.message) > 20
    assert len(theirs) == s.epochs  # Keras always runs every epoch (with NaN after a divergence)
    bad = [i for history in (ours, theirs) for i, v in enumerate(history) if not np.isfinite(v)]
    if result.diverged:
        assert bad, result.message  # diverged means a NaN or infinite loss (nnlab's first, else Keras's)
        assert result.message.startswith(f"Diverged in epoch {bad[0] + 1}:"), result.message
        assert len(ours) <= s.epochs
        return
    assert not bad and len(ours) == s.epochs, result.message  # not diverged: every epoch finite, on both sides
    if result.state == "stuck":
        layer = int(re.search(r"hidden layer (\d)", result.message).group(1))
        kernel = result.model.layers[layer - 1].kernel
        assert np.allclose(kernel, kernel[:, :1])
        assert ("is still 0" in result.message) == (not kernel.any()), result.message  # all 0, or equal and moving
    assert result.state != "saturated" or s.activation in ("sigmoid", "tanh")
    assert result.state != "dead" or s.activation == "relu"
    assert result.state != "vanishing" or len(s.hidden) >= 2
    if result.state in ("ok", "slow"):
        assert f"{ours[0]:.3f}" in result.message and f"{ours[-1]:.3f}" in result.message
        assert (len(ours) > 1 and ours[-1] > 0.98 * ours[0]) == (result.state == "slow")


@settings(max_examples=12, deadline=None, database=None)
@given(learning_rate=st.sampled_from([1e-4, 10.0]), initializer=st.sampled_from(lab.INITIALIZERS),
       activation=st.sampled_from(lab.HIDDEN_ACTIVATIONS), layers=st.sampled_from([0, 1, 8]),
       units=st.sampled_from([1, 8]), epochs=st.sampled_from([1, 20]), batch_size=st.sampled_from([None, 1]),
       dataset=st.sampled_from(sorted(nnlab.datasets.TOY_DATASETS)))
def test_extreme_settings_give_a_true_diagnosis(learning_rate, initializer, activation, layers, units, epochs,
                                                batch_size, dataset):
    result = Lab().run(Settings(dataset=dataset, learning_rate=learning_rate, initializer=initializer,
                                activation=activation, hidden=(units,) * layers, epochs=epochs, batch_size=batch_size,
                                n_samples=40))
    _assert_diagnosis_matches(result)
    first_numpy, first_keras = result.numpy_history["loss"][0], result.keras_history["loss"][0]
    if batch_size is None and np.isfinite(first_numpy):  # epoch 1 of full batch: the same start, one forward pass
        assert abs(first_numpy - first_keras) <= BOUND
    if learning_rate == 1e-4:  # tiny steps: nothing chaotic, the twins agree to the bound all along
        assert result.parity <= BOUND and result.parity_text().startswith(AGREE)
    elif result.parity > 1e-3:
        assert "drift apart" in result.parity_text() and f"by {result.parity:.2g}." in result.parity_text()
    fig, artists = plots.lab_figure()
    plots.show_result(fig, artists, result)  # the panel can always draw what came out
    assert png(fig)[:4] == b"\x89PNG"
    np.testing.assert_array_equal(artists["loss"][0].get_ydata(), np.where(
        np.isfinite(result.numpy_history["loss"]), result.numpy_history["loss"], np.nan))


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


@pytest.mark.parametrize("activation", lab.HIDDEN_ACTIVATIONS)
def test_keras_code_computes_what_nnlab_computes_for_every_activation(activation, keras, rng):
    """For each activation the dropdown offers, the printed program's network, given nnlab's weights, predicts
    what nnlab predicts (the program is correct Keras, not just runnable)."""
    s = Settings(hidden=(3, 2), activation=activation, epochs=1, batch_size=8, learning_rate=1e-05).checked()
    x = rng.standard_normal((16, 2)).astype(np.float32)
    namespace = {"x": x, "y": (x[:, 0] > 0).astype(np.float32)}
    exec(lab.keras_code(s), namespace)
    assert "learning_rate=1e-05" in lab.keras_code(s)
    ours = lab.build_model(s)
    namespace["model"].set_weights(ours.get_weights())
    np.testing.assert_allclose(np.asarray(namespace["model"](x)), ours.predict(x), atol=1e-5)


def test_the_activation_list_comes_from_nnlab_activations():
    assert lab.HIDDEN_ACTIVATIONS == sorted(activations.ALL)
    for alias, name in getattr(activations, "ALIASES", {}).items():  # "swish" is Keras's other name for silu
        assert Settings(activation=alias).checked().activation == name
