"""Replay: the frame shown at epoch k is what a fresh run of exactly k epochs gives, for both twins; replaying
changes nothing and never retrains."""

from dataclasses import replace

import numpy as np
import pytest

from nnlab import lab
from nnlab.lab import Lab, Settings
from nnlab.lab.playground import Playground
from nnlab.lab.replay import Replay
from test_lab import _assert_same, _value

# The Keras twin's frames are its own weights, read inside its compiled train step; a fresh fast_fit of k epochs
# runs the very same ops from the same start, so its weights and its grid are bitwise equal to the frame's
# (measured: 0.0 on every case below; the grid is computed once through tf.function, once eagerly, also
# bitwise equal here). The bound leaves room only for a float32 rounding of P(class 1) in [0, 1].
KERAS_BOUND = 1e-6

CASES = {  # name: (settings of the long run, epochs k to check)
    "tanh, full batch, SGD": (Settings(epochs=80), (1, 17, 80)),
    "tanh, mini-batches of 16, momentum": (Settings(epochs=30, batch_size=16, optimizer="momentum"), (3, 29)),
    "relu, mini-batches of 32, Adam": (Settings(epochs=40, batch_size=32, activation="relu", optimizer="adam",
                                              learning_rate=0.05, dataset="circles", seed=3), (1, 12, 40)),
    "relu, full batch, three layers": (Settings(epochs=60, activation="relu", hidden=(6, 6, 6), learning_rate=0.5,
                                              initializer="he_normal"), (5, 33)),
}


@pytest.fixture(scope="module")
def engine(keras):
    return Lab()


def _grid_points(x, resolution=60):
    """The grid over the data with a 0.5 margin, written out here (not taken from the code under test)."""
    low, high = x.min(axis=0) - 0.5, x.max(axis=0) + 0.5
    g1, g2 = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    return np.column_stack([g1.ravel(), g2.ravel()]).astype(np.float32)


@pytest.mark.parametrize("name", CASES)
def test_each_frame_equals_a_fresh_run_of_that_many_epochs(name, engine):
    settings, checked_epochs = CASES[name]
    replay = Replay(engine.run(settings))
    for k in checked_epochs:
        frame = replay.frame(k)
        fresh = engine.run(replace(settings, epochs=k))
        points = _grid_points(fresh.x)
        np.testing.assert_array_equal(frame.numpy_grid, fresh.model.predict(points)[:, 0].reshape(60, 60))
        keras_grid = np.asarray(fresh.keras_model(points, training=False))[:, 0].reshape(60, 60)
        assert np.max(np.abs(frame.keras_grid - keras_grid)) <= KERAS_BOUND, (name, k)
        for mine, theirs in zip(replay.keras_weights(k), fresh.keras_weights):
            assert np.max(np.abs(mine - theirs)) <= KERAS_BOUND, (name, k)
        kernels = [layer.kernel for layer in fresh.model.layers]
        hidden = [output.a for output in fresh.model.forward(fresh.x)[:-1]]
        for shown, expected in zip(frame.weights + frame.activations, kernels + hidden, strict=True):
            np.testing.assert_array_equal(shown, expected)
        for kind, expected in (("weights", kernels), ("activations", hidden)):
            edges, counts = frame.histograms[kind]
            for shown, values in zip(counts, expected, strict=True):
                np.testing.assert_array_equal(shown, np.histogram(values.ravel(), bins=edges)[0])
                assert shown.sum() == values.size  # every value falls inside the run's fixed bins


