"""Measure the float32 rounding gaps that parity.py's tolerances rest on: python tests/parity_noise.py

Runs the 32 seeded cases of test_models.test_fit_trajectory_matches_keras and prints, per case, the largest
history gap and the largest final-weight gap between nnlab and Keras. Not collected by pytest.
"""

import warnings

import numpy as np

from parity import HISTORY_TOLERANCE, WEIGHTS_TOLERANCE, make_case
from test_models import _cases


def main():
    gaps = []
    for i, optimizer, loss, hidden, initializer, batch_size in _cases(20261121):
        model, keras_model, x, y = make_case(np.random.default_rng(i), optimizer, loss, hidden, initializer)
        kwargs = dict(epochs=8, batch_size=batch_size, shuffle=False, verbose=0, validation_data=(x[-8:], y[-8:]))
        ours = model.fit(x[:-8], y[:-8], **kwargs).history
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = keras_model.fit(x[:-8], y[:-8], **kwargs).history
        history = max(np.max(np.abs(np.subtract(ours[key], theirs[key]))) for key in ours)
        weights = max(np.max(np.abs(a - b)) for a, b in zip(model.get_weights(), keras_model.get_weights()))
        gaps.append((history, weights))
        print(f"case{i:<2} history {history:.2e}  weights {weights:.2e}  {optimizer}  batch {batch_size}")
    history, weights = np.max(gaps, axis=0)
    print(f"worst: history {history:.2e} (tolerance {HISTORY_TOLERANCE:g}), weights {weights:.2e} "
          f"(tolerance {WEIGHTS_TOLERANCE:g})")


if __name__ == "__main__":
    main()
