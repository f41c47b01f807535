"""Lesson 05's widget: the depth slider, a thin panel over `deep.depth_run` and `deep`'s plots."""

from nnlab._checks import check_int
from nnlab.course.deep import DEPTH_INITIALIZERS, depth_run, describe_run, plot_gradient_sizes, plot_losses


class DepthExplorer:
    """Lesson 05's depth slider: depth_run for a depth, initializer and optimizer; loss curve and gradient sizes."""

    def __init__(self, depth=30, initializer="he_normal", optimizer="sgd", epochs=150):
        import ipywidgets as widgets

        from nnlab.lab.render import figure, png

        self._png, self.epochs = png, check_int("epochs", epochs, minimum=1)
        slow = {"continuous_update": False}
        self.controls = {
            "depth": widgets.IntSlider(value=depth, min=1, max=40, description="depth", **slow),
            "initializer": widgets.Dropdown(options=DEPTH_INITIALIZERS, value=initializer, description="initializer"),
            "optimizer": widgets.Dropdown(options=[("SGD (0.01)", "sgd"), ("Adam (0.001)", "adam")],
                                          value=optimizer, description="optimizer")}
        self.figure, self.image, self.text = figure(10, 3.6), widgets.Image(format="png"), widgets.HTML()
        self.axes = self.figure.subplots(1, 2)
        for control in self.controls.values():
            control.observe(lambda change: self.refresh(), names="value")
        self.widget = widgets.VBox([widgets.HBox(list(self.controls.values())), self.text, self.image])
        self.result = self.refresh()

    def compute(self):
        """depth_run for the current controls (SGD at 0.01 or Adam at 0.001, Keras's default)."""
        optimizer = self.controls["optimizer"].value
        return depth_run(self.controls["depth"].value, self.controls["initializer"].value, optimizer,
                         0.01 if optimizer == "sgd" else 0.001, self.epochs)

    def refresh(self):
        """Recompute, redraw both panels, and show the one-line summary; returns the DepthRun."""
        try:
            run = self.compute()
        except Exception as error:  # the widget keeps working; the learner sees why
            self.text.value = f"<b>Could not update:</b> {error}"
            return None
        for ax in self.axes:
            ax.clear()
        plot_losses(self.axes[0], {run.initializer: run.loss}, f"Loss, {run.depth} ReLU layers")
        plot_gradient_sizes(self.axes[1], {run.initializer: run.gradient_rms})
        self.image.value, self.text.value, self.result = self._png(self.figure), describe_run(run), run
        return run

    def __repr__(self):
        values = ", ".join(f"{k}={c.value!r}" for k, c in self.controls.items())
        return f"DepthExplorer({values}, epochs={self.epochs})"

    def _repr_mimebundle_(self, **kwargs):
        return {**self.widget._repr_mimebundle_(**kwargs), "text/plain": repr(self)}

