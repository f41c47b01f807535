"""The learner's edition: no reference answer, quiz key or output left readable, and every lesson still runs.

Each learner notebook is executed top to bottom (nbclient): no error, and every exercise check says "Not
attempted yet" on the placeholder, while the instructor's stored outputs show the same checks saying "Correct!"
on the reference answer (strict nbval re-runs those).
"""

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nnlab.course import student

LESSONS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def source(cell):
    return "".join(cell["source"])


def outputs_text(cell):
    return "".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                   for o in cell.get("outputs", []))


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("learner")
    student.write_edition(LESSONS[0].parent, out)
    return out


def test_a_solution_block_becomes_a_placeholder_at_its_indentation():
    cell = {"cell_type": "code", "source": "x = 1\n### BEGIN SOLUTION\ny_hat = x * 2  # twice x\nz, w = 1, 2\n"
                                           "### END SOLUTION\nprint(y_hat)", "outputs": []}
    learner, reference = student.learner_cell(cell)
    assert source(learner) == "x = 1\n# YOUR CODE HERE\ny_hat = ...\nz = ...\nw = ...\nprint(y_hat)"
    assert reference == "y_hat = x * 2  # twice x\nz, w = 1, 2\n"
    function = {"cell_type": "code", "source": "def f(x):\n    ...  # yours\n    ### BEGIN SOLUTION\n"
                                               "    return x + 1\n    ### END SOLUTION\n", "outputs": []}
    learner, reference = student.learner_cell(function)
    assert source(learner) == "def f(x):\n    ...  # yours\n    # YOUR CODE HERE\n    return ..."
    with_locals = {"cell_type": "code", "source": "def g(x):\n    ### BEGIN SOLUTION\n    d = x - 1\n    return d * 2\n"
                                                  "    ### END SOLUTION\n", "outputs": []}
    assert source(student.learner_cell(with_locals)[0]) == "def g(x):\n    # YOUR CODE HERE\n    return ..."  # no
    # unreachable `d = ...` after the return
    already = {"cell_type": "code", "source": "n = ...\n### BEGIN SOLUTION\nn = 3\n### END SOLUTION", "outputs": []}
    assert source(student.learner_cell(already)[0]) == "n = ...\n# YOUR CODE HERE"


def test_unpaired_markers_are_refused():
    with pytest.raises(ValueError, match="END SOLUTION"):
        student.learner_cell({"cell_type": "code", "source": "### BEGIN SOLUTION\nx = 1\n", "outputs": []})


def test_seal_round_trips_and_hides_the_text():
    text = 'Question("2 + 2?", ["3", "4"], "4", {"3": "no", "4": "yes"})'
    assert student.unseal(student.seal(text)) == text and "Question" not in student.seal(text)


def test_help_gives_hints_one_at_a_time_then_the_answer():
    helper = student.Help(student.seal(json.dumps({"hints": ["a kernel and a bias"], "answer": "n = 64 * 25 + 25"})))
    assert helper.button.description == "Hint 1 of 1"
    assert "a kernel and a bias" in helper.next() and "64 * 25" not in helper.text.value
    assert helper.button.description == "Show the answer"
    assert "n = 64 * 25 + 25" in helper.next()


def test_instructor_cells_go_and_outputs_are_cleared():
    notebook = {"cells": [{"cell_type": "code", "source": "secret = 1", "metadata": {"tags": ["instructor"]},
                           "outputs": [], "execution_count": 1},
                          {"cell_type": "code", "source": "print(2)", "metadata": {}, "execution_count": 2,
                           "outputs": [{"output_type": "stream", "name": "stdout", "text": "2\n"}]}]}
    cells = student.learner_notebook(notebook)["cells"]
    assert [source(c) for c in cells] == ["print(2)"] and cells[0]["outputs"] == []
    assert cells[0]["execution_count"] is None


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.name)
def test_every_lesson_has_two_exercises_whose_checks_say_correct_on_the_reference(lesson):
    cells = [c for c in json.loads(lesson.read_text())["cells"] if c["cell_type"] == "code"]
    exercises = [i for i, c in enumerate(cells) if student.BEGIN in source(c)]
    assert len(exercises) >= 2, f"{lesson.name}: {len(exercises)} exercises with solution blocks"
    for i in exercises:
        check = next(c for c in cells[i + 1:] if "check_" in source(c))
        assert outputs_text(check).startswith("Correct!"), (lesson.name, source(check)[:80], outputs_text(check))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.name)
def test_the_learner_edition_hides_answers_and_keys(lesson, edition):
    instructor = json.loads(lesson.read_text())["cells"]
    learner = json.loads((edition / lesson.name).read_text())["cells"]
    text = "\n".join(source(c) for c in learner)
    assert student.BEGIN not in text and student.END not in text
    assert all(c.get("outputs", []) == [] for c in learner)
    for cell in instructor:
        if cell["cell_type"] != "code":
            continue
        _, reference = student.learner_cell(cell)
        code_lines = [line.split("#")[0].strip() for line in (reference or "").splitlines()]
        assert not any(line and line in text for line in code_lines if len(line) > 12), (lesson.name, reference)
        for key in re.findall(r'Question\(\s*"([^"]+)"', source(cell)):
            assert key not in text, f"{lesson.name}: quiz question readable: {key[:50]}"
    assert text.count("nnlab.course.student.Help(") >= 2


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.name)
def test_the_learner_edition_runs_and_every_check_says_not_attempted(lesson, edition):
    notebook = nbformat.read(edition / lesson.name, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(edition)}}).execute()
    errors = [source(c)[:80] for c in notebook.cells if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    checks = [outputs_text(c) for c in notebook.cells if c.cell_type == "code" and "run_sealed" in source(c)
              and outputs_text(c).strip() and "Quiz(" not in outputs_text(c)]
    assert len(checks) >= 2
    for text in checks:
        assert all(line.startswith("Not attempted yet") for line in text.strip().splitlines()), text
