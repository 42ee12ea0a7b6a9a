"""The rooms' arrows, read from the code: a wrong import fails here, so the layout stays true.

Rooms point one way (console → contacts → customers; demo may use all, nothing uses demo). Inside
console, a capability package is entered only through the modules its `__init__` lists in
`__all__`, and neither modules nor packages import in a circle.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOMS = ("customers", "contacts", "console", "demo")
# What each room may import of the others.
ALLOWED_ROOMS = {
    "customers": set(),
    "contacts": {"customers"},
    "console": {"contacts", "customers"},
    "demo": {"console", "contacts", "customers"},
}
MAX_SHELL_MODULES = 15


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for room in ROOMS
        for path in (ROOT / room).rglob("*.py")
        if "migrations" not in path.parts
    }


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function: `from a.b import c`
    counts as `a.b.c` when that is a module, else `a.b`."""
    modules = product_modules()
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in modules else node.module)
    return {name for name in found if name.split(".")[0] in ROOMS}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {name: imports_of(path) for name, path in product_modules().items()}


def capability_packages() -> list[str]:
    return sorted(
        path.name
        for path in (ROOT / "console").iterdir()
        if (path / "__init__.py").exists()
        and path.name not in {"management", "migrations", "templatetags"}
    )


def package_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[0] == "console" and parts[1] in capability_packages():
        return parts[1]
    return None


def exported_modules(package: str) -> set[str]:
    tree = ast.parse((ROOT / "console" / package / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


def wrong_room_arrows(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{module} imports {imported}"
        for module, imported_modules in graph.items()
        for imported in sorted(imported_modules)
        if imported.split(".")[0] != module.split(".")[0]
        and imported.split(".")[0] not in ALLOWED_ROOMS[module.split(".")[0]]
    ]


def test_rooms_import_only_the_rooms_below_them(graph):
    assert wrong_room_arrows(graph) == []


def test_console_packages_are_entered_only_through_what_they_export(graph):
    wrong = []
    for module, imported_modules in graph.items():
        for imported in imported_modules:
            package = package_of(imported)
            if package is None or package_of(module) == package:
                continue
            entered = imported.split(".")[2] if imported.count(".") >= 2 else None
            if entered not in exported_modules(package):
                wrong.append(f"{module} imports {imported}")
    assert wrong == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The circles of a directed graph, one path each (depth-first, colours)."""
    found, state, path = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_module_imports_in_a_circle(graph):
    # A package's __init__ is what `from package import module` names: not an edge of its own.
    edges = {
        module: {name for name in imported if name in graph and graph.get(name) is not None}
        for module, imported in graph.items()
    }
    assert cycles(edges) == []


def test_no_console_packages_depend_on_each_other_in_a_circle(graph):
    edges: dict[str, set[str]] = {}
    for module, imported_modules in graph.items():
        source = package_of(module)
        if source is None:
            continue
        edges.setdefault(source, set()).update(
            target
            for target in map(package_of, imported_modules)
            if target is not None and target != source
        )
    assert cycles(edges) == []


def test_console_keeps_only_its_shell_beside_the_capability_packages():
    shell = sorted(path.name for path in (ROOT / "console").glob("*.py"))
    assert len(shell) <= MAX_SHELL_MODULES, shell
    assert len(capability_packages()) >= 3


def test_the_checks_see_a_wrong_arrow_and_a_circle():
    upward = {"customers.matching": {"console.calls.screen", "customers.models"}}
    assert wrong_room_arrows(upward) == ["customers.matching imports console.calls.screen"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_walker_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from console.calls import screen\n")
    assert imports_of(source) == {"console.calls.screen"}


def test_telephony_connectors_enter_the_call_pipeline_through_its_one_door(graph):
    # Each connector is a translator into handle_call_event; routing, the pop and the reports
    # never learn which platform a call came from (beyond contact.source).
    entered = {
        imported
        for module, imported_modules in graph.items()
        if module.startswith("console.telephony")
        for imported in imported_modules
        if imported.startswith("console.calls")
    }
    assert entered == {"console.calls.events"}
    knowing = [
        f"{module} imports {imported}"
        for module, imported_modules in graph.items()
        if module.split(".")[:2] in (["console", "calls"], ["console", "supervision"])
        or module.split(".")[0] in ("contacts", "customers")
        for imported in imported_modules
        if imported.startswith("console.telephony")
    ]
    assert knowing == []


def test_follow_ups_lean_on_no_other_console_package(graph):
    # Calls, the service desk, touchpoints and supervision all plan or read follow-ups; were
    # follow-ups to import any of them, a circle would follow.
    leaning = [
        f"{module} imports {imported}"
        for module, imported_modules in graph.items()
        if module.startswith("console.follow_ups")
        for imported in imported_modules
        if package_of(imported) not in (None, "follow_ups")
    ]
    assert leaning == []
