"""The Playground panel, driven headlessly: every control retrains both twins; errors stay in the panel."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnlab import lab
from nnlab.lab.playground import Playground

CHANGES = {  # control -> a new value to set through the widget, and the Settings field it must change
    "learning_rate": (0.5, "learning_rate", 0.5),
    "activation": ("relu", "activation", "relu"),
    "initializer": ("he_normal", "initializer", "he_normal"),
    "optimizer": ("adam", "optimizer", "adam"),
    "layers": (1, "hidden", (4,)),
    "units": (3, "hidden", (3, 3)),
    "dataset": ("circles", "dataset", "circles"),
    "noise": (0.5, "noise", 0.5),
    "epochs": (40, "epochs", 40),
    "batch_size": (16, "batch_size", 16),
    "seed": (7, "seed", 7),
}


@pytest.fixture
def playground(keras):
    return Playground(epochs=30)


def test_every_control_retrains_with_its_new_value(playground):
    assert set(playground.controls) == set(CHANGES)
    for name, (value, field, expected) in CHANGES.items():
        before = playground.result
        playground.controls[name].value = value
        after = playground.result
        assert after is not before, name
        assert getattr(after.settings, field) == expected, name
        assert after.parity < 1e-3 or after.state == "diverged", (name, after.parity_text())
        playground.update(**lab.Settings(epochs=30).__dict__ | {"x": None, "y": None})  # back to the start


def test_update_returns_what_the_panel_shows(playground):
    result = playground.update(learning_rate=1.0, epochs=60)
    assert len(result.numpy_history["loss"]) == len(result.keras_history["loss"]) == 60
    assert result.numpy_seconds > 0 and result.keras_seconds > 0 and result.diverged is False
    assert result.figure is playground.figure and playground.image.value[:4] == b"\x89PNG"
    numpy_line = playground._artists["loss"][0]
    np.testing.assert_allclose(numpy_line.get_ydata(), result.numpy_history["loss"])
    assert playground.controls["learning_rate"].value == pytest.approx(1.0)
    assert "NumPy and Keras agree" in playground.status.value


def test_rerun_gives_identical_curves(playground):
    first = playground.result
    playground.rerun.click()
    assert playground.result is not first
    assert playground.result.numpy_history == first.numpy_history
    assert playground.result.keras_history == first.keras_history


def test_keras_code_view_toggles(playground):
    assert playground.code.value == ""
    playground.show_code.value = True
    assert "keras.Sequential" in playground.code.value and "epochs=30" in playground.code.value
    playground.controls["epochs"].value = 35
    assert "epochs=35" in playground.code.value


def test_errors_show_in_the_panel_and_it_keeps_working(playground, monkeypatch):
    def broken(settings):
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(playground.lab, "run", broken)
    playground.controls["learning_rate"].value = 0.3
    assert "Could not update: the engine broke" in playground.status.value
    monkeypatch.undo()
    playground.controls["learning_rate"].value = 0.2
    assert playground.result.settings.learning_rate == pytest.approx(0.2)
    assert "Could not update" not in playground.status.value


def test_bad_changes_are_refused_before_anything_changes(playground):
    before = playground.result
    with pytest.raises(ValueError, match=r"`noise` must be a finite number in \[0, 2\]"):
        playground.update(noise=5)
    with pytest.raises(ValueError, match=r"`changes` must be settings among .*, but got learning_rat"):
        playground.update(learning_rat=1)
    assert playground.result is before and playground.settings == before.settings


def test_failure_states_show_in_words(playground):
    playground.update(initializer="zeros")
    assert "STUCK" in playground.status.value and "same weights" in playground.status.value
    playground.update(initializer="glorot_uniform", learning_rate=10, activation="linear", layers=3, units=8, epochs=60)
    assert "DIVERGED" in playground.status.value


def test_no_figure_or_artist_piles_up(playground):
    """100 updates keep one figure with the same number of artists: the panel redraws, it does not stack."""
    def artist_count():
        return sum(len(ax.get_children()) for ax in playground.figure.axes)

    playground.update(epochs=5)
    counts = artist_count()
    for i in range(100):
        playground.update(learning_rate=[0.05, 0.2][i % 2])
    assert plt.get_fignums() == [] and len(playground.figure.axes) == 6
    assert artist_count() == counts


def test_repr_is_deterministic(playground):
    assert repr(playground) == ("Playground(dataset='moons', hidden=(4, 4), activation='tanh', "
                                "initializer='glorot_uniform', optimizer='sgd', learning_rate=0.1, epochs=30, "
                                "batch_size=None, seed=0)")


def _extremes(control):
    """Every option of a dropdown, or the two ends of a slider / number box."""
    if hasattr(control, "options"):
        return [value for _, value in control.options] if isinstance(control.options[0], tuple) else control.options
    if hasattr(control, "base"):  # FloatLogSlider: min and max are exponents
        return [control.base ** control.min, control.base ** control.max]
    return [control.min, control.max]


def test_every_control_at_its_extremes_gives_a_clear_state(keras):
    """Each control driven through the widget to each end (every option of a dropdown): never a crash."""
    playground = Playground(epochs=20, n_samples=60)
    for name, control in playground.controls.items():
        for value in _extremes(control):
            control.value = value
            assert "Could not update" not in playground.status.value, (name, value, playground.status.value)
            result = playground.result
            assert result.state in lab.STATES and len(result.message) > 20, (name, value)
        playground.update(**{k: v for k, v in lab.Settings(epochs=20, n_samples=60).__dict__.items()
                             if k not in ("x", "y")})


def test_layers_and_units_sliders_combine(playground):
    playground.update(layers=0)
    playground.controls["units"].value = 3   # no hidden layer yet: remembered on the slider
    assert playground.result.settings.hidden == ()
    playground.controls["layers"].value = 2
    assert playground.result.settings.hidden == (3, 3)
