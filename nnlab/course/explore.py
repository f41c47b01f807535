"""The computations behind nnlab's teaching widgets, NumPy only: call them directly, nnlab.course.explore_widgets draws them.

One neuron (Lesson 01), activations and their slopes (Lessons 01, 05), gradient descent one step at a time
(Lessons 02, 04), and what an initializer does to the activations and gradients of a deep network (Lesson 05).
"""

from collections import namedtuple

import numpy as np

from nnlab import activations, initializers, optimizers
from nnlab._checks import as_array, check_choice, check_float, check_int, fail
from nnlab.layers import Dense, Input
from nnlab.models import LayerOutput, Sequential

NEURON_ACTIVATIONS = sorted(name for name in activations.ALL if name != "softmax")  # softmax needs several units
SATURATION = 0.01  # |da/dz| below this counts as saturated: almost no gradient passes
NeuronCurve = namedtuple("NeuronCurve", ["x", "z", "a"])
NeuronGrid = namedtuple("NeuronGrid", ["x1", "x2", "z", "a", "line"])
ActivationProfile = namedtuple("ActivationProfile", ["z", "a", "da_dz", "saturated"])


def _as_range(argument, value):
    """(low, high) as floats with low < high, e.g. x_range=(-5, 5)."""
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        fail(argument, "a pair (low, high) such as (-5, 5)", value, error=TypeError)
    low, high = (check_float(f"{argument}[{i}]", v) for i, v in enumerate(value))
    if low >= high:
        fail(argument, "a pair (low, high) with low < high", tuple(value), "Widen the range.")
    return low, high


def _as_extent(extent):
    """((x1_low, x1_high), (x2_low, x2_high)) from extent=(x1_low, x1_high, x2_low, x2_high)."""
    if not isinstance(extent, (tuple, list)) or len(extent) != 4:
        fail("extent", "four numbers (x1_low, x1_high, x2_low, x2_high)", extent, error=TypeError)
    return _as_range("extent", extent[:2]), _as_range("extent", extent[2:])


def _neuron_activation(activation):
    """The function for a one-neuron activation name; softmax is refused with the reason."""
    if isinstance(activation, str) and activation.lower() == "softmax":
        fail("activation", f"one of {NEURON_ACTIVATIONS}", activation, "softmax shares probability among several "
             "units, so a single neuron's softmax is always 1. For one unit use 'sigmoid'.")
    return activations.ALL[check_choice("activation", activation, NEURON_ACTIVATIONS)]


def neuron(x, w, b=0.0, activation="sigmoid"):
    """One neuron: z = x @ w + b, a = activation(z); x (batch, n_in), w (n_in,), b a number -> z, a (batch,).

    Returns a LayerOutput(z, a), as Sequential.forward does for each layer. Lesson 01.
    """
    x = as_array("x", x, "float64", ndim=2)  # (batch, n_in)
    w = as_array("w", w, "float64", ndim=1)  # (n_in,)
    if len(w) != x.shape[1]:
        fail("w", f"one weight per input (x has {x.shape[1]} columns), shape ({x.shape[1]},)", w)
    z = x @ w + check_float("b", b)  # (batch,)
    return LayerOutput(z, _neuron_activation(activation)(z))


def neuron_curve(w, b=0.0, activation="sigmoid", x_range=(-5.0, 5.0), n_points=201):
    """A one-input neuron over a line of inputs: a = activation(w x + b); x, z, a of shape (n_points,). Lesson 01."""
    x = np.linspace(*_as_range("x_range", x_range), check_int("n_points", n_points, minimum=2))  # (n_points,)
    z, a = neuron(x[:, None], [check_float("w", w)], b, activation)
    return NeuronCurve(x, z, a)


def output_range(activation, a):
    """Where to plot an activation's output a: its own bounds when it has them (sigmoid, tanh), else a's range."""
    bounds = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softmax": (0.0, 1.0)}
    return bounds.get(activation, (min(float(np.min(a)), 0.0), max(float(np.max(a)), 1.0)))


