"""to_keras / from_keras / make_twins / compare: the two twins carry the same network, and the report says so."""

import numpy as np
import pytest

import nnlab
from nnlab import initializers
from parity import LOSSES, OPTIMIZERS, make_case


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: f"{o[0]}{sorted(o[1])}")
@pytest.mark.parametrize("loss", LOSSES, ids=lambda l: f"{l[0]}-logits{l[1]}")
def test_round_trip_keeps_architecture_weights_and_compile(optimizer, loss, keras, rng):
    model, keras_model, x, y = make_case(rng, optimizer, loss, "tanh", "he_uniform")
    back = nnlab.from_keras(keras_model)
    assert repr(back) == repr(model)
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert back.optimizer.get_config() == pytest.approx(model.optimizer.get_config())
    assert back.loss.get_config() == model.loss.get_config()
    assert back.metric_names == ["accuracy"]
    assert [type(l.kernel_initializer) for l in back.layers] == [type(l.kernel_initializer) for l in model.layers]
    np.testing.assert_allclose(back.predict(x), keras_model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_to_keras_gives_the_keras_twin_of_each_setting(keras):
    model = nnlab.Sequential([nnlab.Input((8, 8)), nnlab.Flatten(), nnlab.Dense(5, "leaky_relu", use_bias=False),
                              nnlab.Dense(3, "softmax", kernel_initializer=initializers.RandomNormal(stddev=0.3))])
    model.compile(nnlab.optimizers.SGD(0.3, momentum=0.5, nesterov=True),
                  nnlab.losses.SparseCategoricalCrossentropy(), ["accuracy"])
    twin = nnlab.to_keras(model)
    flatten, hidden, output = twin.layers
    assert isinstance(flatten, keras.layers.Flatten)
    assert hidden.activation.__name__ == "leaky_relu" and not hidden.use_bias
    assert output.kernel_initializer.get_config()["stddev"] == 0.3
    assert type(twin.optimizer).__name__ == "SGD" and twin.optimizer.nesterov
    assert float(twin.optimizer.learning_rate) == pytest.approx(0.3) and twin.optimizer.momentum == 0.5
    assert type(twin.loss).__name__ == "SparseCategoricalCrossentropy"


def test_make_twins_starts_both_from_the_same_weights(keras, rng):
    model, twin = nnlab.make_twins([nnlab.Input((3,)), nnlab.Dense(4, "relu"), nnlab.Dense(1, "sigmoid")],
                                   "adam", "binary_crossentropy", seed=3)
    for a, b in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(a, b)
    again, _ = nnlab.make_twins([nnlab.Input((3,)), nnlab.Dense(4, "relu"), nnlab.Dense(1, "sigmoid")], seed=3)
    np.testing.assert_array_equal(again.get_weights()[0], model.get_weights()[0])


def test_compare_reports_agreement_in_words(keras, rng):
    model, twin, x, y = make_case(rng, OPTIMIZERS[0], LOSSES[0], "sigmoid", "glorot_uniform")
    report = nnlab.compare(model, twin, x, y)
    assert report.agree() and max(report.predictions, report.weights, report.loss, report.gradients) < 1e-5
    assert str(report).startswith("The twins agree: predictions differ by at most")


def test_compare_catches_a_changed_weight(keras, rng):
    model, twin, x, y = make_case(rng, OPTIMIZERS[0], LOSSES[0], "relu", "glorot_uniform")
    weights = model.get_weights()
    weights[-1] = weights[-1] + 0.01
    model.set_weights(weights)
    report = nnlab.compare(model, twin, x, y)
    assert not report.agree() and report.weights == pytest.approx(0.01, rel=1e-3)
    assert "DISAGREE" in str(report)


def test_compare_histories_reports_the_largest_difference_per_key():
    diffs = nnlab.compare_histories({"loss": [1.0, 0.5]}, {"loss": [1.0, 0.25]})
    assert diffs == {"loss": 0.25}
    with pytest.raises(ValueError, match=r"`history_b` must be the same keys as history_a"):
        nnlab.compare_histories({"loss": [1.0]}, {"accuracy": [1.0]})


def test_to_keras_refuses_what_has_no_twin(keras):
    with pytest.raises(ValueError, match=r"`model` must be built .*nnlab.Input"):
        nnlab.to_keras(nnlab.Sequential([nnlab.Dense(1)]))
    keras_model = keras.Sequential([keras.Input((4,)), keras.layers.Dropout(0.5), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"`keras_model` must be a Sequential of Dense and Flatten layers, "
                                         r"but got 'a Dropout layer'"):
        nnlab.from_keras(keras_model)
