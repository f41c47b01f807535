"""Backpropagation one node at a time: a tiny computation graph, its steps, its picture and the checks of Lesson 04.

Plain functions first (graph, steps, gradient checks, per-layer sizes), then `draw_graph` (takes an Axes) and
`BackpropWalkthrough`, a thin widget over `backprop_steps`.
"""

import math
from collections import namedtuple

import numpy as np

from nnlab._checks import check_float, check_int, fail
from nnlab.datasets import make_moons
from nnlab.gradcheck import relative_error
from nnlab.lab.render import COLORS

Node = namedtuple("Node", ["name", "op", "inputs"])  # op "input" for a leaf, else a key of OPS
Graph = namedtuple("Graph", ["nodes", "leaves", "weights"])  # nodes in forward order, {leaf: value}, learned leaves
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
         "square_error": "the loss (a − y)² starts the chain with dL/da = 2(a − y)"}


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


def _num(v):
    """A value rounded to 4 significant digits, without a negative zero: 0.25, -0.75, 2."""
    return f"{round(v, 12) + 0.0:.4g}"


def _paren(v):
    """A number for the right of a ×: negative ones in parentheses, -3 -> (-3)."""
    return f"({_num(v)})" if _num(v).startswith("-") else _num(v)


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
        text = f"Forward: {node.name} = {formula(node)} = {_num(values[node.name])}"
        steps.append(Step(len(steps), "forward", node.name, text, dict(values), {}))
    last = g.nodes[-1].name
    grads = {last: 1.0}
    steps.append(Step(len(steps), "backward", last, "Backward starts at the loss: dL/dL = 1.", dict(values),
                      dict(grads)))
    for node in reversed(computed):
        parts = []
        for name, local in zip(node.inputs, _local(node, values)):
            grads[name] = grads.get(name, 0.0) + grads[node.name] * local
            parts.append(f"{_d(name)} += {_num(grads[node.name])} × {_paren(local)} = {_num(grads[name])}")
        text = f"Backward through {node.name} ({RULES[node.op]}): " + "; ".join(parts)
        steps.append(Step(len(steps), "backward", node.name, text, dict(values), dict(grads)))
    return steps


def layout(g):
    """(column, row) of every node: leaves one column before their first user, each node right of its inputs,
    leaves in rows 0, 1, 2, ... in the order given and every other node at the mean row of its inputs."""
    column, row, leaf_rows = {}, {}, iter(range(len(g.nodes)))
    for node in g.nodes:
        if node.op == "input":
            column[node.name], row[node.name] = 0, next(leaf_rows)
        else:
            column[node.name] = 1 + max(column[i] for i in node.inputs)
            row[node.name] = float(np.mean([row[i] for i in node.inputs]))
    for node in g.nodes:  # pull each leaf next to its first user
        users = [n for n in g.nodes if node.name in n.inputs]
        if node.op == "input" and users:
            column[node.name] = column[users[0].name] - 1
    return {name: (column[name], row[name]) for name in column}


BOX_W, BOX_H, GAP, OP_R = 1.35, 0.78, 2.5, 0.24  # data units: box size, column spacing, op circle radius


def _fill(g, name):
    if name in g.weights:
        return COLORS["keras"]
    return COLORS["class0"] if name in g.leaves else "white"


