"""Open a notebook in a real JupyterLab, run all its cells in headless Chromium, and save a screenshot.

A manual check that widgets render for real (the automatic ones are tests/browser/test_browser_*.py). Needs
Debian's chromium (apt-get install chromium) and `pip install playwright` (its own browser download is not used).
Usage: python tests/browser/screenshot_notebook.py NOTEBOOK.ipynb OUT.png [--wait S] [--width PX] [--height PX]
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

import labdriver


def screenshot(notebook, out, wait, width, height):
    home = Path(tempfile.mkdtemp(prefix="nnlab-screenshot-"))
    (home / "work").mkdir()
    lab = labdriver.Lab(home / "work", home, home / "jupyterlab.log")
    try:
        name = labdriver.copy_notebook(notebook, lab.root)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=labdriver.CHROMIUM, args=labdriver.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            labdriver.open_notebook(page, lab, name)
            labdriver.run_all(page)
            time.sleep(wait)  # widgets and images finish drawing
            page.screenshot(path=out, full_page=True)
            browser.close()
    finally:
        lab.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("out")
    parser.add_argument("--wait", type=float, default=3, help="seconds to wait after every cell has run")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1600, help="the notebook scrolls inside the page: make it tall")
    args = parser.parse_args()
    screenshot(args.notebook, args.out, args.wait, args.width, args.height)
