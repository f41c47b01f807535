"""The Keras twin: the one quiet TensorFlow import, to_keras / from_keras / make_twins, compare, fastfit.

It builds on the network (nnlab's top-level modules) and imports TensorFlow only when first asked; it never
imports matplotlib or ipywidgets, the lab or the course.
"""



def __getattr__(name):
    """Submodules load on first use: `nnlab.twin.fastfit` works after `import nnlab`."""
    import importlib.util

    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
