"""Tests for nnlab.datasets: toy-set geometry and seeding, digits, splitting, scaling, one-hot and offline MNIST."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import datasets as sklearn_datasets

from nnlab import datasets

TOYS = sorted(datasets.TOY_DATASETS)
SWEEP = settings(max_examples=25, deadline=None, derandomize=True, database=None)


def linear_accuracy(x, y):
    """Accuracy of a least-squares linear classifier on +-1 targets (numpy only)."""
    features = np.c_[x, np.ones(len(x))]
    w = np.linalg.lstsq(features, 2.0 * y - 1.0, rcond=None)[0]
    return np.mean((features @ w > 0) == y)


# ---------------------------------------------------------------- toy sets: shapes, labels, seeding

@SWEEP
@given(name=st.sampled_from(TOYS), n=st.integers(2, 300), noise=st.floats(0.01, 1.0), seed=st.integers(0, 2**31))
def test_toy_shapes_dtypes_balance_and_seeding(name, n, noise, seed):
    x, y = datasets.make_toy(name, n_samples=n, noise=noise, seed=seed)
    assert x.shape == (n, 2) and x.dtype == np.float32 and np.all(np.isfinite(x))
    assert y.shape == (n,) and y.dtype.kind == "i"
    counts = np.bincount(y, minlength=2)
    assert len(counts) == 2 and counts.max() - counts.min() <= 1        # two balanced classes
    x2, y2 = datasets.make_toy(name, n_samples=n, noise=noise, seed=seed)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = datasets.make_toy(name, n_samples=n, noise=noise, seed=seed + 1)
    assert not np.array_equal(x, x3)


@SWEEP
@given(name=st.sampled_from(["spiral", "blobs"]), n_classes=st.integers(2, 7), n=st.integers(7, 200),
       seed=st.integers(0, 1000))
def test_multiclass_toys_have_every_class_balanced(name, n_classes, n, seed):
    x, y = datasets.TOY_DATASETS[name](n_samples=n, seed=seed, n_classes=n_classes)
    counts = np.bincount(y, minlength=n_classes)
    assert x.shape == (n, 2) and len(counts) == n_classes
    assert counts.min() >= 1 and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", TOYS)
def test_toy_rows_are_shuffled(name):
    _, y = datasets.make_toy(name, 200)
    assert np.any(np.diff(y) < 0)                                         # labels not in sorted blocks


def test_noise_none_in_make_toy_uses_each_sets_default():
    for name, make in datasets.TOY_DATASETS.items():
        np.testing.assert_array_equal(datasets.make_toy(name, 50, seed=3)[0], make(50, seed=3)[0])
    assert not np.array_equal(datasets.make_toy("moons", 50, noise=0.5)[0], datasets.make_moons(50)[0])


# ---------------------------------------------------------------- toy sets: exact geometry at noise=0

@pytest.mark.parametrize("n", [2, 3, 101, 200])
def test_moons_without_noise_lie_on_the_half_circles_as_in_sklearn(n):
    x, y = datasets.make_moons(n, noise=0.0, seed=5)
    upper, lower = x[y == 0], x[y == 1] - [1.0, 0.5]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(*lower.T), 1.0, atol=1e-6)
    assert upper[:, 1].min() >= -1e-6 and lower[:, 1].max() <= 1e-6
    x_sk, y_sk = sklearn_datasets.make_moons(n, noise=0.0, shuffle=False)
    for label in (0, 1):                                                 # the same points, in any order
        gaps = np.linalg.norm(x[y == label][:, None] - x_sk[y_sk == label][None], axis=-1)
        assert gaps.shape[0] == gaps.shape[1]
        assert gaps.min(axis=0).max() < 1e-6 and gaps.min(axis=1).max() < 1e-6


@pytest.mark.parametrize("factor", [0.2, 0.5, 0.9])
def test_circles_without_noise_have_radii_one_and_factor(factor):
    x, y = datasets.make_circles(101, noise=0.0, factor=factor)
    np.testing.assert_allclose(np.hypot(*x[y == 0].T), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(*x[y == 1].T), factor, atol=1e-6)
    _, y_sk = sklearn_datasets.make_circles(101, noise=0.0, factor=factor)
    np.testing.assert_array_equal(np.bincount(y), np.bincount(y_sk))


def test_xor_without_noise_labels_are_the_sign_of_the_product():
    x, y = datasets.make_xor(400, noise=0.0, seed=1)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(int))
    assert np.abs(x).min() >= 0.1 - 1e-6 and np.abs(x).max() <= 1.0 + 1e-6
    quadrants = np.bincount((x[:, 0] > 0) * 2 + (x[:, 1] > 0), minlength=4)
    assert quadrants.min() >= 90                                           # all four quadrants filled


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_spiral_without_noise_follows_the_playground_formula(n_classes):
    x, y = datasets.make_spiral(300, noise=0.0, n_classes=n_classes)
    r = np.hypot(*x.T)
    assert r.max() < 5.0
    t = 1.75 * 2 * np.pi * r / 5 + 2 * np.pi * y / n_classes
    np.testing.assert_allclose(x, np.c_[r * np.sin(t), r * np.cos(t)], atol=1e-5)
    assert np.all(np.diff(np.sort(r[y == 0])) > 0)                       # radii grow along each arm


@pytest.mark.parametrize("n_classes", [2, 3, 4, 10])
def test_blobs_without_noise_collapse_to_well_separated_centres(n_classes):
    x, y = datasets.make_blobs(100, noise=0.0, n_classes=n_classes)
    centres = datasets.blob_centres(n_classes)
    np.testing.assert_allclose(x, centres[y], atol=1e-5)
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1) + np.eye(n_classes) * 99
    assert gaps.min() > 6.0                                               # 6 std apart at the default noise


# ---------------------------------------------------------------- toy sets: learnable, not trivial

def test_xor_circles_and_spiral_beat_a_line_but_blobs_do_not():
    for seed in range(5):
        assert linear_accuracy(*datasets.make_blobs(400, seed=seed)) > 0.98
        assert 0.75 < linear_accuracy(*datasets.make_moons(400, seed=seed)) < 0.95
        for name in ("xor", "circles", "spiral"):
            assert linear_accuracy(*datasets.make_toy(name, 400, seed=seed)) < 0.7, name


def test_circles_become_linear_with_the_squared_radius_feature():
    x, y = datasets.make_circles(400, seed=2)
    assert linear_accuracy(np.c_[x, (x ** 2).sum(axis=1)], y) > 0.95


# ---------------------------------------------------------------- toy sets: bad inputs

@pytest.mark.parametrize("make", list(datasets.TOY_DATASETS.values()))
def test_toy_sets_refuse_bad_sizes_and_noise(make):
    with pytest.raises(ValueError, match="`n_samples` must be at least 2, but got 0"):
        make(n_samples=0)
    with pytest.raises(ValueError, match="`noise`.*got -1.0"):
        make(noise=-1)
    with pytest.raises(TypeError, match="`n_samples`"):
        make(n_samples=2.5)


def test_other_bad_toy_arguments_name_the_argument():
    with pytest.raises(ValueError, match="`dataset`.*'moon'.*Did you mean 'moons'"):
        datasets.make_toy("moon")
    with pytest.raises(ValueError, match="`factor`"):
        datasets.make_circles(factor=1.0)
    with pytest.raises(ValueError, match="`n_samples` must be at least 3"):
        datasets.make_spiral(n_samples=2, n_classes=3)
    with pytest.raises(ValueError, match="`n_classes`"):
        datasets.make_blobs(n_classes=1)
    assert datasets.make_toy("MOONS", 10)[0].shape == (10, 2)


# ---------------------------------------------------------------- 8x8 digits

def test_binary_digits_are_zeros_and_ones_scaled_to_unit_range():
    x, y = datasets.load_digits()
    assert x.shape == (360, 64) and x.dtype == np.float32
    assert set(np.unique(y)) == {0, 1} and np.bincount(y).tolist() == [178, 182]
    assert x.min() == 0.0 and x.max() == 1.0


def test_multiclass_digits_and_images():
    x, y = datasets.load_digits("multiclass", flatten=False)
    assert x.shape == (1797, 8, 8) and x.dtype == np.float32
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    bunch = sklearn_datasets.load_digits()                                # all ten digits: labels are the digits
    np.testing.assert_array_equal(y, bunch.target)
    np.testing.assert_allclose(x, bunch.images / 16.0, rtol=1e-6)
    assert x.min() == 0.0 and x.max() == 1.0
    x_flat, _ = datasets.load_digits("multiclass")
    np.testing.assert_array_equal(x_flat, x.reshape(1797, 64))


def test_chosen_digits_are_relabelled_by_position():
    x, y = datasets.load_digits("binary", digits=(8, 3))
    assert len(x) == 174 + 183 and np.bincount(y).tolist() == [174, 183]   # 8s -> 0, 3s -> 1
    with pytest.raises(ValueError, match="`digits` must be two distinct"):
        datasets.load_digits("binary", digits=(3,))
    with pytest.raises(ValueError, match="`digits`"):
        datasets.load_digits("multiclass", digits=(1, 10))
    with pytest.raises(TypeError, match="`digits`"):
        datasets.load_digits(digits=3)
    with pytest.raises(ValueError, match="`kind`.*Did you mean 'binary'"):
        datasets.load_digits("bin")


# ---------------------------------------------------------------- train_test_split

def test_split_sizes_order_and_no_overlap():
    x, y = np.arange(100).reshape(50, 2), np.arange(50) % 2
    x_train, x_test, y_train, y_test = datasets.train_test_split(x, y, test_size=0.2, seed=4)
    assert (len(x_train), len(x_test), len(y_train), len(y_test)) == (40, 10, 40, 10)
    rows = np.r_[x_train[:, 0], x_test[:, 0]] // 2
    np.testing.assert_array_equal(np.sort(rows), np.arange(50))           # every row once, none shared
    np.testing.assert_array_equal(y_train, rows[:40] % 2)                 # labels stay with their rows
    assert len(datasets.train_test_split(x, y, test_size=7)[1]) == 7
    again = datasets.train_test_split(x, y, test_size=0.2, seed=4)
    np.testing.assert_array_equal(again[1], x_test)


@SWEEP
@given(counts=st.lists(st.integers(1, 60), min_size=2, max_size=5), test_size=st.floats(0.1, 0.9),
       seed=st.integers(0, 1000))
def test_stratified_split_keeps_each_class_share(counts, test_size, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    rows = np.arange(len(y))[:, None]                                     # x: each row's own index
    n_test = round(test_size * len(y))
    if not 1 <= n_test < len(y):                                          # an empty side: refused, not split
        with pytest.raises(ValueError, match=f"`test_size`.*It gives {n_test} test row"):
            datasets.train_test_split(rows, y, test_size=test_size, seed=seed)
    else:
        x_train, x_test, y_train, y_test = datasets.train_test_split(rows, y, test_size=test_size, seed=seed)
        assert len(y_test) == n_test and len(y_train) == len(y) - n_test
        np.testing.assert_array_equal(np.sort(np.r_[x_train[:, 0], x_test[:, 0]]), np.arange(len(y)))  # partition
        np.testing.assert_array_equal(y[x_test[:, 0]], y_test)            # labels stay with their rows
        expected = np.array(counts) * n_test / len(y)
        assert np.all(np.abs(np.bincount(y_test, minlength=len(counts)) - expected) < 1)


def test_unstratified_split_can_drift_from_the_class_shares():
    y = np.repeat([0, 1], [70, 30])
    tests = [datasets.train_test_split(y, y, seed=s, stratify=False)[3] for s in range(20)]
    assert any(np.sum(t == 1) != 6 for t in tests)
    assert all(np.sum(datasets.train_test_split(y, y, seed=s)[3] == 1) == 6 for s in range(20))


def test_split_errors_name_the_lengths_and_test_size():
    with pytest.raises(ValueError, match="x has 10 and y has 9"):
        datasets.train_test_split(np.zeros((10, 2)), np.zeros(9))
    for bad in (0.0, 1.0, 0.01, 10):
        with pytest.raises(ValueError, match="`test_size`"):
            datasets.train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=bad)


# ---------------------------------------------------------------- Standardizer

def test_standardizer_fits_train_only_and_handles_constant_pixels():
    x, y = datasets.load_digits("multiclass")
    x_train, x_test, _, _ = datasets.train_test_split(x, y)
    scaler = datasets.Standardizer().fit(x_train)
    train, test = scaler.transform(x_train), scaler.transform(x_test)
    varying = x_train.std(axis=0) > 0
    assert (~varying).any() and train.dtype == np.float32                # the digits have blank pixels
    np.testing.assert_allclose(train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(train[:, varying].std(axis=0), 1, atol=1e-4)
    assert np.all(np.isfinite(train)) and np.all(np.isfinite(test))
    x_64 = x_train.astype(np.float64)
    expected = (x_test - x_64.mean(axis=0)) / np.where(varying, x_64.std(axis=0), 1)
    np.testing.assert_allclose(test, expected, rtol=1e-5, atol=1e-5)      # test scaled with train's numbers
    for ours, theirs in zip(datasets.standardize(x_train, x_test), (train, test)):
        np.testing.assert_array_equal(ours, theirs)


def test_standardizer_refuses_other_feature_counts_and_use_before_fit():
    with pytest.raises(RuntimeError, match="fit"):
        datasets.Standardizer().transform(np.zeros((3, 2)))
    scaler = datasets.Standardizer().fit(np.random.default_rng(0).normal(size=(20, 64)))
    with pytest.raises(ValueError, match="64 feature.*got 63"):
        scaler.transform(np.zeros((5, 63)))


# ---------------------------------------------------------------- one_hot

def test_one_hot_matches_keras_to_categorical(keras):
    rng = np.random.default_rng(0)
    for shape, num_classes in [((50,), None), ((50,), 12), ((20, 1), None), ((4, 6), 5)]:
        y = rng.integers(0, 5, size=shape)
        ours = datasets.one_hot(y, num_classes)
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(ours, keras.utils.to_categorical(y, num_classes))


@pytest.mark.parametrize("labels, num_classes, message", [
    ([0, 1, 2.5], None, "whole-number.*2.5.*index 2"),
    ([0, -1], None, "whole-number.*-1.0"),
    ([0, 1, 3], 3, r"labels in \[0, 3\).*got 3"),
])
def test_one_hot_refuses_bad_labels(labels, num_classes, message):
    with pytest.raises(ValueError, match=message):
        datasets.one_hot(labels, num_classes)


# ---------------------------------------------------------------- MNIST, offline

def write_fake_mnist(path, **override):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (20, 28, 28), dtype=np.uint8), "y_train": np.arange(20) % 10,
              "x_test": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), "y_test": np.arange(5)}
    arrays.update(override)
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    return arrays


def test_load_mnist_reads_an_npz_by_path_and_from_the_keras_cache(tmp_path, monkeypatch):
    arrays = write_fake_mnist(tmp_path / "mnist.npz")
    by_path = datasets.load_mnist(tmp_path / "mnist.npz")
    monkeypatch.setattr(datasets, "_keras_cache_path", lambda: str(tmp_path / "mnist.npz"))
    for (x_train, y_train), (x_test, y_test) in (by_path, datasets.load_mnist()):
        for key, got in zip(("x_train", "y_train", "x_test", "y_test"), (x_train, y_train, x_test, y_test)):
            np.testing.assert_array_equal(got, arrays[key], err_msg=key)
        assert x_train.shape == (20, 28, 28) and x_test.shape == (5, 28, 28) and len(y_train) == 20


def test_load_mnist_explains_bad_files(tmp_path):
    write_fake_mnist(tmp_path / "keys.npz", y_test=None)
    with pytest.raises(ValueError, match=r"keys \['y_test'\] are missing"):
        datasets.load_mnist(tmp_path / "keys.npz")
    write_fake_mnist(tmp_path / "shape.npz", y_train=np.arange(19))
    with pytest.raises(ValueError, match=r"x_train must be images.*\(20, 28, 28\) and \(19,\)"):
        datasets.load_mnist(tmp_path / "shape.npz")
    with pytest.raises(FileNotFoundError, match="No MNIST file"):
        datasets.load_mnist(tmp_path / "missing.npz")


def test_load_mnist_falls_back_to_digits_with_one_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_keras_cache_path", lambda: str(tmp_path / "nothing" / "mnist.npz"))
    monkeypatch.setitem(datasets._mnist_state, "warned", False)
    with pytest.warns(UserWarning, match=r"MNIST is not on this machine \(no file at .*nothing/mnist.npz; nnlab "
                                         r"never downloads\); using scikit-learn's 8x8 digits instead"):
        (x_train, y_train), (x_test, y_test) = datasets.load_mnist()
    assert x_train.shape[1:] == x_test.shape[1:] == (8, 8) and len(x_train) + len(x_test) == 1797
    assert x_train.dtype == np.uint8 and x_train.max() == 255 and len(y_train) == len(x_train)
    assert set(np.unique(y_test)) == set(range(10)) and len(y_test) == len(x_test)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = datasets.load_mnist()                                      # warned once already: silent
    np.testing.assert_array_equal(again[0][0], x_train)
