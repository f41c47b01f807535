"""The Playground: a live panel that retrains the NumPy network and its Keras twin on every control change.

This module only wires ipywidgets controls to `nnlab.lab` (the training) and `nnlab.lab.plots` (the figure).
Headless use: `pg.update(learning_rate=1.0)` retrains and redraws and returns the `nnlab.lab.Result`;
`pg.controls["learning_rate"].value = 1.0` does the same through the control. Lesson 02 introduces it.

After each run a Play button and a "replay epoch" slider replay training from the weights both twins recorded
while training (every epoch up to 1000 epochs): `pg.show_epoch(40)` draws epoch 40 without retraining and returns
the `nnlab.lab.replay.Frame` it drew. The figure is blitted: static parts are redrawn only when an axis moves.

The controls always show what ran. A setting no control can show (a learning rate beyond the slider, layers of
different widths) is refused before anything runs, with the range and how to run it with nnlab.lab.Lab instead;
a batch size missing from the dropdown becomes one of its options. A refused change changes nothing.
"""

import html
import time
from dataclasses import replace

import ipywidgets as widgets
import numpy as np

from nnlab import datasets
from nnlab._checks import Text, fail
from nnlab.lab import plots, run, settings as lab_settings
from nnlab.lab.render import Blitter
from nnlab.lab.replay import Replay

BATCH_SIZES = (("full batch", 0), ("1", 1), ("8", 8), ("16", 16), ("32", 32), ("64", 64))  # 0: None (a Dropdown
# cannot hold None as a value: it means "nothing selected"); another batch size is added as an option when asked for
OPTIMIZER_LABELS = {"sgd": "SGD", "momentum": "SGD + momentum 0.9", "adam": "Adam", "rmsprop": "RMSprop"}
STATE_COLORS = {"ok": "#009E73", "diverged": "#D55E00", "stuck": "#D55E00", "vanishing": "#E69F00",
                "saturated": "#E69F00", "dead": "#E69F00", "slow": "#E69F00"}


def _controls(settings):
    """One widget per setting, all with continuous_update=False so a drag trains once, on release."""
    style, quiet = {"description_width": "110px"}, {"continuous_update": False}
    hidden = settings.hidden
    return {
        "learning_rate": widgets.FloatLogSlider(settings.learning_rate, min=-4, max=1, base=10, step=0.25,
                                                description="learning rate", readout_format=".4g", style=style, **quiet),
        "activation": widgets.Dropdown(options=lab_settings.HIDDEN_ACTIVATIONS, value=settings.activation,
                                       description="activation", style=style),
        "initializer": widgets.Dropdown(options=lab_settings.INITIALIZERS, value=settings.initializer,
                                        description="initializer", style=style),
        "optimizer": widgets.Dropdown(options=[(OPTIMIZER_LABELS.get(k, k), k) for k in lab_settings.OPTIMIZERS],
                                      value=settings.optimizer, description="optimizer", style=style),
        "layers": widgets.IntSlider(len(hidden), min=0, max=8, description="hidden layers", style=style, **quiet),
        "units": widgets.IntSlider(hidden[0] if hidden else 4, min=1, max=8, description="units per layer",
                                   style=style, **quiet),
        "dataset": widgets.Dropdown(options=sorted(datasets.TOY_DATASETS), value=settings.dataset,
                                    description="data set", style=style),
        "noise": widgets.FloatSlider(settings.noise, min=0, max=1, step=0.05, description="noise", style=style, **quiet),
        "epochs": widgets.IntSlider(settings.epochs, min=1, max=1000, description="epochs", style=style, **quiet),
        "batch_size": widgets.Dropdown(options=_batch_options(BATCH_SIZES, settings.batch_size or 0),
                                       value=settings.batch_size or 0, description="batch size", style=style),
        "seed": widgets.BoundedIntText(settings.seed, min=0, max=10**6, description="seed", style=style),
    }


def _batch_options(options, batch_size):
    """The batch-size dropdown's (label, size) options, with `batch_size` added in order if it is missing."""
    if batch_size in [size for _, size in options]:
        return tuple(options)
    return tuple(sorted([*options, (str(batch_size), batch_size)], key=lambda option: option[1]))


def _shown_values(settings, units):
    """What each control must show for `settings` (`units`: the units slider's value when there is no layer)."""
    return {**{name: getattr(settings, name) for name in ("learning_rate", "activation", "initializer",
                                                          "optimizer", "dataset", "noise", "epochs", "seed")},
            "layers": len(settings.hidden), "units": settings.hidden[0] if settings.hidden else units,
            "batch_size": settings.batch_size or 0}


