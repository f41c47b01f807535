"""nnlab.course.backprop and backprop_widgets (Lesson 04): the tiny graph's gradients, its steps, the gradient
report and its feedback, the exercise checks, and the thin widgets over them."""

import math
import subprocess
import sys

import numpy as np
import pytest

from nnlab.course import backprop as bp
from nnlab.course import backprop_widgets as bw


def numerical(g, leaf, h=1e-6):
    """dL/d(leaf) of a graph by a centred difference on its last node."""
    up, down = (bp.forward(bp.Graph(g.nodes, {**g.leaves, leaf: g.leaves[leaf] + s}, g.weights))[g.nodes[-1].name]
                for s in (h, -h))
    return (up - down) / (2 * h)


def test_neuron_graph_by_hand():
    g = bp.neuron_graph()  # x1=2, w1=-3, x2=0.5, w2=2, b=5, y=1: z = 0, a = 0.5, L = 0.25
    values, grads = bp.forward(g), bp.backward(g)
    assert (values["z"], values["a"], values["L"]) == (0.0, 0.5, 0.25)
    assert grads == pytest.approx({"L": 1, "a": -1, "z": -0.25, "s": -0.25, "b": -0.25, "x1·w1": -0.25,
                                   "x2·w2": -0.25, "w1": -0.5, "x1": 0.75, "w2": -0.125, "x2": -0.5, "y": 1})


@pytest.mark.parametrize("seed", range(5))
def test_backward_matches_finite_differences_on_random_neurons(seed):
    rng = np.random.default_rng(seed)
    g = bp.neuron_graph(*rng.normal(0, 2, 6))
    grads = bp.backward(g)
    for leaf in g.leaves:
        assert grads[leaf] == pytest.approx(numerical(g, leaf), rel=1e-6, abs=1e-9)


def test_gradients_add_up_where_a_value_is_used_twice():
    twice = bp.graph([("a", "input", ()), ("c", "add", ("a", "a"))], {"a": 3.0})
    assert bp.backward(twice)["a"] == 2.0
    square = bp.graph([("a", "input", ()), ("c", "mul", ("a", "a"))], {"a": 3.0})
    assert bp.backward(square)["a"] == 6.0  # d(a^2)/da = 2a


def test_relu_routes_and_the_local_rules():
    assert bp.local_rule("add", (2, -3), 5) == (5, 5)
    assert bp.local_rule("mul", (2, -3), 5) == (-15, 10)
    assert bp.local_rule("relu", (2,), 5) == (5,)
    assert bp.local_rule("relu", (-1,), 5) == (0,)
    relu = bp.graph([("u", "input", ()), ("r", "relu", ("u",))], {"u": -2.0})
    assert bp.backward(relu)["u"] == 0.0


def test_graph_refuses_an_unknown_operation():
    with pytest.raises(ValueError, match="one of"):
        bp.graph([("a", "input", ()), ("c", "div", ("a", "a"))], {"a": 1.0})


def test_steps_fill_values_forward_then_gradients_backward():
    g = bp.neuron_graph()
    steps = bp.backprop_steps(g)
    computed = [n.name for n in g.nodes if n.op != "input"]
    assert len(steps) == 2 * len(computed) + 2  # start, one forward step each, dL/dL = 1, one backward step each
    assert [s.node for s in steps[1:len(computed) + 1]] == computed
    assert all(s.grads == {} for s in steps[:len(computed) + 1])
    assert steps[len(computed) + 1].grads == {"L": 1.0}
    assert [s.node for s in steps[len(computed) + 2:]] == computed[::-1]
    assert steps[-1].grads == pytest.approx(bp.backward(g)) and steps[-1].values == bp.forward(g)
    assert "dL/dw1 += -0.25 × 2 = -0.5" in steps[-1].text
    assert "dL/dx1 += -0.25 × (-3) = 0.75" in steps[-1].text


def test_formula_and_about():
    names = [bp.formula(n) for n in bp.neuron_graph().nodes if n.op != "input"]
    assert names == ["x1 × w1", "x2 × w2", "x1·w1 + x2·w2", "s + b", "σ(z)", "(a − y)²"]
    assert (bp.about(23871.4), bp.about(101.3), bp.about(4.27)) == ("24,000", "100", "4.3")


