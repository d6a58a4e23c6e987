"""The code's layers as a contract: each module imports only from its own layer or the layers below.

Top to bottom:

    entry points   start, cli, __main__
    ui             PySide6 windows and dialogs (the only Qt)
    privacy | reports | printing | demo
    exchange | directory
    records
    logs
    storage
    base           clock, errors, paths, resources, setting_keys, settings, words, the package itself

Every import counts, at the top of a module or inside a function (an import inside a function hides
the real graph; it must respect the layers all the same); imports for annotations only, under
TYPE_CHECKING, are left out. Modules import no cycle among themselves, and every import inside a function
says in a comment why it is there.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mentor_app"
LAYERS = [
    {"__main__", "start", "cli"},
    {"ui"},
    {"privacy", "reports", "printing", "demo"},
    {"exchange", "directory"},
    {"records"},
    {"logs"},
    {"storage"},
    {"", "clock", "errors", "paths", "resources", "setting_keys", "settings", "words"},
]
RANK = {part: len(LAYERS) - i for i, parts in enumerate(LAYERS) for part in parts}
QT = ("PySide6", "shiboken6")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    """The top-level part of the package a module belongs to ("" for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def rank(module: str) -> int:
    return RANK.get(part_of(module), RANK[""])  # a name from the package's __init__ (APP_NAME) is base


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


KNOWN: set[str] | None = None


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import in a file."""
    global KNOWN
    KNOWN = KNOWN or set(modules())
    source = path.read_text(encoding="utf-8")
    here = module_name(path)
    package = here.split(".") if path.name == "__init__.py" else here.split(".")[:-1]
    found: list[tuple[str, int, bool]] = []

    def targets(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
        target = ".".join(p for p in (base, node.module or "") if p)
        return [f"{target}.{a.name}" if f"{target}.{a.name}" in KNOWN else target for a in node.names]

    def visit(node, in_function: bool) -> None:
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            group: list[ast.stmt] = []
            for stmt in block + [None]:
                if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    group.append(stmt)
                    continue
                if group:
                    found.extend((t, g.lineno, inner) for g in group for t in targets(g))
                    group = []
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # imports for annotations only: never run, so they neither load nor layer anything
            visit(child, inner)

    visit(ast.parse(source), False)
    return found


def own(module: str) -> bool:
    return module == "mentor_app" or module.startswith("mentor_app.")


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for name, path in modules().items():
        for target, line, _inside in imports(path):
            if own(target) and rank(target) > rank(name):
                upward.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}")
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_nothing_below_the_ui_imports_qt():
    qt = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for name, path in modules().items()
        if part_of(name) != "ui"
        for target, line, _inside in imports(path)
        if target.split(".")[0] in QT
    ]
    assert not qt, "Qt outside mentor_app/ui:\n" + "\n".join(qt)


def test_the_modules_import_no_cycle():
    graph: dict[str, set[str]] = {}
    known = modules()
    for name, path in known.items():
        graph[name] = {t for t, *_ in imports(path) if t in known and t != name}
    # Tarjan's strongly connected components: any component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
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
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            connect(v)
    assert not cycles, "modules that import each other (directly or round a loop):\n" + "\n".join(
        " ↔ ".join(c) for c in cycles
    )


def unexplained_imports(path: Path) -> list[int]:
    """Lines of the imports inside a function with no `#` comment saying why: on the import's own lines, on
    the line just above it, or on (or just above) the first import of the run of imports it belongs to."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    commented = {
        tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline) if tok.type == tokenize.COMMENT
    }

    def says_why(stmt: ast.stmt) -> bool:
        own_lines = range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1)
        above = stmt.lineno - 1
        return any(n in commented for n in own_lines) or (
            above in commented and lines[above - 1].lstrip().startswith("#")
        )

    missing: list[int] = []

    def visit(node, in_function: bool) -> None:
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list) or not inner:
                continue
            first: ast.stmt | None = None
            for stmt in block:
                if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    first = None
                    continue
                first = first or stmt
                if not (says_why(stmt) or says_why(first)):
                    missing.append(stmt.lineno)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue  # imports for annotations only: never run
            visit(child, inner)

    visit(ast.parse(source), False)
    return missing


def test_every_import_inside_a_function_says_why():
    """An import inside a function hides the module's real needs, so each one says in a comment why it is
    there (keeps start-up fast, only one rare action needs it, a cycle it breaks); a run of imports needs one
    comment, above or on its first line. One with no reason belongs at the top of the module."""
    unexplained = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in modules().values()
        for line in unexplained_imports(path)
    ]
    assert not unexplained, "imports inside a function with no comment saying why:\n" + "\n".join(unexplained)


@pytest.mark.parametrize("source", ["from ..ui import app\n", "def f():\n    from ..records import store\n"])
def test_the_check_notices_a_storage_module_reaching_up(tmp_path, monkeypatch, source):
    """At the top of a module or hidden inside a function, an upward import is caught."""
    fake = tmp_path / "mentor_app"
    (fake / "storage").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "storage" / "__init__.py").write_text("")
    (fake / "storage" / "bad.py").write_text(source.replace("..records", "..ui"))
    monkeypatch.setitem(globals(), "PACKAGE", fake)
    monkeypatch.setitem(globals(), "KNOWN", None)
    with pytest.raises(AssertionError, match="bad.py"):
        test_no_module_imports_from_a_layer_above_its_own()
