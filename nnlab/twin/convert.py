"""The Keras twin: convert an nnlab model to keras.Sequential and back with identical weights, and compare them.

Keras is imported only when one of these functions is first called (importing TensorFlow takes seconds).
Lesson 01 meets the twin; every lesson uses `compare` to show the two do the same arithmetic.
"""

import contextlib
import inspect
import numbers
import warnings

from nnlab import activations, initializers, losses, optimizers, utils
from nnlab import metrics as nnlab_metrics
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


@contextlib.contextmanager
def _floatx(keras, dtype):
    """Keras's default float dtype set to `dtype` for a moment (Keras builds its compiled loss in floatx)."""
    saved = keras.config.floatx()
    keras.config.set_floatx(dtype)
    try:
        yield
    finally:
        keras.config.set_floatx(saved)


def keras_sequential(model, cls=None):
    """An uncompiled `cls` (default keras.Sequential) with the layers and weights of the nnlab `model`."""
    if not isinstance(model, Sequential):
        fail("model", "an nnlab.Sequential", model, error=TypeError)
    if not model.built:
        fail("model", "built (its input shape known)", Text("an unbuilt model"),
             "Start it with nnlab.Input(shape=...), or call model.predict(x) once.")
    keras = import_keras()
    with _floatx(keras, model.dtype):  # the loss Keras reports in History is kept in the model's dtype too
        keras_model = (cls or keras.Sequential)([keras.Input(shape=model.input_shape, dtype=model.dtype)]
                                                + [_keras_layer(keras, layer) for layer in model.layers],
                                                name=model.name)
    keras_model.set_weights(model.get_weights())
    return keras_model


def compile_like(keras_model, model, **settings):
    """Compile `keras_model` with the optimizer and loss of the compiled nnlab `model`, its loss in model.dtype.

    Keras computes a compiled loss in floatx (float32) unless told otherwise, so a float64 twin would get float32
    losses and gradients (about 1e-8 off). The optimizer is made outside: its learning rate stays a float32
    variable, as nnlab's optimizers assume (optimizers.keras_cast).
    """
    keras = import_keras()
    optimizer, loss = optimizer_to_keras(model.optimizer), loss_to_keras(model.loss, model.dtype)
    with _floatx(keras, model.dtype):
        keras_model.compile(optimizer=optimizer, loss=loss, **settings)
    return keras_model


def to_keras(model):
    """The keras.Sequential twin of an nnlab model: same layers, same weights, same optimizer settings and loss."""
    keras_model = keras_sequential(model)
    if model.loss is not None:
        compile_like(keras_model, model, metrics=list(model.metric_names) or None)
    return keras_model


def optimizer_to_keras(optimizer):
    """A fresh Keras optimizer with the same settings (Keras's defaults equal nnlab's)."""
    config = optimizer.get_config()
    return getattr(import_keras().optimizers, type(optimizer).__name__)(
        **{k: v for k, v in config.items() if k != "name"})


def loss_to_keras(loss, dtype=None):
    """The Keras loss object with the same name and from_logits, computing in `dtype` (None: Keras's floatx)."""
    keras = import_keras()
    cls = getattr(keras.losses, type(loss).__name__)
    return cls(from_logits=loss.from_logits, dtype=dtype) if loss.crossentropy else cls(dtype=dtype)


def _nnlab_initializer(keras_initializer):
    """nnlab's initializer of the same class and settings (Keras-only config keys such as input_axes dropped)."""
    cls = getattr(initializers, type(keras_initializer).__name__, None)
    if not (isinstance(cls, type) and issubclass(cls, initializers.Initializer)):
        warnings.warn(f"nnlab has no {type(keras_initializer).__name__} initializer; the weights are copied, "
                      "but the twin would re-initialize with glorot_uniform.", stacklevel=3)
        return initializers.GlorotUniform()
    accepted = inspect.signature(cls).parameters
    return cls(**{k: v for k, v in keras_initializer.get_config().items() if k in accepted})


ACTIVATION_LAYERS = ("Activation", "ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax")
DENSE_EXTRAS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer",
                "kernel_constraint", "bias_constraint")


def _activation_name(keras, activation):
    """nnlab's name for a Keras Dense activation (a keras.activations function or an activation layer), or None."""
    if isinstance(activation, keras.layers.Activation):
        activation = activation.activation
    if isinstance(activation, keras.layers.LeakyReLU):
        return "leaky_relu" if activation.negative_slope == 0.2 else None  # nnlab's slope, Keras's function default
    if isinstance(activation, keras.layers.ReLU):
        plain = activation.max_value is None and activation.negative_slope == 0 and activation.threshold == 0
        return "relu" if plain else None
    return next((name for name in activations.ALL if getattr(keras.activations, name, None) is activation), None)


