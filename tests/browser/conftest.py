"""Browser tests: a real JupyterLab driven by Playwright in Debian's headless Chromium.

Deselect them with `pytest -m "not browser"`. They skip (with the reason) where no browser can be had, except
when CI_REQUIRE_BROWSER=1 (set by .ci/run): there a missing browser fails them.
Under pytest-xdist (--dist loadfile) each test file runs in one worker, which starts its own JupyterLab.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import labdriver
from nnlab.course import slides

REPO = Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real JupyterLab in headless Chromium (slow, ~1-2 min)")


@pytest.fixture(scope="session")
def lab():
    """One isolated JupyterLab server for the whole session, serving a temporary folder."""
    reason = labdriver.browser_missing()
    if reason and os.environ.get("CI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CI_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    if reason:
        pytest.skip(reason)
    home = Path(tempfile.mkdtemp(prefix="nnlab-browser-"))
    (home / "work").mkdir()
    server = labdriver.Lab(home / "work", home, home / "jupyterlab.log")
    yield server
    server.stop()
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=labdriver.CHROMIUM, args=labdriver.CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def lesson_02(lab, browser):
    """A copy of lesson 02 open in JupyterLab with every cell run: (page, Playground panel locator).

    The copy gets slide types from nnlab.course.slides where the lesson has none yet (choices stored in the
    lesson are kept), so the slide test presents the lesson as `python -m nnlab.course.slides` would leave it.
    """
    name = labdriver.copy_notebook(REPO / "notebooks" / "02_training_in_three_steps.ipynb", lab.root)
    slides.write_slide_types(lab.root / name)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    labdriver.open_notebook(page, lab, name)
    labdriver.run_all(page)
    panel = labdriver.playground_panel(page)
    panel.wait_for(timeout=30_000)
    panel.locator("img").first.wait_for(timeout=30_000)
    yield page, panel
    page.close()
