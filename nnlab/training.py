"""The training loop behind Sequential.fit and evaluate, with Keras's per-epoch definitions (keras.trainers).

An epoch's loss is the mean of the batch losses weighted by batch size, each computed BEFORE that batch's
update (what Keras reports, not the loss after the epoch); metrics likewise. Validation runs after the epoch.
Lesson 02 walks through it.

When a batch's loss becomes NaN or inf, fit stops (like Keras's TerminateOnNaN) and keeps that epoch in
History: its loss includes the failed batch (so it is inf or nan), while each metric is the mean over the
samples of the batches BEFORE the failed one, the only ones whose metrics were added (NaN if the first batch
failed). Keras's running means likewise cover only the batches they were updated with; nnlab leaves out the
failed batch, whose predictions may themselves be NaN.
"""

import math
import warnings

import numpy as np

from nnlab import utils
from nnlab._checks import Text, check_bool, check_float, check_int, fail


class DivergenceWarning(UserWarning):
    """Training stopped because the loss became NaN or infinite."""


class History:
    """What fit returns: `history` maps "loss", "accuracy", "val_loss", ... to one value per epoch."""

    def __init__(self):
        self.history, self.epoch, self.params = {}, [], {}

    def on_epoch_end(self, epoch, logs):
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __repr__(self):
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


def check_batch_size(batch_size):
    """Keras's default batch size is 32."""
    return 32 if batch_size is None else check_int("batch_size", batch_size, minimum=1)


def check_verbose(verbose):
    """Keras's verbose: "auto" (= 1), 0 (silent), 1 or 2 (one line per epoch in nnlab: no progress bars)."""
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        fail("verbose", "'auto', 0, 1 or 2", verbose)
    return int(verbose)


def _validation_arrays(model, x, y, validation_split, validation_data):
    """Split off the LAST fraction of (x, y) as Keras does (before any shuffling), or check validation_data."""
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            fail("validation_data", "a tuple (x_val, y_val)", validation_data, error=TypeError)
        return (x, y, *model._check_xy(*validation_data, "validation_data[0]", "validation_data[1]", x.shape[1:]))
    split = check_float("validation_split", validation_split, low=0, high=1, high_open=True)
    if split == 0:
        return x, y, None, None
    at = int(np.floor(len(x) * (1 - split)))
    if at == 0 or at == len(x):
        fail("validation_split", f"a fraction that leaves at least one training and one validation sample "
             f"of the {len(x)}", Text(f"{validation_split} ({at} training, {len(x) - at} validation)"))
    return x[:at], y[:at], x[at:], y[at:]


def _batch_logs(model, x, y, batch_size, step):
    """Run `step(x_batch, y_batch) -> (loss, y_hat)` over the batches; return the epoch's logs and whether it diverged."""
    order_names = [(name, model._metric(name, y.ndim)) for name in model.metric_names]
    totals, seen, counted = dict.fromkeys(["loss", *model.metric_names], 0.0), 0, 0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        loss, y_hat = step(xb, yb)
        totals["loss"] += loss * len(xb)
        seen += len(xb)
        if not np.isfinite(loss):
            break  # the failed batch counts in the loss, not in the metrics (see the module docstring)
        for name, metric in order_names:
            totals[name] += float(np.sum(metric(yb, y_hat)))
        counted += len(xb)
    logs = {name: totals[name] / counted if counted else float("nan")  # Keras lists metrics first
            for name in model.metric_names}
    logs["loss"] = totals["loss"] / seen
    return logs, not np.isfinite(logs["loss"])


def evaluate_arrays(model, x, y, batch_size):
    """Loss and metrics over (x, y) with the current weights, batch by batch as Keras's evaluate does."""
    def step(xb, yb):
        y_hat = model._forward(xb)
        output, logits = model._loss_input(y_hat)
        return model.loss(yb, output, logits=logits), y_hat
    return _batch_logs(model, x, y, batch_size, step)[0]


def _finite(arrays):
    """True when no array holds NaN or inf (one sum per array: NaN and inf survive summing, cheaply)."""
    return math.isfinite(sum(float(a.sum()) for a in arrays))


def _snapshot(model):
    """Copies of the weights and the optimizer's state, to undo one step."""
    slots = model.optimizer.slots
    return ([w.copy() for w in model.weights], slots and [{k: v.copy() for k, v in s.items()} for s in slots],
            model.optimizer.iterations)


