"""Live widgets for the lessons: controls wired to one nnlab.course.explore function each, drawn into a PNG image.

plot_* functions take an Axes and arrays and return artists; a widget builds its Figure once and updates them.
A widget's text/plain repr names its settings (nbval checks it); the lesson calls its function in the next cell.
"""

import html

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Patch, Polygon
from matplotlib.ticker import MaxNLocator, NullFormatter

from nnlab import activations, initializers
from nnlab.course import explore
from nnlab._checks import Text, fail
from nnlab.lab.render import COLORS, figure, png

FONT = 10  # points: legible at 100 dpi
SOFTMAX_NOTE = ("softmax is not in this list: it shares probability among several units, "
                "so a single neuron's softmax always outputs 1.")


def _style(ax, title, xlabel, ylabel):
    """Title, axis labels and tick labels at legible sizes."""
    ax.set_title(title, fontsize=FONT + 1)
    ax.set_xlabel(xlabel, fontsize=FONT)
    ax.set_ylabel(ylabel, fontsize=FONT)
    ax.tick_params(labelsize=FONT - 1)


def plot_neuron_curve(ax, x, a):
    """A one-input neuron's output a against its input x, both (n,); returns [line]. Lesson 01."""
    ax.axhline(0, color=COLORS["grey"], lw=0.8)
    line, = ax.plot(x, a, color=COLORS["numpy"], lw=2)
    _style(ax, "1 input: a = activation(w1·x1 + b)", "input x1", "output a")
    return [line]


def plot_neuron_grid(ax, x1, x2, a, line):
    """A two-input neuron's output a (n2, n1) as a heat map over x1 (n1,), x2 (n2,), with its line z = 0. Lesson 01."""
    image = ax.imshow(a, origin="lower", extent=(x1[0], x1[-1], x2[0], x2[-1]), cmap="cividis", aspect="auto")
    boundary, = ax.plot(*line, color=COLORS["class1"], lw=2, ls="--", label="z = 0 (decision line)")
    ax.set(xlim=(x1[0], x1[-1]), ylim=(x2[0], x2[-1]))
    ax.figure.colorbar(image, ax=ax).set_label("output a", fontsize=FONT)
    ax.legend(loc="lower left", fontsize=FONT - 1, framealpha=0.9)
    _style(ax, "2 inputs: a = activation(w1·x1 + w2·x2 + b)", "input x1", "input x2")
    return [image, boundary]


def _shade(ax, z, mask):
    """Grey bands over the z where `mask` holds, spanning the full height of `ax`."""
    return ax.fill_between(z, 0, 1, where=mask, transform=ax.get_xaxis_transform(), color=COLORS["grey"],
                           alpha=0.3, lw=0)


def plot_activation(ax, z, a, da_dz, saturated):
    """An activation a(z), its slope da/dz and grey bands where it is saturated; all (n,). Lessons 01, 05."""
    ax.axhline(0, color=COLORS["grey"], lw=0.8)
    a_line, = ax.plot(z, a, color=COLORS["numpy"], lw=2, label="output a(z)")
    slope, = ax.plot(z, da_dz, color=COLORS["keras"], lw=2, ls="--", label="slope da/dz")
    band = Patch(color=COLORS["grey"], alpha=0.3, label=f"saturated: |da/dz| < {explore.SATURATION:g}")
    ax.legend(handles=[a_line, slope, band], loc="upper left", fontsize=FONT - 1, framealpha=0.9)
    _style(ax, "Activation and its slope", "pre-activation z", "value")
    return [a_line, slope, _shade(ax, z, saturated)]


def plot_loss_curve(ax, losses):
    """The loss after each step so far, (steps,); returns [line]. Lesson 02."""
    line, = ax.plot(np.arange(1, len(losses) + 1), losses, "o-", color=COLORS["numpy"], ms=3, lw=1.5)
    _style(ax, "Loss at each step (before its update)", "step", "loss (binary cross-entropy)")
    return [line]


