"""The product's imports run one way (docs/architecture.md): no module imports another that
imports it back, directly or through others, and no import hides inside a function to dodge one.

Read with ``ast``, without importing anything, so a cycle is caught even where Python's import
order happens to let it load.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("accounts", "api", "booking", "peerakeet", "push", "scheduling", "zoom")
# Django's way to connect signal receivers once the app registry is ready: not a dodge.
ALLOWED_IN_FUNCTIONS = {
    ("scheduling.apps", "scheduling.receivers"),
    ("api.apps", "api.receivers"),
    ("push.apps", "push.receivers"),
    ("accounts.apps", "accounts.middleware"),
}


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path, name: str, known: dict[str, Path]) -> list[tuple[str, bool]]:
    """(imported product module, whether the import sits inside a function) for one module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, inside) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in child.names:
                    submodule = f"{base}.{alias.name}"
                    found.append((submodule if submodule in known else base, inside))
            visit(child, inside)

    visit(tree, False)
    return [(target, inside) for target, inside in found if target in known and target != name]


def graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    known = modules(root, packages)
    return {name: {t for t, _ in imports(path, name, known)} for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def test_no_product_module_imports_itself_back_through_others():
    assert cycles(graph(ROOT, PRODUCT)) == []


def test_no_product_import_hides_inside_a_function():
    known = modules(ROOT, PRODUCT)
    hidden = [
        (name, target)
        for name, path in known.items()
        for target, inside in imports(path, name, known)
        if inside and (name, target) not in ALLOWED_IN_FUNCTIONS
    ]
    assert hidden == []


def test_scheduling_reads_in_one_direction():
    """views/api → services → meetings → notifications → selectors/models (docs/architecture.md)."""
    edges = graph(ROOT, PRODUCT)
    order = [
        "scheduling.services",
        "scheduling.meetings",
        "scheduling.notifications",
        "scheduling.selectors",
        "scheduling.models",
    ]
    backwards = [
        (lower, higher)
        for i, higher in enumerate(order)
        for lower in order[i + 1 :]
        if higher in edges[lower]
    ]
    assert backwards == []


def test_the_check_finds_a_cycle_hidden_inside_a_function(tmp_path):
    """The checks above can fail: a circle dodged with an import in a function body is found."""
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "orders.py").write_text("from shop import billing\n")
    (package / "billing.py").write_text("def charge():\n    from shop.orders import x\n")
    (package / "mail.py").write_text("from . import orders\n")

    assert cycles(graph(tmp_path, ("shop",))) == [["shop.billing", "shop.orders"]]
    known = modules(tmp_path, ("shop",))
    assert ("shop.orders", True) in imports(known["shop.billing"], "shop.billing", known)
    assert imports(known["shop.mail"], "shop.mail", known) == [("shop.orders", False)]


def test_task_rows_queued_under_the_old_paths_still_run_the_same_tasks():
    """Rows queued before the tasks moved name scheduling.tasks.*: they resolve to the same
    tasks for one release (docs/operations.md, "Upgrading: queued task paths")."""
    from django.utils.module_loading import import_string

    from scheduling import meetings, notifications, sweep

    for name, task in [
        ("provision_meeting", meetings.provision_meeting),
        ("remove_meeting", meetings.remove_meeting),
        ("update_meeting", meetings.update_meeting),
        ("send_notification", notifications.send_notification),
        ("send_notifications", notifications.send_notifications),
        ("announce_meeting", notifications.announce_meeting),
        ("WorkerLost", sweep.WorkerLost),
    ]:
        assert import_string(f"scheduling.tasks.{name}") is task
