"""nnlab.course.setup: seeds, rounded prints, the plot style, and the presenter style for a projector."""

import matplotlib as mpl
import numpy as np
import pytest

from nnlab.course import lesson, setup


@pytest.fixture(autouse=True)
def restore_style():
    saved = dict(mpl.rcParams)
    options = np.get_printoptions()
    yield
    mpl.rcParams.update(saved)
    np.set_printoptions(**options)


def test_setup_seeds_rounds_and_styles(capsys, monkeypatch):
    monkeypatch.delenv("NNLAB_PRESENTER", raising=False)
    keras = setup(seed=3)
    assert capsys.readouterr().out == "Ready: NumPy, nnlab and Keras seeded with 3; prints rounded to 4 decimals.\n"
    assert np.get_printoptions()["precision"] == 4 and hasattr(keras, "Sequential")
    assert mpl.rcParams["font.size"] == lesson.PLOT_STYLE["font.size"]
    assert tuple(mpl.rcParams["figure.figsize"]) == lesson.PLOT_STYLE["figure.figsize"]


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_presenter_style_is_readable_at_1280x720_and_can_be_undone(how, capsys, monkeypatch):
    monkeypatch.setenv("NNLAB_PRESENTER", "1" if how == "environment" else "0")
    setup(presenter=True if how == "argument" else None)
    assert "Presenter style" in capsys.readouterr().out
    width, height = mpl.rcParams["figure.figsize"]
    assert 1000 <= width * mpl.rcParams["figure.dpi"] <= 1280 and height * mpl.rcParams["figure.dpi"] <= 720
    assert mpl.rcParams["font.size"] >= 16 and mpl.rcParams["xtick.labelsize"] >= 14
    setup(presenter=False)
    assert mpl.rcParams["font.size"] == lesson.PLOT_STYLE["font.size"]
    assert mpl.rcParams["xtick.labelsize"] == mpl.rcParamsDefault["xtick.labelsize"]


def test_presenter_must_be_a_bool():
    with pytest.raises(TypeError, match="`presenter` must be True, False or None"):
        setup(presenter="yes")