def decision_line(w, b=0.0, extent=(-3.0, 3.0, -3.0, 3.0)):
    """Two points on the line w1 x1 + w2 x2 + b = 0 (where z = 0: sigmoid 0.5, tanh 0, relu switches on), or none.

    Returns (x1, x2), each of shape (2,), spanning `extent`; shape (0,) when w = (0, 0). Lesson 01.
    """
    w = as_array("w", w, "float64", ndim=1)
    if w.shape != (2,):
        fail("w", "two weights (w1, w2), shape (2,)", w)
    (w1, w2), (x1_range, x2_range), b = w, _as_extent(extent), check_float("b", b)
    if w1 == 0 and w2 == 0:
        return np.empty(0), np.empty(0)
    if abs(w2) >= abs(w1):  # solve for x2: never divides by a tiny weight
        x1 = np.array(x1_range)
        return x1, -(w1 * x1 + b) / w2
    x2 = np.array(x2_range)
    return -(w2 * x2 + b) / w1, x2


def neuron_grid(w, b=0.0, activation="sigmoid", extent=(-3.0, 3.0, -3.0, 3.0), resolution=101):
    """A two-input neuron over a grid: a = activation(w1 x1 + w2 x2 + b), plus its decision line. Lesson 01.

    Shapes: x1, x2 (resolution,); z, a (resolution, resolution) with a[i, j] at (x1[j], x2[i]), as imshow draws it.
    """
    w = as_array("w", w, "float64", ndim=1)
    (x1_range, x2_range), n = _as_extent(extent), check_int("resolution", resolution, minimum=2)
    x1, x2 = np.linspace(*x1_range, n), np.linspace(*x2_range, n)  # (n,), (n,)
    grid_x1, grid_x2 = np.meshgrid(x1, x2)  # (n, n) each
    z, a = neuron(np.column_stack([grid_x1.ravel(), grid_x2.ravel()]), w, b, activation)  # (n * n,)
    return NeuronGrid(x1, x2, z.reshape(n, n), a.reshape(n, n), decision_line(w, b, extent))


def activation_curves(name, z):
    """The activation a(z) and its slope da/dz on a line of pre-activations: z (n,) -> a, da_dz (n,). Lessons 01, 05.

    softmax maps several units together, so it is shown as a 2-unit softmax over [z, 0]: its first output
    exp(z) / (exp(z) + 1) equals sigmoid(z), and its slope is the Jacobian's first diagonal entry a (1 - a).
    """
    function = activations.ALL[check_choice("name", name, activations.ALL)]
    z = as_array("z", z, "float64", ndim=1)  # (n,)
    if function is activations.softmax:
        pair = np.column_stack([z, np.zeros_like(z)])  # (n, 2)
        return function(pair)[:, 0], activations.softmax_derivative(pair)[:, 0, 0]
    return function(z), activations.DERIVATIVES[function](z)


def saturated(da_dz, threshold=SATURATION):
    """Where the activation is saturated: |da/dz| < threshold, so almost no gradient flows back; (n,) -> bool (n,)."""
    return np.abs(as_array("da_dz", da_dz, "float64")) < check_float("threshold", threshold, low=0, low_open=True)


def activation_profile(name, z_range=(-6.0, 6.0), n_points=401, threshold=SATURATION):
    """activation_curves over np.linspace(*z_range, n_points), with the saturated points marked; all (n_points,)."""
    z = np.linspace(*_as_range("z_range", z_range), check_int("n_points", n_points, minimum=2))  # (n_points,)
    a, da_dz = activation_curves(name, z)
    return ActivationProfile(z, a, da_dz, saturated(da_dz, threshold))


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")  # (4, 2): the four corners
XOR_Y = np.array([[0], [1], [1], [0]], dtype="float32")  # (4, 1): 1 where exactly one input is 1
StepRecord = namedtuple("StepRecord", ["step", "forward", "loss", "gradients", "before", "after", "change"])


def xor_model(learning_rate=0.5, seed=0):
    """The stepper's network: Input(2) -> Dense(2, tanh) -> Dense(1, sigmoid), binary cross-entropy, plain SGD."""
    seed = check_int("seed", seed, minimum=0)
    model = Sequential([Input((2,)), Dense(2, "tanh", kernel_initializer=initializers.GlorotUniform(seed=seed)),
                        Dense(1, "sigmoid", kernel_initializer=initializers.GlorotUniform(seed=seed + 1))])
    model.compile(optimizer=optimizers.SGD(learning_rate=learning_rate), loss="binary_crossentropy")
    return model


