"""The course: what the lessons use around the network, the twin and the lab: lesson set-up, explorers and
their thin widgets, quizzes and exercise checks, diagrams, evaluation plots and lesson helpers.

It may import every other part; nothing else imports it. Every lesson starts with `nnlab.course.setup()`.
"""

from nnlab.course.lesson import setup



def __getattr__(name):
    """Submodules load on first use: `nnlab.course.explore` works after `import nnlab`."""
    import importlib.util

    if importlib.util.find_spec(f"{__name__}.{name}") is not None:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
