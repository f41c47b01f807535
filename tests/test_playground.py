"""The Playground panel, driven headlessly: every control retrains both twins; errors stay in the panel."""

import re
from dataclasses import fields

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnlab
from matplotlib.colors import to_rgb

from nnlab import lab
from nnlab.lab import Settings, plots
from nnlab.lab.playground import Playground
from nnlab.twin import fastfit
from nnlab.twin.compare import agreement
from test_lab import _assert_same, _value

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


def _assert_controls_show_the_run(playground):
    """Every control shows what the last run used (layers and units as hidden = (units,) * layers)."""
    s = playground.result.settings
    assert s == playground.settings
    shown = {name: control.value for name, control in playground.controls.items()}
    units = s.hidden[0] if s.hidden else shown["units"]  # with no hidden layer the units slider is only remembered
    assert shown == {"learning_rate": s.learning_rate, "activation": s.activation, "initializer": s.initializer,
                     "optimizer": s.optimizer, "layers": len(s.hidden), "units": units, "dataset": s.dataset,
                     "noise": s.noise, "epochs": s.epochs, "batch_size": s.batch_size or 0, "seed": s.seed}


def _panel_state(playground):
    """Everything a refused change must leave alone: settings, result, controls, options, figure, image, status."""
    return {"settings": playground.settings, "result": playground.result,
            "controls": {name: control.value for name, control in playground.controls.items()},
            "batch_options": playground.controls["batch_size"].options, "image": playground.image.value,
            "loss": playground._artists["loss"][0].get_ydata().copy(), "status": playground.status.value}


def _never_trains(*args, **kwargs):
    raise AssertionError("training started before the change was checked")


def test_every_control_retrains_with_its_new_value(playground):
    assert set(playground.controls) == set(CHANGES)
    for name, (value, field, expected) in CHANGES.items():
        before = playground.result
        playground.controls[name].value = value
        after = playground.result
        assert after is not before, name
        assert getattr(after.settings, field) == expected, name
        assert after.parity < 1e-3 or after.state == "diverged", (name, after.parity_text())
        _assert_controls_show_the_run(playground)
        playground.update(**lab.Settings(epochs=30).__dict__ | {"x": None, "y": None})  # back to the start


def test_update_returns_what_the_panel_shows(playground):
    result = playground.update(learning_rate=1.0, epochs=60)
    assert len(result.numpy_history["loss"]) == len(result.keras_history["loss"]) == 60
    assert result.numpy_seconds > 0 and result.keras_seconds > 0 and result.diverged is False
    assert playground.image.value[:4] == b"\x89PNG"
    numpy_line = playground._artists["loss"][0]
    np.testing.assert_allclose(numpy_line.get_ydata(), result.numpy_history["loss"])
    assert playground.controls["learning_rate"].value == pytest.approx(1.0)
    assert agreement({"loss per epoch": 0.0}) in playground.status.value  # "The twins agree to within ..."
    _assert_controls_show_the_run(playground)


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
    assert playground.controls["learning_rate"].value == pytest.approx(0.1)  # back on what ran
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
    assert "STUCK" in playground.status.value and "is still 0" in playground.status.value
    playground.update(initializer="ones")
    assert "STUCK" in playground.status.value and "same weights" in playground.status.value
    playground.update(initializer="glorot_uniform", learning_rate=10, activation="linear", layers=3, units=8, epochs=60)
    assert "DIVERGED" in playground.status.value and "nan%" not in playground.status.value
    assert "No final accuracy (NaN outputs)." in playground.status.value
    assert "the loss blows up on both sides" in playground.status.value and "chaotic" not in playground.status.value


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


def test_repr_is_deterministic_and_names_every_setting(playground):
    assert repr(playground) == ("Playground(dataset='moons', n_samples=200, noise=0.2, hidden=(4, 4), activation='tanh', "
                                "initializer='glorot_uniform', optimizer='sgd', learning_rate=0.1, epochs=30, "
                                "batch_size=None, seed=0)")
    names = {f.name for f in fields(Settings) if f.repr}  # a new setting must show up in the repr too
    assert names == set(re.findall(r"(\w+)=", repr(playground))), names


