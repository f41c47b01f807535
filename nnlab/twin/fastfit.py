"""Train a Keras twin for many short epochs in ONE call to fit, fast enough for live widgets (the Playground).

Keras's fit costs about 20 ms of fixed overhead per epoch, so 300 tiny epochs take seconds. Here the epochs
are laid end to end in one repeated tf.data.Dataset and run as a single Keras epoch with steps_per_execution,
while the model writes each batch's loss and accuracy from inside its compiled train step. The per-epoch
history is then rebuilt with Keras's own definition (the batch-size-weighted mean of the losses seen before
each update), so it can be compared with nnlab's History number for number.
"""

import numpy as np

from nnlab._checks import Text, as_array, check_float, check_int, fail
from nnlab.models import Sequential
from nnlab.twin.backend import import_keras, import_tensorflow
from nnlab.twin.convert import compile_like, keras_sequential

CAPACITY = 2**18  # the most batches one fast_fit can record (e.g. 1000 epochs of 200 batches)
FRAME_CAPACITY = 1000  # the most weight snapshots (frames) one fast_fit can record, for replaying a run
_classes = {}


def _recording_class():
    """keras.Sequential whose compute_loss also records (loss, accuracy) per batch in a tf.Variable."""
    if "cls" in _classes:
        return _classes["cls"]
    keras, tf = import_keras(), import_tensorflow()

    class RecordingSequential(keras.Sequential):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = super().compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=training)
            if training:
                step = tf.cast(self.optimizer.iterations, tf.int32)
                record = tf.stack([tf.cast(loss, tf.float32), _batch_accuracy(tf, y, y_pred)])
                self.batch_log.scatter_nd_update([[step]], [record])
                if self.frame_log is not None:  # decided when the step is traced: no cost without frames
                    self.frame_log.scatter_nd_update([[_frame_row(tf, step, self.frame_period)]], [_flat(tf, self)])
            return loss

    _classes["cls"] = RecordingSequential
    return RecordingSequential


def _frame_row(tf, step, period):
    """Where this step's weights go: row step // period when a frame starts here, else the scratch row."""
    starts = (period > 0) & (tf.math.floormod(step, tf.maximum(period, 1)) == 0)
    return tf.where(starts, tf.math.floordiv(step, tf.maximum(period, 1)), FRAME_CAPACITY)


def _flat(tf, keras_model):
    """Every weight, flattened in get_weights order (read before this step's update): (n_params,)."""
    return tf.concat([tf.reshape(tf.convert_to_tensor(w), [-1]) for w in keras_model.weights], axis=0)


def _batch_accuracy(tf, y, y_pred):
    """The accuracy Keras's "accuracy" would report for this batch (binary, sparse or categorical by shape)."""
    if y_pred.shape[-1] == 1:
        y = tf.reshape(tf.cast(y, y_pred.dtype), tf.shape(y_pred))
        hits = tf.cast(tf.equal(y, tf.cast(y_pred > 0.5, y_pred.dtype)), tf.float32)
    elif len(y.shape) < len(y_pred.shape):
        hits = tf.cast(tf.equal(tf.cast(y, tf.int64), tf.argmax(y_pred, axis=-1)), tf.float32)
    else:
        hits = tf.cast(tf.equal(tf.argmax(y, axis=-1), tf.argmax(y_pred, axis=-1)), tf.float32)
    return tf.reduce_mean(hits)


def to_fast_keras(model, steps_per_execution=512, record_frames=True):
    """The Keras twin of a compiled nnlab model, able to run `fast_fit` (same layers, weights, optimizer, loss);
    with record_frames=False it cannot record its weights while training (fast_fit(..., frames_every=0) only)."""
    if not isinstance(model, Sequential):
        fail("model", "an nnlab.Sequential", model, error=TypeError)
    if model.loss is None:
        fail("model", "compiled (fast_fit needs its optimizer and loss)", Text("an uncompiled model"),
             error=RuntimeError)
    steps_per_execution = check_int("steps_per_execution", steps_per_execution)
    tf = import_tensorflow()
    keras_model = keras_sequential(model, _recording_class())
    keras_model.batch_log = tf.Variable(tf.zeros((CAPACITY, 2)), trainable=False)
    n_params = sum(w.size for w in model.get_weights())  # the last row is scratch for steps that start no frame
    keras_model.frame_log = tf.Variable(tf.zeros((FRAME_CAPACITY + 1, n_params), dtype=model.dtype),
                                        trainable=False) if record_frames else None
    keras_model.frame_period = tf.Variable(0, trainable=False)  # batches between two frames; 0: record none
    return compile_like(keras_model, model, steps_per_execution=steps_per_execution)


