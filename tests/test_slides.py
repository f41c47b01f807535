"""nnlab.course.slides: the rules that give each lesson cell a slide type, and the lessons carrying them."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnlab.course import slides, student

LESSONS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def markdown(text, **metadata):
    return {"cell_type": "markdown", "metadata": metadata, "source": text}


def code(text, **metadata):
    return {"cell_type": "code", "execution_count": 7, "metadata": metadata, "outputs": [{"output_type": "stream",
            "name": "stdout", "text": ["42\n"]}], "source": text}


@pytest.mark.parametrize("cell, expected", [
    (markdown("# Lesson 02: Training"), "slide"),
    (markdown("## 3. The same three steps in NumPy\n\nText."), "slide"),
    (markdown("\n## Key takeaways"), "slide"),
    (markdown("### Step 1: specify"), "subslide"),
    (markdown("#### A small heading"), "-"),  # not a heading rule: a short paragraph
    (markdown("#hashtag is not a heading"), "-"),
    (markdown("Here is all of it."), "-"),
    (markdown("word " * 200), "subslide"),  # 1,000 characters: its own screen
    (code("import nnlab\nkeras = nnlab.course.setup()"), "skip"),
    (code("updates = ...\n### BEGIN SOLUTION\nupdates = 3\n### END SOLUTION"), "notes"),
    (code("nnlab.lab.playground.Playground(epochs=100)", tags=["nbval-ignore-output"]), "subslide"),
    (code("nnlab.lab.playground.Playground(epochs=100)"), "fragment"),
    (code("print(1)"), "fragment"),
    ({"cell_type": "raw", "metadata": {}, "source": "raw"}, "-"),
])
def test_rules(cell, expected):
    assert slides.slide_type(cell) == expected


def test_source_as_a_list_of_lines_is_read_like_a_string():
    assert slides.slide_type(markdown(["### Step", " 1\n", "text"])) == "subslide"
    assert slides.slide_type(code(["x = 1\n", "keras = nnlab.course.setup()"])) == "skip"


def test_long_markdown_threshold():
    assert slides.slide_type(markdown("a" * slides.LONG_MARKDOWN)) == "-"
    assert slides.slide_type(markdown("a" * (slides.LONG_MARKDOWN + 1))) == "subslide"


def test_assign_keeps_every_choice_already_made_and_changes_nothing_else():
    notebook = {"cells": [markdown("# Title", slideshow={"slide_type": "skip"}),
                          code("print(1)", tags=["nbval-ignore-output"]),
                          code("print(2)", slideshow={"slide_type": "-"}),
                          markdown("text", slideshow={"slide_type": "bogus"})],
                "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    before = copy.deepcopy(notebook)
    assert slides.assign_slide_types(notebook) == 2
    assert [c["metadata"]["slideshow"]["slide_type"] for c in notebook["cells"]] == ["skip", "subslide", "-", "-"]
    assert notebook["cells"][1]["metadata"]["tags"] == ["nbval-ignore-output"]
    for cell, old in zip(notebook["cells"], before["cells"]):
        cell, old = copy.deepcopy(cell), copy.deepcopy(old)
        cell["metadata"].pop("slideshow"), old["metadata"].pop("slideshow", None)
        assert cell == old  # outputs, execution counts, sources, other metadata: untouched
    assert notebook["metadata"] == before["metadata"]
    assert slides.assign_slide_types(notebook) == 0  # a second pass finds nothing to do


def test_command_line_writes_in_place_and_keeps_outputs(tmp_path):
    notebook = {"cells": [markdown("# Title"), code("print(42)")], "metadata": {}, "nbformat": 4,
                "nbformat_minor": 5}
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True) + "\n")
    result = subprocess.run([sys.executable, "-m", "nnlab.course.slides", str(path)], capture_output=True,
                            text=True, check=True)
    assert "2 cells given a slide type" in result.stdout
    written = json.loads(path.read_text())
    assert [c["metadata"]["slideshow"]["slide_type"] for c in written["cells"]] == ["slide", "fragment"]
    assert written["cells"][1]["outputs"] == notebook["cells"][1]["outputs"]
    assert written["cells"][1]["execution_count"] == 7
    text = path.read_text()
    assert slides.write_slide_types(path) == 0 and path.read_text() == text  # nothing left to do: not rewritten


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_writing_keeps_the_lesson_file_byte_for_byte_apart_from_the_metadata(lesson):
    """The tool writes a notebook exactly as Jupyter does, so its diff on a lesson is the slide metadata only."""
    text = lesson.read_text(encoding="utf-8")
    assert json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n" == text


def deck(lesson):
    """The lesson's cells with the slide types it would be presented with: the types stored in the file where it
    has them, the rules' types elsewhere (what `python -m nnlab.course.slides` leaves). The file is only read."""
    notebook = json.loads(lesson.read_text(encoding="utf-8"))
    slides.assign_slide_types(notebook)
    return [(cell, cell["metadata"]["slideshow"]["slide_type"]) for cell in notebook["cells"]]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_opens_on_its_title_and_hides_its_set_up_and_answers(lesson):
    cells = deck(lesson)
    assert cells[0][1] == "slide" and slides.source_text(cells[0][0]).startswith("# ")
    assert all(kind in slides.SLIDE_TYPES for _, kind in cells)
    setup = [kind for cell, kind in cells if "nnlab.course.setup(" in slides.source_text(cell)]
    assert setup and set(setup) <= {"skip"}, f"the set-up cell is shown as {setup}"
    answers = [kind for cell, kind in cells if "### BEGIN SOLUTION" in slides.source_text(cell)]
    assert answers, "every lesson has exercises with reference answers"
    assert set(answers) <= {"notes", "skip"}, f"a reference answer would be on a slide: {answers}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_widget_and_every_long_text_gets_a_screen_of_its_own(lesson):
    cells = deck(lesson)
    widgets = [kind for cell, kind in cells if "nbval-ignore-output" in cell["metadata"].get("tags", [])]
    assert widgets, "every lesson shows at least one live widget"
    assert set(widgets) <= {"slide", "subslide"}, f"a widget shares a screen: {widgets}"
    long_texts = [kind for cell, kind in cells
                  if cell["cell_type"] == "markdown" and len(slides.source_text(cell).strip()) > slides.LONG_MARKDOWN]
    assert set(long_texts) <= {"slide", "subslide"}, f"a long text shares a screen: {long_texts}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_section_heading_starts_a_slide(lesson):
    for cell, kind in deck(lesson):
        first_line = slides.source_text(cell).strip().split("\n")[0]
        if cell["cell_type"] == "markdown" and first_line.startswith(("# ", "## ")):
            assert kind == "slide", f"{first_line!r} is a {kind!r}"


def test_lesson_02s_playground_is_a_screen_of_its_own_in_the_deck():
    """The browser test (tests/browser/test_browser_slides.py) steps to this cell while presenting."""
    cells = deck(next(p for p in LESSONS if p.name.startswith("02_")))
    kinds = [kind for cell, kind in cells if "Playground(" in slides.source_text(cell) and cell["cell_type"] == "code"]
    assert kinds and kinds[0] in ("slide", "subslide")


@pytest.mark.parametrize("module", [slides, student])
def test_command_lines_explain_themselves(module, capsys):
    """--help prints the usage (it once tried to open a notebook named --help); missing arguments exit with 2."""
    with pytest.raises(SystemExit) as help_exit:
        module.main(["--help"])
    assert help_exit.value.code == 0 and f"usage: python -m {module.__name__}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as missing:
        module.main([])
    assert missing.value.code == 2 and "the following arguments are required" in capsys.readouterr().err