def reference_backward(x, y, W1, b1, W2, b2, slope=lambda z1, a1: 1 - a1 ** 2, scale=1.0):
    m = len(x)
    z1 = x @ W1 + b1
    a1 = np.tanh(z1)
    y_hat = 1 / (1 + np.exp(-(a1 @ W2 + b2)))
    dz2 = scale * (y_hat - y) / m
    dz1 = dz2 @ W2.T * slope(z1, a1)
    return {"dL_dW1": x.T @ dz1, "dL_db1": dz1.sum(0), "dL_dW2": a1.T @ dz2, "dL_db2": dz2.sum(0)}


def test_two_layer_loss_is_binary_crossentropy():
    x, y, p = bp.two_layer_case()
    y_hat = 1 / (1 + np.exp(-(np.tanh(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])))
    expected = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))
    assert bp.two_layer_loss(x, y, **p) == pytest.approx(expected, rel=1e-12)


def test_gradient_report_passes_the_right_pass_and_flags_the_bug():
    right = bp.gradient_report(reference_backward)
    assert max(right.values()) < 1e-8
    buggy = bp.gradient_report(lambda x, y, **p: reference_backward(x, y, **p, slope=lambda z1, a1: 1 - z1 ** 2))
    assert sorted(k for k, e in buggy.items() if e >= bp.AGREE) == ["dL_dW1", "dL_db1"]
    assert "DISAGREES" in bp.format_report(buggy) and "agrees to within 1e-6" in bp.format_report(right)


def test_gradient_report_refuses_bad_returns():
    with pytest.raises(ValueError, match="keys"):
        bp.gradient_report(lambda x, y, **p: [1, 2, 3, 4])
    with pytest.raises(ValueError, match="shape"):
        bp.gradient_report(lambda x, y, **p: {**reference_backward(x, y, **p), "dL_dW1": np.zeros((3, 2))})


def test_check_backward_feedback(capsys):
    assert bp.check_backward(reference_backward)
    assert capsys.readouterr().out.startswith("Correct!")
    assert not bp.check_backward(lambda x, y, **p: reference_backward(x, y, **p, slope=lambda z1, a1: 1 - z1 ** 2))
    assert "layer 1's gradients still disagree" in capsys.readouterr().out
    assert not bp.check_backward(lambda x, y, **p: reference_backward(x, y, **p, scale=8.0))  # forgot the 1/m
    assert "layer-2 gradient" in capsys.readouterr().out
    assert not bp.check_backward(lambda x, y, **p: ...)  # the learner's placeholder `return ...`
    assert capsys.readouterr().out.startswith("Not attempted yet")


def test_finite_differences_restore_the_weights():
    w = [np.array([1.0, 2.0]), np.array([[3.0]])]
    grads = bp.finite_difference_gradients(lambda: float(w[0] @ w[0] + w[1][0, 0] ** 3), w)
    assert np.allclose(grads[0], [2, 4]) and np.allclose(grads[1], [[27]])
    assert w[0].tolist() == [1.0, 2.0] and w[1].tolist() == [[3.0]]


