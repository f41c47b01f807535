"""The folder is the architecture: four parts, imports running one way (course -> lab -> twin -> network), no circles.

Every module's imports are read with ast (top-level and inside functions alike), so a lazy import against the
direction fails here too. nnlab/__init__.py is the public API and may name anything; nothing may import it back.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "nnlab"
ORDER = ["network", "twin", "lab", "course"]  # each part may import only the parts before it
THIRD_PARTY = {  # what each part may not import, beyond the parts after it
    "network": {"tensorflow", "keras", "matplotlib", "ipywidgets", "IPython"},
    "twin": {"matplotlib", "ipywidgets", "IPython"},
    "lab": set(),
    "course": set(),
}


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(name):
    """'nnlab.twin.convert' -> 'twin'; 'nnlab.losses' -> 'network'; the façade 'nnlab' -> None."""
    pieces = name.split(".")
    if len(pieces) == 1:
        return None
    return pieces[1] if pieces[1] in ORDER else "network"


def resolve(name):
    """The module an import of `name` loads: 'nnlab.lab.Settings' -> 'nnlab.lab' (a name inside a package)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports(name, path):
    """(line, imported name) for every import in module `name`; `from a import b` gives 'a.b' (b may be a module)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import: resolve against this module's package
                package = name.split(".")
                package = package[:len(package) - node.level + (path.name == "__init__.py")]
                base = ".".join(package + ([base] if base else []))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def edges():
    """{module: [(line, nnlab module it imports)]} for nnlab's own modules."""
    return {name: [(line, resolve(target)) for line, target in imports(name, path) if target.split(".")[0] == "nnlab"]
            for name, path in MODULES.items()}


def wrong_way_imports():
    """Every import against the direction, as 'file:line imports X (part A may not import part B)'."""
    problems = []
    for name, path in MODULES.items():
        part = part_of(name)
        if part is None:
            continue
        where = name.replace(".", "/") + ("/__init__.py" if path.name == "__init__.py" else ".py")
        for line, target in imports(name, path):
            top = target.split(".")[0]
            if top in THIRD_PARTY[part]:
                problems.append(f"{where}:{line} imports {top} (the {part} may not import {top})")
            elif top == "nnlab":
                other = part_of(resolve(target))
                if other is None:
                    problems.append(f"{where}:{line} imports the nnlab façade (import the module itself)")
                elif ORDER.index(other) > ORDER.index(part):
                    problems.append(f"{where}:{line} imports {resolve(target)} (the {part} may not import "
                                    f"the {other}: the direction is course -> lab -> twin -> network)")
    return problems


def circles():
    """Every import circle among nnlab's modules, each as 'a -> b -> a'."""
    graph, found, state = {m: sorted({t for _, t in e if t != m}) for m, e in edges().items()}, set(), {}

    def visit(module, stack):
        state[module] = "open"
        for target in graph.get(module, []):
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                found.add(" -> ".join(cycle))
            elif target not in state:
                visit(target, stack + [target])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])
    return sorted(found)


def test_the_four_parts_are_there():
    assert {part_of(m) for m in MODULES} == {None, *ORDER}
    network = {m.split(".")[1] for m in MODULES if part_of(m) == "network"}
    assert {"activations", "initializers", "losses", "optimizers", "metrics", "layers", "models", "training",
            "callbacks", "gradcheck", "datasets"} <= network


def test_imports_run_one_way():
    assert wrong_way_imports() == []


def test_no_import_circles():
    assert circles() == []


def test_the_checks_catch_a_wrong_import(monkeypatch, tmp_path):
    """Plant a network module that imports the lab and matplotlib, and one pair that imports each other."""
    planted = {"nnlab.planted": "import matplotlib\nfrom nnlab.lab import Settings\n",
               "nnlab.twin.ping": "from nnlab.twin import pong\n", "nnlab.twin.pong": "from nnlab.twin import ping\n"}
    for name, source in planted.items():
        path = tmp_path / f"{name}.py"
        path.write_text(source)
        monkeypatch.setitem(MODULES, name, path)
    problems = wrong_way_imports()
    assert "nnlab/planted.py:1 imports matplotlib (the network may not import matplotlib)" in problems, problems
    assert any(p.startswith("nnlab/planted.py:2 imports nnlab.lab (the network may not import the lab")
               for p in problems), problems
    assert "nnlab.twin.ping -> nnlab.twin.pong -> nnlab.twin.ping" in circles()


def test_import_nnlab_loads_neither_tensorflow_nor_matplotlib():
    code = ("import sys, nnlab; heavy = sorted({'tensorflow', 'keras', 'matplotlib', 'ipywidgets'} & set(sys.modules)); "
            "assert not heavy, heavy; assert callable(nnlab.Playground)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("name", ["nnlab.twin", "nnlab.lab", "nnlab.course"])
def test_each_part_says_what_it_is_for_and_what_it_may_import(name):
    docstring = ast.get_docstring(ast.parse(MODULES[name].read_text())) or ""
    assert len(docstring.splitlines()) >= 2 and "import" in docstring, docstring
