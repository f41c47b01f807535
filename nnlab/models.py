"""Sequential: a stack of layers with Keras's compile / fit / evaluate / predict, plus the forward and backward
passes that Keras hides (keras.Sequential). Lesson 02 trains it, Lesson 04 opens up `forward` and `gradients`.
"""

import warnings
from collections import namedtuple

import numpy as np

from nnlab import losses, optimizers, training
from nnlab import metrics as metrics_module
from nnlab._checks import Text, as_array, fail
from nnlab.layers import Dense, Flatten, Input

LayerOutput = namedtuple("LayerOutput", ["z", "a"])  # one layer's pre-activation z and activation a


class Sequential:
    """Layers applied one after another: y_hat = layer_n(... layer_2(layer_1(x)))."""

    def __init__(self, layers=None, name="sequential"):
        self.name = name
        self.layers, self.input_shape, self.input_dtype = [], None, None
        self.optimizer = self.loss = None
        self.metric_names = []
        self.stop_training = False
        if layers is not None and not isinstance(layers, (list, tuple)):
            fail("layers", "a list of layers", layers, "Write Sequential([...]) with square brackets.", TypeError)
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Append a layer (an Input may only come first); builds it at once when the input shape is known."""
        if isinstance(layer, Input):
            if self.layers or self.input_shape is not None:
                fail("layer", "a Dense or Flatten layer (an Input may only be the first layer)", layer)
            self.input_shape, self.input_dtype = layer.shape, layer.dtype
            return
        if not isinstance(layer, (Dense, Flatten)):
            fail("layer", "an nnlab layer: Input, Dense or Flatten", layer,
                 "Keras layers go in a keras.Sequential; nnlab.from_keras(model) converts a whole model.", TypeError)
        if isinstance(layer, Dense) and any(isinstance(l, Dense) for l in self.layers) and layer.dtype != self.dtype:
            fail("layer", f"of the same dtype as the other layers ({self.dtype})",
                 Text(f"a {layer.dtype} Dense layer"), f"Pass dtype={self.dtype!r} to every Dense layer.")
        shape = self._shape_after(self.layers) if self.input_shape is not None else None
        if shape is not None and isinstance(layer, Dense) and layer.built and layer.kernel.shape[0] != shape[0]:
            fail("layer", f"a layer that takes {shape[0]} features here",
                 Text(f"a built Dense layer whose kernel has shape {layer.kernel.shape}"))
        if shape is not None and not layer.built:
            layer.build(shape)
        if layer.name is None:
            layer.name = self._unique_name(type(layer).__name__.lower())
        if isinstance(layer, Dense) and not any(isinstance(l, Dense) for l in self.layers):
            self._warn_if_input_dtype_is_lost(layer)
        self.layers.append(layer)

    def _warn_if_input_dtype_is_lost(self, first_dense):
        """Keras 3 casts a float64 Input to the layers' dtype (float32 by default) silently; nnlab does the same
        arithmetic but says so, since the learner asked for float64."""
        if self.input_dtype == "float64" and first_dense.dtype == "float32":
            warnings.warn("Input(dtype='float64') does not make the model float64: as in Keras, each Dense layer "
                          "computes in its own dtype (float32 by default), so x is cast to float32 and the weights "
                          "and outputs are float32. For a float64 model pass dtype='float64' to every Dense layer.",
                          stacklevel=4)

    def _unique_name(self, base):
        taken = {layer.name for layer in self.layers}
        return next(n for n in [base] + [f"{base}_{i}" for i in range(1, len(taken) + 2)] if n not in taken)

    def _shape_after(self, layers):
        shape = self.input_shape
        for layer in layers:
            shape = layer.output_shape(shape)
        return shape

    def build(self, input_shape):
        """Fix the shape of one sample and create every layer's weights (Keras builds on first use too)."""
        shapes = [tuple(input_shape)]
        for layer in self.layers:
            shapes.append(layer.output_shape(shapes[-1]))
        for layer, shape in zip(self.layers, shapes):  # all shapes are known before anything is created
            if not layer.built:
                layer.build(shape)
        self.input_shape = shapes[0]

    @property
    def built(self):
        return self.input_shape is not None and all(layer.built for layer in self.layers)

    @property
    def dtype(self):
        return next((l.dtype for l in self.layers if isinstance(l, Dense)), "float32")

    @property
    def output_shape(self):
        """(None, units): None stands for the batch size, which can be anything."""
        self._require_layers()
        shape = self._shape_after(self.layers) if self.input_shape else self.layers[-1].output_shape(None)
        return (None, *shape)

    @property
    def weights(self):
        """Every weight array, in get_weights order (the arrays themselves, which training updates in place)."""
        return [w for layer in self.layers for w in layer.weights]

    def _require_layers(self):
        if not self.layers:
            fail("layers", "at least one layer", self.layers, "Add one with model.add(nnlab.Dense(1)).")

    def _check_x(self, x, argument="x", sample_shape=None):
        """x as an array of the model's dtype with samples of the model's input shape (or `sample_shape`)."""
        self._require_layers()
        x = as_array(argument, x, dtype=self.dtype)
        if x.ndim < 2:
            fail(argument, "a batch of samples, shape (n_samples, n_features)", x,
                 "A single sample x needs a batch axis: x[None, :] or x.reshape(1, -1).")
        if len(x) == 0:
            fail(argument, "at least one sample", x)
        expected = tuple(self.input_shape or sample_shape or x.shape[1:])
        if x.shape[1:] != expected:
            fail(argument, f"samples of shape {expected}, i.e. an array of shape (n_samples, "
                 f"{', '.join(map(str, expected))})", x, "Check the Input shape or the columns of x.")
        return x

    def _built_for(self, x):
        """Build the model for x's sample shape if it is not built yet (after every check has passed); return x."""
        if not self.built:
            self.build(x.shape[1:])
        return x

    def _check_xy(self, x, y, x_name="x", y_name="y", sample_shape=None):
        x = self._check_x(x, x_name, sample_shape)
        given, y = y, as_array(y_name, y, dtype=self.dtype)
        if y.ndim == 0 or len(y) != len(x):
            fail(y_name, f"one target per sample: {len(x)} (len({x_name}))",
                 Text(repr(y.item())) if y.ndim == 0 else Text(f"{len(y)} targets"))
        if self.loss is not None:
            try:
                y = self.loss.check_targets(y, self.layers[-1].output_shape(None)[0],
                                            given=given if isinstance(given, np.ndarray) else None)
            except ValueError as error:
                raise ValueError(str(error).replace("`y`", f"`{y_name}`", 1)) from None
        return x, y

    def forward(self, x):
        """Run the forward pass and return every layer's LayerOutput(z, a): z its pre-activation, a its output."""
        a, outputs = self._built_for(self._check_x(x)), []
        for layer in self.layers:
            a = layer.forward(a)
            outputs.append(LayerOutput(getattr(layer, "z", a), a))
        return outputs

    def _forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def _loss_input(self, y_hat):
        """What the loss sees after a forward pass: the last layer's logits z on Keras's fused path, else y_hat."""
        last = self.layers[-1]
        if self.loss.uses_logits(getattr(last, "activation", None)):
            return last.z, True
        return y_hat, False

    def _loss_and_gradients(self, x, y):
        """Forward, loss and backward for one batch: (loss, y_hat, gradients in get_weights order)."""
        y_hat = self._forward(x)
        output, logits = self._loss_input(y_hat)
        loss, dL_doutput = self.loss(y, output, logits=logits), self.loss.gradient(y, output, logits=logits)
        last = self.layers[-1]
        dL_dx, grads = last.backward_from_z(dL_doutput) if logits else last.backward(dL_doutput)
        all_grads = [grads]
        for layer in reversed(self.layers[:-1]):
            dL_dx, grads = layer.backward(dL_dx)
            all_grads.insert(0, grads)
        return loss, y_hat, [g for grads in all_grads for g in grads]

    def gradients(self, x, y):
        """dLoss/dweight for every weight, in get_weights order; Loss = the batch mean that Keras differentiates."""
        self._require_compiled("gradients")
        x, y = self._check_xy(x, y)
        return self._loss_and_gradients(self._built_for(x), y)[2]

    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """Choose how to learn: the optimizer, the loss to minimise, and the metrics to report (Keras's defaults)."""
        optimizer, loss = optimizers.get(optimizer), losses.get(loss) if loss is not None else None
        if metrics is not None and not isinstance(metrics, (str, list, tuple)):
            fail("metrics", "a list of metric names such as ['accuracy']", metrics, error=TypeError)
        metric_names = [metrics] if isinstance(metrics, str) else list(metrics or [])
        for name in metric_names:
            metrics_module.resolve(name, 1, 1)  # checks the name now, so that a bad one fails before anything changes
        last_activation = getattr(self.layers[-1], "activation", None) if self.layers else None
        if loss is not None and loss.crossentropy and loss.from_logits and loss.uses_logits(last_activation):
            warnings.warn(f"The loss has from_logits=True but the output layer applies {last_activation.__name__}: "
                          "Keras (and nnlab) then take the logits before it, so the activation is ignored by the "
                          "loss. Use from_logits=False, or activation=None on the last layer.", stacklevel=2)
        self.optimizer, self.loss, self.metric_names = optimizer, loss, metric_names

    def _metric(self, name, y_ndim):
        return metrics_module.resolve(name, y_ndim, self.layers[-1].output_shape(None)[0])

    def _require_built(self, method, error=RuntimeError):
        if not self.built:
            fail("model", f"built before {method}()", Text("a model whose input shape is not known yet"),
                 "Start it with nnlab.Input(shape=...), or call model.predict(x) once.", error)

    def _require_compiled(self, method):
        if self.loss is None or self.optimizer is None:
            fail("model", f"compiled with a loss before {method}()", Text("an uncompiled model"),
                 "Call model.compile(optimizer='sgd', loss='binary_crossentropy') first.", RuntimeError)

    def fit(self, x, y, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True):
        """Train for `epochs` passes over (x, y) in mini-batches; returns a History like Keras's."""
        self._require_compiled("fit")
        return training.fit(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                            validation_data, shuffle)

    def evaluate(self, x, y, batch_size=None, verbose="auto"):
        """The loss (and metrics) on (x, y): a number, or [loss, metric, ...] when metrics were compiled."""
        self._require_compiled("evaluate")
        batch_size, _ = training.check_batch_size(batch_size), training.check_verbose(verbose)
        x, y = self._check_xy(x, y)
        logs = training.evaluate_arrays(self, self._built_for(x), y, batch_size)
        values = [logs["loss"]] + [logs[name] for name in self.metric_names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto"):
        """The network's outputs for x: an array of shape (n_samples, units)."""
        training.check_batch_size(batch_size), training.check_verbose(verbose)
        return self._forward(self._built_for(self._check_x(x)))

    def __call__(self, x):
        return self.predict(x)

    def get_weights(self):
        """Copies of every weight array, Keras's order and shapes: [kernel_1, bias_1, kernel_2, bias_2, ...]."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        """Replace every weight by the arrays given (same order and shapes as get_weights); all are checked first."""
        self._require_built("set_weights")
        current = self.weights
        if not isinstance(weights, (list, tuple)):
            fail("weights", f"a list of {len(current)} arrays (as get_weights() returns)", weights, error=TypeError)
        if len(weights) != len(current):
            fail("weights", f"a list of {len(current)} arrays (as get_weights() returns)",
                 Text(f"a list of {len(weights)} arrays"))
        new = [as_array(f"weights[{i}]", w, dtype=self.dtype) for i, w in enumerate(weights)]
        for i, (w, old) in enumerate(zip(new, current)):
            if w.shape != old.shape:
                fail(f"weights[{i}]", f"shape {old.shape}", w)
        for w, old in zip(new, current):
            old[...] = w

    def count_params(self):
        """The number of weights and biases: sum over Dense layers of n_in * units + units. Like Keras, an unbuilt
        model (no input shape yet) has no weights to count and raises ValueError instead of answering 0."""
        self._require_built("count_params", ValueError)
        return int(sum(w.size for w in self.weights))

    def summary(self):
        """Print each layer's type, output shape and parameter count, like Keras's model.summary()."""
        rows = [(f"{l.name} ({type(l).__name__})", str((None, *l.output_shape(self._shape_after(self.layers[:i]))))
                 if self.input_shape else "?", str(sum(w.size for w in l.weights)) if l.built else "0 (unbuilt)")
                for i, l in enumerate(self.layers)]
        print(f'Model: "{self.name}"')
        print(f"{'Layer (type)':<28}{'Output Shape':<20}{'Param #':>10}")
        for name, shape, count in rows:
            print(f"{name:<28}{shape:<20}{count:>10}")
        print(f"Total params: {self.count_params() if self.built else 0}")  # summary() of an unbuilt model still prints

    def __repr__(self):
        return f"Sequential([{', '.join(map(repr, self.layers))}])"