def _refuse_activation(keras, index, layer):
    """Name the Dense layer whose activation nnlab lacks, what it is, and what nnlab has."""
    activation = layer.activation
    shown = getattr(activation, "__name__", None) or type(activation).__name__
    if isinstance(activation, keras.layers.LeakyReLU):
        shown = f"LeakyReLU(negative_slope={activation.negative_slope:g})"
        hint = ("nnlab's leaky_relu has the slope 0.2 of keras.activations.leaky_relu (the LeakyReLU layer's default "
                "is 0.3): use activation='leaky_relu' or keras.layers.LeakyReLU(negative_slope=0.2).")
    elif not isinstance(activation, keras.layers.Layer) and getattr(keras.activations, shown, None) is not activation:
        hint = "nnlab needs each activation's derivative, so custom functions have no nnlab twin."
    else:
        hint = "nnlab has only these; build the Keras model with one of them."
    fail(f"keras_model.layers[{index}]", f"a Dense layer with an activation nnlab has ({sorted(activations.ALL)})",
         Text(f"Dense layer {layer.name!r} with activation {shown}"), hint)


def _refuse_layer(index, layer):
    """Name a layer nnlab has no twin for, by its index and name."""
    kind = type(layer).__name__
    if kind in ACTIVATION_LAYERS:
        hint = "nnlab puts activations inside Dense: write keras.layers.Dense(units, activation=...) instead."
    else:
        hint = f"nnlab has no {kind}: build the Keras model without it to make an nnlab twin."
    article = "an" if kind[0] in "AEIOU" else "a"
    fail(f"keras_model.layers[{index}]", "a Dense or Flatten layer (nnlab mirrors only these)",
         Text(f"{article} {kind} layer named {layer.name!r}"), hint)


def _check_keras_layer(keras, index, layer):
    """Refuse, naming the layer, what nnlab cannot mirror exactly; return the Dense layer's nnlab activation name."""
    if isinstance(layer, keras.layers.Flatten):
        return None
    if not isinstance(layer, keras.layers.Dense):
        _refuse_layer(index, layer)
    extras = [f"{key}={type(getattr(layer, key)).__name__}" for key in DENSE_EXTRAS if getattr(layer, key, None)]
    if extras:
        fail(f"keras_model.layers[{index}]", "a Dense layer without regularizers or constraints (nnlab has none)",
             Text(f"Dense layer {layer.name!r} with {', '.join(extras)}"), "Build the Keras model without them.")
    policy = layer.dtype_policy
    if policy.compute_dtype != policy.variable_dtype or policy.compute_dtype not in ("float32", "float64"):
        fail(f"keras_model.layers[{index}]", "a Dense layer computing in float32 or float64 (nnlab's dtypes)",
             Text(f"Dense layer {layer.name!r} with dtype policy {policy.name}"), "Use dtype='float32' or 'float64'.")
    name = _activation_name(keras, layer.activation)
    if name is None:
        _refuse_activation(keras, index, layer)
    return name


def _nnlab_layer(keras_layer, activation):
    if activation is None:
        return Flatten(name=keras_layer.name)
    return Dense(keras_layer.units, activation=activation, use_bias=keras_layer.use_bias,
                 kernel_initializer=_nnlab_initializer(keras_layer.kernel_initializer),
                 bias_initializer=_nnlab_initializer(keras_layer.bias_initializer), dtype=keras_layer.dtype,
                 name=keras_layer.name)


def from_keras(keras_model):
    """The nnlab twin of a built keras.Sequential of Dense/Flatten layers, with the same weights (and compile).

    Everything is checked before anything is made: a refused model leaves nnlab's random state untouched.
    """
    keras = import_keras()
    if not isinstance(keras_model, keras.Sequential) or not keras_model.built:
        fail("keras_model", "a built keras.Sequential (start it with keras.Input(shape=...))", keras_model,
             error=TypeError)
    names = [_check_keras_layer(keras, i, layer) for i, layer in enumerate(keras_model.layers)]
    compiled = getattr(keras_model, "compiled", False) and keras_model.loss is not None
    if compiled:
        optimizer, loss = _nnlab_optimizer(keras_model.optimizer), _nnlab_loss(keras_model.loss)
        metrics = _keras_metric_names(keras_model)
    model = Sequential([Input(keras_model.input_shape[1:])]
                       + [_nnlab_layer(layer, name) for layer, name in zip(keras_model.layers, names)],
                       name=keras_model.name)
    model.set_weights(keras_model.get_weights())
    if compiled:
        model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model


