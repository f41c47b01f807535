"""Lesson 05's helpers (nnlab.course.deep): networks, signals, counts and ratios checked against hand computations."""

import numpy as np
import pytest

import nnlab
from nnlab import activations, initializers
from nnlab.course import deep, deep_widgets

X, Y = nnlab.datasets.make_moons(60, seed=0)


def test_kernel_initializer_reads_names_numbers_and_instances():
    assert isinstance(deep.kernel_initializer("he_normal", 3), initializers.HeNormal)
    assert deep.kernel_initializer("he_normal", 3).seed == 3
    for given in (0.01, "std 0.01"):
        init = deep.kernel_initializer(given, 5)
        assert isinstance(init, initializers.RandomNormal) and init.stddev == 0.01 and init.seed == 5
    same = initializers.Constant(0.5)
    assert deep.kernel_initializer(same, 1) is same
    with pytest.raises(ValueError, match="initializer"):
        deep.kernel_initializer("he_norml", 0)


def test_mlp_starts_every_kernel_from_the_initializer_and_biases_at_zero():
    model = deep.mlp([4, 3], "relu", initializers.Constant(0.5), learning_rate=0.2)
    assert [layer.kernel.shape for layer in model.layers] == [(2, 4), (4, 3), (3, 1)]
    assert all(np.all(layer.kernel == 0.5) and np.all(layer.bias == 0) for layer in model.layers)
    assert model.layers[-1].activation is activations.sigmoid
    assert model.optimizer.learning_rate == pytest.approx(0.2) and model.metric_names == ["accuracy"]
    a, b = deep.mlp([5], "tanh", "glorot_uniform", seed=1), deep.mlp([5], "tanh", "glorot_uniform", seed=1)
    assert all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


def test_signals_match_the_models_own_gradients():
    model = deep.mlp([6, 5], "tanh", "glorot_uniform", seed=2)
    sig = deep.signals(model, X, Y)
    assert [a.shape for a in sig.activations] == [(60, 6), (60, 5)]
    assert [g.shape for g in sig.gradients] == [(60, 6), (60, 5)]
    inputs = [X.astype("float32"), sig.activations[0]]
    kernel_grads = [g for g, w in zip(model.gradients(X, Y), model.weights) if w.ndim == 2]
    for layer_input, dL_dz, expected in zip(inputs, sig.gradients, kernel_grads):
        np.testing.assert_allclose(layer_input.T @ dL_dz, expected, rtol=1e-4, atol=1e-7)  # dL/dW = a_prev^T dL/dz


def test_gradient_rms_is_the_root_mean_square_of_each_kernel_gradient():
    model = deep.mlp([4], "relu", "he_normal", seed=0)
    grads = model.gradients(X, Y)
    expected = [np.sqrt(np.mean(grads[0].astype(np.float64) ** 2)), np.sqrt(np.mean(grads[2].astype(np.float64) ** 2))]
    np.testing.assert_allclose(deep.gradient_rms(model, X, Y), expected, rtol=1e-6)


def test_saturated_fraction_and_dead_units_count_what_they_say():
    model = deep.mlp([3, 2], "relu", "he_normal", seed=0)
    model.layers[0].bias[...] = [-100.0, 0.0, -100.0]  # units 0 and 2 are negative for every sample
    assert deep.dead_units(model, X)[0] == 2
    assert deep.saturated_fraction(model, X) >= 2 / 5 * 0.99  # relu's slope is 0 there
    big = deep.mlp([4], "tanh", 50.0, seed=0)
    small = deep.mlp([4], "tanh", 1e-3, seed=0)
    assert deep.saturated_fraction(big, X) > 0.8 and deep.saturated_fraction(small, X) == 0.0


def test_update_ratios_measure_one_sgd_step_per_full_batch_epoch():
    model = deep.mlp([4], "tanh", "glorot_uniform", learning_rate=0.1, seed=0)
    before = [w.copy() for w in model.weights if w.ndim == 2]
    grads = [g for g, w in zip(model.gradients(X, Y), model.weights) if w.ndim == 2]
    losses, ratios = deep.update_ratios(model, X, Y, epochs=2)
    assert ratios.shape == (2, 2) and losses.shape == (2,)
    expected = [np.linalg.norm(0.1 * g) / np.linalg.norm(w) for g, w in zip(grads, before)]
    np.testing.assert_allclose(ratios[0], expected, rtol=1e-4)


def test_update_ratios_with_mini_batches_give_one_row_per_step():
    model = deep.mlp([3], "relu", "he_normal", learning_rate=0.5, seed=1)
    before = [w.copy() for w in model.weights if w.ndim == 2]
    grads = [g for g, w in zip(model.gradients(X[:25], Y[:25]), model.weights) if w.ndim == 2]  # the first batch
    losses, ratios = deep.update_ratios(model, X, Y, epochs=2, batch_size=25)
    assert ratios.shape == (2 * 3, 2) and losses.shape == (6,)  # 60 samples: batches of 25, 25, 10
    np.testing.assert_allclose(ratios[0], [np.linalg.norm(0.5 * g) / np.linalg.norm(w) for g, w in zip(grads, before)],
                               rtol=1e-4)
    twin = deep.mlp([3], "relu", "he_normal", learning_rate=0.5, seed=1)
    deep.train(twin, X, Y, epochs=2, batch_size=25)  # the same steps as one fit
    np.testing.assert_allclose(twin.layers[0].kernel, model.layers[0].kernel, rtol=1e-5, atol=1e-6)


