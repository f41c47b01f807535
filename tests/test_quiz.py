"""nnlab.course.quiz: questions with feedback per option, predict-before-you-run, and exercise checks that never raise."""

import numpy as np
import pytest

from nnlab.course.quiz import PredictBeforeRun, Question, Quiz, check_array, check_equal

FEEDBACK = {"0": "sigmoid(0) = 1 / (1 + e^0) = 1/2, not 0.", "0.5": "Yes: e^0 = 1, so 1 / (1 + 1).",
            "1": "That is the limit for large z, not z = 0."}


def sigmoid_question():
    return Question("What is sigmoid(0)?", ["0", "0.5", "1"], "0.5", FEEDBACK)


# ---------------------------------------------------------------- Question


def test_check_gives_the_feedback_of_each_option():
    q = sigmoid_question()
    assert q.check("0.5") == (True, FEEDBACK["0.5"])
    assert q.check("0") == (False, FEEDBACK["0"])
    assert q.check("1") == (False, FEEDBACK["1"])
    assert q.check(None) == (False, "Pick an answer first.")


def test_check_refuses_an_answer_that_is_not_an_option():
    with pytest.raises(ValueError, match=r"`choice` must be one of the options \['0', '0.5', '1'\]"):
        sigmoid_question().check("0.25")


@pytest.mark.parametrize("args, error, pattern", [
    (("p", ["a", "b"], "c", {"a": "x", "b": "y"}), ValueError, "`answer` must be one of the options"),
    (("p", ["a", "b"], "a", {"a": "x"}), ValueError, r"`feedback` must be a dict with one explanation per option"),
    (("p", ["a", "b"], "a", {"a": "x", "b": "y", "c": "z"}), ValueError, "`feedback`.*keys"),
    (("p", ["a", "a"], "a", {"a": "x"}), TypeError, "`options` must be a list of at least two different"),
    (("p", "ab", "a", {}), TypeError, "`options`"),
    (("", ["a", "b"], "a", {"a": "x", "b": "y"}), TypeError, "`prompt` must be a non-empty string"),
    (("p", ["a", "b"], "a", {"a": "x", "b": ""}), TypeError, r"`feedback\['b'\]` must be a non-empty string"),
])
def test_question_errors_name_the_argument(args, error, pattern):
    with pytest.raises(error, match=pattern):
        Question(*args)


def test_question_repr_lists_the_options():
    assert repr(sigmoid_question()) == "Question: What is sigmoid(0)?\n  A. 0\n  B. 0.5\n  C. 1"
    html_question = Question("What is <code>compile</code> for? <b>One</b> answer", ["x &lt; 0", "<i>y</i>"], "<i>y</i>",
                             {"x &lt; 0": "no", "<i>y</i>": "yes"})
    assert repr(html_question) == "Question: What is `compile` for? One answer\n  A. x < 0\n  B. y"


# ---------------------------------------------------------------- Quiz widget


def test_quiz_repr_lists_the_prompts_and_options_but_not_the_answers():
    quiz = Quiz([sigmoid_question(), Question("Which is Keras's default initializer?", ["glorot_uniform", "zeros"],
                                              "glorot_uniform", {"glorot_uniform": "Yes.", "zeros": "No: symmetry."})])
    assert repr(quiz) == ("Quiz(2 questions)\n1. What is sigmoid(0)?\n  A. 0\n  B. 0.5\n  C. 1\n"
                          "2. Which is Keras's default initializer?\n  A. glorot_uniform\n  B. zeros")
    assert "Yes." not in repr(quiz) and "symmetry" not in repr(quiz)
    bundle = quiz._repr_mimebundle_()
    assert bundle["text/plain"] == repr(quiz) and "application/vnd.jupyter.widget-view+json" in bundle


def test_quiz_check_buttons_show_feedback_per_question():
    quiz = Quiz([sigmoid_question(), sigmoid_question()])
    quiz.controls["q2_check"].click()
    assert quiz.controls["q2_feedback"].value == "Pick an answer first."
    assert quiz.answer(1, "1") == (False, FEEDBACK["1"])
    assert "Not quite." in quiz.controls["q1_feedback"].value and "limit for large z" in quiz.controls["q1_feedback"].value
    assert quiz.controls["q2_feedback"].value == "Pick an answer first."  # the other question is untouched
    assert quiz.answer(1, "0.5")[0] is True
    assert "Correct!" in quiz.controls["q1_feedback"].value and "Not quite" not in quiz.controls["q1_feedback"].value


