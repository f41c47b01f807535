"""Time per epoch of fit: nnlab's NumPy reference network against its Keras twin, side by side in one run.

Two networks from the course: the 64-25-15-1 sigmoid network on the 8x8 digits 0 vs 1 (batch 32, Adam),
and a 2-4-4-1 tanh network on 200 moons (full batch, SGD). Both twins start from the same weights and train
with shuffle=False, so they do the same arithmetic; the script also prints how far their losses end apart.
Run: python benchmarks/bench_fit.py [--epochs N] [--repeats R]
"""

import argparse
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

import nnlab
from nnlab import Dense, Input, datasets


def digits_case():
    x, y = datasets.load_digits("binary")
    layers = [Input((64,)), Dense(25, "sigmoid"), Dense(15, "sigmoid"), Dense(1, "sigmoid")]
    return "digits 64-25-15-1, batch 32, Adam", layers, nnlab.optimizers.Adam(0.001), x, y, 32


def toy_case():
    x, y = datasets.make_moons(200, noise=0.2, seed=0)
    layers = [Input((2,)), Dense(4, "tanh"), Dense(4, "tanh"), Dense(1, "sigmoid")]
    return "moons 2-4-4-1, full batch (200), SGD", layers, nnlab.optimizers.SGD(0.1), x, y, 200


def seconds_per_epoch(model, x, y, batch_size, epochs, repeats):
    """The fastest of `repeats` timed fits, divided by epochs (weights reset before each, warm-up fit first)."""
    start_weights = model.get_weights()
    model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)  # warm-up: Keras traces here
    best, history = np.inf, None
    for _ in range(repeats):
        model.set_weights(start_weights)
        begin = time.perf_counter()
        history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
        best = min(best, time.perf_counter() - begin)
    return best / epochs, history.history["loss"]


def run(case, epochs, repeats):
    name, layers, optimizer, x, y, batch_size = case
    model, keras_model = nnlab.make_twins(layers, optimizer, "binary_crossentropy", seed=0)
    ours, our_losses = seconds_per_epoch(model, x, y, batch_size, epochs, repeats)
    theirs, their_losses = seconds_per_epoch(keras_model, x, y, batch_size, epochs, repeats)
    gap = float(np.max(np.abs(np.array(our_losses) - np.array(their_losses))))
    print(f"{name:<40} {len(x):>6} {ours * 1e3:>12.2f} {theirs * 1e3:>12.2f} {theirs / ours:>9.1f}x {gap:>12.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"fit time per epoch, best of {args.repeats} runs of {args.epochs} epochs (warm: after one epoch)")
    print(f"{'network':<40} {'samples':>6} {'nnlab ms':>12} {'Keras ms':>12} {'Keras/nnlab':>10} {'loss gap':>12}")
    for case in (digits_case(), toy_case()):
        run(case, args.epochs, args.repeats)


if __name__ == "__main__":
    main()
