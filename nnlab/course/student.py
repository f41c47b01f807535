"""The learner's edition: each lesson without its reference answers, quiz keys or stored outputs.

    python -m nnlab.course.student notebooks OUTDIR

writes OUTDIR/NN_lesson.ipynb for every lesson, following nbgrader's convention (so nbgrader works too):
- code between `### BEGIN SOLUTION` and `### END SOLUTION` becomes `# YOUR CODE HERE` and `name = ...` (or
  `return ...` inside a function): the check cells report such a placeholder as "Not attempted yet";
- after each exercise, a Help panel gives its hints one at a time and then the reference answer, shown
  beside the learner's code, never written into it (so Restart & Run All keeps their work);
- check and quiz cells are sealed (their source, with the expected answers, is stored encoded and run as is);
- cells tagged `instructor` are removed, and every output is cleared, so no prediction is spoiled.
"""

import argparse
import ast
import base64
import html
import json
import re
import sys
import zlib
from pathlib import Path

from nnlab._checks import fail

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SEALED = re.compile(r"\b(check_\w+|Question|Quiz)\(")  # cells whose source holds expected answers
HELP = "nnlab.course.student.Help({blob!r})  # hints, then the reference answer, on request"


def seal(text):
    """`text` compressed and base64-encoded: not readable in a cell, restored exactly by `unseal`."""
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def unseal(blob):
    return zlib.decompress(base64.b64decode(blob)).decode("utf-8")


def run_sealed(blob, namespace):
    """Run a sealed cell's source in the notebook's namespace; display its last expression as a cell would."""
    tree = ast.parse(unseal(blob))
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<sealed cell>", "exec"), namespace)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), "<sealed cell>", "eval"), namespace)
        if value is not None:
            from IPython.display import display

            display(value)


def _solution_blocks(lines):
    """(begin, end) line indices of every BEGIN/END SOLUTION pair; refuses unpaired markers."""
    blocks, begin = [], None
    for i, line in enumerate(lines):
        if line.strip() == BEGIN and begin is None:
            begin = i
        elif line.strip() == END and begin is not None:
            blocks.append((begin, i))
            begin = None
        elif line.strip() in (BEGIN, END):
            fail("notebook", f"'{BEGIN}' and '{END}' lines in pairs", line.strip())
    if begin is not None:
        fail("notebook", f"an '{END}' line after every '{BEGIN}'", lines[begin].strip())
    return blocks


def _assigned_names(code):
    """The names the reference answer assigns at its top level, in order (what the check cells read)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # a block inside a function body: indented, so not parseable on its own
        return []
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            for name in ast.walk(target) if target is not None else []:
                if isinstance(name, ast.Name) and name.id not in names:
                    names.append(name.id)
    return names


def placeholder(lines, begin, end):
    """The learner's lines for one solution block: `# YOUR CODE HERE` and a `...` for every answer to write."""
    indent = re.match(r"\s*", lines[begin]).group()
    body = "".join(line[len(indent):] if line.startswith(indent) else line for line in lines[begin + 1:end])
    before = "".join(lines[:begin])
    new = [f"{indent}# YOUR CODE HERE\n"]
    if indent and re.search(r"^return\b", body, re.M):  # inside a function: its locals don't matter, its result does
        return [*new, f"{indent}return ...\n"]
    return new + [f"{indent}{name} = ...\n" for name in _assigned_names(body)
                  if not re.search(rf"^\s*{re.escape(name)}\s*=\s*\.\.\.", before, re.M)]


def _hints(reference):
    """The hint ladder for an exercise: the reference answer's comments, in order (each a nudge, not the code)."""
    return [line.split("#", 1)[1].strip() for line in reference.splitlines() if "#" in line
            and line.split("#", 1)[1].strip()]


def learner_cell(cell):
    """(the learner's version of a code cell, the reference answer it hid or None)."""
    lines = "".join(cell["source"]).splitlines(keepends=True)
    blocks = _solution_blocks(lines)
    if not blocks:
        return cell, None
    reference, out, last = [], [], 0
    for begin, end in blocks:
        out += lines[last:begin] + placeholder(lines, begin, end)
        reference.append("".join(lines[begin + 1:end]))
        last = end + 1
    out += lines[last:]
    return {**cell, "source": "".join(out).rstrip("\n")}, "\n".join(reference)


