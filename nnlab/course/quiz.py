"""Quizzes and exercise checks for the lessons: feedback per answer, never a traceback for a wrong one.

Question.check and check_* are plain functions with deterministic text (nbval compares it); Quiz and
PredictBeforeRun put them behind radio buttons. Every lesson ends with a Quiz."""

import html
import math
import numbers
import re

import ipywidgets as widgets
import numpy as np

from nnlab._checks import Text, fail
from nnlab.lab.render import COLORS


def _check_text(argument, value):
    """`value` if it is a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        fail(argument, "a non-empty string", value, error=TypeError)
    return value


def _check_options(options):
    """A list of at least two distinct option strings."""
    if not isinstance(options, (list, tuple)) or len(options) < 2 or len(set(options)) != len(options):
        fail("options", "a list of at least two different answers (strings)", options, error=TypeError)
    return [_check_text(f"options[{i}]", option) for i, option in enumerate(options)]


class _Shown:
    """Displays `self.widget`, with repr(self) as its text/plain: what nbval compares."""

    def _repr_mimebundle_(self, **kwargs):
        return {**self.widget._repr_mimebundle_(**kwargs), "text/plain": repr(self)}


class Question:
    """A multiple-choice question with an explanation for every option, right or wrong (every lesson's quiz)."""

    def __init__(self, prompt, options, answer, feedback):
        self.prompt, self.options = _check_text("prompt", prompt), _check_options(options)
        if answer not in self.options:
            fail("answer", f"one of the options {self.options}", answer)
        if not isinstance(feedback, dict) or set(feedback) != set(self.options):
            fail("feedback", f"a dict with one explanation per option, keyed by the options {self.options}",
                 Text(f"keys {list(feedback)}") if isinstance(feedback, dict) else feedback)
        self.answer, self.feedback = answer, {o: _check_text(f"feedback[{o!r}]", feedback[o]) for o in self.options}

    def check(self, choice):
        """(correct, explanation) for the chosen option; (False, "Pick an answer first.") when choice is None."""
        if choice is None:
            return False, "Pick an answer first."
        if choice not in self.options:
            fail("choice", f"one of the options {self.options}", choice)
        return choice == self.answer, self.feedback[choice]

    def __repr__(self):
        """The prompt and options as plain text: HTML such as <code>compile</code> shows as `compile`."""
        letters = "".join(f"\n  {chr(65 + i)}. {_text(option)}" for i, option in enumerate(self.options))
        return f"Question: {_text(self.prompt)}{letters}"


def _text(markup):
    """HTML as a reader of plain text wants it: <code> as backticks, other tags dropped, entities decoded."""
    return html.unescape(re.sub(r"</?\w+[^>]*>", "", re.sub(r"</?code>", "`", str(markup))))


class Quiz(_Shown):
    """Radio buttons, a Check button and feedback for each Question; its text repr lists the prompts."""

    def __init__(self, questions):
        if not isinstance(questions, (list, tuple)) or not questions or \
                not all(isinstance(q, Question) for q in questions):
            fail("questions", "a non-empty list of Question(prompt, options, answer, feedback)", questions, error=TypeError)
        self.questions, self.controls, rows = list(questions), {}, []
        for i, question in enumerate(self.questions, start=1):
            radio = widgets.RadioButtons(options=question.options, value=None, layout={"width": "max-content"})
            button, feedback = widgets.Button(description="Check"), widgets.HTML()
            button.on_click(lambda _, q=question, r=radio, f=feedback: self._show(q, r.value, f))
            self.controls.update({f"q{i}": radio, f"q{i}_check": button, f"q{i}_feedback": feedback})
            rows.append(widgets.VBox([widgets.HTMLMath(f"<b>{i}.</b> {question.prompt}"), radio, button, feedback]))
        self.widget = widgets.VBox(rows)

    def _show(self, question, choice, feedback):
        """Put question.check(choice) into the `feedback` HTML, as "Correct!" or "Not quite." and the explanation."""
        try:
            correct, text = question.check(choice)
            color, head = (COLORS["green"], "Correct!") if correct else (COLORS["class1"], "Not quite.")
            head = f'<b style="color:{color}">{head}</b> ' if choice is not None else ""
            feedback.value = head + html.escape(text)
        except Exception as error:  # never a traceback in a quiz
            feedback.value = f"Could not check: {html.escape(str(error))}"
        return feedback.value

    def answer(self, number, choice):
        """Select `choice` for question `number` (1-based) and press its Check button; return (correct, explanation)."""
        self.controls[f"q{number}"].value = choice
        self.controls[f"q{number}_check"].click()
        return self.questions[number - 1].check(choice)

    def __repr__(self):
        """The questions and their options (never the answers): what a reader without widgets sees."""
        questions = "".join(f"\n{i}. {repr(q).removeprefix('Question: ')}" for i, q in enumerate(self.questions, 1))
        return f"Quiz({len(self.questions)} questions){questions}"


def _same(a, b):
    """Whether a prediction and an outcome agree: equal, equal as text, or close as numbers ("0.5" and 0.5)."""
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    except (TypeError, ValueError):
        return a == b or str(a) == str(b)


class PredictBeforeRun(_Shown):
    """Commit to a prediction before running the code, then `reveal(actual)` compares (every lesson's "predict" cells)."""

    def __init__(self, prompt, options):
        self.prompt, self.options, self.prediction = _check_text("prompt", prompt), _check_options(options), None
        self.radio = widgets.RadioButtons(options=self.options, value=None, layout={"width": "max-content"})
        self.button, self.status = widgets.Button(description="Commit"), widgets.HTML()
        self.button.on_click(lambda _: self.commit(self.radio.value))
        self.widget = widgets.VBox([widgets.HTMLMath(self.prompt), self.radio, self.button, self.status])

    def commit(self, choice):
        """Record `choice` (one of the options) as the prediction and lock the buttons (None: ask for a choice)."""
        if choice is None:
            self.status.value = "Pick an answer first."
            return None
        if choice not in self.options:
            fail("choice", f"one of the options {self.options}", choice)
        self.prediction, self.radio.value = choice, choice
        self.radio.disabled = self.button.disabled = True
        self.status.value = f"Prediction recorded: <b>{html.escape(choice)}</b>. Now run the next cell."
        return choice

    def reveal(self, actual, explanation=""):
        """The comparison of the committed prediction with what the code gave, as one line of text (also shown)."""
        shown = _plain(actual)
        if self.prediction is None:
            message = f"You did not commit a prediction. The answer is {shown}."
        elif _same(self.prediction, actual):
            message = f"You predicted {self.prediction}, and the answer is {shown}: well done."
        else:
            message = f"You predicted {self.prediction}, but the answer is {shown}. Worth a second look!"
        message = f"{message} {explanation}".strip()
        self.status.value = html.escape(message)
        return message

    def __repr__(self):
        return f"PredictBeforeRun({self.prompt!r}, options={self.options!r})"


PLAIN_LIMIT = 200  # characters of a value echoed in feedback: a five-step order fits, a long array is cut


def _plain(value):
    """A short deterministic description of a value: numbers to 6 significant digits (no np.float64(...))."""
    if _is_number(value):
        return str(int(value)) if isinstance(value, numbers.Integral) else f"{float(value):.6g}"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= PLAIN_LIMIT else text[:PLAIN_LIMIT - 3] + "..."


def _matching_hint(value, hints):
    """The message of the first hint whose key, a predicate or a known wrong value, matches `value` (else None)."""
    if hints is not None and not isinstance(hints, dict):
        fail("hints", "a dict {predicate or known wrong value: message}", hints, error=TypeError)
    for key, message in (hints or {}).items():
        try:
            if key(value) if callable(key) else _is_known(value, key):
                return message
        except Exception:  # a predicate that cannot handle this value simply does not match
            continue
    return None


def _is_known(value, key):
    """Whether `value` equals the known wrong answer `key` (numbers within np.isclose's tolerance)."""
    a, b = np.asarray(value), np.asarray(key)
    numeric = a.dtype.kind in "biuf" and b.dtype.kind in "biuf"
    return a.shape == b.shape and bool(np.all(np.isclose(a, b) if numeric else a == b))


def _report(message):
    """Print the feedback line and return whether it was "Correct!"."""
    print(message)
    return message.startswith("Correct!")


def check_equal(name, value, expected, hints=None):
    """Print "Correct!" or targeted feedback for a single value (a number, text, a shape tuple); return True/False."""
    name = _check_text("name", name)
    if value is None or value is Ellipsis:
        return _report(_missing(name, value))
    if _equal_values(value, expected):
        return _report(f"Correct! `{name}` = {_plain(expected)}.")
    if hint := _matching_hint(value, hints):
        return _report(f"Not yet: {hint}")
    return _report(_equal_feedback(name, value, expected))


def _missing(name, value):
    """Feedback for an answer not written yet: still the `...` placeholder, or None (nothing returned)."""
    return (f"Not attempted yet: `{name}` is still `...`: replace it with your code." if value is Ellipsis else
            f"Not yet: `{name}` is None: did you forget to return (or assign) the result?")


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _equal_values(value, expected):
    """Numbers within 1e-9 relative; anything else equal and of the same type (True is not 1, "4" is not 4)."""
    if _is_number(value) and _is_number(expected):
        return math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12)
    try:
        return type(value) is type(expected) and bool(np.all(value == expected))
    except Exception:
        return False