def test_epoch_zero_is_the_initial_weights(engine):
    settings = Settings(epochs=10, activation="relu")
    replay = Replay(engine.run(settings))
    start = lab.build_model(settings.checked()).get_weights()
    for mine, theirs in zip(replay.numpy_weights(0), start, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    for mine, theirs in zip(replay.keras_weights(0), start, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert replay.frame(0).status.startswith("Epoch 0 of 10: the initial weights")


def test_replay_changes_nothing_in_the_result(engine):
    result = engine.run(Settings(epochs=50, batch_size=32))
    before = _value(result)
    replay = Replay(result)
    for epoch in (0, 7, 50, 3):
        replay.frame(epoch)
    _assert_same(before, _value(result))


def _first_dead_epoch(engine, settings):
    """Found here by training fresh runs of 1, 2, ... epochs: the first with a unit dead on every point."""
    for k in range(1, settings.epochs + 1):
        fresh = engine.run(replace(settings, epochs=k))
        if any(np.all(output.a == 0, axis=0).any() for output in fresh.model.forward(fresh.x)[:-1]):
            return k
    return None


def test_the_status_names_the_epoch_a_relu_unit_dies(engine):
    settings = Settings(epochs=12, activation="relu", learning_rate=3.0, hidden=(4, 4), seed=0)
    dead = _first_dead_epoch(engine, settings)
    assert dead is not None, "these settings were chosen for a unit dying early"
    replay = Replay(engine.run(settings))
    assert "the first dead unit" in replay.frame(dead).status.split(" Before: ")[0]
    assert "dead unit" not in replay.frame(dead - 1).status


def test_the_status_names_divergence_and_drift(engine):
    result = engine.run(Settings(learning_rate=10, activation="linear", hidden=(8, 8, 8), epochs=60))
    assert result.diverged
    first = next(i for i, loss in enumerate(result.numpy_history["loss"]) if not np.isfinite(loss)) + 1
    replay = Replay(result)
    assert "NaN or infinite (divergence)" in replay.frame(first).status.split(" Before: ")[0]
    assert "divergence" not in replay.frame(first - 1).status
    assert "stopped in epoch" in replay.frame(60).status


@pytest.fixture
def playground(keras):
    return Playground(epochs=30)


def _never(*args, **kwargs):
    raise AssertionError("replay retrained")


def test_moving_the_replay_slider_redraws_without_training(playground, monkeypatch):
    monkeypatch.setattr(playground.lab, "run", _never)
    monkeypatch.setattr(Lab, "run", _never)
    assert playground.replay_epoch.value == 30 and playground.replay_epoch.max == 30
    assert "epoch" in playground.replay_epoch.description and playground.replay_epoch.description != "epochs"
    seen = {playground.image.value}
    for epoch in (0, 1, 2, 15):
        playground.replay_epoch.value = epoch
        assert "Could not update" not in playground.status.value, playground.status.value
        assert playground.image.value not in seen  # new pixels for each epoch
        seen.add(playground.image.value)
        assert f"Epoch {epoch} of 30" in playground.replay_status.value


def test_show_epoch_returns_what_it_drew(playground, monkeypatch):
    monkeypatch.setattr(playground.lab, "run", _never)
    frame = playground.show_epoch(12)
    assert frame.epoch == 12 and frame.png == playground.image.value and frame.png[:4] == b"\x89PNG"
    assert playground.replay_epoch.value == 12 and frame.status.startswith("Epoch 12 of 30")
    assert frame.numpy_grid.shape == frame.keras_grid.shape == (60, 60)
    again = playground.show_epoch(12)
    np.testing.assert_array_equal(again.numpy_grid, frame.numpy_grid)
    assert again.png == frame.png  # the same frame draws the same pixels


@pytest.mark.parametrize("epoch, error, message", [
    (31, ValueError, r"`epoch` must be an epoch of the last run, from 0 \(before training\) to 30, but got 31"),
    (-1, ValueError, r"`epoch` must be an epoch of the last run, from 0 \(before training\) to 30, but got -1"),
    (2.5, TypeError, r"`epoch` must be a whole number"),
])
def test_show_epoch_refuses_epochs_outside_the_run(epoch, error, message, playground):
    before = playground.image.value
    with pytest.raises(error, match=message):
        playground.show_epoch(epoch)
    assert playground.image.value == before


def test_a_new_run_resets_the_replay_to_its_last_epoch(playground):
    playground.show_epoch(3)
    playground.update(epochs=45)
    assert playground.replay_epoch.value == playground.replay_epoch.max == playground.play.max == 45
    assert playground.play.step == 1  # about 30 frames when played: 45 // 30


def test_long_runs_record_every_kth_epoch(engine):
    result = engine.run(Settings(epochs=1001, n_samples=40))
    assert list(result.frame_epochs[:3]) == [0, 2, 4] and result.frame_epochs[-2:].tolist() == [1000, 1001]
    replay = Replay(result)
    with pytest.raises(ValueError, match=r"`epoch` must be a recorded epoch: a multiple of 2"):
        replay.frame(3)
    assert replay.frame(1001).epoch == 1001
