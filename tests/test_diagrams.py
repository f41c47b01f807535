"""nnlab.course.diagrams: the network picture has one circle per unit and one line per weight, in the right places."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.patches import Circle

from nnlab.course import diagrams
from nnlab.lab.render import COLORS, figure


@pytest.fixture
def ax():
    return figure(6, 3.6).subplots()


def test_unit_positions_put_layers_left_to_right_centred_on_zero():
    positions = diagrams.unit_positions([2, 3, 1], layer_gap=2.0)
    assert [p.shape for p in positions] == [(2, 2), (3, 2), (1, 2)]
    np.testing.assert_allclose([p[:, 0].mean() for p in positions], [0.0, 2.0, 4.0])
    np.testing.assert_allclose([p[:, 1].mean() for p in positions], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(positions[1][:, 1], [1.0, 0.0, -1.0])  # first unit on top, 1 apart


def test_one_circle_per_unit_and_one_line_per_weight(ax):
    artists = diagrams.draw_network(ax, [2, 3, 1])
    assert [len(layer) for layer in artists.units] == [2, 3, 1]
    assert [len(c.get_segments()) for c in artists.weights] == [2 * 3, 3 * 1]  # n_in * units each
    assert all(isinstance(c, LineCollection) and c.axes is ax for c in artists.weights)
    assert len([p for p in ax.patches if isinstance(p, Circle)]) == 6


def test_every_line_joins_a_unit_to_a_unit_of_the_next_layer(ax):
    artists = diagrams.draw_network(ax, [3, 2])
    left, right = (np.array([c.center for c in layer]) for layer in artists.units)
    pairs = {(tuple(a), tuple(b)) for a, b in artists.weights[0].get_segments()}
    assert pairs == {(tuple(a), tuple(b)) for a in left for b in right}


def test_labels_go_under_layers_in_units_and_above_the_weights(ax):
    artists = diagrams.draw_network(ax, [2, 1], labels=["input", "output"], unit_labels=[["x1", "x2"], ["y"]],
                                    weight_labels=["W: 2x1"])
    assert [t.get_text() for t in artists.layer_texts] == ["input", "output"]
    assert [[t.get_text() for t in row] for row in artists.unit_texts] == [["x1", "x2"], ["y"]]
    assert [t.get_text() for t in artists.weight_texts] == ["W: 2x1"]
    lowest_unit = min(c.center[1] - c.radius for layer in artists.units for c in layer)
    highest_unit = max(c.center[1] + c.radius for layer in artists.units for c in layer)
    assert all(t.get_position()[1] < lowest_unit for t in artists.layer_texts)
    assert artists.weight_texts[0].get_position()[1] > highest_unit
    low, high = ax.get_ylim()
    assert low < min(t.get_position()[1] for t in artists.layer_texts) and high > highest_unit


def test_default_colours_mark_input_hidden_and_output(ax):
    artists = diagrams.draw_network(ax, [2, 4, 4, 1])
    faces = [layer[0].get_facecolor() for layer in artists.units]
    expected = [COLORS["class0"], COLORS["green"], COLORS["green"], COLORS["keras"]]
    assert faces == [to_rgba(c) for c in expected]


def test_units_are_round_and_inside_the_axes(ax):
    artists = diagrams.draw_network(ax, [4, 6, 2])
    assert ax.get_aspect() == 1.0
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for layer in artists.units:
        for c in layer:
            (x, y), r = c.center, c.radius
            assert x0 < x - r and x + r < x1 and y0 < y - r and y + r < y1


@pytest.mark.parametrize("kwargs, error, pattern", [
    (dict(layer_sizes=[]), TypeError, r"`layer_sizes` must be a list of layer widths"),
    (dict(layer_sizes=[2, 0]), ValueError, r"`layer_sizes\[1\]` must be at least 1"),
    (dict(layer_sizes=[2, 1], labels=["only one"]), TypeError, r"`labels` must be a list of 2 entries"),
    (dict(layer_sizes=[2, 1], unit_labels=[["x1"], ["y"]]), TypeError, r"`unit_labels\[0\]` must be a list of 2"),
    (dict(layer_sizes=[2, 1], weight_labels=["a", "b"]), TypeError, r"`weight_labels` must be a list of 1 entry "),
])
def test_bad_arguments_are_named(ax, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        diagrams.draw_network(ax, **kwargs)
    assert not ax.patches and not ax.collections  # a failed call draws nothing


def test_multi_line_labels_get_more_room():
    tops, bottoms = [], []
    for text in ["one line", "two\nlines"]:
        ax = figure(6, 3.6).subplots()
        diagrams.draw_network(ax, [2, 1], labels=[text, text], weight_labels=[text])
        bottoms.append(ax.get_ylim()[0])
        tops.append(ax.get_ylim()[1])
    assert tops[1] > tops[0] and bottoms[1] < bottoms[0]
