"""Set-up for a lesson in one call: seeds, quiet and deterministic TensorFlow, rounded prints, legible plots.

Every lesson's first code cell is `nnlab.course.setup()`, so the lesson body stays about the ideas
and "Restart & Run All" gives the same numbers every time (which is what lets CI compare stored outputs).
"""

import numpy as np

from nnlab import utils
from nnlab._checks import check_int, fail
from nnlab.lab.render import COLORS

import os

PLOT_STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (6.0, 3.6), "font.size": 10,
    "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9, "axes.grid": True, "grid.alpha": 0.3,
    "axes.prop_cycle": None,  # set in setup: the colour-blind-safe palette
}
# For a projector at 1280x720 read from the back of a room: figures fill the width, text twice the size.
PRESENTER_STYLE = {
    "figure.figsize": (11.0, 5.2), "font.size": 18, "axes.titlesize": 20, "axes.labelsize": 18,
    "xtick.labelsize": 16, "ytick.labelsize": 16, "legend.fontsize": 16, "lines.linewidth": 3.0,
    "lines.markersize": 9, "axes.linewidth": 1.5, "grid.alpha": 0.4,
}


def setup(seed=0, presenter=None):
    """Seed NumPy, nnlab and Keras; make TensorFlow quiet and deterministic; round prints; style plots.

    presenter=True (or the environment variable NNLAB_PRESENTER=1, so the lessons need no edit) styles plots
    for a projector: large fonts and thick lines. Returns the Keras module, imported without TensorFlow's
    start-up log lines.
    """
    seed = check_int("seed", seed, minimum=0)
    if presenter is None:
        presenter = os.environ.get("NNLAB_PRESENTER", "").lower() in ("1", "true", "yes")
    if not isinstance(presenter, bool):
        fail("presenter", "True, False or None (None: the NNLAB_PRESENTER environment variable)", presenter,
             error=TypeError)
    from nnlab.twin.backend import import_keras, import_tensorflow

    keras, tf = import_keras(), import_tensorflow()
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")  # no "triggered tf.function retracing" notes (they carry memory addresses)
    utils.set_random_seed(seed)  # nnlab's generator, and Keras's (Python, NumPy and TensorFlow seeds)
    np.set_printoptions(precision=4, suppress=True)
    _style_plots(presenter)
    print(f"Ready: NumPy, nnlab and Keras seeded with {seed}; prints rounded to 4 decimals.")
    if presenter:
        print("Presenter style: large plot fonts. In JupyterLab, View > Presentation Mode enlarges the text too.")
    return keras


def _style_plots(presenter=False):
    import matplotlib as mpl
    from cycler import cycler

    palette = [COLORS[k] for k in ("numpy", "keras", "green", "class1", "purple", "class0", "grey")]
    plain = {key: mpl.rcParamsDefault[key] for key in PRESENTER_STYLE}  # so setup() can also undo presenter=True
    style = {**plain, **PLOT_STYLE, **(PRESENTER_STYLE if presenter else {})}
    mpl.rcParams.update({**style, "axes.prop_cycle": cycler(color=palette)})