class _TrainStep:
    """One batch of fit: forward, loss, backward, update. A step that would make any weight or optimizer state
    NaN or inf is undone.

    On failure, `blame` says where to look: "data" when the loss or gradients are non-finite before this fit
    made any update (the inputs or the initial weights), "learning_rate" when they fail after some updates,
    or when the update itself overflows.
    """

    def __init__(self, model):
        self.model, self.updates, self.blame = model, 0, None

    def __call__(self, xb, yb):
        model = self.model
        loss, y_hat, grads = model._loss_and_gradients(xb, yb)
        if not (np.isfinite(loss) and _finite(grads)):
            self.blame = "data" if self.updates == 0 else "learning_rate"
            return (loss if not np.isfinite(loss) else float("nan")), y_hat
        saved = _snapshot(model)
        model.optimizer.apply(model.weights, grads)
        if not (_finite(model.weights) and all(_finite(slots.values()) for slots in model.optimizer.slots)):
            for w, old in zip(model.weights, saved[0]):
                w[...] = old
            model.optimizer.slots, model.optimizer.iterations = saved[1:]
            self.blame = "learning_rate"
            return float("inf"), y_hat
        self.updates += 1
        return loss, y_hat


def _check_callbacks(callbacks, logged):
    """A list of callbacks, each with the methods fit calls, and each `monitor` among the values fit will log."""
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        fail("callbacks", "a list of callbacks", callbacks, "Write callbacks=[EarlyStopping(...)].", TypeError)
    callbacks = list(callbacks or [])
    for i, callback in enumerate(callbacks):
        if not all(hasattr(callback, m) for m in ("set_model", "on_epoch_end", "on_train_end")):
            fail(f"callbacks[{i}]", "an nnlab callback such as nnlab.callbacks.EarlyStopping", callback,
                 "Keras callbacks work on Keras models only.", TypeError)
        if getattr(callback, "monitor", None) is not None and callback.monitor not in logged:
            fail("monitor", f"one of the values fit will log {logged}", callback.monitor,
                 "'val_...' values need validation_data or validation_split in fit.")
    return callbacks


def fit(model, x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle):
    """Sequential.fit: check everything first (a failed call changes nothing), then loop over epochs."""
    batch_size, epochs = check_batch_size(batch_size), check_int("epochs", epochs, minimum=1)
    verbose, shuffle = check_verbose(verbose), check_bool("shuffle", shuffle)
    x, y = model._check_xy(x, y)
    x, y, x_val, y_val = _validation_arrays(model, x, y, validation_split, validation_data)
    logged = [*model.metric_names, "loss"]
    history, callbacks = History(), _check_callbacks(callbacks, logged + ([f"val_{k}" for k in logged] if x_val is not None else []))
    model.optimizer.check_weights(model.weights)  # an optimizer of another model (an unbuilt one has no weights yet)
    model._built_for(x)
    history.params = {"epochs": epochs, "steps": -(-len(x) // batch_size), "verbose": verbose}
    model.stop_training, step = False, _TrainStep(model)
    for callback in callbacks:
        callback.set_model(model)
    for epoch in range(epochs):
        order = utils.global_rng().permutation(len(x)) if shuffle else slice(None)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence gets one clear warning
            logs, diverged = _batch_logs(model, x[order], y[order], batch_size, step)
            if x_val is not None and not diverged:
                logs.update({f"val_{k}": v for k, v in evaluate_arrays(model, x_val, y_val, batch_size).items()})
        history.on_epoch_end(epoch, logs)
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs} - " + " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if diverged:
            _warn_diverged(model, epoch, logs["loss"], step.blame, x)
            break
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    for callback in callbacks:
        callback.on_train_end()
    return history


def _warn_diverged(model, epoch, loss, blame, x):
    """One DivergenceWarning that names the likely cause: the data (before any update) or the learning rate."""
    if blame == "data":
        cause = (f"the loss was already {loss} on the first batch, before any update, so fit stopped there (History "
                 f"keeps epoch 1; the weights are unchanged). The learning rate is not the cause: check the inputs "
                 f"for huge values or NaN (the largest |x| is {float(np.max(np.abs(x))):.1e}) and standardise them, "
                 "e.g. x = (x - x.mean(axis=0)) / x.std(axis=0); if x looks fine, check the initial weights.")
    else:
        rate = model.optimizer.learning_rate
        cause = (f"the loss became {loss}, so fit stopped there (History keeps epochs 1-{epoch + 1}; the weights are "
                 f"those before the failed step). The learning rate {rate:g} is probably too large: try a smaller "
                 f"one, such as {rate / 10:g}.")
    # stacklevel 4: the warning points at the learner's model.fit(...) line
    warnings.warn(f"Training diverged in epoch {epoch + 1}: {cause}", DivergenceWarning, stacklevel=4)
