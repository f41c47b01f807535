"""nnlab.course.steps: Lesson 02's helpers (gradient descent in 1-D, steps per epoch, digit grids)."""

import math
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from nnlab import Dense, Input, Sequential
from nnlab.course import steps


def parabola(w):
    return (w - 2.0) ** 2 + 0.5


def slope(w):
    return 2.0 * (w - 2.0)


def test_descent_path_applies_the_update_rule_step_by_step():
    path = steps.descent_path(parabola, slope, start=-1.0, learning_rate=0.1, steps=3)
    w = [-1.0]
    for _ in range(3):
        w.append(w[-1] - 0.1 * slope(w[-1]))
    np.testing.assert_allclose(path.w, w)
    np.testing.assert_allclose(path.loss, [parabola(v) for v in w])
    assert path.w.shape == path.loss.shape == (4,)


@pytest.mark.parametrize("learning_rate, behaviour", [(0.05, "slow"), (0.3, "fast"), (1.05, "diverges")])
def test_descent_path_on_a_parabola_shrinks_the_distance_by_one_minus_two_learning_rates(learning_rate, behaviour):
    path = steps.descent_path(parabola, slope, start=-1.0, learning_rate=learning_rate, steps=8)
    distance = np.abs(path.w - 2.0)
    np.testing.assert_allclose(distance, 3.0 * abs(1 - 2 * learning_rate) ** np.arange(9))
    final = {"slow": distance[-1] > 1.0, "fast": distance[-1] < 1e-2, "diverges": distance[-1] > 3.0}
    assert final[behaviour]


def test_descent_path_keeps_a_blown_up_path_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                   # an overflow warning would fail here
        path = steps.descent_path(lambda w: w ** 4, lambda w: 4 * w ** 3, start=3.0, learning_rate=1.0, steps=6)
    w = [3.0]
    for _ in range(5):                                                    # by hand while it is still finite
        w.append(w[-1] - 4 * w[-1] ** 3)
    np.testing.assert_allclose(path.w[:6], w, rtol=1e-12)                 # 3, -105, 4630395, ... ~-6e187
    assert len(path.w) == len(path.loss) == 7 and np.isinf(path.w[6])    # the overflow is kept, not cut short
    np.testing.assert_allclose(path.loss[:5], np.array(w[:5]) ** 4, rtol=1e-12)
    assert np.all(np.isinf(path.loss[5:]))


def test_descent_path_with_zero_steps_is_the_start():
    path = steps.descent_path(parabola, slope, start=1.5, learning_rate=0.1, steps=0)
    np.testing.assert_allclose(path.w, [1.5])
    np.testing.assert_allclose(path.loss, [0.75])


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(f=3.0), TypeError, r"`f` must be a function"),
    (dict(df=None), TypeError, r"`df` must be a function"),
    (dict(learning_rate=0.0), ValueError, r"`learning_rate` must be a finite number in \(0, inf\)"),
    (dict(steps=-1), ValueError, r"`steps` must be at least 0"),
    (dict(start=float("nan")), ValueError, r"`start` must be a finite number"),
])
def test_descent_path_bad_arguments_get_clear_messages(kwargs, error, pattern):
    arguments = dict(f=parabola, df=slope, start=0.0, learning_rate=0.1, steps=2) | kwargs
    with pytest.raises(error, match=pattern):
        steps.descent_path(**arguments)


@pytest.mark.parametrize("n, batch_size, expected", [(288, 32, 9), (288, 50, 6), (288, 288, 1), (288, 1, 288),
                                                     (5, 32, 1), (100, None, 4)])
def test_steps_per_epoch_is_the_number_of_batches(n, batch_size, expected):
    assert steps.steps_per_epoch(n, batch_size) == expected


def test_steps_per_epoch_matches_what_fit_counts():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(70, 3)).astype("float32"), rng.integers(0, 2, 70)
    model = Sequential([Input((3,)), Dense(1, "sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert history.params["steps"] == steps.steps_per_epoch(70, 16) == 5
    assert model.optimizer.iterations == 3 * 5


def test_steps_per_epoch_refuses_a_zero_batch_size():
    with pytest.raises(ValueError, match=r"`batch_size` must be at least 1"):
        steps.steps_per_epoch(10, 0)


@pytest.mark.parametrize("label, p, expected", [(1, 0.97, "label 1\npred 1 (p=0.97)"),
                                                (0, 0.03, "label 0\npred 0 (p=0.03)"),
                                                (0, 0.5, "label 0\npred 0 (p=0.50)"),
                                                (1, 0.5, "label 1\npred 0 (p=0.50) WRONG")])
def test_digit_title_shows_label_prediction_and_probability(label, p, expected):
    assert steps.digit_title(label, p) == expected


@pytest.mark.parametrize("threshold", [0.5, 0.25, 0.75])  # exact in float32, as Keras holds the threshold
def test_digit_title_predicts_class_1_exactly_where_keras_binary_accuracy_does(threshold, keras):
    at = np.float32(threshold)
    for p in (np.nextafter(at, np.float32(0)), at, np.nextafter(at, np.float32(1))):
        # Keras's binary_accuracy against the target 1 is 1.0 exactly when it reads p as class 1
        y_true, y_pred = np.ones((1, 1), "float32"), np.full((1, 1), p)
        keras_class = int(np.asarray(keras.metrics.binary_accuracy(y_true, y_pred, threshold=threshold))[0, 0])
        title = steps.digit_title(1, float(p), threshold)
        assert title.splitlines()[1].startswith(f"pred {keras_class} "), (float(p), title)
        assert keras_class == (p > at)                                  # on the boundary itself: class 0


def test_digit_title_refuses_a_probability_outside_zero_one():
    with pytest.raises(ValueError, match=r"`probability` must be a finite number in \[0, 1\]"):
        steps.digit_title(1, 1.5)


def test_show_digits_draws_each_image_with_its_title_and_hides_spare_axes():
    fig, axes = plt.subplots(2, 3)
    images = np.linspace(0, 1, 4 * 64).reshape(4, 64)
    artists = steps.show_digits(axes, images, ["a", "b", "c", "d"])
    assert len(artists) == 4
    np.testing.assert_allclose(artists[1].get_array(), images[1].reshape(8, 8))
    assert [ax.get_title() for ax in axes.ravel()[:4]] == ["a", "b", "c", "d"]
    assert [ax.get_visible() for ax in axes.ravel()] == [True] * 4 + [False] * 2
    plt.close(fig)


@pytest.mark.parametrize("images, titles, pattern", [
    (np.zeros((2, 63)), ["a", "b"], r"`images` must be n images of shape \(n, 64\)"),
    (np.zeros((2, 64)), ["a"], r"Got 1 title"),
    (np.zeros((7, 64)), list("abcdefg"), r"`axes` must be at least one Axes per image \(7\), but got 6 Axes"),
])
def test_show_digits_bad_input_gets_clear_messages(images, titles, pattern):
    fig, axes = plt.subplots(2, 3)
    with pytest.raises(ValueError, match=pattern):
        steps.show_digits(axes, images, titles)
    plt.close(fig)


def test_steps_per_epoch_agrees_with_math_ceil_on_many_sizes():
    for n in range(1, 100, 7):
        for batch_size in (1, 3, 32, 99):
            assert steps.steps_per_epoch(n, batch_size) == math.ceil(n / batch_size)