def reset_optimizer(keras_model, learning_rate=None):
    """Zero the optimizer's step count and slots (a fresh start without retracing); optionally set the rate."""
    optimizer = keras_model.optimizer
    for variable in optimizer.variables:
        if variable.name != "learning_rate":
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    if learning_rate is not None:
        optimizer.learning_rate = learning_rate


def _checked_data(keras_model, x, y):
    """x and y as arrays of the twin's dtype, one target per sample, x with the twin's sample shape."""
    if not hasattr(keras_model, "batch_log"):
        fail("keras_model", "a Keras twin made by to_fast_keras(model)", Text(f"a {type(keras_model).__name__}"),
             "fast_fit records each batch in a log that only to_fast_keras adds.", TypeError)
    dtype = keras_model.inputs[0].dtype
    x, y = as_array("x", x, dtype=dtype), as_array("y", y, dtype=dtype)
    expected = tuple(keras_model.input_shape[1:])
    if x.shape[1:] != expected or len(x) == 0:
        fail("x", f"samples of shape {expected}, i.e. an array of shape (n_samples, "
             f"{', '.join(map(str, expected))})", x)
    if y.ndim == 0 or len(y) != len(x):
        fail("y", f"one target per sample: {len(x)} (len(x))", Text(repr(y.item())) if y.ndim == 0
             else Text(f"{len(y)} targets"))
    return x, y


def _check_weights(keras_model, weights):
    """Refuse initial weights that do not match the twin's weight arrays in number and shapes."""
    shapes = [tuple(w.shape) for w in keras_model.get_weights()]
    given = [tuple(getattr(w, "shape", ())) for w in weights]
    if given != shapes:
        fail("initial_weights", f"{len(shapes)} weight arrays of shapes {shapes}",
             Text(f"{len(given)} array(s) of shapes {given}"), "Pass model.get_weights() of the nnlab twin.")


def fast_fit(keras_model, x, y, epochs, batch_size=None, initial_weights=None, learning_rate=None, frames_every=0):
    """Train `epochs` epochs (shuffle=False) from a fresh optimizer in one fit call; returns History-like lists.

    Returns {"accuracy": [...], "loss": [...]}, one value per epoch, defined as Keras's History defines them.
    With frames_every=k > 0 the twin also records its own weights at the start of every k-th epoch, from inside
    its train step (read them with `frames`). Every argument is checked before the twin changes.
    """
    tf = import_tensorflow()

    x, y = _checked_data(keras_model, x, y)
    n = len(x)
    batch_size = n if batch_size is None else check_int("batch_size", batch_size)
    steps = -(-n // batch_size)  # batches per epoch, the last one possibly smaller
    if check_int("epochs", epochs) * steps > CAPACITY:
        fail("epochs", f"at most {CAPACITY // steps} for {steps} batches per epoch", epochs)
    if check_int("frames_every", frames_every, minimum=0) and keras_model.frame_log is None:
        fail("frames_every", "0 for a twin made with to_fast_keras(model, record_frames=False)", frames_every)
    if frames_every and -(-epochs // frames_every) > FRAME_CAPACITY:
        fail("frames_every", f"at least {-(-epochs // FRAME_CAPACITY)} for {epochs} epochs (at most "
             f"{FRAME_CAPACITY} frames)", frames_every)
    if learning_rate is not None:
        learning_rate = check_float("learning_rate", learning_rate, low=0, low_open=True)
    if initial_weights is not None:
        _check_weights(keras_model, initial_weights)
        keras_model.set_weights(initial_weights)
    reset_optimizer(keras_model, learning_rate)
    keras_model.frame_period.assign(frames_every * steps)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).repeat(epochs)
    keras_model.fit(data, epochs=1, verbose=0, shuffle=False)
    log = keras_model.batch_log.numpy()[:epochs * steps].reshape(epochs, steps, 2).astype(np.float64)
    sizes = np.minimum(batch_size, n - batch_size * np.arange(steps))  # (steps,)
    per_epoch = (log * sizes[None, :, None]).sum(axis=1) / n  # (epochs, 2)
    return {"accuracy": per_epoch[:, 1].tolist(), "loss": per_epoch[:, 0].tolist()}


def frames(keras_model, epochs, frames_every):
    """The twin's weights recorded by the last fast_fit(..., frames_every): (frame_epochs, (n_frames, n_params)).

    Frames are the weights after epochs 0, k, 2k, ... (below `epochs`), then after the last epoch.
    """
    starts = np.arange(0, epochs, frames_every)  # (n_frames - 1,)
    log = keras_model.frame_log.numpy()[:len(starts)]
    last = np.concatenate([w.ravel() for w in keras_model.get_weights()])[None, :]
    return np.append(starts, epochs), np.concatenate([log, last.astype(log.dtype)])
