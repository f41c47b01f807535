"""The classroom image recipe: what repo2docker (Binder, JupyterHub image builds) makes of this repository.

repo2docker renders its Dockerfile without a Docker daemon (`--no-build`), so these tests read the real recipe
and run its steps here: the pip install it would run (as a dry run, from the repository root, as in the image),
binder/postBuild in a temporary prefix, and JupyterLab's own settings loader on what postBuild installed.
Needs jupyter-repo2docker (requirements.txt); without it these tests fail, they never skip.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import warnings

import jsonschema
import pytest
from jupyterlab_server.settings_utils import get_settings

with warnings.catch_warnings():  # repo2docker's logging library warns about its own import path
    warnings.simplefilter("ignore", DeprecationWarning)
    from repo2docker.app import Repo2Docker
    from repo2docker.buildpacks import PythonBuildPack

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
SCHEMAS = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


@pytest.fixture(scope="module")
def dockerfile():
    """The Dockerfile repo2docker would build for this working tree (rendered only, no daemon needed)."""
    out = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--debug", str(ROOT)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    assert "FROM " in text and "RUN ./binder/postBuild" in text, text[-2000:]
    return text


def test_repo2docker_reads_binder_folder_with_pip_not_conda(monkeypatch):
    # binder/ makes repo2docker ignore the root's environment.yml (which would otherwise win over
    # requirements.txt) and pyproject.toml (which would add a second, non-editable `pip install .`).
    monkeypatch.chdir(ROOT)
    app = Repo2Docker()
    picked = next(bp for bp in (BP(base_image=app.base_image) for BP in app.buildpacks) if bp.detect())
    assert type(picked) is PythonBuildPack, type(picked).__name__
    assert picked.binder_dir == "binder"
    assert picked.python_version == "3.11"  # binder/runtime.txt: the version CI tests
    assert not (BINDER / "environment.yml").exists() and not (BINDER / "environment.yaml").exists()


def test_requirements_install_after_the_repository_is_copied(dockerfile):
    copy = dockerfile.index("COPY --chown=")  # first COPY of build scripts; the repository comes later
    repo_copy = dockerfile.index("src/ ${REPO_DIR}/")
    pip = re.search(r'RUN \$\{KERNEL_PYTHON_PREFIX\}/bin/pip install --no-cache-dir -r "([^"]+)"', dockerfile)
    assert pip, "repo2docker no longer installs a requirements file with pip"
    assert pip.group(1) == "binder/requirements.txt"
    assert copy < repo_copy < pip.start(), "requirements are installed before the repository is in the image"
    assert pip.start() < dockerfile.index("RUN ./binder/postBuild")
    assert "env update" not in dockerfile, "repo2docker would install environment.yml with conda"
    assert "pip install --no-cache-dir ." not in dockerfile, "a second, non-editable nnlab install"
    assert "Building conda environment for python=3.11" in dockerfile  # the base Python, from runtime.txt


def test_binder_requirements_resolve_to_this_checkout_editable(dockerfile, tmp_path):
    # The command from the Dockerfile, run where the image runs it (WORKDIR is the repository), as a dry run:
    # the nested `-r ../requirements.txt` is found and its `-e .` is this checkout, installed editable.
    requirements = re.search(r'pip install --no-cache-dir -r "([^"]+)"', dockerfile).group(1)
    report = tmp_path / "report.json"
    out = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report),
                          "-r", requirements], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    installs = {item["metadata"]["name"]: item["download_info"] for item in json.loads(report.read_text())["install"]}
    assert installs["nnlab"] == {"url": ROOT.as_uri(), "dir_info": {"editable": True}}
    root_lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert "-e ." in root_lines


def test_postbuild_is_executable_and_stops_on_the_first_error():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    lines = [line.strip() for line in post_build.read_text().splitlines()]
    assert lines[0] in ("#!/usr/bin/env bash", "#!/bin/bash")
    first_command = next(line for line in lines[1:] if line and not line.startswith("#"))
    assert first_command == "set -euo pipefail"
    assert not (ROOT / "postBuild").exists(), "a root postBuild is ignored by repo2docker once binder/ exists"


def test_overrides_name_real_settings_with_valid_values():
    overrides = json.loads((BINDER / "overrides.json").read_text())
    assert overrides[NOTIFICATION] == {"fetchNews": "false", "checkForUpdates": False}
    for plugin_id, values in overrides.items():
        package, plugin = plugin_id.split(":")
        schema_file = SCHEMAS / package / f"{plugin}.json"
        assert schema_file.exists(), f"no JupyterLab setting {plugin_id} (looked for {schema_file})"
        schema = json.loads(schema_file.read_text())
        assert set(values) <= set(schema["properties"]), set(values) - set(schema["properties"])
        jsonschema.validate(values, schema)


def test_postbuild_runs_and_jupyterlab_reads_its_settings(tmp_path):
    # The script on a copy of the repository (it writes learner/ there), with a temporary environment prefix
    # that already holds another override, which must survive.
    repo = tmp_path / "repo"
    shutil.copytree(BINDER, repo / "binder")
    shutil.copytree(ROOT / "notebooks", repo / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    prefix = tmp_path / "prefix"
    settings = prefix / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True)
    other = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}
    (settings / "overrides.json").write_text(json.dumps(other))
    env = dict(os.environ, NB_PYTHON_PREFIX=str(prefix),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(["bash", str(repo / "binder" / "postBuild")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr

    written = json.loads((settings / "overrides.json").read_text())
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    result, warnings = get_settings(str(settings), str(SCHEMAS), str(tmp_path / "user-settings"),
                                    schema_name=NOTIFICATION)
    assert not [w for w in warnings if w], warnings
    defaults = {key: value["default"] for key, value in result["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False

    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert lessons and sorted(p.name for p in (repo / "learner").glob("*.ipynb")) == lessons


def test_postbuild_fails_the_build_when_nnlab_is_missing(tmp_path):
    # `set -e` in action: a Python without nnlab stops the script at its first step, before any settings.
    shutil.copytree(BINDER, tmp_path / "repo" / "binder")
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    prefix = tmp_path / "prefix"
    env = dict(os.environ, NB_PYTHON_PREFIX=str(prefix), PATH=f"{bare / 'bin'}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    out = subprocess.run(["bash", str(tmp_path / "repo" / "binder" / "postBuild")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "No module named 'nnlab'" in out.stderr
    assert not prefix.exists()
