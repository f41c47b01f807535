"""nnlab.course.explore (pure functions) and nnlab.course.explore_widgets (driven headlessly: controls, buttons, figures, reprs)."""

import math
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from nnlab import activations, initializers
from nnlab.course import explore
from nnlab.course import explore_widgets as ew

# ---------------------------------------------------------------- one neuron (Lesson 01)


def test_neuron_with_sigmoid_at_z_zero_gives_one_half():
    z, a = explore.neuron([[0.0, 0.0], [2.0, 4.0]], w=[1.0, -0.5], b=0.0, activation="sigmoid")
    np.testing.assert_allclose(z, [0.0, 0.0])
    np.testing.assert_allclose(a, [0.5, 0.5])


@pytest.mark.parametrize("name", explore.NEURON_ACTIVATIONS)
def test_neuron_is_activation_of_x_dot_w_plus_b(name, rng):
    x, w, b = rng.normal(size=(7, 3)), rng.normal(size=3), 0.3
    z, a = explore.neuron(x, w, b, name)
    np.testing.assert_allclose(z, x @ w + b)
    np.testing.assert_allclose(a, activations.ALL[name](x @ w + b))
    assert z.shape == a.shape == (7,)


def test_neuron_refuses_softmax_and_says_why():
    with pytest.raises(ValueError, match=r"`activation`.*several units"):
        explore.neuron([[1.0]], [1.0], 0.0, "softmax")


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(x=[[1.0, 2.0]], w=[1.0]), r"`w` must be one weight per input"),
    (dict(x=[1.0, 2.0], w=[1.0]), r"`x` must be an array with 2 dimension"),
    (dict(x=[[1.0]], w=[1.0], b=float("nan")), r"`b` must be a finite number"),
    (dict(x=[[1.0]], w=[1.0], activation="sigmod"), r"`activation`.*Did you mean 'sigmoid'"),
])
def test_neuron_errors_name_the_argument(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        explore.neuron(**kwargs)


def test_neuron_curve_spans_the_range():
    x, z, a = explore.neuron_curve(2.0, b=-1.0, activation="relu", x_range=(-3, 3), n_points=61)
    assert x.shape == z.shape == a.shape == (61,)
    assert (x[0], x[-1]) == (-3.0, 3.0)
    np.testing.assert_allclose(a, np.maximum(2 * x - 1, 0))
    with pytest.raises(ValueError, match="`x_range` must be a pair"):
        explore.neuron_curve(1.0, x_range=(5, -5))


def test_neuron_grid_rows_are_x2_and_columns_x1():
    grid = explore.neuron_grid([1.0, -0.5], b=0.2, activation="tanh", extent=(-2, 2, -1, 1), resolution=11)
    assert grid.x1.shape == grid.x2.shape == (11,) and grid.a.shape == grid.z.shape == (11, 11)
    i, j = 3, 8
    assert grid.z[i, j] == pytest.approx(1.0 * grid.x1[j] - 0.5 * grid.x2[i] + 0.2)
    np.testing.assert_allclose(grid.a, np.tanh(grid.z))


@pytest.mark.parametrize("w", [(1.0, -0.5), (3.0, 0.5), (0.0, 2.0), (2.0, 0.0)])
def test_decision_line_is_where_z_is_zero(w):
    x1, x2 = explore.decision_line(w, b=0.7, extent=(-3, 3, -3, 3))
    assert x1.shape == x2.shape == (2,)
    np.testing.assert_allclose(w[0] * x1 + w[1] * x2 + 0.7, 0.0, atol=1e-12)


def test_decision_line_is_empty_without_weights():
    x1, x2 = explore.decision_line((0.0, 0.0), b=1.0)
    assert x1.size == x2.size == 0


def test_output_range_uses_an_activations_own_bounds():
    assert explore.output_range("sigmoid", np.array([0.4, 0.6])) == (0.0, 1.0)
    assert explore.output_range("tanh", np.array([0.0])) == (-1.0, 1.0)
    assert explore.output_range("linear", np.array([-7.0, 3.0])) == (-7.0, 3.0)


# ---------------------------------------------------------------- activations and their slopes


@pytest.mark.parametrize("name", sorted(activations.ALL))
def test_activation_slope_matches_finite_differences(name):
    z = np.concatenate([np.linspace(-6, -0.1, 40), np.linspace(0.1, 6, 40)])  # away from relu's kink at 0
    a, da_dz = explore.activation_curves(name, z)
    h = 1e-6
    numeric = (explore.activation_curves(name, z + h)[0] - explore.activation_curves(name, z - h)[0]) / (2 * h)
    assert a.shape == da_dz.shape == z.shape
    np.testing.assert_allclose(da_dz, numeric, rtol=1e-5, atol=1e-8)


def test_softmax_curve_is_the_first_of_two_units_so_equals_sigmoid():
    z = np.linspace(-8, 8, 33)
    a, da_dz = explore.activation_curves("softmax", z)
    np.testing.assert_allclose(a, activations.sigmoid(z), rtol=1e-12)
    np.testing.assert_allclose(da_dz, activations.sigmoid_derivative(z), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name, saturated_at, free_at", [
    ("sigmoid", [-6.0, 6.0], [0.0, 4.0]), ("tanh", [-4.0, 4.0], [0.0, 2.0]), ("relu", [-3.0], [0.5, 3.0]),
    ("linear", [], [-6.0, 6.0]), ("leaky_relu", [], [-6.0, 6.0]),
])
def test_saturation_is_where_the_slope_is_below_one_percent(name, saturated_at, free_at):
    z = np.array(saturated_at + free_at)
    marked = explore.saturated(explore.activation_curves(name, z)[1])
    assert marked.tolist() == [True] * len(saturated_at) + [False] * len(free_at)


