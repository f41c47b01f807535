"""Train a Keras twin for many short epochs in ONE call to fit, fast enough for live widgets (the Playground).

Keras's fit costs about 20 ms of fixed overhead per epoch, so 300 tiny epochs take seconds. Here the epochs
are laid end to end in one repeated tf.data.Dataset and run as a single Keras epoch with steps_per_execution,
while the model writes each batch's loss and accuracy from inside its compiled train step. The per-epoch
history is then rebuilt with Keras's own definition (the batch-size-weighted mean of the losses seen before
each update), so it can be compared with nnlab's History number for number.
"""

import numpy as np

from nnlab._checks import Text, check_int, fail
from nnlab.twin.backend import import_keras, import_tensorflow
from nnlab.twin.convert import keras_sequential, loss_to_keras, optimizer_to_keras

CAPACITY = 2**18  # the most batches one fast_fit can record (e.g. 1000 epochs of 200 batches)
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
            return loss

    _classes["cls"] = RecordingSequential
    return RecordingSequential


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


def to_fast_keras(model, steps_per_execution=512):
    """The Keras twin of a compiled nnlab model, able to run `fast_fit` (same layers, weights, optimizer, loss)."""
    tf = import_tensorflow()

    if model.loss is None:
        fail("model", "compiled (fast_fit needs its optimizer and loss)", Text("an uncompiled model"),
             error=RuntimeError)
    keras_model = keras_sequential(model, _recording_class())
    keras_model.batch_log = tf.Variable(tf.zeros((CAPACITY, 2)), trainable=False)
    keras_model.compile(optimizer=optimizer_to_keras(model.optimizer), loss=loss_to_keras(model.loss),
                        steps_per_execution=check_int("steps_per_execution", steps_per_execution))
    return keras_model


def reset_optimizer(keras_model, learning_rate=None):
    """Zero the optimizer's step count and slots (a fresh start without retracing); optionally set the rate."""
    optimizer = keras_model.optimizer
    for variable in optimizer.variables:
        if variable.name != "learning_rate":
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))
    if learning_rate is not None:
        optimizer.learning_rate = learning_rate


def fast_fit(keras_model, x, y, epochs, batch_size=None, initial_weights=None, learning_rate=None):
    """Train `epochs` epochs (shuffle=False) from a fresh optimizer in one fit call; returns History-like lists.

    Returns {"accuracy": [...], "loss": [...]}, one value per epoch, defined as Keras's History defines them.
    """
    tf = import_tensorflow()

    n = len(x)
    batch_size = n if batch_size is None else check_int("batch_size", batch_size)
    steps = -(-n // batch_size)  # batches per epoch, the last one possibly smaller
    if check_int("epochs", epochs) * steps > CAPACITY:
        fail("epochs", f"at most {CAPACITY // steps} for {steps} batches per epoch", epochs)
    if initial_weights is not None:
        keras_model.set_weights(initial_weights)
    reset_optimizer(keras_model, learning_rate)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).repeat(epochs)
    keras_model.fit(data, epochs=1, verbose=0, shuffle=False)
    log = keras_model.batch_log.numpy()[:epochs * steps].reshape(epochs, steps, 2).astype(np.float64)
    sizes = np.minimum(batch_size, n - batch_size * np.arange(steps))  # (steps,)
    per_epoch = (log * sizes[None, :, None]).sum(axis=1) / n  # (epochs, 2)
    return {"accuracy": per_epoch[:, 1].tolist(), "loss": per_epoch[:, 0].tolist()}