def _equal_feedback(name, value, expected):
    """Feedback for a wrong single value: wrong type, reversed tuple, off by a factor, close, or just different."""
    number = _is_number
    if number(expected) and isinstance(value, str):
        return f"Not yet: `{name}` is the text {value!r}, but should be a number: remove the quotes."
    if number(expected) and number(value):
        factor = value / expected if expected != 0 else None
        if factor is not None and not math.isclose(factor, 1, rel_tol=1e-3):
            return f"Not yet: `{name}` = {_plain(value)} is off by a factor of {factor:.4g}{_factor_hint(factor)}"
        if math.isclose(value, expected, rel_tol=1e-3, abs_tol=1e-9):
            return f"Not yet: `{name}` = {_plain(value)} is close but not equal: did you round too early?"
    if isinstance(value, tuple) and isinstance(expected, tuple) and value == expected[::-1]:
        return f"Not yet: `{name}` = {value} is in reverse order: did you transpose?"
    if type(value) is not type(expected) and not (number(value) and number(expected)):
        return f"Not yet: `{name}` should be of type {type(expected).__name__}, but is of type {type(value).__name__}."
    return f"Not yet: `{name}` = {_plain(value)} is not the expected value."


def _factor_hint(factor):
    """What a constant factor between an answer and the expected one usually means."""
    if math.isclose(factor, -1, rel_tol=1e-6):
        return ": the sign is flipped."
    k = factor if abs(factor) >= 1 else 1 / factor
    if abs(k - round(k)) < 1e-6 * abs(k):
        return ": a sum instead of a mean (or the reverse), or a missing factor such as 2?"
    return "."


