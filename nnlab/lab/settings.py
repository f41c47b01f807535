"""The lab's settings: everything that decides a run, checked; the data, the nnlab network and its Keras code.

Equal settings give identical runs. Lesson 02 introduces them through the Playground's controls.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from nnlab import activations, datasets, initializers
from nnlab._checks import as_array, check_choice, check_float, check_int, fail
from nnlab.layers import Dense, Input
from nnlab.models import Sequential
from nnlab.optimizers import SGD, Adam, RMSprop
from nnlab.twin.fastfit import CAPACITY

OPTIMIZERS = {"sgd": SGD, "momentum": lambda learning_rate: SGD(learning_rate, momentum=0.9),
              "adam": Adam, "rmsprop": RMSprop}
HIDDEN_ACTIVATIONS = sorted(activations.ALL)  # derived, never listed here: a new activation shows up by itself
INITIALIZERS = sorted(initializers.ALIASES)


@dataclass(frozen=True)
class Settings:
    """Everything that decides a run; equal settings give identical curves."""

    dataset: str = "moons"
    n_samples: int = 200
    noise: float = 0.2
    hidden: tuple = (4, 4)
    activation: str = "tanh"
    initializer: str = "glorot_uniform"
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    epochs: int = 300
    batch_size: int = None  # None: the whole data set in one batch
    seed: int = 0
    x: np.ndarray = field(default=None, repr=False, compare=False)
    y: np.ndarray = field(default=None, repr=False, compare=False)

    def checked(self):
        """A copy with every field validated and normalised, and every limit of a run checked before it starts.

        Raises a clear error naming the bad field; nothing is trained before every check has passed.
        """
        hidden = (self.hidden,) if isinstance(self.hidden, int) else self.hidden
        if not isinstance(hidden, (tuple, list)) or len(hidden) > 8:
            fail("hidden", "a tuple of at most 8 layer widths, such as (4, 4)", self.hidden, error=TypeError)
        x, y = _checked_data(self.x, self.y)
        settings = replace(
            self, dataset=check_choice("dataset", self.dataset, datasets.TOY_DATASETS),
            n_samples=check_int("n_samples", self.n_samples, minimum=4),
            noise=check_float("noise", self.noise, low=0, high=2),
            hidden=tuple(check_int("hidden", h, minimum=1) for h in hidden),
            activation=_checked_activation(self.activation),
            initializer=check_choice("initializer", self.initializer, INITIALIZERS),
            optimizer=check_choice("optimizer", self.optimizer, OPTIMIZERS),
            learning_rate=check_float("learning_rate", self.learning_rate, low=1e-6, high=100),
            epochs=check_int("epochs", self.epochs, minimum=1),
            batch_size=None if self.batch_size is None else check_int("batch_size", self.batch_size, minimum=1),
            seed=check_int("seed", self.seed, minimum=0), x=x, y=y)
        _check_capacity(settings)
        return settings

    def batches_per_epoch(self):
        """How many batches one epoch takes: ceil(n_samples / batch_size), 1 for the full batch."""
        n = self.n_samples if self.x is None else len(self.x)
        return 1 if self.batch_size is None else -(-n // self.batch_size)


def _checked_activation(name):
    """The activation's name as nnlab.activations.ALL spells it (Keras's alias "swish" becomes "silu")."""
    aliases = getattr(activations, "ALIASES", {})
    name = check_choice("activation", name, [*HIDDEN_ACTIVATIONS, *aliases])
    return aliases.get(name, name)


def _check_capacity(settings):
    """Refuse runs longer than the Keras twin's fast path can record: epochs x batches per epoch <= CAPACITY."""
    batches = settings.batches_per_epoch()
    if settings.epochs * batches > CAPACITY:
        per_epoch = f"{batches} batch{'es' if batches > 1 else ''} per epoch"
        fail("epochs", f"at most {CAPACITY // batches} with {per_epoch}", settings.epochs,
             f"{settings.epochs} epochs x {per_epoch} = {settings.epochs * batches:,} batches, more "
             f"than the {CAPACITY:,} the Keras twin's fast path can record in one run. Use fewer epochs, a larger "
             "batch_size or fewer samples.")


def _checked_data(x, y):
    """The learner's own (x, y), checked: x (n, 2) float32 and y (n,) int64 labels 0 or 1; or (None, None)."""
    if x is None and y is None:
        return None, None
    x = as_array("x", x, ndim=2)
    y = as_array("y", y).reshape(-1)
    if x.shape[1] != 2 or len(y) != len(x):
        fail("x", "points of shape (n_samples, 2) with one label in y each", x)
    if not np.all((y == 0) | (y == 1)):
        fail("y", "labels 0 or 1 (the Playground classifies two classes)", y)
    return x, y.astype(np.int64)


def make_data(settings):
    """The training data: the learner's own (x, y) if given, else the named toy set. x (n, 2), y (n,) in {0, 1}."""
    settings = settings.checked()
    if settings.x is None:
        return datasets.make_toy(settings.dataset, settings.n_samples, settings.noise, settings.seed)
    return settings.x, settings.y


def build_model(settings):
    """The nnlab network for `settings`: 2 inputs, the hidden layers, 1 sigmoid output; compiled."""
    layers = [Input((2,))]
    for i, units in enumerate(settings.hidden):
        initializer = initializers.seeded(settings.initializer, settings.seed + i)
        layers.append(Dense(units, settings.activation, kernel_initializer=initializer))
    layers.append(Dense(1, "sigmoid", kernel_initializer=initializers.seeded("glorot_uniform", settings.seed + 99)))
    model = Sequential(layers)
    model.compile(OPTIMIZERS[settings.optimizer](learning_rate=settings.learning_rate), "binary_crossentropy",
                  metrics=["accuracy"])
    return model


def keras_code(settings):
    """The three-step Keras program (Sequential, compile, fit) that trains the twin with these settings."""
    settings = settings.checked()
    dense = [f'    keras.layers.Dense({u}, activation="{settings.activation}", '
             f'kernel_initializer="{settings.initializer}"),' for u in settings.hidden]
    optimizer = {"sgd": "SGD(learning_rate={lr})", "momentum": "SGD(learning_rate={lr}, momentum=0.9)",
                 "adam": "Adam(learning_rate={lr})", "rmsprop": "RMSprop(learning_rate={lr})"}[settings.optimizer]
    batch = settings.batch_size or "len(x)"
    return "\n".join(["import keras", "", "model = keras.Sequential([", "    keras.Input(shape=(2,)),", *dense,
                      '    keras.layers.Dense(1, activation="sigmoid"),', "])",
                      f"model.compile(optimizer=keras.optimizers.{optimizer.format(lr=f'{settings.learning_rate:g}')},",
                      '              loss="binary_crossentropy", metrics=["accuracy"])',
                      f"history = model.fit(x, y, epochs={settings.epochs}, batch_size={batch}, shuffle=False)"])
