"""Slide types for presenting a lesson: rules that give every cell its `slideshow` metadata.

The rules, first match wins, and a slide type already in a cell's metadata is never changed:

- a markdown cell that opens with a level-1 or level-2 heading (`# `, `## `) starts a slide;
- a markdown cell that opens with a level-3 heading (`### `) starts a subslide (below the section's slide);
- the set-up cell (`nnlab.course.setup(`) is skipped: it runs, but has nothing to show;
- a cell holding an exercise's reference answer (`### BEGIN SOLUTION`) goes to the speaker notes;
- a code cell tagged `nbval-ignore-output` (a lesson's mark for a cell that shows a live widget) starts a
  subslide: the widget gets a screen of its own;
- any other markdown cell longer than LONG_MARKDOWN characters starts a subslide, so a screen never overflows;
- any other code cell is a fragment: it appears, with its output, on the next key press (predict, then run);
- anything else ("-") stays on the current slide.

Command line: `python -m nnlab.course.slides notebooks/*.ipynb` writes the metadata in place; it changes
nothing else (no output, no execution count, no formatting).
"""

import argparse
import json
import re
import sys

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
LONG_MARKDOWN = 700
SETUP_CALL = "nnlab.course.setup("
SOLUTION_MARK = "### BEGIN SOLUTION"
WIDGET_TAG = "nbval-ignore-output"


def source_text(cell):
    """A cell's source as one string (a notebook file stores it as a list of lines or as one string)."""
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def slide_type(cell):
    """The slide type the rules give `cell` (a notebook cell as a dict), ignoring its current metadata."""
    text = source_text(cell).lstrip()
    if cell["cell_type"] == "markdown":
        if re.match(r"#{1,2} ", text):
            return "slide"
        if text.startswith("### "):
            return "subslide"
        return "subslide" if len(text) > LONG_MARKDOWN else "-"
    if cell["cell_type"] == "code":
        if SETUP_CALL in text:
            return "skip"
        if SOLUTION_MARK in text:
            return "notes"
        if WIDGET_TAG in cell.get("metadata", {}).get("tags", []):
            return "subslide"
        return "fragment"
    return "-"  # raw cells


def assign_slide_types(notebook):
    """Give every cell of `notebook` (a dict as in the .ipynb file) a slide type, keeping types already set.

    Changes only cell["metadata"]["slideshow"]; returns the number of cells changed.
    """
    changed = 0
    for cell in notebook["cells"]:
        slideshow = cell.setdefault("metadata", {}).setdefault("slideshow", {})
        if slideshow.get("slide_type") not in SLIDE_TYPES:
            slideshow["slide_type"] = slide_type(cell)
            changed += 1
    return changed


def write_slide_types(path):
    """Assign slide types in the notebook file at `path`, in place; return the number of cells changed.

    The file is written as Jupyter writes it (indent 1, sorted keys, a final newline), and only if a cell changed.
    """
    with open(path, encoding="utf-8") as file:
        notebook = json.load(file)
    changed = assign_slide_types(notebook)
    if changed:
        with open(path, "w", encoding="utf-8") as file:
            file.write(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnlab.course.slides",
                                     description="Give every cell of each lesson its slide type, in place.")
    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK.ipynb")
    for path in parser.parse_args(argv).notebooks:
        print(f"{path}: {write_slide_types(path)} cells given a slide type")
    return 0


if __name__ == "__main__":
    sys.exit(main())