def test_layer_gradient_sizes_match_model_gradients():
    import nnlab

    x, y, p = bp.two_layer_case()
    model = nnlab.Sequential([nnlab.Input((2,)), nnlab.Dense(3, "tanh", dtype="float64"),
                              nnlab.Dense(1, "sigmoid", dtype="float64")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.set_weights([p["W1"], p["b1"], p["W2"], p["b2"]])
    ref = reference_backward(x, y, **p)
    sizes = bp.layer_gradient_sizes(model, x, y)
    assert sizes == pytest.approx([np.mean(np.abs(ref["dL_dW1"])), np.mean(np.abs(ref["dL_dW2"]))], rel=1e-9)


def test_training_steps_are_ordered_with_a_reason_each():
    from nnlab.course.activities import check_order

    assert check_order(bp.TRAINING_STEPS, bp.TRAINING_STEPS, bp.TRAINING_WHY)[0]
    assert set(bp.TRAINING_WHY) == set(bp.TRAINING_STEPS)
    right, lines = check_order(bp.TRAINING_STEPS[::-1], bp.TRAINING_STEPS, bp.TRAINING_WHY)
    assert not right and "belongs at position 5" in lines[0]


def test_check_training_order_feedback(capsys):
    assert not bp.check_training_order(...)
    assert capsys.readouterr().out.startswith("Not attempted yet")
    assert not bp.check_training_order(bp.TRAINING_STEPS[:4])
    assert "each of the five strings" in capsys.readouterr().out
    swapped = [bp.TRAINING_STEPS[i] for i in (0, 1, 3, 2, 4)]  # loss and backward pass swapped
    assert not bp.check_training_order(swapped)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Not yet:" and out[1].endswith("right place.")
    assert "belongs at position 4" in out[3] and "starts at the loss" in out[3]
    assert bp.check_training_order(list(bp.TRAINING_STEPS))
    assert capsys.readouterr().out.startswith("Correct!")


def test_the_plain_module_needs_no_widgets_or_plots():
    import ast

    tree = ast.parse(open(bp.__file__, encoding="utf-8").read())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"matplotlib", "ipywidgets", "IPython"}, imported
    code = "import sys, nnlab.course.backprop; print('ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_layout_puts_each_node_right_of_its_inputs_and_leaves_beside_their_user():
    g = bp.neuron_graph()
    places = bw.layout(g)
    for node in g.nodes:
        for name in node.inputs:
            assert places[name][0] < places[node.name][0], (name, node.name)
    assert places["x1"][0] == places["x1·w1"][0] - 1 and places["y"][0] == places["L"][0] - 1


def test_draw_graph_shows_value_and_grad_or_a_question_mark():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = bp.neuron_graph()
    fig, ax = plt.subplots()
    bw.draw_graph(ax, g, bp.forward(g), {}, current="L", title="t")
    texts = {t.get_text() for t in ax.texts}
    assert "w1\nvalue -3\ngrad ?" in texts and "L\nvalue 0.25\ngrad ?" in texts
    bw.draw_graph(ax, g, bp.forward(g), bp.backward(g))
    texts = {t.get_text() for t in ax.texts}
    assert "w1\nvalue -3\ngrad -0.5" in texts and "x1\nvalue 2\ngrad 0.75" in texts
    assert ax.get_title() == "" and len(ax.get_legend().get_texts()) == 3  # no "this step" without `current`
    plt.close(fig)


def test_walkthrough_widget_steps_and_draws():
    import matplotlib

    matplotlib.use("Agg")
    walk = bw.BackpropWalkthrough()
    assert repr(walk) == "BackpropWalkthrough(step=0 of 13)"
    step = walk.show(99)  # clipped to the last step
    assert step.number == 13 and repr(walk) == "BackpropWalkthrough(step=13 of 13)"
    assert walk.image.value[:4] == b"\x89PNG" and "x1·w1" in walk.text.value
    assert walk.show(-5).number == 0
    texts = [t.get_text() for t in walk.ax.texts]
    assert any("grad ?" in t for t in texts) and math.isclose(walk.slider.value, 0)


def test_quiz_has_feedback_for_every_option_and_the_intended_answers():
    quiz = bw.quiz()
    answers = ["6", "Because b is used by every sample, and gradients add up where a value is used several times",
               "In a line after layer 2's gradients that both of layer 1's gradients use", None, "The first layers"]
    for number, answer in enumerate(answers, start=1):
        question = quiz.questions[number - 1]
        answer = answer or next(o for o in question.options if o.startswith("Backprop gets all N"))
        assert quiz.answer(number, answer)[0]
        assert all(not question.check(o)[0] for o in question.options if o != answer)


def test_step_text_uses_the_printed_gradient_so_the_shown_update_adds_up_by_hand():
    from nnlab.course.explore import StepRecord
    # gradient -0.0039 prints as -0.004; 0.5 * -0.004 = -0.002 (not 0.5 * -0.0039 = -0.00195, shown -0.0019)
    # W -1.12444 shows as -1.1244; -1.1244 - (-0.0020) = -1.1224. b: 0.5 * 0.169 = 0.0845.
    record = StepRecord(1, [(np.zeros((1, 1)), np.zeros((1, 1)))], 0.5, [np.array([[-0.0039]]), np.array([0.169])],
                        [np.array([[-1.12444]]), np.zeros(1)], [np.array([[-1.12249]]), np.array([-0.0845])],
                        [np.array([[-0.00195]]), np.array([0.0845])])
    text = bp.step_text(record, ["w", "b"], 0.5)
    assert text.startswith("Step 1\n1. Forward pass") and "3. Backward pass" in text and text.count("4. Update") == 1
    assert "dL/d(w) = [[-0.004]]" in text and "dL/d(b) = [0.169]" in text
    assert text.endswith("   w: [[-1.1244]] - [[-0.0020]] = [[-1.1224]]\n   b: [0.0000] - [0.0845] = [-0.0845]")
    assert "   w: [[-1.12]] - [[0.00]] = [[-1.12]]" in bp.step_text(record, ["w", "b"], 0.5, decimals=2)  # no -0.00
    with pytest.raises(TypeError, match="decimals"):
        bp.step_text(record, ["w", "b"], 0.5, decimals=2.5)