def _extremes(control):
    """Every option of a dropdown, or the two ends of a slider / number box."""
    if hasattr(control, "options"):
        return [value for _, value in control.options] if isinstance(control.options[0], tuple) else control.options
    if hasattr(control, "base"):  # FloatLogSlider: min and max are exponents
        return [control.base ** control.min, control.base ** control.max]
    return [control.min, control.max]


def test_every_control_at_its_extremes_gives_a_clear_state(keras):
    """Each control driven through the widget to each end (every option of a dropdown): a run it shows."""
    playground = Playground(epochs=20, n_samples=60)
    for name, control in playground.controls.items():
        for value in _extremes(control):
            control.value = value
            assert "Could not update" not in playground.status.value, (name, value, playground.status.value)
            result = playground.result
            assert result.state in lab.STATES and len(result.message) > 20, (name, value)
            _assert_controls_show_the_run(playground)
            assert control.value == value, (name, value)
        playground.update(**{k: v for k, v in lab.Settings(epochs=20, n_samples=60).__dict__.items()
                             if k not in ("x", "y")})


def test_any_batch_size_is_shown_on_its_dropdown(keras):
    """A batch size that is not among the options becomes one, so the dropdown always shows what ran."""
    playground = Playground(batch_size=200, epochs=5)
    assert playground.result.settings.batch_size == 200 and playground.controls["batch_size"].value == 200
    _assert_controls_show_the_run(playground)
    playground.update(batch_size=50)
    _assert_controls_show_the_run(playground)
    options = [size for _, size in playground.controls["batch_size"].options]
    assert options == sorted(options) and {0, 1, 50, 200} <= set(options)
    playground.controls["batch_size"].value = 16
    assert playground.result.settings.batch_size == 16
    _assert_controls_show_the_run(playground)


@pytest.mark.parametrize("changes, message", [
    (dict(learning_rate=50), r"`learning_rate` must be within the range of the panel's learning rate control, "
                             r"\[0\.0001, 10\], but got 50\.0\. Settings accepts it: run it outside the panel with "
                             r"nnlab\.lab\.Lab\(\)\.run\(nnlab\.lab\.Settings\(learning_rate=50\.0\)\)\."),
    (dict(learning_rate=1e-5), r"`learning_rate` must be within .* \[0\.0001, 10\], but got 1e-05\."),
    (dict(noise=1.5), r"`noise` must be within the range of the panel's noise control, \[0, 1\], but got 1\.5\."),
    (dict(epochs=1001), r"`epochs` must be within the range of the panel's epochs control, \[1, 1000\], but got 1001"),
    (dict(seed=10**6 + 1), r"`seed` must be within .* \[0, 1000000\], but got 1000001\."),
    (dict(units=9), r"`hidden` must be within the range of the panel's units per layer control, \[1, 8\], "
                    r"but got \(9, 9\)\."),
    (dict(hidden=(5, 3)), r"`hidden` must be the same width in every layer .*, but got \(5, 3\)\."),
    (dict(epochs=900, batch_size=1, n_samples=300), r"`epochs` must be at most 873 with 300 batches per epoch"),
])
def test_changes_the_controls_cannot_show_are_refused_and_change_nothing(changes, message, playground,
                                                                         monkeypatch):
    before = _panel_state(playground)
    monkeypatch.setattr(playground.lab, "run", _never_trains)
    with pytest.raises(ValueError, match=message):
        playground.update(**changes)
    after = _panel_state(playground)
    np.testing.assert_array_equal(after.pop("loss"), before.pop("loss"))
    assert after == before
    _assert_controls_show_the_run(playground)


def test_a_playground_the_controls_cannot_show_is_refused_before_training(keras, monkeypatch):
    monkeypatch.setattr(nnlab.models.Sequential, "fit", _never_trains)
    monkeypatch.setattr(fastfit, "fast_fit", _never_trains)
    with pytest.raises(ValueError, match=r"`learning_rate` must be within .* \[0\.0001, 10\], but got 50\.0\."):
        Playground(learning_rate=50)
    with pytest.raises(ValueError, match=r"`hidden` must be within .* \[1, 8\], but got \(16,\)\."):
        Playground(hidden=(16,))


