"""Lesson 04's picture and widgets: the computation graph drawn as micrograd does, a step-through walkthrough of
backprop, and the closing quiz.

`layout` and `draw_graph` (takes an Axes, returns artists) first, then the thin widget over
nnlab.course.backprop.backprop_steps. It imports nnlab.course.backprop (the graph, its steps and checks);
backprop imports neither this module nor matplotlib nor ipywidgets.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import FancyBboxPatch, Patch

from nnlab.course.backprop import SYMBOLS, backprop_steps, neuron_graph, rounded
from nnlab.course.quiz import Question, Quiz
from nnlab.lab.render import COLORS, figure, png


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
    ax.clear()
    places, artists = {n: (c * GAP, -r) for n, (c, r) in layout(g).items()}, []
    for node in g.nodes:
        x, y = places[node.name]
        edge, lw = (COLORS["class1"], 3.0) if node.name == current else ("black", 1.0)
        artists.append(ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H, facecolor=_fill(
            g, node.name), alpha=0.9, edgecolor=edge, lw=lw, boxstyle="round,pad=0.02", zorder=2)))
        value = rounded(values[node.name]) if node.name in values else "?"
        grad = rounded(grads[node.name]) if node.name in grads else "?"
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


class BackpropWalkthrough:
    """Lesson 04: Next / Back walk through backprop_steps(g): forward values first, then gradients flowing back."""

    def __init__(self, g=None):
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


def quiz():
    """Lesson 04's closing quiz: five questions, with feedback for every option (answers kept out of the notebook)."""
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
                  "In the finite differences": "In float64 with a sensible epsilon, they are accurate far below "
                                               "the 1e-6 bound (section 5)."}),
        Question("Why do frameworks compute gradients by backpropagation rather than finite differences?",
                 ["Finite differences give wrong answers",
                  "Backprop gets all N gradients from one forward and one backward pass; finite differences need 2N "
                  "forward passes",
                  "Backprop needs no forward pass"],
                 "Backprop gets all N gradients from one forward and one backward pass; finite differences need 2N "
                 "forward passes",
                 {"Finite differences give wrong answers": "In float64 they are accurate enough to check backprop; "
                                                           "they are just far too slow.",
                  "Backprop gets all N gradients from one forward and one backward pass; finite differences need 2N "
                  "forward passes":
                      "Yes: for the 2,031 weights of section 7, that is 4,062 forward passes against about two or "
                      "three.",
                  "Backprop needs no forward pass": "It needs one: the backward pass reuses the z and a it kept."}),
        Question("In a deep stack of sigmoid layers with fresh weights, which layers' weights get the smallest "
                 "gradients?", ["The first layers", "The last layers", "All about the same"], "The first layers",
                 {"The first layers": "Yes: their gradient is multiplied by a slope of at most 0.25 at every layer "
                                      "on the way back.",
                  "The last layers": "They are closest to the loss and get the largest gradients.",
                  "All about the same": "Section 6 measured about 1/24,000 for the first layer of a 7-layer "
                                         "sigmoid stack, against its output layer."}),
    ])
