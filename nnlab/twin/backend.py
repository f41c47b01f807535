"""The one quiet way to import TensorFlow and Keras: every part of nnlab that needs them comes through here.

TensorFlow prints C++ start-up lines (CUDA, oneDNN) before its log settings apply; in JupyterLab they show as a
red wall in the first lesson. Importing it through `import_keras` sends them nowhere.
"""

import contextlib
import os
import sys


@contextlib.contextmanager
def _quiet_stderr():
    """Send what C++ code writes to file descriptor 2 to /dev/null for a moment (Python's own errors still raise).

    TensorFlow logs lines such as "Could not find cuda drivers" before its log settings apply, so neither
    TF_CPP_MIN_LOG_LEVEL nor Python can stop them; in JupyterLab they show as a red wall in the first lesson.
    """
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_keras():
    """Import Keras (TensorFlow backend) without TensorFlow's start-up log lines; the first call takes seconds."""
    if "keras" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the same float32 results on every machine
        with _quiet_stderr():
            import tensorflow as tf

            tf.config.list_physical_devices("GPU")  # looks for CUDA now, while its complaints go nowhere
    import keras

    return keras


def import_tensorflow():
    """TensorFlow itself, imported the quiet way (through import_keras)."""
    import_keras()
    import tensorflow

    return tensorflow
