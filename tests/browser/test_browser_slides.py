"""Lesson 02 as slides in a real JupyterLab (jupyterlab-slideshow): step to the Playground, move a control,
and see the live figure change, while presenting at 1280x720.

jupyterlab-slideshow presents the open notebook itself, so widgets stay connected to the running kernel. The
alternatives were tried in this browser and do not show live widgets: jupyterlab-rise 0.43 builds its slides in
a second, older JupyterLab front end where the ipywidgets manager fails to load (the Playground shows as its text
repr, even when run again), and `jupyter nbconvert --to slides` is static HTML (no kernel; reveal.js from a CDN).
Screenshots go to screenshots/ at the repo root (git-ignored).
"""

import pytest

import labdriver

pytestmark = pytest.mark.browser

PRESENTING = "body[data-jp-deck-mode='presenting']"
MAX_STEPS = 200  # lesson 02 has about 70 cells: every slide, subslide and fragment is one step at most


def command(page, name):
    page.evaluate(f"() => window.jupyterapp.commands.execute('{name}')")


def active_cell(page):
    return page.evaluate("() => window.jupyterapp.shell.currentWidget.content.activeCellIndex")


def next_step(page):
    """Go to what comes next, as a presenter would: down to the next subslide if there is one, else forward
    (deck:forward alone moves across slides, skipping a slide's subslides)."""
    before = active_cell(page)
    command(page, "deck:down")
    page.wait_for_timeout(100)
    if active_cell(page) == before:
        command(page, "deck:forward")
        page.wait_for_timeout(100)


def test_playground_slide_is_live_while_presenting(lesson_02):
    page, panel = lesson_02
    assert page.evaluate("() => window.jupyterapp.commands.hasCommand('deck:start')"), \
        "jupyterlab-slideshow is not installed in this environment (it is in requirements.txt)"
    on_screen = "panel => panel.closest('.jp-Cell').classList.contains('jp-deck-mod-onscreen')"
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": 720})  # a projector
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }")
    command(page, "deck:start")
    try:
        page.wait_for_selector(PRESENTING, state="attached", timeout=15_000)
        page.wait_for_timeout(1000)
        labdriver.screenshot(page, "slides_lesson02_first_slide")
        steps = 0
        while not panel.evaluate(on_screen):
            assert steps < MAX_STEPS, f"the Playground never came on screen in {MAX_STEPS} forward steps"
            next_step(page)
            steps += 1
        page.wait_for_timeout(1000)
        labdriver.screenshot(page, "slides_lesson02_playground_slide")
        assert panel.is_visible() and panel.locator("img").first.is_visible()
        handle = panel.locator(".widget-slider:has(label.widget-label:text-is('learning rate')) .noUi-handle").first
        assert handle.is_visible()
        readout = panel.locator(".widget-slider:has(label.widget-label:text-is('learning rate')) .widget-readout")
        before_src, before_bytes = labdriver.image_src(panel), labdriver.image_digest(panel)
        before_rate = readout.inner_text()
        handle.focus()
        for _ in range(2):  # two steps of 10**0.25 down, from wherever the other test left it
            handle.press("ArrowLeft")
            page.wait_for_timeout(150)
        labdriver.wait_image_changed(page, panel, before_src)
        assert readout.inner_text() != before_rate
        assert labdriver.image_digest(panel) != before_bytes
        assert page.locator(PRESENTING).count() == 1, "moving the slider left the presentation"
        labdriver.screenshot(page, "slides_lesson02_playground_after_change")
        assert labdriver.error_texts(page) == []
    finally:
        command(page, "deck:stop")
        page.set_viewport_size(size)
