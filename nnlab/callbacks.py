"""Callbacks that fit calls after every epoch; EarlyStopping with Keras's rules (keras.callbacks).

Lesson 03 uses EarlyStopping against overfitting.
"""

import numpy as np

from nnlab._checks import check_bool, check_choice, check_float, check_int, fail


class Callback:
    """Base class: fit calls set_model once, on_epoch_end(epoch, logs) after every epoch, then on_train_end()."""

    def set_model(self, model):
        self.model = model

    def on_epoch_end(self, epoch, logs):
        pass

    def on_train_end(self):
        pass


class EarlyStopping(Callback):
    """Stop training when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    With restore_best_weights=True the model gets back the weights of its best epoch when training ends.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto", restore_best_weights=False):
        if not isinstance(monitor, str):
            fail("monitor", "the name of a History key such as 'val_loss'", monitor, error=TypeError)
        self.monitor = monitor
        self.min_delta = abs(check_float("min_delta", min_delta))
        self.patience = check_int("patience", patience, minimum=0)
        mode = check_choice("mode", mode, ["auto", "min", "max"])
        if mode == "auto":
            mode = "max" if monitor.endswith("acc") or monitor.endswith("accuracy") else "min"
        self.mode = mode
        self.restore_best_weights = check_bool("restore_best_weights", restore_best_weights)

    def set_model(self, model):
        super().set_model(model)
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_weights = None

    def _improved(self, current):
        if self.mode == "min":
            return current - self.min_delta < self.best
        return current + self.min_delta > self.best

    def on_epoch_end(self, epoch, logs):
        if self.monitor not in logs:
            fail("monitor", f"one of the logged values {sorted(logs)}", self.monitor,
                 "'val_loss' needs validation_data or validation_split in fit.", KeyError)
        current = logs[self.monitor]
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._improved(current):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch, self.model.stop_training = epoch, True

    def on_train_end(self):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)