def check_array(name, value, expected, rtol=1e-5, atol=1e-8, hints=None):
    """Print "Correct!" or targeted feedback (shape, dtype, factor, close) for an array answer; return True/False."""
    name, expected = _check_text("name", name), np.asarray(expected)
    if value is None or value is Ellipsis:
        return _report(_missing(name, value))
    try:
        array = np.asarray(value)
    except ValueError:  # rows of different lengths
        return _report(f"Not yet: `{name}` is not a rectangular array: do all its rows have the same length?")
    if array.dtype.kind not in "biuf":
        kind = {"U": "text", "S": "bytes", "O": "Python objects"}.get(array.dtype.kind, str(array.dtype))
        return _report(f"Not yet: `{name}` should hold numbers, but holds {kind}: convert with np.asarray(..., dtype=float).")
    kinds_agree = (array.dtype.kind == "f") == (expected.dtype.kind == "f")
    if array.shape == expected.shape and kinds_agree and np.allclose(array, expected, rtol, atol):
        return _report(f"Correct! `{name}` has shape {expected.shape} and the expected values.")
    if hint := _matching_hint(value, hints):
        return _report(f"Not yet: {hint}")
    if array.shape != expected.shape:
        return _report(_shape_feedback(name, array.shape, expected.shape))
    if not kinds_agree:
        return _report(f"Not yet: `{name}` holds {array.dtype} values, but should hold {expected.dtype}: "
                       + ("make it from floats (np.zeros(..., dtype=float), / rather than //)."
                          if expected.dtype.kind == "f" else "convert it with .astype(int)."))
    return _report(_value_feedback(name, array.astype("float64"), expected.astype("float64"), rtol, atol))


def _shape_feedback(name, got, expected):
    """Feedback for a wrong shape: transposed, an axis of length 1 missing or extra, or the wrong size."""
    head = f"Not yet: `{name}` should have shape {expected}, but has shape {got}"
    if len(got) == 2 and got == expected[::-1]:
        return f"{head}: did you transpose? (Try .T, or swap the operands of @.)"
    if tuple(d for d in got if d != 1) == tuple(d for d in expected if d != 1):
        return f"{head}: an axis of length 1 is missing or extra (keepdims=True, or .reshape{expected})."
    if math.prod(got) == math.prod(expected):
        return f"{head}: the right number of values, arranged differently (.reshape{expected}?)."
    return f"{head}."


def _value_feedback(name, got, expected, rtol, atol):
    """Feedback for wrong values of the right shape: NaN, all zeros, a constant factor, close, or where they differ."""
    if np.isnan(got).any():
        return f"Not yet: `{name}` contains NaN (not a number): look for log(0), 0/0 or an overflow."
    if not got.any():
        return f"Not yet: `{name}` is all zeros: is a line still missing, or a result not stored?"
    mask = np.abs(expected) > atol
    factor = float(np.median(got[mask] / expected[mask])) if mask.any() else None
    if factor is not None and not math.isclose(factor, 1, rel_tol=1e-3) and np.allclose(got, factor * expected, rtol,
                                                                                        atol):
        return f"Not yet: `{name}` is off by a factor of {factor:.4g} everywhere{_factor_hint(factor)}"
    diff = np.abs(got - expected)
    worst = np.unravel_index(np.argmax(diff), got.shape)
    where = f"largest difference {diff[worst]:.3g} at index {tuple(int(i) for i in worst)}"
    if np.allclose(got, expected, rtol=1e-2, atol=1e-3):
        return f"Not yet: `{name}` is close but not equal ({where}, tolerance rtol={rtol:g}): rounding, or float16?"
    wrong = int(np.sum(~np.isclose(got, expected, rtol, atol)))
    return (f"Not yet: `{name}` differs at {wrong} of {got.size} positions ({where}: got {got[worst]:.4g}, "
            f"expected {expected[worst]:.4g}).")
