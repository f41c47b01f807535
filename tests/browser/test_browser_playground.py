"""Lesson 02's Playground in a real JupyterLab: run all cells, move a control, and see the figure change.

Fixtures (conftest.py) start one isolated JupyterLab and run a copy of lesson 02 once for the whole module.
Screenshots go to screenshots/ at the repo root (git-ignored).
"""

import re

import pytest

import labdriver

pytestmark = pytest.mark.browser


def readout(control):
    return control.locator(".widget-readout").inner_text().strip()


def press_slider(page, control, key, times):
    """Move a slider with the keyboard, as a learner can: focus its handle and press `key` `times` times."""
    handle = control.locator(".noUi-handle").first
    handle.focus()
    for _ in range(times):
        handle.press(key)
        page.wait_for_timeout(150)


def test_lesson_02_runs_without_errors_and_shows_the_playground(lesson_02):
    page, panel = lesson_02
    panel.scroll_into_view_if_needed()
    labdriver.screenshot(page, "lesson02_after_run_all")
    labdriver.screenshot(page, "lesson02_playground_panel", element=panel)
    assert labdriver.error_texts(page) == []
    assert panel.locator("img").first.evaluate("img => img.naturalWidth") > 100  # a real figure, not a broken image
    assert float(readout(labdriver.slider(panel, "learning rate"))) == pytest.approx(0.1)


def test_learning_rate_slider_retrains_and_redraws(lesson_02):
    page, panel = lesson_02
    rate = labdriver.slider(panel, "learning rate")
    before_src, before_bytes, before_rate = labdriver.image_src(panel), labdriver.image_digest(panel), readout(rate)
    press_slider(page, rate, "ArrowRight", 4)  # 4 steps of 10**0.25: 0.1 -> 1
    after_src = labdriver.wait_image_changed(page, panel, before_src)
    labdriver.screenshot(page, "lesson02_playground_learning_rate_1", element=panel)
    assert readout(rate) != before_rate
    assert float(readout(rate)) == pytest.approx(1.0, rel=1e-3)
    assert after_src != before_src
    assert labdriver.image_digest(panel) != before_bytes  # new pixels, not only a new blob: URL
    assert labdriver.error_texts(page) == []
    status = panel.locator(".widget-html").first.inner_text()
    assert re.search(r"Final accuracy \d+%", status), status


def epoch_replay_slider(panel):
    """The replay control's epoch slider (labelled "replay epoch", not the "epochs" setting)."""
    candidates = panel.locator(".widget-slider").filter(
        has=panel.page.locator("label.widget-label", has_text=re.compile(r"epoch", re.I)))
    for i in range(candidates.count()):
        label = candidates.nth(i).locator("label.widget-label").inner_text().strip()
        if label != "epochs":
            return candidates.nth(i)
    raise AssertionError("the Playground has no replay slider (a slider labelled with 'epoch' besides 'epochs')")


def replay_status(panel):
    """The replay line under the Play button and slider (the panel's HTML texts that name an epoch)."""
    texts = [t for t in panel.locator(".widget-html").all_inner_texts() if re.search(r"\bepoch\b", t, re.I)]
    return " | ".join(texts)


def test_replay_steps_through_three_epochs_and_plays(lesson_02):
    """Step the replay slider to the start, one epoch on, and the end: a new picture and a new replay line each
    time, never an error; then Play moves the slider by itself."""
    page, panel = lesson_02
    epoch = epoch_replay_slider(panel)
    shown = {}
    for name, key, times in (("start", "Home", 1), ("one_epoch_on", "ArrowRight", 1), ("end", "End", 1)):
        before_src = labdriver.image_src(panel)
        press_slider(page, epoch, key, times)
        labdriver.wait_image_changed(page, panel, before_src)
        page.wait_for_timeout(500)
        labdriver.screenshot(page, f"lesson02_playground_replay_{name}", element=panel)
        shown[name] = (int(readout(epoch)), labdriver.image_digest(panel), replay_status(panel))
    assert [shown[n][0] for n in ("start", "one_epoch_on")] == [0, 1], shown  # one epoch per key press
    assert shown["end"][0] > 1, shown
    assert len({digest for _, digest, _ in shown.values()}) == 3  # three different pictures
    assert len({status for _, _, status in shown.values()}) == 3, shown  # the line says which epoch it shows
    press_slider(page, epoch, "Home", 1)
    labdriver.wait_idle(page)
    panel.locator(".widget-play button").first.click()  # the Play button
    page.wait_for_timeout(3000)
    assert int(readout(epoch)) > 0, "Play did not move the replay slider"
    assert labdriver.error_texts(page) == []