def _code(cell_id, source, tags=()):
    return {"cell_type": "code", "execution_count": None, "id": cell_id,
            "metadata": {"tags": list(tags)} if tags else {}, "outputs": [], "source": source}


def learner_notebook(notebook):
    """The learner's edition of one lesson (a notebook dict); the instructor's is left unchanged."""
    cells, pending = [], None
    for cell in notebook["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "instructor" in tags:
            continue
        if cell["cell_type"] != "code":
            cells.append(cell)
            continue
        cell, reference = learner_cell(cell)
        source = "".join(cell["source"])
        if reference is None and SEALED.search(source):
            cell = {**cell, "source": f"nnlab.course.student.run_sealed({seal(source)!r}, globals())"}
        metadata = {k: v for k, v in cell.get("metadata", {}).items() if k != "execution"}  # run timestamps
        cells.append({**cell, "metadata": metadata, "outputs": [], "execution_count": None})
        if reference is not None:
            pending = reference
        elif pending is not None and "check_" in source:  # the exercise's check: the Help panel goes after it
            blob = seal(json.dumps({"hints": _hints(pending), "answer": pending}))
            help_id = f"help-{cell.get('id', len(cells))}"
            cells.append(_code(help_id, HELP.format(blob=blob), tags=["nbval-ignore-output"]))
            pending = None
    return {**notebook, "cells": cells}


class Help:
    """Buttons for a stuck learner: the next hint, then the reference answer, shown here, not in their code."""

    def __init__(self, blob):
        import ipywidgets as widgets

        content = json.loads(unseal(blob))
        self.hints, self.answer, self.shown = content["hints"], content["answer"], 0
        self.button = widgets.Button(description=self._label(), layout={"width": "260px"})
        self.text = widgets.HTML()
        self.button.on_click(lambda _: self.next())
        self.widget = widgets.VBox([self.button, self.text])

    def _label(self):
        return f"Hint {self.shown + 1} of {len(self.hints)}" if self.shown < len(self.hints) else "Show the answer"

    def next(self):
        """Show one more hint, or, after the last, the reference answer; return what is shown."""
        if self.shown < len(self.hints):
            self.shown += 1
        else:
            self.shown = len(self.hints) + 1
        parts = [f"Hint {i + 1}: {html.escape(h)}" for i, h in enumerate(self.hints[:self.shown])]
        if self.shown > len(self.hints):
            parts.append("The reference answer (compare it with yours; your cell is unchanged):"
                         f"<pre>{html.escape(self.answer)}</pre>")
        self.text.value = "<br>".join(parts)
        self.button.description = self._label()
        return self.text.value

    def _repr_mimebundle_(self, **kwargs):
        return {**self.widget._repr_mimebundle_(**kwargs), "text/plain": "Help (hints, then the answer)"}


def write_edition(source_dir, out_dir):
    """Write the learner's edition of every lesson NN_*.ipynb in `source_dir` to `out_dir`; return the paths."""
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    lessons = sorted(source_dir.glob("[0-9][0-9]_*.ipynb"))
    if not lessons:
        fail("source_dir", "a folder with the lessons (01_*.ipynb, ...)", str(source_dir))
    if out_dir.resolve() == source_dir.resolve():
        fail("out_dir", "another folder than the instructor's lessons (they would be overwritten)", str(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in lessons:
        target = out_dir / path.name
        notebook = learner_notebook(json.loads(path.read_text(encoding="utf-8")))
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    for extra in source_dir.glob("*.md"):  # the glossary the lessons link to
        (out_dir / extra.name).write_text(extra.read_text(encoding="utf-8"), encoding="utf-8")
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnlab.course.student",
                                     description="Write the learner's edition: the lessons with every solution "
                                                 "replaced by a placeholder.")
    parser.add_argument("lessons_dir", metavar="LESSONS_DIR", help="the folder of the instructor's lessons")
    parser.add_argument("out_dir", metavar="OUT_DIR", help="where the learner's edition is written")
    args = parser.parse_args(argv)
    for path in write_edition(args.lessons_dir, args.out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
