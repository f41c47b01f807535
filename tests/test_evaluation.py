"""nnlab.course.evaluation against a brute-force count and scikit-learn, and its plots drawn on a real Axes."""

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from nnlab.course.evaluation import confusion_matrix, most_confident_mistakes, plot_confusion_matrix, plot_images
from nnlab.lab.render import figure


def _random_labels(rng):
    n_classes, n = int(rng.integers(2, 12)), int(rng.integers(2, 200))
    return n_classes, rng.integers(0, n_classes, n), rng.integers(0, n_classes, n)


def test_confusion_matrix_counts_every_pair_like_a_double_loop(rng):
    for _ in range(50):
        n_classes, y_true, y_pred = _random_labels(rng)
        expected = np.zeros((n_classes, n_classes), dtype=np.int64)
        for t, p in zip(y_true, y_pred):
            expected[t, p] += 1
        matrix = confusion_matrix(y_true, y_pred, n_classes)
        assert matrix.dtype == np.int64
        np.testing.assert_array_equal(matrix, expected)


def test_confusion_matrix_matches_sklearn(rng):
    for _ in range(50):
        n_classes, y_true, y_pred = _random_labels(rng)
        expected = sklearn_confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))
        np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, n_classes), expected)


def test_rows_sum_to_class_counts_columns_to_prediction_counts_diagonal_to_hits(rng):
    n_classes, y_true, y_pred = 7, rng.integers(0, 7, 300), rng.integers(0, 7, 300)
    matrix = confusion_matrix(y_true, y_pred, n_classes)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(y_true, minlength=n_classes))
    np.testing.assert_array_equal(matrix.sum(axis=0), np.bincount(y_pred, minlength=n_classes))
    assert np.trace(matrix) == np.sum(y_true == y_pred)


def test_classes_that_never_occur_get_zero_rows_and_columns():
    matrix = confusion_matrix([0, 0, 2], [0, 2, 2], 4)
    np.testing.assert_array_equal(matrix, [[1, 0, 1, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]])


def test_a_single_class_is_a_one_by_one_matrix():
    np.testing.assert_array_equal(confusion_matrix([0, 0, 0], [0, 0, 0], 1), [[3]])


def test_float_labels_that_are_whole_numbers_are_accepted():
    np.testing.assert_array_equal(confusion_matrix(np.array([1.0, 0.0]), [1, 1], 2), [[0, 1], [0, 1]])


@pytest.mark.parametrize("y_true, y_pred, n_classes, message", [
    ([0, 1, 2], [0, 1], 3, r"`y_pred` must be one prediction per true label: 3 \(len\(y_true\)\), but got 2 predictions"),
    ([0, 3], [0, 1], 3, r"`y_true` must be whole-number class labels from 0 to 2 \(n_classes=3\), but got 3 at index 1"),
    ([0, 1], [0, 0.5], 3, r"`y_pred` must be whole-number class labels .* but got 0\.5 at index 1\. .*np\.argmax"),
    ([0, 1], [0, -1], 3, r"but got -1 at index 1"),
    ([[0, 1]], [[0, 1]], 3, r"`y_true` must be an array with 1 dimension"),
])
def test_bad_labels_get_a_message_that_names_them(y_true, y_pred, n_classes, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, n_classes)


def test_n_classes_must_be_a_whole_number():
    with pytest.raises(TypeError, match=r"`n_classes` must be a whole number"):
        confusion_matrix([0], [0], 2.5)


def test_most_confident_mistakes_match_a_sort_by_hand(rng):
    for _ in range(30):
        n, k = int(rng.integers(1, 60)), int(rng.integers(2, 6))
        probabilities = rng.dirichlet(np.ones(k), size=n)
        y_true = rng.integers(0, k, n)
        wrong = [i for i in range(n) if np.argmax(probabilities[i]) != y_true[i]]
        expected = sorted(wrong, key=lambda i: -probabilities[i].max())
        np.testing.assert_array_equal(most_confident_mistakes(y_true, probabilities), expected)
        np.testing.assert_array_equal(most_confident_mistakes(y_true, probabilities, k=2), expected[:2])


def test_no_mistakes_give_an_empty_array():
    result = most_confident_mistakes([0, 1], [[0.9, 0.1], [0.2, 0.8]])
    assert result.shape == (0,)


def test_most_confident_mistakes_checks_its_inputs():
    with pytest.raises(ValueError, match=r"`probabilities` must be one row per true label: 3"):
        most_confident_mistakes([0, 1, 1], [[0.9, 0.1], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"`y_true` must be whole-number class labels from 0 to 1"):
        most_confident_mistakes([0, 2], [[0.9, 0.1], [0.2, 0.8]])


def test_plot_confusion_matrix_writes_every_count_in_its_cell():
    matrix = np.array([[5, 1, 0], [0, 3, 2], [1, 0, 9]])
    ax = figure().subplots()
    artists = plot_confusion_matrix(ax, matrix, ["a", "b", "c"])
    np.testing.assert_array_equal(artists["image"].get_array(), matrix)
    assert [t.get_text() for t in artists["texts"]] == [str(v) for v in matrix.ravel()]
    assert [t.get_position() for t in artists["texts"]][5] == (2, 1)  # row 1 (true b), column 2 (predicted c)
    colors = [t.get_color() for t in artists["texts"]]
    assert (colors[8], colors[0], colors[1], colors[2]) == ("white", "black", "black", "#999999")  # 9, 5, 1, 0
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]


def test_plot_confusion_matrix_refuses_a_matrix_that_does_not_fit_the_labels():
    with pytest.raises(ValueError, match=r"`matrix` must be a square array with one row per label \(2 labels\)"):
        plot_confusion_matrix(figure().subplots(), np.zeros((3, 3)), ["a", "b"])


def test_plot_images_titles_each_axes_and_hides_the_spare_ones():
    axes = figure().subplots(1, 4)
    images = [np.full((8, 8), v) for v in (0.0, 0.5, 1.0)]
    shown = plot_images(axes, images, ["x", "y", "z"])
    assert len(shown) == 3
    assert [ax.get_title() for ax in axes[:3]] == ["x", "y", "z"]
    assert axes[3].get_visible() is False and axes[0].get_visible() is True
    np.testing.assert_array_equal(shown[1].get_array(), images[1])


def test_plot_images_needs_one_title_per_image():
    with pytest.raises(ValueError, match=r"`images` must be one title each \(1 titles\)"):
        plot_images(figure().subplots(1, 2), [np.zeros((8, 8))] * 2, ["only one"])