def plot_ridges(ax, edges, heights, color, title, xlabel):
    """One histogram per layer stacked top (layer 1) to bottom: edges (bins + 1,), heights (layers, bins) in [0, 1]."""
    centers, depth = (edges[:-1] + edges[1:]) / 2, len(heights)
    x = np.concatenate([[edges[0]], centers, [edges[-1]]])
    ridges = [ax.add_patch(Polygon(np.column_stack([x, depth - 1 - i + 0.85 * np.pad(h, 1)]), facecolor=color,
                                   edgecolor=color, alpha=0.6)) for i, h in enumerate(heights)]
    ax.set(xlim=(edges[0], edges[-1]), ylim=(-0.1, depth))
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.set_yticks(np.arange(depth), [f"layer {depth - i}" for i in range(depth)])
    _style(ax, title, xlabel, "")
    return ridges


def plot_layer_spread(ax, activation_std, gradient_std):
    """The std of activations and of gradients per layer, (layers,) each, on a log scale; returns [line, line]."""
    layers, floor = np.arange(1, len(activation_std) + 1), 1e-8  # a std of 0 is drawn at the floor (log scale)
    lines = [ax.plot(layers, np.maximum(activation_std, floor), "o-", color=COLORS["numpy"], label="activations a")[0],
             ax.plot(layers, np.maximum(gradient_std, floor), "s--", color=COLORS["keras"], label="gradients dL/dz")[0]]
    ax.set_yscale("log")
    ax.yaxis.set_minor_formatter(NullFormatter())  # label powers of ten only
    ax.legend(loc="best", fontsize=FONT - 1)
    _style(ax, "Spread per layer", "layer", "standard deviation (log scale)")
    return lines


