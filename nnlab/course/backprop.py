"""Backpropagation one node at a time: a tiny computation graph, its steps and the checks of Lesson 04.

Plain functions only, no matplotlib or ipywidgets (graph, forward, backward, steps, gradient checks, per-layer
sizes, the exercise checks); the picture, the step-through widget and the quiz are in nnlab.course.backprop_widgets.
"""

import math
from collections import namedtuple

import numpy as np

from nnlab._checks import check_float, check_int, fail
from nnlab.course.explore import STEP_DECIMALS, format_step
from nnlab.datasets import make_moons
from nnlab.gradcheck import relative_error

Node = namedtuple("Node", ["name", "op", "inputs"])  # op "input" for a leaf, else a key of OPS
# A leaf is a node no operation makes (an input, weight or target): nodes in forward order, {leaf: value}, weights
Graph = namedtuple("Graph", ["nodes", "leaves", "weights"])
Step = namedtuple("Step", ["number", "phase", "node", "text", "values", "grads"])  # values/grads known so far


def _sigmoid(u):
    return 1.0 / (1.0 + math.exp(-u))


# op: (forward(*inputs), local derivatives d(out)/d(input) for each input, from the inputs and the output)
OPS = {
    "add": (lambda u, v: u + v, lambda u, v, out: (1.0, 1.0)),
    "mul": (lambda u, v: u * v, lambda u, v, out: (v, u)),
    "relu": (lambda u: max(u, 0.0), lambda u, out: (1.0 if u > 0 else 0.0,)),
    "sigmoid": (_sigmoid, lambda u, out: (out * (1.0 - out),)),
    "square_error": (lambda a, y: (a - y) ** 2, lambda a, y, out: (2 * (a - y), -2 * (a - y))),
}
SYMBOLS = {"add": "+", "mul": "×", "relu": "max", "sigmoid": "σ", "square_error": "(a−y)²"}
RULES = {"add": "an add passes the gradient on unchanged to each input",
         "mul": "a multiply swaps its inputs: each input's gradient is the upstream gradient times the OTHER input",
         "relu": "a max routes the gradient: all of it if z > 0, none otherwise",
         "sigmoid": "a sigmoid multiplies the gradient by its slope a(1 − a)",
         "square_error": "the loss (a − y)² starts the chain: dL/da = 2(a − y) and dL/dy = −2(a − y)"}


def neuron_graph(x1=2.0, w1=-3.0, x2=0.5, w2=2.0, b=5.0, y=1.0):
    """One sigmoid neuron and its squared error as a graph: L = (sigmoid(x1 w1 + x2 w2 + b) - y)^2. Lesson 04."""
    leaves = {name: check_float(name, value) for name, value in
              (("x1", x1), ("w1", w1), ("x2", x2), ("w2", w2), ("b", b), ("y", y))}
    nodes = [Node(name, "input", ()) for name in leaves] + [
        Node("x1·w1", "mul", ("x1", "w1")), Node("x2·w2", "mul", ("x2", "w2")),
        Node("s", "add", ("x1·w1", "x2·w2")),
        Node("z", "add", ("s", "b")), Node("a", "sigmoid", ("z",)), Node("L", "square_error", ("a", "y"))]
    return Graph(nodes, leaves, ("w1", "w2", "b"))


def graph(nodes, leaves, weights=()):
    """A Graph from [(name, op, inputs), ...] in forward order (leaves first) and {leaf: value}: c = a + a is
    graph([("a", "input", ()), ("c", "add", ("a", "a"))], {"a": 3.0})."""
    nodes = [Node(name, op, tuple(inputs)) for name, op, inputs in nodes]
    for node in nodes:
        if node.op != "input" and node.op not in OPS:
            fail("op", f"'input' or one of {sorted(OPS)}", node.op)
    return Graph(nodes, {k: check_float(k, v) for k, v in leaves.items()}, tuple(weights))


def forward(g):
    """Every node's value, {name: value}, computed in forward order."""
    values = dict(g.leaves)
    for node in g.nodes:
        if node.op != "input":
            values[node.name] = float(OPS[node.op][0](*(values[i] for i in node.inputs)))
    return values


def _local(node, values):
    return OPS[node.op][1](*(values[i] for i in node.inputs), values[node.name])


