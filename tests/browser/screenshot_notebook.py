"""Open a notebook in a real JupyterLab, run all its cells in headless Chromium, and save a screenshot.

Not part of pytest (CI has no browser): a manual check that widgets render for real. Needs Debian's chromium
(apt-get install chromium) and `pip install playwright` (its own browser download is not used).
Usage: python tests/browser/screenshot_notebook.py NOTEBOOK.ipynb OUT.png [--wait S] [--width PX] [--height PX]
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(folder, port):
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={folder}", "--allow-root"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=1)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("JupyterLab did not start within 60 s")


def screenshot(notebook, out, wait, width, height):
    folder = tempfile.mkdtemp()
    shutil.copy(notebook, folder)
    port = free_port()
    server = start_lab(folder, port)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"http://127.0.0.1:{port}/lab/tree/{os.path.basename(notebook)}")
            page.wait_for_selector(".jp-Notebook", timeout=60000)
            try:  # a fresh JupyterLab asks which kernel to start
                page.click(".jp-Dialog button.jp-mod-accept", timeout=8000)
            except Exception:
                pass
            for text in ("No",):  # the "get notified about Jupyter news?" toast
                try:
                    page.click(f".jp-toast-button >> text={text}", timeout=2000)
                except Exception:
                    pass
            time.sleep(3)
            page.click("li.lm-MenuBar-item:has-text('Run')", timeout=10000)
            page.click("li.lm-Menu-item:has-text('Run All Cells')", timeout=10000)
            time.sleep(wait)
            page.screenshot(path=out, full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("out")
    parser.add_argument("--wait", type=float, default=25)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1600, help="the notebook scrolls inside the page: make it tall")
    args = parser.parse_args()
    screenshot(args.notebook, args.out, args.wait, args.width, args.height)
