"""The Keras twin: convert an nnlab model to keras.Sequential and back with identical weights, and compare them.

Keras is imported only when one of these functions is first called (importing TensorFlow takes seconds).
Lesson 01 meets the twin; every lesson uses `compare` to show the two do the same arithmetic.
"""

import inspect
import warnings

import numpy as np

from nnlab import initializers, losses, optimizers, utils
from nnlab._checks import Text, fail
from nnlab.layers import Dense, Flatten, Input
from nnlab.models import Sequential
from nnlab.twin.backend import import_keras


def initializer_to_keras(initializer):
    """The Keras twin of an nnlab initializer: keras.initializers.<ClassName>(**get_config()), same formula."""
    keras = import_keras()
    initializer = initializers.get(initializer)
    initializers.keras_name(initializer)  # refuses classes that Keras has no twin for
    return getattr(keras.initializers, type(initializer).__name__)(**initializer.get_config())


def _keras_layer(keras, layer):
    if isinstance(layer, Flatten):
        return keras.layers.Flatten(name=layer.name)
    return keras.layers.Dense(
        layer.units, activation=layer.activation.__name__, use_bias=layer.use_bias,
        kernel_initializer=initializer_to_keras(layer.kernel_initializer),
        bias_initializer=initializer_to_keras(layer.bias_initializer), dtype=layer.dtype, name=layer.name)


def keras_sequential(model, cls=None):
    """An uncompiled `cls` (default keras.Sequential) with the layers and weights of the nnlab `model`."""
    if not isinstance(model, Sequential):
        fail("model", "an nnlab.Sequential", model, error=TypeError)
    if not model.built:
        fail("model", "built (its input shape known)", Text("an unbuilt model"),
             "Start it with nnlab.Input(shape=...), or call model.predict(x) once.")
    keras = import_keras()
    keras_model = (cls or keras.Sequential)([keras.Input(shape=model.input_shape, dtype=model.dtype)]
                                            + [_keras_layer(keras, layer) for layer in model.layers], name=model.name)
    keras_model.set_weights(model.get_weights())
    return keras_model


def to_keras(model):
    """The keras.Sequential twin of an nnlab model: same layers, same weights, same optimizer settings and loss."""
    keras_model = keras_sequential(model)
    if model.loss is not None:
        keras_model.compile(optimizer=optimizer_to_keras(model.optimizer), loss=loss_to_keras(model.loss),
                            metrics=list(model.metric_names) or None)
    return keras_model


def optimizer_to_keras(optimizer):
    """A fresh Keras optimizer with the same settings (Keras's defaults equal nnlab's)."""
    config = optimizer.get_config()
    return getattr(import_keras().optimizers, type(optimizer).__name__)(
        **{k: v for k, v in config.items() if k != "name"})


def loss_to_keras(loss):
    """The Keras loss object with the same name and from_logits."""
    keras = import_keras()
    cls = getattr(keras.losses, type(loss).__name__)
    return cls(from_logits=loss.from_logits) if loss.crossentropy else cls()


def _nnlab_initializer(keras_initializer):
    """nnlab's initializer of the same class and settings (Keras-only config keys such as input_axes dropped)."""
    cls = getattr(initializers, type(keras_initializer).__name__, None)
    if not (isinstance(cls, type) and issubclass(cls, initializers.Initializer)):
        warnings.warn(f"nnlab has no {type(keras_initializer).__name__} initializer; the weights are copied, "
                      "but the twin would re-initialize with glorot_uniform.", stacklevel=3)
        return initializers.GlorotUniform()
    accepted = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in keras_initializer.get_config().items() if k in accepted})


def _nnlab_layer(keras, layer):
    if isinstance(layer, keras.layers.Flatten):
        return Flatten(name=layer.name)
    if not isinstance(layer, keras.layers.Dense):
        fail("keras_model", "a Sequential of Dense and Flatten layers", f"a {type(layer).__name__} layer",
             "nnlab mirrors only Dense and Flatten.")
    return Dense(layer.units, activation=layer.activation.__name__, use_bias=layer.use_bias,
                 kernel_initializer=_nnlab_initializer(layer.kernel_initializer),
                 bias_initializer=_nnlab_initializer(layer.bias_initializer), dtype=layer.dtype, name=layer.name)


def from_keras(keras_model):
    """The nnlab twin of a built keras.Sequential of Dense/Flatten layers, with the same weights (and compile)."""
    keras = import_keras()
    if not isinstance(keras_model, keras.Sequential) or not keras_model.built:
        fail("keras_model", "a built keras.Sequential (start it with keras.Input(shape=...))", keras_model,
             error=TypeError)
    model = Sequential([Input(keras_model.input_shape[1:])] + [_nnlab_layer(keras, l) for l in keras_model.layers],
                       name=keras_model.name)
    model.set_weights(keras_model.get_weights())
    if getattr(keras_model, "compiled", False) and keras_model.loss is not None:
        model.compile(optimizer=_nnlab_optimizer(keras_model.optimizer), loss=_nnlab_loss(keras_model.loss),
                      metrics=_keras_metric_names(keras_model))
    return model


def _nnlab_optimizer(keras_optimizer):
    config = keras_optimizer.get_config()
    cls = optimizers.get(type(keras_optimizer).__name__.lower()).__class__
    keys = cls().get_config().keys() - {"name"}
    return cls(**{k: config[k] for k in keys if k in config})


def _nnlab_loss(keras_loss):
    if isinstance(keras_loss, str):
        return losses.get(keras_loss)
    if callable(keras_loss) and not hasattr(keras_loss, "get_config"):
        return losses.get(keras_loss.__name__)
    config = keras_loss.get_config()
    loss = losses.get(type(keras_loss).__name__)
    return type(loss)(from_logits=config.get("from_logits", False)) if loss.crossentropy else loss


def _keras_metric_names(keras_model):
    metrics = getattr(getattr(keras_model, "_compile_metrics", None), "_user_metrics", None) or []
    return [m for m in metrics if isinstance(m, str)]


def make_twins(layers, optimizer=None, loss=None, metrics=None, seed=None):
    """Build an nnlab model from `layers` (Input first) and its Keras twin with identical initial weights.

    Returns (model, keras_model); both are compiled the same way when a loss is given.
    """
    if seed is not None:
        utils.set_random_seed(seed)
    model = Sequential(layers)
    if loss is not None:
        model.compile(optimizer=optimizer or "rmsprop", loss=loss, metrics=metrics)
    return model, to_keras(model)
