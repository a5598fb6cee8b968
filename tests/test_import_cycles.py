"""No module of ours imports a module that imports it back, directly or around a longer circle.

Every ``import`` and ``from … import`` counts, also those inside functions (a lazy import is still a
dependency; the CLI's circle with the command modules was one). A package's ``__init__`` is a module
like any other; the implicit import of a parent package by its submodules is not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("formsvc", "wagesafe", "qr")


def module_files() -> dict[str, Path]:
    found = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ours that ``name`` imports (by ``import`` or ``from … import``)."""
    is_pkg = path.name == "__init__.py"
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    out.add(sub)
                elif target in known:
                    out.add(target)
    out.discard(name)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imports_of(name, path, set(files)) for name, path in files.items()}


def test_import_graph_sees_imports():
    """The walk finds real edges (a test that could not fail would prove nothing)."""
    graph = import_graph()
    assert "formsvc.storage.store" in graph["formsvc.case.complaints"]
    assert "wagesafe.registry.commands" in graph["qr.commands"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert not found, "modules that import each other in a circle:\n" + "\n".join(" ↔ ".join(c) for c in found)


def outputs_imported_by_the_core(graph: dict[str, set[str]]) -> list[str]:
    """``wagesafe/`` is the shared core the outputs build on: only ``wagesafe.cli``, which assembles
    the command, may import an output (``formsvc``, ``qr``); anything else doing so turns the arrows round."""
    return sorted(f"{module} imports {target}" for module, targets in graph.items()
                  if module.split(".")[0] == "wagesafe" and module != "wagesafe.cli"
                  for target in targets if target.split(".")[0] in ("formsvc", "qr"))


def test_shared_core_imports_no_output():
    found = outputs_imported_by_the_core(import_graph())
    assert not found, "the shared core imports an output:\n" + "\n".join(found)


def test_shared_core_check_can_fail():
    graph = {"wagesafe.cli": {"formsvc.commands"}, "wagesafe.x": {"formsvc.storage.store", "wagesafe.config"},
             "wagesafe.sitegen.y": {"qr.posters"}, "formsvc.a": {"wagesafe.config"}}
    assert outputs_imported_by_the_core(graph) == ["wagesafe.sitegen.y imports qr.posters",
                                                   "wagesafe.x imports formsvc.storage.store"]


def test_formsvc_top_level_is_small_and_documented():
    """formsvc/ reads as the architecture: about ten entries, each saying what it holds
    (eleven since issue 26: ``content/``, what editors publish)."""
    entries = [p for p in (ROOT / "formsvc").iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 11, sorted(p.name for p in entries)
    for entry in entries:
        init = entry / "__init__.py" if entry.is_dir() else entry
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.splitlines()[0]) > 20, f"{entry.name} has no one-line docstring"