def test_quiz_refuses_things_that_are_not_questions():
    with pytest.raises(TypeError, match="`questions` must be a non-empty list of Question"):
        Quiz(["What is sigmoid(0)?"])
    with pytest.raises(TypeError, match="`questions`"):
        Quiz([])


# ---------------------------------------------------------------- predict before you run


def test_reveal_without_a_prediction():
    p = PredictBeforeRun("What will sigmoid(0) print?", ["0", "0.5", "1"])
    assert p.reveal(0.5) == "You did not commit a prediction. The answer is 0.5."
    assert repr(p) == "PredictBeforeRun('What will sigmoid(0) print?', options=['0', '0.5', '1'])"


def test_reveal_compares_with_the_committed_prediction():
    p = PredictBeforeRun("What will sigmoid(0) print?", ["0", "0.5", "1"])
    p.radio.value = "0.5"
    p.button.click()
    assert p.prediction == "0.5" and p.radio.disabled and p.button.disabled
    assert p.reveal(np.float32(0.5)) == "You predicted 0.5, and the answer is 0.5: well done."
    assert p.reveal(1.0, "Large z saturates.") == "You predicted 0.5, but the answer is 1. Worth a second look! " \
                                                 "Large z saturates."
    assert "Large z saturates." in p.status.value


def test_commit_needs_an_option():
    p = PredictBeforeRun("Shape of x @ W?", ["(4, 3)", "(3, 4)"])
    p.button.click()
    assert p.prediction is None and p.status.value == "Pick an answer first."
    with pytest.raises(ValueError, match="`choice` must be one of the options"):
        p.commit("(4, 4)")
    assert p.commit("(4, 3)") == "(4, 3)" and p.reveal("(4, 3)").endswith("well done.")


# ---------------------------------------------------------------- exercise checks


def run(check, *args, capsys, **kwargs):
    """Call a check helper and return (its result, the one line it printed)."""
    result = check(*args, **kwargs)
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    return result, printed.strip()


EXPECTED = np.array([[0.5], [0.25], [0.75], [1.0]])  # shape (4, 1)


def test_check_array_correct(capsys):
    assert run(check_array, "y_hat", EXPECTED + 1e-9, EXPECTED, capsys=capsys) == (
        True, "Correct! `y_hat` has shape (4, 1) and the expected values.")


@pytest.mark.parametrize("value, message", [
    (EXPECTED.T, "Not yet: `y_hat` should have shape (4, 1), but has shape (1, 4): did you transpose?"),
    (EXPECTED[:, 0], "but has shape (4,): an axis of length 1 is missing or extra (keepdims=True, or .reshape(4, 1))"),
    (EXPECTED.reshape(2, 2), "but has shape (2, 2): the right number of values, arranged differently"),
    (EXPECTED[:3], "Not yet: `y_hat` should have shape (4, 1), but has shape (3, 1)."),
    (np.array([[0], [0], [0], [1]]), "`y_hat` holds int64 values, but should hold float64"),
    (2 * EXPECTED, "`y_hat` is off by a factor of 2 everywhere: a sum instead of a mean"),
    (-EXPECTED, "`y_hat` is off by a factor of -1 everywhere: the sign is flipped."),
    (EXPECTED + 1e-3, "`y_hat` is close but not equal (largest difference 0.001"),
    (np.array([[0.5], [0.25], [np.nan], [1.0]]), "`y_hat` contains NaN"),
    (np.zeros((4, 1)), "`y_hat` is all zeros"),
    (np.array([[0.5], [0.25], [0.75], [0.0]]), "differs at 1 of 4 positions (largest difference 1 at index (3, 0): "
                                               "got 0, expected 1)"),
    (None, "Not yet: `y_hat` is None: did you forget to return (or assign) the result?"),
    (..., "Not attempted yet: `y_hat` is still `...`: replace it with your code."),
    (["a", "b"], "Not yet: `y_hat` should hold numbers, but holds text"),
    ([[1.0], [2.0, 3.0]], "Not yet: `y_hat` is not a rectangular array: do all its rows have the same length?"),
])
def test_check_array_names_the_mistake(value, message, capsys):
    correct, printed = run(check_array, "y_hat", value, EXPECTED, capsys=capsys)
    assert correct is False
    assert message in printed and printed.startswith(("Not yet: ", "Not attempted yet: "))


