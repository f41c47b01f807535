"""Weight initializers, named and computed like keras.initializers: `init(shape)` returns starting weights."""

import inspect
import math
import numbers

import numpy as np

from nnlab._checks import check_choice, check_float, check_int, fail
from nnlab.utils import rng_from

TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) cut to [-2, 2]; Keras divides by it to undo the cut


def compute_fans(shape):
    """Count the inputs and outputs a weight connects, as Keras does: (fan_in, fan_out) = (n_in, units).

    (units,) -> (units, units); () -> (1, 1); conv (..., n_in, units) -> both times the receptive field. Lesson 05.
    """
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = math.prod(shape[:-2])  # 1 for a Dense kernel (n_in, units)
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


def truncated_normal(rng, shape, mean, stddev):
    """Draw N(mean, stddev²), redrawing values outside mean ± 2·stddev (std 0.8796·stddev); float64 `shape`."""
    x = np.asarray(rng.normal(mean, stddev, size=shape))  # (shape)
    outside = np.abs(x - mean) > 2.0 * stddev
    while outside.any():  # each pass redraws only the ~4.6% that fell outside
        x[outside] = rng.normal(mean, stddev, size=int(outside.sum()))
        outside = np.abs(x - mean) > 2.0 * stddev
    return x


def _as_shape(shape):
    """Return `shape` as a tuple of positive ints: 5 -> (5,), [3, 4] -> (3, 4)."""
    dims = (shape,) if isinstance(shape, numbers.Integral) else shape
    whole = isinstance(dims, (tuple, list)) and all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) for d in dims)
    expected = "a positive whole number or a tuple of them, e.g. (n_in, units) for a kernel or (units,) for a bias"
    if not whole:
        fail("shape", expected, shape, error=TypeError)
    if any(d < 1 for d in dims):
        fail("shape", expected, shape, "Every dimension must be at least 1.")
    return tuple(int(d) for d in dims)


def _as_dtype(dtype, kinds):
    """Return `dtype` as a numpy dtype whose kind is in `kinds` ('f' float, 'i' int, ...)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        fail("dtype", "a numpy dtype name such as 'float32'", dtype, error=TypeError)
    if dtype.kind not in kinds:
        wanted = "a floating dtype such as 'float32'" if kinds == "f" else "a numeric dtype such as 'float32'"
        fail("dtype", wanted, str(dtype), error=TypeError)
    return dtype


def _check_seed(seed):
    """Return `seed` (None or an int >= 0): an int repeats the same values at every call, as in Keras.

    Unlike Keras (which picks a seed when the initializer is built, so each call repeats), seed=None draws
    fresh values from nnlab's global generator at each call; nnlab.utils.set_random_seed makes that repeatable.
    """
    return None if seed is None else check_int("seed", seed, minimum=0)


class Initializer:
    """Base class: `init(shape, dtype)` returns an array of `shape` (e.g. (n_in, units)) and `dtype`. Lesson 05."""

    _kinds = "f"  # dtype kinds a subclass can produce

    def __call__(self, shape, dtype="float32"):
        """Return the starting values, drawn in float64 and then cast to `dtype`; shape `shape`."""
        shape = _as_shape(shape)
        dtype = _as_dtype(dtype, self._kinds)
        return np.asarray(self._draw(shape), dtype=np.float64).astype(dtype)

    def _draw(self, shape):
        """Return a float64 array of `shape`; every subclass defines it."""
        raise NotImplementedError("Initializer subclasses must define `_draw(shape)` (or `__call__`).")

    def get_config(self):
        """Return the constructor arguments as a dict, like Keras: `type(init)(**init.get_config())` rebuilds it."""
        parameters = inspect.signature(type(self).__init__).parameters.values()
        names = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_config(cls, config):
        """Build an initializer from `get_config()`'s dict."""
        return cls(**config)

    def __repr__(self):
        arguments = ", ".join(f"{name}={value!r}" for name, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class Zeros(Initializer):
    """All zeros: w = 0, shape `shape` (Keras's default bias_initializer). Lesson 05."""

    _kinds = "biuf"

    def _draw(self, shape):
        return np.zeros(shape)  # (shape)


class Ones(Initializer):
    """All ones: w = 1, shape `shape`. Lesson 05."""

    _kinds = "biuf"

    def _draw(self, shape):
        return np.ones(shape)  # (shape)


class Constant(Initializer):
    """One value everywhere: w = value, shape `shape`; like Keras, value passes through float32 first. Lesson 05."""

    _kinds = "biuf"

    def __init__(self, value=0.0):
        self.value = check_float("value", value)

    def _draw(self, shape):
        return np.full(shape, np.float32(self.value))  # (shape); so float64 gets 0.1 as 0.10000000149, int 2.5 -> 2


class RandomNormal(Initializer):
    """Normal samples: w ~ N(mean, stddev²), shape `shape`. Lesson 05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = check_float("mean", mean)
        self.stddev = check_float("stddev", stddev, low=0.0, low_open=True)
        self.seed = _check_seed(seed)

    def _draw(self, shape):
        return rng_from(self.seed).normal(self.mean, self.stddev, size=shape)  # (shape)


class RandomUniform(Initializer):
    """Uniform samples: w ~ U[minval, maxval), shape `shape`. Lesson 05."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = check_float("minval", minval)
        self.maxval = check_float("maxval", maxval)
        if self.maxval <= self.minval:
            fail("maxval", f"greater than minval={self.minval}", maxval, "Swap them or widen the range.")
        self.seed = _check_seed(seed)

    def _draw(self, shape):
        return rng_from(self.seed).uniform(self.minval, self.maxval, size=shape)  # (shape)


class TruncatedNormal(Initializer):
    """Normal samples redrawn until |w - mean| <= 2·stddev: w ~ N(mean, stddev²) cut at ±2σ, shape `shape`.

    The cut shrinks the spread: std(w) = 0.8796·stddev. Lesson 05.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = check_float("mean", mean)
        self.stddev = check_float("stddev", stddev, low=0.0, low_open=True)
        self.seed = _check_seed(seed)

    def _draw(self, shape):
        return truncated_normal(rng_from(self.seed), shape, self.mean, self.stddev)  # (shape)


class VarianceScaling(Initializer):
    """Samples whose variance is scale / n, with n = fan_in, fan_out or (fan_in + fan_out) / 2 (at least 1).

    truncated_normal: std sqrt(scale/n) / 0.8796 before the ±2σ cut (so sqrt(scale/n) after it);
    untruncated_normal: std sqrt(scale/n); uniform: U(-limit, limit), limit = sqrt(3·scale/n).
    Shape (n_in, units): fan_in = n_in, fan_out = units. Lesson 05.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        self.scale = check_float("scale", scale, low=0.0, low_open=True)
        self.mode = check_choice("mode", mode, ["fan_in", "fan_out", "fan_avg"])
        distribution = check_choice(
            "distribution", distribution, ["truncated_normal", "untruncated_normal", "uniform", "normal"])
        self.distribution = "truncated_normal" if distribution == "normal" else distribution  # Keras's alias
        self.seed = _check_seed(seed)

    def _draw(self, shape):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = rng_from(self.seed)
        if self.distribution == "truncated_normal":
            return truncated_normal(rng, shape, 0.0, math.sqrt(variance) / TRUNCATED_STD)  # (shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), size=shape)  # (shape)
        limit = math.sqrt(3.0 * variance)  # U(-a, a) has variance a²/3
        return rng.uniform(-limit, limit, size=shape)  # (shape)


class GlorotUniform(VarianceScaling):
    """Glorot (Xavier) uniform, Keras's default: w ~ U(±sqrt(6 / (fan_in + fan_out))), (n_in, units). Lesson 05."""

    def __init__(self, seed=None):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed)