def _check_controls_show(settings, controls):
    """Refuse settings a control cannot show (a slider's range, a dropdown's options), before anything runs.

    A batch size missing from its dropdown is not refused: the dropdown gains it as an option.
    """
    if len(set(settings.hidden)) > 1:
        fail("hidden", "the same width in every layer (the panel shows hidden = (units,) * layers)",
             settings.hidden, _elsewhere("hidden", settings.hidden))
    for name, value in _shown_values(settings, controls["units"].value).items():
        control = controls[name]
        if isinstance(control, widgets.Dropdown):
            choices = [option[1] if isinstance(option, tuple) else option for option in control.options]
            if name != "batch_size" and value not in choices:
                fail(name, f"one of the panel's options {choices}", value, _elsewhere(name, value))
            continue
        low, high = (control.base ** control.min, control.base ** control.max) if hasattr(control, "base") \
            else (control.min, control.max)
        if not low * (1 - 1e-9) <= value <= high * (1 + 1e-9):
            field = "hidden" if name == "units" else name
            bounds = ", ".join(f"{end:g}" if isinstance(end, float) else str(end) for end in (low, high))
            fail(field, f"within the range of the panel's {control.description} control, [{bounds}]",
                 getattr(settings, field), _elsewhere(field, getattr(settings, field)))


def _elsewhere(name, value):
    """How to run a value the panel cannot show: with the engine itself, outside the panel."""
    call = f"nnlab.lab.Lab().run(nnlab.lab.Settings({name}={value!r}))"
    return f"Settings accepts it: run it outside the panel with {call}."