def backward(g, values=None):
    """dL/d(node) for every node, {name: gradient}, L being the last node: from L back, each node adds
    upstream x local derivative into each input's gradient (+=, so a value used twice collects both)."""
    values = forward(g) if values is None else values
    grads = {node.name: 0.0 for node in g.nodes}
    grads[g.nodes[-1].name] = 1.0
    for node in reversed(g.nodes):
        if node.op != "input":
            for name, local in zip(node.inputs, _local(node, values)):
                grads[name] += grads[node.name] * local
    return grads


def local_rule(op, inputs, upstream=1.0):
    """The gradients an `op` node sends to its inputs, upstream x d(out)/d(input): add(2, -3), upstream 5 -> (5, 5)."""
    inputs = [check_float("inputs", v) for v in inputs]
    out = OPS[op][0](*inputs)
    return tuple(check_float("upstream", upstream) * d for d in OPS[op][1](*inputs, out))


def rounded(v):
    """A value rounded to 4 significant digits, without a negative zero: 0.25, -0.75, 2."""
    return f"{round(v, 12) + 0.0:.4g}"


def _paren(v):
    """A number for the right of a ×: negative ones in parentheses, -3 -> (-3)."""
    return f"({rounded(v)})" if rounded(v).startswith("-") else rounded(v)


def _d(name):
    return f"dL/d{name}" if len(name) <= 2 else f"dL/d({name})"


def formula(node):
    """How a node is computed, as text: "x1 × w1", "s + b", "σ(z)", "max(z, 0)", "(a − y)²"."""
    if node.op in ("add", "mul"):
        return f" {SYMBOLS[node.op]} ".join(node.inputs)
    if node.op == "square_error":
        return "({} − {})²".format(*node.inputs)
    return f"max({node.inputs[0]}, 0)" if node.op == "relu" else f"{SYMBOLS[node.op]}({node.inputs[0]})"


def backprop_steps(g):
    """The whole walk as a list of Steps: the leaves, one forward step per node, dL/dL = 1, then one backward step
    per node (last first), each with the values and gradients known after it (the walkthrough widget shows them)."""
    values, computed = dict(g.leaves), [node for node in g.nodes if node.op != "input"]
    steps = [Step(0, "start", None, "Start: only the inputs, weights and target are known.", dict(values), {})]
    for node in computed:
        values[node.name] = float(OPS[node.op][0](*(values[i] for i in node.inputs)))
        text = f"Forward: {node.name} = {formula(node)} = {rounded(values[node.name])}"
        steps.append(Step(len(steps), "forward", node.name, text, dict(values), {}))
    last = g.nodes[-1].name
    grads = {last: 1.0}
    steps.append(Step(len(steps), "backward", last, "Backward starts at the loss: dL/dL = 1.", dict(values),
                      dict(grads)))
    for node in reversed(computed):
        parts = []
        for name, local in zip(node.inputs, _local(node, values)):
            grads[name] = grads.get(name, 0.0) + grads[node.name] * local
            parts.append(f"{_d(name)} += {rounded(grads[node.name])} × {_paren(local)} = {rounded(grads[name])}")
        text = f"Backward through {node.name} ({RULES[node.op]}): " + "; ".join(parts)
        steps.append(Step(len(steps), "backward", node.name, text, dict(values), dict(grads)))
    return steps


# The two-layer network of the lesson, in float64: x (batch, 2) -> tanh (batch, hidden) -> sigmoid (batch, 1), BCE.
PARAMS = ("W1", "b1", "W2", "b2")


def two_layer_case(batch=8, hidden=3, seed=0):
    """(x (batch, 2), y (batch, 1), {W1 (2, hidden), b1 (hidden,), W2 (hidden, 1), b2 (1,)}), all float64 moons."""
    x, y = make_moons(check_int("batch", batch, minimum=2), noise=0.2, seed=check_int("seed", seed, minimum=0))
    rng = np.random.default_rng(seed)
    hidden = check_int("hidden", hidden)
    params = {"W1": rng.normal(0, 1, (2, hidden)), "b1": rng.normal(0, 0.5, hidden),
              "W2": rng.normal(0, 1, (hidden, 1)), "b2": rng.normal(0, 0.5, 1)}
    return x.astype(np.float64), y.reshape(-1, 1).astype(np.float64), params


