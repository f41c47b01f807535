"""nnlab.optimizers against keras.optimizers: the same random gradients, step by step, must give the same weights."""

import numpy as np
import pytest

from nnlab import optimizers


def random_settings(rng, name):
    """Random hyper-parameters within each optimizer's valid range (Keras's defaults half of the time)."""
    if rng.random() < 0.5:
        return {}
    settings = {"learning_rate": float(10 ** rng.uniform(-4, 0))}
    if name == "SGD":
        settings.update(momentum=float(rng.choice([0.0, rng.uniform(0, 0.99)])), nesterov=bool(rng.random() < 0.5))
    elif name == "Adam":
        settings.update(beta_1=float(rng.uniform(0.5, 0.99)), beta_2=float(rng.uniform(0.9, 0.9999)),
                        epsilon=float(10 ** rng.uniform(-8, -3)))
    else:
        settings.update(rho=float(rng.uniform(0.5, 0.99)), momentum=float(rng.choice([0.0, rng.uniform(0, 0.9)])),
                        epsilon=float(10 ** rng.uniform(-8, -3)), centered=bool(rng.random() < 0.5))
    return settings


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_steps_match_keras(name, dtype, rng, keras):
    for _ in range(8):
        settings = random_settings(rng, name)
        shapes = [tuple(rng.integers(1, 6, size=rng.integers(1, 3))) for _ in range(int(rng.integers(1, 4)))]
        weights = [rng.standard_normal(s).astype(dtype) for s in shapes]
        ours, theirs = getattr(optimizers, name)(**settings), getattr(keras.optimizers, name)(**settings)
        variables = [keras.Variable(w.copy(), dtype=dtype) for w in weights]
        for _ in range(int(rng.integers(1, 12))):
            grads = [(rng.standard_normal(s) * rng.choice([1e-3, 1, 100])).astype(dtype) for s in shapes]
            ours.apply(weights, grads)
            theirs.apply_gradients(zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
        rtol = 1e-5 if dtype == "float32" else 1e-12
        for w, v in zip(weights, variables):
            np.testing.assert_allclose(w, keras.ops.convert_to_numpy(v), rtol=rtol, atol=rtol * 1e-1,
                                       err_msg=f"{name}({settings})")
        assert ours.iterations == int(keras.ops.convert_to_numpy(theirs.iterations))


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_defaults_equal_keras(name, keras):
    ours = getattr(optimizers, name)().get_config()
    theirs = getattr(keras.optimizers, name)().get_config()
    for key, value in ours.items():
        if key != "name":
            assert theirs[key] == pytest.approx(value), key


def test_plain_sgd_is_one_line_of_maths():
    w = np.float32([1.0, -2.0])
    optimizers.SGD(learning_rate=0.5).apply([w], [np.float32([2.0, 4.0])])
    np.testing.assert_array_equal(w, [0.0, -4.0])


def test_reset_forgets_state():
    opt, w = optimizers.Adam(), np.zeros(3, np.float32)
    opt.apply([w], [np.ones(3, np.float32)])
    opt.reset()
    assert opt.iterations == 0 and opt.slots is None


def test_get_accepts_names_classes_and_instances():
    adam = optimizers.Adam(0.1)
    assert optimizers.get(adam) is adam
    assert type(optimizers.get("RMSprop")) is optimizers.RMSprop
    assert type(optimizers.get(optimizers.SGD)) is optimizers.SGD
    with pytest.raises(ValueError, match=r"`optimizer` must be one of \['adam', 'rmsprop', 'sgd'\], but got 'adma'\. "
                                         r"Did you mean 'adam'\?"):
        optimizers.get("adma")


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_an_optimizer_serves_the_weights_it_first_updated_only(name):
    """As Keras: state (moments, step count) belongs to one set of weights; other arrays are refused."""
    opt = getattr(optimizers, name)(momentum=0.5) if name == "SGD" else getattr(optimizers, name)()
    mine, other = [np.ones(3, np.float32)], [np.ones(3, np.float32)]
    opt.apply(mine, [np.ones(3, np.float32)])
    before = (mine[0].copy(), other[0].copy(), opt.iterations, {k: v.copy() for k, v in opt.slots[0].items()})
    with pytest.raises(ValueError, match=r"`optimizer` must be .*one model.*own optimizer"):
        opt.apply(other, [np.ones(3, np.float32)])
    np.testing.assert_array_equal(mine[0], before[0])
    np.testing.assert_array_equal(other[0], before[1])
    assert opt.iterations == before[2]
    for key, value in opt.slots[0].items():
        np.testing.assert_array_equal(value, before[3][key])
    opt.apply(mine, [np.ones(3, np.float32)])  # its own weights still work
    assert opt.iterations == 2