class GradientDescentStepper:
    """Full-batch gradient descent on XOR, one step at a time: forward, loss, backward, update. Lessons 02, 04.

    Each step is W <- W - learning_rate * dL/dW with L the mean loss over all 4 samples, exactly what
    model.fit(XOR_X, XOR_Y, batch_size=4, shuffle=False) does once per epoch.
    """

    def __init__(self, learning_rate=0.5, seed=0):
        self.seed, self.x, self.y = check_int("seed", seed, minimum=0), XOR_X, XOR_Y
        self.model = xor_model(learning_rate, self.seed)
        self.losses = []

    @property
    def learning_rate(self):
        return self.model.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.model.optimizer.learning_rate = check_float("learning_rate", value, low=0, low_open=True)

    def reset(self):
        """Go back to the seeded starting weights and forget the losses; the learning rate stays."""
        self.model, self.losses = xor_model(self.learning_rate, self.seed), []

    def weight_names(self):
        """Names in get_weights order: ['dense.kernel', 'dense.bias', 'dense_1.kernel', 'dense_1.bias']."""
        return [f"{layer.name}.{part}" for layer in self.model.layers for part in ("kernel", "bias")]

    def predictions(self):
        """y_hat for the 4 samples with the current weights, shape (4, 1)."""
        return self.model.predict(self.x, verbose=0)

    def step(self):
        """Run one step and return a StepRecord: forward [(z, a) per layer], loss, gradients, weights before/after."""
        forward = self.model.forward(self.x)  # [LayerOutput(z (4, units), a (4, units)) per layer]
        loss = self.model.evaluate(self.x, self.y, batch_size=len(self.x), verbose=0)  # before the update, as fit
        gradients = self.model.gradients(self.x, self.y)  # dL/dW, get_weights order
        before = self.model.get_weights()
        self.model.optimizer.apply(self.model.weights, gradients)  # W -= learning_rate * dL/dW
        after = self.model.get_weights()
        self.losses.append(loss)
        return StepRecord(len(self.losses), forward, loss, gradients, before, after,
                          [old - new for old, new in zip(before, after)])


STEP_DECIMALS = 3  # the stepper's panel rounds every number to this many places


def _rounded(array, decimals=STEP_DECIMALS):
    """An array as nested lists rounded to `decimals` places, without negative zeros: [[0.335, -0.310], ...]."""
    array = np.round(np.asarray(array, dtype="float64"), decimals) + 0.0
    if array.ndim == 0:
        return f"{array:.{decimals}f}"
    return "[" + ", ".join(_rounded(row, decimals) for row in array) + "]"


def format_step(record, names, learning_rate):
    """The four phases of a StepRecord as text, rounded to 3 decimals (the stepper widget's panel). Lesson 02."""
    lines = [f"Step {record.step}", "1. Forward pass: z = a_prev @ W + b, a = activation(z)"]
    for i, (z, a) in enumerate(record.forward):  # one row per sample, one column per unit
        lines += [f"   layer {i + 1}: z = {_rounded(z)}", f"            a = {_rounded(a)}"]
    lines += [f"2. Loss (binary cross-entropy, mean over the 4 samples): {record.loss:.3f}",
              "3. Backward pass: dL/dW for every weight"]
    lines += [f"   dL/d({name}) = {_rounded(g)}" for name, g in zip(names, record.gradients)]
    lines += [f"4. Update: W <- W - learning_rate * dL/dW, learning_rate = {learning_rate:g}"]
    lines += [f"   {name}: {_rounded(old)} - {_rounded(change)} = {_rounded(new)}"
              for name, old, change, new in zip(names, record.before, record.change, record.after)]
    return "\n".join(lines)


LayerStatistics = namedtuple("LayerStatistics", ["activations", "gradients", "activation_mean", "activation_std",
                                                 "gradient_mean", "gradient_std", "unit_std"])