def test_check_array_hints_come_first(capsys):
    hints = {lambda v: np.allclose(np.ravel(v), 0.5 * EXPECTED.ravel()): "You averaged twice: divide by n once.",
             lambda v: v.undefined_attribute: "never shown: this predicate raises and is skipped"}
    assert run(check_array, "y_hat", 0.5 * EXPECTED, EXPECTED, hints=hints, capsys=capsys) == (
        False, "Not yet: You averaged twice: divide by n once.")
    assert run(check_array, "y_hat", (0.5 * EXPECTED).T, EXPECTED, hints=hints, capsys=capsys)[1].startswith(
        "Not yet: You averaged")
    known = {0.0: "0 is what an untrained network gives."}
    assert run(check_array, "loss", np.float64(0.0), 0.69, hints=known, capsys=capsys)[1] == \
        "Not yet: 0 is what an untrained network gives."
    assert run(check_array, "y_hat", EXPECTED, EXPECTED, hints=hints, capsys=capsys)[0] is True


def test_check_array_uses_the_tolerance(capsys):
    assert run(check_array, "g", EXPECTED * 1.01, EXPECTED, rtol=0.02, capsys=capsys)[0] is True
    assert run(check_array, "g", EXPECTED * 1.01, EXPECTED, capsys=capsys)[0] is False


@pytest.mark.parametrize("value, expected, message", [
    (4, 4, "Correct! `n` = 4."),
    (0.1 + 0.2, 0.3, "Correct! `n` = 0.3."),
    ((4, 1), (4, 1), "Correct! `n` = (4, 1)."),
    ("4", 4, "Not yet: `n` is the text '4', but should be a number: remove the quotes."),
    (8, 4, "Not yet: `n` = 8 is off by a factor of 2: a sum instead of a mean"),
    (0.6932, 0.6931, "Not yet: `n` = 0.6932 is close but not equal: did you round too early?"),
    (True, 1, "Not yet: `n` should be of type int, but is of type bool."),
    ((1, 4), (4, 1), "Not yet: `n` = (1, 4) is in reverse order: did you transpose?"),
    ([4, 1], (4, 1), "Not yet: `n` should be of type tuple, but is of type list."),
    ("relu", "sigmoid", "Not yet: `n` = relu is not the expected value."),
    (None, 4, "Not yet: `n` is None"),
])
def test_check_equal_feedback(value, expected, message, capsys):
    correct, printed = run(check_equal, "n", value, expected, capsys=capsys)
    assert printed.startswith(message)
    assert correct is message.startswith("Correct!")


def test_check_equal_known_wrong_values_and_bad_hints(capsys):
    hints = {"relu": "relu outputs can be any positive number; a probability needs 'sigmoid'."}
    assert run(check_equal, "activation", "relu", "sigmoid", hints=hints, capsys=capsys)[1] == \
        "Not yet: relu outputs can be any positive number; a probability needs 'sigmoid'."
    with pytest.raises(TypeError, match="`hints` must be a dict"):
        check_equal("activation", "relu", "sigmoid", hints=["relu"])
    with pytest.raises(TypeError, match="`name` must be a non-empty string"):
        check_array(3, [1.0], [1.0])


def test_feedback_is_deterministic(capsys):
    outputs = {run(check_array, "w", np.float32(2) * EXPECTED, EXPECTED, capsys=capsys)[1] for _ in range(3)}
    assert outputs == {"Not yet: `w` is off by a factor of 2 everywhere: a sum instead of a mean (or the reverse), "
                       "or a missing factor such as 2?"}


def test_feedback_echoes_a_whole_answer_and_cuts_a_long_one(capsys):
    order = ["prepare the data", "build the layers", "compile with a loss", "fit for some epochs",
             "predict on new data"]
    assert run(check_equal, "order", order, list(order), capsys=capsys)[1] == f"Correct! `order` = {order!r}."
    printed = run(check_equal, "x", list(range(1000)), [0], capsys=capsys)[1]
    assert printed.startswith("Not yet: `x` = [0, 1, 2,") and printed.endswith("... is not the expected value.")
    assert len(printed) < 260