def test_depth_run_he_learns_where_glorot_stalls_under_sgd():
    he = deep.depth_run(20, "he_normal", "sgd", learning_rate=0.01, epochs=40)
    glorot = deep.depth_run(20, "glorot_uniform", "sgd", learning_rate=0.01, epochs=40)
    tiny = deep.depth_run(30, "std 0.01", "sgd", learning_rate=0.01, epochs=2)  # 0.0016 per layer, 30 times
    assert he.loss[-1] < he.loss[0] - 0.05 and abs(glorot.loss[-1] - glorot.loss[0]) < 0.01
    assert glorot.gradient_rms.min() < 1e-2 * he.gradient_rms.min()  # 2^-10 per std, from halving E[a^2]
    assert np.all(tiny.gradient_rms == 0)  # the signal underflows float32
    assert "stalled (never 0.01 below its start)" in deep.describe_run(glorot) and "stalled" not in deep.describe_run(he)
    assert "exactly 0" in deep.describe_run(tiny)


def test_power_of_ten_writes_small_numbers_without_scientific_noise():
    assert deep.power_of_ten(3.2e-8) == "3 x 10^-8"
    assert deep.power_of_ten(0.00123, 2) == "1.2 x 10^-3"
    assert deep.power_of_ten(0) == "0"


def test_twin_text_says_agree_or_drift_without_printing_the_gap():
    a = {"loss": [0.7, 0.6, 0.5]}
    assert deep.twin_text(a, {"loss": [0.7, 0.6, 0.50001]}) == "The twins agree to within 1e-4 (loss per epoch)."
    drift = deep.twin_text(a, {"loss": [0.7, 0.9, 0.2]})
    assert drift.startswith("The twins agree on epoch 1") and "drift more than 0.01" in drift
    assert "0.3" not in drift
    assert deep.twin_text(a, {"loss": [0.8, 0.6, 0.5]}).startswith("The twins differ by more than 1e-4")


def test_keras_run_matches_nnlab_training(keras):
    model = deep.mlp([4], "tanh", "glorot_uniform", learning_rate=0.1, seed=0)
    theirs = deep.keras_run(model, X, Y, epochs=5, batch_size=16)
    ours = deep.train(model, X, Y, epochs=5, batch_size=16)
    assert np.max(np.abs(np.array(ours["loss"]) - theirs["loss"])) < 1e-5


def test_timed_train_keeps_fits_history_and_measures_the_loss_after_each_epoch():
    model = deep.mlp([4], "tanh", "glorot_uniform", learning_rate=0.1, seed=0)
    twin = deep.mlp([4], "tanh", "glorot_uniform", learning_rate=0.1, seed=0)
    history, after, seconds = deep.timed_train(model, X, Y, epochs=3, batch_size=25)
    whole = deep.train(twin, X, Y, epochs=3, batch_size=25)  # one fit of 3 epochs: the same steps
    np.testing.assert_allclose(history["loss"], whole["loss"], rtol=1e-6)
    assert after.shape == (3,) and seconds > 0
    assert after[-1] == pytest.approx(twin.evaluate(X, Y, verbose=0)[0], rel=1e-6)  # after the last epoch
    with pytest.raises(ValueError, match="epochs"):
        deep.timed_train(model, X, Y, epochs=0)


def test_depth_explorer_widget_wraps_depth_run():
    explorer = deep_widgets.DepthExplorer(depth=3, initializer="he_normal", optimizer="sgd", epochs=5)
    assert repr(explorer) == "DepthExplorer(depth=3, initializer='he_normal', optimizer='sgd', epochs=5)"
    expected = deep.depth_run(3, "he_normal", "sgd", 0.01, 5)
    np.testing.assert_allclose(explorer.result.loss, expected.loss)
    explorer.controls["depth"].value = 4
    assert explorer.result.depth == 4 and bytes(explorer.image.value).startswith(b"\x89PNG")
    explorer.controls["optimizer"].value = "adam"
    assert explorer.result.optimizer == "adam" and "adam" in explorer.text.value


def test_loss_verdict_names_stalled_slow_and_learning_runs():
    assert deep.loss_verdict([0.693, 0.6931, 0.6925]) == "stalled (never 0.01 below its start)"
    assert deep.loss_verdict([0.70, 0.66, 0.651]) == "slow (down to 0.65)"
    assert deep.loss_verdict([0.70, 0.3, 0.6]) == "learns (below 0.5)"  # a spike at the end does not hide it
    guess = deep.loss_verdict([0.75, 0.70, 0.6932])  # moved, but only to the loss of answering 0.5 everywhere
    assert guess.startswith("no better than guessing (down to 0.69") and "ln 2" in guess


def test_gradient_size_plot_marks_the_output_layer_on_the_x_axis():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    deep.plot_gradient_sizes(ax, {"a": np.full(31, 1e-3), "b": np.zeros(31)})
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "1" and labels[-1] == "31\noutput" and "30" not in labels
    ax.clear()
    deep.plot_gradient_sizes(ax, {"a": np.full(11, 1e-3)})
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(i) for i in range(1, 11)] + ["11\noutput"]
    plt.close(fig)


def test_ridges_label_their_ticks_without_an_offset_factor():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    deep.plot_ridges(ax, [np.linspace(-5e-5, 5e-5, 50)] * 2, "C0", "tiny", "dL/dz")
    fig.canvas.draw()
    assert ax.xaxis.get_offset_text().get_text() == ""
    assert any("e-05" in t.get_text() for t in ax.get_xticklabels())
    plt.close(fig)
