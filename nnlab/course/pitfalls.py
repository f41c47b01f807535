"""Lesson 06's failure-mode lab: read error messages, run the sanity checks that catch silent failures, check a
repaired set-up, and the gallery of broken Playground settings.

Plain functions with deterministic text (nbval compares it); the network, the twin and the lab do the training.
"""

import math
import re

import numpy as np

from nnlab import activations, losses
from nnlab._checks import check_float, check_int, fail
from nnlab.layers import Dense, Input

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,16}")
_COUNTED = re.compile(r"\b(keras_tensor)_\d+\b")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:/[\w.\-]+){2,}")


def error_message(error):
    """"TypeName: the line that says what went wrong" for an exception, without colour codes, addresses, paths
    or Keras's running tensor numbers.

    Keras wraps a layer's error as "Exception encountered when calling Sequential.call()." and puts the
    cause on a later line; that cause is the line returned. Lesson 06 reads error messages with it.
    """
    lines = [line.strip() for line in _ANSI.sub("", str(error)).splitlines() if line.strip()]
    if len(lines) > 1 and lines[0].startswith("Exception encountered when calling"):
        lines = lines[1:]
    text = _PATH.sub("<path>", _ADDRESS.sub("0x...", lines[0] if lines else ""))
    text = _COUNTED.sub(r"\1", text)  # 'keras_tensor_59': the 59 counts tensors made before, machine by machine
    return f"{type(error).__name__}: {text}".rstrip(": ")


def plain_numbers(text):
    """`text` with numbers in scientific notation written out for a reader: "1e-05" -> "1 x 10^-5"."""
    return re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?)0*(\d+)\b",
                  lambda m: f"{m.group(1)} x 10^{'-' if m.group(2) == '-' else ''}{m.group(3)}", text)


def first_error(function, *args, **kwargs):
    """Call function(*args, **kwargs) and return error_message(...) of what it raised, or "no error"."""
    try:
        function(*args, **kwargs)
    except Exception as error:  # the lesson shows the message instead of a traceback
        return error_message(error)
    return "no error"


def expected_initial_loss(n_classes):
    """ln C: the cross-entropy of a network that gives each of C classes the probability 1/C (C = 2: ln 2)."""
    return math.log(check_int("n_classes", n_classes, minimum=2))


def initial_loss_check(loss, n_classes, tolerance=0.2):
    """(ok, text): whether an untrained classifier's loss is within `tolerance` (a share) of ln C.

    Random initial weights make the logits small but not 0: uneven guesses that know nothing cost more on average
    than even ones, so the loss is usually a little ABOVE ln C; far above means the inputs are unscaled or the
    output layer is wrong. Lesson 06, sanity check 1."""
    loss, tolerance = check_float("loss", loss), check_float("tolerance", tolerance, low=0, low_open=True)
    target = expected_initial_loss(n_classes)
    share = loss / target - 1
    ok = abs(share) <= tolerance
    verdict = "passes" if ok else "FAILS: look at the input scale and the output layer"
    return ok, (f"initial loss {loss:.3f}, ln {n_classes} = {target:.3f}: {share:+.0%} "
                f"(allowed {tolerance:.0%}), check {verdict}")


def input_gradients(model, x, y, i, prepare=None):
    """dL_i/dx for a compiled nnlab model: the gradient of sample i's loss L_i with respect to every input of the
    batch, shape (batch, n_in). Row j says how sample i's loss depends on sample j's input: only row i may be
    non-zero. Computed as fit computes it (from the logits for a sigmoid or softmax output). Lesson 06, check 4.

    prepare: an optional NumPy function that only moves the batch's numbers around (a reshape, a transpose)
    before the model sees them, such as a shape bug; the gradient is then sent back to where each number came from.
    """
    i = check_int("i", i, minimum=0)
    x, y = model._check_xy(x, y)  # the checks fit makes, and y in the shape the loss needs
    if i >= len(x):
        fail("i", f"a sample index from 0 to {len(x) - 1}", i)
    if prepare is None:
        return _own_input_gradients(model, x, y, i)
    source = np.asarray(prepare(np.arange(x.size).reshape(x.shape)))  # where each prepared number came from
    if source.shape != x.shape:
        fail("prepare", f"a function that keeps the shape {x.shape}", f"one that returns shape {source.shape}")
    dL_dprepared = _own_input_gradients(model, x.reshape(-1)[source], y, i)
    dL_dx = np.zeros(x.size, dtype=dL_dprepared.dtype)
    np.add.at(dL_dx, source.reshape(-1), dL_dprepared.reshape(-1))  # each gradient back to its number's origin
    return dL_dx.reshape(x.shape)  # (batch, n_in)


