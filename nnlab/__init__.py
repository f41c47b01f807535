"""nnlab: a NumPy neural network that mirrors Keras name for name, and its Keras twin, for learning side by side.

The network a learner reads sits at the top of this folder (activations ... training, NumPy only); the Keras
twin, the lab and the course are the subpackages `twin`, `lab` and `course`, each importing only the parts
before it. This file is the public API: it may name things from every part.
"""

from nnlab import activations, callbacks, datasets, initializers, losses, metrics, optimizers, utils
from nnlab.gradcheck import gradient_check
from nnlab.layers import Dense, Flatten, Input
from nnlab.models import Sequential
from nnlab.training import DivergenceWarning, History
from nnlab.twin.compare import agreement, compare, compare_histories, keras_gradients
from nnlab.twin.convert import from_keras, make_twins, to_keras

__all__ = [
    "activations", "callbacks", "datasets", "initializers", "losses", "metrics", "optimizers", "utils",
    "Sequential", "Input", "Dense", "Flatten", "History", "DivergenceWarning",
    "to_keras", "from_keras", "make_twins", "agreement", "compare", "compare_histories", "keras_gradients", "gradient_check",
    "Playground", "twin", "lab", "course",
]
__version__ = "0.1.0"


def __getattr__(name):
    """The lab and the course need matplotlib and ipywidgets: they load on first use, so `import nnlab` stays
    fast and works without a display (TensorFlow itself loads only when a twin is first built)."""
    import importlib

    if name in ("twin", "lab", "course"):
        return importlib.import_module(f"nnlab.{name}")
    if name == "Playground":
        return importlib.import_module("nnlab.lab.playground").Playground
    raise AttributeError(f"module 'nnlab' has no attribute {name!r}")
