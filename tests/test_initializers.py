"""Tests for nnlab.initializers: every initializer against its formula and against Keras's own samples."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import math
import subprocess
import sys

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from keras.src.initializers.random_initializers import compute_fans as keras_compute_fans

from nnlab import initializers, utils
from nnlab.twin.convert import initializer_to_keras

Z = 5.0  # a check fails only if nnlab and the formula (or Keras) differ by more than 5 standard errors
ALPHA = 1e-3  # significance level of the two-sample Kolmogorov-Smirnov test
# std of N(0, 1) cut to [-2, 2], from erf here (not copied from Keras): var = 1 - 2·a·φ(a) / (Φ(a) - Φ(-a))
PHI_2 = math.exp(-2.0) / math.sqrt(2.0 * math.pi)
TRUNC = math.sqrt(1.0 - 4.0 * PHI_2 / math.erf(math.sqrt(2.0)))
TAIL = 1.0 - math.erf(math.sqrt(2.0))  # P(|z| > 2) for z ~ N(0, 1)

# (class name, constructor kwargs, law(fan_in, fan_out) -> (kind, a, b)), laws written from the textbook formulas:
# "normal": N(a, b²); "uniform": U[a, b); "truncated": N(a, b²) cut to a ± 2b.
CASES = [
    ("RandomNormal", {}, lambda fi, fo: ("normal", 0.0, 0.05)),
    ("RandomNormal", {"mean": 0.3, "stddev": 0.2}, lambda fi, fo: ("normal", 0.3, 0.2)),
    ("RandomUniform", {}, lambda fi, fo: ("uniform", -0.05, 0.05)),
    ("RandomUniform", {"minval": -0.1, "maxval": 0.3}, lambda fi, fo: ("uniform", -0.1, 0.3)),
    ("TruncatedNormal", {}, lambda fi, fo: ("truncated", 0.0, 0.05)),
    ("TruncatedNormal", {"mean": 0.1, "stddev": 0.2}, lambda fi, fo: ("truncated", 0.1, 0.2)),
    ("VarianceScaling", {}, lambda fi, fo: ("truncated", 0.0, math.sqrt(1.0 / fi) / TRUNC)),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_out", "distribution": "untruncated_normal"},
     lambda fi, fo: ("normal", 0.0, math.sqrt(0.5 / fo))),
    ("VarianceScaling", {"scale": 3.0, "mode": "fan_avg", "distribution": "uniform"},
     lambda fi, fo: ("uniform", -math.sqrt(9.0 / ((fi + fo) / 2)), math.sqrt(9.0 / ((fi + fo) / 2)))),
    ("VarianceScaling", {"scale": 1.5, "mode": "fan_out", "distribution": "normal"},
     lambda fi, fo: ("truncated", 0.0, math.sqrt(1.5 / fo) / TRUNC)),
    ("GlorotUniform", {}, lambda fi, fo: ("uniform", -math.sqrt(6.0 / (fi + fo)), math.sqrt(6.0 / (fi + fo)))),
    ("GlorotNormal", {}, lambda fi, fo: ("truncated", 0.0, math.sqrt(2.0 / (fi + fo)) / TRUNC)),
    ("HeNormal", {}, lambda fi, fo: ("truncated", 0.0, math.sqrt(2.0 / fi) / TRUNC)),
    ("HeUniform", {}, lambda fi, fo: ("uniform", -math.sqrt(6.0 / fi), math.sqrt(6.0 / fi))),
    ("LecunNormal", {}, lambda fi, fo: ("truncated", 0.0, math.sqrt(1.0 / fi) / TRUNC)),
    ("LecunUniform", {}, lambda fi, fo: ("uniform", -math.sqrt(3.0 / fi), math.sqrt(3.0 / fi))),
]
CASE_IDS = [f"{name}-{'-'.join(map(str, kwargs.values())) or 'defaults'}" for name, kwargs, _ in CASES]
RANDOM_NAMES = sorted({name for name, _, _ in CASES})
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)
shapes = st.one_of(
    st.tuples(st.integers(1, 300), st.integers(1, 300)),  # kernels (n_in, units)
    st.tuples(st.integers(1, 300)),  # biases (units,)
    st.integers(1, 300),  # an int means (n,)
)


def law(name, kwargs, shape_law, shape):
    """The expected (kind, a, b) for `shape`, with fans counted by hand for 1-D and 2-D shapes."""
    shape = (shape,) if isinstance(shape, int) else shape
    fan_in, fan_out = (shape[0], shape[0]) if len(shape) == 1 else shape
    return shape_law(fan_in, fan_out)


def moments(kind, a, b):
    """Expected mean and std of the law."""
    if kind == "uniform":
        return (a + b) / 2, (b - a) / math.sqrt(12.0)
    return a, b * (TRUNC if kind == "truncated" else 1.0)


def bounds(kind, a, b):
    """The interval every sample must lie in (None for an untruncated normal)."""
    return {"uniform": (a, b), "truncated": (a - 2 * b, a + 2 * b)}.get(kind)


def summary(x):
    """Sample mean and std with their standard errors (the std's from the sample kurtosis)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    n, mean, std = x.size, x.mean(), x.std()
    kurtosis = np.mean((x - mean) ** 4) / std**4
    return mean, std, std / math.sqrt(n), std * math.sqrt((kurtosis - 1.0) / (4.0 * n))


def ks_statistic(x, y):
    """Two-sample Kolmogorov-Smirnov statistic D = max |F_x(t) - F_y(t)|, written with numpy."""
    x, y = np.sort(np.ravel(x)), np.sort(np.ravel(y))
    t = np.concatenate([x, y])
    return np.max(np.abs(np.searchsorted(x, t, "right") / x.size - np.searchsorted(y, t, "right") / y.size))


def ks_critical(n, m, alpha=ALPHA):
    """Asymptotic critical value of D at level `alpha` for sample sizes n and m."""
    return math.sqrt(-math.log(alpha / 2) / 2) * math.sqrt((n + m) / (n * m))


# ---- shapes, dtypes and bounds on many random shapes -------------------------------------------------------

@SETTINGS
@given(shape=shapes, dtype=st.sampled_from(["float32", "float64", "float16"]), seed=st.integers(0, 2**31))
def test_every_random_initializer_gives_shape_dtype_and_stays_in_bounds(shape, dtype, seed):
    expected_shape = (shape,) if isinstance(shape, int) else shape
    for name, kwargs, shape_law in CASES:
        x = getattr(initializers, name)(seed=seed, **kwargs)(shape, dtype=dtype)
        assert x.shape == expected_shape and x.dtype == np.dtype(dtype), name
        assert np.all(np.isfinite(x)), name
        interval = bounds(*law(name, kwargs, shape_law, shape))
        if interval is not None:  # rounding to `dtype` is monotonic, so the cast bounds hold exactly
            low, high = (np.asarray(end, dtype=dtype) for end in interval)
            assert np.all((x >= low) & (x <= high)), f"{name}: {x.min()} {x.max()} outside {interval}"


@SETTINGS
@given(shape=shapes, dtype=st.sampled_from(["float32", "float64", "int32"]), value=st.floats(-1e3, 1e3))
def test_zeros_ones_constant_are_exact_and_match_keras(shape, dtype, value):
    expected_shape = (shape,) if isinstance(shape, int) else shape
    for ours, theirs in [(initializers.Zeros(), keras.initializers.Zeros()),
                         (initializers.Ones(), keras.initializers.Ones()),
                         (initializers.Constant(value), keras.initializers.Constant(value))]:
        x = ours(shape, dtype=dtype)
        assert x.shape == expected_shape and x.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(x, np.asarray(theirs(expected_shape, dtype=dtype)))
    np.testing.assert_array_equal(initializers.Zeros()(shape), 0.0)
    np.testing.assert_array_equal(initializers.Ones()(shape), 1.0)
    np.testing.assert_array_equal(initializers.Constant(value)(shape, dtype="float64"), np.float32(value))


@pytest.mark.parametrize("value, dtype, expected", [
    (2.5, "int32", 2), (-0.7, "int32", 0), (999.99999999, "int32", 1000),  # float32 first: 999.99999999 -> 1000
    (0.1, "float64", 0.10000000149011612), (16777217.0, "float64", 16777216.0), (0.1, "float16", np.float16(0.1))])
def test_constant_goes_through_float32_like_keras(value, dtype, expected):
    ours = initializers.Constant(value)((4,), dtype=dtype)
    np.testing.assert_array_equal(ours, np.asarray(keras.initializers.Constant(value)((4,), dtype=dtype)))
    np.testing.assert_array_equal(ours, np.full(4, expected, dtype=dtype))
    np.testing.assert_array_equal(initializers.Constant()((2, 3)), np.zeros((2, 3), "float32"))


@SETTINGS
@given(shape=st.lists(st.integers(1, 40), min_size=0, max_size=4).map(tuple))
def test_compute_fans_matches_keras(shape):
    assert initializers.compute_fans(shape) == keras_compute_fans(shape)


def test_compute_fans_by_hand():
    assert initializers.compute_fans((784, 128)) == (784, 128)
    assert initializers.compute_fans((10,)) == (10, 10)
    assert initializers.compute_fans(()) == (1, 1)
    assert initializers.compute_fans((3, 3, 16, 32)) == (9 * 16, 9 * 32)


# ---- statistics against the formula and against Keras's own samples ---------------------------------------

@pytest.mark.parametrize("shape", [(250, 800), (160_000,)], ids=["kernel", "bias"])
@pytest.mark.parametrize("name, kwargs, shape_law", CASES, ids=CASE_IDS)
def test_samples_match_formula_and_keras(name, kwargs, shape_law, shape):
    kind, a, b = law(name, kwargs, shape_law, shape)
    mean, std = moments(kind, a, b)
    ours = getattr(initializers, name)(seed=11, **kwargs)(shape)
    theirs = np.asarray(getattr(keras.initializers, name)(seed=11, **kwargs)(shape))
    assert ours.shape == theirs.shape == shape and ours.dtype == theirs.dtype == np.float32
    n = ours.size
    (m1, s1, se_m1, se_s1), (m2, s2, se_m2, se_s2) = summary(ours), summary(theirs)
    for label, m, s, se_m, se_s in [("nnlab", m1, s1, se_m1, se_s1), ("keras", m2, s2, se_m2, se_s2)]:
        assert abs(m - mean) <= Z * std / math.sqrt(n), f"{label} mean {m} vs formula {mean}"
        assert abs(s - std) <= Z * se_s, f"{label} std {s} vs formula {std}"
    assert abs(m1 - m2) <= Z * math.hypot(se_m1, se_m2), f"means: nnlab {m1}, keras {m2}"
    assert abs(s1 - s2) <= Z * math.hypot(se_s1, se_s2), f"stds: nnlab {s1}, keras {s2}"
    assert ks_statistic(ours, theirs) <= ks_critical(n, theirs.size), "nnlab and Keras distributions differ"
    check_edges(kind, a, b, ours, theirs)


def check_edges(kind, a, b, ours, theirs):
    """Bounded laws reach their bounds and never pass them; an untruncated normal has its 4.55% beyond 2σ."""
    x64, k64 = ours.astype(np.float64), theirs.astype(np.float64)
    n = ours.size
    if kind == "normal":
        for label, x in [("nnlab", x64), ("keras", k64)]:
            beyond = np.mean(np.abs(x - a) > 2 * b)
            assert abs(beyond - TAIL) <= Z * math.sqrt(TAIL * (1 - TAIL) / n), f"{label}: {beyond} beyond 2σ"
        return
    low, high = bounds(kind, a, b)
    slack = 4 * np.finfo(np.float32).eps * (abs(low) + abs(high))  # float32 rounding in TensorFlow's arithmetic
    assert ours.min() >= np.float32(low) and ours.max() <= np.float32(high)
    assert k64.min() >= low - slack and k64.max() <= high + slack
    # the samples nearest each bound: P(no sample within t of it) = exp(-n·t·density there), so t = 20 / (n·density)
    edge_density = 1.0 / (high - low) if kind == "uniform" else PHI_2 / (math.erf(math.sqrt(2.0)) * b)
    reach = 20.0 / (n * edge_density)
    for label, x in [("nnlab", x64), ("keras", k64)]:
        assert x.min() - low <= reach and high - x.max() <= reach, f"{label}: [{x.min()}, {x.max()}] vs {low, high}"


def test_truncated_normal_helper_redraws_until_inside():
    x = initializers.truncated_normal(np.random.default_rng(0), (400, 500), 1.0, 3.0)
    assert x.dtype == np.float64 and x.shape == (400, 500)
    assert np.all(np.abs(x - 1.0) <= 6.0) and np.abs(x - 1.0).max() > 5.99
    mean, std, se_m, se_s = summary(x)
    assert abs(mean - 1.0) <= Z * se_m and abs(std - 3.0 * TRUNC) <= Z * se_s


def test_variance_scaling_constant_is_the_truncated_std():
    assert initializers.TRUNCATED_STD == pytest.approx(TRUNC, rel=1e-12)


# ---- seeding -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_int_seed_repeats_and_different_seeds_differ(name):
    cls = getattr(initializers, name)
    init = cls(seed=42)
    first = init((30, 20))
    np.testing.assert_array_equal(first, init((30, 20)))
    np.testing.assert_array_equal(first, cls(seed=42)((30, 20)))
    assert not np.array_equal(first, cls(seed=43)((30, 20)))


@pytest.mark.parametrize("name", RANDOM_NAMES)
def test_seed_none_draws_fresh_values_repeatably_after_set_random_seed(name):
    init = getattr(initializers, name)()
    utils.set_random_seed(123)
    first, second = init((30, 20)), init((30, 20))
    assert not np.array_equal(first, second)  # the global generator moves on (Keras would repeat here)
    utils.set_random_seed(123)
    np.testing.assert_array_equal(first, init((30, 20)))
    np.testing.assert_array_equal(second, init((30, 20)))


# ---- get, names and the Keras twin -------------------------------------------------------------------------

@pytest.mark.parametrize("alias, cls", sorted(initializers.ALIASES.items()))
def test_get_resolves_every_alias_and_class_name(alias, cls):
    for identifier in [alias, alias.upper(), cls.__name__, cls.__name__.lower(), cls]:
        assert type(initializers.get(identifier)) is cls, identifier
    instance = cls()
    assert initializers.get(instance) is instance
    # Keras exports the alias as the same class (keras.initializers.get("constant") itself fails in Keras 3.15)
    assert getattr(keras.initializers, alias) is getattr(keras.initializers, cls.__name__)
    if cls is not initializers.Constant:
        assert type(keras.initializers.get(alias)).__name__ == cls.__name__


def test_aliases_are_the_thirteen_keras_names():
    assert sorted(initializers.ALIASES) == sorted([
        "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
        "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform"])


@pytest.mark.parametrize("short", ["normal", "uniform", "one", "zero"])
def test_get_accepts_keras_short_aliases(short):
    assert type(initializers.get(short)).__name__ == type(keras.initializers.get(short)).__name__


def test_get_misspelt_name_lists_names_and_suggests():
    with pytest.raises(ValueError) as error:
        initializers.get("glorot_unifrom", argument="kernel_initializer")
    message = str(error.value)
    assert "`kernel_initializer`" in message and "'glorot_unifrom'" in message
    assert "Did you mean 'glorot_uniform'?" in message
    assert all(repr(alias) in message for alias in initializers.ALIASES)
    with pytest.raises(ValueError, match="`initializer`"):
        initializers.get("xavier")


@pytest.mark.parametrize("bad", [3, 0.5, None, dict, ["zeros"], np.zeros(3)])
def test_get_refuses_non_names_with_type_error(bad):
    with pytest.raises(TypeError, match="`bias_initializer`"):
        initializers.get(bad, argument="bias_initializer")


def some_initializers():
    """Every alias with its default arguments (and a seed for random ones), plus a few non-default ones."""
    made = [cls(seed=3) if cls.__name__ in RANDOM_NAMES else cls() for cls in initializers.ALIASES.values()]
    return made + [initializers.VarianceScaling(0.5, "fan_out", "uniform", seed=2),
                   initializers.RandomNormal(0.1, 0.2), initializers.RandomUniform(-1, 2, seed=0),
                   initializers.Constant(3.5), initializers.GlorotUniform()]


@pytest.mark.parametrize("init", some_initializers(), ids=repr)
def test_to_keras_builds_the_same_initializer(init):
    twin = initializer_to_keras(init)
    assert type(twin).__name__ == type(init).__name__
    ours, theirs = init.get_config(), twin.get_config()
    assert {key: theirs[key] for key in ours} == ours
    assert set(theirs) - set(ours) <= {"input_axes", "output_axes"}  # Keras-only options, left at None
    assert all(theirs[key] is None for key in set(theirs) - set(ours))
    assert getattr(keras.initializers, initializers.keras_name(init)) is type(twin)
    assert type(init).from_config(init.get_config()).get_config() == ours


def test_repr_and_config():
    assert repr(initializers.GlorotUniform()) == "GlorotUniform(seed=None)"
    assert repr(initializers.Zeros()) == "Zeros()"
    assert initializers.RandomNormal(seed=1).get_config() == {"mean": 0.0, "stddev": 0.05, "seed": 1}
    assert initializers.HeNormal().get_config() == {"seed": None}
    assert initializers.HeNormal().scale == 2.0 and initializers.HeNormal().mode == "fan_in"
    config = {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None}
    assert initializers.VarianceScaling().get_config() == config
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    assert keras.initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"
    assert initializers.keras_name(initializers.GlorotUniform()) == "glorot_uniform"


def test_to_keras_refuses_a_custom_initializer():
    class Custom(initializers.Initializer):
        def _draw(self, shape):
            return np.full(shape, 7.0)

    np.testing.assert_array_equal(Custom()((2,)), [7.0, 7.0])
    with pytest.raises(TypeError, match="no twin"):
        initializer_to_keras(Custom())


def test_module_does_not_import_keras():
    # load nnlab.initializers (and what it imports) alone, skipping nnlab/__init__.py and the other modules
    package = os.path.dirname(os.path.abspath(initializers.__file__))
    code = (f"import sys, types; nnlab = types.ModuleType('nnlab'); nnlab.__path__ = [{package!r}]; "
            "sys.modules['nnlab'] = nnlab; import nnlab.initializers; "
            "assert not {'keras', 'tensorflow'} & set(sys.modules), 'keras was imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.dirname(package))


# ---- errors that name the argument -------------------------------------------------------------------------

I = initializers
BAD_ARGUMENTS = [
    (lambda: I.RandomNormal(stddev=0), "stddev", ValueError),
    (lambda: I.TruncatedNormal(stddev=-0.1), "stddev", ValueError),
    (lambda: I.RandomNormal(mean="0"), "mean", TypeError),
    (lambda: I.RandomUniform(minval=0.1, maxval=0.1), "maxval", ValueError),
    (lambda: I.RandomUniform(minval=0.2, maxval=0.1), "maxval", ValueError),
    (lambda: I.RandomUniform(maxval=float("inf")), "maxval", ValueError),
    (lambda: I.VarianceScaling(scale=0), "scale", ValueError),
    (lambda: I.VarianceScaling(scale=-2.0), "scale", ValueError),
    (lambda: I.VarianceScaling(mode="fan_inn"), "mode", ValueError),
    (lambda: I.VarianceScaling(distribution="gaussian"), "distribution", ValueError),
    (lambda: I.VarianceScaling(distribution=None), "distribution", TypeError),
    (lambda: I.GlorotUniform(seed=-1), "seed", ValueError),
    (lambda: I.HeNormal(seed=1.5), "seed", TypeError),
    (lambda: I.LecunUniform(seed="0"), "seed", TypeError),
    (lambda: I.Constant("x"), "value", TypeError),
    (lambda: I.Constant(float("nan")), "value", ValueError),
    (lambda: I.GlorotUniform()((3, 0)), "shape", ValueError),
    (lambda: I.GlorotUniform()(-4), "shape", ValueError),
    (lambda: I.GlorotUniform()("3"), "shape", TypeError),
    (lambda: I.GlorotUniform()((2.0, 3)), "shape", TypeError),
    (lambda: I.Zeros()(True), "shape", TypeError),
    (lambda: I.GlorotUniform()((2, 3), dtype="int32"), "dtype", TypeError),
    (lambda: I.Zeros()((2, 3), dtype="no_such_dtype"), "dtype", TypeError),
]


@pytest.mark.parametrize("make, argument, error", BAD_ARGUMENTS, ids=[f"{a}-{i}" for i, (_, a, _) in
                                                                       enumerate(BAD_ARGUMENTS)])
def test_bad_arguments_name_the_argument(make, argument, error):
    with pytest.raises(error) as raised:
        make()
    assert f"`{argument}` must be" in str(raised.value) and "but got" in str(raised.value)


def test_mode_suggestion_and_case_insensitive_choices():
    with pytest.raises(ValueError, match="Did you mean 'fan_in'"):
        I.VarianceScaling(mode="fan_inn")
    assert I.VarianceScaling(mode="FAN_AVG", distribution="Uniform").get_config()["distribution"] == "uniform"
