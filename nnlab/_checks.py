"""Argument checks whose error messages teach: each names the argument, what was expected and what came."""

import difflib
import numbers

import numpy as np


class Text(str):
    """A description that an error message shows as it is, unquoted: fail("y", ..., Text("11 targets"))."""


def _shown(value):
    """A short description of `value` for an error message: its repr, or its type and shape for arrays."""
    if isinstance(value, Text):
        return str(value)
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else f"a {type(value).__name__} ({text[:57]}...)"


def fail(argument, expected, got, hint="", error=ValueError):
    """Raise `error` with the house message: `argument` must be `expected`, but got `got`. `hint`"""
    message = f"`{argument}` must be {expected}, but got {_shown(got)}."
    raise error(f"{message} {hint}".strip())


def check_choice(argument, value, choices):
    """Return `value` lower-cased if it is one of `choices`; otherwise list them and suggest the closest."""
    choices = sorted(choices)
    if not isinstance(value, str):
        fail(argument, f"one of {choices}", value, error=TypeError)
    key = value.lower()
    if key not in choices:
        close = difflib.get_close_matches(key, choices, n=1)
        hint = f"Did you mean {close[0]!r}?" if close else ""
        fail(argument, f"one of {choices}", value, hint)
    return key


def check_int(argument, value, minimum=1):
    """Return `value` as an int if it is a whole number >= `minimum` (bools are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(argument, f"a whole number (at least {minimum})", value, error=TypeError)
    if value < minimum:
        fail(argument, f"at least {minimum}", value)
    return int(value)


def check_float(argument, value, low=None, high=None, low_open=False, high_open=False):
    """Return `value` as a float if it is a finite real number within [low, high] (ends open on request)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(argument, "a number", value, error=TypeError)
    value = float(value)
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    interval = f"in {left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
    too_low = low is not None and (value < low or (low_open and value == low))
    too_high = high is not None and (value > high or (high_open and value == high))
    if not np.isfinite(value) or too_low or too_high:
        fail(argument, f"a finite number {interval}", value)
    return value


def check_bool(argument, value):
    """Return `value` if it is True or False."""
    if not isinstance(value, (bool, np.bool_)):
        fail(argument, "True or False", value, error=TypeError)
    return bool(value)


def as_array(argument, value, dtype="float32", ndim=None):
    """Return `value` as a finite numeric array of `dtype`, refusing strings, objects, NaN, inf and overflow."""
    try:
        array = np.asarray(value)
    except Exception:
        fail(argument, "an array of numbers", value, error=TypeError)
    if array.dtype.kind not in "biuf":
        fail(argument, "an array of numbers (int, float or bool)", value,
             f"Convert text or mixed data to numbers first, e.g. np.asarray({argument}, dtype='float32').", TypeError)
    if ndim is not None and array.ndim not in np.atleast_1d(ndim):
        fail(argument, f"an array with {ndim} dimension(s)", array)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        fail(argument, "free of NaN and inf", array, f"It has {bad} non-finite value(s): clean or drop them first.")
    with np.errstate(over="ignore"):
        converted = array.astype(dtype, copy=False)
    if not np.all(np.isfinite(converted)):
        limit = np.finfo(dtype).max
        fail(argument, f"values that fit in {dtype} (|value| < {limit:.1e})",
             Text(f"values up to {np.max(np.abs(array)):.1e}"), "Rescale the data first.")
    return converted
