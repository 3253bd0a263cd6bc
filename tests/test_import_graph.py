"""Imports between the project's modules run one way: no module imports, directly or
through others, a module that imports it back.

Every import counts, at module level or inside a function: an import tucked into a
function still ties the two modules together, it only hides the cycle until run time.
The layers this keeps apart: models <- services <- triage <- views, admin, commands.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("articles", "config", "moderation")


def project_modules() -> dict[str, Path]:
    """Map every project module's dotted name to its file."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports anywhere in its file.

    `from package import name` names the submodule when there is one, else the package.
    Importing a submodule is not counted as importing its package's __init__ as well:
    Python runs that once, first, and a package's own submodules import each other freely.
    """
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                if node.module:
                    base.append(node.module)
                source = ".".join(base)
            else:
                source = node.module
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
                for alias in node.names
            ]
        else:
            continue
        found.update(target for target in targets if target in modules and target != name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_module_and_function_level_imports():
    graph = import_graph()
    assert "moderation.models" in graph["moderation.services.decisions"]
    assert "articles.models" in graph["moderation.models.comments"]
    assert len(graph) > 50


def test_the_cycle_finder_reports_a_cycle_hidden_in_a_function(tmp_path):
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def late():\n    from a import thing\n")
    modules = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert cycles(graph) == [["a", "b"]]


def test_no_project_modules_import_each_other_in_a_circle():
    assert cycles(import_graph()) == []


def test_triage_never_imports_the_services():
    graph = import_graph()
    offenders = {
        name: sorted(t for t in targets if t.startswith("moderation.services"))
        for name, targets in graph.items()
        if name.startswith("moderation.triage")
    }
    assert {name: t for name, t in offenders.items() if t} == {}


def test_models_and_services_import_nothing_above_them():
    graph = import_graph()
    above = ("moderation.triage", "moderation.screening", "moderation.tasks", "moderation.workers",
             "articles.tasks", "moderation.views", "moderation.admin",
             "moderation.queues", "moderation.forms", "articles.views", "articles.importers",
             "articles.admin", "articles.management", "moderation.management")
    for name, targets in graph.items():
        if name.startswith(("moderation.models", "moderation.services", "articles.models")):
            assert not [t for t in targets if t.startswith(above)], name
    assert not [t for t in graph["articles.models"] if t.startswith("moderation")]
