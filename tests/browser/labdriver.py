"""Drive a real JupyterLab in headless Chromium: start an isolated server, open a notebook, run it, read its DOM.

Shared by the browser tests (tests/browser/test_browser_*.py) and the manual screenshot script. Needs Debian's
chromium (apt-get install chromium) and the playwright Python package; its own browser download is not used.
Nothing of the user's leaks in: HOME and every JUPYTER_* folder point into a temporary directory.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "screenshots"
# Settings every test session starts with: no news/update prompt (it would cover the page and make a request),
# and every cell kept in the DOM (JupyterLab's windowed rendering would hide off-screen cells from the checks).
SETTING_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}
ERROR_TEXTS = ("Traceback", "Error")


def browser_missing():
    """Why no browser test can run here, or None when Chromium and Playwright are both available."""
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"playwright is not importable ({error}); pip install playwright"
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def isolated_env(home):
    """os.environ with HOME and the Jupyter folders inside `home`, so no user setting or workspace leaks in."""
    env = dict(os.environ, HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               IPYTHONDIR=str(home / "ipython"), MPLCONFIGDIR=str(home / "matplotlib"))
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTERLAB_SETTINGS_DIR", None)
    env.pop("JUPYTERLAB_WORKSPACES_DIR", None)
    env.pop("MPLBACKEND", None)  # it would hide the lessons' inline figures
    return env


class Lab:
    """A JupyterLab server on a free localhost port, without token, serving `root`; stop() ends it."""

    def __init__(self, root, home, log):
        self.root, self.home, self.port = Path(root), Path(home), free_port()
        settings = self.home / "app-settings"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "overrides.json").write_text(json.dumps(SETTING_OVERRIDES, indent=1))
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={self.port}",
                   "--ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=", "--allow-root",
                   f"--ServerApp.root_dir={self.root}", f"--LabApp.app_settings_dir={settings}",
                   "--LabApp.expose_app_in_browser=True"]
        self.log = open(log, "w")
        self.server = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=isolated_env(self.home))
        self._wait_until_up()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _wait_until_up(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.server.returncode}; see {self.log.name}")
            try:
                urllib.request.urlopen(f"{self.url}/lab", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer within {timeout} s; see {self.log.name}")

    def stop(self):
        if self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.log.close()


def copy_notebook(notebook, folder):
    """Copy a lesson into the server's folder (the test never touches the original); return its name."""
    shutil.copy(notebook, folder)
    return Path(notebook).name


def open_notebook(page, lab, name, timeout=60_000):
    """Open `name` in JupyterLab and wait until its kernel is connected."""
    page.goto(f"{lab.url}/lab/tree/{name}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext", timeout=timeout)
    try:  # a fresh JupyterLab may ask which kernel to start
        page.click(".jp-Dialog button.jp-mod-accept", timeout=3000)
    except Exception:
        pass
    page.wait_for_function(f"() => {_KERNEL}?.status === 'idle'", timeout=timeout)


_NOTEBOOK = "window.jupyterapp.shell.currentWidget"
_KERNEL = f"{_NOTEBOOK}.sessionContext.session?.kernel"


def run_all(page, timeout=600_000):
    """Clear every output, run all cells, and wait until each code cell has run and the kernel is idle.

    Raises RuntimeError with the error text when a cell fails (JupyterLab then leaves the cells below unrun).
    """
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function(f"() => {_NOTEBOOK}.content.widgets.every(c => c.model.type !== 'code'"
                           " || c.model.executionCount === null)", timeout=10_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_until_all_ran(page, timeout)


_UNRUN = f"{_NOTEBOOK}.content.widgets.filter(c => c.model.type === 'code' && c.model.executionCount === null).length"


def wait_until_all_ran(page, timeout=600_000):
    """Wait until every code cell has an execution count and the kernel is idle; fail early on an error."""
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        unrun, status = page.evaluate(f"() => [{_UNRUN}, {_KERNEL}?.status]")
        if unrun == 0 and status == "idle":
            return
        if status == "idle" and _errors_in_outputs(page):
            wait_idle(page, quiet=3.0)  # a queued cell may still start; an error stops the run for good
            if page.evaluate(f"() => {_UNRUN}") > 0:
                raise RuntimeError(f"a cell failed, {page.evaluate(f'() => {_UNRUN}')} code cells left unrun: "
                                   f"{error_texts(page)}")
        time.sleep(1)
    raise TimeoutError(f"{page.evaluate(f'() => {_UNRUN}')} code cells still unrun after {timeout / 1000} s")


def _errors_in_outputs(page):
    return page.evaluate(f"() => {_NOTEBOOK}.content.widgets.some(c => c.model.type === 'code' && "
                         "[...Array(c.model.outputs.length).keys()]"
                         ".some(i => c.model.outputs.get(i).type === 'error'))")


def wait_idle(page, timeout=60_000, quiet=1.0):
    """Wait until the kernel has stayed idle for `quiet` seconds (queued messages briefly show idle between them)."""
    deadline, idle_since = time.monotonic() + timeout / 1000, None
    while time.monotonic() < deadline:
        if page.evaluate(f"() => {_KERNEL}?.status") == "idle":
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since >= quiet:
                return
        else:
            idle_since = None
        time.sleep(0.1)
    raise TimeoutError(f"the kernel was not idle for {quiet} s within {timeout / 1000} s")


def error_texts(page, root=".jp-Notebook"):
    """Every error visible in the notebook: tracebacks and errors on stderr, widgets that failed to display."""
    found = []
    stderr = page.locator(f'{root} .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]')
    for text in stderr.all_inner_texts():
        if any(word in text for word in ERROR_TEXTS):
            found.append(text[:500])
    found += [t[:300] for t in page.locator(f"{root} :text('Error displaying widget')").all_inner_texts()]
    found += [t[:300] for t in page.locator(f"{root} :text('Could not update')").all_inner_texts()]
    return found


def playground_panel(page, root=".jp-Notebook"):
    """The Playground panel: the widget box that holds a 'learning rate' slider and the figure image."""
    rate = page.locator(".widget-slider:has(label.widget-label:text-is('learning rate'))")
    return page.locator(f"{root} .widget-vbox:has(.widget-image)").filter(has=rate).last


def slider(panel, label):
    """A slider in `panel` by its exact description."""
    return panel.locator(f".widget-slider:has(label.widget-label:text-is('{label}'))")


def image_src(panel):
    return panel.locator("img").first.get_attribute("src")


def image_digest(panel):
    """A hash of the bytes the panel's figure shows (its src is a blob: URL, new on every update)."""
    return panel.locator("img").first.evaluate("""async img => {
        const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
        let h = 2166136261;
        for (const b of bytes) { h = Math.imul(h ^ b, 16777619) >>> 0; }
        return `${bytes.length}:${h.toString(16)}`;
    }""")


def wait_image_changed(page, panel, before, timeout=60_000):
    """Wait until the panel's figure differs from `before` and the kernel is idle; return the new src."""
    handle = panel.locator("img").first.element_handle()
    page.wait_for_function("([img, before]) => img.src !== before", arg=[handle, before], timeout=timeout,
                           polling=200)
    wait_idle(page, timeout)
    return image_src(panel)


def screenshot(page, name, element=None):
    """Save a screenshot (the whole page, or one element) to screenshots/NAME.png; return its path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    (element or page).screenshot(path=str(path), **({} if element else {"full_page": True}))
    return path