def _own_input_gradients(model, x, y, i):
    """dL_i/dx through the model alone (x and y already checked)."""
    output, logits = model._loss_input(model._forward(x))  # each layer keeps what its backward pass needs
    dL_doutput = np.zeros_like(output)  # (batch, units): only sample i's loss
    dL_doutput[i] = model.loss.gradient(y[i:i + 1], output[i:i + 1], logits=logits)[0]
    last = model.layers[-1]
    dL_dx, _ = last.backward_from_z(dL_doutput) if logits else last.backward(dL_doutput)
    for layer in reversed(model.layers[:-1]):
        dL_dx, _ = layer.backward(dL_dx)
    return dL_dx  # (batch, n_in)


def keras_input_gradients(keras_model, x, y, i):
    """The same dL_i/dx for a compiled Keras model, from TensorFlow's GradientTape. Lesson 06, check 4."""
    from nnlab.twin.backend import import_tensorflow
    tf = import_tensorflow()
    y = np.asarray(y)
    if keras_model.output_shape[-1] == 1 and y.ndim == 1:
        y = y[:, None]  # (batch,) -> (batch, 1), like the output
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)  # follow the inputs, not only the weights
        loss_i = keras_model.loss.call(y, keras_model(inputs))[i]  # .call: one loss per sample
    return tape.gradient(loss_i, inputs).numpy()


def rows_reached(gradients):
    """The sample indices whose input gradient is not all zeros, as a list of ints."""
    gradients = np.asarray(gradients)
    return [int(j) for j in np.flatnonzero(np.any(gradients.reshape(len(gradients), -1) != 0, axis=1))]


def prior_bias(y):
    """The output bias that makes an untrained sigmoid predict the class-1 share p of y: b = ln(p / (1 - p)).

    y holds labels 0 and 1, both present. Lesson 06, sanity check 5 (Karpathy's "init well")."""
    y = np.asarray(y).reshape(-1)
    p = float(np.mean(y == 1))
    if not np.all((y == 0) | (y == 1)) or p in (0.0, 1.0):
        fail("y", "labels 0 and 1, both present", y)
    return math.log(p / (1 - p))


def validation_rows(n_samples, validation_split):
    """The rows fit(validation_split=...) keeps for validation, as Keras picks them: the LAST ones, unshuffled."""
    n_samples = check_int("n_samples", n_samples, minimum=2)
    split = check_float("validation_split", validation_split, low=0, high=1, low_open=True, high_open=True)
    return np.arange(int(np.floor(n_samples * (1 - split))), n_samples)


def setup_problems(layers, loss, y):
    """What is wrong with a classifier set-up for labels y, as a list of messages ([] when nothing is).

    Checked: an Input first, no linear hidden layers, one output unit per class with softmax (a sigmoid for two
    classes), and the cross-entropy that matches how y is written. Lesson 06, exercise 2."""
    if not isinstance(layers, (list, tuple)) or not layers or not any(isinstance(l, Dense) for l in layers):
        fail("layers", "a list of nnlab layers ending in a Dense layer", layers, error=TypeError)
    y = np.asarray(y)
    one_hot = y.ndim == 2 and y.shape[1] > 1
    n_classes = y.shape[1] if one_hot else len(np.unique(y))
    dense = [layer for layer in layers if isinstance(layer, Dense)]
    problems = [] if isinstance(layers[0], Input) else [
        "the first layer should be nnlab.Input(shape=(n_features,)): without it the model has no input shape "
        "until it first sees data, and count_params() fails."]
    if any(layer.activation is activations.linear for layer in dense[:-1]):
        problems.append("a hidden layer has no activation (linear): stacked linear layers collapse into one. "
                        "Use 'relu' or 'tanh'.")
    problems += _output_problems(dense[-1], n_classes)
    return problems + _loss_problems(losses.get(loss), one_hot, n_classes)


def _output_problems(output, n_classes):
    wanted = "sigmoid" if n_classes == 2 and output.units == 1 else "softmax"
    problems = []
    if output.units not in ({1, 2} if n_classes == 2 else {n_classes}):
        problems.append(f"the output layer has {output.units} unit(s) for {n_classes} classes: give it one unit "
                        f"per class, Dense({n_classes}, activation='softmax').")
    if output.activation.__name__ != wanted:
        why = {"sigmoid": "sigmoid scores each class on its own, so the outputs need not sum to 1",
               "linear": "no activation gives logits, not probabilities"}.get(output.activation.__name__,
                                                                            "this activation gives no probabilities")
        problems.append(f"the output activation is {output.activation.__name__}: {why}. Use '{wanted}'.")
    return problems


def _loss_problems(loss, one_hot, n_classes):
    if not loss.crossentropy:
        return [f"{loss.name} is a loss for numbers: for classes use a cross-entropy, whose push does not fade "
                "when the network is confidently wrong."]
    right = "categorical_crossentropy" if one_hot else "sparse_categorical_crossentropy"
    if n_classes == 2 and not one_hot and loss.name in ("binary_crossentropy", right):
        return []
    if loss.name != right:
        labels = "one-hot rows" if one_hot else "integer labels"
        return [f"y holds {labels}, so the loss is {right!r}, not {loss.name!r}."]
    return []