def test_activation_profile_refuses_an_empty_range():
    profile = explore.activation_profile("tanh", (-2, 2), n_points=5)
    np.testing.assert_allclose(profile.z, [-2, -1, 0, 1, 2])
    with pytest.raises(ValueError, match="`z_range` must be a pair"):
        explore.activation_profile("tanh", (2, 2))


# ---------------------------------------------------------------- gradient descent, one step at a time


@pytest.mark.parametrize("learning_rate, k", [(0.5, 6), (2.0, 3)])
def test_stepper_steps_equal_fit_with_full_batches(learning_rate, k):
    stepper = explore.GradientDescentStepper(learning_rate, seed=3)
    records = [stepper.step() for _ in range(k)]
    model = explore.xor_model(learning_rate, seed=3)
    history = model.fit(explore.XOR_X, explore.XOR_Y, batch_size=4, epochs=k, shuffle=False, verbose=0)
    for ours, theirs in zip(stepper.model.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert stepper.losses == history.history["loss"] == [r.loss for r in records]


def test_step_record_has_the_four_phases():
    stepper = explore.GradientDescentStepper(0.5, seed=0)
    start = stepper.model.get_weights()
    expected_gradients = explore.xor_model(0.5, seed=0).gradients(explore.XOR_X, explore.XOR_Y)
    record = stepper.step()
    assert record.step == 1
    assert [(o.z.shape, o.a.shape) for o in record.forward] == [((4, 2), (4, 2)), ((4, 1), (4, 1))]
    np.testing.assert_allclose(record.forward[0].a, np.tanh(record.forward[0].z))
    for before, old, g, change, after in zip(record.before, start, record.gradients, record.change, record.after):
        np.testing.assert_array_equal(before, old)
        np.testing.assert_allclose(change, np.float32(0.5) * g, rtol=1e-6, atol=1e-7)
        np.testing.assert_array_equal(after, before - change)
    for got, want in zip(record.gradients, expected_gradients):
        np.testing.assert_array_equal(got, want)


def test_stepper_reset_and_seed_are_deterministic():
    a, b = explore.GradientDescentStepper(0.5, seed=1), explore.GradientDescentStepper(0.5, seed=1)
    first = a.step()
    a.step()
    a.reset()
    assert a.losses == []
    assert a.step().loss == first.loss == b.step().loss
    assert explore.GradientDescentStepper(0.5, seed=2).step().loss != first.loss


def test_stepper_learning_rate_is_checked():
    stepper = explore.GradientDescentStepper()
    with pytest.raises(ValueError, match="`learning_rate` must be a finite number in \\(0"):
        stepper.learning_rate = 0
    stepper.learning_rate = 0.1
    assert stepper.model.optimizer.learning_rate == 0.1


def test_format_step_rounds_to_three_decimals():
    stepper = explore.GradientDescentStepper(0.5)
    text = explore.format_step(stepper.step(), stepper.weight_names(), stepper.learning_rate)
    for phase in ("1. Forward pass", "2. Loss", "3. Backward pass", "4. Update"):
        assert phase in text
    assert "dL/d(dense_1.bias)" in text and "-0.000" not in text
    values = re.findall(r"-?\d+\.\d+", text.replace("learning_rate = 0.5", ""))
    assert len(values) > 40 and {len(v.split(".")[1]) for v in values} == {3}


# ---------------------------------------------------------------- initialization (Lesson 05)


def test_layer_statistics_shapes_summaries_and_relu_gradients():
    stats = explore.layer_statistics(3, 5, "relu", "he_normal", n_samples=20)
    assert [a.shape for a in stats.activations] == [(20, 5)] * 3 == [g.shape for g in stats.gradients]
    acts, grads = stats.activations, stats.gradients
    for values, expected in [(stats.activation_mean, [a.mean() for a in acts]),
                             (stats.activation_std, [a.std() for a in acts]),
                             (stats.gradient_mean, [g.mean() for g in grads]),
                             (stats.gradient_std, [g.std() for g in grads]),
                             (stats.unit_std, [a.std(axis=1).mean() for a in acts])]:  # across units, per sample
        assert values.shape == (3,)
        np.testing.assert_allclose(values, expected, rtol=1e-6)
    for a, g in zip(acts, grads):  # relu: a >= 0, and no gradient flows through a unit that is off (a = 0)
        assert a.min() >= 0 and (a == 0).any() and (a > 0).any()
        np.testing.assert_array_equal(g[a == 0], 0.0)
        assert np.count_nonzero(g[a > 0]) > 0.5 * np.count_nonzero(a > 0)


def test_tanh_with_glorot_keeps_its_spread():
    stats = explore.layer_statistics(8, 64, "tanh", "glorot_uniform")
    assert np.all((stats.activation_std > 0.1) & (stats.activation_std < 1.0))
    assert explore.verdict(stats).startswith("healthy")


def test_small_random_normal_weights_make_activations_vanish():
    stats = explore.layer_statistics(8, 64, "tanh", "random_normal")
    assert stats.activation_std[-1] < 0.01 < stats.activation_std[0]
    assert np.all(np.diff(stats.activation_std) < 0)
    assert explore.verdict(stats).startswith("activations vanish by layer ")


@pytest.mark.parametrize("initializer", ["zeros", "ones", "constant"])
def test_constant_weights_never_break_symmetry(initializer):
    stats = explore.layer_statistics(4, 16, "tanh", initializer)
    assert np.all(stats.unit_std == 0)
    assert explore.verdict(stats) == "every unit in a layer is identical: symmetry is never broken"


def test_sigmoid_gradients_vanish_on_the_way_back():
    stats = explore.layer_statistics(8, 64, "sigmoid", "glorot_uniform")
    assert stats.gradient_std[0] < 0.01 * stats.gradient_std[-1]
    assert explore.verdict(stats).startswith("gradients vanish on the way back")


def test_gradients_follow_the_chain_rule_through_linear_layers():
    stats = explore.layer_statistics(3, 6, "linear", "glorot_normal", n_samples=10, seed=4)
    kernels = [layer.kernel for layer in explore.deep_network(3, 6, "linear", "glorot_normal", seed=4).layers]
    for l in range(2):  # with a = z and zero biases: a_(l+1) = a_l @ W, dL/dz_l = dL/dz_(l+1) @ W.T
        np.testing.assert_allclose(stats.activations[l + 1], stats.activations[l] @ kernels[l + 1], rtol=1e-4)
        np.testing.assert_allclose(stats.gradients[l], stats.gradients[l + 1] @ kernels[l + 1].T, rtol=1e-4,
                                   atol=1e-6)


def test_layer_statistics_is_repeatable_for_a_seed():
    a, b = (explore.layer_statistics(2, 8, "tanh", "he_uniform", n_samples=10, seed=5) for _ in range(2))
    c = explore.layer_statistics(2, 8, "tanh", "he_uniform", n_samples=10, seed=6)
    np.testing.assert_array_equal(a.gradients[0], b.gradients[0])
    assert not np.array_equal(a.activations[1], c.activations[1])


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(depth=0, width=4), ValueError, "`depth` must be at least 1"),
    (dict(depth=2, width=4.5), TypeError, "`width` must be a whole number"),
    (dict(depth=2, width=4, initializer="glorot"), ValueError, "`initializer`.*Did you mean 'glorot_normal'"),
    (dict(depth=2, width=4, activation="tahn"), ValueError, "`activation`.*Did you mean 'tanh'"),
])
def test_layer_statistics_errors_name_the_argument(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        explore.layer_statistics(**kwargs)


def test_histograms_share_one_range_with_peaks_at_one(rng):
    edges, heights = explore.histograms([rng.normal(size=500), 0.01 * rng.normal(size=500)], bins=21)
    assert edges.shape == (22,) and heights.shape == (2, 21)
    np.testing.assert_allclose(heights.max(axis=1), 1.0)
    assert edges[0] < 0 < edges[-1]
    assert np.count_nonzero(heights[1]) < np.count_nonzero(heights[0])  # the narrow layer fills fewer bins
    edges, heights = explore.histograms([np.zeros(10)])
    assert (edges[0], edges[-1]) == (-1.0, 1.0) and heights.max() == 1.0


# ---------------------------------------------------------------- widgets, driven without a browser


def _texts(fig):
    return [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]


@pytest.fixture(scope="module")
def neuron_widget():
    return ew.NeuronExplorer()


def test_neuron_widget_repr_and_controls(neuron_widget):
    w = neuron_widget
    assert repr(w) == "NeuronExplorer(w=(1.0, -0.5), b=0.0, activation='sigmoid')"
    assert repr(ew.NeuronExplorer()) == repr(w)
    assert list(w.controls["activation"].options) == sorted(set(activations.ALL) - {"softmax"})
    assert "softmax" in w.controls["activation"].tooltip
    bundle = w._repr_mimebundle_()
    assert bundle["text/plain"] == repr(w) and "application/vnd.jupyter.widget-view+json" in bundle
    assert bytes(w.image.value).startswith(b"\x89PNG")


def test_neuron_widget_redraws_when_a_slider_moves(neuron_widget):
    w = neuron_widget
    line, image, boundary = w.artists
    before = w.image.value
    w.controls["w1"].value = 2.0
    np.testing.assert_allclose(line.get_ydata(), explore.neuron_curve(2.0, 0.0, "sigmoid").a)
    assert w.image.value != before
    curve, grid = w.update(w2=1.0, b=-1.0, activation="relu")
    np.testing.assert_allclose(np.asarray(image.get_array()), explore.neuron_grid([2.0, 1.0], -1.0, "relu").a)
    np.testing.assert_allclose(curve.a, np.maximum(2.0 * curve.x - 1.0, 0))
    x1, x2 = boundary.get_data()
    np.testing.assert_allclose(2.0 * x1 + 1.0 * x2 - 1.0, 0.0, atol=1e-12)
    assert repr(w) == "NeuronExplorer(w=(2.0, 1.0), b=-1.0, activation='relu')"


def test_neuron_widget_shows_errors_and_keeps_working(neuron_widget):
    w = neuron_widget
    w.controls["w1"].value = float("nan")  # a slider lets NaN through: the callback fails inside
    assert "Could not update" in w.message.value and "`w`" in w.message.value
    w.controls["w1"].value = 1.5
    assert w.message.value == ""
    np.testing.assert_allclose(w.artists[0].get_ydata(), w.result[0].a)
    assert w.result[0].a == pytest.approx(explore.neuron_curve(1.5, w.value("b"), w.value("activation")).a)
    assert w.update(w1="heavy") is None and "Could not update" in w.message.value
    with pytest.raises(TypeError, match="`update` must be settings among"):
        w.update(w3=1.0)


def test_activation_widget_plots_function_slope_and_saturation():
    w = ew.ActivationExplorer()
    assert repr(w) == "ActivationExplorer(activation='sigmoid', z_range=(-6.0, 6.0))"
    assert list(w.controls["activation"].options) == sorted(activations.ALL)
    a_line, slope, band = w.artists
    assert len(band.get_paths()) == 2  # |z| > 4.6 on both sides
    w.controls["activation"].value = "tanh"
    np.testing.assert_allclose(a_line.get_ydata(), np.tanh(a_line.get_xdata()))
    np.testing.assert_allclose(slope.get_ydata(), 1 - np.tanh(slope.get_xdata()) ** 2)
    assert "tanh" in a_line.axes.get_title()
    w.controls["activation"].value = "linear"
    assert len(w.artists[2].get_paths()) == 0 and band.axes is None  # the old band was removed
    assert len(a_line.axes.get_legend().get_texts()) == 3


def test_activation_widget_survives_an_empty_z_range():
    w = ew.ActivationExplorer("relu")
    w.controls["z_range"].value = (2.0, 2.0)
    assert "Could not update" in w.message.value and "`z_range`" in w.message.value
    w.controls["z_range"].value = (-3.0, 3.0)
    assert w.message.value == ""
    assert w.artists[0].get_xdata()[[0, -1]].tolist() == [-3.0, 3.0]


def test_stepper_widget_buttons_step_and_reset():
    w = ew.GradientDescentExplorer(learning_rate=0.5, seed=0)
    assert repr(w) == "GradientDescentExplorer(learning_rate=0.5, steps=0)"
    assert "Press Step" in w.panel.value
    for _ in range(3):
        w.controls["step"].click()
    line = w.artists[0]
    assert repr(w) == "GradientDescentExplorer(learning_rate=0.5, steps=3)"
    np.testing.assert_array_equal(line.get_ydata(), w.stepper.losses)
    assert "Step 3" in w.panel.value and "4. Update" in w.panel.value
    w.controls["reset"].click()
    assert len(line.get_xdata()) == 0 and w.stepper.losses == [] and "Press Step" in w.panel.value


def test_stepper_widget_refuses_a_bad_learning_rate_then_recovers():
    w = ew.GradientDescentExplorer()
    w.controls["learning_rate"].value = -1.0
    assert "Could not update" in w.message.value and "`learning_rate`" in w.message.value
    w.controls["step"].click()  # the bad rate is not used for a step
    assert w.stepper.losses == [] and "Could not update" in w.message.value
    w.controls["learning_rate"].value = 0.1
    record = w.step()
    assert w.message.value == "" and len(w.stepper.losses) == 1
    np.testing.assert_allclose(record.change[-1], np.float32(0.1) * record.gradients[-1], rtol=1e-6)


def test_initialization_widget_verdicts_and_layers():
    w = ew.InitializationExplorer(depth=4, width=16)  # small, so that each redraw is quick
    assert repr(w) == "InitializationExplorer(depth=4, width=16, activation='tanh', initializer='glorot_uniform')"
    assert list(w.controls["initializer"].options) == sorted(initializers.ALIASES)
    assert w.controls["depth"].continuous_update is False
    assert "healthy" in w.verdict.value
    w.controls["initializer"].value = "zeros"
    assert "symmetry is never broken" in w.verdict.value
    assert "symmetry" in w.figure._suptitle.get_text()
    stats = w.update(depth=6, initializer="random_normal")
    assert "activations vanish" in w.verdict.value and len(stats.activations) == 6
    assert len(w.axes[0].patches) == 6 and len(w.axes[0].get_yticks()) == 6
    np.testing.assert_allclose(w.artists[0].get_ydata(), np.maximum(stats.activation_std, 1e-8))
    assert w.update(initializer="nope") is None and "Could not update" in w.message.value
    w.update(initializer="he_normal")
    assert w.message.value == "" and len(w.axes[1].patches) == 6


def test_widgets_do_not_leak_pyplot_figures_and_use_legible_text():
    plt.close("all")
    widgets = [ew.GradientDescentExplorer(), ew.ActivationExplorer(), ew.NeuronExplorer()]
    for i in range(50):  # the two fastest widgets take the 50 updates
        widgets[i % 2].update(**({"learning_rate": 0.1 + i / 100} if i % 2 == 0 else {"z_range": (-1.0 - i / 10, 4.0)}))
    widgets[0].step(5)
    assert plt.get_fignums() == []
    widgets.append(ew.InitializationExplorer(depth=3, width=8))
    for w in widgets:
        assert all(t.get_fontsize() >= 9 for t in _texts(w.figure)), type(w).__name__
        for ax in {artist.axes for artist in w.artists}:
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert plt.get_fignums() == []


def coloured_pixels(rgb):
    """The distinct colours of an (h, w, 3) uint8 image that are not grey: text, ticks and frames are grey."""
    rgb = rgb.astype(int)
    return np.unique(rgb[rgb.max(axis=-1) - rgb.min(axis=-1) > 40], axis=0)


# width x height in pixels: the figure size in inches (explore_widgets) at 100 dpi
PNG_SIZES = {"neuron": (1000, 380), "activation": (640, 380), "stepper": (640, 320), "init": (1100, 460)}


def test_rendered_pngs_are_valid_images_of_the_figure_size_with_plotted_data(tmp_path):
    """One PNG per widget, written to pytest's tmp_path (kept for a look by eye) and read back."""
    stepper = ew.GradientDescentExplorer()
    stepper.step(5)
    shown = {"neuron": ew.NeuronExplorer(), "activation": ew.ActivationExplorer(), "stepper": stepper,
             "init": ew.InitializationExplorer()}
    for name, w in shown.items():
        path = tmp_path / f"explore_{name}.png"
        path.write_bytes(bytes(w.image.value))
        with Image.open(path) as image:
            assert image.format == "PNG" and image.size == PNG_SIZES[name], name
            rgb = np.asarray(image.convert("RGB"))
        assert math.isclose(w.figure.dpi, 100)
        # axes and text alone give under 20 non-grey colours; curves, colour maps and bars give hundreds
        assert len(coloured_pixels(rgb)) > 50, f"{name}: no plotted data in the image"