def test_a_control_change_too_long_to_run_is_refused_and_the_control_goes_back(keras, monkeypatch):
    """Moving the epochs slider past the Keras fast path's capacity: an error in the panel, nothing trained,
    and the slider back on what ran."""
    playground = Playground(n_samples=300, batch_size=1, epochs=5)
    before = _panel_state(playground)
    monkeypatch.setattr(nnlab.models.Sequential, "fit", _never_trains)
    playground.controls["epochs"].value = 900
    assert "Could not update: `epochs` must be at most 873 with 300 batches per epoch" in playground.status.value
    assert "900 epochs x 300 batches per epoch = 270,000 batches" in playground.status.value
    after = _panel_state(playground)
    assert after.pop("status") != before.pop("status")
    np.testing.assert_array_equal(after.pop("loss"), before.pop("loss"))
    assert after == before and playground.controls["epochs"].value == 5


def test_an_old_result_is_unchanged_by_a_later_update(playground):
    old = playground.update(learning_rate=0.5)
    before = _value(old)
    playground.update(learning_rate=0.05, epochs=40)
    _assert_same(before, _value(old))


def test_the_activation_dropdown_offers_every_nnlab_activation(playground):
    assert list(playground.controls["activation"].options) == sorted(nnlab.activations.ALL)


def test_layers_and_units_sliders_combine(playground):
    playground.update(layers=0)
    playground.controls["units"].value = 3   # no hidden layer yet: remembered on the slider
    assert playground.result.settings.hidden == ()
    playground.controls["layers"].value = 2
    assert playground.result.settings.hidden == (3, 3)


def _luminance(color):
    """Relative luminance (WCAG) of an RGB(A) colour."""
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(color)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _drawn_boxes(ax, renderer):
    """Where an Axes draws: its plot area (curves, points), title, axis labels and the tick labels shown."""
    texts = [ax.title, ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()]
    for axis in (ax.xaxis, ax.yaxis):
        low, high = sorted(axis.get_view_interval())
        texts += [label for where, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
                  if low <= where <= high]
    return [ax.bbox] + [text.get_window_extent(renderer) for text in texts if text.get_text()]


@pytest.mark.parametrize("changes", [{}, dict(learning_rate=10), dict(learning_rate=10, activation="linear",
                                                                       layers=3, units=8, epochs=60)],
                         ids=["default", "largest learning rate", "diverged"])
def test_every_key_sits_outside_the_plots_and_every_point_shows(changes, playground):
    """No legend covers a curve, a point, a title or a tick label; a key names the classes and the shading;
    each class has its own marker, edged in black, and stands out from the shading where it is predicted."""
    playground.update(**changes)
    fig = playground.figure
    renderer = fig.canvas.get_renderer()
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    assert len(legends) == 4  # the twins' key, the classes' key, the layers of each histogram
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1
        for ax in fig.axes:
            for drawn in _drawn_boxes(ax, renderer):
                assert not box.overlaps(drawn), (legend.get_texts()[0].get_text(), ax.get_title())
    key = " | ".join(t.get_text() for legend in fig.legends for t in legend.get_texts())
    for words in ("NumPy (nnlab)", "Keras twin", "class 0", "class 1", "predicts 0", "predicts 1", "P(class 1) = 0.5"):
        assert words in key, key
    for name in ("numpy_boundary", "keras_boundary"):
        points = playground._artists[name]["points"]
        assert not np.array_equal(points[0].get_paths()[0].vertices, points[1].get_paths()[0].vertices)
        for label, scatter in enumerate(points):
            shading = plots.CLASS_MAP(float(label))  # the background where the network predicts this class
            assert len(scatter.get_offsets()) == np.sum(playground.result.y == label)
            assert _contrast(scatter.get_edgecolor()[0], shading) >= 4.5  # the edge: readable on the shading
            assert np.abs(np.subtract(to_rgb(scatter.get_facecolor()[0]), to_rgb(shading))).max() > 0.25
