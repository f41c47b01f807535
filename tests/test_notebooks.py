"""Lesson hygiene: what strict nbval needs and what a reviewer expects of a stored notebook (../shared/NOTEBOOKS.md)."""

import json
import re
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


# Printed float noise: the last bits of float32 arithmetic differ per CPU (BLAS and TensorFlow pick kernels per
# machine), so a stored output may show a number only at a precision every machine reproduces.
NOISE = [
    (re.compile(r"(?<![\w.])(?<!within )\d+(?:\.\d+)?[eE]-0*(?:[5-9]|[1-9]\d)\b"),
     "a number below 1e-4 in scientific notation (a bound is written 'to within 1e-06')"),
    (re.compile(r"(?<![\w.])-?0\.0000\d*[1-9]"), "a number below 1e-4 written out in decimals"),
    (re.compile(r"(?<![\w.])-?\d*\.\d*[1-9]\d{6,}(?![\d.])|(?<![\w.])-?\d+\.\d{8,}(?![\d.])"),
     "a number with 8 or more significant digits (float32 keeps about 7)"),
]


def printed_text(output):
    """The text of one stored output that nbval compares (stream text, text/plain of results)."""
    if output["output_type"] == "stream":
        return "".join(output["text"])
    return "".join(output.get("data", {}).get("text/plain", ""))


def noise_in(path):
    """(cell number, what, the text) for every printed number that shows rounding noise."""
    found = []
    for number, cell in enumerate(code_cells(path), start=1):
        for output in cell["outputs"]:
            text = printed_text(output)
            found += [(number, what, match.group()) for pattern, what in NOISE for match in pattern.finditer(text)]
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_stored_output_prints_rounding_noise(path):
    found = noise_in(path)
    assert not found, "\n".join(f"{path.name} code cell {n}: {what}: {text!r}" for n, what, text in found)


def test_the_noise_check_catches_noise(tmp_path):
    lines = ["largest difference 6.0e-08", "gap 1e-07", "0.000012", "0.49999997", "loss 0.6931471805599453",
             "fine: 0.5112, 1e-4, 2.5e-3, 1e+06, 3.14159, 40 epochs, 0.000", "version 3.15.1",
             "The twins agree to within 1e-06 (loss)."]
    cells = [{"cell_type": "code", "outputs": [{"output_type": "stream", "text": line}]} for line in lines]
    path = tmp_path / "noisy.ipynb"
    path.write_text(json.dumps({"cells": cells}))
    assert [(n, text) for n, _, text in noise_in(path)] == [
        (1, "6.0e-08"), (2, "1e-07"), (3, "0.000012"), (4, "0.49999997"), (5, "0.6931471805599453")]
