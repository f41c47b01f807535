"""Seeding and small helpers shared by nnlab's modules (Keras: keras.utils)."""

import sys

import numpy as np

from nnlab._checks import check_int

_state = {"rng": np.random.default_rng(0)}


def set_random_seed(seed):
    """Seed nnlab's global generator (used by initializers with seed=None) and Keras's, if it is imported.

    Like keras.utils.set_random_seed: call it once at the top of a lesson for repeatable results.
    """
    seed = check_int("seed", seed, minimum=0)
    _state["rng"] = np.random.default_rng(seed)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)


def global_rng():
    """The numpy Generator that nnlab draws from when no seed is given."""
    return _state["rng"]


def rng_from(seed):
    """A Generator for `seed`: a fresh one for an int (same draws every call), the global one for None."""
    if seed is None:
        return global_rng()
    return np.random.default_rng(check_int("seed", seed, minimum=0))