def _changed_settings(keras_object, kept):
    """'key=value, ...' for each setting of a Keras optimizer or loss, not in `kept`, that differs from its default."""
    default = type(keras_object)().get_config()
    changed = {k: v for k, v in keras_object.get_config().items() if k not in kept and v != default.get(k)}
    return ", ".join(f"{k}={v!r}" for k, v in changed.items())


def _nnlab_optimizer(keras_optimizer):
    """nnlab's optimizer with the Keras optimizer's settings; refuses schedules and settings nnlab lacks."""
    name, supported = type(keras_optimizer).__name__, sorted(cls.__name__ for cls in optimizers.ALL.values())
    cls = getattr(optimizers, name, None)
    if cls not in optimizers.ALL.values():
        fail("keras_model.optimizer", f"one of nnlab's optimizers {supported}", Text(f"a Keras {name}"),
             "Compile the Keras model with one of these, or convert it uncompiled and compile the nnlab model.")
    config = keras_optimizer.get_config()
    if not isinstance(config["learning_rate"], numbers.Real):  # a schedule's config is a dict
        schedule = getattr(config["learning_rate"], "get", lambda key, default: default)("class_name", "a schedule")
        fail("keras_model.optimizer", "an optimizer with a constant learning_rate (nnlab has no learning-rate "
             "schedules)", Text(f"{name} with learning_rate={schedule}(...)"),
             f"Compile the Keras model with a number, e.g. keras.optimizers.{name}(learning_rate=0.01).")
    keys = cls().get_config().keys()
    changed = _changed_settings(keras_optimizer, keys)
    if changed:
        fail("keras_model.optimizer", f"one of nnlab's optimizers {supported} with only the settings nnlab has "
             f"({', '.join(sorted(keys - {'name'}))})", Text(f"{name} with {changed}"),
             "nnlab has no weight decay, gradient clipping, EMA or amsgrad: compile the Keras model without them.")
    return cls(**{k: config[k] for k in keys - {"name"} if k in config})


def _nnlab_loss(keras_loss):
    """nnlab's loss for a Keras loss name, function or object; refuses losses and settings nnlab lacks."""
    supported = sorted(losses.ALL)
    if isinstance(keras_loss, str) or not hasattr(keras_loss, "get_config"):
        name = keras_loss if isinstance(keras_loss, str) else getattr(keras_loss, "__name__", type(keras_loss).__name__)
        if losses.ALIASES.get(name, name) not in losses.ALL:
            fail("keras_model.loss", f"one of nnlab's losses {supported}", keras_loss if isinstance(keras_loss, str)
                 else Text(name), "Compile the Keras model with one of these (custom losses have no nnlab twin).")
        return losses.get(losses.ALIASES.get(name, name))
    cls = getattr(losses, type(keras_loss).__name__, None)
    if cls not in losses.ALL.values():
        fail("keras_model.loss", f"one of nnlab's losses {supported}", Text(type(keras_loss).__name__),
             "Compile the Keras model with one of these.")
    changed = _changed_settings(keras_loss, {"name", "from_logits", "dtype"})
    if changed:
        fail("keras_model.loss", f"one of nnlab's losses {supported} with only from_logits set",
             Text(f"{type(keras_loss).__name__} with {changed}"), "Compile the Keras model without these settings.")
    return cls(from_logits=keras_loss.get_config()["from_logits"]) if cls.crossentropy else cls()


def _keras_metric_names(keras_model):
    """The Keras model's metric names that nnlab has (e.g. "accuracy"); refuses the others, naming them."""
    metrics = getattr(getattr(keras_model, "_compile_metrics", None), "_user_metrics", None) or []
    names = [m for m in metrics if isinstance(m, str)]
    supported = sorted([*nnlab_metrics.ALL, "accuracy", "acc"])
    unknown = [name for name in names if name.lower() not in supported]
    if unknown:
        fail("keras_model.metrics", f"metric names nnlab has ({supported})", unknown,
             "Compile the Keras model without the others (the loss is always reported).")
    return names


def make_twins(layers, optimizer=None, loss=None, metrics=None, seed=None):
    """Build an nnlab model from `layers` (Input first) and its Keras twin with identical initial weights.

    Returns (model, keras_model); both are compiled the same way when a loss is given.
    """
    for given, what in ((optimizer, "an optimizer"), (metrics, "metrics")):
        if given is not None and loss is None:
            fail("loss", f"given with {what} (compile needs a loss)", loss,
                 "Write e.g. make_twins(layers, 'adam', 'mse'), or leave the optimizer and metrics out for "
                 "uncompiled twins.")
    if seed is not None:
        utils.set_random_seed(seed)
    model = Sequential(layers)
    if loss is not None:
        model.compile(optimizer=optimizer or "rmsprop", loss=loss, metrics=metrics)
    return model, to_keras(model)
