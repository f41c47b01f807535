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
        keras_metric = getattr(keras.metrics, name.title().replace("_", "").replace("Categorical", "Categorical"))()
        keras_metric.update_state(y, y_hat)
        assert np.mean(getattr(metrics, name)(y, y_hat)) == pytest.approx(float(keras_metric.result()), abs=1e-6)


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