class GlorotNormal(VarianceScaling):
    """Glorot (Xavier) normal: truncated normal, std(w) = sqrt(2 / (fan_in + fan_out)), (n_in, units). Lesson 05."""

    def __init__(self, seed=None):
        super().__init__(scale=1.0, mode="fan_avg", distribution="truncated_normal", seed=seed)


class HeNormal(VarianceScaling):
    """He normal (for ReLU): truncated normal with std(w) = sqrt(2 / fan_in), shape (n_in, units). Lesson 05."""

    def __init__(self, seed=None):
        super().__init__(scale=2.0, mode="fan_in", distribution="truncated_normal", seed=seed)


class HeUniform(VarianceScaling):
    """He uniform (for ReLU): w ~ U(-limit, limit), limit = sqrt(6 / fan_in), shape (n_in, units). Lesson 05."""

    def __init__(self, seed=None):
        super().__init__(scale=2.0, mode="fan_in", distribution="uniform", seed=seed)


class LecunNormal(VarianceScaling):
    """LeCun normal (for SELU): truncated normal with std(w) = sqrt(1 / fan_in), shape (n_in, units). Lesson 05."""

    def __init__(self, seed=None):
        super().__init__(scale=1.0, mode="fan_in", distribution="truncated_normal", seed=seed)


class LecunUniform(VarianceScaling):
    """LeCun uniform: w ~ U(-limit, limit), limit = sqrt(3 / fan_in), shape (n_in, units). Lesson 05."""

    def __init__(self, seed=None):
        super().__init__(scale=1.0, mode="fan_in", distribution="uniform", seed=seed)


ALIASES = {  # Keras's snake-case names -> classes
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_normal": HeNormal,
    "he_uniform": HeUniform, "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
}
_KERAS_SHORT = {"normal": RandomNormal, "uniform": RandomUniform, "one": Ones, "zero": Zeros}  # Keras accepts these too
_BY_NAME = {**ALIASES, **_KERAS_SHORT, **{cls.__name__.lower(): cls for cls in ALIASES.values()}}


def get(identifier, argument="initializer"):
    """Turn "he_normal", "HeNormal", the class HeNormal or an instance into an Initializer, like keras.initializers.get.

    `argument` names the caller's argument in error messages (e.g. "kernel_initializer"). Lesson 05.
    """
    if isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if not isinstance(identifier, str):
        fail(argument, f"an initializer name (one of {sorted(ALIASES)}), an Initializer class or instance",
             identifier, "For example 'glorot_uniform' or nnlab.initializers.HeNormal(seed=0).", TypeError)
    key = identifier.lower()
    if key not in _BY_NAME:
        check_choice(argument, identifier, ALIASES)  # raises, listing the names and suggesting the closest
    return _BY_NAME[key]()


def seeded(name, seed, argument="initializer"):
    """A fresh initializer for a Keras name, given `seed` when it draws random numbers (constant ones take none)."""
    cls = ALIASES[check_choice(argument, name, ALIASES)]
    return cls(seed=seed) if "seed" in inspect.signature(cls).parameters else cls()


def keras_name(initializer):
    """Return the Keras identifier of `initializer` (anything get accepts): GlorotUniform() -> "glorot_uniform"."""
    cls = type(get(initializer))
    names = [name for name, known in ALIASES.items() if known is cls]
    if not names:
        fail("initializer", f"one of nnlab's built-in initializers {sorted(ALIASES)}", initializer,
             "Keras has no twin for a custom class.", TypeError)
    return names[0]
