"""Set-up for a lesson in one call: seeds, quiet and deterministic TensorFlow, rounded prints, legible plots.

Every lesson's first code cell is `nnlab.course.setup()`, so the lesson body stays about the ideas
and "Restart & Run All" gives the same numbers every time (which is what lets CI compare stored outputs).
"""

import numpy as np

from nnlab import utils
from nnlab._checks import check_int
from nnlab.lab.render import COLORS

PLOT_STYLE = {
    "figure.dpi": 100, "savefig.dpi": 100, "figure.figsize": (6.0, 3.6), "font.size": 10,
    "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9, "axes.grid": True, "grid.alpha": 0.3,
    "axes.prop_cycle": None,  # set in setup: the colour-blind-safe palette
}


def setup(seed=0):
    """Seed NumPy, nnlab and Keras; make TensorFlow quiet and deterministic; round prints; style plots.

    Returns the Keras module, imported without TensorFlow's start-up log lines.
    """
    seed = check_int("seed", seed, minimum=0)
    from nnlab.twin.backend import import_keras, import_tensorflow

    keras, tf = import_keras(), import_tensorflow()
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")  # no "triggered tf.function retracing" notes (they carry memory addresses)
    utils.set_random_seed(seed)  # nnlab's generator, and Keras's (Python, NumPy and TensorFlow seeds)
    np.set_printoptions(precision=4, suppress=True)
    _style_plots()
    print(f"Ready: NumPy, nnlab and Keras seeded with {seed}; prints rounded to 4 decimals.")
    return keras


def _style_plots():
    import matplotlib as mpl
    from cycler import cycler

    palette = [COLORS[k] for k in ("numpy", "keras", "green", "class1", "purple", "class0", "grey")]
    mpl.rcParams.update({**PLOT_STYLE, "axes.prop_cycle": cycler(color=palette)})
