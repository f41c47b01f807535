"""Speed of the live Playground: one control change, first use, and the fast Keras path against naive fit.

Targets (default settings, warm, this 2-core CPU): a control change (retrain both twins for 300 epochs and
redraw) in <= 0.5 s; the NumPy side <= 0.05 s; the Keras fast path >= 20x faster than the naive per-epoch
loop model.fit(x, y, epochs=300, batch_size=200), with the same loss history as nnlab (< 1e-3); first use
after import <= 3 s. Run: python benchmarks/bench_lab.py
"""

import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")


def timed(function):
    begin = time.perf_counter()
    value = function()
    return time.perf_counter() - begin, value


def main():
    import_nnlab, _ = timed(lambda: __import__("nnlab.lab.playground"))
    import_keras, keras = timed(lambda: __import__("keras"))
    from nnlab import lab, to_keras
    from nnlab.lab.playground import Playground

    first_use, playground = timed(Playground)
    for rate in (0.2, 0.1):  # warm both learning rates once
        playground.update(learning_rate=rate)
    changes = [timed(lambda r=r: playground.update(learning_rate=r)) for r in (0.2, 0.1) * 5]
    total = statistics.median(t for t, _ in changes)
    numpy_side = statistics.median(r.numpy_seconds for _, r in changes)
    keras_side = statistics.median(r.keras_seconds for _, r in changes)
    parity = max(r.parity for _, r in changes)

    settings = lab.Settings().checked()
    x, y = lab.make_data(settings)
    naive = to_keras(lab.build_model(settings))
    naive.fit(x, y, epochs=1, batch_size=200, verbose=0)  # warm: trace once
    naive_seconds, _ = timed(lambda: naive.fit(x, y, epochs=300, batch_size=200, verbose=0, shuffle=False))

    rows = [("import nnlab.lab.playground", import_nnlab, None), ("import keras (TensorFlow)", import_keras, None),
            ("first Playground() after imports", first_use, 3.0), ("one control change, total", total, 0.5),
            ("  NumPy side (300 epochs)", numpy_side, 0.05), ("  Keras fast path (300 epochs)", keras_side, None),
            ("  naive Keras fit(epochs=300)", naive_seconds, None)]
    print(f"{'measure':<36} {'seconds':>9} {'target':>8}")
    for name, seconds, target in rows:
        print(f"{name:<36} {seconds:>9.3f} {'' if target is None else f'<= {target:g}':>8}")
    print(f"{'naive / fast Keras':<36} {naive_seconds / keras_side:>8.1f}x {'>= 20x':>8}")
    print(f"{'largest NumPy-Keras loss difference':<36} {parity:>9.1e} {'< 1e-3':>8}")


if __name__ == "__main__":
    main()