def deep_network(depth, width, activation="tanh", initializer="glorot_uniform", seed=0):
    """Input(width) -> depth x Dense(width, activation, kernel_initializer=initializer), layer i seeded seed + i."""
    depth, width, seed = check_int("depth", depth), check_int("width", width), check_int("seed", seed, minimum=0)
    activation = activations.get(activation).__name__
    layers = [Dense(width, activation, kernel_initializer=initializers.seeded(initializer, seed + 1 + i))
              for i in range(depth)]
    return Sequential([Input((width,)), *layers])


def layer_statistics(depth, width, activation="tanh", initializer="glorot_uniform", n_samples=500, seed=0):
    """Activations a_l and gradients dL/dz_l of every layer of a fresh deep network, and their spread. Lesson 05.

    x ~ N(0, 1), a_l = activation(a_(l-1) @ W_l + b_l); a random N(0, 1) signal dL/da at the output is sent back:
    dL/dz_l = dL/da_l * activation'(z_l), dL/da_(l-1) = dL/dz_l @ W_l.T. Per layer: arrays (n_samples, width),
    mean and std over all values (depth,), and unit_std (depth,): the std across a layer's units (0 = all identical).
    """
    model = deep_network(depth, width, activation, initializer, seed)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((check_int("n_samples", n_samples, minimum=2), width))  # (n_samples, width)
    acts = [output.a for output in model.forward(x)]
    dL_da, grads = rng.standard_normal(x.shape), []
    for layer in reversed(model.layers):
        dL_dz = activations.backward(layer.activation, layer.z, dL_da)  # (n_samples, width)
        dL_da, _ = layer.backward_from_z(dL_dz)
        grads.insert(0, dL_dz)
    return LayerStatistics(acts, grads, _per_layer(np.mean, acts), _per_layer(np.std, acts),
                           _per_layer(np.mean, grads), _per_layer(np.std, grads), _per_layer(_unit_std, acts))


def _per_layer(f, arrays):
    """One number per layer: f applied to each array, shape (layers,)."""
    return np.array([f(array) for array in arrays])


def _unit_std(a):
    """The spread across a layer's units, averaged over samples: a (n_samples, units) -> a number."""
    return a.std(axis=1).mean()


def verdict(stats, vanish=0.01, explode=100.0):
    """One line on a LayerStatistics: symmetry never broken, activations or gradients vanishing/exploding, or healthy.

    Activations vanish when their std drops below `vanish` (the inputs have std 1); gradients when a layer gets less
    than `vanish` times the last layer's gradient std; `explode` is the same test the other way. Lesson 05.
    """
    std, grad = stats.activation_std, stats.gradient_std / max(stats.gradient_std[-1], 1e-30)
    if np.all(stats.unit_std <= 1e-6 * np.sqrt(np.mean(np.square(stats.activations[0]))) + 1e-12):
        return "every unit in a layer is identical: symmetry is never broken"
    for layer, s in enumerate(std, start=1):
        if s < vanish or s > explode:
            return f"activations {'vanish' if s < vanish else 'explode'} by layer {layer} (std {s:.2g})"
    for layer in range(len(grad), 0, -1):  # walking back from the output, as the gradient does
        g = grad[layer - 1]
        if g < vanish or g > explode:
            return (f"gradients {'vanish' if g < vanish else 'explode'} on the way back: at layer {layer} their std "
                    f"is {g:.2g} x the last layer's")
    return f"healthy: activations and gradients keep their spread through all {len(std)} layers"


def histograms(arrays, bins=41):
    """Histograms of each array over one shared range (0 and the middle 99.9% of all values), peaks scaled to 1.

    Heights are sqrt(count) / sqrt(max count), so a spike (relu's exact zeros) does not flatten the rest.
    arrays: a list of arrays (one per layer) -> edges (bins + 1,), heights (len(arrays), bins). Lesson 05's ridges.
    """
    bins, values = check_int("bins", bins, minimum=2), np.concatenate([np.ravel(a) for a in arrays])
    low, high = np.quantile(values, [0.0005, 0.9995])
    low, high = (min(low, 0.0), max(high, 0.0)) if high > low else (-1.0, 1.0)  # a range that shows where 0 is
    edges = np.linspace(low, high, bins + 1)  # (bins + 1,)
    roots = np.sqrt([np.histogram(a, edges)[0] for a in arrays])  # (layers, bins)
    return edges, roots / np.maximum(roots.max(axis=1, keepdims=True), 1)