def two_layer_loss(x, y, W1, b1, W2, b2):
    """The batch-mean binary cross-entropy of sigmoid(tanh(x W1 + b1) W2 + b2), computed from the logits z2."""
    z2 = np.tanh(x @ W1 + b1) @ W2 + b2  # (batch, 1)
    return float(np.mean(np.logaddexp(0.0, z2) - y * z2))  # log(1 + e^z) - y z = BCE of sigmoid(z)


def finite_difference_gradients(loss, weights, epsilon=1e-6):
    """dLoss/dw for every entry of every array in `weights` by centred differences, [L(w + e) - L(w - e)] / 2e:
    two calls of the zero-argument `loss` per entry (2N in all). The arrays are changed in place and restored."""
    epsilon, grads = check_float("epsilon", epsilon, low=0, low_open=True), []
    for w in weights:
        g = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            saved, at = w[i], []
            for value in (saved + epsilon, saved - epsilon):
                w[i] = value
                at.append(loss())
            w[i] = saved
            g[i] = (at[0] - at[1]) / (2 * epsilon)
        grads.append(g)
    return grads


def _float64_case(case):
    x, y, params = case or two_layer_case()
    return x, y, {k: np.array(v, dtype=np.float64) for k, v in params.items()}


def gradient_report(backward_fn, case=None, epsilon=1e-6):
    """{"dL_dW1": relative error, ...}: backward_fn(x, y, W1, b1, W2, b2) -> {"dL_dW1": ..., ...} against centred
    differences of two_layer_loss, in float64 on `case` (default two_layer_case())."""
    x, y, params = _float64_case(case)
    return _report(backward_fn(x, y, **params), x, y, params, epsilon)


def _report(got, x, y, params, epsilon=1e-6):
    names = [f"dL_d{p}" for p in PARAMS]
    if not isinstance(got, dict) or sorted(got) != sorted(names):
        fail("backward_fn(...)", f"a dict with the keys {names}", got)
    numerical = finite_difference_gradients(lambda: two_layer_loss(x, y, **params), [params[p] for p in PARAMS],
                                            epsilon)
    for name, p in zip(names, PARAMS):
        if np.shape(got[name]) != params[p].shape:
            fail(name, f"an array of shape {params[p].shape} (the shape of {p})", np.asarray(got[name]),
                 "A gradient always has the shape of its weight.")
    return {name: relative_error(np.asarray(got[name]), n) for name, n in zip(names, numerical)}


AGREE = 1e-6  # relative error below which backprop and centred differences agree (float64 reaches about 1e-9)


def format_report(report, bound=AGREE):
    """One line per gradient: agrees to within the bound, or DISAGREES with its relative error to 2 digits."""
    return "\n".join(f"{name}: agrees to within {bound:.0e} (relative error)".replace("e-0", "e-") if error < bound else
                     f"{name}: DISAGREES (relative error {error:.2g})" for name, error in report.items())


def check_backward(backward_fn, case=None):
    """Print "Correct!" when all four gradients of backward_fn pass the gradient check, else feedback; True/False."""
    x, y, params = _float64_case(case)
    got = backward_fn(x, y, **params)
    if got is Ellipsis or got is None:
        print("Not attempted yet: `backward_fixed` still returns `...`: write its body in place of the `...`.")
        return False
    report = _report(got, x, y, params)
    wrong = [name for name, error in report.items() if not error < AGREE]
    if not wrong:
        print("Correct! All four gradients agree with centred differences: the bug is fixed.")
        return True
    if any(name.endswith("2") for name in wrong):
        hint = ("a layer-2 gradient is wrong now, and those were right before: undo your change to the lines "
                "for dL_dz2, dL_dW2 or dL_db2.")
    else:
        hint = ("layer 1's gradients still disagree, so the bug is on a line that both dL_dW1 and dL_db1 use: "
                "dL_da1 or dL_dz1. Compare each with Dense.backward and with the slope of tanh in Lesson 01's table.")
    print(f"Not yet: {', '.join(wrong)} {'disagrees' if len(wrong) == 1 else 'disagree'} with centred "
          f"differences; {hint}")
    return False