class _Explorer:
    """Shared wiring: controls -> compute() (one nnlab.course.explore call) -> show() (update artists) -> PNG image."""

    def _wire(self, fig, above=(), below=()):
        self.figure, self._quiet, self.result = fig, False, None
        self.image, self.message = widgets.Image(format="png"), widgets.HTML()
        for control in self.controls.values():
            if not isinstance(control, widgets.Button):
                control.observe(lambda change: None if self._quiet else self._safely(self._refresh), names="value")
        row = widgets.HBox(list(self.controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        self.widget = widgets.VBox([row, *above, self.image, self.message, *below])
        self._safely(self._refresh)

    def _safely(self, action):
        """Run `action`; on an error show "Could not update: ..." in the widget (and return None) instead of raising."""
        try:
            result = action()
        except Exception as error:  # a learner sees a short message, and the widget keeps working
            text = html.escape(str(error) if len(str(error)) < 300 else str(error)[:297] + "...")
            self.message.value = f'<span style="color:{COLORS["class1"]}"><b>Could not update:</b> {text}</span>'
            return None
        self.message.value = ""
        return result

    def _refresh(self):
        self.result = self.compute()
        self.show(self.result)
        self.image.value = png(self.figure)
        return self.result

    def update(self, **changes):
        """Set several controls at once (e.g. update(w1=2.0, b=-1.0)), redraw once, and return the new result."""
        unknown = sorted(set(changes) - set(self.controls))
        if unknown:
            fail("update", f"settings among {sorted(self.controls)}", Text(f"unknown {unknown}"), error=TypeError)

        def apply():
            self._quiet = True
            try:
                for name, value in changes.items():
                    self.controls[name].value = value
            finally:
                self._quiet = False
            return self._refresh()
        return self._safely(apply)

    def value(self, name):
        """The current value of control `name`."""
        return self.controls[name].value

    def __repr__(self):
        settings = (f"{k}={c.value!r}" for k, c in self.controls.items() if not isinstance(c, widgets.Button))
        return f"{type(self).__name__}({', '.join(settings)})"

    def _repr_mimebundle_(self, **kwargs):
        return {**self.widget._repr_mimebundle_(**kwargs), "text/plain": repr(self)}


class NeuronExplorer(_Explorer):
    """Lesson 01: one neuron, a = activation(w1 x1 + w2 x2 + b); move its weights and watch its output."""

    def __init__(self, w=(1.0, -0.5), b=0.0, activation="sigmoid"):
        self.controls = {name: widgets.FloatSlider(value=value, min=-5.0, max=5.0, step=0.1, description=name)
                         for name, value in (("w1", w[0]), ("w2", w[1]), ("b", b))}
        self.controls["activation"] = widgets.Dropdown(options=explore.NEURON_ACTIVATIONS, value=activation,
                                                       description="activation", tooltip=SOFTMAX_NOTE)
        (curve, grid), fig = self.compute(), figure(10, 3.8)
        ax_curve, ax_grid = fig.subplots(1, 2)
        self.artists = plot_neuron_curve(ax_curve, curve.x, curve.a) + plot_neuron_grid(
            ax_grid, grid.x1, grid.x2, grid.a, grid.line)
        self._wire(fig, above=[widgets.HTML(f"<small>{SOFTMAX_NOTE}</small>")])

    def compute(self):
        """(neuron_curve(w1, b, activation), neuron_grid((w1, w2), b, activation)) for the current controls."""
        w1, w2, b, activation = (self.value(k) for k in ("w1", "w2", "b", "activation"))
        return explore.neuron_curve(w1, b, activation), explore.neuron_grid([w1, w2], b, activation)

    def show(self, result):
        (curve, grid), (line, image, boundary) = result, self.artists
        low, high = explore.output_range(self.value("activation"), np.concatenate([curve.a, grid.a.ravel()]))
        line.set_ydata(curve.a)
        line.axes.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
        image.set_data(grid.a)
        image.set_clim(low, high)
        boundary.set_data(*grid.line)

    def __repr__(self):
        w1, w2, b, activation = (self.value(k) for k in ("w1", "w2", "b", "activation"))
        return f"NeuronExplorer(w=({w1!r}, {w2!r}), b={b!r}, activation={activation!r})"


class ActivationExplorer(_Explorer):
    """Lessons 01, 05: an activation, its slope, and where it saturates (|da/dz| < 0.01: gradients vanish there)."""

    def __init__(self, activation="sigmoid", z_range=(-6.0, 6.0)):
        self.controls = {
            "activation": widgets.Dropdown(options=sorted(activations.ALL), value=activation, description="activation"),
            "z_range": widgets.FloatRangeSlider(value=z_range, min=-10, max=10, step=0.5, description="z range")}
        profile, fig = self.compute(), figure(6.4, 3.8)
        self.artists = plot_activation(fig.subplots(), *profile)
        self._wire(fig)

    def compute(self):
        """activation_profile(activation, z_range) for the current controls."""
        return explore.activation_profile(self.value("activation"), self.value("z_range"))

    def show(self, profile):
        a_line, slope, band = self.artists
        a_line.set_data(profile.z, profile.a)
        slope.set_data(profile.z, profile.da_dz)
        band.remove()
        self.artists[2] = _shade(a_line.axes, profile.z, profile.saturated)
        low, high = min(profile.a.min(), profile.da_dz.min()), max(profile.a.max(), profile.da_dz.max())
        a_line.axes.set(xlim=(profile.z[0], profile.z[-1]),  # room above the curves for the legend
                        ylim=(low - 0.08 * (high - low) - 0.05, high + 0.25 * (high - low) + 0.05))
        name = self.value("activation")
        name = "softmax: unit 1 of softmax([z, 0])" if name == "softmax" else name
        a_line.axes.set_title(f"{name}: output and slope", fontsize=FONT + 1)


class GradientDescentExplorer(_Explorer):
    """Lessons 02, 04: press Step to run forward, loss, backward and update once on XOR, and read every number."""

    def __init__(self, learning_rate=0.5, seed=0):
        self.stepper, self.last = explore.GradientDescentStepper(learning_rate, seed), None
        self.controls = {"learning_rate": widgets.FloatText(value=learning_rate, step=0.1, description="learning rate",
                                                            style={"description_width": "initial"}),
                         "step": widgets.Button(description="Step"), "reset": widgets.Button(description="Reset")}
        self.controls["step"].on_click(lambda _: self.step())
        self.controls["reset"].on_click(lambda _: self.reset())
        fig, self.panel = figure(6.4, 3.2), widgets.HTML()
        self.artists = plot_loss_curve(fig.subplots(), [])
        self._wire(fig, below=[self.panel])

    def compute(self):
        """Apply the learning rate from its box; return the last StepRecord (None before the first step)."""
        self.stepper.learning_rate = self.value("learning_rate")
        return self.last

    def step(self, n=1):
        """Run n steps of gradient descent (what the Step button does) and return the last StepRecord."""
        def run():
            self.compute()  # the learning rate in the box applies to this step
            for _ in range(n):
                self.last = self.stepper.step()
            return self._refresh()
        return self._safely(run)

    def reset(self):
        """Back to the starting weights, with no steps taken (the Reset button)."""
        self.stepper.reset()
        self.last = None
        return self._safely(self._refresh)

    def show(self, record):
        line, losses = self.artists[0], self.stepper.losses
        line.set_data(np.arange(1, len(losses) + 1), losses)
        line.axes.set(xlim=(0.5, max(10, len(losses)) + 0.5), ylim=(0, 1.1 * max(losses, default=1.0)))
        text = "Press Step to run one step of gradient descent on the 4 XOR samples." if record is None else \
            explore.format_step(record, self.stepper.weight_names(), self.stepper.learning_rate)
        self.panel.value = f'<pre style="font-size:12px; line-height:1.3">{html.escape(text)}</pre>'

    def __repr__(self):
        return f"{super().__repr__()[:-1]}, steps={len(self.stepper.losses)})"


class InitializationExplorer(_Explorer):
    """Lesson 05: how the initializer and activation shape the activations and gradients of a deep network."""

    def __init__(self, depth=8, width=64, activation="tanh", initializer="glorot_uniform"):
        slow = {"continuous_update": False}  # recompute on release, not on every pixel of a drag
        self.controls = {
            "depth": widgets.IntSlider(value=depth, min=1, max=12, description="depth", **slow),
            "width": widgets.IntSlider(value=width, min=2, max=128, description="width", **slow),
            "activation": widgets.Dropdown(options=explore.NEURON_ACTIVATIONS, value=activation,
                                           description="activation"),
            "initializer": widgets.Dropdown(options=sorted(initializers.ALIASES), value=initializer,
                                            description="initializer")}
        fig, stats, self.verdict = figure(11, 4.6), self.compute(), widgets.HTML()
        self.axes = fig.subplots(1, 3, width_ratios=[1, 1, 0.9])
        self.artists = plot_layer_spread(self.axes[2], stats.activation_std, stats.gradient_std)
        self._wire(fig, above=[self.verdict])

    def compute(self):
        """layer_statistics(depth, width, activation, initializer) for the current controls."""
        return explore.layer_statistics(*(self.value(k) for k in ("depth", "width", "activation", "initializer")))

    def show(self, stats):
        for ax, arrays, key, title, xlabel in (
                (self.axes[0], stats.activations, "numpy", "Activations a per layer", "activation a"),
                (self.axes[1], stats.gradients, "keras", "Gradients dL/dz per layer", "gradient dL/dz")):
            ax.clear()  # the number of layers can change: redraw this Axes' ridges only
            plot_ridges(ax, *explore.histograms(arrays), COLORS[key], title, xlabel)
        layers, floor = np.arange(1, len(stats.activation_std) + 1), 1e-8  # a std of 0 is drawn at the floor
        for line, std in zip(self.artists, (stats.activation_std, stats.gradient_std)):
            line.set_data(layers, np.maximum(std, floor))
        values = np.maximum(np.concatenate([stats.activation_std, stats.gradient_std]), floor)
        self.axes[2].set(xlim=(0.5, len(layers) + 0.5), xticks=layers, ylim=(min(values.min() / 3, values.max() / 100), values.max() * 3))
        text = explore.verdict(stats)
        self.figure.suptitle(f"Verdict: {text}", fontsize=FONT + 2)
        self.verdict.value = f"<b>Verdict:</b> {html.escape(text)}"
