"""nnlab.metrics against keras.metrics, and "accuracy" resolved from the shapes as Keras's compile does."""

import numpy as np
import pytest

from nnlab import metrics


@pytest.mark.parametrize("name", ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"])
def test_metric_values_match_keras(name, rng, keras):
    for _ in range(20):
        batch, units = int(rng.integers(1, 30)), int(rng.integers(1 if name == "binary_accuracy" else 2, 5))
        y_hat = rng.random((batch, units)).astype(np.float32)
        if name == "binary_accuracy":
            y = rng.integers(0, 2, (batch, units)).astype(np.float32)
        elif name == "categorical_accuracy":
            y = np.eye(units, dtype=np.float32)[rng.integers(0, units, batch)]
        else:
            y = rng.integers(0, units, batch)
        keras_metric = getattr(keras.metrics, name.title().replace("_", ""))()  # e.g. BinaryAccuracy
        keras_metric.update_state(y, y_hat)
        assert np.mean(getattr(metrics, name)(y, y_hat)) == pytest.approx(float(keras_metric.result()), abs=1e-6)


@pytest.mark.parametrize("threshold", [0.5, 0.25, 0.75])  # exact in float32, as Keras holds the threshold
def test_binary_accuracy_on_the_threshold_itself_matches_keras(threshold, keras):
    at = np.float32(threshold)
    p = np.array([0.0, np.nextafter(at, np.float32(0)), at, np.nextafter(at, np.float32(1)), 1.0], np.float32)
    y_hat = np.tile(p, 2)[:, None]                                       # (10, 1): every p against y = 0 and 1
    y = np.repeat([0.0, 1.0], 5).astype(np.float32)[:, None]
    ours = metrics.binary_accuracy(y, y_hat, threshold)
    theirs = np.asarray(keras.metrics.binary_accuracy(y, y_hat, threshold=threshold))[:, 0]
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours, [1, 1, 1, 0, 0, 0, 0, 0, 1, 1])  # p == threshold is class 0 in Keras


def test_categorical_accuracy_breaks_ties_like_keras(keras):
    y_hat = np.array([[0.5, 0.5, 0.0], [0.2, 0.4, 0.4], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.5, 0.5]], np.float32)
    labels = np.array([0, 1, 2, 2])                                        # argmax takes the first of equal maxima
    for name in ("categorical_accuracy", "sparse_categorical_accuracy"):
        y = labels if name.startswith("sparse") else np.eye(3, dtype=np.float32)[labels]
        theirs = np.asarray(getattr(keras.metrics, name)(y, y_hat)).ravel()
        np.testing.assert_array_equal(getattr(metrics, name)(y, y_hat), theirs)
        np.testing.assert_array_equal(theirs, [1, 1, 0, 0])


@pytest.mark.parametrize("y_shape, units, expected", [
    ((10,), 1, "binary_accuracy"), ((10, 1), 1, "binary_accuracy"), ((10,), 3, "sparse_categorical_accuracy"),
    ((10, 3), 3, "categorical_accuracy"), ((10, 1), 3, "sparse_categorical_accuracy")])
def test_accuracy_resolves_like_keras_compile(y_shape, units, expected, keras):
    from keras.src.trainers.compile_utils import get_metric

    keras_metric = get_metric("accuracy", np.zeros(y_shape), np.zeros((10, units)))
    assert type(keras_metric).__name__.lower() == expected.replace("_", "")
    assert metrics.resolve("accuracy", len(y_shape) if y_shape[-1] != 1 or units == 1 else 1, units).__name__ == expected


def test_unknown_metric_name_suggests_the_closest():
    with pytest.raises(ValueError, match=r"`metrics` must be one of .*, but got 'acuracy'\. Did you mean 'accuracy'\?"):
        metrics.resolve("acuracy", 1, 1)