def layer_gradient_sizes(model, x, y):
    """The mean |dL/dkernel| of each Dense layer of a compiled nnlab model, first layer first: shape (layers,)."""
    grads = model.gradients(x, y)
    kernels = [i for i, w in enumerate(model.weights) if w.ndim == 2]
    return np.array([float(np.mean(np.abs(grads[i]))) for i in kernels])


def _listed(array, decimals):
    """An array as nested lists with `decimals` places and no negative zero: [[0.3350, -0.5640], ...]."""
    array = np.round(np.asarray(array, dtype="float64"), decimals) + 0.0
    return f"{array:.{decimals}f}" if array.ndim == 0 else "[" + ", ".join(_listed(r, decimals) for r in array) + "]"


def step_text(record, names, learning_rate, decimals=4):
    """Lesson 02's format_step, with the update W - change = new shown so it adds up by hand: the change is
    learning_rate times the gradient AS PRINTED (STEP_DECIMALS places), W is rounded to `decimals` places, and new is
    computed from the two. Lesson 04."""
    decimals, head = check_int("decimals", decimals), format_step(record, names, learning_rate).split("\n4. Upd")[0]
    rows = [(name, np.round(old, decimals), learning_rate * np.round(gradient, STEP_DECIMALS))
            for name, old, gradient in zip(names, record.before, record.gradients)]
    return "\n".join([head, f"4. Update: W <- W - learning_rate * dL/dW, learning_rate = {learning_rate:g}. Each row "
                             f"reads W - learning_rate * dL/dW = new W (dL/dW as printed above; W rounded to "
                             f"{decimals} decimals)"]
                      + [f"   {n}: {_listed(w, decimals)} - {_listed(c, decimals)} = {_listed(w - c, decimals)}"
                         for n, w, c in rows])


def about(ratio):
    """A ratio rounded to 2 significant digits, written in full with thousands separators: 23871.4 -> '24,000'."""
    near = float(f"{check_float('ratio', ratio, low=0):.2g}")
    return f"{near:,.0f}" if near >= 10 else f"{near:g}"


# Training in five steps, in order (the first once, the other four every training step), and why each sits where it
# does (Exercise 3: the Reorder widget and check_training_order).
TRAINING_STEPS = ["architecture (once, before training): choose the layers and their activations",
                  "forward pass: compute y_hat layer by layer, keeping each z and a",
                  "loss: compare y_hat with y in one number L",
                  "backward pass: dL/dW from the last layer back to the first",
                  "update: W <- W - learning_rate * dL/dW"]
TRAINING_WHY = dict(zip(TRAINING_STEPS, [
    "Without layers there is nothing to run: the architecture is chosen once, first (keras.Sequential).",
    "The forward pass needs the layers, and it produces the y_hat that the loss needs.",
    "The loss compares y_hat with y, so it needs the forward pass, and every gradient starts from it.",
    "The backward pass starts at the loss (dL/dL = 1) and reuses the z and a kept by the forward pass.",
    "The update needs the gradients, so it comes last; then the loop starts again at the forward pass."]))


def check_training_order(order):
    """Exercise 3: print "Correct!" or "Not yet:" and one line per position for `order` (a list of TRAINING_STEPS
    in some order), or "Not attempted yet" for the `...` placeholder; True/False."""
    if order is Ellipsis or order is None:
        print("Not attempted yet: `order` is still `...`: write the list of the five steps in its place.")
        return False
    if not isinstance(order, (list, tuple)) or sorted(map(str, order)) != sorted(TRAINING_STEPS):
        print(f"Not yet: `order` must be a list holding each of the five strings of `steps_shuffled` once, e.g. "
              f"[steps_shuffled[1], ...]; it is {order!r}.")
        return False
    lines = []
    for position, step in enumerate(order, start=1):
        belongs = TRAINING_STEPS.index(step) + 1
        where = "right place." if belongs == position else f"belongs at position {belongs}. {TRAINING_WHY[step]}"
        lines.append(f"{position}. {step}: {where}")
    right = list(order) == TRAINING_STEPS
    print("\n".join(["Correct!" if right else "Not yet:"] + lines))
    return right