def draw_graph(ax, g, values, grads, current=None, title=None):
    """Draw `g` as micrograd does: a box per value (name, value, grad; "?" where not known yet), a circle per
    operation, arrows left to right; `current` is outlined. Returns the list of artists."""
    from matplotlib.patches import FancyBboxPatch, Patch

    ax.clear()
    places, artists = {n: (c * GAP, -r) for n, (c, r) in layout(g).items()}, []
    for node in g.nodes:
        x, y = places[node.name]
        edge, lw = (COLORS["class1"], 3.0) if node.name == current else ("black", 1.0)
        artists.append(ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H, facecolor=_fill(
            g, node.name), alpha=0.9, edgecolor=edge, lw=lw, boxstyle="round,pad=0.02", zorder=2)))
        value = _num(values[node.name]) if node.name in values else "?"
        grad = _num(grads[node.name]) if node.name in grads else "?"
        artists.append(ax.text(x, y, f"{node.name}\nvalue {value}\ngrad {grad}", ha="center", va="center",
                               fontsize=9, zorder=3, linespacing=1.25))
        if node.op != "input":
            wide = 0.62 if node.op == "square_error" else OP_R  # half the width of the operation's box
            ox = x - BOX_W / 2 - 0.25 - wide
            artists.append(ax.add_patch(FancyBboxPatch((ox - wide, y - OP_R), 2 * wide, 2 * OP_R, zorder=2,
                                                       boxstyle=f"round,pad=0,rounding_size={OP_R}",
                                                       facecolor="#eeeeee", edgecolor="black")))
            artists.append(ax.text(ox, y, SYMBOLS[node.op], ha="center", va="center", zorder=3,
                                   fontsize=9 if node.op == "square_error" else 11))
            artists.append(ax.annotate("", (x - BOX_W / 2, y), (ox + wide, y), arrowprops={"arrowstyle": "->"}))
            for name in node.inputs:
                ix, iy = places[name]
                beside = ix + BOX_W / 2 < ox - wide  # else the arrow enters from above or below
                end = (ox - wide, y) if beside else (ox, y + OP_R * np.sign(iy - y))
                artists.append(ax.annotate("", end, (ix + BOX_W / 2, iy), zorder=1,
                                           arrowprops={"arrowstyle": "->", "color": COLORS["grey"], "lw": 1.2}))
    xs, ys = [p[0] for p in places.values()], [p[1] for p in places.values()]
    ax.set(xlim=(min(xs) - BOX_W / 2 - 0.2, max(xs) + BOX_W / 2 + 0.2), ylim=(min(ys) - 0.6, max(ys) + 0.6),
           aspect="equal", xticks=[], yticks=[])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [Patch(facecolor=COLORS["class0"], edgecolor="black", label="data (given)"),
               Patch(facecolor=COLORS["keras"], edgecolor="black", label="weight (learned)"),
               Patch(facecolor="white", edgecolor="black", label="computed")]
    handles += [Patch(facecolor="white", edgecolor=COLORS["class1"], lw=3, label="this step")] if current else []
    ax.legend(handles=handles, loc="upper right", fontsize=8, framealpha=0.95)
    if title:
        ax.set_title(title, fontsize=11)
    return artists


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
            saved = w[i]
            w[i] = saved + epsilon
            up = loss()
            w[i] = saved - epsilon
            down = loss()
            w[i] = saved
            g[i] = (up - down) / (2 * epsilon)
        grads.append(g)
    return grads


def gradient_report(backward_fn, case=None, epsilon=1e-6):
    """{"dL_dW1": relative error, ...}: backward_fn(x, y, W1, b1, W2, b2) -> {"dL_dW1": ..., ...} against centred
    differences of two_layer_loss, in float64 on `case` (default two_layer_case())."""
    x, y, params = case or two_layer_case()
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    got = backward_fn(x, y, **params)
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
    report = gradient_report(backward_fn, case)
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


class BackpropWalkthrough:
    """Lesson 04: Next / Back walk through backprop_steps(g): forward values first, then gradients flowing back."""

    def __init__(self, g=None):
        import ipywidgets as widgets

        from nnlab.lab.render import figure

        self.graph = g or neuron_graph()
        self.steps, self.fig = backprop_steps(self.graph), figure(11, 4.6)
        self.ax = self.fig.subplots()
        self.slider = widgets.IntSlider(value=0, min=0, max=len(self.steps) - 1, description="step")
        back, ahead = widgets.Button(description="◀ Back"), widgets.Button(description="Next ▶")
        back.on_click(lambda _: self.show(self.slider.value - 1))
        ahead.on_click(lambda _: self.show(self.slider.value + 1))
        self.slider.observe(lambda change: self.show(change["new"]), names="value")
        self.image, self.text = widgets.Image(format="png"), widgets.HTML()
        self.widget = widgets.VBox([widgets.HBox([back, ahead, self.slider]), self.text, self.image])
        self.show(0)

    def show(self, number):
        """Draw step `number` (clipped to the first and last step) and return its Step."""
        from nnlab.lab.render import png

        step = self.steps[min(max(int(number), 0), len(self.steps) - 1)]
        self.slider.value = step.number  # re-enters show() only when the value changes
        draw_graph(self.ax, self.graph, step.values, step.grads, step.node,
                   f"Step {step.number} of {len(self.steps) - 1} ({step.phase})")
        self.text.value = f"<b>Step {step.number}.</b> {step.text}"
        self.image.value = png(self.fig)
        return step

    def __repr__(self):
        return f"BackpropWalkthrough(step={self.slider.value} of {len(self.steps) - 1})"

    def _repr_mimebundle_(self, **kwargs):
        return {**self.widget._repr_mimebundle_(**kwargs), "text/plain": repr(self)}


