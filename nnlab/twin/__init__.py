"""The Keras twin: the one quiet TensorFlow import, to_keras / from_keras / make_twins, compare, fastfit.

It builds on the network (nnlab's top-level modules) and imports TensorFlow only when first asked; it never
imports matplotlib or ipywidgets, the lab or the course.
"""
