"""Lesson hygiene: what strict nbval needs and what a reviewer expects of a stored notebook (../shared/NOTEBOOKS.md)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"


def code_cells(path):
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_the_lessons_are_there_in_order():
    names = [p.name for p in NOTEBOOKS]
    assert names[:3] == ["01_neurons_and_layers.ipynb", "02_training_in_three_steps.ipynb",
                         "03_loss_and_accuracy.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_ran_in_order(path):
    counts = [c["execution_count"] for c in code_cells(path)]
    assert None not in counts, "store outputs by executing the whole notebook (see README)"
    assert counts == list(range(1, len(counts) + 1)), "cells were run out of order or re-run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_error_outputs_except_on_purpose(path):
    for cell in code_cells(path):
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert not errors or "raises-exception" in tags(cell), "".join(cell["source"])[:80]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_kernel_semicolons_widgets_paths_and_size(path):
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    for cell in code_cells(path):
        source = "".join(cell["source"])
        assert not source.rstrip().endswith(";"), f"trailing ';' (nbval ignores it): {source[-60:]}"
        shows_widget = any(WIDGET in o.get("data", {}) for o in cell["outputs"])
        assert not shows_widget or "nbval-ignore-output" in tags(cell), f"untagged widget cell: {source[:60]}"
        text = json.dumps(cell["outputs"])
        assert "/work/" not in text and "/home/" not in text and "/root/" not in text, source[:60]
    assert path.stat().st_size < 2_000_000


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ignored_outputs_are_only_widgets(path):
    """nbval-ignore-output hides a cell's output from the comparison: only for widgets, never to hide a difference."""
    for cell in code_cells(path):
        if "nbval-ignore-output" in tags(cell):
            assert any(WIDGET in o.get("data", {}) for o in cell["outputs"]), "".join(cell["source"])[:80]