# The five steps of one training step, in order, and why each sits where it does (Reorder / check_order).
TRAINING_STEPS = ["architecture: choose the layers and their activations",
                  "forward pass: compute y_hat layer by layer, keeping each z and a",
                  "loss: compare y_hat with y in one number L",
                  "backward pass: dL/dW from the last layer back to the first",
                  "update: W <- W - learning_rate * dL/dW"]
TRAINING_WHY = dict(zip(TRAINING_STEPS, [
    "Without layers there is nothing to run: the architecture comes first (keras.Sequential).",
    "The forward pass needs the layers, and it produces the y_hat that the loss needs.",
    "The loss compares y_hat with y, so it needs the forward pass, and every gradient starts from it.",
    "The backward pass starts at the loss (dL/dL = 1) and reuses the z and a kept by the forward pass.",
    "The update needs the gradients, so it comes last; then the loop starts again at the forward pass."]))


def about(ratio):
    """A ratio rounded to 2 significant digits, written in full with thousands separators: 23871.4 -> '24,000'."""
    rounded = float(f"{check_float('ratio', ratio, low=0):.2g}")
    return f"{rounded:,.0f}" if rounded >= 10 else f"{rounded:g}"


def quiz():
    """Lesson 04's closing quiz: five questions, with feedback for every option (answers kept out of the notebook)."""
    from nnlab.course.quiz import Question, Quiz

    return Quiz([
        Question("In a node z = x · w with x = 2 and w = -1, the upstream gradient is dL/dz = 3. What is dL/dw?",
                 ["3", "6", "-3", "-6"], "6",
                 {"3": "That passes the gradient on unchanged, as an add would. A multiply scales it by the other "
                       "input.",
                  "6": "Yes: a multiply swaps its inputs, so w's gradient is dL/dz times x = 3 x 2.",
                  "-3": "That is dL/dz times w: the gradient of x, not of w.",
                  "-6": "Check the sign: dL/dz = 3 and x = 2 are both positive."}),
        Question("Why is a layer's dL/db the SUM of dL/dz over the samples of the batch?",
                 ["Because the loss is a sum", "Because b is used by every sample, and gradients add up where a "
                  "value is used several times", "It is a convention; the mean would work as well"],
                 "Because b is used by every sample, and gradients add up where a value is used several times",
                 {"Because the loss is a sum": "The loss is a mean; the 1/m is already inside dL/dz.",
                  "Because b is used by every sample, and gradients add up where a value is used several times":
                      "Yes: like c = a + a, every use of b sends back its share, and the shares add up.",
                  "It is a convention; the mean would work as well": "The mean would divide the true gradient by "
                                                                     "the batch size: a gradient check would fail."}),
        Question("A gradient check says: dL/dW2 and dL/db2 agree, dL/dW1 and dL/db1 disagree. Where is the bug?",
                 ["In the loss", "In a line for layer 2", "In a line after layer 2's gradients that both of layer 1's "
                  "gradients use", "In the finite differences"],
                 "In a line after layer 2's gradients that both of layer 1's gradients use",
                 {"In the loss": "A wrong loss gradient would make layer 2's gradients wrong too.",
                  "In a line for layer 2": "Layer 2's gradients pass the check.",
                  "In a line after layer 2's gradients that both of layer 1's gradients use":
                      "Yes: dL/da1 or dL/dz1, as in Exercise 2.",
                  "In the finite differences": "In float64 with a sensible epsilon, they are accurate to about 1e-9."}),
        Question("Why do frameworks compute gradients by backpropagation rather than finite differences?",
                 ["Finite differences give wrong answers",
                  "Backprop gets all N gradients for the cost of a forward and a backward pass; finite differences "
                  "need 2N forward passes",
                  "Backprop needs no forward pass"],
                 "Backprop gets all N gradients for the cost of a forward and a backward pass; finite differences "
                 "need 2N forward passes",
                 {"Finite differences give wrong answers": "In float64 they are accurate enough to check backprop; "
                                                           "they are just far too slow.",
                  "Backprop gets all N gradients for the cost of a forward and a backward pass; finite differences "
                  "need 2N forward passes": "Yes: thousands of times faster already for 2031 weights (section 7).",
                  "Backprop needs no forward pass": "It needs one: the backward pass reuses the z and a it kept."}),
        Question("In a deep stack of sigmoid layers with fresh weights, which layers' weights get the smallest "
                 "gradients?", ["The first layers", "The last layers", "All about the same"], "The first layers",
                 {"The first layers": "Yes: their gradient is multiplied by a slope of at most 0.25 at every layer "
                                      "on the way back.",
                  "The last layers": "They are closest to the loss and get the largest gradients.",
                  "All about the same": "Section 6 measured a factor of thousands between the first and the last."}),
    ])
