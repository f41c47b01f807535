"""Speed of the live Playground against the floor for the same work, measured in the same run on this machine.

One control change (retrain both twins for 300 full-batch epochs, record the replay frames, redraw, encode the
PNG) must take at most 1.3x the floor: a bare NumPy loop doing the same 300 steps + the Keras fast path alone
+ a bare 4-panel matplotlib redraw to PNG of the same figure size and dpi. A replayed epoch (pg.show_epoch,
warm) must take at most 0.15 s. Medians of several warm runs. Run: python benchmarks/bench_lab.py
"""

import io
import os
import statistics
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.simplefilter("ignore")

import numpy as np  # noqa: E402

RUNS = 9


def median_seconds(function, runs=RUNS):
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        function()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def bare_numpy_fit(x, y, weights, learning_rate, epochs):
    """The floor for nnlab's fit: the same full-batch SGD steps of a tanh network with a sigmoid output and binary
    cross-entropy, written as one plain loop (no checks, no metrics, no divergence guard)."""
    weights = [w.copy() for w in weights]
    y = y.reshape(-1, 1).astype(np.float32)
    for _ in range(epochs):
        activations = [x]
        for i in range(0, len(weights), 2):
            z = activations[-1] @ weights[i] + weights[i + 1]
            activations.append(np.tanh(z) if i + 2 < len(weights) else 1 / (1 + np.exp(-z)))
        dz = (activations[-1] - y) / len(x)  # (n, 1): the sigmoid and the cross-entropy together
        for i in range(len(weights) - 2, -1, -2):
            grad_kernel, grad_bias = activations[i // 2].T @ dz, dz.sum(axis=0)
            if i:
                dz = (dz @ weights[i].T) * (1 - activations[i // 2] ** 2)
            weights[i] -= learning_rate * grad_kernel
            weights[i + 1] -= learning_rate * grad_bias
    return weights


def bare_figure():
    """The floor for drawing: a 4-panel figure (two curves twice, two 60x60 images) of the Playground's size."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.0, 7.0), dpi=80)
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 2)
    lines = [ax.plot([], [])[0] for ax in axes[0] for _ in range(2)]
    images = [ax.imshow(np.zeros((60, 60)), vmin=0, vmax=1) for ax in axes[1]]
    rng = np.random.default_rng(0)

    def redraw():
        for line in lines:
            line.set_data(np.arange(300), rng.random(300))
        for image in images:
            image.set_data(rng.random((60, 60)))
        for ax in axes[0]:
            ax.relim()
            ax.autoscale_view()
        buffer = io.BytesIO()
        fig.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
        return buffer.getvalue()
    return redraw


def main():
    from nnlab import lab
    from nnlab.lab.playground import Playground
    from nnlab.twin import fastfit

    playground = Playground()
    settings = lab.Settings(learning_rate=0.1).checked()
    x, y = lab.make_data(settings)
    model = lab.build_model(settings)
    start, twin = model.get_weights(), fastfit.to_fast_keras(model, record_frames=False)  # no replay frames
    redraw = bare_figure()
    floor_parts = {"numpy": lambda: bare_numpy_fit(x, y, start, 0.1, 300), "redraw": redraw,
                   "keras": lambda: fastfit.fast_fit(twin, x, y.astype(np.float32), 300, initial_weights=start,
                                                     learning_rate=0.1)}
    for rate in (0.2, 0.1):  # warm: both learning rates once, and every part of the floor
        playground.update(learning_rate=rate)
    for part in floor_parts.values():
        part()
    totals, parts, floors = [], [], {name: [] for name in floor_parts}
    for rate in (0.2, 0.1) * ((RUNS + 1) // 2):  # interleaved, so a busy moment slows both sides alike
        begin = time.perf_counter()
        playground.update(learning_rate=rate)
        totals.append(time.perf_counter() - begin)
        parts.append(playground.seconds)
        for name, function in floor_parts.items():
            floors[name].append(median_seconds(function, runs=1))
    total = statistics.median(totals)
    part = {name: statistics.median(p[name] for p in parts) for name in parts[0]}
    part["drawing"] = total - sum(part[k] for k in ("numpy", "keras", "snapshots", "frame", "encode"))  # the rest
    bare_numpy, keras_alone, bare_draw = (statistics.median(floors[name]) for name in ("numpy", "keras", "redraw"))
    floor = bare_numpy + keras_alone + bare_draw

    replay = [playground.show_epoch(epoch) for epoch in (1, 299)]  # warm
    show_epoch = median_seconds(lambda e=iter(range(10, 300, 7)): playground.show_epoch(next(e)))

    rows = [("floor: bare NumPy loop (300 steps)", bare_numpy), ("floor: Keras fast path alone", keras_alone),
            ("floor: bare 4-panel redraw to PNG", bare_draw), ("floor, total", floor),
            ("update: nnlab fit (+ frames)", part["numpy"]), ("update: Keras fast path (+ frames)", part["keras"]),
            ("update: snapshots (scales, events)", part["snapshots"]), ("update: frame (grids, histograms)",
                                                                       part["frame"]),
            ("update: drawing (blitted) and the rest", part["drawing"]), ("update: PNG encode", part["encode"]),
            ("one control change, total", total)]
    print(f"{'measure (median of ' + str(len(totals)) + ' warm runs)':<40} {'seconds':>8}")
    for name, seconds in rows:
        print(f"{name:<40} {seconds:>8.3f}")
    print(f"{'ratio: control change / floor':<40} {total / floor:>8.2f}   (target <= 1.3)")
    print(f"{'nnlab fit / bare NumPy loop':<40} {part['numpy'] / bare_numpy:>8.2f}")
    print(f"{'pg.show_epoch(epoch), warm':<40} {show_epoch:>8.3f}   (target <= 0.15 s)")
    print(f"{'largest NumPy-Keras loss difference':<40} {playground.result.parity:>8.1e}   (< 1e-3)")
    assert len(replay[0].png) > 1000


if __name__ == "__main__":
    main()
