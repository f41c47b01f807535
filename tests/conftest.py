"""Shared test set-up: quiet TensorFlow, and fixtures that make random cases repeatable."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import zlib

import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras():
    """Keras (TensorFlow backend), imported once per test session."""
    from nnlab.twin.backend import import_keras

    return import_keras()


@pytest.fixture(scope="session")
def tf(keras):
    import tensorflow

    return tensorflow


@pytest.fixture
def rng(request):
    """A numpy Generator seeded from the test's name: different per test, the same on every run."""
    return np.random.default_rng(zlib.crc32(request.node.name.encode()))


def pytest_collection_modifyitems(items):
    """nbval waits 5 s for each output message by default; a lesson's training cell can take longer."""
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = 120
