"""nnlab.course.pitfalls (Lesson 06): error lines, the sanity checks, the set-up check and the gallery."""

import math

import numpy as np
import pytest

import nnlab
from nnlab import Dense, Input
from nnlab.course import pitfalls


def small_model(seed=0):
    nnlab.utils.set_random_seed(seed)
    model = nnlab.Sequential([Input((3,)), Dense(5, "tanh"), Dense(2, "softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


# ---------------------------------------------------------------- error messages

def test_error_message_keeps_the_cause_line_of_a_wrapped_keras_error(keras):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError) as info:
        model.predict(np.zeros((5, 3), dtype="float32"), verbose=0)
    line = pitfalls.error_message(info.value)
    assert line.startswith("ValueError: ") and "\n" not in line and "\x1b" not in line
    assert "Exception encountered" not in line
    assert "expected axis -1 of input shape to have value 2" in line and "(5, 3)" in line


def test_error_message_drops_keras_running_tensor_numbers(keras):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError) as info:
        model.predict(np.zeros(2, dtype="float32"), verbose=0)
    line = pitfalls.error_message(info.value)
    assert "keras_tensor'" in line and "Expected shape (None, 2)" in line and "keras_tensor_" not in line


def test_error_message_hides_addresses_and_paths():
    error = TypeError("object at 0x7f3a2b4c5d60 read from /home/someone/data/file.npz failed\nsecond line")
    assert pitfalls.error_message(error) == "TypeError: object at 0x... read from <path> failed"


def test_plain_numbers_writes_out_scientific_notation_only():
    assert pitfalls.plain_numbers("gradients are 1e-05 times, 2.5E+03 and 3e7; keep 0.5, x1e-3, v1.2") == \
        "gradients are 1 x 10^-5 times, 2.5 x 10^3 and 3 x 10^7; keep 0.5, x1e-3, v1.2"


def test_first_error_reports_the_error_or_no_error():
    assert pitfalls.first_error(int, "12") == "no error"
    assert pitfalls.first_error(int, "twelve") == "ValueError: invalid literal for int() with base 10: 'twelve'"
    model = nnlab.Sequential([Dense(3)])
    assert pitfalls.first_error(model.set_weights, []).startswith("RuntimeError: `model` must be built")


# ---------------------------------------------------------------- sanity check 1: the initial loss

@pytest.mark.parametrize("n_classes", [2, 3, 10])
def test_expected_initial_loss_is_the_loss_of_a_uniform_guess(n_classes):
    uniform = np.full((4, n_classes), 1 / n_classes)
    labels = np.arange(4) % n_classes
    assert pitfalls.expected_initial_loss(n_classes) == pytest.approx(
        float(np.mean(nnlab.losses.sparse_categorical_crossentropy(labels, uniform))), rel=1e-6)


def test_initial_loss_check_allows_a_share_either_side():
    ok, text = pitfalls.initial_loss_check(2.354, 10)
    assert ok and text == "initial loss 2.354, ln 10 = 2.303: +2% (allowed 20%), check passes"
    assert pitfalls.initial_loss_check(math.log(2) * 1.19, 2)[0]
    assert not pitfalls.initial_loss_check(math.log(2) * 1.21, 2)[0]
    assert not pitfalls.initial_loss_check(math.log(2) * 0.75, 2)[0]
    assert "FAILS" in pitfalls.initial_loss_check(8.7, 10)[1]
    with pytest.raises(ValueError, match="`n_classes` must be at least 2"):
        pitfalls.expected_initial_loss(1)


# ---------------------------------------------------------------- sanity check 4: gradients per sample

def test_input_gradients_match_finite_differences():
    model, rng = small_model(), np.random.default_rng(1)
    x, y = rng.normal(size=(4, 3)), np.array([0, 1, 1, 0])
    gradients = pitfalls.input_gradients(model, x.astype("float32"), y, i=2)
    assert gradients.shape == (4, 3)

    def loss_2(inputs):  # sample 2's loss, -ln of the probability of its class
        return -np.log(model.predict(inputs)[2, y[2]])

    h = 1e-2
    for j in range(4):
        for k in range(3):
            up, down = x.copy(), x.copy()
            up[j, k] += h
            down[j, k] -= h
            assert gradients[j, k] == pytest.approx((loss_2(up) - loss_2(down)) / (2 * h), abs=1e-3)


def test_input_gradients_reach_only_their_own_sample_and_agree_with_keras(keras, tf):
    model, x = small_model(), np.random.default_rng(2).normal(size=(6, 3)).astype("float32")
    y = np.array([0, 1, 0, 1, 1, 0])
    gradients = pitfalls.input_gradients(model, x, y, i=4)
    assert pitfalls.rows_reached(gradients) == [4]
    keras_model = nnlab.to_keras(model)
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        loss_4 = keras.losses.sparse_categorical_crossentropy(y, keras_model(inputs))[4]
    np.testing.assert_allclose(gradients, tape.gradient(loss_4, inputs).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="`i` must be a sample index from 0 to 5"):
        pitfalls.input_gradients(model, x, y, i=6)


def test_input_gradients_through_a_transpose_bug_reach_the_mixed_rows(keras, tf):
    """The lesson's planted bug, checked by hand and against TensorFlow differentiating the same bug."""
    model, x = small_model(), np.random.default_rng(3).normal(size=(4, 3)).astype("float32")
    y = np.array([0, 1, 1, 0])

    def transpose_bug(batch):
        return batch.T.reshape(batch.shape)

    gradients = pitfalls.input_gradients(model, x, y, i=1, prepare=transpose_bug)
    # x.T lists column 0 of samples 0-3, then column 1, ...; row 1 of the (4, 3) refill is list items 3, 4, 5:
    # x[3, 0], x[0, 1], x[1, 1]
    assert pitfalls.rows_reached(gradients) == [0, 1, 3]
    keras_model = nnlab.to_keras(model)
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        mixed = tf.reshape(tf.transpose(inputs), inputs.shape)
        loss_1 = keras.losses.sparse_categorical_crossentropy(y, keras_model(mixed))[1]
    np.testing.assert_allclose(gradients, tape.gradient(loss_1, inputs).numpy(), atol=1e-6)
    with pytest.raises(ValueError, match=r"`prepare` must be a function that keeps the shape \(4, 3\)"):
        pitfalls.input_gradients(model, x, y, i=1, prepare=lambda batch: batch[:2])


@pytest.mark.parametrize("units, activation, loss, y", [
    (2, "softmax", "sparse_categorical_crossentropy", [0, 1, 1, 0, 1]),
    (1, "sigmoid", "binary_crossentropy", [0, 1, 1, 0, 1])])
def test_keras_input_gradients_agree_with_nnlab_on_random_cases(keras, units, activation, loss, y):
    for seed in range(3):
        nnlab.utils.set_random_seed(seed)
        model = nnlab.Sequential([Input((3,)), Dense(4, "tanh"), Dense(units, activation)])
        model.compile("sgd", loss)
        x = np.random.default_rng(seed).normal(size=(5, 3)).astype("float32")
        keras_gradients = pitfalls.keras_input_gradients(nnlab.to_keras(model), x, np.array(y), i=seed)
        assert pitfalls.rows_reached(keras_gradients) == [seed]
        np.testing.assert_allclose(keras_gradients, pitfalls.input_gradients(model, x, np.array(y), i=seed), atol=1e-5)


def test_rows_reached_lists_every_row_with_a_non_zero_entry():
    assert pitfalls.rows_reached(np.array([[0.0, 0.0], [0.0, 1e-12], [0.0, 0.0], [-2.0, 0.0]])) == [1, 3]
    assert pitfalls.rows_reached(np.zeros((3, 2))) == []


# ---------------------------------------------------------------- sanity check 5 and validation_split

@pytest.mark.parametrize("y", [[0, 0, 0, 1], [1, 1, 0, 0, 0], [0, 1] * 5])
def test_prior_bias_makes_the_sigmoid_predict_the_class_share(y):
    assert float(nnlab.activations.sigmoid(np.array(pitfalls.prior_bias(y)))) == pytest.approx(np.mean(y), rel=1e-6)


def test_prior_bias_refuses_one_class_or_other_labels():
    for y in ([0, 0, 0], [1, 1], [0, 1, 2]):
        with pytest.raises(ValueError, match="`y` must be labels 0 and 1, both present"):
            pitfalls.prior_bias(y)


@pytest.mark.parametrize("n, split, first", [(200, 0.2, 160), (10, 0.25, 7), (7, 0.5, 3)])
def test_validation_rows_are_the_last_rows_as_fit_takes_them(n, split, first):
    rows = pitfalls.validation_rows(n, split)
    np.testing.assert_array_equal(rows, np.arange(first, n))
    model = nnlab.Sequential([Input((1,)), Dense(1, "sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    x = np.arange(n, dtype="float32")[:, None]
    validation = nnlab.training._validation_arrays(model, x, np.zeros(n), split, None)[2]
    np.testing.assert_array_equal(validation[:, 0], rows)


# ---------------------------------------------------------------- exercise 2: the set-up check

Y3 = np.array([0, 1, 2, 1, 0, 2])
RIGHT = [Input((2,)), Dense(16, "relu"), Dense(3, "softmax")]


def test_a_right_setup_has_no_problems():
    assert pitfalls.setup_problems(RIGHT, "sparse_categorical_crossentropy", Y3) == []
    assert pitfalls.setup_problems(RIGHT, "categorical_crossentropy", nnlab.datasets.one_hot(Y3, 3)) == []
    binary = [Input((2,)), Dense(4, "tanh"), Dense(1, "sigmoid")]
    assert pitfalls.setup_problems(binary, "binary_crossentropy", np.array([0, 1, 1, 0])) == []


@pytest.mark.parametrize("layers, loss, found", [
    ([Dense(16, "relu"), Dense(3, "softmax")], "sparse_categorical_crossentropy", "Input(shape="),
    ([Input((2,)), Dense(16), Dense(3, "softmax")], "sparse_categorical_crossentropy", "collapse"),
    ([Input((2,)), Dense(16, "relu"), Dense(2, "softmax")], "sparse_categorical_crossentropy", "2 unit(s) for 3"),
    ([Input((2,)), Dense(16, "relu"), Dense(3, "sigmoid")], "sparse_categorical_crossentropy", "need not sum to 1"),
    ([Input((2,)), Dense(16, "relu"), Dense(3)], "sparse_categorical_crossentropy", "logits"),
    (RIGHT, "mean_squared_error", "a loss for numbers"),
    (RIGHT, "categorical_crossentropy", "integer labels, so the loss is 'sparse_categorical_crossentropy'"),
    (RIGHT, "binary_crossentropy", "not 'binary_crossentropy'"),
])
def test_each_single_mistake_is_named_alone(layers, loss, found):
    problems = pitfalls.setup_problems(layers, loss, Y3)
    assert len(problems) == 1 and found in problems[0], problems


def test_the_lessons_broken_setup_has_five_problems_and_check_setup_says_so(capsys):
    broken = [Dense(16, "relu"), Dense(16), Dense(1, "sigmoid")]
    assert len(pitfalls.setup_problems(broken, "mean_squared_error", Y3)) == 5
    assert not pitfalls.check_setup(broken, "mean_squared_error", Y3)
    assert capsys.readouterr().out.startswith("Not yet: the first layer should be nnlab.Input")
    assert pitfalls.check_setup(RIGHT, "sparse_categorical_crossentropy", Y3)
    assert capsys.readouterr().out.startswith("Correct!")


@pytest.mark.parametrize("layers, loss, said", [
    (..., ..., "Not attempted yet: the layers and the loss are still `...`: write yours in place of the `...`.\n"),
    (..., "sparse_categorical_crossentropy", "Not attempted yet: the layers are still `...`"),
    (RIGHT, ..., "Not attempted yet: the loss is still `...`"),
])
def test_check_setup_says_not_attempted_yet_for_the_placeholder(capsys, layers, loss, said):
    assert pitfalls.check_setup(layers, loss, Y3) is False
    assert capsys.readouterr().out.startswith(said)


def test_check_setup_gives_feedback_not_an_exception_for_unusable_answers(capsys, keras):
    assert not pitfalls.check_setup([keras.layers.Dense(3, activation="softmax")], "sparse_categorical_crossentropy", Y3)
    assert capsys.readouterr().out.startswith("Not yet: `layers` must be a list of nnlab layers ending in a Dense")
    assert not pitfalls.check_setup(RIGHT, "sparse_categorical_crossentropy_loss", Y3)
    said = capsys.readouterr().out
    assert said.startswith("Not yet: `loss` must be one of [") and "Did you mean 'sparse_categorical_crossentropy'?" in said


# ---------------------------------------------------------------- the gallery and the cards

def test_every_gallery_entry_shows_its_own_failure():
    from nnlab.lab import Lab, Settings

    gallery = {title: result for title, _, _, result in pitfalls.run_gallery(Lab(), Settings, epochs=100)}
    assert [result.state for result in gallery.values()] == ["diverged", "stuck", "saturated", "dead", "vanishing",
                                                             "slow"]
    # "why" for the all-zero start says nothing moves at all: the hidden kernels are still exactly 0 and the loss
    # never changes (the output kernel is drawn at random, but its inputs, tanh(0), are 0)
    zeros = gallery["all weights start at zero"]
    assert not any(np.any(layer.kernel) for layer in zeros.model.layers[:-1])
    # and every bias stays at 0 up to rounding: the mean error is 0 with balanced classes (100 of each)
    assert np.bincount(zeros.y).tolist() == [100, 100]
    assert all(np.abs(layer.bias).max() < 1e-6 for layer in zeros.model.layers)
    assert np.ptp(zeros.numpy_history["loss"]) < 1e-6
    assert "still 0" in zeros.message
    # rate 100 ("saturated", asserted above): the lesson says the loss ends large and jumps up and down every
    # epoch, never NaN
    huge = gallery["huge steps with tanh"]
    loss = np.asarray(huge.numpy_history["loss"])
    assert np.all(np.isfinite(loss)) and len(loss) == 100 and loss[-1] >= 10
    steps = np.diff(loss[-20:])
    assert np.all(steps[1:] * steps[:-1] < 0)  # up, down, up, ...: the sign of each change flips
    assert np.all(np.abs(steps) > 1)
    # the "why" line says fit computes this loss from the logits, with no cap: a mean above the clip's cap
    assert loss.max() > -math.log(1e-7)  # about 16.1


def test_series_cards_make_a_deck_over_every_lesson():
    from nnlab.course.activities import FlashCards

    cards = pitfalls.series_cards()
    deck = FlashCards(cards)
    assert {front[:2] for front, _ in cards} == {"01", "02", "03", "04", "05", "06"}
    assert deck.card(len(cards) - 1, flipped=True).startswith(f"Card {len(cards)} of {len(cards)}. Answer: ")


def test_keras_sparse_ce_on_a_sigmoid_output_is_the_softmax_ce_of_its_logits(keras):
    # Lesson 06, section 2.3: during fit/evaluate a sigmoid hands its logits z to the loss, which applies a softmax;
    # it does NOT divide the sigmoid outputs by their row sum
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 2)).astype("float32"), rng.integers(0, 3, size=20)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="sigmoid")])
    model.compile(loss="sparse_categorical_crossentropy")
    kernel, bias = model.get_weights()
    z = (x @ kernel + bias).astype("float64")                # (20, 3) logits
    rows = np.arange(len(y))
    softmax_ce = np.mean(np.log(np.exp(z).sum(axis=1)) - z[rows, y])
    p = 1 / (1 + np.exp(-z))                                  # the sigmoid outputs
    renormalised_ce = np.mean(-np.log(p[rows, y] / p.sum(axis=1)))
    loss = model.evaluate(x, y, verbose=0)
    assert abs(loss - softmax_ce) < 1e-5
    assert abs(loss - renormalised_ce) > 1e-3