class Playground:
    """Both twins trained side by side on 2-D data, with loss/accuracy curves, decision boundaries and histograms."""

    def __init__(self, dataset="moons", n_samples=200, noise=0.2, hidden=(4, 4), activation="tanh",
                 initializer="glorot_uniform", optimizer="sgd", learning_rate=0.1, epochs=300, batch_size=None,
                 seed=0, x=None, y=None):
        self.settings = lab_settings.Settings(dataset, n_samples, noise, hidden, activation, initializer, optimizer,
                                              learning_rate, epochs, batch_size, seed, x, y).checked()
        self.lab, self.result, self._syncing = run.Lab(), None, False
        self.figure, self._artists = plots.lab_figure()
        self.controls = _controls(self.settings)
        _check_controls_show(self.settings, self.controls)  # raises before anything is trained
        self.rerun = widgets.Button(description="re-run (same initial weights)", layout={"width": "230px"})
        self.show_code = widgets.ToggleButton(description="show the Keras code", value=False,
                                              layout={"width": "230px"})
        self.image, self.status, self.code = widgets.Image(format="png"), widgets.HTML(), widgets.HTML()
        self.replay_epoch = widgets.IntSlider(0, min=0, max=1, description="replay epoch",
                                              style={"description_width": "110px"}, layout={"width": "520px"})
        self.play = widgets.Play(0, min=0, max=1, interval=250, description="play the run")
        widgets.jslink((self.play, "value"), (self.replay_epoch, "value"))
        self.replay_status, self.replay, self._blitter = widgets.HTML(), None, Blitter(self.figure)
        self.seconds = {}  # the last update's parts, in seconds (benchmarks/bench_lab.py prints them)
        self.widget = self._panel()  # the whole panel as one ipywidgets box
        self._wire()
        self.update()

    def _wire(self):
        for name, control in self.controls.items():
            control.observe(self._callback(name), names="value")
        self.rerun.on_click(lambda _: self._safely(self.update))
        self.show_code.observe(lambda _: self._safely(self._show_code), names="value")
        self.replay_epoch.observe(self._on_replay, names="value")

    def _on_replay(self, change):
        if not self._syncing:
            self._safely(self.show_epoch, epoch=change["new"])

    def _callback(self, name):
        def on_change(change):
            if not self._syncing:
                value = None if name == "batch_size" and change["new"] == 0 else change["new"]
                self._safely(self.update, **{name: value})
        return on_change

    def _safely(self, function, **kwargs):
        """Run a callback; show any error in the panel as one readable line, put the controls back on the last
        run, and keep the panel working."""
        try:
            function(**kwargs)
        except Exception as error:  # a learner's extreme setting must never freeze the panel
            self._sync_controls()
            self.status.value = (f'<b style="color:#D55E00">Could not update: {html.escape(str(error))}</b> '
                                 "The controls show the last run; change a setting to try again.")

    def update(self, **changes):
        """Apply `changes` (any Settings field, or layers/units), retrain both twins, redraw; return the Result.

        Settings the controls cannot show are refused before anything runs, and a refused change changes nothing.
        """
        settings = self._changed(changes)  # raises before anything changes
        result = self.lab.run(settings)
        begin = time.perf_counter()
        replay = Replay(result)
        self.seconds = {"numpy": result.numpy_seconds, "keras": result.keras_seconds,
                        "snapshots": time.perf_counter() - begin}
        plots.show_run(self._artists, replay)
        self.settings, self.result, self.replay = settings, result, replay
        self._draw(settings.epochs)
        self._sync_controls()
        self.status.value = self._status_html()
        self._show_code()
        return result

    def show_epoch(self, epoch):
        """Draw epoch `epoch` of the last run (0: before training) from the recorded weights, without retraining;
        returns the nnlab.lab.replay.Frame drawn, its PNG bytes included."""
        return self._draw(self.replay.check_epoch(epoch))

    def _draw(self, epoch):
        begin = time.perf_counter()
        frame = self.replay.frame(epoch)
        middle = time.perf_counter()
        plots.show_frame(self._artists, self.replay, frame)
        image = self._blitter.png(plots.changing(self.figure, self._artists), plots.layout(self.figure))
        self.seconds = {**self.seconds, "frame": middle - begin, **self._blitter.seconds}
        self.image.value = image
        self.replay_status.value = f'<div style="font-size:13px">{html.escape(frame.status)}</div>'
        self._sync_replay(epoch)
        return replace(frame, png=image)

    def _sync_replay(self, epoch):
        """Put the replay slider and Play button on `epoch`, with this run's range, without redrawing."""
        epochs, every = self.replay.epochs, int(self.result.frame_epochs[1])
        self._syncing = True
        try:
            for control in (self.replay_epoch, self.play):
                control.max, control.step = epochs, every if control is self.replay_epoch else max(every, epochs // 30)
                control.value = epoch
        finally:
            self._syncing = False

    def _changed(self, changes):
        """The settings after `changes`, checked by Settings and against what the controls can show."""
        unknown = sorted(set(changes) - set(self.controls) - set(lab_settings.Settings.__dataclass_fields__))
        if unknown:
            fail("changes", f"settings among {sorted(set(self.controls) | {'hidden', 'n_samples'})}",
                 Text(", ".join(unknown)))
        changes = dict(changes)
        layers, units = changes.pop("layers", None), changes.pop("units", None)
        if layers is not None or units is not None:  # the two sliders describe hidden = (units,) * layers
            layers = len(self.settings.hidden) if layers is None else layers
            changes["hidden"] = (self.controls["units"].value if units is None else units,) * layers
        settings = replace(self.settings, **changes).checked()
        _check_controls_show(settings, self.controls)
        return settings

    def _sync_controls(self):
        """Show the current settings on the controls without triggering another run."""
        self._syncing = True
        try:
            values = _shown_values(self.settings, self.controls["units"].value)
            batch = self.controls["batch_size"]
            options = _batch_options(batch.options, values["batch_size"])
            if options != batch.options:  # new options reset the value: it is set again just below
                batch.options = options
            for name, control in self.controls.items():
                if control.value != values[name]:
                    control.value = values[name]
        finally:
            self._syncing = False

    def _status_html(self):
        r = self.result
        color = STATE_COLORS[r.state]
        accuracy = r.numpy_history["accuracy"][-1]
        final = f"Final accuracy {accuracy:.0%}." if np.isfinite(accuracy) else "No final accuracy (NaN outputs)."
        return (f'<div style="font-size:14px"><b style="color:{color}">{r.state.upper()}</b> '
                f"{html.escape(r.message)} {final}<br>{html.escape(r.parity_text())}</div>")

    def _show_code(self):
        visible = self.show_code.value
        self.code.value = f"<pre>{html.escape(lab_settings.keras_code(self.settings))}</pre>" if visible else ""

    def _panel(self):
        c = self.controls
        column_1 = widgets.VBox([c["dataset"], c["noise"], c["epochs"], c["batch_size"], c["seed"]])
        column_2 = widgets.VBox([c["learning_rate"], c["optimizer"], c["activation"], c["initializer"]])
        column_3 = widgets.VBox([c["layers"], c["units"], self.rerun, self.show_code])
        replay = widgets.HBox([self.play, self.replay_epoch])
        return widgets.VBox([widgets.HBox([column_1, column_2, column_3]), self.status, replay, self.replay_status,
                             self.image, self.code])

    def _repr_mimebundle_(self, **kwargs):
        """The panel in a notebook; its text/plain form is the short repr (what nbval sees)."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        s = self.settings
        return (f"Playground(dataset={s.dataset!r}, n_samples={s.n_samples}, noise={s.noise:g}, hidden={s.hidden}, "
                f"activation={s.activation!r}, "
                f"initializer={s.initializer!r}, optimizer={s.optimizer!r}, learning_rate={s.learning_rate:g}, "
                f"epochs={s.epochs}, batch_size={s.batch_size}, seed={s.seed})")
