"""The lab: settings, the run of both twins and its diagnosis, the Keras code for the settings, the figure,
and the Playground panel that only wires widgets to them.

It builds on the network and the twin; it never imports the course. `Settings`, `Lab` and `Result` are here;
the Playground (ipywidgets) loads on first use as `nnlab.lab.Playground` or `nnlab.Playground`.
"""

from nnlab.lab.run import STATES, Lab, Result, diagnose
from nnlab.lab.settings import HIDDEN_ACTIVATIONS, INITIALIZERS, OPTIMIZERS, Settings, build_model, keras_code, make_data



def __getattr__(name):
    """The Playground and the figure modules load on first use (`nnlab.lab.Playground`, `nnlab.lab.plots`)."""
    import importlib

    if name == "Playground":
        return importlib.import_module(f"{__name__}.playground").Playground
    if name in ("playground", "plots", "render", "replay"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
