"""Optimizers: rules that turn gradients into weight updates, with Keras's exact formulas and defaults.

Each `update_step` mirrors keras/src/optimizers/<name>.py line for line; `apply` updates a list of
weight arrays in place, one slot of state (momentum, velocity) per weight. Lesson 02 introduces them.
As in Keras, an optimizer belongs to one model: its first step ties it to those weight arrays.
"""

import numpy as np

from nnlab._checks import Text, check_bool, check_choice, check_float, fail


def keras_cast(value, dtype):
    """What Keras's ops.cast(python_float, dtype) gives: the number rounded to float32 first, then cast."""
    return dtype.type(np.float32(value))


class Optimizer:
    """Holds the learning rate, the step count `iterations` and per-weight state; subclasses say how to step."""

    def __init__(self, learning_rate):
        self.learning_rate = check_float("learning_rate", learning_rate, low=0, low_open=True)
        self.iterations = 0
        self.slots = None  # one dict of state arrays per weight, made on the first step
        self.tied_to = []  # the weight arrays themselves that the slots belong to, set on the first step

    def apply(self, weights, gradients):
        """Update every weight array in place from its gradient: one optimizer step (Keras: apply_gradients).

        The first call ties the optimizer to these arrays; later calls must pass the same ones (see check_weights).
        """
        self.check_weights(weights)
        if self.slots is None:
            self.slots, self.tied_to = [self.make_slots(w) for w in weights], list(weights)
        for w, g, slots in zip(weights, gradients, self.slots):
            learning_rate = keras_cast(self.learning_rate, w.dtype)  # Keras keeps it in a float32 variable
            self.update_step(g.astype(w.dtype, copy=False), w, learning_rate, slots)
        self.iterations += 1

    def check_weights(self, weights):
        """Refuse arrays other than those of the first step: moments and step count belong to one model's weights.

        Keras's optimizer likewise raises "Unknown variable" for variables it was not built with.
        """
        if self.slots is None or (len(weights) == len(self.tied_to)
                                  and all(w is mine for w, mine in zip(weights, self.tied_to))):
            return
        fail("optimizer", "used by one model only, as in Keras (its moments and step count belong to the weights "
             "it first updated)", Text(f"this {type(self).__name__}, already tied to {len(self.tied_to)} weight "
                                       "arrays of another model"),
             f"Give each model its own optimizer, e.g. compile(optimizer=nnlab.optimizers.{type(self).__name__}(...)), "
             "or call optimizer.reset() to start this one afresh.")

    def make_slots(self, weight):
        return {}

    def reset(self):
        """Forget all state and the weights it was tied to, as a freshly built optimizer."""
        self.iterations, self.slots, self.tied_to = 0, None, []

    def get_config(self):
        return {"name": type(self).__name__.lower(), "learning_rate": self.learning_rate}

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Gradient descent: w -= learning_rate * g; with momentum: m = momentum m - learning_rate g, w += m."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = check_float("momentum", momentum, low=0, high=1)
        self.nesterov = check_bool("nesterov", nesterov)

    def make_slots(self, weight):
        return {"m": np.zeros_like(weight)} if self.momentum != 0 else {}

    def update_step(self, g, w, learning_rate, slots):
        if not slots:
            w -= g * learning_rate
            return
        m, momentum = slots["m"], keras_cast(self.momentum, w.dtype)
        m[...] = m * momentum - g * learning_rate
        if self.nesterov:  # look one step ahead along the velocity
            w += m * momentum - g * learning_rate
        else:
            w += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam: m, v = running means of g and g^2; w -= alpha m / (sqrt(v) + epsilon), alpha bias-corrected."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = check_float("beta_1", beta_1, low=0, high=1, high_open=True)
        self.beta_2 = check_float("beta_2", beta_2, low=0, high=1, high_open=True)
        self.epsilon = check_float("epsilon", epsilon, low=0)

    def make_slots(self, weight):
        return {"m": np.zeros_like(weight), "v": np.zeros_like(weight)}

    def update_step(self, g, w, learning_rate, slots):
        t = w.dtype.type(self.iterations + 1)
        beta_1, beta_2 = keras_cast(self.beta_1, w.dtype), keras_cast(self.beta_2, w.dtype)
        alpha = learning_rate * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)  # bias correction for m, v starting at 0
        m, v = slots["m"], slots["v"]
        m += (g - m) * (1 - self.beta_1)
        v += (g * g - v) * (1 - self.beta_2)
        w -= m * alpha / (np.sqrt(v) + self.epsilon)  # epsilon outside the sqrt, as in Keras

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    """RMSprop: v = rho v + (1 - rho) g^2; w -= learning_rate g / sqrt(v + epsilon) (epsilon inside the sqrt)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        super().__init__(learning_rate)
        self.rho = check_float("rho", rho, low=0, high=1, high_open=True)
        self.momentum = check_float("momentum", momentum, low=0, high=1)
        self.epsilon = check_float("epsilon", epsilon, low=0)
        self.centered = check_bool("centered", centered)

    def make_slots(self, weight):
        slots = {"v": np.zeros_like(weight)}
        if self.momentum > 0:
            slots["m"] = np.zeros_like(weight)
        if self.centered:
            slots["mean_g"] = np.zeros_like(weight)
        return slots

    def update_step(self, g, w, learning_rate, slots):
        rho, epsilon = self.rho, self.epsilon  # Python floats take the weight's dtype, as in Keras
        v = slots["v"]
        v[...] = rho * v + (1 - rho) * (g * g)
        denominator = v + epsilon
        if self.centered:  # subtract the squared running mean: a running variance of g
            slots["mean_g"][...] = rho * slots["mean_g"] + (1 - rho) * g
            denominator = v - slots["mean_g"] ** 2 + epsilon
        increment = learning_rate * g / np.sqrt(denominator)
        if "m" in slots:
            slots["m"][...] = self.momentum * slots["m"] + increment
            increment = slots["m"]
        w -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


ALL = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def get(identifier):
    """An optimizer for a name ("adam": Keras's defaults), an Optimizer class or an Optimizer instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer) and identifier is not Optimizer:
        return identifier()
    if isinstance(identifier, str):
        return ALL[check_choice("optimizer", identifier, ALL)]()
    fail("optimizer", f"a name from {sorted(ALL)} or a nnlab.optimizers.Optimizer", identifier, error=TypeError)