def check_setup(layers, loss, y):
    """Print "Correct!" or the first problem setup_problems finds (and how many there are); return True/False.

    A `...` still in place of the layers or the loss is "Not attempted yet"; a list that is not nnlab layers, or a
    loss name nnlab does not know, is feedback ("Not yet: ..."), not an exception. Lesson 06, exercise 2."""
    missing = {(True, True): "the layers and the loss are", (True, False): "the layers are",
               (False, True): "the loss is"}.get((layers is Ellipsis, loss is Ellipsis))
    if missing:
        print(f"Not attempted yet: {missing} still `...`: write yours in place of the `...`.")
        return False
    try:
        problems = setup_problems(layers, loss, y)
    except (TypeError, ValueError) as error:
        print(f"Not yet: {error}")
        return False
    if not problems:
        print("Correct! An Input first, non-linear hidden layers, softmax over one unit per class, and the loss "
              "that matches the labels.")
        return True
    more = f" ({len(problems) - 1} more problem(s) after this one.)" if len(problems) > 1 else ""
    print(f"Not yet: {problems[0]}{more}")
    return False


# Broken Playground settings (moons, 100 epochs unless changed): (what is wrong, the change, why it fails).
GALLERY = (
    ("a learning rate far too large", {"activation": "leaky_relu", "learning_rate": 10.0},
     "the steps overshoot the minimum (one may still land lower by luck), and the loss climbs until the numbers "
     "overflow"),
    ("all weights start at zero", {"initializer": "zeros"},
     "each hidden unit outputs tanh(0) = 0. A weight's gradient is its input times the error that reaches it: the "
     "weights after the first layer get inputs of 0, and the first layer gets errors of 0 (passed back through "
     "weights of 0). A bias's gradient is the mean error that reaches it, 0 here: the output says 0.5 for every "
     "point and the classes are balanced (errors +0.5 and -0.5, 100 of each). Unlike an equal non-zero start "
     "(Lesson 05), nothing moves at all"),
    ("huge steps with tanh", {"learning_rate": 100.0},
     "the weights grow until every tanh unit sits on a flat end, where its slope is about 0, so the hidden layers "
     "stop learning; tanh outputs stay between -1 and 1, so the numbers stay finite, and the output layer's huge "
     "steps overshoot back and forth: the loss jumps up and down instead of becoming NaN. fit computes this loss from "
     "the output's logits, so a confidently wrong sample's loss has no cap (glossary: clip)"),
    ("large steps with ReLU", {"activation": "relu", "learning_rate": 10.0},
     "one big step pushes a unit's input below 0 for every point; its slope there is 0, so it never comes back"),
    ("eight sigmoid layers", {"activation": "sigmoid", "hidden": (4,) * 8},
     "each sigmoid multiplies the gradient by at most 0.25, so the first layers receive almost nothing"),
    ("a learning rate far too small", {"learning_rate": 1e-4},
     "the steps are tiny: nothing is wrong but patience; 100 epochs move the loss by almost nothing"),
)


def run_gallery(lab, settings_class, epochs=100):
    """Run every GALLERY entry with `lab` (an nnlab.lab.Lab); return a list of (title, change, why, Result)."""
    return [(title, change, why, lab.run(settings_class(epochs=epochs, **change))) for title, change, why in GALLERY]


def series_cards():
    """Flash cards over Lessons 01-06, as (front, back) pairs for nnlab.course.activities.FlashCards."""
    return [
        ("01: What does one Dense layer compute, and what shape is its kernel W?",
         "a = g(xW + b), with W of shape (n_in, units) and b of shape (units,)."),
        ("01: Why does a network need non-linear activations?",
         "Without them, stacked layers collapse into one linear layer: a straight-line boundary."),
        ("02: What are the three Keras steps, and what does compile choose?",
         "Sequential (architecture), compile (optimizer, loss, metrics), fit (the training loop)."),
        ("02: What does fit repeat for every batch?", "Forward pass, loss, backpropagation (gradients), update."),
        ("02: 1,000 samples, batch size 50, 3 epochs: how many updates?", "20 per epoch, 60 in all."),
        ("03: Which loss for integer labels 0..9 and a 10-unit softmax?", "sparse_categorical_crossentropy."),
        ("03: The training loss falls, the validation loss rises. What is it, and one fix?",
         "Overfitting; stop at the epoch with the lowest validation loss, or use more data or a smaller network."),
        ("04: What does backpropagation compute?",
         "dL/dW for every weight, by the chain rule from the loss back to the first layer."),
        ("05: Why not start all weights of a layer at the same value?",
         "Every unit would get the same gradient and stay equal to its neighbours (symmetry). All zeros is worse: "
         "no gradient at all."),
        ("05: What is a dead ReLU?", "A unit whose input is negative for every sample: it outputs 0 and never learns."),
        ("06: What loss should an untrained 4-class classifier show?", "About ln 4 = 1.39 (a little above it)."),
        ("06: Why fit the scaler on the training set only?",
         "The test set must stay unseen; its mean and spread would leak into training (data leakage)."),
        ("06: What does validation_split=0.2 take?", "The LAST 20% of the rows, before any shuffling."),
    ]
