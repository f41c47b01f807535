"""nnlab: a NumPy neural network that mirrors Keras name for name, and its Keras twin, for learning side by side."""

from nnlab import activations, callbacks, datasets, initializers, losses, metrics, optimizers, utils
from nnlab.compare import compare, compare_histories, keras_gradients
from nnlab.gradcheck import gradient_check
from nnlab.layers import Dense, Flatten, Input
from nnlab.models import Sequential
from nnlab.training import DivergenceWarning, History
from nnlab.twins import from_keras, make_twins, to_keras

__all__ = [
    "activations", "callbacks", "datasets", "initializers", "losses", "metrics", "optimizers", "utils",
    "Sequential", "Input", "Dense", "Flatten", "History", "DivergenceWarning",
    "to_keras", "from_keras", "make_twins", "compare", "compare_histories", "keras_gradients", "gradient_check",
]
__version__ = "0.1.0"

# Modules that need matplotlib, ipywidgets or TensorFlow load on first use (nnlab.course.setup(), ...),
# so `import nnlab` stays fast and works without a display.
_LAZY = ("course", "diagrams", "evaluation", "explore", "explore_widgets", "fastfit", "lab", "playground", "plots",
         "quiz", "render", "steps")


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f"nnlab.{name}")
    raise AttributeError(f"module 'nnlab' has no attribute {name!r}")
